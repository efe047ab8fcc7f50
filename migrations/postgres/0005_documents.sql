-- SSM documents (Command documents) and their versions. Built-in documents
-- (AWS-RunShellScript, …) live in the binary, not here. Keep in step with the other
-- dialect's 0005_documents.sql.

CREATE TABLE documents (
    name TEXT PRIMARY KEY,
    document_type TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    default_version BIGINT NOT NULL,
    latest_version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE document_versions (
    name TEXT NOT NULL REFERENCES documents (name) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    -- NULL when the version has no name; unique per document when it has one.
    version_name TEXT,
    display_name TEXT NOT NULL DEFAULT '',
    -- As written by its author, in its format (JSON or YAML).
    content TEXT NOT NULL,
    format TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- SHA-256 of the content (hex).
    hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX document_versions_version_name ON document_versions (name, version_name);
