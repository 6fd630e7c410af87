//! MongoDB dumps: a `mongodump` collection file (`old.bson`: BSON documents one after
//! another), optionally gzip-compressed (`old.bson.gz`, `mongodump --gzip`), read into
//! the same [`json::Node`] trees the text reader gives, so both go through one record
//! reader. Offsets are byte offsets in the (decompressed) dump.
//!
//! BSON values become: strings, booleans and null as themselves; 32- and 64-bit
//! integers and finite doubles numbers; an ObjectId its 24 hex digits; a date its
//! milliseconds since 1970; a Decimal128 its text. Other BSON types (binary data,
//! regular expressions, code, timestamps, min/max keys) carry no legacy content and
//! read as null.
//!
//! Corrupt input is an error naming the byte offset and the 0-based document number
//! (a length below 5 or past the end of the file, a document not ending with its zero
//! byte, an unknown type byte, a string that is not UTF-8, nesting deeper than
//! [`json::MAX_DEPTH`]); the reader never panics.

use std::io::Read;

use bson::{RawArray, RawBsonRef, RawDocument};

use crate::json::{self, Member, Node, Value};

/// One document of a dump.
#[derive(Debug)]
pub struct Doc {
    /// Byte offset of its length field.
    pub offset: usize,
    pub node: Node,
}

/// Why a dump could not be read (further).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpError {
    /// Byte offset in the (decompressed) dump.
    pub offset: usize,
    /// 0-based number of the document.
    pub document: usize,
    pub message: String,
}

/// The gzip magic number.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Decompresses a gzip file (all members), refusing more than `limit` bytes of output:
/// decompression stops as soon as the output passes `limit`, and the output buffer
/// never grows past `limit` bytes, so a gzip bomb costs at most `limit` bytes of memory.
pub fn gunzip(bytes: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut dec = flate2::read::MultiGzDecoder::new(bytes);
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match dec.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("cannot decompress this gzip file: {e}")),
        };
        if out.len() + n > limit {
            return Err(format!(
                "decompressed, this file is larger than {} MiB; ekran reads at most that",
                limit >> 20
            ));
        }
        if out.capacity() - out.len() < n {
            // Grows by doubling, but never past the limit.
            let want = (out.capacity() * 2).max(out.len() + n).min(limit);
            out.reserve_exact(want - out.len());
        }
        out.extend_from_slice(&buf[..n]);
    }
    Ok(out)
}

/// Whether `bytes` look like BSON documents rather than text: the first four bytes,
/// as a little-endian length, fit the file and end on a zero byte, and a known type
/// byte follows.
pub fn looks_like_bson(bytes: &[u8]) -> bool {
    let Some(head) = bytes.get(..4) else {
        return false;
    };
    let len = i32::from_le_bytes(head.try_into().expect("4 bytes")) as i64;
    len >= 5
        && len as usize <= bytes.len()
        && bytes[len as usize - 1] == 0
        && matches!(bytes[4], 0x00..=0x13 | 0x7f | 0xff)
}

/// Reads every document of a dump; stops at the first corrupt one (the documents
/// before it are returned with the error). Holds every document at once: see
/// [`read_each`] for one at a time.
pub fn read(bytes: &[u8]) -> (Vec<Doc>, Option<DumpError>) {
    let mut docs = Vec::new();
    let (_, e) = read_each(bytes, |d| docs.push(d));
    (docs, e)
}

/// Hands each document of a dump to `each`, in order, one at a time (so only one
/// document's tree is held at once); stops at the first corrupt one. Returns the
/// number of documents read and the error, if any.
pub fn read_each(bytes: &[u8], mut each: impl FnMut(Doc)) -> (usize, Option<DumpError>) {
    let mut count = 0usize;
    let mut at = 0usize;
    while at < bytes.len() {
        let document = count;
        let fail = |offset: usize, message: String| {
            Some(DumpError {
                offset,
                document,
                message,
            })
        };
        let rest = bytes.len() - at;
        if rest < 5 {
            return (
                count,
                fail(
                    at,
                    format!("truncated dump: {rest} byte(s) left where a document (at least 5 bytes) should start"),
                ),
            );
        }
        let len = i32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        if len < 5 {
            return (
                count,
                fail(
                    at,
                    format!("wrong document length {len} (a BSON document has at least 5 bytes)"),
                ),
            );
        }
        let len = len as usize;
        if len > rest {
            return (
                count,
                fail(
                    at,
                    format!("truncated dump: the document says it has {len} bytes but only {rest} remain (the file was cut off?)"),
                ),
            );
        }
        if bytes[at + len - 1] != 0 {
            return (
                count,
                fail(
                    at,
                    format!("wrong document length {len}: no zero byte where the document should end (byte {})", at + len - 1),
                ),
            );
        }
        let slice = &bytes[at..at + len];
        let conv = RawDocument::from_bytes(slice)
            .map_err(|e| (at, e.to_string()))
            .and_then(|d| document_node(bytes, d, 0));
        match conv {
            Ok(node) => each(Doc { offset: at, node }),
            Err((offset, e)) => {
                return (
                    count,
                    fail(offset, format!("malformed BSON document: {}", clean(&e))),
                )
            }
        }
        count += 1;
        at += len;
    }
    (count, None)
}

