-- Update finding at fleet scale: computations are keyed by everything that determines their
-- result, including the dnf module streams the hosts have enabled; held packages and the kernel
-- reboot check are per host, beside the shared computation.

-- computations gains module_key (the enabled streams as sorted "name:stream" lines, '' for none)
-- in its identity. The table-level UNIQUE of 0001 cannot be changed in place, so the table is
-- rebuilt; its results are recomputed (every row comes back dirty) and hosts are re-pointed.
CREATE TABLE computations_new (
    id             INTEGER  PRIMARY KEY,
    package_set_id INTEGER  NOT NULL REFERENCES package_sets(id) ON DELETE CASCADE,
    repo_set_id    INTEGER  REFERENCES repo_sets(id) ON DELETE CASCADE,
    mode           TEXT     NOT NULL DEFAULT 'host' CHECK (mode IN ('host', 'group')),
    os_group_id    INTEGER  REFERENCES os_groups(id) ON DELETE CASCADE,
    module_key     TEXT     NOT NULL DEFAULT '',
    computed       DATETIME,
    dirty          INTEGER  NOT NULL DEFAULT 1,
    security_count INTEGER  NOT NULL DEFAULT 0,
    bugfix_count   INTEGER  NOT NULL DEFAULT 0,
    generation     INTEGER  NOT NULL DEFAULT 0
);
INSERT INTO computations_new (id, package_set_id, repo_set_id, mode, os_group_id, module_key, dirty)
    SELECT id, package_set_id, repo_set_id, CASE WHEN mode = 'group' THEN 'group' ELSE 'host' END,
        CASE WHEN mode = 'group' THEN os_group_id END, '', 1
    FROM computations WHERE os_group_id IS NULL OR os_group_id IN (SELECT id FROM os_groups);
CREATE TEMP TABLE host_computations AS SELECT id, computation_id FROM hosts WHERE computation_id IS NOT NULL;
-- Dropping with foreign keys on deletes computed_updates (cascade) and nulls hosts.computation_id.
DROP TABLE computations;
ALTER TABLE computations_new RENAME TO computations;
UPDATE hosts SET computation_id = (SELECT hc.computation_id FROM temp.host_computations hc
    WHERE hc.id = hosts.id AND hc.computation_id IN (SELECT id FROM computations))
    WHERE id IN (SELECT id FROM temp.host_computations);
DROP TABLE temp.host_computations;

-- NULLs are distinct in a UNIQUE constraint, so the key uses ifnull to dedupe host-mode rows.
CREATE UNIQUE INDEX computations_key ON computations
    (package_set_id, ifnull(repo_set_id, 0), mode, ifnull(os_group_id, 0), module_key);
CREATE INDEX computations_dirty ON computations(dirty) WHERE dirty = 1;
CREATE INDEX computations_repo_set ON computations(repo_set_id);
CREATE INDEX computations_os_group ON computations(os_group_id) WHERE os_group_id IS NOT NULL;

-- Any "SET dirty = 1" (even on a row that is already dirty) bumps the generation, so a result
-- computed from inputs read before that moment cannot clear the flag: SaveComputations only
-- clears dirty when the generation it read is still current.
CREATE TRIGGER computations_generation AFTER UPDATE OF dirty ON computations
WHEN NEW.dirty = 1
BEGIN
    UPDATE computations SET generation = generation + 1 WHERE id = NEW.id;
END;

-- Packages on hold (dpkg hold, dnf versionlock, pacman IgnorePkg) by name, per host: shown as
-- held, not counted as pending. Holds are per host while computations are shared, so counts that
-- exclude them are read through host_update_counts.
CREATE TABLE host_holds (
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    name    TEXT    NOT NULL,
    PRIMARY KEY (host_id, name)
) WITHOUT ROWID;

-- The reboot decision is per host (the running kernel is), never part of a shared computation.
-- client_reboot keeps what the client said; kernel_reboot and reboot_reason are our own kernel
-- check; reboot_required = client_reboot OR kernel_reboot. reboot_checked is cleared whenever the
-- kernel or the installed packages change, and set when update finding has checked the host.
ALTER TABLE hosts ADD COLUMN kernel_reboot INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN reboot_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN reboot_checked INTEGER NOT NULL DEFAULT 0;
CREATE INDEX hosts_reboot_unchecked ON hosts(id) WHERE reboot_checked = 0;

