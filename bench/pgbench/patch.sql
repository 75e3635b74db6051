-- PATCH /api/v1/users/{id}: what the handler runs (crates/app/src/users,
-- `update`; crates/adapters/src/user_repository/mod.rs): read the user, then
-- write the whole row back guarded by the version it read. Users 17..1000 (1..16 are the
-- logged-in customers), as the wrk script patches. Not included: the
-- token's user look-up.
\set u random(17, 1000)
SELECT id, username, email, full_name, address, role, disabled, password_hash, version, created_at, updated_at FROM users WHERE deleted_at IS NULL AND id = '01KBCS' || lpad(:u::text, 20, '0') LIMIT 1 \gset
UPDATE users SET username = :username, email = :email, full_name = 'Bench Patch ' || :client_id, address = :address, role = :role, disabled = :disabled, password_hash = :password_hash, version = :version + 1, updated_at = now() WHERE deleted_at IS NULL AND id = :id AND version = :version;
