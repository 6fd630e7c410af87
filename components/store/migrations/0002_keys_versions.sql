-- Stable node keys, an explicit tree, versions that share unchanged node bodies, and
-- the live positions of the screens.

-- The ekran/1-era tables are kept under new names until `Store::open` has converted
-- their rows (see convert.rs), then dropped.
ALTER TABLE node RENAME TO node_v1;
ALTER TABLE publication RENAME TO publication_v1;
DROP TRIGGER publication_no_update;
DROP TRIGGER publication_no_delete;

-- Working-copy revision: bumped by every change of the working copy.
ALTER TABLE hall ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

-- The working copy's nodes. `body` is the node's JSON (the model's `Node`, with key,
-- label and parent); the columns beside it are derived from it for queries.
CREATE TABLE node (
    key TEXT PRIMARY KEY,
    parent TEXT,
    position INTEGER NOT NULL,      -- among its siblings, from 0
    label TEXT,
    hash TEXT NOT NULL,             -- sha256 of body, hex
    body TEXT NOT NULL,
    rev INTEGER NOT NULL,           -- bumped on every change of this node
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX node_by_parent ON node (parent, position);

-- Node bodies by content hash, shared by every version that has them. Immutable.
CREATE TABLE blob (
    hash TEXT PRIMARY KEY,
    body TEXT NOT NULL
) STRICT;

-- Published versions. Immutable: a rollback adds a new version equal to an old one.
CREATE TABLE publication (
    version INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    author TEXT NOT NULL,           -- "cli" for the command line, later a user name
    note TEXT NOT NULL,
    meta TEXT NOT NULL,             -- JSON: {title, fallback, screens}
    restores INTEGER,               -- a rollback: the version it brought back
    nodes INTEGER NOT NULL,
    added INTEGER NOT NULL,         -- compared with the version before
    changed INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    reordered INTEGER NOT NULL DEFAULT 0,  -- some node's position among siblings changed
    settings INTEGER NOT NULL DEFAULT 0    -- the hall's or screens' settings changed
);

CREATE TABLE publication_node (
    version INTEGER NOT NULL REFERENCES publication (version),
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    hash TEXT NOT NULL REFERENCES blob (hash),
    PRIMARY KEY (version, key)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER publication_no_update BEFORE UPDATE ON publication
BEGIN SELECT RAISE(ABORT, 'publications are immutable'); END;
CREATE TRIGGER publication_no_delete BEFORE DELETE ON publication
BEGIN SELECT RAISE(ABORT, 'publications are immutable'); END;
CREATE TRIGGER publication_node_no_update BEFORE UPDATE ON publication_node
BEGIN SELECT RAISE(ABORT, 'publications are immutable'); END;
CREATE TRIGGER publication_node_no_delete BEFORE DELETE ON publication_node
BEGIN SELECT RAISE(ABORT, 'publications are immutable'); END;
CREATE TRIGGER blob_no_update BEFORE UPDATE ON blob
BEGIN SELECT RAISE(ABORT, 'node bodies are immutable'); END;
CREATE TRIGGER blob_no_delete BEFORE DELETE ON blob
BEGIN SELECT RAISE(ABORT, 'node bodies are immutable'); END;

-- Where each screen is (node, slide, language, seq), so a restarted server puts every
-- screen back. One JSON document written by the live server.
CREATE TABLE live_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
INSERT OR IGNORE INTO hall (id, title, fallback, updated_at) VALUES (1, '{}', '["kk","ru","en"]', strftime('%Y-%m-%dT%H:%M:%fZ','now'));
