//! Screen settings: names, theme, root node, languages, idle time and attract loop.
//! A change is made to the working copy (published like any other change), checked
//! before it is stored, and recorded in the audit log in the same transaction.

use ekran_model::{
    validate, Diagnostic, Diagnostics, FieldPath, Lang, Localized, Location, NodeKey, Screen,
};

use crate::audit::{record, Action, Actor};
use crate::{Core, CoreError, Result};

/// What to change in a screen; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenPatch {
    /// Names to set, per language: a language given sets that name (an empty or blank
    /// text removes it); a language not given keeps its name.
    pub name: Option<Localized>,
    /// One of [`ekran_model::THEMES`].
    pub theme: Option<String>,
    /// The node shown at home: a node key or a label (`1.2`).
    pub root: Option<String>,
    /// Languages offered, the first being the default; no repeats.
    pub languages: Option<Vec<Lang>>,
    /// Seconds without a command before the screen goes home (or starts its loop).
    pub idle_seconds: Option<u32>,
    /// Nodes (keys or labels) shown in turn while idle; empty: none, the screen rests
    /// at home.
    pub attract: Option<Vec<String>>,
    /// Seconds each attract node is shown.
    pub attract_seconds: Option<u32>,
}

/// What a screen change did.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenUpdated {
    /// The screen as it is now in the working copy.
    pub screen: Screen,
    /// Warnings about it (a missing name…).
    pub warnings: Diagnostics,
    /// Whether anything changed (an equal patch stores and records nothing).
    pub changed: bool,
}

fn at(id: &str, field: &str) -> Location {
    Location::Field {
        path: None,
        field: FieldPath::screen(id).name(field),
    }
}

/// A node named by key or label in the working copy's tree, else an error at `field`.
fn node_of(hall: &ekran_model::Hall, id: &str, field: &str, name: &str) -> Result<NodeKey> {
    hall.nodes.resolve(name.trim()).cloned().ok_or_else(|| {
        CoreError::invalid(
            Diagnostic::error(
                "unknown_node",
                format!("screen {id}: {field}: there is no node {name:?} (a key or a label)"),
            )
            .at(at(id, field)),
        )
    })
}

/// Applies `patch` to `screen`, resolving node names in `hall`.
fn apply(
    hall: &ekran_model::Hall,
    screen: &mut Screen,
    patch: ScreenPatch,
) -> Result<(), CoreError> {
    let id = screen.id.clone();
    if let Some(name) = patch.name {
        for lang in Lang::ALL {
            if let Some(text) = name.get(lang) {
                *screen.name.slot(lang) = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
            }
        }
    }
    if let Some(theme) = patch.theme {
        screen.theme = theme;
    }
    if let Some(root) = patch.root {
        screen.root = node_of(hall, &id, "root", &root)?;
    }
    if let Some(langs) = patch.languages {
        for (i, l) in langs.iter().enumerate() {
            if langs[..i].contains(l) {
                return Err(CoreError::invalid(
                    Diagnostic::error(
                        "duplicate_language",
                        format!("screen {id}: languages: {l} is given twice"),
                    )
                    .at(at(&id, "languages")),
                ));
            }
        }
        screen.languages = langs;
    }
    if let Some(s) = patch.idle_seconds {
        screen.idle.seconds = s;
    }
    if let Some(s) = patch.attract_seconds {
        screen.idle.attract_seconds = s;
    }
    if let Some(list) = patch.attract {
        screen.idle.attract = list
            .iter()
            .map(|n| node_of(hall, &id, "attract", n))
            .collect::<Result<_>>()?;
    }
    Ok(())
}

impl Core {
    /// Changes the settings of screen `id` in the working copy, made by `by`.
    /// Refused ([`CoreError::Invalid`], with the field) when the result is invalid: an
    /// unknown theme or node, no languages, a zero time; [`CoreError::NotFound`] for an
    /// unknown screen. One transaction, recorded as `screen_update`.
    pub fn update_screen<'by>(
        &mut self,
        id: &str,
        patch: ScreenPatch,
        by: impl Into<Actor<'by>>,
    ) -> Result<ScreenUpdated> {
        let by: Actor<'by> = by.into();
        let cache = &self.cache;
        let result = self.store.write(|w| {
            cache.with(|cache| {
                let wc = Core::fresh(cache, w)?;
                let i = wc
                    .hall
                    .screens
                    .iter()
                    .position(|s| s.id == id)
                    .ok_or_else(|| CoreError::NotFound(format!("screen {id}")))?;
                let before = wc.hall.screens[i].clone();
                let mut screen = before.clone();
                apply(&wc.hall, &mut screen, patch)?;
                if screen == before {
                    return Ok(ScreenUpdated {
                        screen,
                        warnings: Diagnostics::default(),
                        changed: false,
                    });
                }
                wc.hall.screens[i] = screen.clone();
                // Only what is said about this screen: the rest of the hall is as it was.
                let all = validate::validate(
                    &wc.hall,
                    &validate::Context {
                        media: None,
                        maps: None,
                    },
                );
                let mine: Diagnostics = all
                    .into_iter()
                    .filter(|d| match &d.location {
                        Location::Field { field, .. } => field.screen_id() == Some(id),
                        _ => false,
                    })
                    .collect();
                if mine.has_errors() {
                    return Err(CoreError::Invalid(mine));
                }
                w.put_screens(&wc.hall.screens)?;
                wc.revision = w.revision()?;
                record(
                    w,
                    by.name,
                    Action::ScreenUpdate,
                    &format!("screen {id}"),
                    &summary(&before, &screen),
                    by.address,
                )?;
                Ok(ScreenUpdated {
                    screen,
                    warnings: mine,
                    changed: true,
                })
            })
        });
        if result.is_err() {
            // The commit may have failed after the cached copy took the new screen.
            self.cache.forget();
        }
        result
    }
}

