-- Tags an operator sets (UI or API), apart from host_tags, which are the tags the host's own
-- reports carry: applying a report replaces only host_tags, so these survive it. A tag may be
-- in both tables; filters and lists use the union.
CREATE TABLE host_operator_tags (
    host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL COLLATE NOCASE,
    PRIMARY KEY (host_id, tag)
) WITHOUT ROWID;
CREATE INDEX host_operator_tags_tag ON host_operator_tags(tag);
