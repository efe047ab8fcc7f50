-- Maintenance Windows: windows, their registered targets and tasks, and the record of
-- their executions. Keep in step with the other dialect's 0015_maintenance_windows.sql.

CREATE TABLE maintenance_windows (
    window_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    schedule TEXT NOT NULL,
    schedule_timezone TEXT,
    schedule_offset INTEGER,
    duration INTEGER NOT NULL,
    cutoff INTEGER NOT NULL,
    allow_unassociated_targets INTEGER NOT NULL,
    enabled INTEGER NOT NULL,
    -- As the API took them (ISO 8601); NULL when not given.
    start_date TEXT,
    end_date TEXT,
    -- rate() schedules count from here: the creation, or the update that changed the
    -- schedule.
    schedule_anchor BIGINT NOT NULL,
    -- The scheduler's pointer: the due time of the next execution (Unix ms), NULL when
    -- none is planned (disabled, past EndDate, a spent at()).
    next_execution_at BIGINT,
    client_token TEXT,
    request_hash TEXT,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX maintenance_windows_client_token ON maintenance_windows (client_token);
CREATE INDEX maintenance_windows_due ON maintenance_windows (next_execution_at);

CREATE TABLE maintenance_window_targets (
    window_target_id TEXT PRIMARY KEY,
    window_id TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    -- [{"Key": …, "Values": […]}] as the API took it.
    targets TEXT NOT NULL,
    owner_information TEXT,
    name TEXT,
    description TEXT,
    client_token TEXT,
    request_hash TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX maintenance_window_targets_window ON maintenance_window_targets (window_id);
CREATE UNIQUE INDEX maintenance_window_targets_client_token ON maintenance_window_targets (client_token);

CREATE TABLE maintenance_window_tasks (
    window_task_id TEXT PRIMARY KEY,
    window_id TEXT NOT NULL,
    task_arn TEXT NOT NULL,
    task_type TEXT NOT NULL,
    priority INTEGER NOT NULL,
    -- The rest of the task as the API spells it (JSON): Targets, TaskParameters,
    -- TaskInvocationParameters, MaxConcurrency, MaxErrors, Name, Description,
    -- CutoffBehavior, ServiceRoleArn, LoggingInfo, AlarmConfiguration.
    definition TEXT NOT NULL,
    client_token TEXT,
    request_hash TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX maintenance_window_tasks_window ON maintenance_window_tasks (window_id);
CREATE UNIQUE INDEX maintenance_window_tasks_client_token ON maintenance_window_tasks (client_token);

CREATE TABLE maintenance_window_executions (
    window_execution_id TEXT PRIMARY KEY,
    window_id TEXT NOT NULL,
    -- The due time it fired for: one execution per due time, whichever replica fires it.
    scheduled_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    status_details TEXT NOT NULL,
    start_time BIGINT NOT NULL,
    end_time BIGINT,
    cutoff_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX maintenance_window_executions_due ON maintenance_window_executions (window_id, scheduled_at);
CREATE INDEX maintenance_window_executions_open ON maintenance_window_executions (status);

CREATE TABLE maintenance_window_execution_tasks (
    task_execution_id TEXT PRIMARY KEY,
    window_execution_id TEXT NOT NULL,
    window_task_id TEXT NOT NULL,
    task_arn TEXT NOT NULL,
    task_type TEXT NOT NULL,
    priority INTEGER NOT NULL,
    status TEXT NOT NULL,
    status_details TEXT NOT NULL,
    start_time BIGINT,
    end_time BIGINT,
    -- The task as it was when the execution started (JSON, as maintenance_window_tasks).
    definition TEXT NOT NULL
);
CREATE INDEX maintenance_window_execution_tasks_execution ON maintenance_window_execution_tasks (window_execution_id);

CREATE TABLE maintenance_window_execution_task_invocations (
    invocation_id TEXT PRIMARY KEY,
    window_execution_id TEXT NOT NULL,
    task_execution_id TEXT NOT NULL,
    -- The node it runs on, and the Run Command command it started.
    resource_id TEXT NOT NULL,
    execution_id TEXT,
    task_type TEXT NOT NULL,
    parameters TEXT NOT NULL,
    status TEXT NOT NULL,
    status_details TEXT NOT NULL,
    start_time BIGINT,
    end_time BIGINT,
    owner_information TEXT,
    window_target_id TEXT
);
CREATE INDEX maintenance_window_execution_task_invocations_task ON maintenance_window_execution_task_invocations (task_execution_id);
