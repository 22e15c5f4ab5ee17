-- Tags an operator sets (UI or API), apart from host_tags, which are the tags the host's own
-- reports carry: applying a report replaces only host_tags, so these survive it. A tag may be
-- in both tables; filters and lists use the union.
CREATE TABLE host_operator_tags (
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL COLLATE NOCASE,
    PRIMARY KEY (host_id, tag)
) WITHOUT ROWID;
CREATE INDEX host_operator_tags_tag ON host_operator_tags(tag);

-- What the account page lists of each session: where it logged in from and when it was last
-- used (updated at most every few minutes, not on every request).
ALTER TABLE sessions ADD COLUMN last_seen DATETIME;
ALTER TABLE sessions ADD COLUMN remote_addr TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX audit_log_actor ON audit_log(actor, id);
