-- The Patchman API key a host name first reported with. Reports for that name must then carry
-- that key (ingest.bind_hosts): a keyless report from anyone on an allowed network, or another
-- fleet's key, could otherwise replace the host's package list. A revoked key's bindings lapse.
CREATE TABLE host_key_bindings (
    hostname   TEXT     PRIMARY KEY COLLATE NOCASE,
    api_key_id INTEGER  NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    created    DATETIME NOT NULL
);
CREATE INDEX host_key_bindings_key ON host_key_bindings(api_key_id);
