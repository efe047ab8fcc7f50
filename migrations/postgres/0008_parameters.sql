-- Parameter Store. Keep in step with the other dialect's 0008_parameters.sql.
--
-- A parameter is its current state here plus one row per kept version (at most 100)
-- in parameter_versions. SecureString values exist only sealed (kms envelope, bound
-- to name and version); the value column holds String and StringList values only.

CREATE TABLE parameters (
    name TEXT PRIMARY KEY,
    -- The path the name sits in: '/a/b' for '/a/b/c', '/' for '/c', '' for 'c'.
    path TEXT NOT NULL,
    type TEXT NOT NULL,
    tier TEXT NOT NULL,
    data_type TEXT NOT NULL,
    -- The latest version.
    version BIGINT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    allowed_pattern TEXT NOT NULL DEFAULT '',
    -- SecureString: the key reference as shown (alias/aws/ssm, an alias or a key id).
    key_id TEXT NOT NULL DEFAULT '',
    -- JSON list of {Type, Text, Status} (the policies of the latest version).
    policies TEXT NOT NULL DEFAULT '[]',
    modified_at BIGINT NOT NULL,
    modified_by TEXT NOT NULL,
    -- Policy schedule: when the parameter expires, when the expiration notice is due,
    -- when the no-change notice is due (NULL: none pending).
    expires_at BIGINT,
    expiry_notice_at BIGINT,
    no_change_at BIGINT
);
CREATE INDEX parameters_path ON parameters (path);
CREATE INDEX parameters_expires ON parameters (expires_at);
CREATE INDEX parameters_expiry_notice ON parameters (expiry_notice_at);
CREATE INDEX parameters_no_change ON parameters (no_change_at);

CREATE TABLE parameter_versions (
    name TEXT NOT NULL REFERENCES parameters (name) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    type TEXT NOT NULL,
    tier TEXT NOT NULL,
    data_type TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    allowed_pattern TEXT NOT NULL DEFAULT '',
    key_id TEXT NOT NULL DEFAULT '',
    policies TEXT NOT NULL DEFAULT '[]',
    -- String / StringList only.
    value TEXT,
    -- SecureString only: kms::Sealed bytes.
    sealed BYTEA,
    modified_at BIGINT NOT NULL,
    modified_by TEXT NOT NULL,
    PRIMARY KEY (name, version)
);

-- A label names one version; unique per parameter, so moving it is an update.
CREATE TABLE parameter_labels (
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (name, label),
    FOREIGN KEY (name, version) REFERENCES parameter_versions (name, version) ON DELETE CASCADE
);
CREATE INDEX parameter_labels_version ON parameter_labels (name, version);

-- What parameter policies produced (expirations, notifications), newest last.
CREATE TABLE parameter_events (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX parameter_events_name ON parameter_events (name, at);
