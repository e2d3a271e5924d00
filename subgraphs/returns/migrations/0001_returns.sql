-- Idempotency keys, exactly as subgraph_kit::idempotency::MIGRATION_SQL.
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE returns (
    id UUID PRIMARY KEY,
    order_id UUID NOT NULL,
    -- The payment to refund, when the customer paid (owned by the payments subgraph).
    payment_id UUID,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('REQUESTED', 'APPROVED', 'REJECTED', 'REFUNDED')),
    rejection_reason TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'REJECTED') = (rejection_reason IS NOT NULL))
);

CREATE INDEX returns_order_id_idx ON returns (order_id, created_at, id);
CREATE INDEX returns_payment_id_idx ON returns (payment_id, created_at, id)
    WHERE payment_id IS NOT NULL;

CREATE TABLE return_lines (
    return_id UUID NOT NULL REFERENCES returns (id),
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (return_id, sku)
);
