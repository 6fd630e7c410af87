//! Node keys: the opaque, stable identity of a node.
//!
//! A key never changes while the node exists, whatever happens to it: renamed, moved
//! under another parent, reordered, relabelled. Everything that points at a node (a
//! screen's root, an attract list, the live position of a screen, a tablet's `go`
//! command) holds its key. The legacy dotted number (`1.5.1.1.2`) is only a label.
//!
//! Keys are 12 characters of Crockford's base-32 alphabet in lower case, the first
//! always a letter, so a key is never mistaken for a dotted label. A node made from a
//! label (legacy import, an `ekran/1` file) gets a key derived from the label
//! ([`NodeKey::derive`]), so the same legacy content gets the same keys on every
//! machine; a node made by hand gets a random key ([`NodeKey::random`]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::NodeId;

/// An opaque, stable node key.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeKey(pub(crate) String);

/// Why a string is not a node key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeKeyError {
    #[error("node key is empty")]
    Empty,
    #[error("node key {0:?} is longer than 64 characters")]
    TooLong(String),
    #[error(
        "node key {0:?} may hold only letters, digits, '-' and '_', and must start with a letter"
    )]
    BadChar(String),
}

/// Lower-case Crockford base 32: no i, l, o, u.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// The letters of [`ALPHABET`], for the first character.
const LETTERS: &[u8; 22] = b"abcdefghjkmnpqrstvwxyz";
/// Length of generated keys: 1 letter (~4.5 bits) + 11 × 5 bits ≈ 59 bits.
const LEN: usize = 12;

impl NodeKey {
    /// Longest accepted key, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Checks a key given by a user or a file: 1-64 lower-case ASCII letters, digits,
    /// `-`, `_`, the first a letter. Upper case is refused rather than folded, so two
    /// keys that differ only in case can never name two nodes.
    pub fn parse(s: &str) -> Result<Self, NodeKeyError> {
        if s.is_empty() {
            return Err(NodeKeyError::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(NodeKeyError::TooLong(s.chars().take(20).collect()));
        }
        let ok = s.as_bytes()[0].is_ascii_lowercase()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !ok {
            return Err(NodeKeyError::BadChar(s.to_owned()));
        }
        Ok(NodeKey(s.to_owned()))
    }

    fn from_bytes(bytes: &[u8]) -> NodeKey {
        // 12 characters from the first 8 bytes: the first from a letter table, the rest
        // 5 bits each.
        let mut n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
        let mut s = String::with_capacity(LEN);
        s.push(char::from(LETTERS[(n % LETTERS.len() as u64) as usize]));
        n /= LETTERS.len() as u64;
        for _ in 1..LEN {
            s.push(char::from(ALPHABET[(n & 31) as usize]));
            n >>= 5;
        }
        NodeKey(s)
    }

    /// A fresh random key (from the operating system's generator).
    pub fn random() -> NodeKey {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).expect("the operating system's random generator works");
        Self::from_bytes(&b)
    }

    /// The key a node made from legacy label `label` gets: the same on every machine.
    /// `salt` is 0 for the first try; callers bump it when the key is already taken by
    /// another node.
    pub fn derive(label: &NodeId, salt: u32) -> NodeKey {
        let mut h = Sha256::new();
        h.update(b"ekran-node-key\0");
        h.update(label.as_str().as_bytes());
        if salt > 0 {
            h.update(salt.to_le_bytes());
        }
        Self::from_bytes(&h.finalize())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeKey({})", self.0)
    }
}

impl std::str::FromStr for NodeKey {
    type Err = NodeKeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NodeKey::parse(s)
    }
}

impl Serialize for NodeKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for NodeKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        NodeKey::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_are_stable_and_never_look_like_labels() {
        let l = NodeId::parse("1.5.1.1.2").unwrap();
        let a = NodeKey::derive(&l, 0);
        assert_eq!(a, NodeKey::derive(&l, 0));
        assert_ne!(a, NodeKey::derive(&l, 1));
        assert_eq!(a.as_str().len(), 12);
        assert!(NodeKey::parse(a.as_str()).is_ok());
        assert!(NodeId::parse(a.as_str()).is_err());
        for _ in 0..1000 {
            let r = NodeKey::random();
            assert!(r.as_str().as_bytes()[0].is_ascii_lowercase());
            assert!(NodeKey::parse(r.as_str()).is_ok());
        }
    }

    #[test]
    fn refuses_labels_and_garbage() {
        assert!(NodeKey::parse("1.5").is_err());
        assert!(NodeKey::parse("15").is_err());
        assert!(NodeKey::parse("").is_err());
        assert!(NodeKey::parse("a/b").is_err());
        assert!(NodeKey::parse(&"a".repeat(65)).is_err());
        assert!(NodeKey::parse("intro-hall_2").is_ok());
        assert!(NodeKey::parse("Y09J85W3SQNX").is_err());
        assert!(NodeKey::parse("aB").is_err());
    }
}
