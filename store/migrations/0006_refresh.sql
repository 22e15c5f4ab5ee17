-- Refresh of errata and module metadata: the checksum of the updateinfo and modules files last
-- read per mirror, so an unchanged file is neither downloaded nor parsed again.
ALTER TABLE mirrors ADD COLUMN errata_checksum TEXT NOT NULL DEFAULT '';
ALTER TABLE mirrors ADD COLUMN modules_checksum TEXT NOT NULL DEFAULT '';
