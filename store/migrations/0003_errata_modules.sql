-- Errata (advisories) and module streams read from repository metadata (rpm updateinfo and
-- modules.yaml today; imported advisories later). Fixed packages are ordinary packages rows, so
-- "does this erratum fix the candidate" is an id lookup during update finding.

CREATE TABLE errata (
    id       INTEGER  PRIMARY KEY,
    name     TEXT     NOT NULL UNIQUE,          -- RHSA-2024:1234, FEDORA-2024-abc, DSA-5678-1
    type     TEXT     NOT NULL DEFAULT '',      -- security, bugfix, enhancement, newpackage
    severity TEXT     NOT NULL DEFAULT '',      -- Critical, Important, Moderate, Low, None
    title    TEXT     NOT NULL DEFAULT '',
    issued   DATETIME,
    updated  DATETIME,
    source   TEXT     NOT NULL DEFAULT ''       -- 'updateinfo', later 'dsa', 'usn', ...
);
CREATE INDEX errata_type ON errata(type);

-- References of an erratum: type 'cve' (ref_id = CVE-YYYY-NNNN), 'bugzilla', 'self', 'other'.
CREATE TABLE erratum_refs (
    erratum_id INTEGER NOT NULL REFERENCES errata(id) ON DELETE CASCADE,
    type       TEXT    NOT NULL,
    ref_id     TEXT    NOT NULL DEFAULT '',
    url        TEXT    NOT NULL DEFAULT '',
    title      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (erratum_id, type, ref_id, url)
) WITHOUT ROWID;
CREATE INDEX erratum_refs_cve ON erratum_refs(ref_id) WHERE type = 'cve';

-- Packages an erratum fixes (the versions its package list names).
CREATE TABLE erratum_packages (
    erratum_id INTEGER NOT NULL REFERENCES errata(id) ON DELETE CASCADE,
    package_id INTEGER NOT NULL REFERENCES packages(id),
    PRIMARY KEY (erratum_id, package_id)
) WITHOUT ROWID;
CREATE INDEX erratum_packages_package ON erratum_packages(package_id, erratum_id);

-- Which mirrors' metadata listed an erratum (replaced with the mirror's updateinfo).
CREATE TABLE mirror_errata (
    mirror_id  INTEGER NOT NULL REFERENCES mirrors(id) ON DELETE CASCADE,
    erratum_id INTEGER NOT NULL REFERENCES errata(id) ON DELETE CASCADE,
    PRIMARY KEY (mirror_id, erratum_id)
) WITHOUT ROWID;
CREATE INDEX mirror_errata_erratum ON mirror_errata(erratum_id);

-- Module streams a mirror offers (modules.yaml), with the package ids of their artifacts
-- (store.IDSet encoding). Replaced with the mirror's modules metadata.
CREATE TABLE mirror_modules (
    mirror_id INTEGER NOT NULL REFERENCES mirrors(id) ON DELETE CASCADE,
    name      TEXT    NOT NULL,
    stream    TEXT    NOT NULL,
    version   TEXT    NOT NULL DEFAULT '',
    context   TEXT    NOT NULL DEFAULT '',
    arch      TEXT    NOT NULL DEFAULT '',
    members   BLOB    NOT NULL,
    PRIMARY KEY (mirror_id, name, stream, version, context, arch)
) WITHOUT ROWID;

-- The errata behind each computed update (errata fixing a version newer than the installed one
-- and not newer than the candidate).
CREATE TABLE computed_update_errata (
    computation_id INTEGER NOT NULL REFERENCES computations(id) ON DELETE CASCADE,
    old_package_id INTEGER NOT NULL,
    erratum_id     INTEGER NOT NULL REFERENCES errata(id) ON DELETE CASCADE,
    PRIMARY KEY (computation_id, old_package_id, erratum_id)
) WITHOUT ROWID;
CREATE INDEX computed_update_errata_erratum ON computed_update_errata(erratum_id);
