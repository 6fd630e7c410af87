//! The hall: screens and the tree of nodes they show.

use serde::{Deserialize, Serialize};

use crate::{Lang, Localized, NodeId, NodeKey, NodeMap, RegionCode, Tree};

/// Built-in themes, one chosen per screen. The legacy system had five colour schemes
/// fixed in code, one per screen; screen N gets `THEMES[(N - 1) % 5]` on import.
pub const THEMES: [&str; 5] = ["azure", "steppe", "sunrise", "jade", "graphite"];

/// The default order in which a missing translation is replaced.
pub const DEFAULT_FALLBACK: [Lang; 3] = [Lang::Kk, Lang::Ru, Lang::En];

/// A whole hall: what one ekran server shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Hall {
    pub title: Localized,
    /// Order in which languages stand in for a missing translation.
    pub fallback: Vec<Lang>,
    pub screens: Vec<Screen>,
    /// The content tree.
    pub nodes: Tree,
}

impl Default for Hall {
    fn default() -> Self {
        Hall {
            title: Localized::default(),
            fallback: DEFAULT_FALLBACK.to_vec(),
            screens: Vec::new(),
            nodes: Tree::default(),
        }
    }
}

impl Hall {
    pub fn screen(&self, id: &str) -> Option<&Screen> {
        self.screens.iter().find(|s| s.id == id)
    }

    /// The first screen whose tree holds `key` (its root is `key` or an ancestor).
    pub fn screen_of(&self, key: &NodeKey) -> Option<&Screen> {
        let anc: Vec<&NodeKey> = self.nodes.ancestors(key).iter().map(|n| n.key()).collect();
        self.screens.iter().find(|s| anc.contains(&&s.root))
    }

    /// How a node is named to people: its legacy label when it has one, else its key.
    pub fn node_name(&self, key: &NodeKey) -> String {
        match self.nodes.get(key).and_then(|n| n.label.as_ref()) {
            Some(l) => l.to_string(),
            None => key.to_string(),
        }
    }

    pub fn slide_count(&self) -> usize {
        self.nodes.walk().map(|n| n.slides.len()).sum()
    }
}

/// One big screen and the tablet beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screen {
    /// Short stable name used in URLs (`/display/1`): letters, digits, `-`, `_`.
    pub id: String,
    pub name: Localized,
    /// One of [`THEMES`].
    pub theme: String,
    /// The node shown when the screen is at home.
    pub root: NodeKey,
    /// Languages a visitor can switch between, the first being the default.
    pub languages: Vec<Lang>,
    /// What the screen does when nobody has touched its tablet for a while.
    #[serde(default)]
    pub idle: Idle,
}

/// Idle behaviour of a screen: after `seconds` without a command it returns to its root,
/// or, when `attract` lists nodes, loops through them, `attract_seconds` each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Idle {
    pub seconds: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attract: Vec<NodeKey>,
    #[serde(default = "default_attract_seconds")]
    pub attract_seconds: u32,
}

/// Three minutes: long enough for a visitor to read a slide, short enough that the next
/// one finds the screen at home.
pub const DEFAULT_IDLE_SECONDS: u32 = 180;

fn default_attract_seconds() -> u32 {
    15
}

impl Default for Idle {
    fn default() -> Self {
        Idle {
            seconds: DEFAULT_IDLE_SECONDS,
            attract: Vec::new(),
            attract_seconds: default_attract_seconds(),
        }
    }
}

/// How the tablet presents a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// Children as tiles.
    Menu,
    /// Several slides with previous / next.
    Slideshow,
    /// A clickable region map.
    Map,
}

/// A node of the content tree. Its key and parent are set by the [`Tree`] that holds it
/// and read through [`Node::key`] and [`Node::parent`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub(crate) key: NodeKey,
    /// The legacy number (`1.5.1.1.2`): shown to staff, accepted where a person types a
    /// node, used by the legacy importer to match records; unique in a hall.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<NodeId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) parent: Option<NodeKey>,
    pub kind: NodeKind,
    pub title: Localized,
    /// Title in the screen header while this node is shown (legacy `logo_title`).
    #[serde(default, skip_serializing_if = "Localized::is_empty")]
    pub header: Localized,
    /// Header logo (legacy `logo_path`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<MediaRef>,
    /// Picture on the node's tile in its parent's menu.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tile: Option<MediaRef>,
    /// Short line under the tile title; when missing, the start of the first slide's text.
    #[serde(default, skip_serializing_if = "Localized::is_empty")]
    pub teaser: Localized,
    /// The region this node is about (a code of its map, or of the built-in map).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::map::de_region"
    )]
    pub region: Option<RegionCode>,
    /// A map node's map and its links from regions to nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<NodeMap>,
    #[serde(default)]
    pub slides: Vec<Slide>,
}

impl Node {
    /// A menu node with a title and nothing else, not yet in a tree.
    pub fn new(key: NodeKey, title: Localized) -> Self {
        Node {
            key,
            label: None,
            parent: None,
            kind: NodeKind::Menu,
            title,
            header: Localized::default(),
            logo: None,
            tile: None,
            teaser: Localized::default(),
            region: None,
            map: None,
            slides: Vec::new(),
        }
    }

    pub fn key(&self) -> &NodeKey {
        &self.key
    }

    /// The parent's key; `None` at the top level.
    pub fn parent(&self) -> Option<&NodeKey> {
        self.parent.as_ref()
    }

