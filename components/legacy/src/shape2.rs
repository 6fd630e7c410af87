//! The second legacy record shape, found in some MongoDB dumps of the legacy system:
//!
//! ```json
//! {"ID": "3.2", "theme": "3", "type": "menu", "form": "1", "num": "2", "title": "…",
//!  "content": [{"ID": "3.2.1", "title": "…", "img": "static/image/a.jpg",
//!               "text": "…", "video": ""}, …]}
//! ```
//!
//! It is a menu whose items are its children: the record becomes a menu node (no
//! slides; its title from `title`, else `logo_title`), each item a child node with one
//! slide (`title`, `text`, `img` as the picture, `video`). `theme`, `type`, `form` and
//! `num` described how the legacy screen drew the menu; they are read and dropped. The
//! menu's own number is its `ID`, else `num` when that is a number like `3.2`, else
//! the parent number of its items. See docs/content-format.md.

use ekran_model::NodeId;

use crate::json::{Member, Node, Value};
use crate::record::{self, err, get, members, string, warn, Finding, Record, Shape};

const MENU_KEYS: [&str; 11] = [
    "_id",
    "ID",
    "name",
    "theme",
    "type",
    "form",
    "num",
    "title",
    "logo_title",
    "logo_path",
    "content",
];
const ITEM_KEYS: [&str; 9] = [
    "_id", "ID", "title", "img", "img_path", "text", "video", "map", "block",
];

/// Whether an object is of the second shape: it has `theme`, `type`, `form` or `num`,
/// or its `content` items carry an `ID`.
pub fn is_second_shape(m: &[Member]) -> bool {
    let has = |k: &str| m.iter().any(|x| x.key == k);
    if ["theme", "type", "form", "num"].iter().any(|k| has(k)) {
        return true;
    }
    m.iter()
        .filter(|x| x.key == "content")
        .any(|c| match &c.value.value {
            Value::Array(items) => items.iter().any(|it| match &it.value {
                Value::Object(im) => im.iter().any(|x| x.key == "ID"),
                _ => false,
            }),
            _ => false,
        })
}

fn node_id(n: &Node, key: &str, f: &mut Vec<Finding>) -> Option<NodeId> {
    let raw = string(n, key, f)?;
    match NodeId::parse(raw.trim()) {
        Ok(id) => Some(id),
        Err(e) => {
            f.push(err(n.start, "bad_node_id", e.to_string()));
            None
        }
    }
}

/// Reads a second-shape record: the menu, then its items, into `out`.
pub fn read(offset: usize, m: &[Member], out: &mut Vec<Record>, f: &mut Vec<Finding>) {
    let m = members(m, &MENU_KEYS, "record of the second shape", f);
    let mut items = Vec::new();
    match get(&m, "content").map(|n| (n, &n.value)) {
        None => {}
        Some((_, Value::Array(list))) => {
            for it in list {
                match &it.value {
                    Value::Object(im) => {
                        if let Some(r) = item(it.start, im, f) {
                            items.push(r);
                        }
                    }
                    v => f.push(err(
                        it.start,
                        "not_a_slide",
                        format!("expected a menu item `{{ ... }}`, found {}", v.type_name()),
                    )),
                }
            }
        }
        Some((n, v)) => f.push(err(
            n.start,
            "content_not_a_list",
            format!(
                "\"content\" should be a list of menu items, found {}",
                v.type_name()
            ),
        )),
    }
    let num = get(&m, "num").and_then(|n| match &n.value {
        Value::String(s) | Value::Number(s) if s.contains('.') => NodeId::parse(s.trim()).ok(),
        _ => None,
    });
    let from_items = items
        .first()
        .and_then(|i| i.id.parent())
        .filter(|p| items.iter().all(|i| i.id.parent().as_ref() == Some(p)));
    let id = match get(&m, "ID") {
        Some(n) => node_id(n, "ID", f),
        None => match num.or(from_items) {
            Some(id) => Some(id),
            None => {
                f.push(err(
                    offset,
                    "record_no_id",
                    "record of the second shape has no \"ID\", no \"num\" like 1.2 and no items to take the number from".into(),
                ));
                None
            }
        },
    };
    if let Some(id) = id {
        for i in &items {
            if i.id.parent().as_ref() != Some(&id) {
                f.push(warn(
                    i.offset,
                    "item_not_a_child",
                    format!(
                        "menu item {} is not a child of the menu {id}; it is placed by its own number",
                        i.id
                    ),
                ));
            }
        }
        let text = |k: &str, f: &mut Vec<Finding>| {
            get(&m, k).and_then(|n| string(n, k, f)).unwrap_or_default()
        };
        let heading = text("title", f);
        let logo_title = text("logo_title", f);
        let logo = get(&m, "logo_path").and_then(|n| record::media(n, "logo_path", f));
        out.push(Record {
            id,
            offset,
            shape: Shape::Menu,
            heading,
            logo_title,
            logo,
            slides: Vec::new(),
        });
    }
    out.extend(items);
}

