-- A paid order's cancellation waits for fulfillment to stop its parcels: CANCELLING.
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
    CHECK (status IN ('PLACED', 'PAID', 'CANCELLING', 'FULFILLED', 'CANCELLED'));
