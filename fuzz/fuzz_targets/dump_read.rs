//! Any bytes through the mongodump reader and the importer as a `.bson` file (and, when
//! they are gzip, decompressed first, as the importer does): no panic, no hang, and the reader's promises
//! hold: an error carries a message, an offset inside the input and the number of the
//! document (the count of documents read before it); node ranges lie inside the input;
//! the importer reports a corrupt dump as an error at `fuzz.bson:@OFFSET (document N)`.

#![no_main]

use ekran_legacy::dump;
use ekran_legacy::import::{LegacyImport, Options};
use ekran_legacy::json::{Node, Value};
use libfuzzer_sys::fuzz_target;

fn check_ranges(n: &Node, len: usize) {
    assert!(n.start <= n.end && n.end <= len, "node range outside the input");
    match &n.value {
        Value::Array(items) => items.iter().for_each(|it| check_ranges(it, len)),
        Value::Object(members) => members.iter().for_each(|m| {
            assert!(m.key_start <= len);
            check_ranges(&m.value, len)
        }),
        _ => {}
    }
}

/// The importer reads `bytes` (already decompressed) as a dump: a corrupt one is an
/// error at its offset and document.
fn reported(import: &LegacyImport, name: &str, bytes: &[u8]) {
    let (docs, err) = dump::read(bytes);
    for d in &docs {
        check_ranges(&d.node, bytes.len());
    }
    if let Some(e) = &err {
        assert!(!e.message.is_empty());
        assert!(e.offset <= bytes.len());
        assert_eq!(e.document, docs.len());
        let head = format!("{name}:@{} (document {}): error: ", e.offset, e.document + 1);
        assert!(import
            .diagnostics
            .iter()
            .any(|d| d.is_error() && d.render().starts_with(&head)));
    }
}

fuzz_target!(|data: &[u8]| {
    let mut import = LegacyImport::new(Options::default());
    import.add_file("fuzz.bson", data);
    if !dump::is_gzip(data) {
        reported(&import, "fuzz.bson", data);
        return;
    }
    // Gzip: decompressed first; a broken stream is an error naming the file.
    match dump::gunzip(data, 1 << 30) {
        Ok(plain) => reported(&import, "fuzz.bson", &plain),
        Err(_) => assert!(import
            .diagnostics
            .iter()
            .any(|d| d.is_error() && d.render().starts_with("fuzz.bson: error: "))),
    }
});
