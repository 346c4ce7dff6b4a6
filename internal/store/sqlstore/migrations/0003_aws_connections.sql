CREATE TABLE external_ids (
    org_id      TEXT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    set_at      BIGINT NOT NULL
);

CREATE TABLE aws_connections (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    role_arn         TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    regions          TEXT NOT NULL,
    state            TEXT NOT NULL,
    hint             TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    last_verified_at BIGINT,
    UNIQUE (org_id, role_arn)
);

CREATE TABLE verifications (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES aws_connections(id) ON DELETE CASCADE,
    started_at    BIGINT NOT NULL,
    ended_at      BIGINT NOT NULL,
    verified      INTEGER NOT NULL,
    checks        TEXT NOT NULL
);
CREATE INDEX verifications_connection ON verifications(connection_id, started_at);

CREATE TABLE connection_events (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES aws_connections(id) ON DELETE CASCADE,
    at            BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    message       TEXT NOT NULL
);
CREATE INDEX connection_events_connection ON connection_events(connection_id, at);

-- The audit log outlives deleted connections: no foreign key on connection_id.
CREATE TABLE audit_log (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL,
    operation     TEXT NOT NULL,
    action        TEXT NOT NULL,
    at            BIGINT NOT NULL,
    outcome       TEXT NOT NULL
);
CREATE INDEX audit_log_org_at ON audit_log(org_id, at);
