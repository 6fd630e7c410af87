//! Node identifiers: dotted paths such as `1.5.1.1.2`.
//!
//! The legacy system compared IDs as strings and assumed one digit per segment, so
//! `3.3.10` sorted before `3.3.2` and `1.10` looked like a child of `1.1`. Here a segment
//! is any run of ASCII digits (no width limit, so no overflow) and IDs order segment by
//! segment, numerically.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A validated node ID. The first segment is the legacy screen number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NodeId(String);

/// Why a string is not a node ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeIdError {
    #[error("node ID is empty")]
    Empty,
    #[error("node ID {0:?} has an empty segment (two dots in a row, or a dot at an end)")]
    EmptySegment(String),
    #[error("node ID {0:?} has a segment that is not a number (use digits separated by dots, like 1.5.2)")]
    NotANumber(String),
    #[error("node ID {0:?} has a segment with a leading zero")]
    LeadingZero(String),
    #[error("node ID is longer than {max} characters")]
    TooLong { max: usize },
}

impl NodeId {
    /// Longest accepted ID, in bytes; keeps pathological input from becoming a key.
    pub const MAX_LEN: usize = 256;

    pub fn parse(s: &str) -> Result<Self, NodeIdError> {
        if s.is_empty() {
            return Err(NodeIdError::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(NodeIdError::TooLong { max: Self::MAX_LEN });
        }
        for seg in s.split('.') {
            if seg.is_empty() {
                return Err(NodeIdError::EmptySegment(s.to_owned()));
            }
            if !seg.bytes().all(|b| b.is_ascii_digit()) {
                return Err(NodeIdError::NotANumber(s.to_owned()));
            }
            if seg.len() > 1 && seg.starts_with('0') {
                return Err(NodeIdError::LeadingZero(s.to_owned()));
            }
        }
        Ok(NodeId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn segments(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.split('.')
    }

    pub fn depth(&self) -> usize {
        self.segments().count()
    }

    /// The parent (`1.5.1` → `1.5`); a root (`1`) has none.
    pub fn parent(&self) -> Option<NodeId> {
        self.0.rfind('.').map(|i| NodeId(self.0[..i].to_owned()))
    }

    /// The first segment: the screen this node belongs to in legacy numbering.
    pub fn root(&self) -> NodeId {
        NodeId(self.segments().next().unwrap_or_default().to_owned())
    }

    pub fn is_root(&self) -> bool {
        !self.0.contains('.')
    }

    /// Whether `self` is `other` or lies below it (`1.10.2` is under `1.10`, not under `1.1`).
    pub fn is_within(&self, other: &NodeId) -> bool {
        self.0 == other.0
            || (self.0.len() > other.0.len()
                && self.0.starts_with(&other.0)
                && self.0.as_bytes()[other.0.len()] == b'.')
    }

    /// `self.n`: the ID of a child.
    pub fn child(&self, n: u64) -> NodeId {
        NodeId(format!("{}.{n}", self.0))
    }
}

fn cmp_segment(a: &str, b: &str) -> Ordering {
    // Segments have no leading zeros, so a longer run of digits is a bigger number.
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Ord for NodeId {
    fn cmp(&self, other: &Self) -> Ordering {
        let mut a = self.segments();
        let mut b = other.segments();
        loop {
            match (a.next(), b.next()) {
                (None, None) => return Ordering::Equal,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (Some(x), Some(y)) => match cmp_segment(x, y) {
                    Ordering::Equal => {}
                    o => return o,
                },
            }
        }
    }
}

impl PartialOrd for NodeId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", self.0)
    }
}

impl std::str::FromStr for NodeId {
    type Err = NodeIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NodeId::parse(s)
    }
}

impl Serialize for NodeId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for NodeId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        NodeId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> NodeId {
        NodeId::parse(s).unwrap()
    }

    #[test]
    fn orders_numerically_per_segment() {
        let mut ids: Vec<NodeId> = ["3.3.10", "3.3.9", "3.3", "1.10", "1.2", "1", "10", "2"]
            .iter()
            .map(|s| id(s))
            .collect();
        ids.sort();
        let got: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
        assert_eq!(
            got,
            ["1", "1.2", "1.10", "2", "3.3", "3.3.9", "3.3.10", "10"]
        );
    }

    #[test]
    fn wide_segments_do_not_overflow() {
        let big = id("1.123456789012345678901234567890");
        let small = id("1.99999999999999999999");
        assert!(small < big);
    }

    #[test]
    fn parent_and_within() {
        assert_eq!(id("1.5.1.1.2").parent(), Some(id("1.5.1.1")));
        assert_eq!(id("1").parent(), None);
        assert!(id("1.10.2").is_within(&id("1.10")));
        assert!(!id("1.10.2").is_within(&id("1.1")));
        assert_eq!(id("3.3.10").root(), id("3"));
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!(NodeId::parse(""), Err(NodeIdError::Empty));
        assert!(matches!(
            NodeId::parse("1..2"),
            Err(NodeIdError::EmptySegment(_))
        ));
        assert!(matches!(
            NodeId::parse("1.a"),
            Err(NodeIdError::NotANumber(_))
        ));
        assert!(matches!(
            NodeId::parse("1.02"),
            Err(NodeIdError::LeadingZero(_))
        ));
        assert!(matches!(
            NodeId::parse("1."),
            Err(NodeIdError::EmptySegment(_))
        ));
    }

    proptest::proptest! {
        #[test]
        fn order_matches_numeric_tuples(a in proptest::collection::vec(0u64..100_000, 1..6),
                                        b in proptest::collection::vec(0u64..100_000, 1..6)) {
            let s = |v: &Vec<u64>| v.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(".");
            proptest::prop_assert_eq!(id(&s(&a)).cmp(&id(&s(&b))), a.cmp(&b));
        }
    }
}
