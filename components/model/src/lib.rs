//! ekran's content model: a hall of screens showing a tree of nodes and slides, in
//! Kazakh, Russian and English. This crate does no I/O: it is shared by the importer,
//! the store, the live sessions and the server, which all speak in these types.

pub mod diag;
pub mod format;
mod hall;
mod id;
mod key;
mod lang;
pub mod limits;
pub mod map;
pub mod text;
mod tree;
pub mod validate;

pub use diag::{Diagnostic, Diagnostics, FieldPath, Location, Severity};
pub use hall::{
    Figure, Hall, Idle, Layout, MediaRef, MediaRefError, Node, NodeKind, Screen, Slide,
    DEFAULT_FALLBACK, DEFAULT_IDLE_SECONDS, THEMES,
};
pub use id::{NodeId, NodeIdError};
pub use key::{NodeKey, NodeKeyError};
pub use lang::{Lang, Localized};
pub use map::{MapDoc, MapFeature, MapId, NodeMap, RegionCode, RegionLink};
pub use tree::{NodeMut, Tree, TreeError};
