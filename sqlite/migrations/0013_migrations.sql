-- Migration tasks (issue 12). The source's password is not here: it is
-- sealed in secrets under the migration id. spec is the JSON of what the
-- user chose: the source without its password, the selection, the sync
-- switches. A name is unique among an instance's migrations not deleted.
CREATE TABLE migrations (
    id               TEXT PRIMARY KEY,
    instance_id      TEXT NOT NULL,
    name             TEXT NOT NULL,
    spec             TEXT NOT NULL,
    state            TEXT NOT NULL,
    state_reason     TEXT NOT NULL DEFAULT '',
    task_id          TEXT NOT NULL DEFAULT '',
    pid              INTEGER NOT NULL DEFAULT 0,
    started_at       INTEGER,
    restarts         INTEGER NOT NULL DEFAULT 0,
    resource_version INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    deleted_at       INTEGER
);
CREATE UNIQUE INDEX migrations_live_name ON migrations (instance_id, name) WHERE deleted_at IS NULL;
