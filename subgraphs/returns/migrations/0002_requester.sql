-- The customer who asked for each return: the only customer who may see it. NULL for returns
-- staff opened (visible to staff only).
ALTER TABLE returns ADD COLUMN customer_id UUID;
