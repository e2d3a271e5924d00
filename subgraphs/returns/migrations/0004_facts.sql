-- What returns knows of other domains, fed by their events (the consumer `returns`): a
-- return is checked against it.
CREATE TABLE known_orders (
    order_id UUID PRIMARY KEY,
    customer_id UUID NOT NULL
);

-- Units of each order delivered so far, per SKU (from ShipmentDelivered).
CREATE TABLE delivered_lines (
    order_id UUID NOT NULL,
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, sku)
);

-- Captured payments and what has been refunded of them (from PaymentCaptured/Refunded).
CREATE TABLE captured_payments (
    payment_id UUID PRIMARY KEY,
    order_id UUID NOT NULL,
    captured BIGINT NOT NULL CHECK (captured >= 0),
    refunded BIGINT NOT NULL DEFAULT 0 CHECK (refunded BETWEEN 0 AND captured)
);
CREATE INDEX captured_payments_order_idx ON captured_payments (order_id);
