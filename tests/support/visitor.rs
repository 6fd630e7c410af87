//! The hall and server of the display's browser tests (tests/layout_browser.rs,
//! tests/display_visitor_browser.rs): the demo with the longest texts and numbers of the
//! legacy seed documents, and the legacy case of failed videos.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ekran_model::{Figure, Hall, Lang, Layout, Localized, MediaRef, Node, NodeId, NodeKey, Slide};

/// The control key of the test servers.
pub const KEY: &str = "feedfacefeedfacefeedfacefeedface";

fn both(kk: &str, ru: &str) -> Localized {
    let mut l = Localized::one(Lang::Kk, kk);
    l.set(Lang::Ru, ru.to_owned());
    l
}

pub fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/visitor")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn media(name: &str) -> Option<MediaRef> {
    Some(MediaRef::parse(name).unwrap())
}

fn slide(layout: Layout, title: Localized, text: Localized) -> Slide {
    let mut s = Slide::new(layout);
    s.title = title;
    s.text = text;
    s
}

fn figure(
    kk: &str,
    ru: &str,
    value: f64,
    unit: (&str, &str),
    target: Option<f64>,
    baseline: Option<f64>,
) -> Figure {
    Figure {
        label: both(kk, ru),
        value,
        unit: both(unit.0, unit.1),
        target,
        baseline,
    }
}

