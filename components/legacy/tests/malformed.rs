//! Malformed and hostile input: the tolerant reader never panics, and every error has a
//! message and an offset inside the input; the importer turns every parse error into one
//! `path:line:col: error: ...` diagnostic at that offset.
//!
//! Inputs: committed fixtures (tests/fixtures/malformed/, with exact expectations),
//! truncations of the legacy seed and of short records, NUL bytes, 100 000 levels of
//! nesting, 50 MB strings, random bytes and random mutations of the seed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use ekran_legacy::import::{LegacyImport, Options};
use ekran_legacy::json::{self, Node, Parsed, RepairKind, Value, MAX_DEPTH, MAX_REPAIRS};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture(rel: &str) -> Vec<u8> {
    let p = Path::new(FIXTURES).join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn seed001() -> Vec<u8> {
    fixture("legacy/seed001.txt")
}

/// Line and column (in characters) of `offset`, computed independently of `diag`.
fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let col = 1 + String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count();
    (line, col)
}

/// Parses `bytes` and checks what must hold for any input; also runs the importer over
/// it. Returns the parse result for input-specific checks.
fn check(name: &str, bytes: &[u8]) -> Parsed {
    let parsed = catch_unwind(AssertUnwindSafe(|| json::parse(bytes)))
        .unwrap_or_else(|_| panic!("json::parse panicked on {name} ({} bytes)", bytes.len()));
    assert!(parsed.repairs.len() <= MAX_REPAIRS, "{name}");
    for r in &parsed.repairs {
        assert!(
            r.offset <= bytes.len(),
            "{name}: repair {r:?} past the end ({})",
            bytes.len()
        );
    }
    match &parsed.value {
        Ok(node) => check_ranges(name, node, bytes.len()),
        Err(e) => {
            assert!(!e.message.trim().is_empty(), "{name}: empty error message");
            assert!(
                e.offset <= bytes.len(),
                "{name}: error offset {} past the end ({}): {}",
                e.offset,
                bytes.len(),
                e.message
            );
        }
    }

    differential(name, bytes, &parsed);

    let mut import = LegacyImport::new(Options::default());
    let records =
        catch_unwind(AssertUnwindSafe(|| import.add_file(name, bytes))).unwrap_or_else(|_| {
            panic!(
                "LegacyImport::add_file panicked on {name} ({} bytes)",
                bytes.len()
            )
        });
    for d in &import.diagnostics {
        let r = d.render();
        assert!(r.starts_with(&format!("{name}:")), "{name}: {r}");
    }
    if let Err(e) = &parsed.value {
        assert_eq!(records, 0, "{name}");
        let (line, col) = line_col(bytes, e.offset);
        let head = format!("{name}:{line}:{col}: error: {}", e.message);
        let errors: Vec<String> = import
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.render())
            .collect();
        // `starts_with`, not the first line: messages quote member names verbatim, and
        // those may hold raw line breaks (reported to the parser's owner).
        assert!(
            errors.iter().any(|r| r.starts_with(&format!("{head}\n"))),
            "{name}: expected a diagnostic `{head}`, got {errors:?}"
        );
    }
    parsed
}

/// Against serde_json: what it accepts we read to the same value without repairs (CRLF
/// line ends aside), and what we read without any repair it accepts too.
fn differential(name: &str, bytes: &[u8], parsed: &Parsed) {
    let strict = serde_json::from_slice::<serde_json::Value>(bytes);
    let ours = parsed.value.as_ref().ok().and_then(to_serde);
    if let Ok(v) = &strict {
        let node = parsed
            .value
            .as_ref()
            .unwrap_or_else(|e| panic!("{name}: valid JSON rejected: {e:?}"));
        assert_eq!(
            to_serde(node).as_ref(),
            Some(v),
            "{name}: valid JSON read differently"
        );
        assert!(
            parsed
                .repairs
                .iter()
                .all(|r| matches!(r.kind, RepairKind::Crlf { .. })),
            "{name}: repairs on valid JSON: {:?}",
            parsed.repairs
        );
    } else if let (Some(_), Err(e)) = (&ours, &strict) {
        let clean = parsed.repairs.is_empty() && parsed.repairs_dropped == 0;
        // serde_json (without arbitrary_precision) also refuses numbers beyond f64, and
        // it stops at 127 levels of nesting where we allow MAX_DEPTH (128).
        let limit = ["number out of range", "recursion limit exceeded"]
            .iter()
            .any(|m| e.to_string().contains(m));
        assert!(
            !clean || limit,
            "{name}: read without repairs but serde_json says: {e}"
        );
    }
}

