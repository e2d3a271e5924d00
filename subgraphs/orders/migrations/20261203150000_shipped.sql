-- Whether any of the order's parcels has left the warehouse (fed by fulfillment's
-- ShipmentShipped and ShipmentDelivered): such an order can no longer be cancelled, only its
-- delivered units returned.
ALTER TABLE orders ADD COLUMN shipped BOOLEAN NOT NULL DEFAULT false;
