//! The demo city's service areas and pipeline network, generated inside the real district
//! outlines: each street (街道/镇) gets the part of its district nearer to its centre than to
//! any other street's (a Voronoi cell), served by the district's repair team; the pipelines are
//! medium-pressure mains linking street centres, low-pressure branches around them, and a
//! sub-high-pressure ring between districts, patrolled by each district's patrol team.

use super::geography::{City, Street};
use crate::geometry::{LocalProjection, round_coord};
use geo::MakeValid;
use geo::{
    BooleanOps, BoundingRect, Contains, Coord, LineString, MultiPolygon, Point, Polygon, Validation,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

pub struct StreetArea {
    pub street: usize,
    /// WGS84.
    pub shape: MultiPolygon<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pressure {
    Low,
    Medium,
    SubHigh,
}

impl Pressure {
    pub fn as_str(self) -> &'static str {
        match self {
            Pressure::Low => "low",
            Pressure::Medium => "medium",
            Pressure::SubHigh => "sub_high",
        }
    }
}

pub struct Segment {
    /// The district (index into `City::districts`) whose patrol team looks after it.
    pub district: usize,
    pub pressure: Pressure,
    pub material: &'static str,
    pub diameter_mm: i64,
    /// WGS84.
    pub line: LineString<f64>,
}

pub struct Network {
    pub areas: Vec<StreetArea>,
    pub segments: Vec<Segment>,
    /// One line per district outline that had to be repaired, saying why.
    pub repairs: Vec<String>,
}

/// The city's outlines, repaired where the map's quantisation made them invalid, in metres.
fn repaired_outlines(
    city: &City,
    projection: &LocalProjection,
) -> (BTreeMap<String, MultiPolygon<f64>>, Vec<String>) {
    let mut outlines = BTreeMap::new();
    let mut repairs = Vec::new();
    for district in &city.districts {
        if outlines.contains_key(&district.outline_name) {
            continue;
        }
        let shape = match district.outline.check_validation() {
            Ok(()) => MultiPolygon(vec![district.outline.clone()]),
            Err(problem) => match district.outline.make_valid() {
                Ok(repaired) => {
                    repairs.push(format!(
                        "{}: {problem}; repaired into {} part(s)",
                        district.outline_name,
                        repaired.0.len()
                    ));
                    repaired
                }
                Err(e) => {
                    repairs.push(format!(
                        "{}: {problem}; repair failed ({e}), outline used as drawn",
                        district.outline_name
                    ));
                    MultiPolygon(vec![district.outline.clone()])
                }
            },
        };
        let metric = MultiPolygon(
            shape
                .0
                .iter()
                .map(|p| map_polygon(p, |c| projection.to_metres(c)))
                .collect(),
        );
        outlines.insert(district.outline_name.clone(), metric);
    }
    (outlines, repairs)
}

fn map_polygon(p: &Polygon<f64>, f: impl Fn(Coord<f64>) -> Coord<f64>) -> Polygon<f64> {
    let ring = |r: &LineString<f64>| LineString(r.0.iter().map(|c| f(*c)).collect());
    Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect())
}

/// Keeps the part of a convex polygon on `s`'s side of the bisector between `s` and `t`.
fn clip_to_nearer(cell: Vec<Coord<f64>>, s: Coord<f64>, t: Coord<f64>) -> Vec<Coord<f64>> {
    // Points p nearer s than t satisfy n·p <= k with n = t - s, k = (|t|² - |s|²) / 2.
    let n = Coord {
        x: t.x - s.x,
        y: t.y - s.y,
    };
    let k = (t.x * t.x + t.y * t.y - s.x * s.x - s.y * s.y) / 2.0;
    let side = |p: Coord<f64>| n.x * p.x + n.y * p.y - k;
    let mut out = Vec::with_capacity(cell.len() + 1);
    for i in 0..cell.len() {
        let (a, b) = (cell[i], cell[(i + 1) % cell.len()]);
        let (da, db) = (side(a), side(b));
        if da <= 0.0 {
            out.push(a);
        }
        if (da < 0.0) != (db < 0.0) && da != db {
            let u = da / (da - db);
            out.push(Coord {
                x: a.x + u * (b.x - a.x),
                y: a.y + u * (b.y - a.y),
            });
        }
    }
    out
}

