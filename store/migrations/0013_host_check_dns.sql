-- Whether `patchward dns-check` compares the host's reverse DNS with its name (Patchman's
-- check_dns). On by default here: the check only reports, it never changes a host.
ALTER TABLE hosts ADD COLUMN check_dns INTEGER NOT NULL DEFAULT 1;
