-- When a dispatcher last corrected a ticket (caller, phone, address, appointment…) after
-- intake: the field app marks such a job so a worker who missed the notification sees it.
ALTER TABLE repair_tickets ADD COLUMN corrected_at TIMESTAMPTZ;
