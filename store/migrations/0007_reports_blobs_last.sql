-- The report bodies (payload, raw: ~20 KB each) sat before processed and host_id, so SQLite had
-- to walk each body's overflow pages to reach those two columns: every list of reports (the
-- host page's history, the reports page) read the bodies it never shows, ~90 µs per report.
-- The table is rebuilt with the bodies last; ids, rows and indexes are unchanged.
CREATE TABLE reports_new (
    id          INTEGER  PRIMARY KEY,
    received    DATETIME NOT NULL,
    protocol    TEXT     NOT NULL,             -- '1', '2', 'native'
    hostname    TEXT     NOT NULL DEFAULT '',
    remote_addr TEXT     NOT NULL DEFAULT '',
    user_agent  TEXT     NOT NULL DEFAULT '',
    status      TEXT     NOT NULL CHECK (status IN ('pending', 'processed', 'rejected')),
    error       TEXT     NOT NULL DEFAULT '',
    processed   DATETIME,
    host_id     INTEGER  REFERENCES hosts(id) ON DELETE SET NULL,
    payload     BLOB,
    raw         BLOB
);
INSERT INTO reports_new (id, received, protocol, hostname, remote_addr, user_agent, status, error, processed, host_id, payload, raw)
    SELECT id, received, protocol, hostname, remote_addr, user_agent, status, error, processed, host_id, payload, raw FROM reports;
DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
CREATE INDEX reports_status ON reports(status, id);
CREATE INDEX reports_host ON reports(host_id, id);