/// Our tree as serde_json's; `None` when a number is beyond what serde_json holds.
fn to_serde(n: &Node) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    Some(match &n.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(raw) => serde_json::from_str(raw).ok()?,
        Value::String(s) => J::String(s.clone()),
        Value::Array(items) => J::Array(items.iter().map(to_serde).collect::<Option<_>>()?),
        Value::Object(members) => {
            let mut m = serde_json::Map::new();
            for mem in members {
                m.insert(mem.key.clone(), to_serde(&mem.value)?);
            }
            J::Object(m)
        }
    })
}

fn check_ranges(name: &str, n: &Node, len: usize) {
    assert!(
        n.start <= n.end && n.end <= len,
        "{name}: node range {}..{} outside 0..{len}",
        n.start,
        n.end
    );
    match &n.value {
        Value::Array(items) => items.iter().for_each(|it| check_ranges(name, it, len)),
        Value::Object(members) => members.iter().for_each(|m| {
            assert!(m.key_start < len, "{name}");
            check_ranges(name, &m.value, len)
        }),
        _ => {}
    }
}

#[track_caller]
fn expect_err(name: &str, bytes: &[u8], offset: usize, fragment: &str) {
    let p = check(name, bytes);
    match p.value {
        Ok(v) => panic!(
            "{name}: expected an error containing {fragment:?}, parsed {:?}",
            v.value
        ),
        Err(e) => {
            assert!(
                e.message.contains(fragment),
                "{name}: message {:?} lacks {fragment:?}",
                e.message
            );
            assert_eq!(e.offset, offset, "{name}: offset of {:?}", e.message);
        }
    }
}

fn member<'a>(v: &'a Value, key: &str) -> &'a Value {
    let Value::Object(m) = v else {
        panic!("not an object: {v:?}")
    };
    &m.iter()
        .rev()
        .find(|m| m.key == key)
        .unwrap_or_else(|| panic!("no member {key}"))
        .value
        .value
}

fn first_slide_text(doc: &Value) -> &str {
    let Value::Array(slides) = member(doc, "content") else {
        panic!("content is not a list")
    };
    match member(&slides[0].value, "text") {
        Value::String(s) => s,
        v => panic!("text is {v:?}"),
    }
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

// ---------------------------------------------------------------------------------------
// Committed fixtures.

#[test]
fn fixtures_with_exact_errors() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "nul_between_tokens.json",
            12,
            "expected `,` or `}` after a member, found U+0000",
        ),
        ("nul_only.bin", 0, "unexpected U+0000: expected a value"),
        ("lone_block_comment.json", 0, "`/*` comment is never closed"),
        (
            "unclosed_block_comment_after_record.json",
            29,
            "never closed with `*/`",
        ),
        ("invalid_utf8.json", 48, "invalid UTF-8 (byte 0xFF)"),
        (
            "invalid_utf8_truncated_char.json",
            42,
            "invalid UTF-8 (byte 0xD0)",
        ),
        (
            "utf8_encoded_surrogate.json",
            23,
            "invalid UTF-8 (byte 0xED)",
        ),
        ("bom_only.json", 3, "the file is empty"),
        ("double_bom.json", 3, "expected a value"),
        (
            "unterminated_string.json",
            35,
            "this string is never closed",
        ),
        ("unclosed_object.json", 0, "this `{` is never closed"),
        ("unclosed_array.json", 0, "this `[` is never closed"),
        (
            "missing_colon.json",
            6,
            "expected `:` after member name \"ID\"",
        ),
        (
            "unquoted_key.json",
            1,
            "expected a member name in double quotes, found `I`",
        ),
        ("bad_number.json", 25, "malformed number `1.2.3`"),
        ("bare_word.json", 25, "unexpected word `tru`"),
        ("empty.json", 0, "the file is empty"),
        ("only_comment.json", 16, "the file is empty"),
        (
            "garbage_after_record.json",
            12,
            "unexpected `x` after the end of the document",
        ),
        ("lone_slash.json", 11, "unexpected `/`"),
    ];
    for (name, offset, fragment) in cases {
        expect_err(
            name,
            &fixture(&format!("malformed/{name}")),
            *offset,
            fragment,
        );
    }
}

