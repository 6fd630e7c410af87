//! Throughput and peak memory of the tolerant reader on a ~50 MB legacy file.
//!
//! `cargo bench -p ekran-legacy --bench parse` (plain binary, no harness). It builds one
//! data set twice: as editors of the legacy system wrote it (raw line breaks and tabs in
//! strings, unescaped inner quotes, missing and trailing commas, `//` comments, numeric
//! `map`) and as valid JSON (serde_json's serialization of the same value). It checks
//! that both forms read to that value, then measures, best of several runs:
//! our reader on the legacy form, our reader on the valid form, and
//! `serde_json::from_slice::<Value>` on the valid form; and the peak heap of each, via a
//! counting global allocator, as a multiple of the input size.
//!
//! Set `EKRAN_BENCH_MB` to change the size (default 50) and `EKRAN_BENCH_RUNS` the runs
//! (default 5).

use std::time::Duration;

use ekran_legacy::json::{self, Node, Value};
use serde_json::Value as J;

#[path = "../../../benches/support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::measure;

// ---------------------------------------------------------------------------------------
// The data set.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const SENTENCES: &[&str] = &[
    "В современных условиях цифровая трансформация является основным фактором технологических перемен и условием обеспечения конкурентоспособности страны.",
    "В настоящее время уровень цифровой грамотности населения составляет 76,2% и необходим последовательный рост в ближайшие годы.",
    "Председатель МК \"Жас Отан\" выступил на республиканском форуме молодежи.",
    "Партия «Нұр Отан» провела расширенное заседание политического совета.",
    "Жастар саясаты жөніндегі кеңес құрылды, оның құрамына өңірлердің өкілдері кірді.",
    "\tОтветственный руководитель проекта — Нысанов Адель Туребекович.",
    "Цель проекта: подготовка до 100 000 IT-специалистов, по 35 000 человек ежегодно.",
    "В работе съезда приняли участие более 300 делегатов из всех регионов.",
    "Механизм реализации: обучение на базе IT-центров «Жас Отан» в 17 регионах.",
    "Ожидаемая окупаемость (ROI) составит от 4,8 до 6,4 раза к 2025 году.",
];
const TITLES: &[&str] = &[
    "IT-ЦЕНТРЫ",
    "Подготовка IT-специалистов",
    "МК \"Жас Отан\"",
    "I Съезд",
    "Цифрлық Қазақстан",
    "Председатель МК \"Жас Отан\"",
    "Партия «Нұр Отан»",
];

struct Slide {
    title: String,
    text: String,
    img: String,
    video: String,
    /// `None`: the empty string; `Some((n, true))`: the number `n`; `Some((n, false))`: "n".
    map: Option<(u32, bool)>,
}

struct Record {
    id: String,
    logo_title: String,
    slides: Vec<Slide>,
}

fn make_text(rng: &mut Rng) -> String {
    let mut s = String::new();
    for p in 0..1 + rng.below(6) {
        if p > 0 {
            s.push_str(if rng.below(3) == 0 { "\n" } else { "\n\n" });
        }
        for k in 0..1 + rng.below(5) {
            if k > 0 {
                s.push(' ');
            }
            s.push_str(rng.pick(SENTENCES));
        }
    }
    if rng.below(4) == 0 {
        s.push_str(" МК \"Жас Отан\"");
    }
    s
}

