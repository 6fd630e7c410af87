//! The hall's control key: tablets present it to send commands. Made at first start and
//! kept in the data directory, readable by its owner only.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// The key's file name in the data directory.
pub const KEY_FILE: &str = "control.key";

/// Reads the key from `dir`, creating a random one if there is none.
pub fn load_or_create(dir: &Path) -> io::Result<String> {
    let path = dir.join(KEY_FILE);
    match fs::read_to_string(&path) {
        Ok(k) if k.trim().len() >= 16 => return Ok(k.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let key = random_key()?;
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path)?;
    f.write_all(key.as_bytes())?;
    f.write_all(b"\n")?;
    Ok(key)
}

/// 128 random bits, hex.
pub fn random_key() -> io::Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Compares without an early exit, so timing does not reveal how much of a guess matched.
pub fn matches(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
