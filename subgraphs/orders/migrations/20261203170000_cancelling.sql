-- A paid order's cancellation waits for fulfillment to stop its parcels: CANCELLING, since
-- cancel_requested_at, last asked at cancel_asked_at (asked again when no answer came, see
-- cancellations.rs).
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
    CHECK (status IN ('PLACED', 'PAID', 'CANCELLING', 'FULFILLED', 'CANCELLED'));
ALTER TABLE orders ADD COLUMN cancel_requested_at TIMESTAMPTZ;
ALTER TABLE orders ADD COLUMN cancel_asked_at TIMESTAMPTZ;
CREATE INDEX orders_cancelling ON orders (cancel_asked_at) WHERE status = 'CANCELLING';
