-- Agent enrollment and host tokens (issue 5).
--
-- An enrollment token is a site secret given to new hosts (patchward enroll-token add NAME). A
-- host presents it once to obtain its own host token, which binds the host name: reports for
-- that name are then accepted only with that token. Only SHA-256 hashes of the secrets are kept.
CREATE TABLE enroll_tokens (
    id        INTEGER  PRIMARY KEY,
    name      TEXT     NOT NULL,
    prefix    TEXT     NOT NULL UNIQUE,
    hash      BLOB     NOT NULL,
    created   DATETIME NOT NULL,
    last_used DATETIME,
    uses      INTEGER  NOT NULL DEFAULT 0,
    revoked   DATETIME
);

CREATE TABLE host_tokens (
    id              INTEGER  PRIMARY KEY,
    hostname        TEXT     NOT NULL COLLATE NOCASE,
    prefix          TEXT     NOT NULL UNIQUE,
    hash            BLOB     NOT NULL,
    enroll_token_id INTEGER  REFERENCES enroll_tokens(id) ON DELETE SET NULL,
    created         DATETIME NOT NULL,
    last_used       DATETIME,
    revoked         DATETIME
);
-- One live token per host name; revoked ones stay for the record.
CREATE UNIQUE INDEX host_tokens_live ON host_tokens(hostname) WHERE revoked IS NULL;
