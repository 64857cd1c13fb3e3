-- Queue pages at a million cases (`hqdesk bench queue`; README, "Performance"). Identical on both
-- engines. Each queue count and each page's ids come from one index, without reading the table:
-- the indexes carry the confidential flag (every list and count is scoped by it), the sort keys
-- (resolution due time, creation time) and the id (SQLite indexes hold the rowid anyway;
-- PostgreSQL needs it for an index-only scan). The indexes they extend are dropped.

-- The active queues: status, then who may see it, branch and assignee (unassigned queues),
-- then the sort keys.
CREATE INDEX cases_queue ON cases(status, confidential, branch, assignee_id, resolution_due_at, created_at, id);
-- Due soon and overdue: a range of due times within a status.
CREATE INDEX cases_due_queue ON cases(status, resolution_due_at, confidential, created_at, id);
DROP INDEX cases_status_due;
-- "My unit" and the unit filter of the API.
CREATE INDEX cases_unit_queue ON cases(unit_id, status, confidential, resolution_due_at, created_at, id);
DROP INDEX cases_unit_status;
-- "Mine".
CREATE INDEX cases_assignee_queue ON cases(assignee_id, status, confidential, created_at, id);
DROP INDEX cases_assignee_status;
-- Counting "all" (the total minus the confidential few, see `cases::count`) and listing it newest
-- first.
CREATE INDEX cases_confidential ON cases(confidential, created_at, id);
