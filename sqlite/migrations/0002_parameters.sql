-- Parameters the user set (JSON object of non-default values) and the
-- static values the brokers were last started with.
ALTER TABLE instances ADD COLUMN parameters TEXT NOT NULL DEFAULT '{}';
ALTER TABLE instances ADD COLUMN applied_parameters TEXT NOT NULL DEFAULT '{}';
