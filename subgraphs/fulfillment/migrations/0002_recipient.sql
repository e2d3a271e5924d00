-- The customer a shipment goes to: the only customer who may follow it. NULL when staff did
-- not name one (visible to staff only).
ALTER TABLE shipments ADD COLUMN customer_id UUID;
