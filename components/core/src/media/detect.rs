//! What a file is, from its first bytes (magic numbers), never from its name or the type
//! a client declared.

/// How many first bytes of a file [`detect`] needs at most to decide.
pub const HEAD_BYTES: usize = 64 * 1024;

/// Pictures or videos: each has its own size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Video,
}

impl Kind {
    /// `image`, `video`.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Video => "video",
        }
    }

    /// `pictures`, `videos` (for messages).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Image => "pictures",
            Kind::Video => "videos",
        }
    }
}

/// A file type the library accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Gif,
    Webp,
    Svg,
    Webm,
    /// Matroska other than WebM.
    Mkv,
    Mp4,
    /// QuickTime (`ftyp` brand `qt  `).
    Mov,
    Ogg,
}

impl Format {
    pub fn kind(self) -> Kind {
        match self {
            Format::Png | Format::Jpeg | Format::Gif | Format::Webp | Format::Svg => Kind::Image,
            _ => Kind::Video,
        }
    }

    /// The MIME type the file is served with.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Gif => "image/gif",
            Format::Webp => "image/webp",
            Format::Svg => "image/svg+xml",
            Format::Webm => "video/webm",
            Format::Mkv => "video/x-matroska",
            Format::Mp4 => "video/mp4",
            Format::Mov => "video/quicktime",
            Format::Ogg => "video/ogg",
        }
    }

    /// The file name extension of its media ref (`png`, `jpg`, `webm`…).
    pub fn ext(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Gif => "gif",
            Format::Webp => "webp",
            Format::Svg => "svg",
            Format::Webm => "webm",
            Format::Mkv => "mkv",
            Format::Mp4 => "mp4",
            Format::Mov => "mov",
            Format::Ogg => "ogv",
        }
    }

    /// Kind and MIME type of a file brought in by an import, from its name alone (the
    /// library did not look at its content): `None` for other extensions.
    pub fn from_ext(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        Some(match ext.as_str() {
            "png" => Format::Png,
            "jpg" | "jpeg" => Format::Jpeg,
            "gif" => Format::Gif,
            "webp" => Format::Webp,
            "svg" => Format::Svg,
            "webm" => Format::Webm,
            "mkv" => Format::Mkv,
            "mp4" | "m4v" => Format::Mp4,
            "mov" => Format::Mov,
            "ogv" | "ogg" => Format::Ogg,
            _ => return None,
        })
    }
}

/// What [`detect`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detected {
    /// An accepted picture or video.
    Accepted(Format),
    /// Not accepted; says what it looks like (`HTML text`, `a PDF document`,
    /// `unknown binary`).
    Refused(String),
    /// More bytes are needed to tell (only when `complete` was false).
    Undecided,
}

/// What the file starting with `head` is. `complete`: `head` is the whole file, or at
/// least [`HEAD_BYTES`] of it (then an undecided file is refused).
pub fn detect(head: &[u8], complete: bool) -> Detected {
    let complete = complete || head.len() >= HEAD_BYTES;
    let refused = |s: &str| Detected::Refused(s.to_owned());
    if head.is_empty() {
        return if complete {
            refused("an empty file")
        } else {
            Detected::Undecided
        };
    }
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Detected::Accepted(Format::Png);
    }
    if starts(b"\xff\xd8\xff") {
        return Detected::Accepted(Format::Jpeg);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Detected::Accepted(Format::Gif);
    }
    if starts(b"OggS") {
        return Detected::Accepted(Format::Ogg);
    }
    if starts(b"\x1a\x45\xdf\xa3") {
        return matroska(head, complete);
    }
    if head.len() < 12 && !complete {
        return Detected::Undecided;
    }
    if starts(b"RIFF") && head.len() >= 12 {
        return match &head[8..12] {
            b"WEBP" => Detected::Accepted(Format::Webp),
            b"AVI " => refused("an AVI video (not supported: use WebM or MP4)"),
            b"WAVE" => refused("WAV audio"),
            _ => refused("a RIFF file"),
        };
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return match &head[8..12] {
            b"qt  " => Detected::Accepted(Format::Mov),
            b"avif" | b"avis" => refused("an AVIF picture (not supported: use PNG, JPEG or WebP)"),
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"hevc" | b"heim" | b"heis" => {
                refused("a HEIF/HEIC picture (not supported: use PNG, JPEG or WebP)")
            }
            b"M4A " | b"M4B " | b"M4P " => refused("MP4 audio"),
            _ => Detected::Accepted(Format::Mp4),
        };
    }
    for (magic, what) in [
        (&b"%PDF"[..], "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive (or an office document)"),
        (b"\x1f\x8b", "gzip-compressed data"),
        (b"\x7fELF", "a Linux program (ELF)"),
        (b"MZ", "a Windows program"),
        (
            b"BM",
            "a BMP picture (not supported: use PNG, JPEG or WebP)",
        ),
        (
            b"II*\0",
            "a TIFF picture (not supported: use PNG, JPEG or WebP)",
        ),
        (
            b"MM\0*",
            "a TIFF picture (not supported: use PNG, JPEG or WebP)",
        ),
        (b"\0\0\x01\0", "an icon (ICO)"),
        (b"ID3", "MP3 audio"),
        (b"fLaC", "FLAC audio"),
        (b"SQLite format 3\0", "an SQLite database"),
        (b"\xd0\xcf\x11\xe0", "an old office document"),
    ] {
        if starts(magic) {
            return refused(what);
        }
    }
    text(head, complete)
}

