-- GET /api/v1/users/me: the handler's own SELECT of the caller
-- (crates/adapters/src/user_repository/mod.rs, `find`). Not included, as
-- for every authenticated endpoint here: the bearer token's user look-up
-- (the same SELECT once more) that runs before the handler.
\set u random(1, 16)
SELECT id, username, email, full_name, address, role, disabled, password_hash, version, created_at, updated_at FROM users WHERE deleted_at IS NULL AND id = '01KBCS' || lpad(:u::text, 20, '0') LIMIT 1;
