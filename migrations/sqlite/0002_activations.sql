-- Hybrid activations and the shared tag store. Keep in step with
-- migrations/postgres/0002_activations.sql.

CREATE TABLE activations (
    id TEXT PRIMARY KEY,
    -- SHA-256 of the activation code (the code is 120 random bits: a fast hash is
    -- enough, and it is compared in constant time).
    code_hash TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    default_instance_name TEXT NOT NULL DEFAULT '',
    iam_role TEXT NOT NULL,
    registration_limit BIGINT NOT NULL,
    registrations_count BIGINT NOT NULL DEFAULT 0,
    -- JSON array of {"Key": ..., "Value": ...}.
    registration_metadata TEXT NOT NULL DEFAULT '[]',
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX activations_created_at ON activations (created_at);

-- Tags of every taggable resource, by AWS resource type.
CREATE TABLE tags (
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (resource_type, resource_id, key)
);
CREATE INDEX tags_key_value ON tags (resource_type, key, value);
