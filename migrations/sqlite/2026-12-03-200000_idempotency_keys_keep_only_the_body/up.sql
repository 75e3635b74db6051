-- An idempotency key's record is complete once its answer's body is stored
-- (`body` is NULL while the request runs). Only successes are stored, and
-- what a success looks like on the wire is the HTTP layer's to say, so the
-- status code is no longer kept.
ALTER TABLE idempotency_keys DROP COLUMN status_code;
