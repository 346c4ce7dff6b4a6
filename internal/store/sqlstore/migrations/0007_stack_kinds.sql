-- AWS stacks are called aws-eks, beside attached kubernetes stacks.
UPDATE stacks SET kind = 'aws-eks' WHERE kind = 'aws';
UPDATE runs SET stack_kind = 'aws-eks' WHERE stack_kind = 'aws';

-- The Kubernetes API server of a stack.
ALTER TABLE stacks ADD COLUMN endpoint TEXT NOT NULL DEFAULT '';

-- The credential of an attached cluster, sealed (AES-GCM) with a server key;
-- never returned by the API.
CREATE TABLE stack_credentials (
    stack_id TEXT PRIMARY KEY REFERENCES stacks(id) ON DELETE CASCADE,
    sealed   TEXT NOT NULL
);

-- The last sync of a stack's secrets, roles and datasources: when, and each
-- source that could not be synced with its path and problem.
CREATE TABLE stack_syncs (
    stack_id TEXT PRIMARY KEY REFERENCES stacks(id) ON DELETE CASCADE,
    at       BIGINT NOT NULL,
    report   TEXT NOT NULL
);

-- The S3 and JDBC datasources of a stack's namespaces. No credentials: a
-- datasource names a secret alias of its namespace.
CREATE TABLE datasources (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    stack_id     TEXT NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,
    namespace    TEXT NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    config       TEXT NOT NULL,
    secret_alias TEXT NOT NULL DEFAULT '',
    updated_at   BIGINT NOT NULL,
    UNIQUE (stack_id, namespace, name)
);

-- The secrets of attached clusters' namespaces, sealed (AES-GCM) with a
-- server key, with their key names to list; synced into the cluster as
-- Secrets. (aws-eks stacks keep theirs in SSM; local stacks in files.)
CREATE TABLE stack_secrets (
    stack_id   TEXT NOT NULL REFERENCES stacks(id) ON DELETE CASCADE,
    namespace  TEXT NOT NULL,
    alias      TEXT NOT NULL,
    keys       TEXT NOT NULL,
    sealed     TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (stack_id, namespace, alias)
);
