-- Patch Manager: each node's latest patch state (InstancePatchState) and its patches
-- (PatchComplianceData), as its last aws:runPatchBaseline step reported them. A new
-- report replaces the node's rows. Keep in step with the other dialect's file.

CREATE TABLE instance_patch_states (
    instance_id TEXT PRIMARY KEY,
    patch_group TEXT NOT NULL DEFAULT '',
    baseline_id TEXT NOT NULL,
    snapshot_id TEXT NOT NULL DEFAULT '',
    -- Scan or Install.
    operation TEXT NOT NULL,
    reboot_option TEXT NOT NULL,
    product TEXT NOT NULL DEFAULT '',
    operation_start BIGINT NOT NULL,
    operation_end BIGINT NOT NULL,
    installed BIGINT NOT NULL,
    installed_other BIGINT NOT NULL,
    installed_pending_reboot BIGINT NOT NULL,
    installed_rejected BIGINT NOT NULL,
    missing BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    not_applicable BIGINT NOT NULL,
    critical_non_compliant BIGINT NOT NULL,
    security_non_compliant BIGINT NOT NULL,
    other_non_compliant BIGINT NOT NULL,
    -- The command invocation that reported it.
    invocation_id TEXT NOT NULL,
    reported_at BIGINT NOT NULL
);
CREATE INDEX instance_patch_states_group ON instance_patch_states (patch_group);

CREATE TABLE instance_patches (
    instance_id TEXT NOT NULL,
    -- name.arch
    kb_id TEXT NOT NULL,
    title TEXT NOT NULL,
    classification TEXT NOT NULL,
    severity TEXT NOT NULL,
    -- AWS's PatchComplianceDataState spelling (MISSING, INSTALLED_OTHER…).
    state TEXT NOT NULL,
    installed_time BIGINT,
    cve_ids TEXT NOT NULL,
    PRIMARY KEY (instance_id, kb_id)
);
