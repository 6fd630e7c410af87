//! Whole-hall validation. Errors stop an import, an edit or a publish; warnings are
//! reported and stored content stays as it is. Every finding is a [`Diagnostic`] whose
//! location is the field of the hall it is about (`nodes[KEY].slides[0]`) and whose
//! message starts with the subject in words (`node 1.5.2 slide 1: …`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::diag::{Diagnostic, Diagnostics, FieldPath, Location, Severity};
use crate::{Hall, Lang, Layout, Localized, MediaRef, Node, NodeKey, THEMES};

/// Longest screen name, in characters, per language.
pub const MAX_SCREEN_NAME: usize = 200;
/// Longest idle or attract time, in seconds (a day).
pub const MAX_IDLE_SECONDS: u32 = 86_400;

/// What the validator may assume about the world outside the hall.
pub struct Context<'a> {
    /// Media known to the library; `None` skips the unresolved-media check.
    pub media: Option<&'a BTreeSet<String>>,
    /// The maps there are and their regions (the built-in map included); `None` skips
    /// the checks of map ids and region codes against them.
    pub maps: Option<&'a crate::map::MapCodes>,
}

/// What a finding is about: its words and its field.
struct Subject {
    words: String,
    field: FieldPath,
}

impl Subject {
    fn hall() -> Self {
        Subject {
            words: "hall".into(),
            field: FieldPath::root(),
        }
    }
    fn screen(id: &str) -> Self {
        Subject {
            words: format!("screen {id}"),
            field: FieldPath::screen(id),
        }
    }
    fn node(hall: &Hall, key: &NodeKey) -> Self {
        Subject {
            words: format!("node {}", hall.node_name(key)),
            field: FieldPath::node(key.as_str()),
        }
    }
    fn slide(hall: &Hall, key: &NodeKey, i: usize) -> Self {
        Subject {
            words: format!("node {} slide {}", hall.node_name(key), i + 1),
            field: FieldPath::slide(key.as_str(), i),
        }
    }
}

#[derive(Default)]
struct Out(Diagnostics);

impl Out {
    fn add(&mut self, severity: Severity, code: &'static str, s: &Subject, msg: impl AsRef<str>) {
        self.0.push(
            Diagnostic::new(severity, code, format!("{}: {}", s.words, msg.as_ref())).at(
                Location::Field {
                    path: None,
                    field: s.field.clone(),
                },
            ),
        );
    }
    fn error(&mut self, code: &'static str, s: &Subject, msg: impl AsRef<str>) {
        self.add(Severity::Error, code, s, msg);
    }
    fn warning(&mut self, code: &'static str, s: &Subject, msg: impl AsRef<str>) {
        self.add(Severity::Warning, code, s, msg);
    }
}

