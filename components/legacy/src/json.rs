//! A tolerant JSON reader for hand-written legacy records.
//!
//! It accepts every valid JSON document and returns exactly what a strict parser would,
//! with no repairs reported. On top of that it repairs, and reports with a byte offset,
//! the defects editors of the legacy system left in their files:
//!
//! * a UTF-8 byte order mark and CRLF line ends;
//! * raw line breaks, tabs and other control characters inside strings (kept as text);
//! * unescaped `"` inside strings (`"title": "МК "Жас Отан""`): a quote closes a string
//!   only when what follows it continues the document (a `,` then a member name, a `}`,
//!   a `]`, or a new line that starts the next member); otherwise it is text;
//! * missing commas between members or elements, trailing and doubled commas;
//! * `//` and `/* */` comments (a `//` inside a string, such as a URL, stays text);
//! * invalid escapes (`\x` is kept as the two characters) and lone surrogates;
//! * several top-level records in one file, read as a list.
//!
//! Anything else is an error with its offset. The reader never panics, recursion is
//! bounded by [`MAX_DEPTH`], and memory grows linearly with the input: the work per byte
//! is bounded, including the look-ahead that decides about quotes ([`LOOKAHEAD`]).

/// Deepest nesting of objects and arrays accepted (legacy records nest four deep).
pub const MAX_DEPTH: usize = 128;
/// How far past a `"` the reader looks to decide whether it closes a string. When the
/// answer lies further away, the quote closes the string, as in strict JSON.
pub const LOOKAHEAD: usize = 4096;
/// Repairs kept per file; beyond this they are only counted.
pub const MAX_REPAIRS: usize = 10_000;

/// A parsed value with the byte range it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub start: usize,
    pub end: usize,
}

/// A JSON value, as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number's source text (valid JSON number syntax), so nothing is rounded.
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

/// One member of an object, in file order (repeated names are all kept).
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: String,
    /// Offset of the member name's opening `"`.
    pub key_start: usize,
    pub value: Node,
}

impl Value {
    /// The kind of value in words, for messages: `a string`, `a list`, `null`, …
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        }
    }
}

/// A defect that was repaired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepairKind {
    Bom,
    Crlf {
        lines: usize,
    },
    LineComment,
    BlockComment,
    TrailingComma,
    StrayComma,
    MissingComma,
    RawNewlines {
        count: usize,
    },
    RawTabs {
        count: usize,
    },
    ControlChar(char),
    UnescapedQuote,
    InvalidEscape(String),
    LoneSurrogate,
    TopLevelSequence,
    /// A string broken off by a line break where the next line starts a new member
    /// (`"key":`) or closes the object: the string ends at the line break.
    MissingQuote,
}

