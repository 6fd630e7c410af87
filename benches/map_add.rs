//! `ekran map add` on a 10 MB GeoJSON: time and peak memory of the conversion
//! (`ekran_maps::from_geojson`: parse, check, project, simplify, write SVG paths).
//!
//! `cargo bench --bench map_add` (plain binary, no harness). It generates a
//! deterministic FeatureCollection like a detailed region map: a grid of districts over
//! Kazakhstan's box whose borders wiggle (every border's points shared by the two
//! districts it separates, as in real data), every fifth district with a lake (a hole)
//! holding an island (a second polygon), coordinates with six decimals. Then, best and
//! median of several runs: the conversion's time and its peak heap above what was live
//! before (a counting global allocator), as MiB and as a multiple of the input size;
//! `serde_json::from_slice::<Value>` on the same bytes for scale; and the process's
//! peak resident memory (`VmHWM`) after generating the input and after the
//! conversions (before the `Value` runs).
//!
//! `EKRAN_BENCH_MB` changes the size (default 10), `EKRAN_BENCH_RUNS` the runs
//! (default 5), `EKRAN_BENCH_GRID` the districts (default `20x10`). Prints numbers; asserts only that the conversion succeeds.

use std::fmt::Write;

use ekran_maps::{from_geojson, Options};
use ekran_model::{Lang, Localized};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::measure;

fn vm_hwm_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

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
    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// The grid of districts (`EKRAN_BENCH_GRID`, default `20x10`; `1x1` puts every
/// position into one feature, the worst case for the per-feature JSON).
fn grid() -> (usize, usize) {
    let g = std::env::var("EKRAN_BENCH_GRID").unwrap_or_else(|_| "20x10".into());
    let (c, r) = g.split_once('x').expect("EKRAN_BENCH_GRID is COLSxROWS");
    (c.parse().expect("columns"), r.parse().expect("rows"))
}
const BOX: [f64; 4] = [46.5, 40.5, 87.5, 55.5];

/// A wiggly border from `a` to `b` with `k` points (ends included): a few waves plus
/// noise, fading to nothing at the corners, which stay where the grid puts them.
fn border(a: (f64, f64), b: (f64, f64), k: usize, rng: &mut Rng) -> Vec<(f64, f64)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt();
    let (nx, ny) = (-dy / len, dx / len);
    let waves: Vec<(f64, f64, f64)> = (0..4)
        .map(|j| {
            let f = (j + 1) as f64 * 2.0 + rng.unit().abs() * 3.0;
            (f, rng.unit() * 6.3, len * 0.03 / (j + 1) as f64)
        })
        .collect();
    (0..k)
        .map(|i| {
            let t = i as f64 / (k - 1) as f64;
            let env = (std::f64::consts::PI * t).sin();
            let mut off = waves
                .iter()
                .map(|(f, ph, amp)| amp * (f * t * std::f64::consts::TAU + ph).sin())
                .sum::<f64>();
            off += rng.unit() * len * 0.002;
            (a.0 + dx * t + nx * off * env, a.1 + dy * t + ny * off * env)
        })
        .collect()
}

fn circle(c: (f64, f64), r: f64, n: usize, clockwise: bool) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            (c.0 + r * a.cos(), c.1 + r * 0.7 * a.sin())
        })
        .collect();
    if clockwise {
        v.reverse();
    }
    v
}

fn push_ring(out: &mut String, ring: &[(f64, f64)]) {
    out.push('[');
    for (x, y) in ring.iter().chain(ring.first()) {
        let _ = write!(out, "[{x:.6},{y:.6}],");
    }
    out.pop();
    out.push(']');
}

