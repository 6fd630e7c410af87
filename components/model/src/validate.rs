//! Whole-hall validation. Errors stop an import or a publish; warnings are reported and
//! stored content stays as it is.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use crate::{Hall, Lang, Layout, Localized, MediaRef, NodeId, THEMES};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// What a finding is about; front ends turn it into a file position when they can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Hall,
    Screen(String),
    Node(NodeId),
    /// A slide, 0-based.
    Slide(NodeId, usize),
}

impl Subject {
    pub fn node(&self) -> Option<&NodeId> {
        match self {
            Subject::Node(n) | Subject::Slide(n, _) => Some(n),
            _ => None,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Hall => f.write_str("hall"),
            Subject::Screen(s) => write!(f, "screen {s}"),
            Subject::Node(n) => write!(f, "node {n}"),
            Subject::Slide(n, i) => write!(f, "node {n} slide {}", i + 1),
        }
    }
}

/// One validation finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub subject: Subject,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.severity, self.subject, self.message)
    }
}

/// What the validator may assume about the world outside the hall.
pub struct Context<'a> {
    /// Media known to the library; `None` skips the unresolved-media check.
    pub media: Option<&'a BTreeSet<String>>,
}

/// Findings accumulate here; errors and warnings in one list, in a stable order.
#[derive(Debug, Default, Clone)]
pub struct Findings(pub Vec<Finding>);

impl Findings {
    pub fn error(&mut self, subject: Subject, message: impl Into<String>) {
        self.0.push(Finding {
            severity: Severity::Error,
            subject,
            message: message.into(),
        });
    }
    pub fn warning(&mut self, subject: Subject, message: impl Into<String>) {
        self.0.push(Finding {
            severity: Severity::Warning,
            subject,
            message: message.into(),
        });
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|f| f.severity == Severity::Error)
    }
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.0.iter().filter(|f| f.severity == Severity::Error)
    }
}

/// Checks a hall: screens, tree shape, titles, translations, layouts and media.
pub fn validate(hall: &Hall, ctx: &Context<'_>) -> Findings {
    let mut out = Findings::default();
    if hall.fallback.is_empty() {
        out.error(Subject::Hall, "the language fallback order is empty");
    }
    let mut seen_screens = HashSet::new();
    for s in &hall.screens {
        let subj = || Subject::Screen(s.id.clone());
        if !seen_screens.insert(s.id.as_str()) {
            out.error(subj(), "duplicate screen ID");
        }
        if s.id.is_empty()
            || s.id.len() > 32
            || !s
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            out.error(subj(), "screen ID must be 1-32 letters, digits, '-' or '_'");
        }
        if !THEMES.contains(&s.theme.as_str()) {
            out.error(
                subj(),
                format!("unknown theme {:?} (one of {})", s.theme, THEMES.join(", ")),
            );
        }
        if !hall.nodes.contains_key(&s.root) {
            out.error(subj(), format!("root node {} does not exist", s.root));
        }
        if s.languages.is_empty() {
            out.error(subj(), "no languages offered");
        }
        if s.idle.seconds == 0 || s.idle.attract_seconds == 0 {
            out.error(subj(), "idle and attract times must be at least one second");
        }
        for a in &s.idle.attract {
            if !hall.nodes.contains_key(a) {
                out.error(subj(), format!("attract node {a} does not exist"));
            }
        }
        if s.name.is_blank() {
            out.warning(subj(), "screen has no name");
        }
    }

    let mut unresolved: BTreeMap<&MediaRef, (Subject, usize)> = BTreeMap::new();
    for (id, node) in &hall.nodes {
        let subj = || Subject::Node(id.clone());
        if &node.id != id {
            out.error(
                subj(),
                format!("node is stored under ID {id} but says it is {}", node.id),
            );
        }
        if let Some(parent) = id.parent() {
            if !hall.nodes.contains_key(&parent) {
                // Legacy deletes orphaned children; their content is kept and reported.
                out.warning(
                    subj(),
                    format!("orphan: parent node {parent} does not exist, so no screen reaches this node"),
                );
            }
        }
        if node.title.is_blank() {
            out.error(subj(), "empty title");
        }
        let langs = hall
            .screen_of(id)
            .map(|s| s.languages.as_slice())
            .unwrap_or(&hall.fallback[..hall.fallback.len().min(2)]);
        check_translations(&mut out, node, langs);
        for (i, slide) in node.slides.iter().enumerate() {
            let ss = || Subject::Slide(id.clone(), i);
            match slide.layout {
                Layout::Image if slide.image.is_none() => {
                    out.error(ss(), "layout image has no image")
                }
                Layout::Video if slide.video.is_none() => {
                    out.error(ss(), "layout video has no video")
                }
                Layout::ImageText if slide.image.is_none() && node.logo.is_none() => out.warning(
                    ss(),
                    "layout image_text has no image (and the node no logo)",
                ),
                Layout::Map if slide.region.is_none() && node.region.is_none() => {
                    out.warning(ss(), "layout map has no region")
                }
                Layout::Figures if slide.figures.is_empty() => {
                    out.error(ss(), "layout figures has no figures")
                }
                _ => {}
            }
            for (k, fig) in slide.figures.iter().enumerate() {
                let nums = [Some(fig.value), fig.target, fig.baseline];
                if nums.iter().flatten().any(|v| !v.is_finite()) {
                    out.error(
                        ss(),
                        format!("figure {} has a value that is not a finite number", k + 1),
                    );
                }
                if fig.label.is_blank() {
                    out.error(ss(), format!("figure {} has an empty label", k + 1));
                }
            }
            for m in slide.media() {
                note_media(&mut unresolved, ctx, m, ss);
            }
        }
        for m in node.logo.iter().chain(node.tile.iter()) {
            note_media(&mut unresolved, ctx, m, subj);
        }
    }
    // One warning per missing file, at its first use: a shared logo is one problem.
    for (m, (subject, uses)) in unresolved {
        let more = if uses > 1 {
            format!(" (used {uses} times; first here)")
        } else {
            String::new()
        };
        out.warning(
            subject,
            format!("media {m} is not in the media library{more}"),
        );
    }
    out
}

