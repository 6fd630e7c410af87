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
