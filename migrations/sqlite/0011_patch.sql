-- Patch Manager: custom patch baselines, the default baseline per operating system and
-- patch-group registrations. The predefined AWS-… baselines live in the binary
-- (bosun-patch), not here, so registrations name baselines without a foreign key.
-- Keep in step with the other dialect's 0011_patch.sql.

CREATE TABLE patch_baselines (
    baseline_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    operating_system TEXT NOT NULL,
    -- The baseline as the API spells it (bosun_patch::PatchBaseline as JSON); it
    -- passed validation when stored.
    definition TEXT NOT NULL,
    -- CreatePatchBaseline's idempotency token and a hash of the request it came with.
    client_token TEXT,
    request_hash TEXT,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE UNIQUE INDEX patch_baselines_client_token ON patch_baselines (client_token);

-- The baseline registered as default for an operating system (absent: the predefined
-- AWS-… default for it).
CREATE TABLE patch_default_baselines (
    operating_system TEXT PRIMARY KEY,
    baseline_id TEXT NOT NULL,
    registered_at BIGINT NOT NULL
);

-- A patch group is registered with at most one baseline per operating system.
CREATE TABLE patch_groups (
    patch_group TEXT NOT NULL,
    operating_system TEXT NOT NULL,
    baseline_id TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    PRIMARY KEY (patch_group, operating_system)
);
CREATE INDEX patch_groups_baseline ON patch_groups (baseline_id);
