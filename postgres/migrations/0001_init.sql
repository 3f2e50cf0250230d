-- The whole schema of SQLite's migrations 0001 to 0014, in PostgreSQL's
-- types: every integer is a BIGINT (times are unix nanoseconds), flags are
-- BOOLEAN, blobs BYTEA. Every text column sorts and compares bytewise
-- (COLLATE "C"), as SQLite does, so that both stores list in one order and
-- range conditions on text (audit action prefixes, lease names) mean the
-- same whatever the database's locale.

-- Instances: the desired spec plus the lifecycle status. Names are unique
-- among instances not yet deleted; DELETED records keep theirs.
CREATE TABLE instances (
    id                    TEXT COLLATE "C" PRIMARY KEY,
    name                  TEXT COLLATE "C" NOT NULL,
    description           TEXT COLLATE "C" NOT NULL DEFAULT '',
    kafka_version         TEXT COLLATE "C" NOT NULL,
    flavor                TEXT COLLATE "C" NOT NULL,
    broker_count          BIGINT NOT NULL,
    storage_gb_per_broker BIGINT NOT NULL,
    disk_type             TEXT COLLATE "C" NOT NULL,
    zones                 TEXT COLLATE "C" NOT NULL,              -- JSON array
    auto_create_topics    BOOLEAN NOT NULL,
    tags                  TEXT COLLATE "C" NOT NULL,              -- JSON object
    status                TEXT COLLATE "C" NOT NULL,
    status_reason         TEXT COLLATE "C" NOT NULL DEFAULT '',
    cluster_id            TEXT COLLATE "C" NOT NULL DEFAULT '',
    resource_version      BIGINT NOT NULL,
    created_at            BIGINT NOT NULL,                       -- unix nanoseconds
    updated_at            BIGINT NOT NULL,
    deleted_at            BIGINT,
    parameters            TEXT COLLATE "C" NOT NULL DEFAULT '{}', -- JSON object of non-default values
    applied_parameters    TEXT COLLATE "C" NOT NULL DEFAULT '{}', -- static values the brokers last started with
    security_protocol     TEXT COLLATE "C" NOT NULL DEFAULT 'PLAINTEXT',
    sasl_mechanisms       TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    kafka_user            TEXT COLLATE "C" NOT NULL DEFAULT '',
    public_access         BOOLEAN NOT NULL DEFAULT FALSE,
    mutual_tls            BOOLEAN NOT NULL DEFAULT FALSE,
    custom_certificate    BOOLEAN NOT NULL DEFAULT FALSE,
    project               TEXT COLLATE "C" NOT NULL DEFAULT 'default',
    deletion_protection   BOOLEAN NOT NULL DEFAULT FALSE,
    capacity_policy       TEXT COLLATE "C" NOT NULL DEFAULT 'auto_delete',
    production_stopped    BOOLEAN NOT NULL DEFAULT FALSE,
    capacity_event        TEXT COLLATE "C" NOT NULL DEFAULT '',
    storage_expansions    BIGINT NOT NULL DEFAULT 0,
    upgrade_from          TEXT COLLATE "C" NOT NULL DEFAULT '',
    metadata_level        BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX instances_live_name ON instances (name) WHERE status <> 'DELETED';
CREATE INDEX instances_created ON instances (created_at);
CREATE INDEX instances_project ON instances (project);

CREATE TABLE brokers (
    instance_id   TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    node_id       BIGINT NOT NULL,
    roles         TEXT COLLATE "C" NOT NULL,              -- JSON array
    state         TEXT COLLATE "C" NOT NULL,
    error         TEXT COLLATE "C" NOT NULL DEFAULT '',
    rack          TEXT COLLATE "C" NOT NULL,
    host          TEXT COLLATE "C" NOT NULL DEFAULT '',
    ports         TEXT COLLATE "C" NOT NULL DEFAULT '{}', -- JSON object: purpose -> port
    endpoints     TEXT COLLATE "C" NOT NULL DEFAULT '{}', -- JSON object: listener -> host:port
    pid           BIGINT NOT NULL DEFAULT 0,
    started_at    BIGINT,
    restarts      BIGINT NOT NULL DEFAULT 0,
    used_bytes    BIGINT NOT NULL DEFAULT 0,
    kafka_version TEXT COLLATE "C" NOT NULL DEFAULT '',
    advertised    TEXT COLLATE "C" NOT NULL DEFAULT '{}', -- JSON object: client listener -> host:port
    PRIMARY KEY (instance_id, node_id)
);

-- Tasks: at most one unfinished task holds an instance (the partial unique
-- index makes that a database rule, not a race). lease_token fences a
-- server that lost the task.
CREATE TABLE tasks (
    id           TEXT COLLATE "C" PRIMARY KEY,
    kind         TEXT COLLATE "C" NOT NULL,
    instance_id  TEXT COLLATE "C",
    target       TEXT COLLATE "C" NOT NULL,
    status       TEXT COLLATE "C" NOT NULL,
    active       BIGINT NOT NULL,                        -- 1 while PENDING or RUNNING
    steps        TEXT COLLATE "C" NOT NULL,              -- JSON array of steps
    current_step BIGINT NOT NULL,
    progress     BIGINT NOT NULL,
    error        TEXT COLLATE "C" NOT NULL DEFAULT '',
    result       TEXT COLLATE "C" NOT NULL DEFAULT '',
    params       TEXT COLLATE "C" NOT NULL,
    state        TEXT COLLATE "C" NOT NULL,
    lease_owner  TEXT COLLATE "C" NOT NULL DEFAULT '',
    lease_until  BIGINT,
    lease_token  BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT,
    updated_at   BIGINT NOT NULL,
    requested_by TEXT COLLATE "C" NOT NULL DEFAULT '',
    audit        TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX tasks_one_active_per_instance ON tasks (instance_id) WHERE active = 1 AND instance_id IS NOT NULL;
CREATE INDEX tasks_instance_created ON tasks (instance_id, created_at);
CREATE INDEX tasks_active ON tasks (active, created_at);

CREATE TABLE task_events (
    id      BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    task_id TEXT COLLATE "C" NOT NULL,
    at      BIGINT NOT NULL,
    message TEXT COLLATE "C" NOT NULL
);
CREATE INDEX task_events_task ON task_events (task_id, id);

-- Ports the local provisioner handed out; a port has at most one owner.
CREATE TABLE port_reservations (
    port  BIGINT PRIMARY KEY,
    owner TEXT COLLATE "C" NOT NULL,
    seq   BIGINT NOT NULL
);
CREATE INDEX port_reservations_owner ON port_reservations (owner, seq);

-- Sealed (encrypted) secrets; the key lives outside the store.
CREATE TABLE secrets (
    owner  TEXT COLLATE "C" NOT NULL,
    name   TEXT COLLATE "C" NOT NULL,
    sealed BYTEA NOT NULL,
    PRIMARY KEY (owner, name)
);

-- An instance's SASL users. Passwords are never stored: Kafka keeps SCRAM
-- credentials, and a PLAIN user's salted hash is kept sealed.
CREATE TABLE kafka_users (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    initial     BOOLEAN NOT NULL,
    plain_hash  BYTEA,                -- sealed; NULL without PLAIN
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (instance_id, name)
);

-- The control plane's own identities: accounts, their policy attachments
-- and API tokens, custom policies, projects, and the audit chain.
CREATE TABLE accounts (
    id               TEXT COLLATE "C" PRIMARY KEY,
    name             TEXT COLLATE "C" NOT NULL UNIQUE,
    password_hash    TEXT COLLATE "C" NOT NULL DEFAULT '',  -- KDF output; '' for token-only accounts
    project          TEXT COLLATE "C" NOT NULL,             -- home project
    resource_version BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

-- A policy per project; project '*' means every project. Built-in
-- policies are not stored, so policy is not a foreign key.
CREATE TABLE attachments (
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    policy     TEXT COLLATE "C" NOT NULL,
    project    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, policy, project)
);
CREATE INDEX attachments_policy ON attachments (policy);
CREATE INDEX attachments_project ON attachments (project);

-- API tokens: only the SHA-256 of the secret is kept.
CREATE TABLE tokens (
    id           TEXT COLLATE "C" PRIMARY KEY,
    account_id   TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    description  TEXT COLLATE "C" NOT NULL DEFAULT '',
    hash         TEXT COLLATE "C" NOT NULL UNIQUE,
    login        BOOLEAN NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX tokens_account ON tokens (account_id, created_at);

-- Custom policies; document is the DMS/IAM JSON form.
CREATE TABLE policies (
    name             TEXT COLLATE "C" PRIMARY KEY,
    description      TEXT COLLATE "C" NOT NULL DEFAULT '',
    document         TEXT COLLATE "C" NOT NULL,
    resource_version BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

-- Projects and their quotas; 0 means no limit.
CREATE TABLE projects (
    name             TEXT COLLATE "C" PRIMARY KEY,
    description      TEXT COLLATE "C" NOT NULL DEFAULT '',
    max_instances    BIGINT NOT NULL DEFAULT 0,
    max_brokers      BIGINT NOT NULL DEFAULT 0,
    max_storage_gb   BIGINT NOT NULL DEFAULT 0,
    resource_version BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
INSERT INTO projects (name, description, resource_version, created_at, updated_at)
VALUES ('default', 'Instances created without a project', 1,
        CAST(EXTRACT(EPOCH FROM date_trunc('second', now())) AS BIGINT) * 1000000000,
        CAST(EXTRACT(EPOCH FROM date_trunc('second', now())) AS BIGINT) * 1000000000);

-- The audit chain: each hash covers the entry and prev_hash, the hash of
-- the entry before it (streamplane.AuditEntry.ChainHash).
CREATE TABLE audit (
    seq           BIGINT PRIMARY KEY,
    at            BIGINT NOT NULL,                 -- unix nanoseconds, whole microseconds
    user_name     TEXT COLLATE "C" NOT NULL,       -- account name; '' when unauthenticated
    source        TEXT COLLATE "C" NOT NULL,
    action        TEXT COLLATE "C" NOT NULL,
    resource_type TEXT COLLATE "C" NOT NULL,
    resource_id   TEXT COLLATE "C" NOT NULL,
    resource_name TEXT COLLATE "C" NOT NULL,
    project       TEXT COLLATE "C" NOT NULL,
    result        TEXT COLLATE "C" NOT NULL,
    status        BIGINT NOT NULL,
    request_id    TEXT COLLATE "C" NOT NULL,
    task_id       TEXT COLLATE "C" NOT NULL,
    summary       TEXT COLLATE "C" NOT NULL,
    prev_hash     TEXT COLLATE "C" NOT NULL,
    hash          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_user ON audit (user_name, seq);
CREATE INDEX audit_action ON audit (action, seq);

-- The last entry pruned from the chain, so that appending after pruning
-- every entry still continues the chain instead of starting a new one.
CREATE TABLE audit_anchor (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT COLLATE "C" NOT NULL
);

-- Metric history: a row per series, a row per chunk of its points (one
-- resolution, one time window, packed by package series). Starts are unix
-- seconds, resolutions seconds. A series needs its instance; purging the
-- instance deletes the series and their chunks first.
CREATE TABLE metric_series (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances (id),
    metric      TEXT COLLATE "C" NOT NULL,
    broker      BIGINT NOT NULL,
    topic       TEXT COLLATE "C" NOT NULL,
    partition   BIGINT NOT NULL,
    group_name  TEXT COLLATE "C" NOT NULL,
    UNIQUE (instance_id, metric, broker, topic, partition, group_name)
);

CREATE TABLE metric_chunks (
    series_id  BIGINT NOT NULL REFERENCES metric_series (id),
    resolution BIGINT NOT NULL,
    start      BIGINT NOT NULL,
    points     BIGINT NOT NULL,
    data       BYTEA NOT NULL,
    UNIQUE (series_id, resolution, start)
);
-- Rollups and pruning scan one resolution by time across every series.
CREATE INDEX metric_chunks_by_start ON metric_chunks (resolution, start);

-- Alarm notification channels and the delivery log. A webhook's signing
-- secret is not here: it is sealed in secrets under the channel id.
CREATE TABLE alarm_channels (
    id               TEXT COLLATE "C" PRIMARY KEY,
    name             TEXT COLLATE "C" NOT NULL UNIQUE,
    kind             TEXT COLLATE "C" NOT NULL,
    url              TEXT COLLATE "C" NOT NULL DEFAULT '',
    recipients       TEXT COLLATE "C" NOT NULL DEFAULT '[]', -- JSON array of addresses
    has_secret       BOOLEAN NOT NULL DEFAULT FALSE,
    resource_version BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

-- One row per notification to one channel. No foreign key to the channel:
-- finished deliveries outlive a deleted channel as its log. seq orders
-- deliveries enqueued in one transaction, which share created_at.
CREATE TABLE alarm_deliveries (
    seq             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    id              TEXT COLLATE "C" NOT NULL UNIQUE,
    channel_id      TEXT COLLATE "C" NOT NULL,
    alarm_id        TEXT COLLATE "C" NOT NULL,
    payload         TEXT COLLATE "C" NOT NULL,
    status          TEXT COLLATE "C" NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT COLLATE "C" NOT NULL DEFAULT '',
    delivered_at    BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX alarm_deliveries_due ON alarm_deliveries (status, next_attempt_at);
CREATE INDEX alarm_deliveries_channel ON alarm_deliveries (channel_id, seq);
CREATE INDEX alarm_deliveries_alarm ON alarm_deliveries (alarm_id, seq);

-- Alarm rules, what their evaluation remembers between collections, and
-- the alarms they raised.
CREATE TABLE alarm_rules (
    id               TEXT COLLATE "C" PRIMARY KEY,
    instance_id      TEXT COLLATE "C" NOT NULL,
    name             TEXT COLLATE "C" NOT NULL,
    description      TEXT COLLATE "C" NOT NULL DEFAULT '',
    metric           TEXT COLLATE "C" NOT NULL,
    broker           BIGINT,                   -- NULL: every broker
    topic            TEXT COLLATE "C",         -- NULL: every topic
    grp              TEXT COLLATE "C",         -- NULL: every group
    op               TEXT COLLATE "C" NOT NULL,
    threshold        DOUBLE PRECISION NOT NULL,
    periods          BIGINT NOT NULL,
    severity         TEXT COLLATE "C" NOT NULL,
    enabled          BOOLEAN NOT NULL,
    channels         TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    resource_version BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (instance_id, name)
);

-- One row per rule and series the rule has seen breach or is firing on.
CREATE TABLE alarm_states (
    rule_id   TEXT COLLATE "C" NOT NULL,
    broker    BIGINT NOT NULL,
    topic     TEXT COLLATE "C" NOT NULL,
    part      BIGINT NOT NULL,
    grp       TEXT COLLATE "C" NOT NULL,
    breaches  BIGINT NOT NULL,
    alarm_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    at        BIGINT NOT NULL,
    PRIMARY KEY (rule_id, broker, topic, part, grp)
);

CREATE TABLE alarms (
    id             TEXT COLLATE "C" PRIMARY KEY,
    rule_id        TEXT COLLATE "C" NOT NULL,
    rule_name      TEXT COLLATE "C" NOT NULL,
    instance_id    TEXT COLLATE "C" NOT NULL,
    metric         TEXT COLLATE "C" NOT NULL,
    labels         TEXT COLLATE "C" NOT NULL,
    op             TEXT COLLATE "C" NOT NULL,
    threshold      DOUBLE PRECISION NOT NULL,
    periods        BIGINT NOT NULL,
    severity       TEXT COLLATE "C" NOT NULL,
    state          TEXT COLLATE "C" NOT NULL,
    value          DOUBLE PRECISION NOT NULL,
    fired_at       BIGINT NOT NULL,
    resolved_value DOUBLE PRECISION,
    resolved_at    BIGINT
);
CREATE INDEX alarms_by_instance ON alarms (instance_id, fired_at);

-- Migration tasks. The source's password is not here: it is sealed in
-- secrets under the migration id. spec is the JSON of what the user chose.
-- A name is unique among an instance's migrations not deleted.
CREATE TABLE migrations (
    id               TEXT COLLATE "C" PRIMARY KEY,
    instance_id      TEXT COLLATE "C" NOT NULL,
    name             TEXT COLLATE "C" NOT NULL,
    spec             TEXT COLLATE "C" NOT NULL,
    state            TEXT COLLATE "C" NOT NULL,
    state_reason     TEXT COLLATE "C" NOT NULL DEFAULT '',
    task_id          TEXT COLLATE "C" NOT NULL DEFAULT '',
    pid              BIGINT NOT NULL DEFAULT 0,
    started_at       BIGINT,
    restarts         BIGINT NOT NULL DEFAULT 0,
    resource_version BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    deleted_at       BIGINT
);
CREATE UNIQUE INDEX migrations_live_name ON migrations (instance_id, name) WHERE deleted_at IS NULL;

-- Several servers on one store: named leases divide the supervision of
-- instances; servers report themselves by heartbeat.
CREATE TABLE leases (
    name  TEXT COLLATE "C" PRIMARY KEY,
    owner TEXT COLLATE "C" NOT NULL,    -- '' once released
    token BIGINT NOT NULL,
    until BIGINT NOT NULL
);

CREATE TABLE servers (
    id          TEXT COLLATE "C" PRIMARY KEY,
    host        TEXT COLLATE "C" NOT NULL,
    data_dir    TEXT COLLATE "C" NOT NULL,
    listen      TEXT COLLATE "C" NOT NULL,
    provisioner TEXT COLLATE "C" NOT NULL,
    started_at  BIGINT NOT NULL,
    seen_at     BIGINT NOT NULL
);