pub fn build(city: &City, rng: &mut ChaCha8Rng) -> Network {
    let centre = city.centre();
    let projection = LocalProjection::around(centre.0, centre.1);
    let (outlines, repairs) = repaired_outlines(city, &projection);
    let metres = |s: &Street| {
        projection.to_metres(Coord {
            x: s.centre.0,
            y: s.centre.1,
        })
    };
    let to_wgs84 = |c: Coord<f64>| round_coord(projection.to_lonlat(c));

    let mut areas = Vec::new();
    let mut segments = Vec::new();
    let mut hubs = Vec::new();
    for (outline_name, outline) in &outlines {
        let members: Vec<usize> = (0..city.streets.len())
            .filter(|&i| &city.districts[city.streets[i].district].outline_name == outline_name)
            .collect();
        let Some(bounds) = outline.bounding_rect() else {
            continue;
        };
        for &i in &members {
            let s = metres(&city.streets[i]);
            let mut cell = vec![
                bounds.min(),
                Coord {
                    x: bounds.max().x,
                    y: bounds.min().y,
                },
                bounds.max(),
                Coord {
                    x: bounds.min().x,
                    y: bounds.max().y,
                },
            ];
            for &j in members.iter().filter(|&&j| j != i) {
                cell = clip_to_nearer(cell, s, metres(&city.streets[j]));
            }
            if cell.len() < 3 {
                continue;
            }
            let cell = Polygon::new(LineString::from(cell), vec![]);
            let part = outline.intersection(&MultiPolygon(vec![cell]));
            if part.0.is_empty() {
                continue;
            }
            let shape = MultiPolygon(part.0.iter().map(|p| map_polygon(p, to_wgs84)).collect());
            areas.push(StreetArea { street: i, shape });
        }

        // Medium-pressure mains: a minimum spanning tree over the street centres (Prim).
        let points: Vec<Coord<f64>> = members.iter().map(|&i| metres(&city.streets[i])).collect();
        let mut in_tree = vec![false; points.len()];
        let mut best: Vec<(f64, usize)> = vec![(f64::INFINITY, 0); points.len()];
        if !points.is_empty() {
            in_tree[0] = true;
            hubs.push((points[0], city.streets[members[0]].district));
            for j in 1..points.len() {
                best[j] = (distance(points[0], points[j]), 0);
            }
        }
        for _ in 1..points.len() {
            let Some(next) = (0..points.len())
                .filter(|&j| !in_tree[j])
                .min_by(|&a, &b| best[a].0.total_cmp(&best[b].0))
            else {
                break;
            };
            in_tree[next] = true;
            let from = points[best[next].1];
            // Mains follow the street grid: east-west first, then north-south.
            let corner = Coord {
                x: points[next].x,
                y: from.y,
            };
            let district = city.streets[members[next]].district;
            for line in split(&[from, corner, points[next]], 400.0) {
                segments.push(Segment {
                    district,
                    pressure: Pressure::Medium,
                    material: if rng.random_bool(0.7) { "PE" } else { "钢管" },
                    diameter_mm: [160, 200, 250][rng.random_range(0..3)],
                    line: LineString(line.into_iter().map(to_wgs84).collect()),
                });
            }
            for j in 0..points.len() {
                let d = distance(points[next], points[j]);
                if !in_tree[j] && d < best[j].0 {
                    best[j] = (d, next);
                }
            }
        }

        // Low-pressure branches into the neighbourhoods around each street centre.
        for (k, &i) in members.iter().enumerate() {
            for _ in 0..rng.random_range(3..7) {
                let angle: f64 = rng.random_range(0.0..std::f64::consts::TAU);
                let length: f64 = rng.random_range(500.0..1500.0);
                let end = Coord {
                    x: points[k].x + length * angle.cos(),
                    y: points[k].y + length * angle.sin(),
                };
                if !outline.contains(&Point::from(end)) {
                    continue;
                }
                for line in split(&[points[k], end], 200.0) {
                    segments.push(Segment {
                        district: city.streets[i].district,
                        pressure: Pressure::Low,
                        material: "PE",
                        diameter_mm: [63, 90, 110][rng.random_range(0..3)],
                        line: LineString(line.into_iter().map(to_wgs84).collect()),
                    });
                }
            }
        }
    }

    // Sub-high-pressure ring between the districts' first street centres, ordered by bearing
    // from the city centre.
    hubs.sort_by(|a, b| a.0.y.atan2(a.0.x).total_cmp(&b.0.y.atan2(b.0.x)));
    for k in 0..hubs.len() {
        let (from, district) = hubs[k];
        let to = hubs[(k + 1) % hubs.len()].0;
        for line in split(&[from, to], 500.0) {
            segments.push(Segment {
                district,
                pressure: Pressure::SubHigh,
                material: "钢管",
                diameter_mm: 325,
                line: LineString(line.into_iter().map(to_wgs84).collect()),
            });
        }
    }
    Network {
        areas,
        segments,
        repairs,
    }
}

