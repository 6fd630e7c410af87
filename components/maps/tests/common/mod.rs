//! Shared helpers for the ekran-maps tests: fixtures and reading path data back.

#![allow(dead_code)]

use std::path::PathBuf;

use ekran_maps::{from_geojson, MapDoc, MapError, Options};
use ekran_model::{Lang, Localized};

/// The bytes of `tests/fixtures/{dir}/{name}.geojson`.
pub fn fixture(dir: &str, name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
        .join(format!("{name}.geojson"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Options with an English map name.
pub fn opts() -> Options {
    Options::named(Localized::one(Lang::En, "Test map"))
}

/// Converts a valid fixture.
pub fn convert(name: &str) -> MapDoc {
    from_geojson(&fixture("valid", name), &opts()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Converts an invalid fixture, expecting an error.
pub fn reject(name: &str) -> MapError {
    match from_geojson(&fixture("invalid", name), &opts()) {
        Ok(doc) => panic!("{name} was accepted: {doc:?}"),
        Err(e) => e,
    }
}

/// The subpaths of SVG path data written with `M` (absolute), `l` (relative) and `Z`,
/// as absolute points (rounded to the tenth, as written).
pub fn subpaths(d: &str) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut relative = false;
    let mut nums: Vec<f64> = Vec::new();
    let mut chars = d.chars().peekable();
    let flush = |nums: &mut Vec<f64>, out: &mut Vec<Vec<(f64, f64)>>, relative: bool| {
        assert!(nums.len().is_multiple_of(2), "odd number count in {d}");
        for pair in nums.chunks(2) {
            let ring = out.last_mut().expect("numbers before M");
            let (x, y) = match (relative, ring.last()) {
                (true, Some(&(px, py))) => (px + pair[0], py + pair[1]),
                _ => (pair[0], pair[1]),
            };
            ring.push(((x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0));
        }
        nums.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            'M' => {
                flush(&mut nums, &mut out, relative);
                out.push(Vec::new());
                relative = false;
            }
            'l' => {
                flush(&mut nums, &mut out, relative);
                relative = true;
            }
            'Z' => flush(&mut nums, &mut out, relative),
            ' ' => {}
            '-' | '0'..='9' | '.' => {
                let mut s = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_digit() || n == '.' {
                        s.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                nums.push(s.parse().unwrap_or_else(|_| panic!("number {s:?} in {d}")));
            }
            other => panic!("unexpected {other:?} in {d}"),
        }
    }
    out
}

/// Whether `p` lies inside the closed polygon `ring` (even-odd rule).
pub fn inside(p: (f64, f64), ring: &[(f64, f64)]) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + n - 1) % n]);
        if (a.1 > p.1) != (b.1 > p.1) && p.0 < (b.0 - a.0) * (p.1 - a.1) / (b.1 - a.1) + a.0 {
            inside = !inside;
        }
    }
    inside
}
