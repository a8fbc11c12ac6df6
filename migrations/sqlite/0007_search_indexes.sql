-- Ticket lists are sorted by time with the id as tie-breaker: indexes that match the sort let
-- a page of results stop early instead of sorting every match.
DROP INDEX repair_tickets_created;
CREATE INDEX repair_tickets_created_id ON repair_tickets (created_at, id);
CREATE INDEX repair_tickets_deadline_id ON repair_tickets (deadline_at, id);
