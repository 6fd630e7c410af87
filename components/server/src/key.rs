//! The hall's control key, for scripts: made at first start and kept in the data
//! directory, readable by its owner only. It is never presented itself: each screen has
//! its own key derived from it ([`screen_key`]), so a key for screen 1 drives screen 1
//! only. Browsers (displays, tablets) are paired instead and hold device tokens.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// The key's file name in the data directory.
pub const KEY_FILE: &str = "control.key";

/// Reads the key from `dir`, creating a random one (readable by its owner only) if
/// there is none. A key file that is there but too short (under 16 characters) is an
/// error naming the file: replacing it silently would change every screen key
/// scripts were given.
pub fn load_or_create(dir: &Path) -> io::Result<String> {
    let path = dir.join(KEY_FILE);
    match fs::read_to_string(&path) {
        Ok(k) if k.trim().len() >= 16 => return Ok(k.trim().to_owned()),
        Ok(k) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} holds {} character(s); a control key has at least 16. Delete the file to make a new one (the screen keys scripts use change with it)",
                    path.display(),
                    k.trim().len()
                ),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let key = random_key()?;
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&path)?;
    f.write_all(key.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
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

/// The key that drives screen `screen`: HMAC-SHA256 of the screen id under the hall's
/// control key, 32 hex digits (128 bits). Knowing one screen's key tells nothing of
/// another's, nor of the control key.
pub fn screen_key(control_key: &str, screen: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(control_key.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"ekran screen key\0");
    mac.update(screen.as_bytes());
    mac.finalize().into_bytes()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_owner_only_and_a_short_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let k = load_or_create(dir.path()).unwrap();
        assert_eq!(k.len(), 32);
        assert_eq!(load_or_create(dir.path()).unwrap(), k, "kept");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        fs::write(dir.path().join(KEY_FILE), "short\n").unwrap();
        let e = load_or_create(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("5 character(s)") && e.contains("Delete the file"),
            "{e}"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join(KEY_FILE)).unwrap(),
            "short\n",
            "left as it was"
        );
    }

    #[test]
    fn screen_keys_differ_per_screen_and_per_hall() {
        let k = "0123456789abcdef0123456789abcdef";
        let one = screen_key(k, "1");
        assert_eq!(one.len(), 32);
        assert_eq!(one, screen_key(k, "1"));
        assert_ne!(one, screen_key(k, "2"));
        assert_ne!(one, screen_key("fedcba9876543210fedcba9876543210", "1"));
        assert!(!one.contains(k));
    }
}
