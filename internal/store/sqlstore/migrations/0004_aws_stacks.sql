ALTER TABLE stacks ADD COLUMN connection_id TEXT NOT NULL DEFAULT '';
ALTER TABLE stacks ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE stacks ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
ALTER TABLE stacks ADD COLUMN failed_step TEXT NOT NULL DEFAULT '';
ALTER TABLE stacks ADD COLUMN hint TEXT NOT NULL DEFAULT '';
-- A worker holds a stack while it works on it; leases expire so a dead
-- replica's work is picked up by another.
ALTER TABLE stacks ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE stacks ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;

CREATE TABLE stack_steps (
    stack_id   TEXT NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,
    step       TEXT NOT NULL,
    status     TEXT NOT NULL,
    outputs    TEXT NOT NULL DEFAULT '{}',
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT NOT NULL DEFAULT '',
    started_at BIGINT NOT NULL DEFAULT 0,
    ended_at   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (stack_id, step)
);

CREATE TABLE stack_events (
    id       TEXT PRIMARY KEY,
    org_id   TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    stack_id TEXT NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,
    at       BIGINT NOT NULL,
    step     TEXT NOT NULL,
    status   TEXT NOT NULL,
    message  TEXT NOT NULL
);
CREATE INDEX stack_events_stack ON stack_events(stack_id, at);

-- How long each step took when it succeeded, for ETAs.
CREATE TABLE step_durations (
    step        TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX step_durations_step ON step_durations(step, at);
