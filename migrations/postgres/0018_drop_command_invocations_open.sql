-- Every status change of an invocation rewrote an entry of (status) as well as of
-- (command_id, status, …) (0017): one more B-tree to change twice in each
-- invocation's life, on the fan-out's hottest path. The sweeper's queries, its only
-- users, now go through the open commands (commands.open) and 0017's index. Keep in
-- step with the other dialect's 0018_drop_command_invocations_open.sql.

DROP INDEX command_invocations_open;
