-- Which sessions of a user are alive (User::session_generation): a password
-- change and a disable move it on, and every token of an older generation
-- is refused, access and refresh tokens alike.
ALTER TABLE users ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refresh_tokens ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