/// The bson crate's message without its `BSON error` frame.
fn clean(e: &str) -> String {
    e.trim_start_matches("BSON error")
        .trim_start_matches('.')
        .trim()
        .trim_end_matches('.')
        .replace(". Kind: ", ": ")
        .replace("Kind: ", "")
        .replace(". Message: ", ": ")
}

/// Byte offset of `part` inside `base` (both from the one dump).
fn offset_in(base: &[u8], part: *const u8) -> usize {
    (part as usize)
        .saturating_sub(base.as_ptr() as usize)
        .min(base.len())
}

type Conv<T> = Result<T, (usize, String)>;

fn document_node(base: &[u8], d: &RawDocument, depth: usize) -> Conv<Node> {
    let start = offset_in(base, d.as_bytes().as_ptr());
    if depth > json::MAX_DEPTH {
        return Err((
            start,
            format!("nesting deeper than {} levels", json::MAX_DEPTH),
        ));
    }
    let mut members = Vec::new();
    for el in d {
        let (key, v) = el.map_err(|e| (start, e.to_string()))?;
        let key_start = offset_in(base, key.as_str().as_ptr()).saturating_sub(1);
        // A number, boolean or null has no bytes of its own to point at: its element
        // (type byte and name) is where it stands.
        let value = value_node(base, v, key_start, depth)?;
        members.push(Member {
            key: key.as_str().to_owned(),
            key_start,
            value,
        });
    }
    Ok(Node {
        value: Value::Object(members),
        start,
        end: start + d.as_bytes().len(),
    })
}

fn array_node(base: &[u8], a: &RawArray, depth: usize) -> Conv<Node> {
    let start = offset_in(base, a.as_bytes().as_ptr());
    if depth > json::MAX_DEPTH {
        return Err((
            start,
            format!("nesting deeper than {} levels", json::MAX_DEPTH),
        ));
    }
    let mut items = Vec::new();
    for el in a {
        let v = el.map_err(|e| (start, e.to_string()))?;
        items.push(value_node(base, v, start, depth)?);
    }
    Ok(Node {
        value: Value::Array(items),
        start,
        end: start + a.as_bytes().len(),
    })
}

fn number(f: f64) -> Value {
    if !f.is_finite() {
        return Value::String(f.to_string());
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return Value::Number(format!("{}", f as i64));
    }
    // Rust's `Debug` of a finite double is JSON number syntax (`2.5`, `1e300`).
    Value::Number(format!("{f:?}"))
}