/// The demo hall, screen 1 in its densest theme, with two extra nodes under its root:
/// `1.8` without slides and with eight children of long titles (the node title screen
/// and its cards), and `1.9` with the legacy seed documents as slide text in every
/// layout and the biggest numbers of the seeds as figures.
pub fn layout_hall() -> Hall {
    let mut hall = ekran_demo::hall().unwrap();
    hall.screens[0].idle.seconds = 3600;
    hall.screens[0].idle.attract.clear();
    hall.screens[0].theme = "steppe".into();
    let root = hall.screens[0].root.clone();

    let mut menu = Node::new(
        NodeKey::random(),
        both(
            "Республикалық қоғамдық қабылдау бөлімі және оның өңірлік филиалдары",
            "Республиканская общественная приёмная и её региональные филиалы",
        ),
    );
    menu.label = Some(NodeId::parse("1.8").unwrap());
    let menu_key = menu.key().clone();
    hall.nodes.insert(menu, Some(&root), None).unwrap();
    let titles = [
        (
            "Саяси Менеджмент Академиясы және Стратегиялық Бастамалар Институты",
            "Академия политического менеджмента и Институт стратегических инициатив",
        ),
        (
            "Геоақпараттық жер сервисі",
            "Геоинформационный земельный сервис",
        ),
        (
            "Мемлекеттік қызметтерді автоматтандыру",
            "Автоматизация государственных услуг",
        ),
        (
            "Цифрлық сауаттылықты арттыру бағдарламасы",
            "Программа повышения цифровой грамотности",
        ),
        (
            "Мектеп асханаларын жаңғырту",
            "Модернизация школьных столовых",
        ),
        (
            "Ауылдарды жоғары жылдамдықты интернетке қосу",
            "Подключение сёл к высокоскоростному интернету",
        ),
        ("Құзыреттілік орталықтары", "Центры компетенций"),
        ("Ақылды қала тұжырымдамасы", "Концепция «умного города»"),
    ];
    for (i, (kk, ru)) in titles.iter().enumerate() {
        let mut n = Node::new(NodeKey::random(), both(kk, ru));
        n.label = Some(NodeId::parse(&format!("1.8.{}", i + 1)).unwrap());
        if i % 2 == 0 {
            n.tile = media("placeholder.svg");
        }
        hall.nodes.insert(n, Some(&menu_key), None).unwrap();
    }

    let (s000, s002, s003, s004) = (
        fixture("seed000.txt"),
        fixture("seed002.txt"),
        fixture("seed003.txt"),
        fixture("seed004.txt"),
    );
    let mut long = Node::new(
        NodeKey::random(),
        both(
            "Цифрлық Қазақстан: құжаттар",
            "Цифровой Казахстан: документы",
        ),
    );
    long.label = Some(NodeId::parse("1.9").unwrap());
    long.kind = ekran_model::NodeKind::Slideshow;
    long.logo = media("logo.svg");
    let mut text = slide(
        Layout::Text,
        both(
            "Үкімет отырысы: «Цифрлық Қазақстан» бағдарламасын автоматтандыру",
            "Правительство: завершить программу «Цифровой Казахстан»",
        ),
        both(&s002, &s004),
    );
    text.image = None;
    let mut split = slide(
        Layout::ImageText,
        both(
            "IT-сыныптар, IT-орталықтар және асханалар",
            "Поручения премьер-министра",
        ),
        both(&s000, &s004),
    );
    split.image = media("digital-kz.svg");
    let mut map = slide(
        Layout::Map,
        both(
            "Өңірдің «Цифрлық Қазақстан» бағдарламасындағы ілгерілеуі",
            "Регион в программе «Цифровой Казахстан»",
        ),
        both(&s003, &s004),
    );
    map.image = media("region-map.svg");
    map.region = Some(ekran_model::RegionCode::new("KZ-35").unwrap());
    let mut figs = slide(
        Layout::Figures,
        both("Бағдарламаның нәтижелері сандармен", "Итоги программы в цифрах"),
        both(
            "2018–2019 жылдары бағдарламаны іске асырудан түскен экономикалық әсер 802,5 млрд теңгені құрады, 120 000 жұмыс орны ашылды, мемлекеттік қызметтердің 90 пайызы автоматтандырылды.",
            "Экономический эффект от реализации программы в 2018–2019 годах составил 802,5 млрд тенге, создано 120 000 рабочих мест, автоматизировано 90 процентов государственных услуг.",
        ),
    );
    figs.figures = vec![
        figure(
            "Экономикалық әсер",
            "Экономический эффект",
            802.5,
            ("млрд теңге", "млрд тенге"),
            None,
            None,
        ),
        figure(
            "Құрылған жұмыс орындары",
            "Созданные рабочие места",
            120_000.0,
            ("жұмыс орны", "рабочих мест"),
            Some(150_000.0),
            None,
        ),
        figure(
            "Тартылған инвестициялар",
            "Привлечённые инвестиции",
            32.8,
            ("млрд теңге", "млрд тенге"),
            None,
            None,
        ),
        figure(
            "Автоматтандырылған мемлекеттік қызметтер",
            "Автоматизированные государственные услуги",
            90.0,
            ("%", "%"),
            Some(100.0),
            Some(61.0),
        ),
        figure(
            "Жыл сайын оқытылатын оқушылар",
            "Школьников обучают ежегодно",
            150_000.0,
            ("оқушы", "учеников"),
            None,
            None,
        ),
        figure(
            "Интернетке қосылған ауылдар",
            "Сёла, подключённые к интернету",
            1_000_000.0,
            ("тұрғын", "жителей"),
            Some(2_500_000.0),
            Some(250_000.0),
        ),
    ];
    let mut image = slide(
        Layout::Image,
        both(
            "Ауылдарды жоғары жылдамдықты интернетке қосу: 250-ден астам тұрғыны бар елді мекендер",
            "Подключение к высокоскоростному интернету сёл с населением более 250 человек",
        ),
        Localized::default(),
    );
    image.image = media("internet-villages.svg");
    let mut video = slide(
        Layout::Video,
        both(
            "Мемлекеттік қызметтерді автоматтандыру және цифрлық сауаттылық",
            "Автоматизация государственных услуг и цифровая грамотность",
        ),
        both(&s002, &s004),
    );
    video.video = media("demo.webm");
    long.slides = vec![text, split, map, figs, image, video];
    hall.nodes.insert(long, Some(&root), None).unwrap();
    hall
}

pub struct Served {
    pub addr: SocketAddr,
    pub hub: Arc<ekran_server::Hub>,
    _data: tempfile::TempDir,
}

/// `hall` served on 127.0.0.1:0 with the demo's media; displays need no pairing.
pub async fn serve(hall: Hall) -> Served {
    serve_with(hall, |_| {}).await
}

/// [`serve`], with more files written into the media folder first.
pub async fn serve_with(hall: Hall, more: impl FnOnce(&std::path::Path)) -> Served {
    let data = tempfile::tempdir().unwrap();
    let media = data.path().join("media");
    ekran_demo::write_media(&media).unwrap();
    more(&media);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state = ekran_server::AppState::new(Arc::new(hall), 1, Vec::new(), KEY.into(), media);
    state.open_displays = true;
    let hub = state.hub.clone();
    tokio::spawn(ekran_server::launch_with_tcp_listener(
        listener,
        state,
        std::future::pending(),
    ));
    Served {
        addr,
        hub,
        _data: data,
    }
}

