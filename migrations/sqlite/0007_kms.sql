-- Named encryption keys (what AWS KMS calls customer keys, and SSM's KeyId names) and
-- their material, one row per version. Keep in step with migrations/postgres/0007_kms.sql.

CREATE TABLE kms_keys (
    -- A UUID, as AWS key ids are.
    id TEXT PRIMARY KEY,
    -- 'alias/<name>' or NULL; 'alias/aws/ssm' is the default key, created on first use.
    alias TEXT UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    -- The version new encryptions wrap their data keys with.
    current_version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE kms_key_versions (
    key_id TEXT NOT NULL REFERENCES kms_keys (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    -- The 256-bit material, AES-256-GCM under the master key and bound to
    -- 'kms-material:<key id>:<version>'; never in clear.
    material_sealed BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    -- When it was found unused by any stored value (NULL: in service). A retired
    -- version never wraps a new data key; it still decrypts, see bosun_core::kms.
    retired_at BIGINT,
    PRIMARY KEY (key_id, version)
);
