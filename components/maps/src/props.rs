//! A feature's id and names, from its `id` member and properties.

use ekran_model::{Lang, Localized, RegionCode};
use serde_json::{Map, Value};

use crate::options::{Options, DEFAULT_ID_FIELDS};

/// The id: from `field` (the feature's own `id` first when it is `"id"`), or by default
/// from the `id` member, then the default properties. `None` when there is none,
/// `Some(Err(why))` when there is one that cannot be used.
pub(crate) fn find_id(
    member: Option<&Value>,
    props: &Map<String, Value>,
    field: Option<&str>,
) -> Option<Result<RegionCode, String>> {
    let own = match field {
        None | Some("id") => member.filter(|v| present(v)),
        Some(_) => None,
    };
    let value = own.or_else(|| match field {
        Some(f) => props.get(f).filter(|v| present(v)),
        None => DEFAULT_ID_FIELDS
            .iter()
            .find_map(|f| props.get(*f).filter(|v| present(v))),
    })?;
    let id = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        other => return Some(Err(format!("the id is {}, not a string", json_kind(other)))),
    };
    Some(RegionCode::new(id.as_str()).map_err(|_| explain(&id)))
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// Why `id` is not a region code (`RegionCode::new` refused it): 1–64 bytes without
/// whitespace, control, invisible or text-direction characters.
fn explain(id: &str) -> String {
    if id.len() > 64 {
        format!("the id {id:?} is {} bytes long; at most 64", id.len())
    } else {
        format!("the id {id:?} contains whitespace, a control or an invisible character")
    }
}

/// The feature's names and the one to show in messages.
pub(crate) fn names(props: &Map<String, Value>, opts: &Options) -> (Localized, Option<String>) {
    let mut name = Localized::default();
    let mut generic: Option<String> = None;
    for nf in &opts.name_fields {
        let Some(text) = props
            .get(&nf.field)
            .and_then(Value::as_str)
            .map(|s| ekran_model::map::clean_name(s, ekran_model::map::MAX_REGION_NAME))
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        match nf.lang {
            Some(lang) => {
                let slot = name.slot(lang);
                if slot.is_none() {
                    *slot = Some(text);
                }
            }
            None => {
                if generic.is_none() {
                    generic = Some(text);
                }
            }
        }
    }
    if name.is_empty() {
        if let Some(g) = &generic {
            for lang in Lang::ALL {
                name.set(lang, g.clone());
            }
        }
    }
    let shown = name
        .resolve(Lang::Ru, &[Lang::Kk, Lang::En])
        .map(str::to_owned);
    (name, shown)
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
