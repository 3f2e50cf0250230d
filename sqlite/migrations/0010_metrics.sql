-- Metric history (issue 10): a row per series, a row per chunk of its
-- points (one resolution, one time window, packed by package series).
-- Starts are unix seconds, resolutions seconds: points have seconds
-- resolution. A series needs its instance; purging the instance deletes
-- the series and their chunks first.
CREATE TABLE metric_series (
    id          INTEGER PRIMARY KEY,
    instance_id TEXT NOT NULL REFERENCES instances (id),
    metric      TEXT NOT NULL,
    broker      INTEGER NOT NULL,
    topic       TEXT NOT NULL,
    partition   INTEGER NOT NULL,
    group_name  TEXT NOT NULL,
    UNIQUE (instance_id, metric, broker, topic, partition, group_name)
);

-- Blobs reach a few kilobytes (a day of 5-minute points), too large for a
-- WITHOUT ROWID table's pages, so chunks keep a rowid and a unique key.
CREATE TABLE metric_chunks (
    series_id  INTEGER NOT NULL REFERENCES metric_series (id),
    resolution INTEGER NOT NULL,
    start      INTEGER NOT NULL,
    points     INTEGER NOT NULL,
    data       BLOB NOT NULL,
    UNIQUE (series_id, resolution, start)
);

-- Rollups and pruning scan one resolution by time across every series.
CREATE INDEX metric_chunks_by_start ON metric_chunks (resolution, start);
