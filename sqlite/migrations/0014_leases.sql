-- Several servers on one store: a task's lease token fences a server that
-- lost the task; named leases divide the supervision of instances; servers
-- report themselves by heartbeat.
ALTER TABLE tasks ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;

CREATE TABLE leases (
    name  TEXT PRIMARY KEY,
    owner TEXT NOT NULL,            -- '' once released
    token INTEGER NOT NULL,
    until INTEGER NOT NULL
);

CREATE TABLE servers (
    id          TEXT PRIMARY KEY,
    host        TEXT NOT NULL,
    data_dir    TEXT NOT NULL,
    listen      TEXT NOT NULL,
    provisioner TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    seen_at     INTEGER NOT NULL
);
