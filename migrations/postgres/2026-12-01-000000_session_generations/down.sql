ALTER TABLE refresh_tokens DROP COLUMN session_generation;
ALTER TABLE users DROP COLUMN session_generation;
