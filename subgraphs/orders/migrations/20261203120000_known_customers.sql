-- The customers orders knows of (its read model of the customers domain), fed by
-- `customers.CustomerRegistered` (the consumer `orders`): placeOrder is checked against it,
-- never against the id the client sends. Customers are never deleted, so rows only appear.
CREATE TABLE known_customers (
    customer_id UUID PRIMARY KEY,
    known_since TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A database older than this table holds orders accepted before the check: their customers
-- are ones it already serves (a fresh database has no orders here, so this inserts nothing).
-- Customers registered before it who never ordered went past the consumer unread
-- (docs/events.md).
INSERT INTO known_customers (customer_id)
SELECT DISTINCT customer_id FROM orders
ON CONFLICT (customer_id) DO NOTHING;