-- Pending update counts per host with held packages left out: the computation's counts minus
-- the host's held updates. Most hosts hold nothing, so this is the computation's counts.
CREATE VIEW host_update_counts AS
SELECT h.id AS host_id,
       ifnull(c.security_count, 0) - ifnull(x.security, 0) AS security_count,
       ifnull(c.bugfix_count, 0) - ifnull(x.bugfix, 0) AS bugfix_count,
       ifnull(x.security, 0) + ifnull(x.bugfix, 0) AS held_count
FROM hosts h
LEFT JOIN computations c ON c.id = h.computation_id
LEFT JOIN (
    SELECT hh.host_id, sum(cu.security) AS security, sum(1 - cu.security) AS bugfix
    FROM host_holds hh
    JOIN hosts hx ON hx.id = hh.host_id
    JOIN computed_updates cu ON cu.computation_id = hx.computation_id
    JOIN packages p ON p.id = cu.old_package_id AND p.name = hh.name
    GROUP BY hh.host_id
) x ON x.host_id = h.id;

-- A mirror's content generation changes whenever its package list, errata or module streams
-- are written, so that update finding can keep a mirror's loaded content (and per-package
-- answers) across runs and tell for certain when it went stale: checksums and timestamps can
-- repeat, a counter bumped by the write itself cannot.
ALTER TABLE mirrors ADD COLUMN content_generation INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER mirror_packages_insert AFTER INSERT ON mirror_packages BEGIN
    UPDATE mirrors SET content_generation = content_generation + 1 WHERE id = NEW.mirror_id;
END;
CREATE TRIGGER mirror_packages_update AFTER UPDATE OF members ON mirror_packages BEGIN
    UPDATE mirrors SET content_generation = content_generation + 1 WHERE id = NEW.mirror_id;
END;
CREATE TRIGGER mirror_packages_delete AFTER DELETE ON mirror_packages BEGIN
    UPDATE mirrors SET content_generation = content_generation + 1 WHERE id = OLD.mirror_id;
END;
CREATE TRIGGER mirror_errata_insert AFTER INSERT ON mirror_errata BEGIN
    UPDATE mirrors SET content_generation = content_generation + 1 WHERE id = NEW.mirror_id;
END;
CREATE TRIGGER mirror_errata_delete AFTER DELETE ON mirror_errata BEGIN
    UPDATE mirrors SET content_generation = content_generation + 1 WHERE id = OLD.mirror_id;
END;
CREATE TRIGGER mirror_modules_insert AFTER INSERT ON mirror_modules BEGIN
    UPDATE mirrors SET content_generation = content_generation + 1 WHERE id = NEW.mirror_id;
END;
CREATE TRIGGER mirror_modules_update AFTER UPDATE ON mirror_modules BEGIN
    UPDATE mirrors SET content_generation = content_generation + 1 WHERE id = NEW.mirror_id;
END;
CREATE TRIGGER mirror_modules_delete AFTER DELETE ON mirror_modules BEGIN
    UPDATE mirrors SET content_generation = content_generation + 1 WHERE id = OLD.mirror_id;
END;
-- An erratum's type decides security; a change of type or of its fixed packages must reach the
-- mirrors listing it.
CREATE TRIGGER errata_type_update AFTER UPDATE OF type ON errata WHEN OLD.type IS NOT NEW.type BEGIN
    UPDATE mirrors SET content_generation = content_generation + 1
    WHERE id IN (SELECT mirror_id FROM mirror_errata WHERE erratum_id = NEW.id);
END;
CREATE TRIGGER erratum_packages_insert AFTER INSERT ON erratum_packages BEGIN
    UPDATE mirrors SET content_generation = content_generation + 1
    WHERE id IN (SELECT mirror_id FROM mirror_errata WHERE erratum_id = NEW.erratum_id);
END;
CREATE TRIGGER erratum_packages_delete AFTER DELETE ON erratum_packages BEGIN
    UPDATE mirrors SET content_generation = content_generation + 1
    WHERE id IN (SELECT mirror_id FROM mirror_errata WHERE erratum_id = OLD.erratum_id);
END;
