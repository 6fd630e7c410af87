//! The built-in demo hall: five screens named like the legacy installation, with screen
//! 1's digitalization branch built from the seed documents. Everything is compiled into
//! the binary, so `ekran serve --demo` needs nothing on disk.
//!
//! Node 1.5.1.1.2 ("IT centres") is not in `hall.json`: it is seed 001, byte for byte,
//! read through the legacy importer at start-up (plus a Kazakh record written for the
//! demo), which keeps that path exercised on every demo start. `hall.json` itself stays
//! in the older `ekran/1` format on purpose, so the upgrade path runs on every start too.
//! `ekran/1` had no region maps: the map node 1.5.1.1.6 («Өңірлердегі жобалар») gets its
//! map and links here, after the upgrade ([`REGION_LINKS`]).

use ekran_legacy::import::{LegacyImport, Options};
use ekran_model::map::{builtin_kz, MapCodes, MapId, NodeMap, RegionLink};
use ekran_model::{
    format, validate, Diagnostics, Figure, Hall, Lang, Layout, Localized, MediaRef, NodeId,
    RegionCode, Slide,
};
use include_dir::{include_dir, Dir};

static HALL: &str = include_str!("../hall.json");
static SEED_RU: &[u8] = include_bytes!("../seed001.txt");
static SEED_KK: &[u8] = include_bytes!("../seed001-kk.txt");
static MEDIA: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/media");

/// The demo's map node on screen 1 («Өңірлердегі жобалар», "Projects in the regions").
pub const MAP_NODE: &str = "1.5.1.1.6";

/// The map node's links on the built-in map: region (ISO 3166-2 code) → the label of the
/// node it leads to, one child of [`MAP_NODE`] per region (its name, centre and what the
/// seeds say about it).
pub const REGION_LINKS: [(&str, &str); 9] = [
    ("KZ-71", "1.5.1.1.6.1"), // Astana
    ("KZ-75", "1.5.1.1.6.2"), // Almaty
    ("KZ-79", "1.5.1.1.6.3"), // Shymkent
    ("KZ-15", "1.5.1.1.6.4"), // Aktobe Region
    ("KZ-35", "1.5.1.1.6.5"), // Karaganda Region
    ("KZ-62", "1.5.1.1.6.6"), // Ulytau Region
    ("KZ-33", "1.5.1.1.6.7"), // Jetisu Region
    ("KZ-19", "1.5.1.1.6.8"), // Almaty Region
    ("KZ-10", "1.5.1.1.6.9"), // Abai Region
];

/// Builds the demo hall. Fails only if the embedded content is broken, which the tests
/// rule out.
pub fn hall() -> Result<Hall, String> {
    let (mut hall, findings) = format::from_json("hall.json", HALL).map_err(|e| e.render())?;
    if findings.has_errors() {
        return Err(render(&findings));
    }
    // Both languages in one import, so they merge into one node (languages detected:
    // the Russian seed has no Kazakh letters, the Kazakh record is full of them).
    let mut imp = LegacyImport::new(Options::default());
    imp.add_file("seed001.txt", SEED_RU);
    imp.add_file("seed001-kk.txt", SEED_KK);
    if imp.has_errors() || imp.languages.get(&Lang::Kk) != Some(&1) {
        return Err(render(&imp.diagnostics));
    }
    let summary = imp.apply(&mut hall);
    let it_centres = NodeId::parse("1.5.1.1.2").expect("valid");
    if let Some(key) = hall.nodes.find_label(&it_centres).cloned() {
        let mut n = hall.nodes.get_mut(&key).expect("found");
        n.tile = Some(MediaRef::parse("it-centres.svg").expect("valid"));
        n.slides.push(it_centres_figures());
    }
    // The seed records carry the legacy logo path; the demo ships its own logo.
    let logo = MediaRef::parse("logo.svg").expect("valid");
    for key in &summary.touched {
        let mut node = hall
            .nodes
            .get_mut(key)
            .expect("imported nodes are in the hall");
        if node
            .logo
            .as_ref()
            .is_some_and(|l| l.as_str() == "img/logo.png")
        {
            node.logo = Some(logo.clone());
        }
    }
    link_regions(&mut hall)?;
    let known = media().map(|(p, _)| p.to_owned()).collect();
    let findings = validate::validate(
        &hall,
        &validate::Context {
            media: Some(&known),
            maps: Some(&builtin_codes()),
        },
    );
    if findings.has_errors() {
        // At the record an imported node came from, else at its place in hall.json.
        let placed = format::place(imp.place(findings, &hall), &hall, "hall.json", HALL);
        return Err(render(&placed));
    }
    Ok(hall)
}

