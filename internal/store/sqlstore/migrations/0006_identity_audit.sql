-- Every audit entry names its actor (the user and the token; both empty for
-- the server's own work), the stack whose lifecycle made an AWS call, and
-- the object of an identity action. Like connection_id, none of them is a
-- foreign key: an entry outlives what it names.
ALTER TABLE audit_log ADD COLUMN actor_user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN actor_token_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN stack TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN target TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_org_at_id ON audit_log(org_id, at, id);

-- A sign-in that waits for its user to accept an invitation or create an
-- organization: the secret's hash, used once.
CREATE TABLE signin_tickets (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX signin_tickets_expiry ON signin_tickets(expires_at);
