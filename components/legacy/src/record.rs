//! From a parsed legacy document to typed records (one per node and language).

use ekran_model::{Layout, MediaRef, NodeId, NodeKind};

use crate::json::{Member, Node, Value};

/// A finding while reading records, at a byte offset of the file. The importer turns it
/// into a located [`ekran_model::Diagnostic`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Where in the file.
    pub offset: usize,
    /// The stable diagnostic code (`record_no_id`, `bad_media_path`, …).
    pub code: &'static str,
    /// An error (the record or value is left out) rather than a warning.
    pub error: bool,
    /// A defect that was repaired (`--strict` makes it an error).
    pub repair: bool,
    /// One line, for people.
    pub message: String,
}

/// Which of the legacy record shapes a record was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `ID`, `logo_title`, `logo_path`, `content` of slides: one node.
    Full,
    /// The second shape (`theme`, `type`, `form`, `num`, and a `content` list of child
    /// items): the menu node itself, without slides.
    Menu,
    /// One child item of a second-shape record (`ID`, `title`, `img`, `text`,
    /// `video`): a node with one slide.
    Item,
}

/// One legacy record: one node in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: NodeId,
    /// Offset of the record's `{`.
    pub offset: usize,
    /// The shape it was read from.
    pub shape: Shape,
    /// A title of its own (second shape), before the first slide's.
    pub heading: String,
    pub logo_title: String,
    pub logo: Option<MediaRef>,
    pub slides: Vec<RecordSlide>,
}

/// One slide of a record (one element of its `content`).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordSlide {
    /// Offset of the slide's `{`.
    pub offset: usize,
    pub title: String,
    pub text: String,
    pub image: Option<MediaRef>,
    pub video: Option<MediaRef>,
    /// The 2018 region number of its `map`, one the table knows (1-17): see
    /// [`ekran_model::map::legacy_region`].
    pub region: Option<u16>,
    /// Offset of the `map` value (with a region), so later findings about the region
    /// can point at it.
    pub region_offset: usize,
    pub block: Option<String>,
}

impl RecordSlide {
    /// The layout the legacy screen used: a map first, then a picture without text, then
    /// a video, otherwise text (with the picture beside it when there is one).
    pub fn layout(&self) -> Layout {
        if self.region.is_some() {
            Layout::Map
        } else if self.image.is_some() && self.text.trim().is_empty() {
            Layout::Image
        } else if self.video.is_some() {
            Layout::Video
        } else if self.image.is_some() {
            Layout::ImageText
        } else {
            Layout::Text
        }
    }
}

impl Record {
    /// How the legacy tablet showed the node: a map when the first slide has one, a
    /// slideshow with several slides, otherwise a menu of its children.
    pub fn kind(&self) -> NodeKind {
        match self.slides.first() {
            Some(s) if s.region.is_some() => NodeKind::Map,
            _ if self.slides.len() > 1 => NodeKind::Slideshow,
            _ => NodeKind::Menu,
        }
    }

    /// Node title: its own heading (second shape), else the first slide's title, else
    /// the header title.
    pub fn title(&self) -> &str {
        if !self.heading.trim().is_empty() {
            return &self.heading;
        }
        self.slides
            .first()
            .map(|s| s.title.as_str())
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(&self.logo_title)
    }

    /// The same content, wherever it was read: what two copies of a record are
    /// compared by.
    pub fn same_content(&self, other: &Record) -> bool {
        let strip = |r: &Record| {
            let mut r = r.clone();
            r.offset = 0;
            r.slides.iter_mut().for_each(|s| {
                s.offset = 0;
                s.region_offset = 0;
            });
            r
        };
        strip(self) == strip(other)
    }

    /// Whether the texts (titles and slide texts) equal another record's.
    pub fn same_text(&self, other: &Record) -> bool {
        self.heading == other.heading
            && self.logo_title == other.logo_title
            && self.slides.len() == other.slides.len()
            && self
                .slides
                .iter()
                .zip(&other.slides)
                .all(|(a, b)| a.title == b.title && a.text == b.text)
    }
}

