-- Enrolling a name that already reports (keyless, or with a Patchman key) would let whoever holds
-- a site enrollment token claim that host and lock its own reports out. Such an enrollment waits
-- here for an admin's approval, unless the token was created to allow it.
ALTER TABLE enroll_tokens ADD COLUMN allow_existing INTEGER NOT NULL DEFAULT 0;

CREATE TABLE enroll_requests (
    id              INTEGER  PRIMARY KEY,
    hostname        TEXT     NOT NULL UNIQUE COLLATE NOCASE,
    enroll_token_id INTEGER  NOT NULL REFERENCES enroll_tokens(id) ON DELETE CASCADE,
    requested       DATETIME NOT NULL,
    approved        DATETIME
);
