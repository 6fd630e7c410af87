//! MongoDB extended JSON (as `mongoexport` writes it, canonical or relaxed) read as
//! the plain values a legacy record holds: `{"$oid": "…"}` and `{"$date": "…"}` become
//! strings, `{"$numberLong": "9"}`, `{"$numberInt": …}`, `{"$numberDouble": …}` and
//! `{"$numberDecimal": …}` numbers (or strings for `NaN` and `Infinity`), so
//! `"map": {"$numberLong": "9"}` is region 9 as `"map": 9` is.

use crate::json::{Node, Value};

/// Replaces every extended-JSON wrapper in `node` by its plain value, in place; returns
/// how many were replaced. Objects that merely have a `$` member among others are left
/// as they are.
pub fn simplify(node: &mut Node) -> usize {
    let mut n = 0;
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if let Some(v) = plain(&node.value) {
            node.value = v;
            n += 1;
            continue;
        }
        match &mut node.value {
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(members) => stack.extend(members.iter_mut().map(|m| &mut m.value)),
            _ => {}
        }
    }
    n
}

/// What a value is, in words, for a message saying it was not the type expected: an
/// object that is an extended-JSON wrapper ekran does not read (`{"$binary": …}`,
/// `{"$regex": …}`, any other `$` name) is named as such, so the reader knows why.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Object(m) if !m.is_empty() && m.iter().all(|x| x.key.starts_with('$')) => {
            format!(
                "{{\"{}\": …}}, MongoDB extended JSON of a kind ekran does not read (only $oid, $date, $numberLong, $numberInt, $numberDouble and $numberDecimal); export this field as plain text",
                m[0].key
            )
        }
        v => v.type_name().to_owned(),
    }
}

/// Whether `text` is JSON number syntax (what [`Value::Number`] promises).
fn is_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let s = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - s
    };
    let int = digits(&mut i);
    if int == 0 || (int > 1 && b[i - int] == b'0') {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn number_or_text(s: &str) -> Value {
    if is_number(s) {
        Value::Number(s.to_owned())
    } else {
        Value::String(s.to_owned())
    }
}

/// The plain value of a one-member `{"$…": …}` wrapper.
fn plain(v: &Value) -> Option<Value> {
    let Value::Object(m) = v else { return None };
    let [only] = m.as_slice() else { return None };
    let inner = &only.value.value;
    match (only.key.as_str(), inner) {
        ("$oid" | "$symbol", Value::String(s)) => Some(Value::String(s.clone())),
        ("$numberLong" | "$numberInt" | "$numberDouble" | "$numberDecimal", Value::String(s)) => {
            Some(number_or_text(s.trim()))
        }
        ("$numberLong" | "$numberInt" | "$numberDouble" | "$numberDecimal", Value::Number(s)) => {
            Some(Value::Number(s.clone()))
        }
        // Relaxed: an ISO 8601 string; canonical: {"$numberLong": "ms"}.
        ("$date", Value::String(s)) => Some(Value::String(s.clone())),
        ("$date", Value::Number(s)) => Some(Value::Number(s.clone())),
        ("$date", inner) => match plain(inner)? {
            Value::Number(ms) => Some(Value::Number(ms)),
            other => Some(other),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn simplified(src: &str) -> serde_json::Value {
        let mut n = parse(src.as_bytes()).value.unwrap();
        simplify(&mut n);
        to_json(&n)
    }

    fn to_json(n: &Node) -> serde_json::Value {
        use serde_json::Value as J;
        match &n.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(s) => serde_json::from_str(s).unwrap(),
            Value::String(s) => J::String(s.clone()),
            Value::Array(a) => J::Array(a.iter().map(to_json).collect()),
            Value::Object(m) => J::Object(
                m.iter()
                    .map(|m| (m.key.clone(), to_json(&m.value)))
                    .collect(),
            ),
        }
    }

    #[test]
    fn canonical_and_relaxed_wrappers_become_plain_values() {
        let v = simplified(
            r#"{"_id":{"$oid":"5b9f1c2e8d1e4a0001a1b2c3"},"a":{"$numberLong":"9"},
                "b":{"$numberInt":"1"},"c":{"$numberDouble":"2.5"},"d":{"$numberDouble":"Infinity"},
                "e":{"$date":{"$numberLong":"1536000000000"}},"f":{"$date":"2018-09-03T18:40:00Z"},
                "g":[{"$numberLong":"-3"}],"h":{"$oid":"x","other":1},"i":{"$numberInt":"01"}}"#,
        );
        assert_eq!(
            v,
            serde_json::json!({"_id":"5b9f1c2e8d1e4a0001a1b2c3","a":9,"b":1,"c":2.5,"d":"Infinity",
                "e":1536000000000u64,"f":"2018-09-03T18:40:00Z","g":[-3],
                "h":{"$oid":"x","other":1},"i":"01"})
        );
    }

    #[test]
    fn unsupported_wrappers_are_named_as_extended_json() {
        let src = r#"[{"ID": "1", "logo_title": {"$binary": {"base64": "AA==", "subType": "00"}},
            "content": [{"title": "a", "text": {"$x": 1}, "img_path": "", "video": "", "map": {"$regex": "r"}}]}]"#;
        let mut n = parse(src.as_bytes()).value.unwrap();
        simplify(&mut n);
        let (_, findings) = crate::record::records(&n);
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        for (m, key) in messages.iter().zip(["$binary", "$x", "$regex"]) {
            assert!(m.contains(&format!("{{\"{key}\": …}}")), "{m}");
            assert!(
                m.contains("MongoDB extended JSON of a kind ekran does not read"),
                "{m}"
            );
        }
        // An object with other members is just an object.
        let n = parse(br#"{"$a": 1, "b": 2}"#).value.unwrap();
        assert_eq!(describe(&n.value), "an object");
    }
}
