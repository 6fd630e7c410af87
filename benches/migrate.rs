//! Migrating a TCD hall (issue 14), two parts; prints numbers, asserts nothing about
//! time.
//!
//! * `oneline`: `ekran check` of 3 000 and 30 000 legacy records on ONE line (minified
//!   JSON, `mongoexport --jsonArray`), each drawing a missing-translation warning, as
//!   `python3 one-line-records.py N` writes them: parse, merge, validate and render
//!   every diagnostic. Linear means the 30 000 run takes about 10× the 3 000 one.
//! * `dump`: `ekran import legacy` of a generated ~200 MB mongodump folder: `old.bson`
//!   (Russian full records) and `oldKZ.bson` (Kazakh full records, plus second-shape
//!   menus over one parent in ten), read from disk, parsed, merged and stored in a new
//!   data directory with a published version. Prints MB/s and the peak heap (a
//!   counting allocator) and peak resident memory (VmHWM), against the dump's size.
//!
//! Run: `cargo bench --bench migrate` (or `-- oneline`, `-- dump`). `EKRAN_BENCH_MB`
//! sets the dump size (default 200).

use std::time::Instant;

use bson::doc;
use ekran_core::import::{After, Input, LegacyBatch};
use ekran_core::{Core, CLI};
use ekran_legacy::import::Options;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

fn main() {
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let run = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    if run("oneline") {
        oneline();
    }
    if run("dump") {
        dump();
    }
}

/// The records of `one-line-records.py N`, on one line.
fn one_line(n: usize) -> Vec<u8> {
    let rec = |i: usize| {
        let id = if i == 0 {
            "1".to_owned()
        } else {
            format!("1.{i}")
        };
        format!(
            r#"{{"name":"1","ID":"{id}","logo_title":"T","logo_path":"/img/logo.png","slide_max":1,"content":[{{"block":"2","title":"Тақырып {i}","img_path":"","video":"","map":"","text":"мәтін {i}"}}]}}"#
        )
    };
    let all: Vec<String> = (0..n).map(rec).collect();
    format!("[{}]", all.join(",")).into_bytes()
}

fn oneline() {
    println!("== oneline: `ekran check` of N records on one line (best of 3) ==");
    let mut first = 0.0;
    for n in [3_000, 30_000] {
        let input = Input {
            name: format!("one-line-{n}.json"),
            bytes: one_line(n),
        };
        let mut best = f64::MAX;
        let mut parts = [f64::MAX; 3];
        let mut lines = 0;
        for _ in 0..3 {
            let t0 = Instant::now();
            let batch = LegacyBatch::parse(std::slice::from_ref(&input), Options::default());
            let t1 = Instant::now();
            let d = batch.check();
            let t2 = Instant::now();
            let rendered: usize = d.iter().map(|d| d.render().len()).sum();
            lines = d.len();
            std::hint::black_box(rendered);
            let t3 = Instant::now();
            best = best.min((t3 - t0).as_secs_f64());
            for (p, t) in parts.iter_mut().zip([t1 - t0, t2 - t1, t3 - t2]) {
                *p = p.min(t.as_secs_f64());
            }
        }
        if n == 3_000 {
            first = best;
        }
        println!(
            "{n:>6} records, {:>5.2} MB, {lines:>6} diagnostics: {best:>7.3} s ({:.1} µs a record){}",
            input.bytes.len() as f64 / 1e6,
            best * 1e6 / n as f64,
            if n == 30_000 {
                format!("; {:.1}× the 3 000 time for 10× the records", best / first)
            } else {
                String::new()
            }
        );
        println!(
            "        read {:.3} s, merge + validate {:.3} s, render {:.3} s",
            parts[0], parts[1], parts[2]
        );
    }
}

/// Labels of a tree 1 → 1.a → 1.a.b → 1.a.b.c (at most 50, 20 and 20 children).
fn ids(n: usize) -> Vec<String> {
    let mut ids = vec!["1".to_owned()];
    'outer: for a in 1..=50 {
        ids.push(format!("1.{a}"));
        for b in 1..=20 {
            ids.push(format!("1.{a}.{b}"));
            for c in 1..=20 {
                if ids.len() >= n {
                    break 'outer;
                }
                ids.push(format!("1.{a}.{b}.{c}"));
            }
        }
    }
    ids.truncate(n);
    ids
}