impl RepairKind {
    /// The stable diagnostic code of this repair (`missing_comma`, `bom`, …).
    pub fn code(&self) -> &'static str {
        match self {
            RepairKind::Bom => "bom",
            RepairKind::Crlf { .. } => "crlf",
            RepairKind::LineComment => "line_comment",
            RepairKind::BlockComment => "block_comment",
            RepairKind::TrailingComma => "trailing_comma",
            RepairKind::StrayComma => "stray_comma",
            RepairKind::MissingComma => "missing_comma",
            RepairKind::RawNewlines { .. } => "raw_newlines",
            RepairKind::RawTabs { .. } => "raw_tabs",
            RepairKind::ControlChar(_) => "control_char",
            RepairKind::UnescapedQuote => "unescaped_quote",
            RepairKind::InvalidEscape(_) => "invalid_escape",
            RepairKind::LoneSurrogate => "lone_surrogate",
            RepairKind::TopLevelSequence => "top_level_sequence",
            RepairKind::MissingQuote => "missing_quote",
        }
    }

    /// What was repaired and how, in one line.
    pub fn message(&self) -> String {
        match self {
            RepairKind::Bom => "UTF-8 byte order mark at the start of the file; ignored".into(),
            RepairKind::Crlf { lines } => {
                format!("CRLF line breaks inside strings ({lines}); kept as LF")
            }
            RepairKind::LineComment => "`//` comment; removed".into(),
            RepairKind::BlockComment => "`/* */` comment; removed".into(),
            RepairKind::TrailingComma => "trailing comma; removed".into(),
            RepairKind::StrayComma => "extra comma; removed".into(),
            RepairKind::MissingComma => "missing comma; inserted".into(),
            RepairKind::RawNewlines { count } => format!(
                "string continues over {} lines (raw line breaks kept as line breaks)",
                count + 1
            ),
            RepairKind::RawTabs { count } => {
                format!("{count} raw tab character(s) inside a string; kept as tabs")
            }
            RepairKind::ControlChar(c) => format!(
                "raw control character U+{:04X} inside a string; kept",
                u32::from(*c)
            ),
            RepairKind::UnescapedQuote => {
                "unescaped double quote inside a string; kept as text".into()
            }
            RepairKind::InvalidEscape(e) => {
                format!(
                    "invalid escape `{}` inside a string; kept as text",
                    e.escape_debug()
                )
            }
            RepairKind::LoneSurrogate => {
                "unpaired UTF-16 surrogate escape; replaced with U+FFFD".into()
            }
            RepairKind::TopLevelSequence => {
                "several top-level values without enclosing [ ]; read as a list".into()
            }
            RepairKind::MissingQuote => {
                "missing closing quote: the next line starts a new member, so the string ends at the line break".into()
            }
        }
    }
}

/// A repaired defect and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    pub offset: usize,
    pub kind: RepairKind,
}

/// Why a document could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    /// The stable diagnostic code: `invalid_utf8`, `empty_file`, `nesting_too_deep`, or
    /// `json_syntax` for everything else.
    pub code: &'static str,
    pub message: String,
}

/// The outcome of reading one file.
#[derive(Debug)]
pub struct Parsed {
    pub value: Result<Node, ParseError>,
    /// Repairs in file order (at most [`MAX_REPAIRS`]).
    pub repairs: Vec<Repair>,
    /// Repairs beyond [`MAX_REPAIRS`], counted but not kept.
    pub repairs_dropped: usize,
}

/// Reads one document from raw file bytes. Offsets refer to `bytes` as given.
pub fn parse(bytes: &[u8]) -> Parsed {
    let mut p = Parser {
        b: bytes,
        s: "",
        i: 0,
        repairs: Vec::new(),
        dropped: 0,
        depth: 0,
        crlf: 0,
        first_crlf: 0,
    };
    let value = p.document();
    if p.crlf > 0 {
        let (at, lines) = (p.first_crlf, p.crlf);
        p.repair(at, RepairKind::Crlf { lines });
    }
    let mut repairs = p.repairs;
    repairs.sort_by_key(|r| r.offset);
    Parsed {
        value,
        repairs,
        repairs_dropped: p.dropped,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Top,
    Key,
    ObjectValue,
    ArrayElement,
}

struct Parser<'a> {
    b: &'a [u8],
    /// The same input as text, once it is known to be UTF-8 (slicing it at ASCII
    /// positions is free and never re-validates).
    s: &'a str,
    i: usize,
    /// CRLF pairs inside strings, and where the first one was.
    crlf: usize,
    first_crlf: usize,
    repairs: Vec<Repair>,
    dropped: usize,
    depth: usize,
}

type R<T> = Result<T, ParseError>;

fn describe(b: &[u8], i: usize) -> String {
    match b.get(i) {
        None => "the end of the file".into(),
        Some(_) => {
            let c = std::str::from_utf8(&b[i..b.len().min(i + 4)])
                .ok()
                .or_else(|| {
                    (1..4)
                        .rev()
                        .find_map(|n| std::str::from_utf8(&b[i..b.len().min(i + n)]).ok())
                })
                .and_then(|s| s.chars().next());
            match c {
                Some(c) if c.is_control() => format!("U+{:04X}", u32::from(c)),
                Some(c) => format!("`{c}`"),
                None => format!("byte 0x{:02X}", b[i]),
            }
        }
    }
}