/// One menu item: a child node with one slide.
fn item(offset: usize, m: &[Member], f: &mut Vec<Finding>) -> Option<Record> {
    let mm = members(m, &ITEM_KEYS, "menu item", f);
    let Some(id_node) = get(&mm, "ID") else {
        f.push(err(
            offset,
            "record_no_id",
            "menu item has no \"ID\"".into(),
        ));
        return None;
    };
    let id = node_id(id_node, "ID", f)?;
    // The slide reader knows `img_path`; an item's picture is `img`.
    let renamed: Vec<Member> = m
        .iter()
        .filter(|x| x.key != "ID" && x.key != "_id")
        .map(|x| {
            let mut x = x.clone();
            if x.key == "img" {
                x.key = "img_path".into();
            }
            x
        })
        .collect();
    // Unknown members were reported above, once.
    let mut inner = Vec::new();
    let slide = record::slide(offset, &renamed, &mut inner);
    f.extend(inner.into_iter().filter(|x| x.code != "unknown_member"));
    let slide = slide?;
    let empty = slide.title.trim().is_empty()
        && slide.text.trim().is_empty()
        && slide.image.is_none()
        && slide.video.is_none();
    Some(Record {
        id,
        offset,
        shape: Shape::Item,
        heading: String::new(),
        logo_title: String::new(),
        logo: None,
        slides: if empty { Vec::new() } else { vec![slide] },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;
    use crate::record::records;

    #[test]
    fn a_menu_with_items_becomes_a_menu_and_its_children() {
        let src = r#"{"_id":1,"theme":"3","type":"menu","form":"1","num":"2","title":"Жобалар",
            "content":[{"ID":"3.2.1","title":"Бір","img":"static/image/a.jpg","text":"мәтін","video":""},
                       {"ID":"3.2.2","title":"Екі","img":"","text":"","video":"/video/2.mp4"}]}"#;
        let doc = parse(src.as_bytes()).value.unwrap();
        let (recs, f) = records(&doc);
        assert!(f.is_empty(), "{f:?}");
        let ids: Vec<(&str, Shape)> = recs.iter().map(|r| (r.id.as_str(), r.shape)).collect();
        assert_eq!(
            ids,
            [
                ("3.2", Shape::Menu),
                ("3.2.1", Shape::Item),
                ("3.2.2", Shape::Item)
            ]
        );
        assert_eq!(recs[0].title(), "Жобалар");
        assert_eq!(recs[0].kind(), ekran_model::NodeKind::Menu);
        assert_eq!(
            recs[1].slides[0].image.as_ref().unwrap().as_str(),
            "image/a.jpg"
        );
        assert_eq!(recs[1].slides[0].text, "мәтін");
        assert_eq!(
            recs[2].slides[0].video.as_ref().unwrap().as_str(),
            "video/2.mp4"
        );
    }
}
