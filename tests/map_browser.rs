//! Region maps on the tablet and the display (issue 12), in real headless Chromium: a map
//! node on `/tablet/1` draws every region of the built-in map, its linked regions lead
//! to their nodes (the display follows), an unlinked region does nothing, every linked
//! region is a tap target of at least 48×48 CSS pixels at tablet sizes (the small cities
//! too), and the display highlights and names the chosen region or, with none chosen,
//! marks the linked ones. The hall is built here: the demo plus a map node of its own.
//! Nothing is asserted about the regions' shapes (the built-in map data may change).
//! Screenshots go to `target/tmp/screenshots/map/`.

mod support;
#[path = "support/tablet.rs"]
mod tablet;
#[path = "support/visitor.rs"]
mod visitor;

use ekran_model::{
    Hall, Lang, Layout, Localized, MapId, MediaRef, Node, NodeId, NodeKey, NodeKind, NodeMap,
    RegionCode, RegionLink, Slide,
};
use serde_json::json;
use support::cdp::{Browser, Page};
use tablet::{js, key_of, open_display, open_tablet, tablet_on_map, Served, CLIPPED};

/// The map node's label, and its linked children: (label, region, layout).
const MAP: &str = "1.30";
const LINKED: [(&str, &str, Layout); 4] = [
    ("1.30.1", "KZ-75", Layout::Text),
    ("1.30.2", "KZ-79", Layout::Image),
    ("1.30.3", "KZ-35", Layout::Text),
    ("1.30.4", "KZ-71", Layout::Text),
];
/// A region of the map that the map node does not link.
const UNLINKED: &str = "KZ-10";

fn both(kk: &str, ru: &str) -> Localized {
    let mut l = Localized::one(Lang::Kk, kk);
    l.set(Lang::Ru, ru.to_owned());
    l
}

fn name(region: &str, lang: &str) -> String {
    let f = ekran_model::map::builtin_kz()
        .feature(&RegionCode::new(region).unwrap())
        .unwrap();
    let l = if lang == "kk" { Lang::Kk } else { Lang::Ru };
    f.name.get(l).unwrap().to_owned()
}

/// The demo with a map node under screen 1's root linking four regions to four nodes
/// (three with a text slide, one with a picture), and one more child it does not link.
fn map_hall(h: &mut Hall) {
    h.screens[0].idle.seconds = 600;
    h.screens[0].idle.attract.clear();
    assert!(h.nodes.find_label(&NodeId::parse(MAP).unwrap()).is_none());
    let root = h.screens[0].root.clone();
    let mut map = Node::new(NodeKey::random(), both("Өңірлер картасы", "Карта регионов"));
    map.label = Some(NodeId::parse(MAP).unwrap());
    map.kind = NodeKind::Map;
    let map_key = map.key().clone();
    h.nodes.insert(map, Some(&root), None).unwrap();
    let mut links = Vec::new();
    for (label, region, layout) in LINKED {
        let (kk, ru) = (name(region, "kk"), name(region, "ru"));
        let mut n = Node::new(
            NodeKey::random(),
            both(&format!("{kk}: жобалар"), &format!("{ru}: проекты")),
        );
        n.label = Some(NodeId::parse(label).unwrap());
        let mut s = Slide::new(layout);
        s.title = both(&format!("{kk} өңірі"), &format!("Регион: {ru}"));
        s.text = both(
            "Өңірдегі цифрлық жобалар мен олардың нәтижелері.",
            "Цифровые проекты региона и их результаты.",
        );
        if layout == Layout::Image {
            s.image = Some(MediaRef::parse("internet-villages.svg").unwrap());
        }
        n.slides.push(s);
        links.push(RegionLink {
            region: RegionCode::new(region).unwrap(),
            node: n.key().clone(),
        });
        h.nodes.insert(n, Some(&map_key), None).unwrap();
    }
    let mut other = Node::new(NodeKey::random(), both("Карта туралы", "О карте"));
    other.label = Some(NodeId::parse("1.30.5").unwrap());
    h.nodes.insert(other, Some(&map_key), None).unwrap();
    h.nodes.get_mut(&map_key).unwrap().map = Some(NodeMap {
        map: MapId::builtin(),
        links,
    });
}

