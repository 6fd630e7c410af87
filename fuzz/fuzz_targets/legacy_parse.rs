//! Any bytes through the tolerant legacy reader and the importer: no panic, no hang, and
//! the reader's own promises hold (errors carry a message and an offset inside the input,
//! node ranges lie inside the input, at most `MAX_REPAIRS` repairs are kept, a parse
//! error becomes an error diagnostic). Differential against serde_json: what it accepts
//! we read to the same value with no repair (CRLF line ends aside), and what we read
//! with no repair at all it accepts too. Extended JSON wrappers (`{"$numberLong": …}`)
//! are simplified too, and the result checked the same way.

#![no_main]

use ekran_legacy::import::{LegacyImport, Options};
use ekran_legacy::json::{self, Node, RepairKind, Value, MAX_REPAIRS};
use libfuzzer_sys::fuzz_target;

fn check_ranges(n: &Node, len: usize, depth: usize) {
    assert!(
        n.start <= n.end && n.end <= len,
        "node range {}..{} outside 0..{len}",
        n.start,
        n.end
    );
    assert!(depth <= json::MAX_DEPTH + 1, "nesting past MAX_DEPTH");
    match &n.value {
        Value::Array(items) => items.iter().for_each(|it| check_ranges(it, len, depth + 1)),
        Value::Object(members) => members.iter().for_each(|m| {
            assert!(m.key_start < len);
            check_ranges(&m.value, len, depth + 1)
        }),
        _ => {}
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

fn differential(data: &[u8], parsed: &json::Parsed) {
    match serde_json::from_slice::<serde_json::Value>(data) {
        Ok(v) => {
            let node = parsed.value.as_ref().expect("valid JSON rejected");
            assert_eq!(
                to_serde(node).as_ref(),
                Some(&v),
                "valid JSON read differently"
            );
            assert!(
                parsed
                    .repairs
                    .iter()
                    .all(|r| matches!(r.kind, RepairKind::Crlf { .. })),
                "repairs on valid JSON: {:?}",
                parsed.repairs
            );
        }
        Err(e) => {
            let clean =
                parsed.value.is_ok() && parsed.repairs.is_empty() && parsed.repairs_dropped == 0;
            // serde_json refuses numbers beyond f64 and stops at 127 levels of nesting.
            let limit = ["number out of range", "recursion limit exceeded"]
                .iter()
                .any(|m| e.to_string().contains(m));
            assert!(
                !clean || limit,
                "read with no repair, but serde_json says: {e}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let parsed = json::parse(data);
    assert!(parsed.repairs.len() <= MAX_REPAIRS);
    assert!(parsed.repairs.iter().all(|r| r.offset <= data.len()));
    match &parsed.value {
        Ok(node) => check_ranges(node, data.len(), 0),
        Err(e) => {
            assert!(!e.message.is_empty(), "empty error message");
            assert!(
                e.offset <= data.len(),
                "error offset {} past the end {}",
                e.offset,
                data.len()
            );
        }
    }

    differential(data, &parsed);

    // Extended JSON (mongoexport) read as plain values keeps every range inside the
    // input and never panics, whatever the wrappers hold.
    if let Ok(node) = &parsed.value {
        let mut plain = node.clone();
        ekran_legacy::extjson::simplify(&mut plain);
        check_ranges(&plain, data.len(), 0);
    }

    let mut import = LegacyImport::new(Options::default());
    import.add_file("fuzz.json", data);
    if parsed.value.is_err() {
        assert!(
            import.has_errors(),
            "a parse error must become an error diagnostic"
        );
    }
    for d in &import.diagnostics {
        let _ = d.render();
    }
});
