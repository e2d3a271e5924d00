-- What fulfillment knows of each order, fed by the orders events (the consumer
-- `fulfillment`): shipments are checked against it.
CREATE TABLE known_orders (
    order_id UUID PRIMARY KEY,
    customer_id UUID NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PLACED', 'PAID', 'FULFILLED', 'CANCELLED')),
    -- Its lines were taken out of stock when it was placed (released if it is cancelled).
    reserved BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE known_order_lines (
    order_id UUID NOT NULL REFERENCES known_orders (order_id),
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, sku)
);

-- A PENDING shipment of an order cancelled before the carrier took it.
ALTER TABLE shipments DROP CONSTRAINT shipments_status_check;
ALTER TABLE shipments ADD CONSTRAINT shipments_status_check
    CHECK (status IN ('PENDING', 'SHIPPED', 'DELIVERED', 'CANCELLED'));
ALTER TABLE shipments DROP CONSTRAINT shipments_check;
ALTER TABLE shipments ADD CONSTRAINT shipments_tracking_check
    CHECK (status IN ('PENDING', 'CANCELLED') OR tracking_number IS NOT NULL);
-- When the status last changed: the simulated carrier moves a shipment after a delay.
ALTER TABLE shipments ADD COLUMN status_changed_at TIMESTAMPTZ NOT NULL DEFAULT now();
CREATE INDEX shipments_open_idx ON shipments (status, status_changed_at)
    WHERE status IN ('PENDING', 'SHIPPED');
