-- Idempotency keys, exactly as subgraph_kit::idempotency::MIGRATION_SQL.
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The catalog. Prices are integer minor units of `currency`.
CREATE TABLE products (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    price_amount BIGINT NOT NULL CHECK (price_amount >= 0),
    currency TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$')
);

CREATE TABLE orders (
    id UUID PRIMARY KEY,
    -- Owned by the customers subgraph: a reference, not a foreign key.
    customer_id UUID NOT NULL,
    currency TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    total_amount BIGINT NOT NULL CHECK (total_amount >= 0),
    status TEXT NOT NULL CHECK (status IN ('PLACED', 'PAID', 'FULFILLED', 'CANCELLED')),
    placed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Customer.orders walks a customer's orders newest first.
CREATE INDEX orders_customer_placed ON orders (customer_id, placed_at DESC, id DESC);

CREATE TABLE order_lines (
    order_id UUID NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no INT NOT NULL,
    sku TEXT NOT NULL REFERENCES products (sku),
    quantity INT NOT NULL CHECK (quantity > 0),
    -- The catalog price when the order was placed; later price changes do not alter orders.
    unit_price BIGINT NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, line_no)
);
