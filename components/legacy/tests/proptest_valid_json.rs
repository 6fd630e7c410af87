//! Property: the tolerant reader is a strict JSON reader on valid JSON.
//!
//! For any valid JSON document of legacy shape (records or lists of records with arbitrary
//! Unicode strings, numbers of every JSON form and some extra nesting), written compact
//! and pretty by serde_json and by a writer of our own that varies whitespace and escape
//! styles, `json::parse` must return exactly what `serde_json` reads from the same text,
//! report no repair, and give every node the byte range of its own source text.

use ekran_legacy::json::{self, Node, Value};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::Value as J;

// ---------------------------------------------------------------------------------------
// Generated documents. Numbers keep their source text so the writer can emit every form.

#[derive(Debug, Clone)]
enum Gen {
    Null,
    Bool(bool),
    /// Source text of a valid JSON number.
    Num(String),
    Str(String),
    Arr(Vec<Gen>),
    Obj(Vec<(String, Gen)>),
}

const SPECIAL: &[char] = &[
    '"', '\\', '/', '*', ',', '{', '}', '[', ']', ':', '\n', '\r', '\t', '\u{0}', '\u{8}', '\u{c}',
    '\u{1f}', '\u{7f}', '\u{85}', '\u{2028}', '\u{2029}', '\u{feff}', '\u{fffd}', ' ',
];
const CYRILLIC_KAZAKH: &str =
    "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюяӘәҒғҚқҢңӨөҰұҮүҺһІі«»—№";
const EMOJI: &[char] = &[
    '😀',
    '🇰',
    '🇿',
    '👍',
    '🏛',
    '🎉',
    '\u{1F9D1}',
    '\u{10FFFF}',
    '\u{10000}',
    '𝄞',
];
const FRAGMENTS: &[&str] = &[
    "//",
    "/*",
    "*/",
    "// comment\n",
    "/* c */",
    "\",",
    "\", \"title\": \"",
    "\",\n\"text\": \"",
    "\\\"",
    "\\\\",
    "\\u0041",
    "\\n",
    "http://example.kz//path",
    "C:\\img\\x.png",
    "МК \"Жас Отан\"",
    "«Нұр Отан»",
    "\"\"",
    "\"}",
    "\"]",
    "\", ",
    "\"\n",
    "true",
    "null",
    "-1.5e+3",
];

fn string_strategy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => any::<char>().prop_map(String::from),
        3 => prop::sample::select(SPECIAL).prop_map(String::from),
        4 => prop::sample::select(CYRILLIC_KAZAKH.chars().collect::<Vec<_>>()).prop_map(String::from),
        1 => prop::sample::select(EMOJI).prop_map(String::from),
        2 => prop::sample::select(FRAGMENTS).prop_map(String::from),
        2 => "[a-zA-Z0-9 .]{1,8}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

/// Valid JSON number text: optional minus, integer part, fraction, exponent with any
/// sign, case and leading zeros. Magnitudes stay within f64 range (serde_json rejects
/// literals that overflow it), small exponents and subnormal-range values included.
fn number_strategy() -> impl Strategy<Value = String> {
    let int = prop_oneof![
        Just("0".to_owned()),
        "[1-9][0-9]{0,3}",
        "[1-9][0-9]{4,19}", // up to and past u64::MAX: serde_json reads those as f64
    ];
    let frac = prop::option::of("[0-9]{1,12}");
    let exp = prop::option::of((
        prop::sample::select(vec!["e", "E"]),
        prop::sample::select(vec!["", "+", "-"]),
        0u32..280,
        0usize..3,
    ));
    (any::<bool>(), int, frac, exp).prop_map(|(neg, int, frac, exp)| {
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        s.push_str(&int);
        if let Some(f) = frac {
            s.push('.');
            s.push_str(&f);
        }
        if let Some((e, sign, v, zeros)) = exp {
            s.push_str(e);
            s.push_str(sign);
            s.push_str(&"0".repeat(zeros));
            s.push_str(&v.to_string());
        }
        s
    })
}

