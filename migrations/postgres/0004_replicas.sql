-- Server replicas and which one holds each node's connection. Keep in step with the
-- other dialect's 0004_replicas.sql.

-- Every running server process (a "replica") has a row it refreshes every few
-- seconds; a row that stops moving belongs to a replica that died, and the nodes it
-- held are marked ConnectionLost by whichever replica notices first.
CREATE TABLE replicas (
    id TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL
);

-- The replica holding the node's current connection (NULL when none does).
ALTER TABLE managed_instances ADD COLUMN connected_replica TEXT;
CREATE INDEX managed_instances_connected_replica ON managed_instances (connected_replica);