#[test]
fn every_fixture_keeps_the_invariants() {
    // Also covers inputs added later (such as fuzzer finds) without expectations.
    fn walk(dir: &Path, n: &mut usize) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, n);
            } else {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                let bytes = std::fs::read(&p).unwrap();
                if name.ends_with(".bson") {
                    check_dump(&name, &bytes);
                } else {
                    check(&name, &bytes);
                }
                *n += 1;
            }
        }
    }
    let mut n = 0;
    walk(Path::new(FIXTURES), &mut n);
    assert!(n >= 20, "only {n} fixtures");
}

#[test]
fn nul_inside_a_string_is_kept_and_reported() {
    let p = check(
        "nul_in_string.json",
        &fixture("malformed/nul_in_string.json"),
    );
    let doc = p.value.expect("a NUL inside a string is repaired");
    assert_eq!(first_slide_text(&doc.value), "a\0b");
    let kinds: Vec<_> = p
        .repairs
        .iter()
        .map(|r| (r.offset, r.kind.clone()))
        .collect();
    assert_eq!(kinds, [(37, RepairKind::ControlChar('\0'))]);
}

#[test]
fn bom_and_crlf_file_is_read() {
    let bytes = fixture("malformed/bom_crlf.json");
    let p = check("bom_crlf.json", &bytes);
    let doc = p.value.expect("BOM + CRLF is repaired");
    assert_eq!(first_slide_text(&doc.value), "Первая строка\nвторая строка");
    // Only the CRLF inside the text is a repair; between tokens it is whitespace.
    let crlf = 1;
    let kinds: Vec<_> = p.repairs.iter().map(|r| r.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            RepairKind::Bom,
            RepairKind::Crlf { lines: crlf },
            RepairKind::RawNewlines { count: 1 }
        ]
    );
    assert_eq!(doc.start, 3, "offsets count the BOM");

    let mut import = LegacyImport::new(Options::default());
    assert_eq!(import.add_file("bom_crlf.json", &bytes), 1);
    assert!(!import.has_errors(), "{:?}", import.diagnostics);
}

// ---------------------------------------------------------------------------------------
// Truncation.

#[test]
fn seed_is_read_whole() {
    let bytes = seed001();
    let p = check("seed001.txt", &bytes);
    assert!(p.value.is_ok(), "{:?}", p.value);
    let mut import = LegacyImport::new(Options::default());
    assert_eq!(import.add_file("seed001.txt", &bytes), 1);
    assert!(!import.has_errors());
}

/// A prefix of a document whose first `{` closes only at its very end is an error; when
/// the cut splits a UTF-8 character, the error is that character's first byte.
fn check_truncated(name: &str, full: &[u8], k: usize) {
    let cut = &full[..k];
    let label = format!("{name}[..{k}]");
    let p = check(&label, cut);
    let e = p
        .value
        .as_ref()
        .err()
        .unwrap_or_else(|| panic!("{label}: a truncated record parsed"));
    assert!(e.offset <= k);
    if let Err(u) = std::str::from_utf8(cut) {
        assert_eq!(e.offset, u.valid_up_to(), "{label}: {}", e.message);
        assert!(
            e.message.contains("invalid UTF-8"),
            "{label}: {}",
            e.message
        );
    }
}

#[test]
fn seed_truncated_every_97th_byte() {
    let full = seed001();
    for k in (0..full.len()).step_by(97) {
        check_truncated("seed001.txt", &full, k);
    }
}