fn value_node(base: &[u8], v: RawBsonRef<'_>, parent: usize, depth: usize) -> Conv<Node> {
    let leaf = |value: Value, start: usize| Node {
        value,
        start,
        end: start,
    };
    Ok(match v {
        RawBsonRef::Document(d) => document_node(base, d, depth + 1)?,
        RawBsonRef::Array(a) => array_node(base, a, depth + 1)?,
        RawBsonRef::String(s) | RawBsonRef::Symbol(s) => {
            leaf(Value::String(s.to_owned()), offset_in(base, s.as_ptr()))
        }
        RawBsonRef::Boolean(b) => leaf(Value::Bool(b), parent),
        RawBsonRef::Null | RawBsonRef::Undefined => leaf(Value::Null, parent),
        RawBsonRef::Int32(i) => leaf(Value::Number(i.to_string()), parent),
        RawBsonRef::Int64(i) => leaf(Value::Number(i.to_string()), parent),
        RawBsonRef::Double(f) => leaf(number(f), parent),
        RawBsonRef::ObjectId(o) => leaf(Value::String(o.to_hex()), parent),
        RawBsonRef::DateTime(t) => leaf(Value::Number(t.timestamp_millis().to_string()), parent),
        RawBsonRef::Decimal128(d) => leaf(Value::String(d.to_string()), parent),
        _ => leaf(Value::Null, parent),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn dump(docs: &[bson::Document]) -> Vec<u8> {
        let mut out = Vec::new();
        for d in docs {
            out.extend(d.to_vec().unwrap());
        }
        out
    }

    #[test]
    fn documents_read_with_their_offsets_and_values() {
        let bytes = dump(&[
            doc! {"_id": bson::oid::ObjectId::new(), "ID": "1", "map": 9_i64, "x": 2.5, "c": [{"t": "Тақырып"}]},
            doc! {"_id": 7.0, "ID": "1.1"},
        ]);
        assert!(looks_like_bson(&bytes));
        let (docs, err) = read(&bytes);
        assert_eq!(err, None);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].offset, 0);
        let Value::Object(m) = &docs[0].node.value else {
            panic!()
        };
        assert_eq!(m[2].value.value, Value::Number("9".into()));
        assert_eq!(m[3].value.value, Value::Number("2.5".into()));
        let Value::Object(m1) = &docs[1].node.value else {
            panic!()
        };
        assert_eq!(m1[0].value.value, Value::Number("7".into()));
        // The string's offset points at its bytes in the dump.
        let Value::Array(c) = &m[4].value.value else {
            panic!()
        };
        let Value::Object(t) = &c[0].value else {
            panic!()
        };
        let at = t[0].value.start;
        assert_eq!(&bytes[at..at + "Тақырып".len()], "Тақырып".as_bytes());
    }

    #[test]
    fn corrupt_dumps_are_errors_with_offset_and_document() {
        let good = dump(&[doc! {"ID": "1"}, doc! {"ID": "1.1"}]);
        let first = doc! {"ID": "1"}.to_vec().unwrap().len();
        // Cut off in the second document.
        let (docs, e) = read(&good[..good.len() - 3]);
        let e = e.unwrap();
        assert_eq!((docs.len(), e.offset, e.document), (1, first, 1));
        assert!(e.message.contains("truncated"), "{}", e.message);
        // A length that does not end on the zero byte.
        let mut wrong = good.clone();
        wrong[first] -= 2;
        let e = read(&wrong).1.unwrap();
        assert_eq!((e.offset, e.document), (first, 1));
        assert!(e.message.contains("wrong document length"), "{}", e.message);
        // An unknown type byte.
        let mut bad_type = good.clone();
        bad_type[4] = 0x42;
        let e = read(&bad_type).1.unwrap();
        assert_eq!((e.offset, e.document), (0, 0));
        assert!(e.message.contains("malformed BSON"), "{}", e.message);
        // Tiny and negative lengths.
        assert!(read(&[1, 0]).1.unwrap().message.contains("truncated"));
        assert!(read(&[0xff, 0xff, 0xff, 0xff, 0])
            .1
            .unwrap()
            .message
            .contains("wrong document length"));
    }

    #[test]
    fn gzip_round_trip_and_limit() {
        use std::io::Write;
        let raw = dump(&[doc! {"ID": "1"}]);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&raw).unwrap();
        let gz = enc.finish().unwrap();
        assert!(is_gzip(&gz));
        assert_eq!(gunzip(&gz, 1 << 20).unwrap(), raw);
        assert!(gunzip(&gz, 3).unwrap_err().contains("larger"));
        // A bomb: members of a mebibyte of zeros each, refused as soon as the output
        // passes the limit, its buffer never larger than the limit.
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![0u8; 1 << 20]).unwrap();
        let member = enc.finish().unwrap();
        let bomb = member.repeat(64);
        assert!(bomb.len() < 128 << 10, "{}", bomb.len());
        let all = gunzip(&bomb, 64 << 20).unwrap();
        assert_eq!(all.len(), 64 << 20);
        assert!(all.capacity() <= 64 << 20, "{}", all.capacity());
        let e = gunzip(&bomb, 5 << 20).unwrap_err();
        assert!(e.contains("larger than 5 MiB"), "{e}");
        assert!(gunzip(&gz[..gz.len() - 4], 1 << 20).is_err());
    }
}
