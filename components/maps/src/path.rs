//! A projected feature to SVG: simplification, rounding, path data, label point and
//! extent.

use std::fmt::Write;

use geo::{Coord, InteriorPoint, LineString, MultiPolygon, Polygon, SimplifyVwPreserve};

/// Visvalingam–Whyatt threshold, in square SVG user units: a point goes when the
/// triangle it makes with its neighbours has a smaller area. 0.3 removes a vertex that
/// stands 0.3 units off a 2-unit chord (0.06 off a 10-unit one): invisible at the
/// 1000-unit width, while neighbours' shared borders (simplified separately) stay
/// within a fraction of a pixel of each other, so no gaps show.
pub const SIMPLIFY_AREA: f64 = 0.3;

/// Rings (islands, holes) smaller than this after simplification, in square SVG user
/// units, are dropped; a feature always keeps at least one ring.
pub const MIN_RING_AREA: f64 = 0.5;

/// A ring rounded to tenths of a unit, without the closing repeat of the first point.
type Ring = Vec<(i64, i64)>;

/// What a feature becomes: path data, label point and extent.
pub(crate) struct Drawn {
    pub d: String,
    pub label: [f64; 2],
    pub bbox: [f64; 4],
}

/// Draws `shape` (in SVG user units): simplified with [`SIMPLIFY_AREA`], rings under
/// four points or [`MIN_RING_AREA`] dropped (holes with their outer ring), the largest
/// outer ring of the original kept when nothing else is.
pub(crate) fn draw(shape: &MultiPolygon<f64>) -> Drawn {
    let simplified = shape.simplify_vw_preserve(SIMPLIFY_AREA);
    let mut polygons: Vec<(Ring, Vec<Ring>)> = Vec::new();
    for polygon in &simplified.0 {
        let outer = round(polygon.exterior());
        if !keep(&outer) {
            continue;
        }
        let holes = polygon.interiors().iter().map(round).filter(keep).collect();
        polygons.push((outer, holes));
    }
    if polygons.is_empty() {
        let largest = shape
            .0
            .iter()
            .map(|p| round(p.exterior()))
            .max_by_key(|r| area2(r).abs());
        polygons.push((largest.unwrap_or_default(), Vec::new()));
    }

    let mut d = String::new();
    let mut bbox = [i64::MAX, i64::MAX, i64::MIN, i64::MIN];
    for (outer, holes) in &polygons {
        for ring in std::iter::once(outer).chain(holes) {
            if !d.is_empty() {
                d.push(' ');
            }
            subpath(&mut d, ring);
            for &(x, y) in ring {
                bbox = [
                    bbox[0].min(x),
                    bbox[1].min(y),
                    bbox[2].max(x),
                    bbox[3].max(y),
                ];
            }
        }
    }
    let bbox = if bbox[0] > bbox[2] {
        [0.0; 4]
    } else {
        bbox.map(tenths)
    };
    let label = label(&polygons).unwrap_or([(bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0]);
    Drawn { d, label, bbox }
}

/// A ring's points in tenths of a unit, consecutive repeats (and the closing point)
/// left out.
fn round(ring: &LineString<f64>) -> Ring {
    let mut out: Ring = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        let p = ((c.x * 10.0).round() as i64, (c.y * 10.0).round() as i64);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

/// Whether a rounded ring is worth drawing: three distinct corners (four positions
/// closed) and at least [`MIN_RING_AREA`].
fn keep(ring: &Ring) -> bool {
    ring.len() >= 3 && (area2(ring).abs() as f64) / 200.0 >= MIN_RING_AREA
}

/// Twice the signed area, in square tenths (shoelace).
fn area2(ring: &Ring) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum()
}

fn tenths(v: i64) -> f64 {
    v as f64 / 10.0
}

/// A point inside the drawn shape (geo's interior point: on the widest horizontal
/// chord through the middle of the polygon with the longest such chord), rounded to a
/// tenth.
fn label(polygons: &[(Ring, Vec<Ring>)]) -> Option<[f64; 2]> {
    let to_ls = |r: &Ring| {
        LineString(
            r.iter()
                .chain(r.first())
                .map(|&(x, y)| Coord {
                    x: tenths(x),
                    y: tenths(y),
                })
                .collect(),
        )
    };
    let mp = MultiPolygon(
        polygons
            .iter()
            .map(|(o, h)| Polygon::new(to_ls(o), h.iter().map(to_ls).collect()))
            .collect(),
    );
    let p = mp.interior_point()?;
    Some([(p.x() * 10.0).round() / 10.0, (p.y() * 10.0).round() / 10.0])
}

/// Appends `M x y` then relative `l` moves and `Z` for one ring.
fn subpath(d: &mut String, ring: &Ring) {
    let Some(&(x0, y0)) = ring.first() else {
        return;
    };
    d.push('M');
    number(d, x0, false);
    number(d, y0, true);
    let mut prev = (x0, y0);
    for (i, &(x, y)) in ring.iter().enumerate().skip(1) {
        if i == 1 {
            d.push('l');
        }
        number(d, x - prev.0, i > 1);
        number(d, y - prev.1, true);
        prev = (x, y);
    }
    d.push('Z');
}

/// Appends `v` tenths as a decimal with at most one digit after the point and no
/// trailing `.0`, preceded by a space when `sep` and the number does not start with
/// `-` (which separates by itself).
fn number(d: &mut String, v: i64, sep: bool) {
    if v < 0 {
        d.push('-');
    } else if sep {
        d.push(' ');
    }
    let a = v.unsigned_abs();
    let _ = write!(d, "{}", a / 10);
    if !a.is_multiple_of(10) {
        let _ = write!(d, ".{}", a % 10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_one_decimal_at_most_and_minus_separates() {
        let mut d = String::new();
        subpath(&mut d, &vec![(105, 200), (110, 195), (100, 195)]);
        assert_eq!(d, "M10.5 20l0.5-0.5-1 0Z");
    }

    #[test]
    fn simplified_circle_stays_within_half_a_unit_of_the_original() {
        let n = 20_000;
        let ring: Vec<(f64, f64)> = (0..=n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                (500.0 + 400.0 * a.cos(), 500.0 + 400.0 * a.sin())
            })
            .collect();
        let drawn = draw(&MultiPolygon(vec![Polygon::new(
            LineString::from(ring),
            vec![],
        )]));
        let kept = drawn.d.matches([' ', '-']).count();
        assert!(kept < 2_000, "{kept} points kept of {n}");
        let mut p = (0.0, 0.0);
        for (i, token) in drawn
            .d
            .trim_end_matches('Z')
            .split(['M', 'l'])
            .skip(1)
            .enumerate()
        {
            let nums: Vec<f64> = token
                .replace('-', " -")
                .split_whitespace()
                .map(|s| s.parse().unwrap())
                .collect();
            for pair in nums.chunks(2) {
                p = if i == 0 && p == (0.0, 0.0) {
                    (pair[0], pair[1])
                } else {
                    (p.0 + pair[0], p.1 + pair[1])
                };
                let r = ((p.0 - 500.0_f64).powi(2) + (p.1 - 500.0_f64).powi(2)).sqrt();
                assert!((r - 400.0).abs() <= 0.5, "{p:?} is {r} from the centre");
            }
        }
        assert_eq!(drawn.bbox, [100.0, 100.0, 900.0, 900.0]);
    }

    #[test]
    fn tiny_feature_keeps_its_largest_ring() {
        let tiny = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(1.0, 1.0), (1.3, 1.0), (1.3, 1.3), (1.0, 1.0)]),
            vec![],
        )]);
        let drawn = draw(&tiny);
        assert_eq!(drawn.d, "M1 1l0.3 0 0 0.3Z");
        assert_eq!(drawn.bbox, [1.0, 1.0, 1.3, 1.3]);
    }
}
