-- Instances: the desired spec plus the lifecycle status. Names are unique
-- among instances not yet deleted; DELETED records keep theirs.
CREATE TABLE instances (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    kafka_version         TEXT NOT NULL,
    flavor                TEXT NOT NULL,
    broker_count          INTEGER NOT NULL,
    storage_gb_per_broker INTEGER NOT NULL,
    disk_type             TEXT NOT NULL,
    zones                 TEXT NOT NULL,          -- JSON array
    auto_create_topics    INTEGER NOT NULL,
    tags                  TEXT NOT NULL,          -- JSON object
    status                TEXT NOT NULL,
    status_reason         TEXT NOT NULL DEFAULT '',
    cluster_id            TEXT NOT NULL DEFAULT '',
    resource_version      INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,       -- unix nanoseconds
    updated_at            INTEGER NOT NULL,
    deleted_at            INTEGER
);
CREATE UNIQUE INDEX instances_live_name ON instances (name) WHERE status <> 'DELETED';
CREATE INDEX instances_created ON instances (created_at);

CREATE TABLE brokers (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    node_id     INTEGER NOT NULL,
    roles       TEXT NOT NULL,                    -- JSON array
    state       TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    rack        TEXT NOT NULL,
    host        TEXT NOT NULL DEFAULT '',
    ports       TEXT NOT NULL DEFAULT '{}',       -- JSON object: purpose -> port
    endpoints   TEXT NOT NULL DEFAULT '{}',       -- JSON object: listener -> host:port
    pid         INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER,
    restarts    INTEGER NOT NULL DEFAULT 0,
    used_bytes  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (instance_id, node_id)
);

-- Tasks: at most one unfinished task holds an instance (the partial unique
-- index makes that a database rule, not a race).
CREATE TABLE tasks (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    instance_id  TEXT,
    target       TEXT NOT NULL,
    status       TEXT NOT NULL,
    active       INTEGER NOT NULL,               -- 1 while PENDING or RUNNING
    steps        TEXT NOT NULL,                  -- JSON array of steps
    current_step INTEGER NOT NULL,
    progress     INTEGER NOT NULL,
    error        TEXT NOT NULL DEFAULT '',
    result       TEXT NOT NULL DEFAULT '',
    params       TEXT NOT NULL,
    state        TEXT NOT NULL,
    lease_owner  TEXT NOT NULL DEFAULT '',
    lease_until  INTEGER,
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX tasks_one_active_per_instance ON tasks (instance_id) WHERE active = 1 AND instance_id IS NOT NULL;
CREATE INDEX tasks_instance_created ON tasks (instance_id, created_at);
CREATE INDEX tasks_active ON tasks (active, created_at);

CREATE TABLE task_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    at      INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX task_events_task ON task_events (task_id, id);

-- Ports the local provisioner handed out; a port has at most one owner.
CREATE TABLE port_reservations (
    port  INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    seq   INTEGER NOT NULL
);
CREATE INDEX port_reservations_owner ON port_reservations (owner, seq);

-- Sealed (encrypted) secrets; the key lives outside the store.
CREATE TABLE secrets (
    owner  TEXT NOT NULL,
    name   TEXT NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (owner, name)
);
