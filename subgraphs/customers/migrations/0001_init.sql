-- Idempotency keys, exactly as subgraph_kit::idempotency::MIGRATION_SQL.
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE customers (
    id UUID PRIMARY KEY,
    -- Stored lower-cased by the service, so the plain unique constraint is case-insensitive.
    email TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
    name TEXT NOT NULL CHECK (length(name) > 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Keyset pagination walks (created_at, id).
CREATE INDEX customers_created_at_id ON customers (created_at, id);