fn make_records(target: usize, rng: &mut Rng) -> Vec<Record> {
    let mut out = Vec::new();
    let mut size = 0;
    while size < target {
        let i = out.len();
        let slides: Vec<Slide> = (0..1 + rng.below(4))
            .map(|k| Slide {
                title: rng.pick(TITLES).to_owned(),
                text: make_text(rng),
                img: if rng.below(3) == 0 {
                    format!("static/img/{i}_{k}.jpg")
                } else {
                    String::new()
                },
                video: if rng.below(4) == 0 {
                    "/video/1.mp4".to_owned()
                } else {
                    String::new()
                },
                map: match rng.below(4) {
                    0 => Some((1 + rng.below(17) as u32, true)),
                    1 => Some((1 + rng.below(17) as u32, false)),
                    _ => None,
                },
            })
            .collect();
        size += slides
            .iter()
            .map(|s| s.text.len() + s.title.len() + 200)
            .sum::<usize>()
            + 200;
        out.push(Record {
            id: format!("{}.{}.{}", 1 + i % 6, 1 + (i / 6) % 9, 1 + i / 54),
            logo_title: rng.pick(TITLES).to_owned(),
            slides,
        });
    }
    out
}

fn to_value(recs: &[Record]) -> J {
    J::Array(
        recs.iter()
            .map(|r| {
                let content: Vec<J> = r
                    .slides
                    .iter()
                    .map(|s| {
                        serde_json::json!({
                            "title": s.title,
                            "block": "2",
                            "img_path": s.img,
                            "video": s.video,
                            "map": match s.map {
                                None => J::from(""),
                                Some((n, true)) => J::from(n),
                                Some((n, false)) => J::from(n.to_string()),
                            },
                            "text": s.text,
                        })
                    })
                    .collect();
                let root = r.id.split('.').next().unwrap();
                serde_json::json!({
                    "name": root,
                    "ID": r.id,
                    "logo_title": r.logo_title,
                    "logo_path": "/img/logo.png",
                    "slide_max": r.slides.len(),
                    "slide_now": 1,
                    "content": content,
                })
            })
            .collect(),
    )
}

/// The legacy form, in the style of seed 001 and zhas-ru: strings written raw (line
/// breaks, tabs and inner quotes unescaped), a missing comma, trailing commas, comments.
fn write_legacy(recs: &[Record], rng: &mut Rng) -> String {
    let mut o = String::from("[\n");
    for (i, r) in recs.iter().enumerate() {
        let root = r.id.split('.').next().unwrap();
        // A missing comma after "name", as in seed 001.
        let name_sep = if rng.below(3) == 0 { "" } else { "," };
        o.push_str(&format!(
            "{{\n  \"name\": \"{root}\"{name_sep}\n  \"ID\": \"{}\",    \n  \"logo_title\": \"{}\",\n  \"logo_path\": \"/img/logo.png\",\n  \"slide_max\": {},\n  \"slide_now\": 1,\n  \"content\": [ // слайды //\n",
            r.id,
            r.logo_title,
            r.slides.len()
        ));
        for (k, s) in r.slides.iter().enumerate() {
            let map = match s.map {
                None => "\"\"".to_owned(),
                Some((n, true)) => n.to_string(),
                Some((n, false)) => format!("\"{n}\""),
            };
            let trailing = if rng.below(2) == 0 { "," } else { "" };
            o.push_str(&format!(
                "    {{\n        \"title\": \"{}\",\n\t\"block\": \"2\", \n        \"img_path\": \"{}\",\n        \"video\": \"{}\", /* видео */\n        \"map\": {map},\n        \"text\": \"{}\"{trailing}\n     }}",
                s.title, s.img, s.video, s.text
            ));
            let last = k + 1 == r.slides.len();
            o.push_str(if !last || rng.below(2) == 0 {
                ",\n"
            } else {
                "\n"
            });
        }
        o.push_str("  ]\n}");
        // Between records: a comma, sometimes none (a missing comma), sometimes trailing.
        let last = i + 1 == recs.len();
        o.push_str(match (last, rng.below(5)) {
            (false, 0) => "\n",
            (false, _) => ",\n",
            (true, 0) => ",\n",
            (true, _) => "\n",
        });
    }
    o.push_str("]\n");
    o
}

fn ours_to_serde(n: &Node) -> J {
    match &n.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(raw) => serde_json::from_str(raw).expect("number text"),
        Value::String(s) => J::String(s.clone()),
        Value::Array(items) => J::Array(items.iter().map(ours_to_serde).collect()),
        Value::Object(m) => J::Object(
            m.iter()
                .map(|m| (m.key.clone(), ours_to_serde(&m.value)))
                .collect(),
        ),
    }
}

