-- A paid order's cancellation waits for fulfillment to stop its parcels: CANCELLING, since
-- cancel_requested_at (asked again when no answer came, see cancellations.rs).
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
    CHECK (status IN ('PLACED', 'PAID', 'CANCELLING', 'FULFILLED', 'CANCELLED'));
ALTER TABLE orders ADD COLUMN cancel_requested_at TIMESTAMPTZ;
CREATE INDEX orders_cancelling ON orders (cancel_requested_at) WHERE status = 'CANCELLING';