#[test]
fn short_records_truncated_at_every_byte() {
    // Valid JSON with escapes, Cyrillic, Kazakh and an emoji.
    let valid = r#"{"name":"1","ID":"1.2","logo_title":"Партия «Нұр Отан»","slide_max":1,"slide_now":-1.5e3,"content":[{"title":"Ценности \"Жас Отан\"","text":"строка\nвторая 😀 \ud83d\ude00 \u0041","map":9,"img_path":"","video":null,"block":"2"}],"ok":true}"#;
    let p = check("valid", valid.as_bytes());
    assert!(
        p.value.is_ok() && p.repairs.is_empty(),
        "{:?} {:?}",
        p.value,
        p.repairs
    );
    // Legacy style: raw line break and tab, unescaped quotes, missing and trailing commas, comment.
    let legacy = "{\n\"name\": \"1\"\n\"ID\": \"1.2\",\n\"content\": [ // слайды\n {\"title\": \"МК \"Жас Отан\"\", \"text\": \"а\n\tб\", \"map\": 9,},\n]\n}";
    let p = check("legacy", legacy.as_bytes());
    assert!(p.value.is_ok(), "{:?}", p.value);
    for (name, full) in [("valid", valid), ("legacy", legacy)] {
        for k in 0..full.len() {
            check_truncated(name, full.as_bytes(), k);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Nesting.

#[test]
fn deep_nesting_is_an_error_at_the_first_level_too_deep() {
    const N: usize = 100_000;
    let deep = |open: &str, close: &str, closed: bool| {
        let mut s = open.repeat(N);
        if closed {
            s.push_str(&close.repeat(N));
        }
        s
    };
    let too_deep = format!("nesting deeper than {MAX_DEPTH} levels");
    // The level past MAX_DEPTH is the (MAX_DEPTH + 1)-th opening bracket.
    expect_err(
        "[ x100000",
        deep("[", "", false).as_bytes(),
        MAX_DEPTH,
        &too_deep,
    );
    expect_err(
        "[ ] x100000",
        deep("[", "]", true).as_bytes(),
        MAX_DEPTH,
        &too_deep,
    );
    expect_err(
        "{\"a\": x100000",
        deep("{\"a\":", "", false).as_bytes(),
        5 * MAX_DEPTH,
        &too_deep,
    );
    expect_err(
        "{\"a\": } x100000",
        deep("{\"a\":", "}", true).as_bytes(),
        5 * MAX_DEPTH,
        &too_deep,
    );
    // Mixed: `[{"a":` is two levels in six bytes; the level past MAX_DEPTH is a `[`.
    expect_err(
        "mixed x100000",
        deep("[{\"a\":", "}]", false).as_bytes(),
        6 * (MAX_DEPTH / 2),
        &too_deep,
    );
    expect_err(
        "mixed closed x100000",
        deep("[{\"a\":", "}]", true).as_bytes(),
        6 * (MAX_DEPTH / 2),
        &too_deep,
    );
    // Bare `{{{`: the second `{` is not a member name.
    expect_err(
        "{ x100000",
        deep("{", "", false).as_bytes(),
        1,
        "expected a member name in double quotes, found `{`",
    );

    // Exactly MAX_DEPTH levels is fine; one more is not.
    let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(check("[ ] x128", ok.as_bytes()).value.is_ok());
    let over = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    expect_err("[ ] x129", over.as_bytes(), MAX_DEPTH, &too_deep);
}

// ---------------------------------------------------------------------------------------
// 50 MB strings.

const BIG: usize = 50_000_000;
const HEAD: &str = r#"{"name": "1", "ID": "1.2", "content": [{"title": "big", "text": ""#;

#[test]
fn fifty_megabyte_string_is_read_exactly() {
    let unit = "Цифровой Казахстан — \"Жас Отан\" \\ 2025\t😀\n";
    let escaped = serde_json::to_string(unit).unwrap();
    let escaped = &escaped[1..escaped.len() - 1];
    let n = BIG / escaped.len() + 1;
    let mut doc = String::with_capacity(HEAD.len() + n * escaped.len() + 8);
    doc.push_str(HEAD);
    for _ in 0..n {
        doc.push_str(escaped);
    }
    doc.push_str("\"}]}");
    assert!(doc.len() > BIG);
    let p = json::parse(doc.as_bytes());
    let v = p.value.expect("a 50 MB string is valid JSON");
    assert!(
        p.repairs.is_empty(),
        "{:?}",
        &p.repairs[..p.repairs.len().min(3)]
    );
    let text = first_slide_text(&v.value);
    assert_eq!(text.len(), n * unit.len());
    assert!(text == unit.repeat(n), "the 50 MB text differs");
}

#[test]
fn fifty_megabyte_legacy_string_with_raw_breaks_and_quotes() {
    // As editors wrote it: raw line breaks and tabs, unescaped inner quotes.
    let unit = "Молодежное крыло МК \"Жас Отан\" —\tтекст\n";
    let n = BIG / unit.len() + 1;
    let mut doc = String::with_capacity(HEAD.len() + n * unit.len() + 8);
    doc.push_str(HEAD);
    for _ in 0..n {
        doc.push_str(unit);
    }
    doc.push_str("\"}]}");
    let p = json::parse(doc.as_bytes());
    let v = p.value.expect("a 50 MB legacy string is repaired");
    let text = first_slide_text(&v.value);
    assert_eq!(text.len(), n * unit.len());
    assert!(text == unit.repeat(n), "the 50 MB text differs");
    // Two unescaped quotes per unit, then one report each for the line breaks and tabs:
    // all counted, the first MAX_REPAIRS kept.
    assert_eq!(p.repairs.len(), MAX_REPAIRS);
    assert_eq!(p.repairs.len() + p.repairs_dropped, 2 * n + 2);
    assert!(p
        .repairs
        .iter()
        .all(|r| r.kind == RepairKind::UnescapedQuote));
}

#[test]
fn fifty_megabyte_unterminated_string_is_a_clear_error() {
    let unit = "Цифровой Казахстан 2025,\n";
    let mut doc = String::from(HEAD);
    let open = doc.len() - 1;
    doc.push_str(&unit.repeat(BIG / unit.len() + 1));
    expect_err(
        "unterminated-50MB.json",
        doc.as_bytes(),
        open,
        "this string is never closed (the file ends first)",
    );
}

// ---------------------------------------------------------------------------------------
// Random input.

#[test]
fn random_bytes() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..2000 {
        let len = rng.below(2000);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        check(&format!("random-{i}"), &bytes);
    }
}

/// JSON-ish token soup: valid UTF-8 that reaches deep into the reader.
#[test]
fn random_token_soup() {
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\\",
        "\\\"",
        "\\u",
        "\\ud83d",
        "\\ude00",
        "0",
        "-",
        "1",
        "e",
        "E",
        ".",
        "+",
        "true",
        "null",
        "fals",
        " ",
        "\n",
        "\r\n",
        "\r",
        "\t",
        "//",
        "/*",
        "*/",
        "/",
        "\0",
        "\u{1}",
        "\"ID\"",
        "\"content\"",
        "\"text\": \"",
        "МК",
        "«Нұр Отан»",
        "😀",
        "\u{feff}",
        "\u{2028}",
        "x",
    ];
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for i in 0..2000 {
        let len = rng.below(2000);
        let mut s = String::new();
        while s.len() < len {
            s.push_str(TOKENS[rng.below(TOKENS.len())]);
        }
        check(&format!("soup-{i}"), s.as_bytes());
    }
}

#[test]
fn random_mutations_of_the_seed() {
    const INSERTS: &[&[u8]] = &[
        b"\"",
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"//",
        b"/*",
        b"*/",
        b"\\",
        b"\n",
        b"\0",
        b"\xff",
        b"\xd0",
        b"-",
        b"1e",
        b"\"\n\"a\":",
        b"\", \"",
        b"\r\n",
        b"\xef\xbb\xbf",
    ];
    let seed = seed001();
    let mut rng = Rng(0xA076_1D64_78BD_642F);
    for i in 0..1000 {
        let mut b = seed.clone();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(b.len() + 1);
            match rng.below(5) {
                0 if at < b.len() => b[at] = rng.next() as u8,
                1 => {
                    let t = INSERTS[rng.below(INSERTS.len())];
                    b.splice(at..at, t.iter().copied());
                }
                2 => {
                    let end = (at + 1 + rng.below(64)).min(b.len());
                    b.drain(at.min(end)..end);
                }
                3 => {
                    let end = (at + rng.below(256)).min(b.len());
                    let dup = b[at.min(end)..end].to_vec();
                    b.splice(at..at, dup);
                }
                _ if at < b.len() => b[at] ^= 1 << rng.below(8),
                _ => {}
            }
        }
        check(&format!("seed001-mutant-{i}"), &b);
    }
}

