-- Paired devices: the browsers of a hall's displays and tablets, each allowed to show
-- (display) or drive (tablet) one screen. Only the SHA-256 (hex) of the device's random
-- token is stored. Revoking a device deletes its row (the audit log keeps the record).
CREATE TABLE device (
    id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: the audit log names devices by id
    name TEXT NOT NULL,             -- for people: "Tablet by the map"
    role TEXT NOT NULL CHECK (role IN ('display', 'tablet')),
    screen TEXT NOT NULL,           -- the screen id it shows or drives
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,    -- Unix milliseconds (UTC)
    created_by TEXT NOT NULL,       -- the admin who paired it
    last_seen_at INTEGER,           -- last connection, Unix milliseconds
    address TEXT,                   -- the address it last connected from
    user_agent TEXT                 -- its browser, as it said at the last connection
) STRICT;