fn shots() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots/map");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(page: &Page, name: &str) {
    // A display's frame fully faded in.
    page.wait_for(
        "[...document.querySelectorAll('.frame.shown')].every(f => getComputedStyle(f).opacity === '1')",
        10,
        "the frame faded in",
    )
    .await;
    let png = page.screenshot().await;
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 3_000,
        "{name} is blank-ish"
    );
    std::fs::write(shots().join(format!("{name}.png")), png).unwrap();
}

/// Goes to the map node from wherever the tablet is: home, then the map node's tile.
async fn to_map(tablet: &Page, s: &Served) {
    let root = s.hall.screens[0].root.to_string();
    if tablet
        .eval("document.getElementById('app').dataset.node")
        .await
        != root.as_str()
    {
        tablet.click("#home").await;
        tablet
            .wait_for(
                &format!("document.getElementById('app').dataset.node === '{root}' && !document.getElementById('app').dataset.pending"),
                10,
                "the tablet at home",
            )
            .await;
    }
    tablet
        .click(&format!(".tile[data-node=\"{}\"]", key_of(&s.hall, MAP)))
        .await;
    tablet_on_map(tablet, s, MAP).await;
}

/// The display shows `label`'s node, its frame fitted and on screen.
async fn display_on(display: &Page, s: &Served, label: &str, lang: &str) {
    let node = key_of(&s.hall, label);
    display
        .wait_for(
            &format!("(() => {{ const d = document.getElementById('display'); const f = d.querySelectorAll('.frame.shown'); return d.dataset.node === '{node}' && d.dataset.lang === '{lang}' && f.length === 1 && f[0].dataset.fitted === 'true' && d.querySelectorAll('.frame').length === 1; }})()"),
            10,
            &format!("the display at {label} in {lang}"),
        )
        .await;
}

/// Where region `id`'s tap target is on the page: the centre of its marker if it has
/// one, else its label point (inside the region), in CSS pixels.
async fn region_point(page: &Page, id: &str) -> (f64, f64) {
    let p = page
        .eval(&format!(
            "(() => {{ const svg = document.querySelector('#map svg.mapdraw'); const id = {id}; \
             const hit = svg.querySelector(`.hit[data-region=\"${{id}}\"]`); \
             if (hit) {{ const r = hit.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }} \
             const f = svg.ekranMap.doc.features.find(f => f.id === id); \
             const q = new DOMPoint(f.label[0], f.label[1]).matrixTransform(svg.getScreenCTM()); return [q.x, q.y]; }})()",
            id = js(id)
        ))
        .await;
    (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())
}

async fn tap_at(page: &Page, at: (f64, f64)) {
    for kind in ["mousePressed", "mouseReleased"] {
        page.call(
            "Input.dispatchMouseEvent",
            json!({ "type": kind, "x": at.0, "y": at.1, "button": "left", "clickCount": 1 }),
        )
        .await
        .unwrap();
    }
}