fn scalar_strategy() -> impl Strategy<Value = Gen> {
    prop_oneof![
        1 => Just(Gen::Null),
        1 => any::<bool>().prop_map(Gen::Bool),
        2 => number_strategy().prop_map(Gen::Num),
        3 => string_strategy().prop_map(Gen::Str),
    ]
}

/// Arbitrary JSON, a few levels deep (well under `json::MAX_DEPTH` with the record around).
fn any_value() -> impl Strategy<Value = Gen> {
    scalar_strategy().prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Gen::Arr),
            prop::collection::vec((string_strategy(), inner), 0..5).prop_map(Gen::Obj),
        ]
    })
}

fn str_or(s: impl Strategy<Value = String>) -> impl Strategy<Value = Gen> {
    s.prop_map(Gen::Str)
}

fn slide_strategy() -> impl Strategy<Value = Gen> {
    let map = prop_oneof![
        Just(Gen::Str(String::new())),
        (1u32..=17).prop_map(|n| Gen::Str(n.to_string())),
        (1u32..=17).prop_map(|n| Gen::Num(n.to_string())),
        number_strategy().prop_map(Gen::Num),
    ];
    (
        str_or(string_strategy()),
        str_or(string_strategy()),
        str_or(prop_oneof![Just(String::new()), string_strategy()]),
        str_or(prop_oneof![
            Just(String::new()),
            Just("/video/1.mp4".to_owned()),
            string_strategy()
        ]),
        map,
        str_or(prop_oneof![Just("2".to_owned()), string_strategy()]),
        prop::option::of((string_strategy(), any_value())),
    )
        .prop_map(|(title, text, img, video, map, block, extra)| {
            let mut m = vec![
                ("title".to_owned(), title),
                ("block".to_owned(), block),
                ("img_path".to_owned(), img),
                ("video".to_owned(), video),
                ("map".to_owned(), map),
                ("text".to_owned(), text),
            ];
            m.extend(extra);
            m
        })
        .prop_shuffle()
        .prop_map(Gen::Obj)
}

fn record_strategy() -> impl Strategy<Value = Gen> {
    (
        str_or(prop_oneof![Just("1".to_owned()), string_strategy()]),
        str_or(prop_oneof!["[1-9](\\.[1-9][0-9]?){0,5}", string_strategy()]),
        str_or(string_strategy()),
        str_or(prop_oneof![
            Just("/img/logo.png".to_owned()),
            string_strategy()
        ]),
        number_strategy(),
        number_strategy(),
        prop::collection::vec(slide_strategy(), 0..4),
        prop::option::of((string_strategy(), any_value())),
    )
        .prop_map(
            |(name, id, logo_title, logo_path, max, now, content, extra)| {
                let mut m = vec![
                    ("name".to_owned(), name),
                    ("ID".to_owned(), id),
                    ("logo_title".to_owned(), logo_title),
                    ("logo_path".to_owned(), logo_path),
                    ("slide_max".to_owned(), Gen::Num(max)),
                    ("slide_now".to_owned(), Gen::Num(now)),
                    ("content".to_owned(), Gen::Arr(content)),
                ];
                m.extend(extra);
                m
            },
        )
        .prop_shuffle()
        .prop_map(Gen::Obj)
}

fn document_strategy() -> impl Strategy<Value = Gen> {
    prop_oneof![
        4 => record_strategy(),
        4 => prop::collection::vec(record_strategy(), 0..4).prop_map(Gen::Arr),
        1 => any_value(),
    ]
}

// ---------------------------------------------------------------------------------------
// Our own writer: random whitespace between tokens, and every escape style JSON allows.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Writer {
    out: String,
    rng: Rng,
    /// Percent chance of whitespace at each token boundary.
    ws_chance: u64,
    /// Whether `\r\n` may appear between tokens.
    crlf: bool,
}

