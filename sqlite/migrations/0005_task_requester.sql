-- Who asked for a task, and the audit entry its end writes (package audit).
ALTER TABLE tasks ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN audit TEXT NOT NULL DEFAULT '';
