-- Alarm rules, what their evaluation remembers between collections, and the
-- alarms they raised (issue 10).
CREATE TABLE alarm_rules (
    id               TEXT PRIMARY KEY,
    instance_id      TEXT NOT NULL,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    metric           TEXT NOT NULL,
    broker           INTEGER,          -- NULL: every broker
    topic            TEXT,             -- NULL: every topic
    grp              TEXT,             -- NULL: every group
    op               TEXT NOT NULL,
    threshold        REAL NOT NULL,
    periods          INTEGER NOT NULL,
    severity         TEXT NOT NULL,
    enabled          INTEGER NOT NULL,
    channels         TEXT NOT NULL DEFAULT '[]',
    resource_version INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (instance_id, name)
);

-- One row per rule and series the rule has seen breach or is firing on.
CREATE TABLE alarm_states (
    rule_id   TEXT NOT NULL,
    broker    INTEGER NOT NULL,
    topic     TEXT NOT NULL,
    part      INTEGER NOT NULL,
    grp       TEXT NOT NULL,
    breaches  INTEGER NOT NULL,
    alarm_id  TEXT NOT NULL DEFAULT '',
    at        INTEGER NOT NULL,
    PRIMARY KEY (rule_id, broker, topic, part, grp)
);

CREATE TABLE alarms (
    id             TEXT PRIMARY KEY,
    rule_id        TEXT NOT NULL,
    rule_name      TEXT NOT NULL,
    instance_id    TEXT NOT NULL,
    metric         TEXT NOT NULL,
    labels         TEXT NOT NULL,
    op             TEXT NOT NULL,
    threshold      REAL NOT NULL,
    periods        INTEGER NOT NULL,
    severity       TEXT NOT NULL,
    state          TEXT NOT NULL,
    value          REAL NOT NULL,
    fired_at       INTEGER NOT NULL,
    resolved_value REAL,
    resolved_at    INTEGER
);
CREATE INDEX alarms_by_instance ON alarms (instance_id, fired_at);
