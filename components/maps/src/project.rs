//! Longitude/latitude to SVG user units: a projection chosen and fitted to the data's
//! bounding box, then scaled to the map's width with y down.
//!
//! Spherical formulas (Snyder, "Map Projections: A Working Manual", 1987, §14–15): the
//! difference from the ellipsoid is far below a pixel at 1000 px. Features crossing the
//! antimeridian (±180°) are not split: their box spans the globe.

use std::f64::consts::FRAC_PI_4;

use geo::{Coord, MultiPolygon};

/// Width of a generated map's viewBox, in SVG user units.
pub const WIDTH: u32 = 1000;

/// Empty space kept around the features on every side, in SVG user units, so that
/// outlines at the edge are not cut by the viewBox.
pub const MARGIN: f64 = 5.0;

/// Maps spanning less latitude than this (degrees) use Mercator (a city).
pub const MERCATOR_BELOW_DEG: f64 = 1.0;

/// Latitudes are clamped to ±this (degrees) before projecting (the poles are at
/// infinity in both projections).
const LAT_LIMIT: f64 = 89.5;

/// The projection of a map, unscaled (x east, y north, radians of the unit sphere).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Projection {
    /// Lambert conformal conic with standard parallels `phi1`, `phi2` (degrees).
    Lambert {
        phi1: f64,
        phi2: f64,
        lon0: f64,
        n: f64,
        f: f64,
    },
    /// Mercator with central meridian `lon0` (degrees).
    Mercator { lon0: f64 },
}

fn t(phi_rad: f64) -> f64 {
    (FRAC_PI_4 + phi_rad / 2.0).tan()
}

impl Projection {
    /// The projection for data within `[min_lon, min_lat, max_lon, max_lat]` (degrees):
    /// Lambert conformal conic with standard parallels at 1/6 and 5/6 of the latitude
    /// span and the central meridian in the middle; Mercator when the span is under
    /// [`MERCATOR_BELOW_DEG`] or the cone degenerates (a box centred on the equator).
    pub(crate) fn fit(b: [f64; 4]) -> Projection {
        let lon0 = (b[0] + b[2]) / 2.0;
        let (lat0, lat1) = (b[1].max(-LAT_LIMIT), b[3].min(LAT_LIMIT));
        let span = lat1 - lat0;
        if span < MERCATOR_BELOW_DEG {
            return Projection::Mercator { lon0 };
        }
        let phi1 = lat0 + span / 6.0;
        let phi2 = lat0 + span * 5.0 / 6.0;
        let (p1, p2) = (phi1.to_radians(), phi2.to_radians());
        let n = (p1.cos() / p2.cos()).ln() / (t(p2) / t(p1)).ln();
        if !n.is_finite() || n.abs() < 0.01 {
            return Projection::Mercator { lon0 };
        }
        let f = p1.cos() * t(p1).powf(n) / n;
        Projection::Lambert {
            phi1,
            phi2,
            lon0,
            n,
            f,
        }
    }

    /// Projects `(lon, lat)` in degrees to unscaled `(x, y)`, y north.
    pub(crate) fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        let phi = lat.clamp(-LAT_LIMIT, LAT_LIMIT).to_radians();
        match *self {
            Projection::Lambert { lon0, n, f, .. } => {
                let rho = f / t(phi).powf(n);
                let theta = n * (lon - lon0).to_radians();
                (rho * theta.sin(), -rho * theta.cos())
            }
            Projection::Mercator { lon0 } => ((lon - lon0).to_radians(), t(phi).ln()),
        }
    }

    /// For people: `Lambert conformal conic, standard parallels 43.5 and 51.5, central
    /// meridian 67.5`.
    pub(crate) fn describe(&self) -> String {
        match *self {
            Projection::Lambert {
                phi1, phi2, lon0, ..
            } => format!(
                "Lambert conformal conic, standard parallels {} and {}, central meridian {}",
                deg(phi1),
                deg(phi2),
                deg(lon0)
            ),
            Projection::Mercator { lon0 } => format!("Mercator, central meridian {}", deg(lon0)),
        }
    }
}

