-- Notifications for the operator's webhook, written in the same transaction as the
-- event they announce (a transactional outbox) and delivered, with retries, by
-- whichever replica claims them first. `next_attempt_at` doubles as the claim: a
-- replica moves it forward before sending, guarded on the value it read.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    done_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
