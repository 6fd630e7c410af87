//! The messages pages receive: `state` (a screen's position resolved into what pages
//! show), `removed` (the screen is not in the published hall) and `error`. Node ids in
//! messages are node keys, opaque to pages; the legacy label rides along for people.

use ekran_model::text::{blocks, teaser, Block};
use ekran_model::{Hall, Lang, Layout, Localized, MediaRef, Node, NodeKey, Screen};
use serde::{Deserialize, Serialize};

mod map;
pub use map::map_url;

/// What a screen shows: the part of the state a command can change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The node shown; always a node of the screen's hall.
    pub node: NodeKey,
    /// 0-based slide index; 0 when the node has no slides.
    pub slide: usize,
    /// The language texts are shown in.
    pub lang: Lang,
}

/// The parts of a `state` message that are not the position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Grows by one with every change of the screen.
    pub seq: u64,
    /// The `id` of the command that caused this state, echoed as `ref`.
    pub cause: Option<u64>,
    /// Whether the screen is idle (at home after the timeout, or looping attract nodes).
    pub idle: bool,
    /// The published hall version the state comes from.
    pub version: i64,
    /// What the visitor in front of the screen set: page, modes, the idle warning.
    pub visit: Visit,
}

/// Which page of the slide's text is shown: `{"index":0,"count":1}` in the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Paging {
    /// 0-based page shown.
    pub index: usize,
    /// Pages the text takes on the screen's display (as a display reported; 1 until one
    /// does). At most [`MAX_PAGES`].
    pub count: usize,
}

/// Most pages a display may report for one slide's text.
pub const MAX_PAGES: usize = 100;

impl Default for Paging {
    fn default() -> Self {
        Paging { index: 0, count: 1 }
    }
}

/// Text size chosen on the tablet: `"normal"` or `"large"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSize {
    /// The theme's type sizes.
    #[default]
    Normal,
    /// Noticeably bigger type (long text takes more pages).
    Large,
}

/// Contrast chosen on the tablet: `"normal"` or `"high"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contrast {
    /// The screen's theme.
    #[default]
    Normal,
    /// A high-contrast theme (WCAG AA or better) instead of the screen's.
    High,
}

/// Accessibility modes, applied by every page of the screen:
/// `{"text":"normal"|"large","contrast":"normal"|"high"}`. Reset when the screen goes idle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Prefs {
    /// Type size.
    pub text: TextSize,
    /// Colours.
    pub contrast: Contrast,
}

/// The parts of a state that belong to the current visitor rather than to the content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Visit {
    /// The page of the slide's text.
    pub page: Paging,
    /// Accessibility modes.
    pub prefs: Prefs,
    /// Seconds until the idle reset, while the screen warns of it ("still there?").
    pub idle_in: Option<u32>,
}

/// Characters of a tile teaser taken from the first slide's text.
const TEASER_CHARS: usize = 90;

#[derive(Serialize)]
struct Message<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    seq: u64,
    version: i64,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    cause: Option<u64>,
    screen: ScreenView<'a>,
    lang: Lang,
    idle: bool,
    idle_in: Option<u32>,
    page: Paging,
    prefs: Prefs,
    node: NodeView<'a>,
    slide: Option<SlideView<'a>>,
    map: Option<map::MapView<'a>>,
    breadcrumb: Vec<Crumb<'a>>,
    children: Vec<Tile<'a>>,
    preload: Vec<String>,
}

#[derive(Serialize)]
struct ScreenView<'a> {
    id: &'a str,
    name: &'a str,
    theme: &'a str,
    languages: &'a [Lang],
}

#[derive(Serialize)]
struct NodeView<'a> {
    id: &'a str,
    label: Option<&'a str>,
    kind: ekran_model::NodeKind,
    title: &'a str,
    header: &'a str,
    logo: Option<String>,
}

#[derive(Serialize)]
struct SlideView<'a> {
    index: usize,
    count: usize,
    layout: Layout,
    title: &'a str,
    text: Vec<TextBlock<'a>>,
    image: Option<String>,
    video: Option<String>,
    region: Option<&'a str>,
    figures: Vec<FigureView<'a>>,
}