fn distance(a: Coord<f64>, b: Coord<f64>) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

/// Cuts a polyline (metres) into pieces no longer than `max`, each a two-or-more-point line.
fn split(path: &[Coord<f64>], max: f64) -> Vec<Vec<Coord<f64>>> {
    let mut pieces = Vec::new();
    for pair in path.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let length = distance(a, b);
        if length < 1.0 {
            continue;
        }
        let n = (length / max).ceil() as usize;
        for i in 0..n {
            let at = |t: f64| Coord {
                x: a.x + t * (b.x - a.x),
                y: a.y + t * (b.y - a.y),
            };
            pieces.push(vec![at(i as f64 / n as f64), at((i + 1) as f64 / n as f64)]);
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;
    use rand::SeedableRng;

    #[test]
    fn every_street_gets_an_area_inside_its_district_and_repairs_are_reported() {
        let city = City::load();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let network = build(&city, &mut rng);
        assert_eq!(network.areas.len(), city.streets.len());
        // The map data folds 8 of its 9 outlines; each repair is reported, none silently.
        assert_eq!(network.repairs.len(), 8, "{:#?}", network.repairs);
        for area in &network.areas {
            let street = &city.streets[area.street];
            let centre = Point::new(street.centre.0, street.centre.1);
            assert!(area.shape.unsigned_area() > 0.0, "{}", street.name);
            assert!(area.shape.is_valid(), "{}", street.name);
            assert!(
                area.shape.contains(&centre) || area.shape.unsigned_area() < 1e-6,
                "{}'s area does not contain its centre",
                street.name
            );
        }
        assert!(network.segments.len() > 2000, "{}", network.segments.len());
        assert!(
            network
                .segments
                .iter()
                .any(|s| s.pressure == Pressure::SubHigh)
        );
    }

    #[test]
    fn split_caps_segment_length() {
        let pieces = split(
            &[Coord { x: 0.0, y: 0.0 }, Coord { x: 1000.0, y: 0.0 }],
            400.0,
        );
        assert_eq!(pieces.len(), 3);
        assert!(pieces.iter().all(|p| distance(p[0], p[1]) <= 400.0));
    }

    #[test]
    fn bisector_clipping_keeps_the_nearer_half() {
        let square = vec![
            Coord { x: -10.0, y: -10.0 },
            Coord { x: 10.0, y: -10.0 },
            Coord { x: 10.0, y: 10.0 },
            Coord { x: -10.0, y: 10.0 },
        ];
        let half = clip_to_nearer(square, Coord { x: -5.0, y: 0.0 }, Coord { x: 5.0, y: 0.0 });
        assert!(half.iter().all(|c| c.x <= 1e-9), "{half:?}");
        let area = Polygon::new(LineString::from(half), vec![]).unsigned_area();
        assert!((area - 200.0).abs() < 1e-6);
    }
}
