-- Idempotency keys, exactly as subgraph_kit::idempotency::MIGRATION_SQL.
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Stock on hand per catalog SKU (the catalog itself lives in the orders subgraph).
-- The CHECK is the last line of defence: reservations are conditional updates.
CREATE TABLE inventory (
    sku TEXT PRIMARY KEY,
    stock INTEGER NOT NULL CHECK (stock >= 0),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Audit trail of manual stock adjustments.
CREATE TABLE stock_adjustments (
    id UUID PRIMARY KEY,
    sku TEXT NOT NULL,
    delta INTEGER NOT NULL CHECK (delta <> 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE shipments (
    id UUID PRIMARY KEY,
    order_id UUID NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PENDING', 'SHIPPED', 'DELIVERED')),
    carrier TEXT NOT NULL,
    tracking_number TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (status = 'PENDING' OR tracking_number IS NOT NULL)
);

CREATE INDEX shipments_order_id_idx ON shipments (order_id, created_at, id);

CREATE TABLE shipment_lines (
    shipment_id UUID NOT NULL REFERENCES shipments (id),
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, sku)
);