#[derive(Serialize)]
enum TextBlock<'a> {
    #[serde(rename = "p")]
    Paragraph(Vec<&'a str>),
    #[serde(rename = "ul")]
    List(Vec<&'a str>),
}

#[derive(Serialize)]
struct FigureView<'a> {
    label: &'a str,
    value: f64,
    unit: &'a str,
    target: Option<f64>,
    baseline: Option<f64>,
}

#[derive(Serialize)]
struct Crumb<'a> {
    id: &'a str,
    label: Option<&'a str>,
    title: &'a str,
}

#[derive(Serialize)]
struct Tile<'a> {
    id: &'a str,
    label: Option<&'a str>,
    title: &'a str,
    teaser: String,
    image: Option<String>,
}

/// Percent-encodes one URL path segment (everything but unreserved characters).
pub fn url_segment(seg: &str) -> String {
    let mut s = String::with_capacity(seg.len());
    for b in seg.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// URL of a media file; each path segment percent-encoded.
pub fn media_url(m: &MediaRef) -> String {
    m.segments().fold(String::from("/media"), |mut s, seg| {
        s.push('/');
        s.push_str(&url_segment(seg));
        s
    })
}

/// The picture that stands for a node on a tile.
fn tile_image(n: &Node) -> Option<&MediaRef> {
    n.tile
        .as_ref()
        .or_else(|| n.slides.iter().find_map(|s| s.image.as_ref()))
        .or(n.logo.as_ref())
}

fn tr<'h>(l: &'h Localized, lang: Lang, fallback: &[Lang]) -> &'h str {
    l.resolve(lang, fallback).unwrap_or("")
}

fn label(n: &Node) -> Option<&str> {
    n.label.as_ref().map(|l| l.as_str())
}

/// Renders the `state` message for one position as JSON (shape: docs/protocol.md).
///
/// # Panics
/// When `pos.node` is not a node of `hall`: sessions only ever hold placed positions.
pub fn render(hall: &Hall, screen: &Screen, pos: &Position, stamp: Stamp) -> String {
    let fb = &hall.fallback;
    let lang = pos.lang;
    let t = |l| tr(l, lang, fb);
    let node = hall
        .nodes
        .get(&pos.node)
        .expect("a session's position is a node of its hall");
    let header = if node.header.is_blank() {
        t(&screen.name)
    } else {
        t(&node.header)
    };
    let slide = node.slides.get(pos.slide).map(|s| SlideView {
        index: pos.slide,
        count: node.slides.len(),
        layout: s.layout,
        title: t(&s.title),
        text: blocks(t(&s.text))
            .into_iter()
            .map(|b| match b {
                Block::Paragraph(l) => TextBlock::Paragraph(l),
                Block::List(l) => TextBlock::List(l),
            })
            .collect(),
        image: s.image.as_ref().map(media_url),
        video: s.video.as_ref().map(media_url),
        region: s
            .region
            .as_ref()
            .or(node.region.as_ref())
            .map(|r| r.as_str()),
        figures: s
            .figures
            .iter()
            .map(|f| FigureView {
                label: t(&f.label),
                value: f.value,
                unit: t(&f.unit),
                target: f.target,
                baseline: f.baseline,
            })
            .collect(),
    });
    // Breadcrumb: from the screen's root down to the node.
    let ancestors = hall.nodes.ancestors(&pos.node);
    let breadcrumb = ancestors
        .iter()
        .filter(|n| hall.nodes.is_within(n.key(), &screen.root))
        .map(|n| Crumb {
            id: n.key().as_str(),
            label: label(n),
            title: t(&n.title),
        })
        .collect();
    let kids: Vec<&Node> = hall
        .nodes
        .children(&pos.node)
        .iter()
        .filter_map(|k| hall.nodes.get(k))
        .collect();
    let children = kids
        .iter()
        .map(|c| Tile {
            id: c.key().as_str(),
            label: label(c),
            title: t(&c.title),
            teaser: match c.teaser.resolve(pos.lang, fb) {
                Some(s) => s.to_owned(),
                None => c
                    .slides
                    .first()
                    .map(|s| teaser(t(&s.text), TEASER_CHARS))
                    .unwrap_or_default(),
            },
            image: tile_image(c).map(media_url),
        })
        .collect();
    let map = map::map_view(
        hall,
        screen,
        &ancestors,
        node.slides.get(pos.slide).and_then(|s| s.region.as_ref()),
        &|n: &Node| t(&n.title),
    );
    let mut preload: Vec<String> = Vec::new();
    if let Some(m) = &map {
        preload.push(m.src().to_owned());
    }
    let mut add = |m: Option<&MediaRef>| {
        if let Some(m) = m {
            let u = media_url(m);
            if !preload.contains(&u) {
                preload.push(u);
            }
        }
    };
    if let Some(next) = node.slides.get(pos.slide + 1) {
        add(next.image.as_ref());
        add(next.video.as_ref());
    }
    for c in &kids {
        add(tile_image(c));
        if let Some(first) = c.slides.first() {
            add(first.image.as_ref());
            add(first.video.as_ref());
        }
        add(c.logo.as_ref());
    }
    let msg = Message {
        kind: "state",
        seq: stamp.seq,
        version: stamp.version,
        cause: stamp.cause,
        screen: ScreenView {
            id: &screen.id,
            name: t(&screen.name),
            theme: &screen.theme,
            languages: &screen.languages,
        },
        lang: pos.lang,
        idle: stamp.idle,
        idle_in: stamp.visit.idle_in,
        page: stamp.visit.page,
        prefs: stamp.visit.prefs,
        node: NodeView {
            id: node.key().as_str(),
            label: label(node),
            kind: node.kind,
            title: t(&node.title),
            header,
            // The header logo of the nearest node that has one (usually the screen's root).
            logo: ancestors
                .iter()
                .rev()
                .find_map(|n| n.logo.as_ref())
                .map(media_url),
        },
        slide,
        map,
        breadcrumb,
        children,
        preload,
    };
    serde_json::to_string(&msg).expect("views always serialize")
}

