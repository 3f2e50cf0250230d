-- Deletion protection (issue 9): delete is refused while it is set.
ALTER TABLE instances ADD COLUMN deletion_protection INTEGER NOT NULL DEFAULT 0;
