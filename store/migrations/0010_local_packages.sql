-- Installed packages that come from no repository (apt's [installed,local]): per computation,
-- like its updates, found by the update finder. local_count is their number; a computation
-- computed before this migration is marked dirty so that the next run fills them in.
CREATE TABLE computed_local (
    computation_id INTEGER NOT NULL REFERENCES computations(id) ON DELETE CASCADE,
    package_id     INTEGER NOT NULL REFERENCES packages(id),
    PRIMARY KEY (computation_id, package_id)
) WITHOUT ROWID;
CREATE INDEX computed_local_package ON computed_local(package_id);
ALTER TABLE computations ADD COLUMN local_count INTEGER NOT NULL DEFAULT 0;
UPDATE computations SET dirty = 1 WHERE computed IS NOT NULL;