fn is_value_start(c: u8) -> bool {
    matches!(
        c,
        b'"' | b'{' | b'[' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
    )
}

impl<'a> Parser<'a> {
    fn err<T>(&self, offset: usize, message: impl Into<String>) -> R<T> {
        self.err_code(offset, "json_syntax", message)
    }

    fn err_code<T>(&self, offset: usize, code: &'static str, message: impl Into<String>) -> R<T> {
        Err(ParseError {
            offset,
            code,
            message: message.into(),
        })
    }

    fn repair(&mut self, offset: usize, kind: RepairKind) {
        if self.repairs.len() < MAX_REPAIRS {
            self.repairs.push(Repair { offset, kind });
        } else {
            self.dropped += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn document(&mut self) -> R<Node> {
        match std::str::from_utf8(self.b) {
            Ok(s) => self.s = s,
            Err(e) => {
                let at = e.valid_up_to();
                return self.err_code(
                    at,
                    "invalid_utf8",
                    format!(
                        "invalid UTF-8 (byte 0x{:02X}); save the file as UTF-8",
                        self.b[at]
                    ),
                );
            }
        }
        if self.b.starts_with(b"\xEF\xBB\xBF") {
            self.repair(0, RepairKind::Bom);
            self.i = 3;
        }
        self.ws()?;
        if self.peek().is_none() {
            return self.err_code(
                self.i,
                "empty_file",
                "the file is empty: expected a record `{ ... }` or a list `[ ... ]`",
            );
        }
        let first = self.value(Ctx::Top)?;
        self.ws()?;
        if self.peek().is_none() {
            return Ok(first);
        }
        // More after the first value: `{..}{..}` or `{..},{..}` is a list without brackets.
        let c = self.b[self.i];
        if c != b',' && !is_value_start(c) {
            return self.err(
                self.i,
                format!(
                    "unexpected {} after the end of the document",
                    describe(self.b, self.i)
                ),
            );
        }
        self.repair(self.i, RepairKind::TopLevelSequence);
        let start = first.start;
        let mut items = vec![first];
        loop {
            self.ws()?;
            match self.peek() {
                None => break,
                Some(b',') => {
                    self.i += 1;
                }
                Some(c) if is_value_start(c) => {
                    let v = self.value(Ctx::Top)?;
                    items.push(v);
                }
                Some(_) => {
                    return self.err(
                        self.i,
                        format!(
                            "unexpected {} between top-level values",
                            describe(self.b, self.i)
                        ),
                    )
                }
            }
        }
        Ok(Node {
            value: Value::Array(items),
            start,
            end: self.i,
        })
    }

    /// Skips whitespace and comments, reporting each comment.
    fn ws(&mut self) -> R<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.i += 1,
                Some(b'/') => match self.b.get(self.i + 1) {
                    Some(b'/') => {
                        self.repair(self.i, RepairKind::LineComment);
                        self.i = match self.b[self.i..].iter().position(|&c| c == b'\n') {
                            Some(n) => self.i + n,
                            None => self.b.len(),
                        };
                    }
                    Some(b'*') => {
                        let start = self.i;
                        self.repair(start, RepairKind::BlockComment);
                        match self.b[start + 2..].windows(2).position(|w| w == b"*/") {
                            Some(n) => self.i = start + 2 + n + 2,
                            None => {
                                return self.err(start, "`/*` comment is never closed with `*/`")
                            }
                        }
                    }
                    _ => {
                        return self.err(
                            self.i,
                            "unexpected `/` (a comment starts with `//` or `/*`)",
                        )
                    }
                },
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self, ctx: Ctx) -> R<Node> {
        self.ws()?;
        let start = self.i;
        let value = match self.peek() {
            None => return self.err(self.i, "unexpected end of file: expected a value"),
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => Value::String(self.string(ctx)?),
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(b't' | b'f' | b'n' | b'T' | b'F' | b'N') => self.literal()?,
            Some(_) => {
                return self.err(
                    self.i,
                    format!("unexpected {}: expected a value", describe(self.b, self.i)),
                )
            }
        };
        Ok(Node {
            value,
            start,
            end: self.i,
        })
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err_code(
                self.i,
                "nesting_too_deep",
                format!("nesting deeper than {MAX_DEPTH} levels"),
            );
        }
        Ok(())
    }