fn full(id: &str, kazakh: bool, text: &str) -> bson::Document {
    let word = if kazakh { "Жоба" } else { "Проект" };
    let slides: Vec<bson::Document> = (1..=4)
        .map(|s| {
            doc! {"block": "2", "title": format!("{word} {id} ({s})"), "img_path": format!("static/img/{id}-{s}.jpg"),
                  "video": "", "map": "", "text": text}
        })
        .collect();
    doc! {"_id": bson::oid::ObjectId::new(), "name": "1", "ID": id, "logo_title": "NurOtan",
    "logo_path": "/img/logo.png", "slide_max": 4_i64, "slide_now": 1.0, "content": slides}
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn dump() {
    let mb: usize = std::env::var("EKRAN_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let ru_text = "Цифровой Казахстан: обучение IT-специалистов, центры компетенций. ".repeat(40);
    let kk_text = "Цифрлық Қазақстан: IT мамандарын даярлау, құзырет орталықтары. ".repeat(40);
    // Bytes per node in both languages, roughly: 4 slides of ~5 KB text each, twice.
    let per_node = 4 * (ru_text.len() + kk_text.len()) + 1_000;
    let labels = ids(mb * 1_000_000 / per_node);
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("dump").join("NOtest");
    std::fs::create_dir_all(&folder).unwrap();
    let mut old = Vec::new();
    let mut kz = Vec::new();
    let mut menus = 0;
    for (i, id) in labels.iter().enumerate() {
        old.extend(full(id, false, &ru_text).to_vec().unwrap());
        kz.extend(full(id, true, &kk_text).to_vec().unwrap());
        // One parent in ten also as a second-shape menu over its first children.
        let kids: Vec<&String> = labels
            .iter()
            .skip(i + 1)
            .take(30)
            .filter(|c| c.rsplit_once('.').map(|(p, _)| p) == Some(id.as_str()))
            .take(3)
            .collect();
        if i % 10 == 0 && !kids.is_empty() {
            let items: Vec<bson::Document> = kids
                .iter()
                .map(|k| doc! {"ID": k.as_str(), "title": format!("Жоба {k} (1)"), "img": format!("static/image/{k}.jpg"), "text": kk_text.as_str(), "video": ""})
                .collect();
            kz.extend(
                doc! {"_id": (i as i64), "theme": "1", "type": "menu", "form": "1", "num": "3", "title": format!("Жоба {id} (1)"), "content": items}
                    .to_vec()
                    .unwrap(),
            );
            menus += 1;
        }
    }
    std::fs::write(folder.join("old.bson"), &old).unwrap();
    std::fs::write(folder.join("oldKZ.bson"), &kz).unwrap();
    let total = old.len() + kz.len();
    let largest = old.len().max(kz.len());
    drop((old, kz));
    println!(
        "== dump: {:.1} MB mongodump ({} nodes x 2 languages, {menus} second-shape menus; old.bson {:.1} MB, oldKZ.bson {:.1} MB) ==",
        total as f64 / 1e6,
        labels.len(),
        std::fs::metadata(folder.join("old.bson")).unwrap().len() as f64 / 1e6,
        std::fs::metadata(folder.join("oldKZ.bson")).unwrap().len() as f64 / 1e6,
    );
    let data = tempfile::tempdir().unwrap();
    let mut core = Core::open(data.path()).unwrap();
    let base = counting_alloc::reset_peak();
    let t0 = Instant::now();
    let mut batch = LegacyBatch::new(Options::default());
    for f in ["old.bson", "oldKZ.bson"] {
        // As the CLI does: one file's bytes held while it is read.
        let input = Input {
            name: f.into(),
            bytes: std::fs::read(folder.join(f)).unwrap(),
        };
        batch.add(&input);
    }
    let parsed = t0.elapsed().as_secs_f64();
    assert!(
        !batch.has_errors(),
        "{:?}",
        batch.diagnostics().iter().find(|d| d.is_error())
    );
    let r = core
        .import_legacy(batch, None, After::Publish, CLI)
        .unwrap();
    let all = t0.elapsed().as_secs_f64();
    let peak = counting_alloc::peak_above(base);
    assert_eq!(r.created, labels.len());
    println!(
        "read + parse + map: {parsed:.2} s ({:.0} MB/s); store transaction (merge, validate, write, publish): {:.2} s",
        total as f64 / 1e6 / parsed,
        all - parsed
    );
    println!(
        "whole import: {all:.2} s ({:.0} MB/s; target >= 100)",
        total as f64 / 1e6 / all
    );
    println!(
        "peak heap {:.0} MB = {:.2}x the largest collection file ({:.0} MB) held at once, {:.2}x the whole dump; peak RSS of the process {:.0} MB",
        peak as f64 / 1e6,
        peak as f64 / largest as f64,
        largest as f64 / 1e6,
        peak as f64 / total as f64,
        peak_rss_mb()
    );
}