/// Degrees to at most two decimals, without trailing zeros.
fn deg(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// The bounding box `[min_x, min_y, max_x, max_y]` of every coordinate, or `None` when
/// there are none.
pub(crate) fn bounds<'a>(
    shapes: impl IntoIterator<Item = &'a MultiPolygon<f64>>,
) -> Option<[f64; 4]> {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for shape in shapes {
        for c in coords(shape) {
            b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
        }
    }
    (b[0] <= b[2]).then_some(b)
}

fn coords(shape: &MultiPolygon<f64>) -> impl Iterator<Item = &Coord<f64>> {
    shape
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.0.iter())
}

/// Applies `f` to every coordinate of `shape`.
pub(crate) fn map_in_place(shape: &mut MultiPolygon<f64>, mut f: impl FnMut(&mut Coord<f64>)) {
    for polygon in &mut shape.0 {
        polygon.exterior_mut(|ring| ring.0.iter_mut().for_each(&mut f));
        polygon.interiors_mut(|rings| {
            for ring in rings {
                ring.0.iter_mut().for_each(&mut f);
            }
        });
    }
}

/// Scaling of projected coordinates into the viewBox: `WIDTH` wide, y down, a
/// [`MARGIN`] on every side.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    min_x: f64,
    max_y: f64,
    scale: f64,
    /// The viewBox height, in SVG user units.
    pub height: u32,
}

impl Frame {
    /// The frame for projected bounds `b`; `None` when they have no width.
    pub(crate) fn new(b: [f64; 4]) -> Option<Frame> {
        let (w, h) = (b[2] - b[0], b[3] - b[1]);
        if !w.is_finite() || w <= 0.0 || !h.is_finite() {
            return None;
        }
        let scale = (f64::from(WIDTH) - 2.0 * MARGIN) / w;
        let height = (h * scale + 2.0 * MARGIN).ceil();
        Some(Frame {
            min_x: b[0],
            max_y: b[3],
            scale,
            height: height.min(f64::from(u32::MAX)) as u32,
        })
    }

    /// Projected `c` to SVG user units.
    pub(crate) fn apply(&self, c: &mut Coord<f64>) {
        c.x = MARGIN + (c.x - self.min_x) * self.scale;
        c.y = MARGIN + (self.max_y - c.y) * self.scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kazakhstan_box_gets_lambert_with_parallels_at_sixths() {
        let p = Projection::fit([46.5, 40.5, 87.5, 55.5]);
        assert_eq!(
            p.describe(),
            "Lambert conformal conic, standard parallels 43 and 53, central meridian 67"
        );
        // North is up and meridians converge towards the pole: the top edge is shorter.
        let (xl_top, y_top) = p.project(46.5, 55.5);
        let (xr_top, _) = p.project(87.5, 55.5);
        let (xl_bot, y_bot) = p.project(46.5, 40.5);
        let (xr_bot, _) = p.project(87.5, 40.5);
        assert!(y_top > y_bot);
        assert!(xr_top - xl_top < xr_bot - xl_bot);
    }

    #[test]
    fn city_box_gets_mercator_and_equator_box_does_not_degenerate() {
        let p = Projection::fit([76.8, 43.2, 77.1, 43.4]);
        assert_eq!(p.describe(), "Mercator, central meridian 76.95");
        let q = Projection::fit([10.0, -20.0, 30.0, 20.0]);
        assert!(matches!(q, Projection::Mercator { .. }));
        let (x, y) = q.project(30.0, 20.0);
        assert!(x.is_finite() && y.is_finite());
    }

    #[test]
    fn southern_hemisphere_lambert_keeps_north_up() {
        let p = Projection::fit([112.0, -44.0, 154.0, -10.0]);
        assert!(matches!(p, Projection::Lambert { n, .. } if n < 0.0));
        let (_, y_north) = p.project(133.0, -10.0);
        let (_, y_south) = p.project(133.0, -44.0);
        assert!(y_north > y_south);
    }
}
