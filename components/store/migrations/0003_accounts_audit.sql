-- Staff accounts, their sign-in sessions, and the audit log of every change.

-- One account per person. `name` is unique without regard to case (names are ASCII,
-- so NOCASE is exact); `password` is an argon2id PHC string, never the password.
CREATE TABLE account (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor')),
    password TEXT NOT NULL,
    created_at TEXT NOT NULL,       -- UTC, ISO 8601 with milliseconds
    changed_at TEXT NOT NULL        -- last change of the password or the role
) STRICT;

-- Signed-in sessions. Only the SHA-256 (hex) of the random token the browser holds is
-- stored, so a copy of the database does not let anyone in. Times are Unix
-- milliseconds (UTC), compared for idle and absolute expiry.
CREATE TABLE session (
    token_hash TEXT PRIMARY KEY,
    account INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    csrf TEXT NOT NULL,             -- random; sent back with every change
    address TEXT                    -- the client's address at sign-in
) STRICT;
CREATE INDEX session_by_account ON session (account);

-- Who changed what and when. Written in the transaction of the change it records, so
-- a change and its entry are stored together or not at all. Append-only.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,               -- UTC, ISO 8601 with milliseconds
    actor TEXT NOT NULL,            -- "cli", a user name, or "-" (nobody signed in)
    action TEXT NOT NULL,           -- a stable code: publish, edit, sign_in, ...
    subject TEXT NOT NULL,          -- what: "version 3", "node k3…", "user anna"
    summary TEXT NOT NULL,          -- one line for people
    address TEXT                    -- the client's address, when known
) STRICT;
CREATE INDEX audit_by_actor ON audit (actor COLLATE NOCASE, id);
CREATE INDEX audit_by_action ON audit (action, id);
CREATE INDEX audit_by_at ON audit (at);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