fn note_media<'a>(
    unresolved: &mut BTreeMap<&'a MediaRef, (Subject, usize)>,
    ctx: &Context<'_>,
    m: &'a MediaRef,
    subject: impl FnOnce() -> Subject,
) {
    if ctx.media.is_some_and(|media| !media.contains(m.as_str())) {
        unresolved.entry(m).or_insert_with(|| (subject(), 0)).1 += 1;
    }
}

/// One warning per node listing every field that lacks an offered language.
fn check_translations(out: &mut Findings, node: &crate::Node, langs: &[Lang]) {
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
            Subject::Node(node.id.clone()),
            format!("missing translation: {}", missing.join(", ")),
        );
    }
}

/// The media references a hall uses, each once.
pub fn media_refs(hall: &Hall) -> BTreeSet<&MediaRef> {
    let mut out = BTreeSet::new();
    for n in hall.nodes.values() {
        out.extend(n.logo.iter().chain(n.tile.iter()));
        for s in &n.slides {
            out.extend(s.media());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Node, Screen, Slide};

    fn id(s: &str) -> NodeId {
        NodeId::parse(s).unwrap()
    }

    fn both(ru: &str, kk: &str) -> Localized {
        let mut l = Localized::one(Lang::Ru, ru);
        l.set(Lang::Kk, kk.into());
        l
    }

    fn hall() -> Hall {
        let mut h = Hall::default();
        h.screens.push(Screen {
            id: "1".into(),
            name: both("Экран", "Экран"),
            theme: "azure".into(),
            root: id("1"),
            languages: vec![Lang::Kk, Lang::Ru],
            idle: Default::default(),
        });
        h.nodes
            .insert(id("1"), Node::new(id("1"), both("Корень", "Түбір")));
        h
    }

    fn messages(f: &Findings) -> Vec<String> {
        f.0.iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn clean_hall_has_no_findings() {
        let f = validate(&hall(), &Context { media: None });
        assert!(f.0.is_empty(), "{:?}", messages(&f));
    }

    #[test]
    fn orphan_is_a_warning_and_empty_title_an_error() {
        let mut h = hall();
        h.nodes
            .insert(id("1.2.3"), Node::new(id("1.2.3"), Localized::default()));
        let f = validate(&h, &Context { media: None });
        assert_eq!(
            messages(&f),
            [
                "warning: node 1.2.3: orphan: parent node 1.2 does not exist, so no screen reaches this node",
                "error: node 1.2.3: empty title"
            ]
        );
    }

    #[test]
    fn missing_translation_is_one_warning_per_node() {
        let mut h = hall();
        let mut n = Node::new(id("1.1"), Localized::one(Lang::Ru, "Только русский"));
        let mut s = Slide::new(Layout::Text);
        s.text = Localized::one(Lang::Ru, "Текст");
        n.slides.push(s);
        h.nodes.insert(id("1.1"), n);
        let f = validate(&h, &Context { media: None });
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
        let mut n = Node::new(id("1.1"), both("a", "b"));
        let mut s = Slide::new(Layout::Image);
        s.image = Some(MediaRef::parse("img/x.png").unwrap());
        n.slides.push(s);
        h.nodes.insert(id("1.1"), n);
        let known = BTreeSet::from(["img/y.png".to_string()]);
        let f = validate(
            &h,
            &Context {
                media: Some(&known),
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
}
