-- Ticket lists are sorted by time with the id as tie-breaker, often within one status: indexes
-- that match the filter and the sort let a page of results stop early instead of sorting
-- every match (SQLite otherwise picks the status index and sorts a hundred thousand rows).
DROP INDEX repair_tickets_created;
CREATE INDEX repair_tickets_created_id ON repair_tickets (created_at, id);
CREATE INDEX repair_tickets_deadline_id ON repair_tickets (deadline_at, id);
CREATE INDEX repair_tickets_status_created ON repair_tickets (status, created_at, id);
CREATE INDEX repair_tickets_status_deadline ON repair_tickets (status, deadline_at, id);