/// The `offline` document of a screen: what its displays need to carry on without the
/// server (docs/displays.md). `home` and `attract` are `state` messages (rendered with
/// [`render`], `seq` 0 and `idle` true) for the screen at its root and at each attract
/// node, slide 0, in its default language: exactly what the server's idle timer would
/// show. `idle` carries the screen's timings, in seconds.
///
/// ```json
/// { "type": "offline", "version": 7, "screen": "1",
///   "idle": { "seconds": 180, "attract_seconds": 20 },
///   "home": { "type": "state", ... }, "attract": [ { "type": "state", ... } ] }
/// ```
pub fn render_offline(screen: &Screen, version: i64, home: &str, attract: &[String]) -> String {
    let id = serde_json::to_string(&screen.id).expect("strings serialize");
    format!(
        "{{\"type\":\"offline\",\"version\":{version},\"screen\":{id},\"idle\":{{\"seconds\":{s},\"attract_seconds\":{a}}},\"home\":{home},\"attract\":[{list}]}}",
        s = screen.idle.seconds,
        a = screen.idle.attract_seconds,
        list = attract.join(","),
    )
}

/// The `removed` message: screen `screen` is not in hall version `version`. Its pages
/// show a notice until a later version brings the screen back (then a `state` follows).
pub fn render_removed(screen: &str, seq: u64, version: i64) -> String {
    #[derive(Serialize)]
    struct Removed<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        seq: u64,
        version: i64,
        screen: &'a str,
    }
    serde_json::to_string(&Removed {
        kind: "removed",
        seq,
        version,
        screen,
    })
    .expect("plain values serialize")
}

/// Reply to the one client whose command `cause` was taken but changed nothing (a
/// repeated tap, a `stay` with no warning on): `{"type":"ack","ref":ID,"seq":SEQ}`, with
/// the `seq` of the state the screen is at, so a page waiting for its command's outcome
/// stops waiting.
pub fn render_ack(cause: u64, seq: u64) -> String {
    format!("{{\"type\":\"ack\",\"ref\":{cause},\"seq\":{seq}}}")
}

/// Error reply to one client: `{"type":"error","ref":ID|null,"code":CODE,"message":TEXT}`.
pub fn render_error(cause: Option<u64>, code: &str, message: &str) -> String {
    serde_json::json!({ "type": "error", "ref": cause, "code": code, "message": message })
        .to_string()
}
