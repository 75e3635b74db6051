-- Written when `zonmart demo` starts on a database: the proof that the demo
-- made what the database holds. The demo refuses, even with --force, a
-- database that holds users or products and no marker. One row at most.
CREATE TABLE demo_marker (
    id             INTEGER   NOT NULL PRIMARY KEY CHECK (id = 1),
    admin_username TEXT      NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
