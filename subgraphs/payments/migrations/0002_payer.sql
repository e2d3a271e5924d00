-- The customer who authorized each payment: the only customer who may see it. NULL for
-- payments made by staff (visible to staff only).
ALTER TABLE payments ADD COLUMN customer_id UUID;
