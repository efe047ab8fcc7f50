-- The dispatcher recounts a command's invocations by (status, status_details,
-- released) in every transaction that moves them (DESIGN-NOTES §3). With only
-- (command_id, released, position) to go by, each recount read all the command's rows
-- (about 7 ms for 10,000 on SQLite, once per batch of agent reports); this index
-- answers it alone. Keep in step with the other dialect's
-- 0017_command_invocation_counts.sql.

CREATE INDEX command_invocations_counts
    ON command_invocations (command_id, status, status_details, released);
