-- Times are naive UTC (`timestamp`, microseconds): one diesel schema serves
-- PostgreSQL and SQLite, and the application converts to and from UTC.
CREATE TABLE users (
    id            TEXT      NOT NULL PRIMARY KEY,  -- ULID, sorts by creation time
    username      TEXT      NOT NULL,
    email         TEXT,                            -- stored lower-cased by the domain
    full_name     TEXT,
    address       TEXT,
    role          TEXT      NOT NULL CONSTRAINT users_role_check CHECK (role IN ('customer', 'admin')),
    disabled      BOOLEAN   NOT NULL DEFAULT FALSE,
    password_hash TEXT      NOT NULL,
    version       BIGINT    NOT NULL CONSTRAINT users_version_check CHECK (version >= 1),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    deleted_at    TIMESTAMP                        -- soft delete: the row stays for the shop's records
);

-- Uniqueness is the database's decision, among live users only, so a deleted
-- user's name and e-mail are free again. The adapters map these index names
-- to the client's field names.
CREATE UNIQUE INDEX users_username_key ON users (lower(username)) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE deleted_at IS NULL;
