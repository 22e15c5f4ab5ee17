-- A host's history as change events, not copies of package lists: packages installed, upgraded,
-- downgraded and removed, kernel and OS changes, each with the report that showed it and its
-- time. report_id has no foreign key: reports are pruned, their events stay.
CREATE TABLE host_events (
    id             INTEGER  PRIMARY KEY,
    host_id        INTEGER  NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    report_id      INTEGER,
    at             DATETIME NOT NULL,
    kind           TEXT     NOT NULL CHECK (kind IN ('first', 'installed', 'upgraded', 'downgraded', 'removed', 'kernel', 'os')),
    name           TEXT     NOT NULL DEFAULT '',
    arch           TEXT     NOT NULL DEFAULT '',
    old_value      TEXT     NOT NULL DEFAULT '',
    new_value      TEXT     NOT NULL DEFAULT ''
);
CREATE INDEX host_events_host ON host_events(host_id, at);