    fn object(&mut self) -> R<Value> {
        self.enter()?;
        let open = self.i;
        self.i += 1;
        let mut members = Vec::new();
        loop {
            self.ws()?;
            match self.peek() {
                None => return self.err(open, "this `{` is never closed (the file ends first)"),
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                Some(b',') => {
                    self.repair(self.i, RepairKind::StrayComma);
                    self.i += 1;
                }
                Some(b'"') => {
                    let key_start = self.i;
                    let key = self.string(Ctx::Key)?;
                    self.ws()?;
                    if self.peek() != Some(b':') {
                        return self.err(
                            self.i,
                            format!(
                                "expected `:` after member name {key:?}, found {}",
                                describe(self.b, self.i)
                            ),
                        );
                    }
                    self.i += 1;
                    let value = self.value(Ctx::ObjectValue)?;
                    let value_end = self.i;
                    members.push(Member {
                        key,
                        key_start,
                        value,
                    });
                    self.ws()?;
                    match self.peek() {
                        Some(b',') => {
                            let comma = self.i;
                            self.i += 1;
                            self.ws()?;
                            if self.peek() == Some(b'}') {
                                self.repair(comma, RepairKind::TrailingComma);
                            }
                        }
                        Some(b'}') | None => {}
                        Some(b'"') => self.repair(value_end, RepairKind::MissingComma),
                        Some(_) => {
                            return self.err(
                                self.i,
                                format!(
                                    "expected `,` or `}}` after a member, found {}",
                                    describe(self.b, self.i)
                                ),
                            )
                        }
                    }
                }
                Some(_) => {
                    return self.err(
                        self.i,
                        format!(
                            "expected a member name in double quotes, found {}",
                            describe(self.b, self.i)
                        ),
                    )
                }
            }
        }
        self.depth -= 1;
        Ok(Value::Object(members))
    }