/// The built-in map and its regions, for validation.
fn builtin_codes() -> MapCodes {
    [(MapId::builtin(), builtin_kz().codes())].into()
}

/// Gives [`MAP_NODE`] the built-in map and the links of [`REGION_LINKS`].
fn link_regions(hall: &mut Hall) -> Result<(), String> {
    let key = |label: &str| {
        NodeId::parse(label)
            .ok()
            .and_then(|l| hall.nodes.find_label(&l).cloned())
            .ok_or_else(|| format!("hall.json has no node {label}"))
    };
    let map_node = key(MAP_NODE)?;
    let mut links = Vec::new();
    for (region, label) in REGION_LINKS {
        links.push(RegionLink {
            region: RegionCode::new(region).map_err(|e| e.to_string())?,
            node: key(label)?,
        });
    }
    let mut node = hall.nodes.get_mut(&map_node).expect("found");
    node.map = Some(NodeMap {
        map: MapId::builtin(),
        links,
    });
    Ok(())
}

/// The errors among `diags`, rendered one after another.
fn render(diags: &Diagnostics) -> String {
    diags
        .errors()
        .map(|d| d.render())
        .collect::<Vec<_>>()
        .join("\n")
}

fn both(kk: &str, ru: &str) -> Localized {
    let mut l = Localized::one(Lang::Kk, kk);
    l.set(Lang::Ru, ru.to_owned());
    l
}

/// The passport's numbers (seed 001) as a figures slide after the imported text.
fn it_centres_figures() -> Slide {
    let figure = |kk: &str,
                  ru: &str,
                  value: f64,
                  unit: (&str, &str),
                  target: Option<f64>,
                  baseline: Option<f64>| Figure {
        label: both(kk, ru),
        value,
        unit: both(unit.0, unit.1),
        target,
        baseline,
    };
    let mut s = Slide::new(Layout::Figures);
    s.title = both("Жоба сандармен", "Проект в цифрах");
    s.text = both(
        "2018–2020 жылдары IT-орталықтарда оқитындар саны.",
        "Сколько людей обучат IT-центры в 2018–2020 годах.",
    );
    s.figures = vec![
        figure(
            "Үш жылда оқытылатындар",
            "Обучат за три года",
            100_000.0,
            ("адам", "человек"),
            None,
            None,
        ),
        figure(
            "Жыл сайын",
            "Ежегодно",
            35_000.0,
            ("адам", "человек"),
            None,
            None,
        ),
        figure(
            "Цифрлық сауаттылық",
            "Цифровая грамотность",
            76.2,
            ("%", "%"),
            Some(85.0),
            None,
        ),
    ];
    s
}

/// Writes the demo's media files under `dir`, keeping their library paths.
pub fn write_media(dir: &std::path::Path) -> std::io::Result<()> {
    for (path, bytes) in media() {
        let file = dir.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(file, bytes)?;
    }
    Ok(())
}

