-- Idempotency keys, exactly as subgraph_kit::idempotency::MIGRATION_SQL.
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE payments (
    id UUID PRIMARY KEY,
    order_id UUID NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    captured_amount BIGINT NOT NULL DEFAULT 0,
    refunded_amount BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL
        CHECK (status IN ('AUTHORIZED', 'CAPTURED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED')),
    method TEXT NOT NULL CHECK (method IN ('CARD', 'BANK_TRANSFER', 'WALLET')),
    failure_reason TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The database enforces the money invariants too, so no code path can over-capture or
    -- over-refund.
    CHECK (captured_amount BETWEEN 0 AND amount),
    CHECK (refunded_amount BETWEEN 0 AND captured_amount)
);

CREATE INDEX payments_order_id_idx ON payments (order_id, created_at, id);

-- One row per refund: the audit trail behind payments.refunded_amount.
CREATE TABLE refunds (
    id UUID PRIMARY KEY,
    payment_id UUID NOT NULL REFERENCES payments (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX refunds_payment_id_idx ON refunds (payment_id);
