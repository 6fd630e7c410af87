-- The working copy: what imports (and later the editor) change.
CREATE TABLE hall (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    title TEXT NOT NULL,        -- JSON: Localized
    fallback TEXT NOT NULL,     -- JSON: [Lang]
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE screen (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    body TEXT NOT NULL          -- JSON: Screen
) STRICT;

CREATE TABLE node (
    id TEXT PRIMARY KEY,        -- dotted node ID
    body TEXT NOT NULL,         -- JSON: Node
    updated_at TEXT NOT NULL
) STRICT;

-- Files under <data>/media/<path>.
CREATE TABLE media (
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    added_at TEXT NOT NULL
) STRICT;

-- Published versions: immutable snapshots in the canonical export format.
CREATE TABLE publication (
    version INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    note TEXT NOT NULL,
    snapshot TEXT NOT NULL
);

CREATE TRIGGER publication_no_update BEFORE UPDATE ON publication
BEGIN SELECT RAISE(ABORT, 'publications are immutable'); END;

CREATE TRIGGER publication_no_delete BEFORE DELETE ON publication
BEGIN SELECT RAISE(ABORT, 'publications are immutable'); END;