#[test]
fn invalid_utf8_in_the_seed_at_a_known_position() {
    let seed = seed001();
    // The first Cyrillic letter of the first slide's text.
    let at = seed
        .windows(2)
        .position(|w| w == "П".as_bytes())
        .expect("a П in the seed");
    let mut lead = seed.clone();
    lead[at] = 0xFF;
    expect_err("seed001-ff", &lead, at, "invalid UTF-8 (byte 0xFF)");
    // A broken continuation byte: the character it belongs to is the error.
    let mut cont = seed.clone();
    cont[at + 1] = b'A';
    expect_err("seed001-cont", &cont, at, "invalid UTF-8 (byte 0xD0)");
    // A truncated character at the very end.
    let mut tail = seed.clone();
    tail.extend_from_slice(&"П".as_bytes()[..1]);
    expect_err(
        "seed001-tail",
        &tail,
        seed.len(),
        "invalid UTF-8 (byte 0xD0)",
    );
}

/// A dump through the BSON reader and the importer: no panic; an error carries a
/// message, an offset inside the input and the document number, and the importer
/// reports it as `NAME:@OFFSET (document N): error: …`; documents before it are read.
fn check_dump(name: &str, bytes: &[u8]) -> Option<ekran_legacy::dump::DumpError> {
    use ekran_legacy::dump;
    let (docs, err) = catch_unwind(AssertUnwindSafe(|| dump::read(bytes)))
        .unwrap_or_else(|_| panic!("dump::read panicked on {name}"));
    for d in &docs {
        check_ranges(name, &d.node, bytes.len());
    }
    let mut import = LegacyImport::new(Options::default());
    catch_unwind(AssertUnwindSafe(|| import.add_file(name, bytes)))
        .unwrap_or_else(|_| panic!("LegacyImport::add_file panicked on {name}"));
    for d in &import.diagnostics {
        assert!(d.render().starts_with(name), "{name}: {}", d.render());
    }
    if let Some(e) = &err {
        assert!(!e.message.trim().is_empty(), "{name}");
        assert!(e.offset <= bytes.len(), "{name}: {e:?}");
        assert_eq!(e.document, docs.len(), "{name}");
        let head = format!(
            "{name}:@{} (document {}): error: ",
            e.offset,
            e.document + 1
        );
        assert!(
            import
                .diagnostics
                .iter()
                .any(|d| d.is_error() && d.render().starts_with(&head)),
            "{name}: {head} not in {:?}",
            import.diagnostics
        );
    } else {
        assert!(!import.has_errors(), "{name}: {:?}", import.diagnostics);
    }
    err
}