/// EBML: WebM or other Matroska, by the DocType in its header.
fn matroska(head: &[u8], complete: bool) -> Detected {
    let window = &head[..head.len().min(64)];
    // DocType element: ID 0x4282, a one-byte size (0x8N), the text.
    if let Some(i) = window.windows(2).position(|w| w == [0x42, 0x82]) {
        let doc = window.get(i + 3..).unwrap_or_default();
        if doc.starts_with(b"webm") {
            return Detected::Accepted(Format::Webm);
        }
        if doc.starts_with(b"matroska") {
            return Detected::Accepted(Format::Mkv);
        }
    }
    if head.len() < 64 && !complete {
        return Detected::Undecided;
    }
    Detected::Refused("an EBML file that is neither WebM nor Matroska".into())
}

/// Text: SVG when, after an optional BOM, XML declaration, comments, processing
/// instructions and doctype, the first element is `<svg`; otherwise says what text it
/// is. Binary data that is not text: `unknown binary`.
fn text(head: &[u8], complete: bool) -> Detected {
    let s = match std::str::from_utf8(head) {
        Ok(s) => s,
        // Cut inside a character at the end of the head: the part before it.
        Err(e) if e.error_len().is_none() && !complete => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return Detected::Refused("unknown binary".into()),
    };
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
    {
        return Detected::Refused("unknown binary".into());
    }
    let mut rest = s.strip_prefix('\u{feff}').unwrap_or(s);
    loop {
        rest = rest.trim_start();
        let skip = |open: &str, close: &str, rest: &str| -> Option<Option<usize>> {
            rest.starts_with(open)
                .then(|| rest.find(close).map(|i| i + close.len()))
        };
        let found = skip("<?", "?>", rest)
            .or_else(|| skip("<!--", "-->", rest))
            .or_else(|| {
                (rest.len() >= 9 && rest[..9].eq_ignore_ascii_case("<!doctype")).then(|| {
                    if rest[9..]
                        .trim_start()
                        .to_ascii_lowercase()
                        .starts_with("html")
                    {
                        None
                    } else {
                        doctype_end(rest)
                    }
                })
            });
        match found {
            Some(Some(n)) => rest = &rest[n..],
            // Opened but not closed within the head.
            Some(None) if !complete => return Detected::Undecided,
            Some(None) => break,
            None => break,
        }
    }
    let lower: String = rest
        .chars()
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower.starts_with("<svg") {
        match lower.chars().nth(4) {
            Some(c) if c.is_whitespace() || c == '>' || c == '/' => {
                return Detected::Accepted(Format::Svg)
            }
            None if !complete => return Detected::Undecided,
            _ => {}
        }
    }
    if rest.is_empty() && !complete {
        return Detected::Undecided;
    }
    let what = if [
        "<!doctype html",
        "<html",
        "<head",
        "<body",
        "<script",
        "<meta",
        "<iframe",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
    {
        "HTML text"
    } else if lower.starts_with('<') || s.trim_start_matches('\u{feff}').starts_with("<?xml") {
        "XML text that is not SVG"
    } else if lower.starts_with('{') || lower.starts_with('[') {
        "JSON text"
    } else {
        "plain text"
    };
    Detected::Refused(what.to_owned())
}

/// The end of a `<!DOCTYPE …>` with an optional internal subset `[…]`.
fn doctype_end(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '>' if depth == 0 => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(b: &[u8]) -> Detected {
        detect(b, true)
    }

    #[test]
    fn knows_accepted_types_by_content() {
        use Format::*;
        let cases: [(&[u8], Format); 10] = [
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Png),
            (b"\xff\xd8\xff\xe0\0\x10JFIF", Jpeg),
            (b"GIF89a\x01\0\x01\0", Gif),
            (b"RIFF\x10\0\0\0WEBPVP8 ", Webp),
            (b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" [ <!ENTITY a 'b'> ]>\n<svg xmlns='http://www.w3.org/2000/svg'/>", Svg),
            (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm", Webm),
            (b"\x1a\x45\xdf\xa3\x93\x42\x82\x88matroska", Mkv),
            (b"\0\0\0\x20ftypisom\0\0\x02\0", Mp4),
            (b"\0\0\0\x14ftypqt  \0\0\0\0", Mov),
            (b"OggS\0\x02", Ogg),
        ];
        for (bytes, f) in cases {
            assert_eq!(fmt(bytes), Detected::Accepted(f), "{f:?}");
        }
    }

    #[test]
    fn names_what_refused_files_look_like() {
        let cases: [(&[u8], &str); 8] = [
            (
                b"<!DOCTYPE html><html><script>alert(1)</script>",
                "HTML text",
            ),
            (b"  <html><body>", "HTML text"),
            (b"<?xml version='1.0'?><svgx/>", "XML text that is not SVG"),
            (b"%PDF-1.7\n", "a PDF document"),
            (b"\0\0\0\0\0\0\0\0\0\0\0\0\0\0", "unknown binary"),
            (b"hello, world", "plain text"),
            (b"", "an empty file"),
            (
                b"\0\0\0\x20ftypheic\0\0",
                "a HEIF/HEIC picture (not supported: use PNG, JPEG or WebP)",
            ),
        ];
        for (bytes, what) in cases {
            assert_eq!(fmt(bytes), Detected::Refused(what.into()), "{what}");
        }
    }

    #[test]
    fn waits_for_more_bytes_only_when_it_cannot_tell() {
        assert_eq!(detect(b"\x89PNG", false), Detected::Undecided);
        assert_eq!(detect(b"<!-- a long comment", false), Detected::Undecided);
        assert_eq!(
            detect(b"<!-- a long comment", true),
            Detected::Refused("XML text that is not SVG".into())
        );
        assert_eq!(
            detect(b"\x89PNG\r\n\x1a\n", false),
            Detected::Accepted(Format::Png)
        );
        assert_eq!(
            detect(b"%PDF-1.7 and more", false),
            Detected::Refused("a PDF document".into())
        );
    }
}
