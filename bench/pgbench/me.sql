-- GET /api/v1/users/me: the one SELECT of the caller, which is both the
-- bearer token's check and the answer (AuthService::current_user;
-- crates/adapters/src/user_repository/mod.rs, `find`).
\set u random(1, 16)
SELECT id, username, email, full_name, address, role, disabled, password_hash, version, created_at, updated_at FROM users WHERE deleted_at IS NULL AND id = '01KBCS' || lpad(:u::text, 20, '0') LIMIT 1;
