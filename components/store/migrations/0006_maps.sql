-- Region maps uploaded by staff (GeoJSON converted to an `ekran-map/1` document). The
-- built-in map of Kazakhstan (`kz`) is compiled into the binary and never stored here.
-- A map never changes under its id (pages cache it for a year): a new upload is a new
-- id, and a map is removed only while neither the working copy nor any published
-- version uses it (checked by the use case, which reads the node bodies).
CREATE TABLE map (
    id TEXT PRIMARY KEY CHECK (id GLOB '[a-z0-9]*' AND length(id) <= 40 AND id <> 'kz'),
    name TEXT NOT NULL,             -- JSON Localized: {"kk": …, "ru": …, "en": …}
    doc BLOB NOT NULL,              -- the map document's JSON (UTF-8)
    bytes INTEGER NOT NULL,         -- length of doc
    features INTEGER NOT NULL,      -- how many features (regions) it has
    created_at INTEGER NOT NULL,    -- Unix milliseconds (UTC)
    created_by TEXT NOT NULL        -- the user who added it, `cli` for the command line
) STRICT;

CREATE TRIGGER map_no_update BEFORE UPDATE ON map
BEGIN SELECT RAISE(ABORT, 'maps are immutable: add a new one instead'); END;

-- Ids of removed maps. An id is never given to another map: a page or an offline
-- display that kept the old document under that id would draw the wrong regions.
CREATE TABLE map_retired (
    id TEXT PRIMARY KEY,
    removed_at INTEGER NOT NULL     -- Unix milliseconds (UTC)
) STRICT;

CREATE TRIGGER map_retire AFTER DELETE ON map
BEGIN
    INSERT OR IGNORE INTO map_retired (id, removed_at)
    VALUES (OLD.id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

CREATE TRIGGER map_never_reused BEFORE INSERT ON map
WHEN EXISTS (SELECT 1 FROM map_retired WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'this map id was used by a removed map; ids are never reused'); END;