/// Whether `id` can be a screen's ID: 1-32 ASCII letters, digits, `-` or `_`.
pub fn is_screen_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks a hall: screens, tree, labels, titles, translations, layouts and media.
pub fn validate(hall: &Hall, ctx: &Context<'_>) -> Diagnostics {
    let mut out = Out::default();
    if hall.fallback.is_empty() {
        out.error(
            "empty_fallback",
            &Subject::hall(),
            "the language fallback order is empty",
        );
    }
    let mut seen_screens = HashSet::new();
    for s in &hall.screens {
        let subj = Subject::screen(&s.id);
        if !seen_screens.insert(s.id.as_str()) {
            out.error("duplicate_screen", &subj, "duplicate screen ID");
        }
        if !is_screen_id(&s.id) {
            out.error(
                "screen_id",
                &subj,
                "screen ID must be 1-32 letters, digits, '-' or '_'",
            );
        }
        if !THEMES.contains(&s.theme.as_str()) {
            out.error(
                "unknown_theme",
                &subj,
                format!("unknown theme {:?} (one of {})", s.theme, THEMES.join(", ")),
            );
        }
        if !hall.nodes.contains(&s.root) {
            out.error(
                "unknown_node",
                &subj,
                format!("root node {} does not exist", s.root),
            );
        }
        if s.languages.is_empty() {
            out.error("no_languages", &subj, "no languages offered");
        }
        if s.idle.seconds == 0 || s.idle.attract_seconds == 0 {
            out.error(
                "idle_time",
                &subj,
                "idle and attract times must be at least one second",
            );
        }
        if s.idle.seconds > MAX_IDLE_SECONDS || s.idle.attract_seconds > MAX_IDLE_SECONDS {
            out.error(
                "idle_time",
                &subj,
                format!("idle and attract times may be at most {MAX_IDLE_SECONDS} seconds (a day)"),
            );
        }
        let mut seen_attract = HashSet::new();
        for a in &s.idle.attract {
            if !hall.nodes.contains(a) {
                out.error(
                    "unknown_node",
                    &subj,
                    format!("attract node {a} does not exist"),
                );
            } else if !seen_attract.insert(a) {
                out.error(
                    "duplicate_attract",
                    &subj,
                    format!("attract node {} is listed twice", hall.node_name(a)),
                );
            }
        }
        if s.name.is_blank() {
            out.warning("screen_name", &subj, "screen has no name");
        }
        for (lang, text) in [
            (Lang::Kk, &s.name.kk),
            (Lang::Ru, &s.name.ru),
            (Lang::En, &s.name.en),
        ] {
            let Some(text) = text else { continue };
            if text.chars().count() > MAX_SCREEN_NAME {
                out.error(
                    "screen_name",
                    &subj,
                    format!(
                        "the {} name is longer than {MAX_SCREEN_NAME} characters",
                        lang.code()
                    ),
                );
            }
            // Line breaks, tabs and other control characters, and the invisible
            // bidirectional overrides that can make text read differently than it is.
            if text.chars().any(|c| {
                c.is_control()
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c)
            }) {
                out.error(
                    "screen_name",
                    &subj,
                    format!(
                        "the {} name has a control or text-direction character",
                        lang.code()
                    ),
                );
            }
        }
    }

    // Languages each node is shown in: its first screen's, else the hall's first two.
    let default_langs = &hall.fallback[..hall.fallback.len().min(2)];
    let mut langs_of: HashMap<&NodeKey, &[Lang]> = HashMap::new();
    for s in &hall.screens {
        for n in hall.nodes.subtree(&s.root) {
            langs_of.entry(n.key()).or_insert(&s.languages);
        }
    }
    let roots: HashSet<&NodeKey> = hall.screens.iter().map(|s| &s.root).collect();
    let all_labels: HashSet<&crate::NodeId> =
        hall.nodes.walk().filter_map(|n| n.label.as_ref()).collect();
    for top in hall.nodes.roots() {
        if roots.contains(top) || langs_of.contains_key(top) {
            continue;
        }
        let subj = Subject::node(hall, top);
        // An orphan: its legacy parent number names no node (else it was moved here).
        let parent = hall
            .nodes
            .get(top)
            .and_then(|n| n.label.as_ref()?.parent())
            .filter(|p| !all_labels.contains(p));
        match parent {
            // Legacy deletes orphaned children; their content is kept and reported.
            Some(p) => out.warning(
                "orphan",
                &subj,
                format!("orphan: parent node {p} does not exist, so no screen reaches this node"),
            ),
            None => out.warning(
                "unreachable",
                &subj,
                "no screen shows this node: it is at the top level and no screen starts at it",
            ),
        }
    }

    let mut labels: HashMap<&crate::NodeId, &NodeKey> = HashMap::new();
    let mut unresolved: BTreeMap<&MediaRef, (Subject, usize)> = BTreeMap::new();
    for node in hall.nodes.walk() {
        let key = node.key();
        if let Some(l) = &node.label {
            if let Some(first) = labels.insert(l, key) {
                out.error(
                    "duplicate_label",
                    &Subject::node(hall, key),
                    format!("label {l} is also used by node {first}"),
                );
            }
        }
        let langs = langs_of.get(key).copied().unwrap_or(default_langs);
        check_node(&mut out, hall, node, langs, &mut |m, subj| {
            if ctx.media.is_some_and(|media| !media.contains(m.as_str())) {
                unresolved.entry(m).or_insert_with(|| (subj(), 0)).1 += 1;
            }
        });
        check_map(&mut out, hall, node, ctx.maps);
    }
    // One warning per missing file, at its first use: a shared logo is one problem.
    for (m, (subject, uses)) in unresolved {
        let more = if uses > 1 {
            format!(" (used {uses} times; first here)")
        } else {
            String::new()
        };
        out.warning(
            "media_missing",
            &subject,
            format!("media {m} is not in the media library{more}"),
        );
    }
    out.0
}

