-- The project a Kubernetes run ships to its driver (a gzip'd tar, in
-- base64 so both dialects store it as text); the run's spec keeps only its
-- digest, so listings stay small.
CREATE TABLE run_archives (
    run_id  TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    archive TEXT NOT NULL
);
