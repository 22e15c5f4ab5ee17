-- Daily history for the dashboard chart: how many hosts had pending security updates each day,
-- and since when each host has had them (for "security updates pending longer than N days").
CREATE TABLE security_history (
    day            TEXT    PRIMARY KEY,   -- YYYY-MM-DD, UTC
    hosts          INTEGER NOT NULL,
    security_hosts INTEGER NOT NULL,
    security_updates INTEGER NOT NULL
) WITHOUT ROWID;

-- A host appears here while it has pending security updates; since is when that was first
-- recorded. Rows go when the host has none left (or is deleted).
CREATE TABLE host_security_since (
    host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
    since   DATETIME NOT NULL
);