    fn array(&mut self) -> R<Value> {
        self.enter()?;
        let open = self.i;
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.ws()?;
            match self.peek() {
                None => return self.err(open, "this `[` is never closed (the file ends first)"),
                Some(b']') => {
                    self.i += 1;
                    break;
                }
                Some(b',') => {
                    self.repair(self.i, RepairKind::StrayComma);
                    self.i += 1;
                }
                Some(_) => {
                    let v = self.value(Ctx::ArrayElement)?;
                    let end = self.i;
                    items.push(v);
                    self.ws()?;
                    match self.peek() {
                        Some(b',') => {
                            let comma = self.i;
                            self.i += 1;
                            self.ws()?;
                            if self.peek() == Some(b']') {
                                self.repair(comma, RepairKind::TrailingComma);
                            }
                        }
                        Some(b']') | None => {}
                        Some(c) if is_value_start(c) => self.repair(end, RepairKind::MissingComma),
                        Some(_) => {
                            return self.err(
                                self.i,
                                format!(
                                    "expected `,` or `]` after a list element, found {}",
                                    describe(self.b, self.i)
                                ),
                            )
                        }
                    }
                }
            }
        }
        self.depth -= 1;
        Ok(Value::Array(items))
    }

    fn number(&mut self) -> R<Value> {
        let start = self.i;
        let b = self.b;
        let mut j = self.i;
        if b.get(j) == Some(&b'-') {
            j += 1;
        }
        let int_start = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        let int_len = j - int_start;
        let mut ok = int_len > 0 && !(int_len > 1 && b[int_start] == b'0');
        if b.get(j) == Some(&b'.') {
            j += 1;
            let f = j;
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            ok &= j > f;
        }
        if matches!(b.get(j), Some(b'e' | b'E')) {
            j += 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            let e = j;
            while b.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            ok &= j > e;
        }
        // A number runs into letters or digits: `12abc`, `1.2.3`.
        if b.get(j)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.')
        {
            ok = false;
            while b
                .get(j)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.')
            {
                j += 1;
            }
        }
        if !ok {
            let text = String::from_utf8_lossy(&b[start..j]);
            return self.err(start, format!("malformed number `{text}`"));
        }
        self.i = j;
        Ok(Value::Number(
            String::from_utf8_lossy(&b[start..j]).into_owned(),
        ))
    }

    fn literal(&mut self) -> R<Value> {
        let rest = &self.b[self.i..];
        for (word, v) in [
            ("true", Value::Bool(true)),
            ("false", Value::Bool(false)),
            ("null", Value::Null),
        ] {
            if rest.starts_with(word.as_bytes())
                && !rest
                    .get(word.len())
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
            {
                self.i += word.len();
                return Ok(v);
            }
        }
        let n = rest
            .iter()
            .take(40)
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count()
            .max(1);
        let word = String::from_utf8_lossy(&rest[..n]);
        self.err(
            self.i,
            format!("unexpected word `{word}`: expected a value (strings need double quotes)"),
        )
    }

    /// Reads a string starting at the opening quote.
    fn string(&mut self, ctx: Ctx) -> R<String> {
        let b = self.b;
        let open = self.i;
        self.i += 1;
        let mut out = String::new();
        let mut seg = self.i;
        let mut newlines = 0usize;
        let mut first_newline = 0usize;
        let mut tabs = 0usize;
        let mut first_tab = 0usize;
        // The first quote judged to be text: if the string never closes, it closes there.
        let mut first_rejected: Option<(usize, usize, usize)> = None;
        // `seg` and `self.i` only ever stop on ASCII bytes, which are character
        // boundaries of the (already validated) text, so this slicing cannot fail.
        let src = self.s;
        let text = |from: usize, to: usize| src.get(from..to).unwrap_or("");
        loop {
            while self.i < b.len() && !matches!(b[self.i], b'"' | b'\\' | 0..=0x1F) {
                self.i += 1;
            }
            let Some(&c) = b.get(self.i) else {
                if let Some((q, out_len, repairs_len)) = first_rejected {
                    // Close at the first quote we took for text and let the caller report
                    // whatever follows.
                    out.truncate(out_len);
                    self.repairs.truncate(repairs_len);
                    self.i = q + 1;
                    return Ok(out);
                }
                return self.err(open, "this string is never closed (the file ends first)");
            };
            match c {
                b'"' => {
                    if self.closes_here(ctx) {
                        out.push_str(text(seg, self.i));
                        self.i += 1;
                        break;
                    }
                    out.push_str(text(seg, self.i));
                    if first_rejected.is_none() {
                        first_rejected = Some((self.i, out.len(), self.repairs.len()));
                    }
                    self.repair(self.i, RepairKind::UnescapedQuote);
                    self.i += 1;
                    seg = self.i - 1;
                }
                b'\\' => {
                    out.push_str(text(seg, self.i));
                    self.escape(&mut out);
                    seg = self.i;
                }
                b'\n' => {
                    if ctx == Ctx::ObjectValue && self.member_or_close_follows(self.i) {
                        // `"title": "text,⏎ "next": …`: the closing quote is missing.
                        // End the string at the line break; a comma the editor put
                        // after the text was meant to separate the members.
                        let mut end = self.i;
                        while end > seg && matches!(b[end - 1], b' ' | b'\t' | b'\r') {
                            end -= 1;
                        }
                        let comma = end > seg && b[end - 1] == b',';
                        if comma {
                            end -= 1;
                        }
                        out.push_str(text(seg, end));
                        self.repair(self.i, RepairKind::MissingQuote);
                        self.i = if comma { end } else { self.i };
                        break;
                    }
                    if newlines == 0 {
                        first_newline = self.i;
                    }
                    newlines += 1;
                    self.i += 1;
                }
                b'\r' if b.get(self.i + 1) == Some(&b'\n') => {
                    // CRLF inside a string becomes LF (reported once per file).
                    if self.crlf == 0 {
                        self.first_crlf = self.i;
                    }
                    self.crlf += 1;
                    out.push_str(text(seg, self.i));
                    self.i += 1;
                    seg = self.i;
                }
                b'\t' => {
                    if tabs == 0 {
                        first_tab = self.i;
                    }
                    tabs += 1;
                    self.i += 1;
                }
                _ => {
                    self.repair(self.i, RepairKind::ControlChar(char::from(c)));
                    self.i += 1;
                }
            }
        }
        if newlines > 0 {
            self.repair(first_newline, RepairKind::RawNewlines { count: newlines });
        }
        if tabs > 0 {
            self.repair(first_tab, RepairKind::RawTabs { count: tabs });
        }
        Ok(out)
    }

    fn escape(&mut self, out: &mut String) {
        let b = self.b;
        let at = self.i;
        let simple = match b.get(at + 1) {
            Some(b'"') => Some('"'),
            Some(b'\\') => Some('\\'),
            Some(b'/') => Some('/'),
            Some(b'b') => Some('\u{8}'),
            Some(b'f') => Some('\u{c}'),
            Some(b'n') => Some('\n'),
            Some(b'r') => Some('\r'),
            Some(b't') => Some('\t'),
            _ => None,
        };
        if let Some(ch) = simple {
            out.push(ch);
            self.i += 2;
            return;
        }
        if b.get(at + 1) == Some(&b'u') {
            if let Some(hi) = hex4(b, at + 2) {
                self.i = at + 6;
                if (0xD800..0xDC00).contains(&hi) {
                    if b.get(self.i) == Some(&b'\\') && b.get(self.i + 1) == Some(&b'u') {
                        if let Some(lo) =
                            hex4(b, self.i + 2).filter(|lo| (0xDC00..0xE000).contains(lo))
                        {
                            let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                            self.i += 6;
                            return;
                        }
                    }
                    self.repair(at, RepairKind::LoneSurrogate);
                    out.push('\u{FFFD}');
                    return;
                }
                if (0xDC00..0xE000).contains(&hi) {
                    self.repair(at, RepairKind::LoneSurrogate);
                    out.push('\u{FFFD}');
                    return;
                }
                out.push(char::from_u32(hi).unwrap_or('\u{FFFD}'));
                return;
            }
        }
        // Not an escape: keep the backslash as text. The character after it (if any) is
        // left for the string loop, so quotes and line breaks are still judged normally.
        let shown: String = std::str::from_utf8(&b[at..b.len().min(at + 6)])
            .unwrap_or("\\")
            .chars()
            .take(2)
            .collect();
        self.repair(at, RepairKind::InvalidEscape(shown));
        out.push('\\');
        self.i += 1;
    }

    /// Whether the line after the line break at `nl` starts a new member (`"key":`) or
    /// closes the object (`}`): then a string still open at `nl` lacks its closing
    /// quote. Looks at that line only (bounded by [`LOOKAHEAD`]).
    fn member_or_close_follows(&self, nl: usize) -> bool {
        let b = self.b;
        let limit = b.len().min(nl + 1 + LOOKAHEAD);
        let mut j = nl + 1;
        while j < limit && matches!(b[j], b' ' | b'\t' | b'\r') {
            j += 1;
        }
        match b.get(j) {
            Some(b'}') => {
                // Only `}` then `,`, `]`, `}` or the end: a line of text may start
                // with a brace too.
                let mut k = j + 1;
                while k < limit && matches!(b[k], b' ' | b'\t' | b'\r' | b'\n') {
                    k += 1;
                }
                matches!(b.get(k), None | Some(b',' | b']' | b'}'))
            }
            Some(b'"') => key_follows(b, j, limit) && self.key_line_complete(j, limit),
            _ => false,
        }
    }

    /// Whether the member starting at `j` (`"key":`) has a value that starts on the
    /// same line, as a member written by hand does.
    fn key_line_complete(&self, j: usize, limit: usize) -> bool {
        let b = self.b;
        let Some(colon) = b[j + 1..limit].iter().position(|&c| c == b':') else {
            return false;
        };
        let mut k = j + 1 + colon + 1;
        while k < limit && matches!(b[k], b' ' | b'\t') {
            k += 1;
        }
        b.get(k).is_some_and(|&c| is_value_start(c))
    }

    /// Whether the `"` at `self.i` ends the string being read in context `ctx`.
    fn closes_here(&self, ctx: Ctx) -> bool {
        let b = self.b;
        let limit = b.len().min(self.i + 1 + LOOKAHEAD);
        match ctx {
            Ctx::Top | Ctx::Key => return true,
            Ctx::ObjectValue | Ctx::ArrayElement => {}
        }
        let Some((j, newline)) = skip_ws_bounded(b, self.i + 1, limit) else {
            return true;
        };
        let Some(&c) = b.get(j) else { return true };
        match (ctx, c) {
            (Ctx::ObjectValue, b'}') | (Ctx::ArrayElement, b']') => true,
            (_, b',') => {
                let Some((k, _)) = skip_ws_bounded(b, j + 1, limit) else {
                    return true;
                };
                match (ctx, b.get(k)) {
                    (_, None) => true,
                    (Ctx::ObjectValue, Some(b'}')) => true,
                    (Ctx::ObjectValue, Some(b'"')) => key_follows(b, k, limit),
                    (Ctx::ArrayElement, Some(&c)) => c == b']' || is_value_start(c),
                    _ => false,
                }
            }
            (Ctx::ObjectValue, b'"') if newline => key_follows(b, j, limit),
            (Ctx::ArrayElement, c) if newline => is_value_start(c),
            _ => false,
        }
    }
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    let s = std::str::from_utf8(s).ok()?;
    if !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// Skips whitespace and comments from `j`; returns where the next token starts and
