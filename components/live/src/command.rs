//! Commands tablets send, and why one can be refused.

use serde::Deserialize;

use crate::view::{Contrast, TextSize};

/// Largest command accepted, in bytes. Commands are tiny; anything bigger is a mistake
/// or an attack and is answered with `too_large`.
pub const MAX_COMMAND: usize = 4096;

/// A tablet command, as JSON `{"type":"go","node":"…"}` and so on (docs/protocol.md).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Show a node (its first slide): its key, or (for people typing) its legacy label.
    Go {
        /// A node key or a dotted label.
        node: String,
    },
    /// The next slide of the current node. With `seq`, only when the screen is still
    /// at the state with that `seq` (the one the tablet saw): a repeated or concurrent
    /// tap then moves one step, never past a slide no one saw.
    Next {
        /// The `seq` of the state the command is based on.
        #[serde(default)]
        seq: Option<u64>,
    },
    /// The previous slide of the current node; `seq` as for [`Command::Next`].
    Prev {
        /// The `seq` of the state the command is based on.
        #[serde(default)]
        seq: Option<u64>,
    },
    /// Show slide `n` (0-based) of the current node.
    Slide {
        /// 0-based slide index.
        n: usize,
    },
    /// Show page `n` (0-based) of the current slide's text. Absolute, so a repeated tap
    /// asks for the same page and moves one step.
    Page {
        /// 0-based page index; below the state's `page.count`.
        n: usize,
    },
    /// Accessibility modes for the screen's pages; a field left out stays as it is.
    Prefs {
        /// `"normal"` or `"large"`.
        #[serde(default)]
        text: Option<TextSize>,
        /// `"normal"` or `"high"`.
        #[serde(default)]
        contrast: Option<Contrast>,
    },
    /// "Still here": counts as activity and ends an idle warning; changes nothing else.
    Stay,
    /// The screen's root node.
    Home,
    /// Switch to a language the screen offers (`kk`, `ru`, `en`; `kz` too).
    Lang {
        /// A language code.
        lang: String,
    },
}

#[derive(Deserialize)]
struct Incoming {
    #[serde(default)]
    id: Option<u64>,
    #[serde(flatten)]
    command: Command,
}

/// A refused command: a stable `code` for programs and a `message` for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `bad_json`, `too_large`, `unknown_node`, `slide_out_of_range`,
    /// `page_out_of_range`, `unknown_lang`, `screen_removed`, `forbidden` or
    /// `rate_limited`.
    pub code: &'static str,
    /// One line for people.
    pub message: String,
}

impl Refusal {
    /// A refusal with a code and a message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            code,
            message: message.into(),
        }
    }
}

/// Reads one text frame (at most [`MAX_COMMAND`] bytes).
///
/// # Errors
/// `too_large` or `bad_json`. On failure the `id` is still returned when it could be read,
/// so the error reply can name the command it answers.
pub fn parse(text: &str) -> Result<(Option<u64>, Command), (Option<u64>, Refusal)> {
    if text.len() > MAX_COMMAND {
        return Err((
            None,
            Refusal::new(
                "too_large",
                format!(
                    "command is {} bytes; the limit is {MAX_COMMAND}",
                    text.len()
                ),
            ),
        ));
    }
    let refuse = |why: String| {
        let id = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_u64()));
        Err((
            id,
            Refusal::new("bad_json", format!("not a command: {why}")),
        ))
    };
    // serde would take a number as the command's position in `Command` ({"type": 1}
    // acting as `next`): only names are commands.
    if serde_json::from_str::<Kind>(text).is_ok_and(|k| !k.kind.is_string()) {
        return refuse("`type` must be a command's name".into());
    }
    match serde_json::from_str::<Incoming>(text) {
        Ok(i) => Ok((i.id, i.command)),
        Err(e) => refuse(e.to_string()),
    }
}

/// A message's `type`, whatever it is (a missing one is `null`).
#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "type", default)]
    kind: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_and_ids() {
        assert_eq!(
            parse(r#"{"type":"go","node":"1.5","id":7}"#).unwrap(),
            (Some(7), Command::Go { node: "1.5".into() })
        );
        assert_eq!(
            parse(r#"{"type":"next"}"#).unwrap(),
            (None, Command::Next { seq: None })
        );
        assert_eq!(
            parse(r#"{"type":"prev","seq":2}"#).unwrap(),
            (None, Command::Prev { seq: Some(2) })
        );
        // Numbers are checked, not wrapped: a negative or too large index is bad JSON.
        assert_eq!(
            parse(r#"{"type":"next","seq":-1}"#).unwrap_err().1.code,
            "bad_json"
        );
        assert_eq!(
            parse(r#"{"type":"slide","n":18446744073709551616}"#)
                .unwrap_err()
                .1
                .code,
            "bad_json"
        );
        assert_eq!(
            parse(r#"{"type":"slide","n":2}"#).unwrap().1,
            Command::Slide { n: 2 }
        );
    }

    #[test]
    fn parses_visitor_commands() {
        assert_eq!(
            parse(r#"{"type":"page","n":3}"#).unwrap().1,
            Command::Page { n: 3 }
        );
        assert_eq!(
            parse(r#"{"type":"prefs","text":"large"}"#).unwrap().1,
            Command::Prefs {
                text: Some(TextSize::Large),
                contrast: None
            }
        );
        assert_eq!(parse(r#"{"type":"stay"}"#).unwrap().1, Command::Stay);
        assert_eq!(
            parse(r#"{"type":"prefs","contrast":"loud"}"#)
                .unwrap_err()
                .1
                .code,
            "bad_json"
        );
        assert_eq!(
            parse(r#"{"type":"page","n":-2}"#).unwrap_err().1.code,
            "bad_json"
        );
    }

    #[test]
    fn refuses_garbage_with_codes() {
        assert_eq!(parse("{").unwrap_err().1.code, "bad_json");
        // A number is not a command's name (serde would take it as a position: 1 is
        // `next`); the refusal still names the id.
        for text in [
            r#"{"type":1,"id":4}"#,
            r#"{"type":3,"n":0,"id":4}"#,
            r#"{"id":4}"#,
        ] {
            let (id, r) = parse(text).unwrap_err();
            assert_eq!((id, r.code), (Some(4), "bad_json"), "{text}: {r:?}");
        }
        let (_, r) = parse(r#"{"type":2}"#).unwrap_err();
        assert!(
            r.message.contains("`type` must be a command's name"),
            "{r:?}"
        );
        // Duplicate fields stay an error.
        let dup = parse(r#"{"type":"go","node":"1","node":"2"}"#)
            .unwrap_err()
            .1;
        assert_eq!(dup.code, "bad_json", "{dup:?}");
        let (id, r) = parse(r#"{"type":"fly","id":3}"#).unwrap_err();
        assert_eq!((id, r.code), (Some(3), "bad_json"));
        assert_eq!(
            parse(r#"{"type":"slide","n":-1}"#).unwrap_err().1.code,
            "bad_json"
        );
        assert_eq!(
            parse(&"x".repeat(MAX_COMMAND + 1)).unwrap_err().1.code,
            "too_large"
        );
    }
}