/// A FeatureCollection of `cols × rows` districts, about `mb` MB.
fn generate(mb: f64, (cols, rows): (usize, usize)) -> (Vec<u8>, usize) {
    // About 23 bytes a position; each border is written twice (once per neighbour).
    let cells = cols * rows;
    let k = ((mb * 1e6 / 23.0) / (cells as f64 * 4.0)).max(8.0) as usize;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let corner = |c: usize, r: usize| {
        (
            BOX[0] + (BOX[2] - BOX[0]) * c as f64 / cols as f64,
            BOX[1] + (BOX[3] - BOX[1]) * r as f64 / rows as f64,
        )
    };
    // horizontal[r][c]: from corner (c, r) to (c+1, r); vertical[r][c]: (c, r) to (c, r+1).
    let horizontal: Vec<Vec<_>> = (0..=rows)
        .map(|r| {
            (0..cols)
                .map(|c| border(corner(c, r), corner(c + 1, r), k, &mut rng))
                .collect()
        })
        .collect();
    let vertical: Vec<Vec<_>> = (0..rows)
        .map(|r| {
            (0..=cols)
                .map(|c| border(corner(c, r), corner(c, r + 1), k, &mut rng))
                .collect()
        })
        .collect();
    let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    let mut positions = 0;
    for r in 0..rows {
        for c in 0..cols {
            let i = r * cols + c;
            // Counter-clockwise: bottom, right, top reversed, left reversed.
            let mut ring: Vec<(f64, f64)> = Vec::with_capacity(4 * k);
            ring.extend(&horizontal[r][c][..k - 1]);
            ring.extend(&vertical[r][c + 1][..k - 1]);
            ring.extend(horizontal[r + 1][c].iter().rev().take(k - 1));
            ring.extend(vertical[r][c].iter().rev().take(k - 1));
            let _ = write!(
                out,
                "{{\"type\":\"Feature\",\"properties\":{{\"shapeISO\":\"BN-{i}\",\"name_kk\":\"Аудан {i}\",\"name_ru\":\"Район {i}\",\"name_en\":\"District {i}\"}},\"geometry\":"
            );
            let (a, b) = (corner(c, r), corner(c + 1, r + 1));
            let centre = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
            if i % 5 == 0 {
                let lake = circle(centre, (b.0 - a.0) * 0.25, k / 2, true);
                let island = circle(centre, (b.0 - a.0) * 0.08, k / 6, false);
                positions += ring.len() + lake.len() + island.len() + 3;
                out.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[[");
                push_ring(&mut out, &ring);
                out.push(',');
                push_ring(&mut out, &lake);
                out.push_str("],[");
                push_ring(&mut out, &island);
                out.push_str("]]}}");
            } else {
                positions += ring.len() + 1;
                out.push_str("{\"type\":\"Polygon\",\"coordinates\":[");
                push_ring(&mut out, &ring);
                out.push_str("]}}");
            }
            out.push_str(if i + 1 < cells { ",\n" } else { "\n" });
        }
    }
    out.push_str("]}\n");
    (out.into_bytes(), positions)
}

fn env(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / 1048576.0
}

fn main() {
    let mb = env("EKRAN_BENCH_MB", 10.0);
    let runs = env("EKRAN_BENCH_RUNS", 5.0).max(1.0) as usize;
    let grid = grid();
    let (input, positions) = generate(mb, grid);
    println!(
        "input: {:.1} MB, {} features, {} positions",
        input.len() as f64 / 1e6,
        grid.0 * grid.1,
        positions
    );
    let opts = Options::named(Localized::one(Lang::En, "Benchmark districts"));

    let hwm_generated = vm_hwm_kib();
    let mut convert = Vec::new();
    let mut doc = None;
    for _ in 0..runs {
        let (d, took, peak) = measure(|| from_geojson(&input, &opts).expect("converts"));
        convert.push((took, peak));
        doc = Some(d);
    }
    let hwm_converted = vm_hwm_kib();
    let mut parse = Vec::new();
    for _ in 0..runs {
        let (_, took, peak) =
            measure(|| serde_json::from_slice::<serde_json::Value>(&input).expect("parses"));
        parse.push((took, peak));
    }
    let doc = doc.expect("at least one run");
    let out = serde_json::to_vec(&doc).expect("serializes");
    let points: usize = doc
        .features
        .iter()
        .map(|f| f.d.matches(['M', 'l', ' ', '-']).count())
        .sum::<usize>()
        / 2;
    println!(
        "output: {:.0} KB JSON, height {}, about {} points kept",
        out.len() as f64 / 1e3,
        doc.height,
        points
    );
    for (what, mut v) in [("from_geojson", convert), ("serde_json Value", parse)] {
        v.sort();
        let (best, peak) = v[0];
        let median = v[v.len() / 2].0;
        println!(
            "{what:>17}: best {:.3} s, median {:.3} s ({:.0} MB/s), peak heap {:.1} MiB ({:.2}x input)",
            best.as_secs_f64(),
            median.as_secs_f64(),
            input.len() as f64 / 1e6 / best.as_secs_f64(),
            mib(peak),
            peak as f64 / input.len() as f64
        );
    }
    println!(
        "process peak resident (VmHWM): {:.1} MiB after generating the input, {:.1} MiB after \
         the conversions",
        hwm_generated as f64 / 1024.0,
        hwm_converted as f64 / 1024.0
    );
}