/// Reads the records of a document: one object, or a list of them.
pub fn records(doc: &Node) -> (Vec<Record>, Vec<Finding>) {
    let mut out = Vec::new();
    let mut f = Vec::new();
    match &doc.value {
        Value::Object(m) => any_shape(doc.start, m, &mut out, &mut f),
        Value::Array(items) => {
            for it in items {
                match &it.value {
                    Value::Object(m) => any_shape(it.start, m, &mut out, &mut f),
                    v => f.push(err(
                        it.start,
                        "not_a_record",
                        format!(
                            "expected a record `{{ ... }}` in the list, found {}",
                            v.type_name()
                        ),
                    )),
                }
            }
        }
        v => f.push(err(
            doc.start,
            "not_a_record",
            format!(
                "expected a record `{{ ... }}` or a list of them, found {}",
                v.type_name()
            ),
        )),
    }
    (out, f)
}

/// Reads an object of either shape into `out`.
fn any_shape(offset: usize, m: &[Member], out: &mut Vec<Record>, f: &mut Vec<Finding>) {
    if crate::shape2::is_second_shape(m) {
        crate::shape2::read(offset, m, out, f);
    } else if let Some(r) = record(offset, m, f) {
        out.push(r);
    }
}

pub(crate) fn err(offset: usize, code: &'static str, message: String) -> Finding {
    Finding {
        offset,
        code,
        error: true,
        repair: false,
        message,
    }
}

pub(crate) fn repair(offset: usize, code: &'static str, message: String) -> Finding {
    Finding {
        offset,
        code,
        error: false,
        repair: true,
        message,
    }
}

pub(crate) fn warn(offset: usize, code: &'static str, message: String) -> Finding {
    Finding {
        offset,
        code,
        error: false,
        repair: false,
        message,
    }
}

/// Members by name; a repeated name is a repair (the later one is used, as JSON
/// parsers commonly do).
pub(crate) fn members<'a>(
    m: &'a [Member],
    known: &[&str],
    what: &str,
    f: &mut Vec<Finding>,
) -> Vec<(&'a str, &'a Node)> {
    let mut out: Vec<(&str, &Node)> = Vec::new();
    for mem in m {
        if !known.contains(&mem.key.as_str()) {
            f.push(warn(
                mem.key_start,
                "unknown_member",
                format!("unknown member {:?} in a {what}; ignored", mem.key),
            ));
            continue;
        }
        if let Some(prev) = out.iter_mut().find(|(k, _)| *k == mem.key) {
            f.push(repair(
                mem.key_start,
                "duplicate_member",
                format!("member {:?} appears twice; the later one is used", mem.key),
            ));
            prev.1 = &mem.value;
        } else {
            out.push((mem.key.as_str(), &mem.value));
        }
    }
    out
}

pub(crate) fn get<'a>(m: &[(&str, &'a Node)], key: &str) -> Option<&'a Node> {
    m.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// A member that should be a string. Numbers, booleans and null are read as text and
/// reported; lists and objects are errors.
pub(crate) fn string(node: &Node, key: &str, f: &mut Vec<Finding>) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => {
            f.push(repair(
                node.start,
                "string_expected",
                format!("\"{key}\" is the number {n} where a string was expected; read as \"{n}\""),
            ));
            Some(n.clone())
        }
        Value::Bool(b) => {
            f.push(repair(
                node.start,
                "string_expected",
                format!("\"{key}\" is {b} where a string was expected; read as \"{b}\""),
            ));
            Some(b.to_string())
        }
        Value::Null => {
            f.push(repair(
                node.start,
                "string_expected",
                format!("\"{key}\" is null where a string was expected; read as empty"),
            ));
            Some(String::new())
        }
        v => {
            f.push(err(
                node.start,
                "not_a_string",
                format!(
                    "\"{key}\" should be a string, found {}",
                    crate::extjson::describe(v)
                ),
            ));
            None
        }
    }
}

pub(crate) fn media(node: &Node, key: &str, f: &mut Vec<Finding>) -> Option<MediaRef> {
    let s = string(node, key, f)?;
    if s.trim().is_empty() {
        return None;
    }
    match crate::media::normalise(key, &s) {
        crate::media::Outcome::Kept(r, warning) => {
            if let Some(w) = warning {
                f.push(warn(node.start, w.code, w.message));
            }
            Some(r)
        }
        crate::media::Outcome::Refused(w) => {
            f.push(warn(node.start, w.code, w.message));
            None
        }
    }
}

