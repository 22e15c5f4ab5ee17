-- Schema for a fleet, not a host: identical package sets and repo sets are stored once and
-- shared by every host that has them, and update results are computed once per distinct
-- (package set, repo set, mode) and shared the same way.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    created       DATETIME NOT NULL,
    last_login    DATETIME
);

-- Sessions are looked up by the SHA-256 of the cookie value so a stolen database file does not
-- hand out live sessions.
CREATE TABLE sessions (
    token_hash BLOB     PRIMARY KEY,
    user_id    INTEGER  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created    DATETIME NOT NULL,
    expires    DATETIME NOT NULL
) WITHOUT ROWID;

-- API keys: kind 'patchman' authenticates Patchman protocol 2 uploads ("Api-Key prefix.secret"),
-- kind 'api' authenticates /api/v1. Only a hash of the secret is kept.
CREATE TABLE api_keys (
    id       INTEGER  PRIMARY KEY,
    name     TEXT     NOT NULL,
    kind     TEXT     NOT NULL CHECK (kind IN ('patchman', 'api')),
    prefix   TEXT     NOT NULL UNIQUE,
    hash     BLOB     NOT NULL,
    role     TEXT     NOT NULL DEFAULT 'viewer',
    created  DATETIME NOT NULL,
    last_used DATETIME,
    revoked  DATETIME
);

-- Every upload that reached us. payload is the canonical report (store.HostReport, gzip'd; see
-- store.encodeReportPayload) so processing never re-parses a wire format; raw keeps rejected
-- bodies (truncated) for the UI.
CREATE TABLE reports (
    id          INTEGER  PRIMARY KEY,
    received    DATETIME NOT NULL,
    protocol    TEXT     NOT NULL,             -- '1', '2', 'native'
    hostname    TEXT     NOT NULL DEFAULT '',
    remote_addr TEXT     NOT NULL DEFAULT '',
    user_agent  TEXT     NOT NULL DEFAULT '',
    status      TEXT     NOT NULL CHECK (status IN ('pending', 'processed', 'rejected')),
    error       TEXT     NOT NULL DEFAULT '',
    payload     BLOB,
    raw         BLOB,
    processed   DATETIME,
    host_id     INTEGER  REFERENCES hosts(id) ON DELETE SET NULL
);
CREATE INDEX reports_status ON reports(status, id);
CREATE INDEX reports_host ON reports(host_id, id);

-- Global package rows: one per distinct (type, name, arch, epoch, version, release), whether seen
-- installed on a host or offered by a mirror.
CREATE TABLE packages (
    id      INTEGER PRIMARY KEY,
    type    TEXT NOT NULL,                      -- deb, rpm, arch, gentoo, apk
    name    TEXT NOT NULL,
    arch    TEXT NOT NULL,
    epoch   TEXT NOT NULL DEFAULT '',
    version TEXT NOT NULL,
    release TEXT NOT NULL DEFAULT '',
    UNIQUE (type, name, arch, epoch, version, release)
);
CREATE INDEX packages_name ON packages(name);

-- A distinct installed-package set. members is the sorted package ids, delta + uvarint encoded
-- (store.IDSet): 1,500 packages cost ~3 KB instead of 1,500 indexed rows, and loading a set for
-- update finding is one row read. digest is SHA-256 over the sorted ids.
CREATE TABLE package_sets (
    id      INTEGER PRIMARY KEY,
    digest  BLOB    NOT NULL UNIQUE,
    count   INTEGER NOT NULL,
    members BLOB    NOT NULL
);