impl Writer {
    fn ws(&mut self) {
        if self.rng.below(100) >= self.ws_chance {
            return;
        }
        for _ in 0..=self.rng.below(4) {
            let choices: &[&str] = if self.crlf {
                &[" ", "\t", "\n", "\r", "  ", "\r\n"]
            } else {
                &[" ", "\t", "\n", "\r", "  "]
            };
            let mut w = choices[self.rng.below(choices.len() as u64) as usize];
            if !self.crlf && w.starts_with('\n') && self.out.ends_with('\r') {
                w = " ";
            }
            self.out.push_str(w);
        }
    }

    fn hex4(&mut self, u: u32) {
        let s = if self.rng.below(2) == 0 {
            format!("\\u{u:04x}")
        } else {
            format!("\\u{u:04X}")
        };
        self.out.push_str(&s);
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            let roll = self.rng.below(100);
            match c {
                '"' if roll < 80 => self.out.push_str("\\\""),
                '\\' if roll < 80 => self.out.push_str("\\\\"),
                '/' if roll < 30 => self.out.push_str("\\/"),
                '\u{8}' if roll < 60 => self.out.push_str("\\b"),
                '\u{c}' if roll < 60 => self.out.push_str("\\f"),
                '\n' if roll < 60 => self.out.push_str("\\n"),
                '\r' if roll < 60 => self.out.push_str("\\r"),
                '\t' if roll < 60 => self.out.push_str("\\t"),
                c if c == '"' || c == '\\' || u32::from(c) < 0x20 || roll < 8 => {
                    let mut buf = [0u16; 2];
                    for u in c.encode_utf16(&mut buf) {
                        self.hex4(u32::from(*u));
                    }
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn value(&mut self, v: &Gen) {
        self.ws();
        match v {
            Gen::Null => self.out.push_str("null"),
            Gen::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Gen::Num(n) => self.out.push_str(n),
            Gen::Str(s) => self.string(s),
            Gen::Arr(items) => {
                self.out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        self.ws();
                        self.out.push(',');
                    }
                    self.value(it);
                }
                self.ws();
                self.out.push(']');
            }
            Gen::Obj(members) => {
                self.out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        self.ws();
                        self.out.push(',');
                    }
                    self.ws();
                    self.string(k);
                    self.ws();
                    self.out.push(':');
                    self.value(v);
                }
                self.ws();
                self.out.push('}');
            }
        }
        self.ws();
    }
}

fn write_custom(v: &Gen, seed: u64, ws_chance: u64, crlf: bool) -> String {
    let mut w = Writer {
        out: String::new(),
        rng: Rng(seed | 1),
        ws_chance,
        crlf,
    };
    w.value(v);
    w.out
}

fn to_serde(v: &Gen) -> J {
    match v {
        Gen::Null => J::Null,
        Gen::Bool(b) => J::Bool(*b),
        Gen::Num(n) => {
            serde_json::from_str(n).unwrap_or_else(|e| panic!("generated number {n:?}: {e}"))
        }
        Gen::Str(s) => J::String(s.clone()),
        Gen::Arr(a) => J::Array(a.iter().map(to_serde).collect()),
        Gen::Obj(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), to_serde(v))).collect()),
    }
}

// ---------------------------------------------------------------------------------------
// Checking one document.