/// whether a line break was crossed, or `None` when `limit` was reached first.
fn skip_ws_bounded(b: &[u8], mut j: usize, limit: usize) -> Option<(usize, bool)> {
    let mut newline = false;
    loop {
        if j >= limit {
            return if j >= b.len() {
                Some((j, newline))
            } else {
                None
            };
        }
        match b[j] {
            b'\n' => {
                newline = true;
                j += 1;
            }
            b' ' | b'\t' | b'\r' => j += 1,
            b'/' if b.get(j + 1) == Some(&b'/') => {
                while j < limit && b[j] != b'\n' {
                    j += 1;
                }
            }
            b'/' if b.get(j + 1) == Some(&b'*') => {
                let n = b[j + 2..limit.max(j + 2)]
                    .windows(2)
                    .position(|w| w == b"*/")?;
                j += 2 + n + 2;
            }
            _ => return Some((j, newline)),
        }
    }
}

/// Whether a member name (`"name"` then `:`) starts at `j`.
fn key_follows(b: &[u8], j: usize, limit: usize) -> bool {
    let mut k = j + 1;
    loop {
        if k >= limit {
            return true;
        }
        match b[k] {
            b'\\' => k += 2,
            b'"' => break,
            b'\n' => return false,
            _ => k += 1,
        }
    }
    match skip_ws_bounded(b, k + 1, limit) {
        None => true,
        Some((m, _)) => b.get(m) == Some(&b':'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> (Value, Vec<RepairKind>) {
        let p = parse(src.as_bytes());
        let v = p.value.unwrap_or_else(|e| panic!("{e:?}"));
        (v.value, p.repairs.into_iter().map(|r| r.kind).collect())
    }

    fn s(v: &Value, key: &str) -> String {
        let Value::Object(m) = v else {
            panic!("not an object")
        };
        match &m.iter().find(|m| m.key == key).unwrap().value.value {
            Value::String(s) => s.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unescaped_quotes_stay_text() {
        let (v, r) =
            ok("{\"title\": \"Председатель МК \"Жас Отан\"\",\n \"text\": \"МК\"Жас Отан\"\"\n}");
        assert_eq!(s(&v, "title"), "Председатель МК \"Жас Отан\"");
        assert_eq!(s(&v, "text"), "МК\"Жас Отан\"");
        assert_eq!(
            r.iter()
                .filter(|k| **k == RepairKind::UnescapedQuote)
                .count(),
            4
        );
    }

    #[test]
    fn missing_comma_comment_trailing_comma() {
        let (v, r) =
            ok("{\n \"name\": \"1\"\n \"url\": \"http://x//y\", // note\n \"n\": [1, 2,],\n}");
        assert_eq!(s(&v, "url"), "http://x//y");
        assert_eq!(
            r,
            [
                RepairKind::MissingComma,
                RepairKind::LineComment,
                RepairKind::TrailingComma,
                RepairKind::TrailingComma
            ]
        );
    }

    #[test]
    fn raw_newlines_tabs_and_crlf() {
        let (v, r) = ok("\u{feff}{\"t\": \"a\r\n\tb\nc\"}\r\n");
        assert_eq!(s(&v, "t"), "a\n\tb\nc");
        assert_eq!(
            r,
            [
                RepairKind::Bom,
                RepairKind::Crlf { lines: 1 },
                RepairKind::RawNewlines { count: 2 },
                RepairKind::RawTabs { count: 1 }
            ]
        );
    }

    #[test]
    fn errors_have_offsets() {
        let p = parse(b"{\"a\": \"x\"");
        assert_eq!(p.value.unwrap_err().offset, 0);
        let p = parse(b"{\"a\": tru }");
        let e = p.value.unwrap_err();
        assert_eq!(e.offset, 6);
        assert!(e.message.contains("`tru`"), "{}", e.message);
        let p = parse(b"{\"a\": 1} x");
        assert_eq!(p.value.unwrap_err().offset, 9);
        let p = parse(b"\"ok\xff\"");
        let e = p.value.unwrap_err();
        assert_eq!(e.offset, 3);
        assert!(e.message.contains("invalid UTF-8"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        let e = parse(deep.as_bytes()).value.unwrap_err();
        assert!(e.message.contains("nesting deeper"), "{}", e.message);
    }

    #[test]
    fn invalid_escape_kept_and_surrogates() {
        let (v, r) = ok(r#"{"p": "C:\img\x", "e": "\ud83d\ude00 \ud800"}"#);
        assert_eq!(s(&v, "p"), r"C:\img\x");
        assert_eq!(s(&v, "e"), "😀 \u{FFFD}");
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn a_string_missing_its_closing_quote_ends_at_the_line_break() {
        let src = "{\"content\":[{\n \"title\": \"Заголовок без кавычки,\n \"text\": \"Текст слайда\",\n \"map\": \"\"}]}";
        let p = parse(src.as_bytes());
        let v = p.value.unwrap();
        let Value::Object(m) = &v.value else { panic!() };
        let Value::Array(slides) = &m[0].value.value else {
            panic!()
        };
        assert_eq!(s(&slides[0].value, "title"), "Заголовок без кавычки");
        assert_eq!(s(&slides[0].value, "text"), "Текст слайда");
        let kinds: Vec<_> = p.repairs.iter().map(|r| &r.kind).collect();
        assert_eq!(kinds, [&RepairKind::MissingQuote]);
        // Before a closing brace, and without a comma (which is then missing too).
        let (v, r) = ok("{\"a\": \"x\n}");
        assert_eq!(s(&v, "a"), "x");
        assert_eq!(r, [RepairKind::MissingQuote]);
        // Text lines that only look alike stay text.
        let (v, r) = ok("{\"a\": \"line\n\"Цель\": повысить\n} end\"}");
        assert_eq!(s(&v, "a"), "line\n\"Цель\": повысить\n} end");
        assert!(!r.contains(&RepairKind::MissingQuote), "{r:?}");
    }

    #[test]
    fn concatenated_records_become_a_list() {
        let (v, r) = ok("{\"a\":1}\n{\"a\":2}");
        assert!(matches!(v, Value::Array(ref a) if a.len() == 2));
        assert_eq!(r, [RepairKind::TopLevelSequence]);
    }
}
