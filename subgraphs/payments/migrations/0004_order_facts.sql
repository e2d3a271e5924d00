-- What payments knows of each order, fed by the orders and fulfillment events (the consumer
-- `payments`): a payment is checked against it, never against what the client claims.
CREATE TABLE order_facts (
    order_id UUID PRIMARY KEY,
    customer_id UUID NOT NULL,
    currency TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    total BIGINT NOT NULL CHECK (total >= 0),
    status TEXT NOT NULL CHECK (status IN ('PLACED', 'PAID', 'FULFILLED', 'CANCELLED')),
    -- Fulfillment took the order's lines out of stock: the provider may be asked to pay it.
    stock_reserved BOOLEAN NOT NULL DEFAULT false
);

-- The order's lines at the prices charged: what an approved return refunds.
CREATE TABLE order_fact_lines (
    order_id UUID NOT NULL REFERENCES order_facts (order_id),
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, sku)
);

-- An authorization released without capture (its order was cancelled first).
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN
    ('AUTHORIZED', 'CAPTURED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'VOIDED'));