/// Our tree as serde_json's, checking on the way that every node's byte range holds
/// exactly its own source text.
fn ours_to_serde(n: &Node, doc: &str) -> J {
    let src = doc
        .get(n.start..n.end)
        .unwrap_or_else(|| panic!("node range {}..{} is not in the document", n.start, n.end));
    let v = match &n.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(raw) => {
            assert_eq!(raw, src, "a number keeps its source text");
            serde_json::from_str(raw).unwrap_or_else(|e| panic!("number text {raw:?}: {e}"))
        }
        Value::String(s) => J::String(s.clone()),
        Value::Array(items) => J::Array(items.iter().map(|it| ours_to_serde(it, doc)).collect()),
        Value::Object(members) => {
            let mut m = serde_json::Map::new();
            for mem in members {
                let key_src = &doc[mem.key_start..];
                assert!(
                    key_src.starts_with('"'),
                    "key_start {} points at {:?}",
                    mem.key_start,
                    &key_src[..key_src.len().min(10)]
                );
                let key: String = serde_json::Deserializer::from_str(key_src)
                    .into_iter::<String>()
                    .next()
                    .expect("a key")
                    .expect("key text is a JSON string");
                assert_eq!(key, mem.key, "key at {}", mem.key_start);
                // Later duplicates win, as in serde_json.
                m.insert(mem.key.clone(), ours_to_serde(&mem.value, doc));
            }
            J::Object(m)
        }
    };
    // The node's own text, read strictly, is the same value.
    let strict: J = serde_json::from_str(src)
        .unwrap_or_else(|e| panic!("node text {src:?} at {}: {e}", n.start));
    assert_eq!(strict, v, "node at {}..{}", n.start, n.end);
    v
}

fn check(doc: &str) -> Result<(), TestCaseError> {
    let expected: J = serde_json::from_str(doc)
        .map_err(|e| TestCaseError::fail(format!("generator wrote invalid JSON: {e}")))?;
    let parsed = json::parse(doc.as_bytes());
    let node = match parsed.value {
        Ok(n) => n,
        Err(e) => {
            return Err(TestCaseError::fail(format!(
                "valid JSON rejected: {e:?}\n{doc}"
            )))
        }
    };
    prop_assert!(
        parsed.repairs.is_empty(),
        "repairs on valid JSON: {:?}\n{}",
        parsed.repairs,
        doc
    );
    prop_assert_eq!(parsed.repairs_dropped, 0);
    let ours = ours_to_serde(&node, doc);
    prop_assert_eq!(&ours, &expected, "document:\n{}", doc);
    let first = doc.len() - doc.trim_start_matches([' ', '\t', '\n', '\r']).len();
    let last = doc.trim_end_matches([' ', '\t', '\n', '\r']).len();
    prop_assert_eq!((node.start, node.end), (first, last));
    Ok(())
}

fn config() -> Config {
    // 256 cases unless PROPTEST_CASES says otherwise. No regression files are written into
    // the source tree; a failure prints the shrunk document.
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn valid_json_parses_exactly_as_serde_json(g in document_strategy(), seed in any::<u64>(), ws_chance in 0u64..60) {
        let v = to_serde(&g);
        check(&serde_json::to_string(&v).unwrap())?;
        check(&serde_json::to_string_pretty(&v).unwrap())?;
        check(&write_custom(&g, seed, ws_chance, false))?;
    }

    #[test]
    fn arbitrary_unicode_strings_round_trip(s in string_strategy(), t in ".*", seed in any::<u64>()) {
        let v = serde_json::json!({ "title": s, "text": t, "content": [s, {"text": t}] });
        check(&serde_json::to_string(&v).unwrap())?;
        check(&write_custom(&Gen::Arr(vec![Gen::Str(s.clone()), Gen::Obj(vec![(t.clone(), Gen::Str(s))])]), seed, 30, false))?;
    }
}

/// Valid JSON that uses CRLF between tokens, as a Windows editor writes it.
#[test]
fn crlf_between_tokens_of_valid_json() {
    let doc = "{\r\n  \"ID\": \"1.2\",\r\n  \"content\": []\r\n}\r\n";
    let expected: J = serde_json::from_str(doc).unwrap();
    let parsed = json::parse(doc.as_bytes());
    let node = parsed.value.expect("valid JSON");
    assert_eq!(ours_to_serde(&node, doc), expected);
    // CRLF between tokens is plain whitespace: valid JSON gets no repairs.
    assert!(parsed.repairs.is_empty(), "{:?}", parsed.repairs);
}
