-- Managed nodes (SSM "managed instances"). Keep in step with
-- migrations/postgres/0003_managed_instances.sql.

CREATE TABLE managed_instances (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    activation_id TEXT NOT NULL,
    iam_role TEXT NOT NULL,
    -- The node's Ed25519 public key (hex). The private key never leaves the node.
    public_key TEXT NOT NULL,
    -- Online | ConnectionLost | Inactive
    ping_status TEXT NOT NULL,
    last_ping_at BIGINT,
    registered_at BIGINT NOT NULL,
    deregistered_at BIGINT,
    hostname TEXT NOT NULL DEFAULT '',
    computer_name TEXT NOT NULL DEFAULT '',
    -- JSON array of strings.
    ip_addresses TEXT NOT NULL DEFAULT '[]',
    platform_name TEXT NOT NULL DEFAULT '',
    platform_version TEXT NOT NULL DEFAULT '',
    platform_type TEXT NOT NULL DEFAULT '',
    kernel TEXT NOT NULL DEFAULT '',
    architecture TEXT NOT NULL DEFAULT '',
    agent_version TEXT NOT NULL DEFAULT '',
    -- Bumped by every new authenticated connection; a connection only updates the row
    -- while its generation is current (a newer connection supersedes older ones).
    connection_generation BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX managed_instances_ping_status ON managed_instances (ping_status);