// ---------------------------------------------------------------------------------------

struct Row {
    name: &'static str,
    bytes: usize,
    best: Duration,
    median: Duration,
    peak: usize,
}

fn run<T>(name: &'static str, input: &[u8], runs: usize, f: impl Fn(&[u8]) -> T) -> Row {
    let mut times = Vec::new();
    let mut peak = 0;
    for _ in 0..runs {
        let (out, took, p) = measure(|| f(input));
        drop(out);
        times.push(took);
        peak = peak.max(p);
    }
    times.sort();
    Row {
        name,
        bytes: input.len(),
        best: times[0],
        median: times[times.len() / 2],
        peak,
    }
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn main() {
    let mb: usize = std::env::var("EKRAN_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let runs: usize = std::env::var("EKRAN_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    // `cargo bench` passes `--bench`; anything else (a filter) is ignored.

    let mut rng = Rng(0x5EED_0001);
    let recs = make_records(mb * 1_000_000, &mut rng);
    let legacy = write_legacy(&recs, &mut rng).into_bytes();
    let value = to_value(&recs);
    let valid = serde_json::to_vec(&value).unwrap();
    drop(recs);

    // Both forms must read to the same value, or the numbers mean nothing.
    let p = json::parse(&legacy);
    let repairs = p.repairs.len() + p.repairs_dropped;
    let node = p.value.unwrap_or_else(|e| panic!("legacy form: {e:?}"));
    assert!(
        ours_to_serde(&node) == value,
        "the legacy form read to a different value"
    );
    drop(node);
    let p = json::parse(&valid);
    assert!(
        p.repairs.is_empty(),
        "repairs on the valid form: {:?}",
        &p.repairs[..p.repairs.len().min(3)]
    );
    assert!(
        ours_to_serde(&p.value.unwrap()) == value,
        "the valid form read to a different value"
    );
    drop(value);

    println!(
        "input: legacy form {:.1} MB ({} repairs when read), valid JSON form {:.1} MB; best and median of {runs} runs",
        legacy.len() as f64 / 1e6,
        repairs,
        valid.len() as f64 / 1e6
    );

    let rows = [
        run("ekran json::parse, legacy form", &legacy, runs, json::parse),
        run("ekran json::parse, valid form", &valid, runs, json::parse),
        run(
            "serde_json::from_slice::<Value>, valid form",
            &valid,
            runs,
            |b| serde_json::from_slice::<J>(b).unwrap(),
        ),
    ];
    let serde_best = mbps(rows[2].bytes, rows[2].best);
    println!();
    println!(
        "{:<46} {:>9} {:>10} {:>10} {:>9} {:>10} {:>8}",
        "what", "input MB", "best MB/s", "median", "vs serde", "peak heap", "x input"
    );
    for r in &rows {
        let best = mbps(r.bytes, r.best);
        println!(
            "{:<46} {:>9.1} {:>10.1} {:>10.1} {:>8.2}x {:>7.1} MB {:>7.2}x",
            r.name,
            r.bytes as f64 / 1e6,
            best,
            mbps(r.bytes, r.median),
            best / serde_best,
            r.peak as f64 / 1e6,
            r.peak as f64 / r.bytes as f64
        );
    }
    println!();
    let ratio = mbps(rows[0].bytes, rows[0].best) / serde_best;
    let mem = rows[0].peak as f64 / rows[0].bytes as f64;
    println!(
        "targets: tolerant parse >= 0.5x serde_json throughput: {:.2}x {}; peak heap <= 3x input: {:.2}x {}",
        ratio,
        if ratio >= 0.5 { "MET" } else { "MISSED" },
        mem,
        if mem <= 3.0 { "MET" } else { "MISSED" }
    );
}
