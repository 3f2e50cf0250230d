-- Storage expansion and the capacity threshold policy (issue 9, DMS 5 and 7.1).
ALTER TABLE instances ADD COLUMN capacity_policy TEXT NOT NULL DEFAULT 'auto_delete';
ALTER TABLE instances ADD COLUMN production_stopped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN capacity_event TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN storage_expansions INTEGER NOT NULL DEFAULT 0;
