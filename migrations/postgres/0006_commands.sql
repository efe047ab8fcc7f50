-- Run Command: commands, one invocation per target node, and their output. Keep in
-- step with the other dialect's 0006_commands.sql.
--
-- An invocation is a state machine persisted before it is acted on (DESIGN-NOTES §1):
-- every transition is written here first; terminal states never change.

CREATE TABLE commands (
    command_id TEXT PRIMARY KEY,
    document_name TEXT NOT NULL,
    -- The version that ran (a number, as text, as the API returns it).
    document_version TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    -- JSON object: parameter name -> list of values, as requested.
    parameters TEXT NOT NULL,
    -- JSON: the request's Targets (list of {Key, Values}) and InstanceIds.
    targets TEXT NOT NULL DEFAULT '[]',
    instance_ids TEXT NOT NULL DEFAULT '[]',
    timeout_seconds BIGINT NOT NULL,
    max_concurrency TEXT NOT NULL,
    max_errors TEXT NOT NULL,
    -- MaxConcurrency / MaxErrors resolved against the target count.
    concurrency_limit BIGINT NOT NULL,
    error_limit BIGINT NOT NULL,
    requested_at BIGINT NOT NULL,
    -- Invocations not started by then end Delivery Timed Out.
    expires_at BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    status TEXT NOT NULL,
    status_details TEXT NOT NULL,
    target_count BIGINT NOT NULL,
    completed_count BIGINT NOT NULL DEFAULT 0,
    error_count BIGINT NOT NULL DEFAULT 0,
    delivery_timed_out_count BIGINT NOT NULL DEFAULT 0,
    -- 1 once CancelCommand asked for every invocation.
    cancel_requested BIGINT NOT NULL DEFAULT 0,
    -- 1 while some invocation is not terminal (the sweeper's work list).
    open BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
);
CREATE INDEX commands_requested_at ON commands (requested_at);
CREATE INDEX commands_open ON commands (open);

CREATE TABLE command_invocations (
    -- <command id>-<instance id>: the id the agent journals.
    invocation_id TEXT PRIMARY KEY,
    command_id TEXT NOT NULL REFERENCES commands (command_id) ON DELETE CASCADE,
    instance_id TEXT NOT NULL,
    instance_name TEXT NOT NULL DEFAULT '',
    -- Dispatch order (the resolved target order).
    position BIGINT NOT NULL,
    status TEXT NOT NULL,
    status_details TEXT NOT NULL,
    -- 1 once rate control let it go to its node.
    released BIGINT NOT NULL DEFAULT 0,
    released_at BIGINT,
    started_at BIGINT,
    ended_at BIGINT,
    -- Past this, an invocation that started and never reported ends Execution Timed
    -- Out (the agent enforces step timeouts itself; this covers a node that vanished).
    deadline_at BIGINT,
    response_code BIGINT NOT NULL DEFAULT -1,
    -- JSON: the steps the agent runs (bosun_protocol::exec::StepSpec list).
    run TEXT NOT NULL,
    -- JSON: one entry per plugin (document step) with its own status.
    plugins TEXT NOT NULL,
    -- Output stored / dropped over the per-invocation cap, in bytes.
    output_bytes BIGINT NOT NULL DEFAULT 0,
    output_dropped BIGINT NOT NULL DEFAULT 0,
    -- The highest output chunk seq received (chunks at or below are duplicates).
    last_seq BIGINT NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX command_invocations_command ON command_invocations (command_id, instance_id);
CREATE INDEX command_invocations_dispatch ON command_invocations (command_id, released, position);
CREATE INDEX command_invocations_node ON command_invocations (instance_id, status);
CREATE INDEX command_invocations_open ON command_invocations (status);

-- Output chunks as the agent numbered them; text (invalid UTF-8 was replaced on the node).
CREATE TABLE command_output (
    invocation_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    -- Index of the plugin in the invocation's plugins list.
    plugin BIGINT NOT NULL,
    -- 1 stdout, 2 stderr.
    stream BIGINT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (invocation_id, seq)
);
