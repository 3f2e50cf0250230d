-- The control plane's own identities (SPEC §5): accounts, their policy
-- attachments and API tokens, custom policies, projects, and the audit
-- chain. Instances gain the project that owns them.
ALTER TABLE instances ADD COLUMN project TEXT NOT NULL DEFAULT 'default';
CREATE INDEX instances_project ON instances (project);

CREATE TABLE accounts (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    password_hash    TEXT NOT NULL DEFAULT '',  -- KDF output; '' for token-only accounts
    project          TEXT NOT NULL,             -- home project
    resource_version INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,          -- unix nanoseconds
    updated_at       INTEGER NOT NULL
);

-- A policy per project; project '*' means every project. Built-in
-- policies are not stored, so policy is not a foreign key.
CREATE TABLE attachments (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    policy     TEXT NOT NULL,
    project    TEXT NOT NULL,
    PRIMARY KEY (account_id, policy, project)
);
CREATE INDEX attachments_policy ON attachments (policy);
CREATE INDEX attachments_project ON attachments (project);

-- API tokens: only the SHA-256 of the secret is kept.
CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    description  TEXT NOT NULL DEFAULT '',
    hash         TEXT NOT NULL UNIQUE,
    login        INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX tokens_account ON tokens (account_id, created_at);

-- Custom policies; document is the DMS/IAM JSON form.
CREATE TABLE policies (
    name             TEXT PRIMARY KEY,
    description      TEXT NOT NULL DEFAULT '',
    document         TEXT NOT NULL,
    resource_version INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

-- Projects and their quotas; 0 means no limit.
CREATE TABLE projects (
    name             TEXT PRIMARY KEY,
    description      TEXT NOT NULL DEFAULT '',
    max_instances    INTEGER NOT NULL DEFAULT 0,
    max_brokers      INTEGER NOT NULL DEFAULT 0,
    max_storage_gb   INTEGER NOT NULL DEFAULT 0,
    resource_version INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
INSERT INTO projects (name, description, resource_version, created_at, updated_at)
VALUES ('default', 'Instances created without a project', 1,
        CAST(strftime('%s', 'now') AS INTEGER) * 1000000000, CAST(strftime('%s', 'now') AS INTEGER) * 1000000000);

-- The audit chain: each hash covers the entry and prev_hash, the hash of
-- the entry before it (streamplane.AuditEntry.ChainHash).
CREATE TABLE audit (
    seq           INTEGER PRIMARY KEY,
    at            INTEGER NOT NULL,             -- unix nanoseconds, whole microseconds
    user_name     TEXT NOT NULL,             -- account name; '' when unauthenticated
    source        TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    project       TEXT NOT NULL,
    result        TEXT NOT NULL,
    status        INTEGER NOT NULL,
    request_id    TEXT NOT NULL,
    task_id       TEXT NOT NULL,
    summary       TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_user ON audit (user_name, seq);
CREATE INDEX audit_action ON audit (action, seq);

-- The last entry pruned from the chain, so that appending after pruning
-- every entry still continues the chain instead of starting a new one.
CREATE TABLE audit_anchor (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