/// The legacy case of failed videos (`tests/fixtures/visitor/missing-video.json`, from
/// the issue) imported by the legacy importer: node 1.1 has text and the placeholder
/// `/video/1.mp4`, which does not exist; 1.2 a video file that is not a video
/// (`broken.mp4`) and no text. Added here: 1.3, text and a video whose download the
/// test holds (`video/stall.mp4`). Media to write: [`broken_media`].
pub fn failed_video_hall() -> Hall {
    let mut hall = Hall::default();
    let mut imp = ekran_legacy::import::LegacyImport::new(ekran_legacy::import::Options::default());
    imp.add_file(
        "missing-video.json",
        fixture("missing-video.json").as_bytes(),
    );
    assert!(!imp.has_errors(), "the legacy case imports");
    imp.apply(&mut hall);
    let root = hall.screens[0].root.clone();
    let mut stall = Node::new(
        NodeKey::random(),
        both("Тоқтап қалған бейне", "Зависшее видео"),
    );
    stall.label = Some(NodeId::parse("1.3").unwrap());
    let mut s = slide(
        Layout::Video,
        both("Тоқтап қалған бейне", "Зависшее видео"),
        both(
            "Бейне жүктелмесе де, бұл мәтін көрінеді.",
            "Этот текст виден, даже если видео не загрузилось.",
        ),
    );
    s.video = media("video/stall.mp4");
    stall.slides.push(s);
    hall.nodes.insert(stall, Some(&root), None).unwrap();
    hall.screens[0].idle.seconds = 3600;
    hall
}

/// Writes the case's `broken.mp4` where its record points (`video/broken.mp4`), and a
/// file for the held video to be asked for.
pub fn broken_media(media: &std::path::Path) {
    let dir = media.join("video");
    std::fs::create_dir_all(&dir).unwrap();
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/visitor/broken.mp4");
    std::fs::copy(p, dir.join("broken.mp4")).unwrap();
    std::fs::write(
        dir.join("stall.mp4"),
        ekran_demo::media()
            .find(|(p, _)| p.ends_with("demo.webm"))
            .unwrap()
            .1,
    )
    .unwrap();
}

/// The key of the node labelled `label`.
pub fn key(hall: &Hall, label: &str) -> String {
    hall.nodes
        .find_label(&NodeId::parse(label).unwrap())
        .unwrap_or_else(|| panic!("no node {label}"))
        .to_string()
}

/// A script's tablet connection to screen 1.
pub struct Tablet {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    id: u64,
}

impl Tablet {
    pub async fn connect(addr: SocketAddr) -> Tablet {
        let key = ekran_server::key::screen_key(KEY, "1");
        let (ws, _) =
            tokio_tungstenite::connect_async(format!("ws://{addr}/ws/1?role=tablet&key={key}"))
                .await
                .unwrap();
        Tablet { ws, id: 0 }
    }

    /// Sends a command with a fresh id.
    pub async fn send(&mut self, mut v: serde_json::Value) {
        use futures_util::SinkExt;
        self.id += 1;
        v["id"] = serde_json::json!(self.id);
        self.ws
            .send(tokio_tungstenite::tungstenite::Message::Text(
                v.to_string().into(),
            ))
            .await
            .unwrap();
    }

    /// The next message from the server for which `pred` holds (10 s at most).
    pub async fn until(
        &mut self,
        what: &str,
        pred: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        use futures_util::StreamExt;
        let wait = async {
            while let Some(Ok(m)) = self.ws.next().await {
                if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
                    let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                    if pred(&v) {
                        return v;
                    }
                }
            }
            panic!("the tablet socket closed waiting for {what}");
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), wait)
            .await
            .unwrap_or_else(|_| panic!("no {what} within 10 s"))
    }
}

/// Records what the page sends on its WebSockets (`window.ekranSent`, parsed), from the
/// next load on; reloads the page.
pub async fn record_sent(page: &crate::support::cdp::Page) {
    page.call(
        "Page.addScriptToEvaluateOnNewDocument",
        serde_json::json!({ "source": "window.ekranSent = []; const send0 = WebSocket.prototype.send; WebSocket.prototype.send = function (d) { try { window.ekranSent.push(JSON.parse(d)); } catch (e) {} return send0.call(this, d); };" }),
    )
    .await
    .unwrap();
    page.reload().await;
}
