-- A mirror an administrator created from a local directory (patchward repo import DIR of loose
-- packages) rather than one a host reported: refresh may read its file:// URL.
ALTER TABLE mirrors ADD COLUMN local INTEGER NOT NULL DEFAULT 0;
