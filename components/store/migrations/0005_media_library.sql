-- The media library: what staff see of each file in `media/`. A file's path is its
-- media ref; uploaded files are named by their content's SHA-256 (`lib/<sha256>.<ext>`)
-- and the user's file name is only a label, kept as text.

-- The name shown for the file (the uploader's file name; for files brought by imports,
-- their file name).
ALTER TABLE media ADD COLUMN label TEXT;
-- 'image' or 'video', from the content (NULL for files brought by imports: from the
-- file name's extension when read).
ALTER TABLE media ADD COLUMN kind TEXT CHECK (kind IN ('image', 'video'));
ALTER TABLE media ADD COLUMN mime TEXT;
-- Pixels of a picture.
ALTER TABLE media ADD COLUMN width INTEGER;
ALTER TABLE media ADD COLUMN height INTEGER;
-- A smaller version (display or tile size) of the file at this path: not an item of
-- the library itself; it goes with its original.
ALTER TABLE media ADD COLUMN derived_from TEXT;
-- Who added it (a user's name); NULL for files brought by imports.
ALTER TABLE media ADD COLUMN added_by TEXT;
-- 0: deleted from the library but kept on disk, because a published version shows it
-- (a rollback brings it back on screen).
ALTER TABLE media ADD COLUMN listed INTEGER NOT NULL DEFAULT 1 CHECK (listed IN (0, 1));

-- Files already there appear in the library under their file name.
UPDATE media SET label = substr(path, length(rtrim(path, replace(path, '/', ''))) + 1);

CREATE INDEX media_by_added ON media (added_at);
CREATE INDEX media_by_original ON media (derived_from) WHERE derived_from IS NOT NULL;