    /// A copy of this node's content under another key, with no label and no parent
    /// (for duplicating a subtree).
    pub fn copy_as(&self, key: NodeKey) -> Node {
        Node {
            key,
            label: None,
            parent: None,
            ..self.clone()
        }
    }

    /// Every media file the node uses: logo, tile and each slide's image and video.
    pub fn media(&self) -> impl Iterator<Item = &MediaRef> {
        self.logo
            .iter()
            .chain(self.tile.iter())
            .chain(self.slides.iter().flat_map(|s| s.media()))
    }
}

/// How the big screen lays out a slide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    Text,
    ImageText,
    Image,
    Video,
    Map,
    Figures,
}

impl Layout {
    pub const ALL: [Layout; 6] = [
        Layout::Text,
        Layout::ImageText,
        Layout::Image,
        Layout::Video,
        Layout::Map,
        Layout::Figures,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Layout::Text => "text",
            Layout::ImageText => "image_text",
            Layout::Image => "image",
            Layout::Video => "video",
            Layout::Map => "map",
            Layout::Figures => "figures",
        }
    }
}

/// One slide of a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slide {
    pub layout: Layout,
    #[serde(default, skip_serializing_if = "Localized::is_empty")]
    pub title: Localized,
    /// Plain text: paragraphs and `•`/`-` bullets, never HTML (see [`crate::text`]).
    #[serde(default, skip_serializing_if = "Localized::is_empty")]
    pub text: Localized,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<MediaRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<MediaRef>,
    /// The region the slide shows (a `map` slide): a code of the node's map, or of the
    /// built-in map.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::map::de_region"
    )]
    pub region: Option<RegionCode>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub figures: Vec<Figure>,
    /// The legacy `block` field, kept verbatim; it has no known meaning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_block: Option<String>,
}

impl Slide {
    pub fn new(layout: Layout) -> Self {
        Slide {
            layout,
            title: Localized::default(),
            text: Localized::default(),
            image: None,
            video: None,
            region: None,
            figures: Vec::new(),
            legacy_block: None,
        }
    }

    pub fn media(&self) -> impl Iterator<Item = &MediaRef> {
        self.image.iter().chain(self.video.iter())
    }
}

/// A number shown big on a `figures` slide and as a bar in its chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    pub label: Localized,
    pub value: f64,
    #[serde(default, skip_serializing_if = "Localized::is_empty")]
    pub unit: Localized,
    /// The value aimed for (drawn as a marker on the bar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// The value compared against (where things started).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
}

/// A reference to a file in the hall's media library: a relative path with `/`
/// separators and no `.`/`..` segments, so it can never leave the media folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MediaRef(String);

/// Why a media path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaRefError {
    #[error("media path is empty")]
    Empty,
    #[error("media path {0:?} has an empty segment or one starting with a dot")]
    BadSegment(String),
    #[error("media path {0:?} contains a backslash, colon or control character")]
    BadChar(String),
    #[error("media path {0:?} is a web address; media must be files of the hall's media library (upload the file, then choose it)")]
    WebAddress(String),
    #[error("media path is longer than {max} bytes")]
    TooLong { max: usize },
}

impl MediaRef {
    pub const MAX_LEN: usize = 512;

    /// Normalizes a legacy or authored path: a leading `/` and a leading `static/` (the
    /// legacy web root) are dropped, so `/img/logo.png` and `static/img/logo.png` both
    /// become `img/logo.png`.
    pub fn parse(raw: &str) -> Result<MediaRef, MediaRefError> {
        let s = raw.trim();
        let s = s.trim_start_matches('/');
        let s = s.strip_prefix("static/").unwrap_or(s);
        if s.is_empty() {
            return Err(MediaRefError::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(MediaRefError::TooLong { max: Self::MAX_LEN });
        }
        if s.contains("://") || s.starts_with("data:") || s.starts_with("javascript:") {
            return Err(MediaRefError::WebAddress(raw.to_owned()));
        }
        if s.chars().any(|c| c == '\\' || c == ':' || c.is_control()) {
            return Err(MediaRefError::BadChar(raw.to_owned()));
        }
        // A segment starting with a dot (`.`, `..`, `.hidden`) is never a media file:
        // the library never serves such names, and staging leftovers use them.
        if s.split('/')
            .any(|seg| seg.is_empty() || seg.starts_with('.'))
        {
            return Err(MediaRefError::BadSegment(raw.to_owned()));
        }
        Ok(MediaRef(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path segments, each safe to join onto the media folder.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }

    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
}

impl std::fmt::Display for MediaRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for MediaRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for MediaRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let r = MediaRef::parse(&s).map_err(serde::de::Error::custom)?;
        if r.0 != s {
            return Err(serde::de::Error::custom(format!(
                "media path {s:?} is not in canonical form (expected {:?})",
                r.0
            )));
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_ref_normalizes_legacy_roots_and_refuses_escapes() {
        assert_eq!(
            MediaRef::parse("/img/logo.png").unwrap().as_str(),
            "img/logo.png"
        );
        assert_eq!(
            MediaRef::parse("static/img/a b.jpg").unwrap().as_str(),
            "img/a b.jpg"
        );
        assert!(MediaRef::parse("img/../../etc/passwd").is_err());
        assert!(MediaRef::parse("C:\\x.png").is_err());
        assert!(MediaRef::parse("").is_err());
        assert!(MediaRef::parse("img//x.png").is_err());
        assert!(MediaRef::parse("img/.hidden.png").is_err());
    }
}