const RECORD_KEYS: [&str; 8] = [
    "_id",
    "name",
    "ID",
    "logo_title",
    "logo_path",
    "slide_max",
    "slide_now",
    "content",
];
const SLIDE_KEYS: [&str; 6] = ["title", "text", "img_path", "video", "map", "block"];

fn record(offset: usize, m: &[Member], f: &mut Vec<Finding>) -> Option<Record> {
    let m = members(m, &RECORD_KEYS, "record", f);
    let Some(id_node) = get(&m, "ID") else {
        f.push(err(offset, "record_no_id", "record has no \"ID\"".into()));
        return None;
    };
    let raw_id = string(id_node, "ID", f)?;
    let id = match NodeId::parse(raw_id.trim()) {
        Ok(id) => id,
        Err(e) => {
            f.push(err(id_node.start, "bad_node_id", e.to_string()));
            return None;
        }
    };
    if let Some(name) = get(&m, "name").and_then(|n| string(n, "name", f)) {
        if name.trim() != id.root().as_str() {
            f.push(warn(
                get(&m, "name").map_or(offset, |n| n.start),
                "screen_name_mismatch",
                format!(
                    "\"name\" says screen {name:?} but the ID {id} is on screen {}",
                    id.root()
                ),
            ));
        }
    }
    let logo_title = get(&m, "logo_title")
        .and_then(|n| string(n, "logo_title", f))
        .unwrap_or_default();
    let logo = get(&m, "logo_path").and_then(|n| media(n, "logo_path", f));
    let mut slides = Vec::new();
    match get(&m, "content").map(|n| (n, &n.value)) {
        None => f.push(warn(
            offset,
            "record_no_content",
            format!("record {id} has no \"content\"; it has no slides"),
        )),
        Some((_, Value::Array(items))) => {
            for it in items {
                match &it.value {
                    Value::Object(sm) => {
                        if let Some(s) = slide(it.start, sm, f) {
                            slides.push(s);
                        }
                    }
                    v => f.push(err(
                        it.start,
                        "not_a_slide",
                        format!("expected a slide `{{ ... }}`, found {}", v.type_name()),
                    )),
                }
            }
        }
        Some((n, v)) => f.push(err(
            n.start,
            "content_not_a_list",
            format!(
                "\"content\" should be a list of slides, found {}",
                v.type_name()
            ),
        )),
    }
    if let Some(n) = get(&m, "slide_max") {
        let declared = match &n.value {
            Value::Number(s) | Value::String(s) => s.trim().parse::<usize>().ok(),
            _ => None,
        };
        match declared {
            Some(d) if d == slides.len() => {}
            Some(d) => f.push(repair(
                n.start,
                "slide_max_mismatch",
                format!(
                    "\"slide_max\" says {d} but there are {} slides; the slides are kept",
                    slides.len()
                ),
            )),
            None => f.push(warn(
                n.start,
                "slide_max_not_a_number",
                "\"slide_max\" is not a whole number; ignored".into(),
            )),
        }
    }
    // `slide_now` is display state that leaked into content: dropped without a word.
    Some(Record {
        id,
        offset,
        shape: Shape::Full,
        heading: String::new(),
        logo_title,
        logo,
        slides,
    })
}

pub(crate) fn slide(offset: usize, m: &[Member], f: &mut Vec<Finding>) -> Option<RecordSlide> {
    let m = members(m, &SLIDE_KEYS, "slide", f);
    let text_of = |key: &str, f: &mut Vec<Finding>| {
        get(&m, key)
            .and_then(|n| string(n, key, f))
            .unwrap_or_default()
    };
    let title = text_of("title", f);
    let text = text_of("text", f);
    let image = get(&m, "img_path").and_then(|n| media(n, "img_path", f));
    let video = get(&m, "video").and_then(|n| media(n, "video", f));
    let block = get(&m, "block").and_then(|n| string(n, "block", f));
    let region = get(&m, "map").and_then(|n| region(n, f));
    Some(RecordSlide {
        offset,
        title,
        text,
        image,
        video,
        region: region.map(|(n, _)| n),
        region_offset: region.map_or(0, |(_, at)| at),
        block,
    })
}

