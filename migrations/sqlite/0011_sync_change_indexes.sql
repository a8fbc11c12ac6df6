-- A pull reads the change log after its cursor for what concerns one worker: their own
-- entries, or their teams' entries with nobody named, before or after each change. Without
-- these a pull scanned every change after the cursor (all the other phones' too), which
-- under a reconnect storm was most of the server's work. Kept equivalent on both engines.
CREATE INDEX sync_changes_user ON sync_changes (user_id, seq);
CREATE INDEX sync_changes_prev_user ON sync_changes (prev_user_id, seq);
CREATE INDEX sync_changes_team ON sync_changes (team_id, seq) WHERE user_id IS NULL;
CREATE INDEX sync_changes_prev_team ON sync_changes (prev_team_id, seq) WHERE prev_user_id IS NULL;