/// Checks one node of `hall` alone, as an edit of it must pass: title, label unique,
/// translations for the languages of the screen showing it, layouts and figures. Media
/// are not checked (see [`node_in`]).
pub fn node(hall: &Hall, key: &NodeKey) -> Diagnostics {
    node_in(
        hall,
        key,
        &Context {
            media: None,
            maps: None,
        },
    )
}

/// [`node`], and with `ctx.media`, a `media_missing` warning (never an error: the
/// library may be filled later; publishing refuses it) for each file the node uses
/// that the library does not have.
pub fn node_in(hall: &Hall, key: &NodeKey, ctx: &Context) -> Diagnostics {
    let mut out = Out::default();
    let Some(node) = hall.nodes.get(key) else {
        return out.0;
    };
    if let Some(l) = &node.label {
        if let Some(other) = hall
            .nodes
            .iter()
            .find(|n| n.label.as_ref() == Some(l) && n.key() != key)
        {
            out.error(
                "duplicate_label",
                &Subject::node(hall, key),
                format!("label {l} is also used by node {}", other.key()),
            );
        }
    }
    let default_langs = &hall.fallback[..hall.fallback.len().min(2)];
    let langs = hall
        .screen_of(key)
        .map(|s| s.languages.as_slice())
        .unwrap_or(default_langs);
    let mut missing = Vec::new();
    check_node(&mut out, hall, node, langs, &mut |m, subj| {
        if ctx.media.is_some_and(|media| !media.contains(m.as_str())) {
            missing.push((m, subj()));
        }
    });
    check_map(&mut out, hall, node, ctx.maps);
    for (m, subject) in missing {
        out.warning(
            "media_missing",
            &subject,
            format!("media {m} is not in the media library"),
        );
    }
    out.0
}

/// A node's map and regions: each region linked once, to a node of the hall; with
/// `maps`, the map exists (`unknown_map`) and has every region named (`unknown_region`).
fn check_map(out: &mut Out, hall: &Hall, node: &Node, maps: Option<&crate::map::MapCodes>) {
    let subj = Subject::node(hall, node.key());
    let map_id = node
        .map
        .as_ref()
        .map(|m| m.map.clone())
        .unwrap_or_else(crate::MapId::builtin);
    let codes = maps.map(|m| m.get(&map_id));
    if let Some(None) = codes {
        out.error("unknown_map", &subj, format!("map {map_id} does not exist"));
    }
    let known = |c: &crate::RegionCode| !matches!(codes, Some(Some(set)) if !set.contains(c));
    if let Some(m) = &node.map {
        if m.links.len() > crate::map::MAX_FEATURES {
            out.error(
                "too_many",
                &subj,
                format!(
                    "{} region links; a map has at most {} regions",
                    m.links.len(),
                    crate::map::MAX_FEATURES
                ),
            );
            return;
        }
        // The screens showing the map node: a tablet can only go to a node of its own
        // screen's tree.
        let screens: Vec<&crate::Screen> = hall
            .screens
            .iter()
            .filter(|s| hall.nodes.is_within(node.key(), &s.root))
            .collect();
        let mut seen = HashSet::new();
        let mut doubled = BTreeSet::new();
        for l in &m.links {
            if !seen.insert(&l.region) {
                doubled.insert(&l.region);
            }
            if !known(&l.region) {
                out.error(
                    "unknown_region",
                    &subj,
                    format!("region {} is not on map {map_id}", l.region),
                );
            }
            if hall.nodes.get(&l.node).is_none() {
                out.error(
                    "map_link_missing",
                    &subj,
                    format!(
                        "region {} leads to node {}, which does not exist",
                        l.region, l.node
                    ),
                );
            } else if let Some(s) = screens
                .iter()
                .find(|s| !hall.nodes.is_within(&l.node, &s.root))
            {
                out.warning(
                    "map_link_offscreen",
                    &subj,
                    format!(
                        "region {} leads to node {}, which is not on screen {}: its tablet cannot go there, so the region is shown dimmed",
                        l.region,
                        hall.node_name(&l.node),
                        s.id
                    ),
                );
            }
        }
        for r in doubled {
            out.error(
                "duplicate_region",
                &subj,
                format!("region {r} is linked more than once"),
            );
        }
    }
    if let Some(r) = node.region.as_ref().filter(|r| !known(r)) {
        out.error(
            "unknown_region",
            &subj,
            format!("region {r} is not on map {map_id}"),
        );
    }
    for (i, s) in node.slides.iter().enumerate() {
        if let Some(r) = s.region.as_ref().filter(|r| !known(r)) {
            out.error(
                "unknown_region",
                &Subject::slide(hall, node.key(), i),
                format!("region {r} is not on map {map_id}"),
            );
        }
    }
}