/// Linked regions whose tap target (the largest of their shape and marker) or list
/// button is under 48×48 CSS pixels, with the sizes.
const SMALL_TARGETS: &str = r#"(() => {
  const bad = [];
  const svg = document.querySelector('#map svg.mapdraw');
  for (const p of svg.querySelectorAll('path.region.linked')) {
    const id = p.dataset.region;
    let w = 0, h = 0;
    for (const e of svg.querySelectorAll(`path[data-region="${id}"], .hit[data-region="${id}"]`)) {
      const r = e.getBoundingClientRect();
      w = Math.max(w, r.width);
      h = Math.max(h, r.height);
    }
    if (w < 48 || h < 48) bad.push(['map', id, Math.round(w), Math.round(h)]);
  }
  for (const b of document.querySelectorAll('#map .map-link')) {
    if (b.offsetWidth < 48 || b.offsetHeight < 48) bad.push(['list', b.dataset.region, b.offsetWidth, b.offsetHeight]);
  }
  return bad;
})()"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tablet_map_leads_to_linked_regions_and_the_display_follows() {
    let s = tablet::serve(map_hall).await;
    let hall = &s.hall;
    let features = ekran_model::map::builtin_kz().features.len();
    let browser = Browser::launch().await;
    let display = open_display(&browser, &s).await;
    let tablet = open_tablet(&browser, &s, 1280, 800).await;
    to_map(&tablet, &s).await;

    // Every region drawn; the four linked ones tappable, the others dimmed.
    let drawn = tablet
        .eval("[document.querySelectorAll('#map path.region[data-region]').length, [...document.querySelectorAll('#map path.region.linked')].map(p => p.dataset.region).sort(), document.querySelectorAll('#map path.region.dim').length, document.querySelector('#map svg').getAttribute('aria-hidden')]")
        .await;
    let mut linked: Vec<&str> = LINKED.iter().map(|l| l.1).collect();
    linked.sort_unstable();
    assert_eq!(drawn[0], features as u64, "one path per region: {drawn}");
    assert_eq!(drawn[1], json!(linked), "{drawn}");
    assert_eq!(drawn[2], (features - LINKED.len()) as u64, "{drawn}");
    assert_eq!(drawn[3], "true", "the list is the accessible way: {drawn}");
    // The list: one button per linked region, sorted by name, with the link's title;
    // the child the map does not link stays a tile.
    let list = tablet
        .eval("[[...document.querySelectorAll('#map .map-link')].map(b => [b.dataset.region, b.querySelector('.map-link-name').textContent, b.querySelector('.map-link-title')?.textContent]), [...document.querySelectorAll('#tiles .tile')].map(t => t.dataset.node)]")
        .await;
    let order: Vec<&str> = list[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b[0].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        ["KZ-75", "KZ-71", "KZ-35", "KZ-79"],
        "by Kazakh name: {list}"
    );
    assert_eq!(list[0][0][1], name("KZ-75", "kk"), "{list}");
    assert_eq!(list[0][0][2], "Алматы: жобалар", "{list}");
    assert_eq!(list[1], json!([key_of(hall, "1.30.5")]), "{list}");

    // Tap targets of at least 48×48 px, the small cities too, landscape and portrait.
    for (w, h) in [(1280, 800), (800, 1280)] {
        tablet.resize(w, h).await;
        tablet
            .wait_for(
                &format!("innerWidth === {w} && (() => {{ const svg = document.querySelector('#map svg'); const r = svg.getBoundingClientRect(); return svg.dataset.fitted === `${{Math.round(r.width)}}x${{Math.round(r.height)}}`; }})()"),
                10,
                "the map fitted to the new size",
            )
            .await;
        assert_eq!(tablet.eval(SMALL_TARGETS).await, json!([]), "at {w}×{h}");
        let cities = tablet
            .eval("['KZ-75', 'KZ-79'].map(id => !!document.querySelector(`#map .hit[data-region=\"${id}\"]`) || (() => { const r = document.querySelector(`#map path[data-region=\"${id}\"]`).getBoundingClientRect(); return r.width >= 48 && r.height >= 48; })())")
            .await;
        assert_eq!(
            cities,
            json!([true, true]),
            "Almaty and Shymkent at {w}×{h}"
        );
        assert_eq!(tablet.eval(CLIPPED).await, json!([]), "at {w}×{h}");
        shot(&tablet, &format!("tablet-map-kk-{w}x{h}")).await;
    }
    tablet.resize(1280, 800).await;

    // An unlinked region: nothing is sent and nothing changes.
    display_on(&display, &s, MAP, "kk").await;
    let before = display
        .eval("document.getElementById('display').dataset.seq")
        .await;
    let taps = tablet.eval("window.ekranTaps.length").await;
    let at = region_point(&tablet, UNLINKED).await;
    let under = tablet
        .eval(&format!(
            "document.elementFromPoint({}, {}).closest('[data-region]')?.dataset.region",
            at.0, at.1
        ))
        .await;
    assert_eq!(under, UNLINKED, "the tap lands on the unlinked region");
    tap_at(&tablet, at).await;
    // Then a command of another tablet, answered: had the tap sent anything, it came first.
    let mut other = visitor::Tablet::connect(s.addr).await;
    other.send(json!({"type": "stay"})).await;
    other
        .until("the ack of stay", |v| v["type"] == "ack" && v["ref"] == 1)
        .await;
    assert_eq!(
        tablet.eval("window.ekranTaps.length").await,
        taps,
        "no command sent"
    );
    assert_eq!(
        tablet
            .eval("document.getElementById('app').dataset.node")
            .await,
        key_of(hall, MAP)
    );
    display_on(&display, &s, MAP, "kk").await;
    assert_eq!(
        display
            .eval("document.getElementById('display').dataset.seq")
            .await,
        before,
        "the display stays"
    );

    // With no region chosen, the display marks every linked region.
    let marked = display
        .eval("[[...document.querySelectorAll('#display .frame.shown path.region.linked')].map(p => p.dataset.region).sort(), document.querySelectorAll('#display .frame.shown path.region[data-region]').length, document.querySelectorAll('#display .frame.shown .region.active').length]")
        .await;
    assert_eq!(marked, json!([linked, features, 0]), "{marked}");
    // Kept for going offline with the state that shows it (display-offline.js).
    display
        .wait_for(
            "(() => { const d = document.getElementById('display'); return d.dataset.saved === d.dataset.seq; })()",
            10,
            "the display's state and its media kept",
        )
        .await;
    let kept = display
        .eval("caches.open('ekran-content').then(c => c.match('/maps/kz')).then(r => r ? r.json() : null).then(d => d && [d.format, d.features.length])")
        .await;
    assert_eq!(
        kept,
        json!(["ekran-map/1", features]),
        "the map kept offline"
    );
    shot(&display, "display-map-kk").await;

    // A linked region: the display shows its node, the region highlighted and named.
    for (lang, region, label) in [("kk", "KZ-35", "1.30.3"), ("ru", "KZ-75", "1.30.1")] {
        if lang == "ru" {
            tablet.click("[data-lang=\"ru\"]").await;
            to_map(&tablet, &s).await;
            display_on(&display, &s, MAP, "ru").await;
            shot(&display, "display-map-ru").await;
            shot(&tablet, "tablet-map-ru-1280x800").await;
        }
        let at = region_point(&tablet, region).await;
        tap_at(&tablet, at).await;
        display_on(&display, &s, label, lang).await;
        let shown = display
            .eval("[[...document.querySelectorAll('#display .frame.shown .region.active')].map(p => p.dataset.region), document.querySelector('#display .frame.shown .rbadge')?.textContent.replaceAll('\\u00ad', ''), (t => t && (t.children.length ? [...t.children].map(x => x.textContent).join(' ') : t.textContent))(document.querySelector('#display .frame.shown svg.mapdraw text.label.active.shown'))]")
            .await;
        let n = name(region, lang);
        assert_eq!(shown, json!([[region], n, n]), "{lang} {region}: {shown}");
        shot(&display, &format!("display-region-{lang}")).await;
        tablet
            .wait_for(
                &format!(
                    "document.getElementById('app').dataset.node === '{}' && document.getElementById('map').hidden && document.getElementById('region').textContent.includes({})",
                    key_of(hall, label),
                    js(&n)
                ),
                10,
                "the tablet at the linked node, the region named",
            )
            .await;
    }

    // A picture slide at a linked node stays as it is; the region is named in a badge.
    to_map(&tablet, &s).await;
    tablet.click("#map .map-link[data-region=\"KZ-79\"]").await;
    display_on(&display, &s, "1.30.2", "ru").await;
    let kept = display
        .eval("[document.querySelector('#display .stage').dataset.layout, document.querySelector('#display .hdr .rbadge')?.dataset.region, document.querySelector('#display .hdr .rbadge')?.textContent.replaceAll('\\u00ad', '')]")
        .await;
    assert_eq!(
        kept,
        json!(["image", "KZ-79", name("KZ-79", "ru")]),
        "{kept}"
    );

    let errors = browser.console_errors.lock().unwrap().clone();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}