-- Maps the SHA-256 of a report's canonical package list (sorted keys) to the package set it
-- resolved to, so that an unchanged report skips resolving every package row.
CREATE TABLE package_set_keys (
    digest         BLOB    PRIMARY KEY,
    package_set_id INTEGER NOT NULL REFERENCES package_sets(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX package_set_keys_set ON package_set_keys(package_set_id);

CREATE TABLE repos (
    id        INTEGER  PRIMARY KEY,
    name      TEXT     NOT NULL,
    type      TEXT     NOT NULL,                -- deb, rpm, arch, gentoo, apk
    arch      TEXT     NOT NULL DEFAULT '',     -- machine arch of the hosts that reported it
    repo_ident TEXT    NOT NULL DEFAULT '',     -- the client's repo id (yum id, pacman repo name)
    security  INTEGER  NOT NULL DEFAULT 0,
    security_set_by_user INTEGER NOT NULL DEFAULT 0,
    enabled   INTEGER  NOT NULL DEFAULT 1,
    created   DATETIME NOT NULL
);

-- A mirror is one URL serving a repo's metadata. url is normalized (no trailing slash).
CREATE TABLE mirrors (
    id             INTEGER  PRIMARY KEY,
    repo_id        INTEGER  NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    url            TEXT     NOT NULL UNIQUE,
    enabled        INTEGER  NOT NULL DEFAULT 1,
    last_attempt   DATETIME,
    last_success   DATETIME,
    last_error     TEXT     NOT NULL DEFAULT '',
    fail_count     INTEGER  NOT NULL DEFAULT 0,
    etag           TEXT     NOT NULL DEFAULT '',
    last_modified  TEXT     NOT NULL DEFAULT '',
    checksum       TEXT     NOT NULL DEFAULT '',   -- digest of the index that was parsed
    package_count  INTEGER  NOT NULL DEFAULT 0,
    freshness      DATETIME,                       -- Release Date / repomd revision
    content_changed DATETIME                        -- when the package list last changed
);
CREATE INDEX mirrors_repo ON mirrors(repo_id);

-- The package ids a mirror offers (store.IDSet encoding), replaced whole on each changed refresh.
CREATE TABLE mirror_packages (
    mirror_id INTEGER PRIMARY KEY REFERENCES mirrors(id) ON DELETE CASCADE,
    members   BLOB    NOT NULL
);

-- A distinct set of (repo, priority) pairs as hosts report them. Priority is "higher wins"
-- (apt pin; rpm priorities are negated on intake as Patchman does).
CREATE TABLE repo_sets (
    id     INTEGER PRIMARY KEY,
    digest BLOB    NOT NULL UNIQUE
);
CREATE TABLE repo_set_members (
    set_id   INTEGER NOT NULL REFERENCES repo_sets(id) ON DELETE CASCADE,
    repo_id  INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    priority INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (set_id, repo_id)
) WITHOUT ROWID;
CREATE INDEX repo_set_members_repo ON repo_set_members(repo_id, set_id);

CREATE TABLE os_groups (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL UNIQUE
);
CREATE TABLE os_group_repos (
    os_group_id INTEGER NOT NULL REFERENCES os_groups(id) ON DELETE CASCADE,
    repo_id     INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    PRIMARY KEY (os_group_id, repo_id)
) WITHOUT ROWID;
CREATE TABLE os_variants (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,   -- the OS string as the client sent it
    os_group_id INTEGER REFERENCES os_groups(id) ON DELETE SET NULL
);

-- Update results per distinct input. mode is 'host' (host repos only) or 'group' (plus the OS
-- group's repos). dirty is set when an input changed (a mirror's packages, a repo's flags) and
-- cleared when the result is recomputed.
CREATE TABLE computations (
    id             INTEGER  PRIMARY KEY,
    package_set_id INTEGER  NOT NULL REFERENCES package_sets(id) ON DELETE CASCADE,
    repo_set_id    INTEGER  REFERENCES repo_sets(id) ON DELETE CASCADE,
    mode           TEXT     NOT NULL DEFAULT 'host',
    os_group_id    INTEGER,
    computed       DATETIME,
    dirty          INTEGER  NOT NULL DEFAULT 1,
    security_count INTEGER  NOT NULL DEFAULT 0,
    bugfix_count   INTEGER  NOT NULL DEFAULT 0,
    generation     INTEGER  NOT NULL DEFAULT 0,   -- bumped whenever dirty is set to 1, see trigger
    UNIQUE (package_set_id, repo_set_id, mode, os_group_id)
);
CREATE INDEX computations_dirty ON computations(dirty) WHERE dirty = 1;

-- Any "SET dirty = 1" (even on a row that is already dirty) bumps the generation, so a result
-- computed from inputs read before that moment cannot clear the flag: SaveComputations only
-- clears dirty when the generation it read is still current.
CREATE TRIGGER computations_generation AFTER UPDATE OF dirty ON computations
WHEN NEW.dirty = 1
BEGIN
    UPDATE computations SET generation = generation + 1 WHERE id = NEW.id;
END;

CREATE TABLE computed_updates (
    computation_id INTEGER NOT NULL REFERENCES computations(id) ON DELETE CASCADE,
    old_package_id INTEGER NOT NULL REFERENCES packages(id),
    new_package_id INTEGER NOT NULL REFERENCES packages(id),
    repo_id        INTEGER REFERENCES repos(id) ON DELETE SET NULL,
    security       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (computation_id, old_package_id)
) WITHOUT ROWID;

CREATE TABLE hosts (
    id              INTEGER  PRIMARY KEY,
    hostname        TEXT     NOT NULL UNIQUE COLLATE NOCASE,
    domain          TEXT     NOT NULL DEFAULT '',
    os_variant_id   INTEGER  REFERENCES os_variants(id) ON DELETE SET NULL,
    kernel          TEXT     NOT NULL DEFAULT '',
    arch            TEXT     NOT NULL DEFAULT '',
    ip              TEXT     NOT NULL DEFAULT '',
    package_set_id  INTEGER  REFERENCES package_sets(id),
    repo_set_id     INTEGER  REFERENCES repo_sets(id),
    computation_id  INTEGER  REFERENCES computations(id) ON DELETE SET NULL,
    host_repos_only INTEGER  NOT NULL DEFAULT 1,
    client_reboot   INTEGER  NOT NULL DEFAULT 0,   -- what the client said
    reboot_required INTEGER  NOT NULL DEFAULT 0,   -- client's flag OR our own kernel check
    last_report     DATETIME,
    last_report_id  INTEGER,
    created         DATETIME NOT NULL
);
CREATE INDEX hosts_computation ON hosts(computation_id);
CREATE INDEX hosts_last_report ON hosts(last_report);

CREATE TABLE host_tags (
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL COLLATE NOCASE,
    PRIMARY KEY (host_id, tag)
) WITHOUT ROWID;
CREATE INDEX host_tags_tag ON host_tags(tag);

-- Updates the client computed itself (Patchman -u, RHEL CDN / SUSE repos we cannot read).
CREATE TABLE host_client_updates (
    host_id  INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    name     TEXT    NOT NULL,
    arch     TEXT    NOT NULL,
    version  TEXT    NOT NULL,
    repo     TEXT    NOT NULL DEFAULT '',
    security INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (host_id, name, arch)
) WITHOUT ROWID;

-- dnf module streams a host has enabled.
CREATE TABLE host_modules (
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    name    TEXT    NOT NULL,
    stream  TEXT    NOT NULL,
    version TEXT    NOT NULL DEFAULT '',
    context TEXT    NOT NULL DEFAULT '',
    arch    TEXT    NOT NULL DEFAULT '',
    repo    TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (host_id, name, stream)
) WITHOUT ROWID;

CREATE TABLE audit_log (
    id      INTEGER  PRIMARY KEY,
    at      DATETIME NOT NULL,
    actor   TEXT     NOT NULL,
    action  TEXT     NOT NULL,
    detail  TEXT     NOT NULL DEFAULT ''
);
