-- Version upgrade (issue 9): the version each broker runs, the version an
-- unfinalized upgrade came from, and the finalized metadata.version level.
ALTER TABLE instances ADD COLUMN upgrade_from TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN metadata_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE brokers ADD COLUMN kafka_version TEXT NOT NULL DEFAULT '';
