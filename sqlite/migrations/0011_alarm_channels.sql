-- Alarm notification channels and the delivery log (issue 10). A webhook's
-- signing secret is not here: it is sealed in secrets under the channel id.
CREATE TABLE alarm_channels (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    url              TEXT NOT NULL DEFAULT '',
    recipients       TEXT NOT NULL DEFAULT '[]', -- JSON array of addresses
    has_secret       INTEGER NOT NULL DEFAULT 0,
    resource_version INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

-- One row per notification to one channel. No foreign key to the channel:
-- finished deliveries outlive a deleted channel as its log. seq orders
-- deliveries enqueued in one transaction, which share created_at.
CREATE TABLE alarm_deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    channel_id      TEXT NOT NULL,
    alarm_id        TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    delivered_at    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX alarm_deliveries_due ON alarm_deliveries (status, next_attempt_at);
CREATE INDEX alarm_deliveries_channel ON alarm_deliveries (channel_id, seq);
CREATE INDEX alarm_deliveries_alarm ON alarm_deliveries (alarm_id, seq);