/// `theme, root, idle changed` and the like, for the audit log.
fn summary(a: &Screen, b: &Screen) -> String {
    let mut what = Vec::new();
    if a.name != b.name {
        what.push("name");
    }
    if a.theme != b.theme {
        what.push("theme");
    }
    if a.root != b.root {
        what.push("root");
    }
    if a.languages != b.languages {
        what.push("languages");
    }
    if a.idle.seconds != b.idle.seconds || a.idle.attract_seconds != b.idle.attract_seconds {
        what.push("idle time");
    }
    if a.idle.attract != b.idle.attract {
        what.push("attract list");
    }
    format!("changed {}; not yet published", what.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{After, WholeHall};
    use crate::{AuditFilter, Source};
    use ekran_model::{Hall, Idle, Node, NodeId};

    fn hall() -> Hall {
        let mut h = Hall::default();
        for label in ["1", "1.1", "1.2"] {
            let id = NodeId::parse(label).unwrap();
            let mut n = Node::new(NodeKey::derive(&id, 0), Localized::one(Lang::Kk, label));
            n.label = Some(id.clone());
            let parent = id.parent().map(|p| NodeKey::derive(&p, 0));
            h.nodes.insert(n, parent.as_ref(), None).unwrap();
        }
        h.screens.push(Screen {
            id: "1".into(),
            name: Localized::one(Lang::Kk, "Бірінші"),
            theme: "azure".into(),
            root: NodeKey::derive(&NodeId::parse("1").unwrap(), 0),
            languages: vec![Lang::Kk, Lang::Ru],
            idle: Idle::default(),
        });
        h
    }

    #[test]
    fn a_screen_change_is_checked_stored_and_audited() {
        let dir = tempfile::tempdir().unwrap();
        let mut core = Core::open(dir.path()).unwrap();
        let whole = WholeHall {
            hall: hall(),
            diagnostics: Diagnostics::default(),
            source: None,
            media: Vec::new(),
            maps: Vec::new(),
            note: "seed".into(),
            action: Action::ImportEkran,
        };
        core.store_whole(whole, After::Publish, crate::CLI).unwrap();
        let k12 = NodeKey::derive(&NodeId::parse("1.2").unwrap(), 0);

        // Refusals change nothing and name the field.
        let bad = |p: ScreenPatch, core: &mut Core| match core.update_screen("1", p, "anna") {
            Err(CoreError::Invalid(d)) => d.iter().map(|d| d.location.clone()).collect(),
            other => panic!("expected Invalid, got {other:?}"),
        };
        let locs: Vec<Location> = bad(
            ScreenPatch {
                root: Some("9.9".into()),
                ..Default::default()
            },
            &mut core,
        );
        assert_eq!(locs, [at("1", "root")]);
        let theme = ScreenPatch {
            theme: Some("pink".into()),
            ..Default::default()
        };
        assert_eq!(bad(theme, &mut core).len(), 1);
        let none = ScreenPatch {
            languages: Some(vec![]),
            idle_seconds: Some(0),
            ..Default::default()
        };
        assert_eq!(bad(none, &mut core).len(), 2);
        assert!(matches!(
            core.update_screen("7", ScreenPatch::default(), "anna"),
            Err(CoreError::NotFound(_))
        ));

        let mut name = Localized::one(Lang::Ru, "<img src=x onerror=alert(1)>");
        name.set(Lang::Kk, String::new());
        let done = core
            .update_screen(
                "1",
                ScreenPatch {
                    name: Some(name),
                    theme: Some("jade".into()),
                    root: Some("1.2".into()),
                    languages: Some(vec![Lang::Ru]),
                    idle_seconds: Some(60),
                    attract: Some(vec!["1.1".into(), k12.as_str().into()]),
                    attract_seconds: Some(5),
                },
                "anna",
            )
            .unwrap();
        assert!(done.changed);
        let s = &core.working_copy().unwrap().hall.screens[0];
        assert_eq!(s, &done.screen);
        assert_eq!(s.name.get(Lang::Ru), Some("<img src=x onerror=alert(1)>"));
        assert_eq!(s.name.get(Lang::Kk), None);
        assert_eq!((s.theme.as_str(), &s.root), ("jade", &k12));
        assert_eq!((s.idle.seconds, s.idle.attract_seconds), (60, 5));
        assert_eq!(s.idle.attract.len(), 2);
        // Not live until published.
        let (live, _) = core.export(Source::Live).unwrap();
        assert_eq!(live.screens[0].theme, "azure");
        assert!(core.unpublished().unwrap().settings);

        let log = core
            .audit(&AuditFilter {
                action: Some("screen_update".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(log.len(), 1, "refusals leave no entry");
        assert_eq!(
            (log[0].actor.as_str(), log[0].subject.as_str()),
            ("anna", "screen 1")
        );
        assert!(log[0].summary.contains("theme, root"), "{}", log[0].summary);
        // The same again changes nothing and records nothing.
        let again = core
            .update_screen(
                "1",
                ScreenPatch {
                    theme: Some("jade".into()),
                    ..Default::default()
                },
                "anna",
            )
            .unwrap();
        assert!(!again.changed);
    }
}
