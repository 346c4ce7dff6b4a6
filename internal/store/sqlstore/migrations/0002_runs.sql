CREATE TABLE stacks (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    state      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE namespaces (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    stack_id   TEXT NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (stack_id, name)
);

-- stack_name and stack_kind are copied from the stack (names never change)
-- so listings and the executor need no join.
CREATE TABLE runs (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    stack_id        TEXT NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,
    stack_name      TEXT NOT NULL,
    stack_kind      TEXT NOT NULL,
    namespace       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    spec            TEXT NOT NULL,
    state           TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    exit_code       INTEGER,
    hint            TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL REFERENCES users(id),
    created_at      BIGINT NOT NULL,
    started_at      BIGINT,
    ended_at        BIGINT,
    pid             INTEGER NOT NULL DEFAULT 0,
    pid_start       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (org_id, idempotency_key)
);
CREATE INDEX runs_org_created ON runs(org_id, created_at, id);
CREATE INDEX runs_state ON runs(state, stack_kind, created_at);
