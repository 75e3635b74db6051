ALTER TABLE idempotency_keys ADD COLUMN status_code INTEGER;
UPDATE idempotency_keys SET status_code = 201 WHERE body IS NOT NULL;
