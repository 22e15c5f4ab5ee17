-- Which client sends a host's reports: its kind ('patchman-client', 'patchward-agent', or
-- another native client's name), its version ('' when the client does not say: Patchman's
-- protocols carry none), the protocol it spoke and when it last reported. agent_update is the
-- patchward agent's last self-update outcome, as it reported it.
ALTER TABLE hosts ADD COLUMN client TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN client_version TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN client_protocol TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN client_seen DATETIME;
ALTER TABLE hosts ADD COLUMN agent_update TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN agent_update_at DATETIME;

-- Hosts that reported before: what their last report shows (protocol, and the agent's
-- User-Agent "patchward-agent/VERSION").
UPDATE hosts SET
    client_protocol = r.protocol,
    client_seen = hosts.last_report,
    client = CASE
        WHEN r.protocol IN ('1', '2') THEN 'patchman-client'
        WHEN r.user_agent LIKE 'patchward-agent/%' THEN 'patchward-agent'
        ELSE '' END,
    client_version = CASE
        WHEN r.protocol = 'native' AND r.user_agent LIKE 'patchward-agent/%' THEN substr(r.user_agent, 17, 64)
        ELSE '' END
FROM reports r WHERE r.id = hosts.last_report_id;

-- Key pairs the server signs with: 'agent-update' (Ed25519) signs the agent binary it
-- serves; agents pin its public key at enrolment. The private key never leaves this table.
CREATE TABLE server_keys (
    name        TEXT     PRIMARY KEY,
    private_key BLOB     NOT NULL,
    public_key  BLOB     NOT NULL,
    created     DATETIME NOT NULL
);