/// The demo's media files: (path in the library, bytes).
pub fn media() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    MEDIA
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e != "md"))
        .filter_map(|f| Some((f.path().to_str()?, f.contents())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_hall_is_complete_and_clean() {
        let hall = hall().unwrap();
        assert_eq!(hall.screens.len(), 5);
        let known = media().map(|(p, _)| p.to_owned()).collect();
        let findings = validate::validate(
            &hall,
            &validate::Context {
                media: Some(&known),
                maps: Some(&builtin_codes()),
            },
        );
        assert!(findings.0.is_empty(), "{:#?}", findings.0);
        for layout in Layout::ALL {
            assert!(
                hall.nodes
                    .walk()
                    .flat_map(|n| &n.slides)
                    .any(|s| s.layout == layout),
                "no {layout:?} slide in the demo"
            );
        }
        let it_key = hall
            .nodes
            .find_label(&NodeId::parse("1.5.1.1.2").unwrap())
            .unwrap();
        let it = hall.nodes.get(it_key).unwrap();
        assert_eq!(it.slides.len(), 3);
        assert_eq!(it.slides[2].figures[0].value, 100_000.0);
        assert!(it.title.get(Lang::Kk).is_some() && it.title.get(Lang::Ru).is_some());
        assert!(it.slides[1]
            .text
            .get(Lang::Ru)
            .unwrap()
            .contains("Нысанов Адель"));
        assert!(it.slides[1].text.get(Lang::Kk).is_some());
        for n in hall.nodes.walk() {
            assert!(
                n.title.has(Lang::Kk) && n.title.has(Lang::Ru),
                "node {} lacks a language",
                hall.node_name(n.key())
            );
        }
    }

    #[test]
    fn imported_node_stands_between_its_siblings_and_keys_are_derived() {
        let hall = hall().unwrap();
        let label = |s: &str| NodeId::parse(s).unwrap();
        let parent = hall.nodes.find_label(&label("1.5.1.1")).unwrap();
        let kids: Vec<String> = hall
            .nodes
            .children(parent)
            .iter()
            .map(|k| hall.node_name(k))
            .collect();
        assert_eq!(
            kids,
            [
                "1.5.1.1.1",
                "1.5.1.1.2",
                "1.5.1.1.3",
                "1.5.1.1.4",
                "1.5.1.1.5",
                "1.5.1.1.6"
            ]
        );
        // The same keys on every machine: derived from the labels.
        for n in hall.nodes.walk() {
            assert_eq!(
                n.key(),
                &ekran_model::NodeKey::derive(n.label.as_ref().unwrap(), 0)
            );
        }
        let one = hall.screen("1").unwrap();
        assert_eq!(one.root, *hall.nodes.find_label(&label("1")).unwrap());
        assert_eq!(one.idle.attract.len(), 3);
        assert_eq!(hall.nodes.roots().len(), 5);
    }

    #[test]
    fn screen_1_has_a_map_node_linking_regions_to_its_nodes() {
        let hall = hall().unwrap();
        let one = hall.screen("1").unwrap();
        let map_key = hall
            .nodes
            .find_label(&NodeId::parse(MAP_NODE).unwrap())
            .unwrap();
        assert!(hall.nodes.is_within(map_key, &one.root), "on screen 1");
        let node = hall.nodes.get(map_key).unwrap();
        assert_eq!(node.kind, ekran_model::NodeKind::Map);
        assert_eq!(node.title.get(Lang::Kk), Some("Өңірлердегі жобалар"));
        assert_eq!(node.title.get(Lang::Ru), Some("Проекты в регионах"));
        let map = node.map.as_ref().expect("the map node has a map");
        assert!(map.map.is_builtin());
        assert!(map.links.len() >= 5, "{:?}", map.links);
        let regions: Vec<&str> = map.links.iter().map(|l| l.region.as_str()).collect();
        for city in ["KZ-71", "KZ-75", "KZ-79"] {
            assert!(regions.contains(&city), "{city} in {regions:?}");
        }
        let codes = builtin_kz().codes();
        let mut seen = std::collections::HashSet::new();
        for l in &map.links {
            assert!(seen.insert(&l.region), "{} linked twice", l.region);
            assert!(
                codes.contains(&l.region),
                "{} is on the built-in map",
                l.region
            );
            assert!(
                hall.nodes.is_within(&l.node, &one.root),
                "{} leads to {}, on screen 1",
                l.region,
                hall.node_name(&l.node)
            );
            // Each region's node is named after the region, in both languages.
            let target = hall.nodes.get(&l.node).unwrap();
            let feature = builtin_kz().feature(&l.region).unwrap();
            for lang in [Lang::Kk, Lang::Ru] {
                assert_eq!(
                    target.title.get(lang),
                    feature.name.get(lang),
                    "{}",
                    l.region
                );
                let text = target.slides[0].text.get(lang).unwrap();
                assert!(!text.trim().is_empty());
            }
        }
        // The legacy map slide of Digital Kazakhstan reads as Karaganda Region.
        let dk = hall
            .nodes
            .find_label(&NodeId::parse("1.5.1.1.3").unwrap())
            .unwrap();
        let slide = &hall.nodes.get(dk).unwrap().slides[4];
        assert_eq!(slide.layout, Layout::Map);
        assert_eq!(slide.region.as_ref().map(|r| r.as_str()), Some("KZ-35"));
    }
}