/// The checks of one node; `media` is called with each media reference and a maker of
/// the subject that uses it.
fn check_node<'h>(
    out: &mut Out,
    hall: &'h Hall,
    node: &'h Node,
    langs: &[Lang],
    media: &mut dyn FnMut(&'h MediaRef, &dyn Fn() -> Subject),
) {
    let key = node.key();
    let subj = Subject::node(hall, key);
    if node.title.is_blank() {
        out.error("empty_title", &subj, "empty title");
    }
    out.0
        .extend(crate::limits::check(node, &hall.node_name(key)));
    check_translations(out, &subj, node, langs);
    for (i, slide) in node.slides.iter().enumerate() {
        let ss = || Subject::slide(hall, key, i);
        match slide.layout {
            Layout::Image if slide.image.is_none() => {
                out.error("layout_media", &ss(), "layout image has no image")
            }
            Layout::Video if slide.video.is_none() => {
                out.error("layout_media", &ss(), "layout video has no video")
            }
            Layout::ImageText if slide.image.is_none() && node.logo.is_none() => out.warning(
                "layout_media",
                &ss(),
                "layout image_text has no image (and the node no logo)",
            ),
            Layout::Map if slide.region.is_none() && node.region.is_none() => {
                out.warning("layout_region", &ss(), "layout map has no region")
            }
            Layout::Figures if slide.figures.is_empty() => {
                out.error("layout_figures", &ss(), "layout figures has no figures")
            }
            _ => {}
        }
        for (k, fig) in slide.figures.iter().enumerate() {
            let nums = [Some(fig.value), fig.target, fig.baseline];
            if nums.iter().flatten().any(|v| !v.is_finite()) {
                out.error(
                    "figure_value",
                    &ss(),
                    format!("figure {} has a value that is not a finite number", k + 1),
                );
            }
            if fig.label.is_blank() {
                out.error(
                    "figure_label",
                    &ss(),
                    format!("figure {} has an empty label", k + 1),
                );
            }
        }
        for m in slide.media() {
            media(m, &ss);
        }
    }
    for m in node.logo.iter().chain(node.tile.iter()) {
        media(m, &|| Subject::node(hall, key));
    }
}

/// One warning per node listing every field that lacks an offered language.
fn check_translations(out: &mut Out, subj: &Subject, node: &Node, langs: &[Lang]) {
    let mut missing: Vec<String> = Vec::new();
    let mut check = |what: String, l: &Localized| {
        if l.is_blank() {
            return;
        }
        let absent: Vec<&str> = langs
            .iter()
            .filter(|g| !l.has(**g))
            .map(|g| g.code())
            .collect();
        if !absent.is_empty() {
            missing.push(format!("{what} ({})", absent.join(", ")));
        }
    };
    check("title".into(), &node.title);
    for (i, s) in node.slides.iter().enumerate() {
        check(format!("slide {} title", i + 1), &s.title);
        check(format!("slide {} text", i + 1), &s.text);
    }
    if !missing.is_empty() {
        out.warning(
            "missing_translation",
            subj,
            format!("missing translation: {}", missing.join(", ")),
        );
    }
}