/// A slide's `map`: a 2018 region number the table knows (1-17), with the offset of the
/// value. The legacy README documents it as a string or a number, so both are fine;
/// empty or null is no region. A number outside 1-17 (`region_out_of_range`) or text
/// that is not a whole number (`region_not_a_number`) is a warning and no region: the
/// slide is then laid out as if it had no `map`. A list, object or boolean is an error
/// (`region_wrong_type`), as for the other members.
fn region(n: &Node, f: &mut Vec<Finding>) -> Option<(u16, usize)> {
    let s = match &n.value {
        Value::Number(s) | Value::String(s) => s.trim().to_owned(),
        Value::Null => String::new(),
        v => {
            f.push(err(
                n.start,
                "region_wrong_type",
                format!(
                    "\"map\" should be a region number, found {}",
                    crate::extjson::describe(v)
                ),
            ));
            return None;
        }
    };
    if s.is_empty() {
        return None;
    }
    // A whole number, also when written `9.0` or `9e0` (a double in a dump).
    let whole = s.parse::<i64>().ok().or_else(|| {
        s.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15)
            .map(|x| x as i64)
    });
    match whole {
        Some(r) => match u16::try_from(r)
            .ok()
            .and_then(ekran_model::map::legacy_region)
        {
            Some(known) => Some((known.number, n.start)),
            None => {
                f.push(warn(
                    n.start,
                    "region_out_of_range",
                    format!(
                        "\"map\" is region {r}, which the 2018 numbering (1 = Astana ... 17 = Shymkent) does not have; the slide gets no region"
                    ),
                ));
                None
            }
        },
        None => {
            f.push(warn(
                n.start,
                "region_not_a_number",
                format!(
                    "\"map\" is {s:?}, not a region number (1 = Astana ... 17 = Shymkent); the slide gets no region"
                ),
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    #[test]
    fn reads_a_record_and_reports_type_repairs() {
        let src = r#"{"name":"3","ID":"3.1","logo_title":"NurOtan","logo_path":"/img/logo.png",
            "slide_max":1,"slide_now":1,"extra":1,
            "content":[{"block":"2","title":"История","img_path":"","video":"/video/1.mp4","map":9,"text":null}]}"#;
        let doc = parse(src.as_bytes()).value.unwrap();
        let (recs, f) = records(&doc);
        let r = &recs[0];
        assert_eq!(r.id.as_str(), "3.1");
        assert_eq!(r.logo.as_ref().unwrap().as_str(), "img/logo.png");
        assert_eq!(r.slides[0].region, Some(9));
        assert_eq!(r.slides[0].layout(), Layout::Map);
        assert_eq!(r.kind(), NodeKind::Map);
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "unknown member \"extra\" in a record; ignored",
                "\"text\" is null where a string was expected; read as empty"
            ]
        );
    }

    #[test]
    fn layouts_follow_the_legacy_rules() {
        let s = |img: bool, text: &str, video: bool| RecordSlide {
            offset: 0,
            title: String::new(),
            text: text.into(),
            image: img.then(|| MediaRef::parse("a.png").unwrap()),
            video: video.then(|| MediaRef::parse("v.mp4").unwrap()),
            region: None,
            region_offset: 0,
            block: None,
        };
        assert_eq!(s(true, "", false).layout(), Layout::Image);
        assert_eq!(s(true, "", true).layout(), Layout::Image);
        assert_eq!(s(false, "x", true).layout(), Layout::Video);
        assert_eq!(s(true, "x", false).layout(), Layout::ImageText);
        assert_eq!(s(false, "x", false).layout(), Layout::Text);
    }

    #[test]
    fn bad_id_is_an_error_and_unsafe_media_a_warning() {
        let doc = parse(
            br#"[{"ID":"1.x","content":[]},{"ID":"2","logo_path":"../../etc/passwd","content":[]}]"#,
        )
        .value
        .unwrap();
        let (recs, f) = records(&doc);
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].logo, None);
        let codes: Vec<(&str, bool)> = f.iter().map(|f| (f.code, f.error)).collect();
        assert_eq!(codes, [("bad_node_id", true), ("media_outside", false)]);
    }
}