#[test]
fn every_corrupt_dump_is_an_error_at_its_offset_and_document() {
    let dir = Path::new(FIXTURES).join("malformed_dump");
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    assert_eq!(check_dump("good.bson", &read("good.bson")), None);
    let first = 118; // bytes of the first document of good.bson
    for (file, offset, document, words) in [
        ("truncated.bson", first, 1, "truncated dump"),
        ("wrong_length.bson", first, 1, "document"),
        ("bad_type_byte.bson", first, 1, "malformed BSON document"),
        ("negative_length.bson", 0, 0, "wrong document length -20"),
        ("four_bytes.bson", 0, 0, "truncated dump"),
        (
            "string_length_past_document.bson",
            0,
            0,
            "malformed BSON document",
        ),
        ("invalid_utf8_string.bson", 0, 0, "malformed BSON document"),
        ("deep_nesting.bson", 0, 0, "nesting deeper than 128"),
    ] {
        let e = check_dump(file, &read(file)).unwrap_or_else(|| panic!("{file}: no error"));
        assert_eq!(
            (e.document, e.message.contains(words)),
            (document, true),
            "{file}: {e:?}"
        );
        if file != "deep_nesting.bson"
            && file != "string_length_past_document.bson"
            && file != "invalid_utf8_string.bson"
        {
            assert_eq!(e.offset, offset, "{file}: {e:?}");
        }
    }
}

#[test]
fn extended_json_reads_as_plain_values_and_odd_wrappers_stay_objects() {
    let mut import = LegacyImport::new(Options::default());
    let n = import.add_file(
        "extjson_lines.jsonl",
        &fixture("malformed/extjson_lines.jsonl"),
    );
    assert_eq!(n, 2);
    assert!(!import.has_errors(), "{:?}", import.diagnostics);
    // JSON Lines are not a defect: a note, no repair.
    assert_eq!(import.repairs, 0);
    let mut import = LegacyImport::new(Options::default());
    let n = import.add_file(
        "extjson_odd_wrappers.json",
        &fixture("malformed/extjson_odd_wrappers.json"),
    );
    // `"title": {"$numberLong": {...}}` is not a number: the wrapper stays an object,
    // which is an error where a string was expected; nothing panics.
    assert_eq!(n, 2);
    let codes: Vec<&str> = import.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"not_a_string"), "{codes:?}");
}