/// The media references a hall uses, each once.
pub fn media_refs(hall: &Hall) -> BTreeSet<&MediaRef> {
    hall.nodes.walk().flat_map(Node::media).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NodeId, Screen, Slide};

    fn both(ru: &str, kk: &str) -> Localized {
        let mut l = Localized::one(Lang::Ru, ru);
        l.set(Lang::Kk, kk.into());
        l
    }

    fn labelled(label: &str, title: Localized) -> Node {
        let l = NodeId::parse(label).unwrap();
        let mut n = Node::new(NodeKey::derive(&l, 0), title);
        n.label = Some(l);
        n
    }

    fn hall() -> Hall {
        let mut h = Hall::default();
        let root = labelled("1", both("Корень", "Түбір"));
        h.screens.push(Screen {
            id: "1".into(),
            name: both("Экран", "Экран"),
            theme: "azure".into(),
            root: root.key().clone(),
            languages: vec![Lang::Kk, Lang::Ru],
            idle: Default::default(),
        });
        h.nodes.insert(root, None, None).unwrap();
        h
    }

    fn root(h: &Hall) -> NodeKey {
        h.screens[0].root.clone()
    }

    fn messages(f: &Diagnostics) -> Vec<String> {
        f.iter()
            .map(|f| format!("{}: {}", f.severity, f.message))
            .collect()
    }

    #[test]
    fn clean_hall_has_no_findings() {
        let f = validate(
            &hall(),
            &Context {
                media: None,
                maps: None,
            },
        );
        assert!(f.is_empty(), "{:?}", messages(&f));
    }

    #[test]
    fn orphan_is_a_warning_and_empty_title_an_error() {
        let mut h = hall();
        h.nodes
            .insert(labelled("1.2.3", Localized::default()), None, None)
            .unwrap();
        let f = validate(
            &h,
            &Context {
                media: None,
                maps: None,
            },
        );
        assert_eq!(
            messages(&f),
            [
                "warning: node 1.2.3: orphan: parent node 1.2 does not exist, so no screen reaches this node",
                "error: node 1.2.3: empty title"
            ]
        );
        assert_eq!(f.0[1].code, "empty_title");
        let Location::Field { field, .. } = &f.0[1].location else {
            panic!()
        };
        assert_eq!(
            field.node_key(),
            Some(NodeKey::derive(&NodeId::parse("1.2.3").unwrap(), 0).as_str())
        );
    }

    #[test]
    fn screen_names_and_idle_settings_are_bounded() {
        let mut h = hall();
        let r = root(&h);
        h.screens[0].name.set(Lang::Ru, "Экран\u{202e}dila".into());
        h.screens[0]
            .name
            .set(Lang::En, "x".repeat(MAX_SCREEN_NAME + 1));
        h.screens[0].idle.attract_seconds = u32::MAX;
        h.screens[0].idle.attract = vec![r.clone(), r];
        let f = validate(
            &h,
            &Context {
                media: None,
                maps: None,
            },
        );
        let codes: Vec<&str> = f.errors().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                "idle_time",
                "duplicate_attract",
                "screen_name",
                "screen_name"
            ],
            "{:?}",
            messages(&f)
        );
    }

    #[test]
    fn duplicate_labels_are_errors() {
        let mut h = hall();
        let mut n = Node::new(NodeKey::random(), both("a", "b"));
        n.label = Some(NodeId::parse("1").unwrap());
        let r = root(&h);
        h.nodes.insert(n, Some(&r), None).unwrap();
        let f = validate(
            &h,
            &Context {
                media: None,
                maps: None,
            },
        );
        assert_eq!(f.errors().count(), 1, "{:?}", messages(&f));
        assert_eq!(f.0[0].code, "duplicate_label");
    }

    #[test]
    fn missing_translation_is_one_warning_per_node() {
        let mut h = hall();
        let mut n = labelled("1.1", Localized::one(Lang::Ru, "Только русский"));
        let mut s = Slide::new(Layout::Text);
        s.text = Localized::one(Lang::Ru, "Текст");
        n.slides.push(s);
        let r = root(&h);
        h.nodes.insert(n, Some(&r), None).unwrap();
        let f = validate(
            &h,
            &Context {
                media: None,
                maps: None,
            },
        );
        assert_eq!(
            messages(&f),
            ["warning: node 1.1: missing translation: title (kk), slide 1 text (kk)"]
        );
        assert!(!f.has_errors());
    }

    #[test]
    fn unresolved_media_and_bad_screen() {
        let mut h = hall();
        h.screens[0].theme = "pink".into();
        let mut n = labelled("1.1", both("a", "b"));
        let mut s = Slide::new(Layout::Image);
        s.image = Some(MediaRef::parse("img/x.png").unwrap());
        n.slides.push(s);
        let r = root(&h);
        h.nodes.insert(n, Some(&r), None).unwrap();
        let known = BTreeSet::from(["img/y.png".to_string()]);
        let f = validate(
            &h,
            &Context {
                media: Some(&known),
                maps: None,
            },
        );
        let m = messages(&f);
        assert!(
            m[0].starts_with("error: screen 1: unknown theme \"pink\""),
            "{m:?}"
        );
        assert_eq!(
            m[1],
            "warning: node 1.1 slide 1: media img/x.png is not in the media library"
        );
    }

    #[test]
    fn map_links_are_checked_against_the_hall_and_the_maps() {
        use crate::map::{MapCodes, RegionLink};
        use crate::{MapId, NodeMap, RegionCode};
        let mut h = hall();
        let r = root(&h);
        let code = |c: &str| RegionCode::new(c).unwrap();
        let mut n = labelled("2", both("Карта", "Карта"));
        n.kind = crate::NodeKind::Map;
        let gone = NodeKey::random();
        // A top-level node no screen shows: screen 1's tablet cannot go there.
        let other = labelled("9", both("Басқа", "Другое"));
        let elsewhere = other.key().clone();
        h.nodes.insert(other, None, None).unwrap();
        n.map = Some(NodeMap {
            map: MapId::builtin(),
            links: vec![
                RegionLink {
                    region: code("KZ-75"),
                    node: r.clone(),
                },
                RegionLink {
                    region: code("KZ-75"),
                    node: r.clone(),
                },
                RegionLink {
                    region: code("KZ-99"),
                    node: gone.clone(),
                },
                RegionLink {
                    region: code("KZ-71"),
                    node: elsewhere.clone(),
                },
            ],
        });
        let mut s = crate::Slide::new(Layout::Map);
        s.region = Some(code("KZ-98"));
        n.slides.push(s);
        h.nodes.insert(n, Some(&r), None).unwrap();
        let maps: MapCodes = [(MapId::builtin(), crate::map::builtin_kz().codes())].into();
        let f = validate(
            &h,
            &Context {
                media: None,
                maps: Some(&maps),
            },
        );
        let m = messages(&f).join("\n");
        assert!(
            m.contains("error: node 2: region KZ-75 is linked more than once"),
            "{m}"
        );
        assert!(
            m.contains("error: node 2: region KZ-99 is not on map kz"),
            "{m}"
        );
        assert!(
            m.contains(&format!(
                "region KZ-99 leads to node {gone}, which does not exist"
            )),
            "{m}"
        );
        // Without the maps, only what the hall itself tells is checked.
        let m = messages(&validate(
            &h,
            &Context {
                media: None,
                maps: None,
            },
        ))
        .join("\n");
        assert!(!m.contains("is not on map"), "{m}");
        let empty = MapCodes::new();
        let m = messages(&validate(
            &h,
            &Context {
                media: None,
                maps: Some(&empty),
            },
        ))
        .join("\n");
        assert!(m.contains("error: node 2: map kz does not exist"), "{m}");
    }
}
