//! The spatial indexes routing answers from: point → service area (→ repair team), and point →
//! nearest pipeline segment (→ patrol area → patrol team). R-trees over geometry projected to
//! metres around the data's centre, so every distance is in metres. An index is immutable once
//! built; `Indexes` swaps in a new one atomically, so a lookup never waits for a rebuild and
//! never sees a half-built index.

use crate::geometry::LocalProjection;
use geo::{BoundingRect, Coord, LineString, MultiPolygon, Polygon};
use rstar::primitives::{GeomWithData, Line, Rectangle};
use rstar::{AABB, RTree};
use std::cmp::Ordering;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct AreaInput {
    pub id: Uuid,
    pub name: String,
    pub team_id: Uuid,
    pub priority: i64,
    /// WGS84.
    pub shape: MultiPolygon<f64>,
}

#[derive(Debug, Clone)]
pub struct PatrolAreaInput {
    pub id: Uuid,
    pub name: String,
    pub team_id: Uuid,
}

#[derive(Debug, Clone)]
pub struct SegmentInput {
    pub id: Uuid,
    /// Index into the patrol areas given with it.
    pub patrol_area: usize,
    /// WGS84.
    pub line: LineString<f64>,
}

pub struct Area {
    pub id: Uuid,
    pub name: String,
    pub team_id: Uuid,
    pub priority: i64,
    /// Square metres: among equal priorities the smaller (more specific) area wins.
    pub size_m2: f64,
    parts: Vec<FlatPolygon>,
}

/// A polygon laid out for the point-in-polygon test: rings with an edge index, and the
/// exterior's bounding box to skip parts quickly.
struct FlatPolygon {
    min: [f64; 2],
    max: [f64; 2],
    exterior: Ring,
    holes: Vec<Ring>,
}

/// A closed ring whose edges are bucketed into horizontal slabs, so a point is tested only
/// against the few edges at its height instead of all of them (service areas have hundreds of
/// vertices; this is the hot path of every routing decision).
struct Ring {
    points: Vec<[f64; 2]>,
    min_y: f64,
    slab_height: f64,
    /// For each slab, the indices of the edges (point i → i + 1) that reach into it.
    slabs: Vec<Vec<u32>>,
}

/// Where a point lies relative to a closed ring.
#[derive(PartialEq)]
enum Side {
    Inside,
    Boundary,
    Outside,
}

impl Ring {
    fn new(points: Vec<[f64; 2]>) -> Ring {
        let edges = points.len().saturating_sub(1);
        let (min_y, max_y) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
            (lo.min(p[1]), hi.max(p[1]))
        });
        let count = (edges / 4).clamp(1, 256);
        let slab_height = ((max_y - min_y) / count as f64).max(f64::MIN_POSITIVE);
        let mut slabs = vec![Vec::new(); count];
        for i in 0..edges {
            let (a, b) = (points[i][1], points[i + 1][1]);
            let first = Self::slab_of(min_y, slab_height, count, a.min(b));
            let last = Self::slab_of(min_y, slab_height, count, a.max(b));
            for slab in &mut slabs[first..=last] {
                slab.push(i as u32);
            }
        }
        Ring {
            points,
            min_y,
            slab_height,
            slabs,
        }
    }

    fn slab_of(min_y: f64, height: f64, count: usize, y: f64) -> usize {
        (((y - min_y) / height).floor().max(0.0) as usize).min(count - 1)
    }

    /// Crossing number over the edges of the point's slab (a horizontal ray to the right
    /// crosses only edges spanning the point's height, all of which are in that slab), which
    /// also reports points exactly on an edge: boundaries count as inside, as GIS
    /// "intersects" does.
    fn side(&self, p: [f64; 2]) -> Side {
        let slab = Self::slab_of(self.min_y, self.slab_height, self.slabs.len(), p[1]);
        let mut inside = false;
        for &i in &self.slabs[slab] {
            let (a, b) = (self.points[i as usize], self.points[i as usize + 1]);
            let cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
            if cross == 0.0
                && p[0] >= a[0].min(b[0])
                && p[0] <= a[0].max(b[0])
                && p[1] >= a[1].min(b[1])
                && p[1] <= a[1].max(b[1])
            {
                return Side::Boundary;
            }
            if (a[1] > p[1]) != (b[1] > p[1]) {
                let x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
                if p[0] < x {
                    inside = !inside;
                }
            }
        }
        if inside { Side::Inside } else { Side::Outside }
    }
}

impl FlatPolygon {
    fn new(polygon: &Polygon<f64>) -> FlatPolygon {
        let flat = |r: &LineString<f64>| r.0.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>();
        let exterior = flat(polygon.exterior());
        let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
        for c in &exterior {
            min = [min[0].min(c[0]), min[1].min(c[1])];
            max = [max[0].max(c[0]), max[1].max(c[1])];
        }
        FlatPolygon {
            min,
            max,
            exterior: Ring::new(exterior),
            holes: polygon
                .interiors()
                .iter()
                .map(|r| Ring::new(flat(r)))
                .collect(),
        }
    }

    fn covers(&self, p: [f64; 2]) -> bool {
        if p[0] < self.min[0] || p[0] > self.max[0] || p[1] < self.min[1] || p[1] > self.max[1] {
            return false;
        }
        match self.exterior.side(p) {
            Side::Outside => false,
            Side::Boundary => true,
            // Strictly inside a hole is outside the area; a hole's edge is still the area's.
            Side::Inside => !self.holes.iter().any(|h| h.side(p) == Side::Inside),
        }
    }
}

pub struct PatrolArea {
    pub id: Uuid,
    pub name: String,
    pub team_id: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentHit {
    pub segment_id: Uuid,
    pub distance_m: f64,
    /// Index into `SpatialIndex::patrol_areas`.
    pub patrol_area: usize,
}

type AreaBox = GeomWithData<Rectangle<[f64; 2]>, u32>;
type SegmentLine = GeomWithData<Line<[f64; 2]>, u32>;

pub struct SpatialIndex {
    projection: LocalProjection,
    areas: Vec<Area>,
    area_tree: RTree<AreaBox>,
    pub patrol_areas: Vec<PatrolArea>,
    segment_ids: Vec<Uuid>,
    segment_area: Vec<u32>,
    segment_tree: RTree<SegmentLine>,
}

/// Which of two areas containing a point wins: higher priority, then the smaller area, then
/// the lower id (so the answer never depends on load order).
pub fn better(a: &Area, b: &Area) -> Ordering {
    b.priority
        .cmp(&a.priority)
        .then(a.size_m2.total_cmp(&b.size_m2))
        .then(a.id.cmp(&b.id))
}

fn project_polygon(p: &Polygon<f64>, projection: &LocalProjection) -> Polygon<f64> {
    let ring =
        |r: &LineString<f64>| LineString(r.0.iter().map(|c| projection.to_metres(*c)).collect());
    Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect())
}

impl SpatialIndex {
    pub fn empty() -> SpatialIndex {
        SpatialIndex::build(Vec::new(), Vec::new(), Vec::new())
    }

    pub fn build(
        areas: Vec<AreaInput>,
        patrol_areas: Vec<PatrolAreaInput>,
        segments: Vec<SegmentInput>,
    ) -> SpatialIndex {
        let projection = centre_projection(&areas, &segments);
        let areas: Vec<Area> = areas
            .into_iter()
            .map(|a| {
                let shape = MultiPolygon(
                    a.shape
                        .0
                        .iter()
                        .map(|p| project_polygon(p, &projection))
                        .collect(),
                );
                let size_m2 = geo::Area::unsigned_area(&shape);
                Area {
                    id: a.id,
                    name: a.name,
                    team_id: a.team_id,
                    priority: a.priority,
                    size_m2,
                    parts: shape.0.iter().map(FlatPolygon::new).collect(),
                }
            })
            .collect();
        // One box per polygon part, so a scattered multipolygon does not cover the gaps.
        let boxes = areas
            .iter()
            .enumerate()
            .flat_map(|(i, a)| {
                a.parts.iter().map(move |p| {
                    GeomWithData::new(Rectangle::from_corners(p.min, p.max), i as u32)
                })
            })
            .collect();
        let mut segment_ids = Vec::with_capacity(segments.len());
        let mut segment_area = Vec::with_capacity(segments.len());
        let mut lines = Vec::with_capacity(segments.len());
        for segment in segments {
            let n = segment_ids.len() as u32;
            segment_ids.push(segment.id);
            segment_area.push(segment.patrol_area as u32);
            for pair in segment.line.0.windows(2) {
                let (a, b) = (projection.to_metres(pair[0]), projection.to_metres(pair[1]));
                lines.push(GeomWithData::new(Line::new([a.x, a.y], [b.x, b.y]), n));
            }
        }
        SpatialIndex {
            projection,
            area_tree: RTree::bulk_load(boxes),
            areas,
            patrol_areas: patrol_areas
                .into_iter()
                .map(|p| PatrolArea {
                    id: p.id,
                    name: p.name,
                    team_id: p.team_id,
                })
                .collect(),
            segment_ids,
            segment_area,
            segment_tree: RTree::bulk_load(lines),
        }
    }

    pub fn area_count(&self) -> usize {
        self.areas.len()
    }

    pub fn segment_count(&self) -> usize {
        self.segment_ids.len()
    }

    fn metres(&self, lon: f64, lat: f64) -> Coord<f64> {
        self.projection.to_metres(Coord { x: lon, y: lat })
    }

    /// The service area that serves a point (boundaries count as inside).
    pub fn area_at(&self, lon: f64, lat: f64) -> Option<&Area> {
        let p = self.metres(lon, lat);
        let point = [p.x, p.y];
        self.area_tree
            .locate_in_envelope_intersecting(&AABB::from_point(point))
            .map(|b| &self.areas[b.data as usize])
            .filter(|a| a.covers(point))
            .min_by(|a, b| better(a, b))
    }

    /// The nearest pipeline segment within `max_m` metres.
    pub fn nearest_segment(&self, lon: f64, lat: f64, max_m: f64) -> Option<SegmentHit> {
        let p = self.metres(lon, lat);
        let (line, distance_2) = self
            .segment_tree
            .nearest_neighbor_iter_with_distance_2(&[p.x, p.y])
            .next()?;
        let distance_m = distance_2.sqrt();
        (distance_m <= max_m).then(|| SegmentHit {
            segment_id: self.segment_ids[line.data as usize],
            distance_m,
            patrol_area: self.segment_area[line.data as usize] as usize,
        })
    }

    /// Metres between two WGS84 points, in this index's projection.
    pub fn distance_m(&self, a: (f64, f64), b: (f64, f64)) -> f64 {
        let (a, b) = (self.metres(a.0, a.1), self.metres(b.0, b.1));
        ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
    }

    /// Every area, for brute-force checks.
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }
}

impl Area {
    fn covers(&self, p: [f64; 2]) -> bool {
        self.parts.iter().any(|part| part.covers(p))
    }
}

impl SpatialIndex {
    pub fn projection(&self) -> &LocalProjection {
        &self.projection
    }
}

/// A projection centred on the middle of the data's extent (a fixed one when empty).
fn centre_projection(areas: &[AreaInput], segments: &[SegmentInput]) -> LocalProjection {
    let mut min = (f64::MAX, f64::MAX);
    let mut max = (f64::MIN, f64::MIN);
    let mut grow = |c: &Coord<f64>| {
        min = (min.0.min(c.x), min.1.min(c.y));
        max = (max.0.max(c.x), max.1.max(c.y));
    };
    for a in areas {
        if let Some(r) = a.shape.bounding_rect() {
            grow(&r.min());
            grow(&r.max());
        }
    }
    for s in segments {
        s.line.0.iter().for_each(&mut grow);
    }
    if min.0 > max.0 {
        // Nothing to index: any centre will do.
        return LocalProjection::around(120.6, 31.3);
    }
    LocalProjection::around((min.0 + max.0) / 2.0, (min.1 + max.1) / 2.0)
}

#[cfg(test)]
mod tests {
    //! The index against a brute-force scan of every area and every segment, on random data
    //! with overlaps, holes, boundary points and points beyond every area.
    use super::*;
    use geo::Intersects;
    use proptest::prelude::*;

    /// A star-shaped polygon around (cx, cy) in degrees, optionally with a hole, always valid.
    fn star(cx: f64, cy: f64, radii: &[f64], hole: bool) -> Polygon<f64> {
        let n = radii.len();
        let ring: Vec<Coord<f64>> = (0..=n)
            .map(|i| {
                let a = std::f64::consts::TAU * (i % n) as f64 / n as f64;
                let r = radii[i % n];
                Coord {
                    x: cx + r * a.cos(),
                    y: cy + r * a.sin(),
                }
            })
            .collect();
        let min_r = radii.iter().copied().fold(f64::MAX, f64::min);
        let interiors = if hole {
            let h = min_r * 0.4;
            vec![LineString::from(vec![
                (cx - h, cy - h),
                (cx - h, cy + h),
                (cx + h, cy + h),
                (cx + h, cy - h),
                (cx - h, cy - h),
            ])]
        } else {
            vec![]
        };
        Polygon::new(LineString(ring), interiors)
    }

    fn data() -> impl Strategy<Value = (Vec<AreaInput>, Vec<SegmentInput>)> {
        let area = (
            120.5..120.7f64,
            31.2..31.4f64,
            prop::collection::vec(0.005..0.03f64, 3..80),
            any::<bool>(),
            -2..3i64,
        );
        let segment = (
            120.45..120.75f64,
            31.15..31.45f64,
            -0.01..0.01f64,
            -0.01..0.01f64,
            0..3usize,
        );
        (
            prop::collection::vec(area, 0..25),
            prop::collection::vec(segment, 0..60),
        )
            .prop_map(|(areas, segments)| {
                let areas = areas
                    .into_iter()
                    .enumerate()
                    .map(|(i, (cx, cy, radii, hole, priority))| AreaInput {
                        id: Uuid::from_u128(i as u128 + 1),
                        name: format!("area {i}"),
                        team_id: Uuid::from_u128(1000 + i as u128),
                        priority,
                        shape: MultiPolygon(vec![star(cx, cy, &radii, hole)]),
                    })
                    .collect();
                let segments = segments
                    .into_iter()
                    .enumerate()
                    .map(|(i, (x, y, dx, dy, area))| SegmentInput {
                        id: Uuid::from_u128(i as u128 + 1),
                        patrol_area: area,
                        line: LineString::from(vec![
                            (x, y),
                            (x + dx, y + dy),
                            (x + dx, y + 2.0 * dy),
                        ]),
                    })
                    .collect();
                (areas, segments)
            })
    }

    fn patrol_areas() -> Vec<PatrolAreaInput> {
        (0..3)
            .map(|i| PatrolAreaInput {
                id: Uuid::from_u128(500 + i),
                name: format!("p{i}"),
                team_id: Uuid::from_u128(600 + i),
            })
            .collect()
    }

    fn point_segment_distance(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len2 = dx * dx + dy * dy;
        let t = if len2 == 0.0 {
            0.0
        } else {
            (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
        };
        let (cx, cy) = (a.x + t * dx, a.y + t * dy);
        ((p.x - cx).powi(2) + (p.y - cy).powi(2)).sqrt()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn index_agrees_with_brute_force(
            (areas, segments) in data(),
            probes in prop::collection::vec((120.3..120.9f64, 31.0..31.6f64), 1..40),
            max_m in 50.0..3000.0f64,
        ) {
            // Probe also every area's vertices (boundary points) and centres (inside or in holes).
            let mut points: Vec<(f64, f64)> = probes;
            for a in &areas {
                for p in &a.shape.0 {
                    points.extend(p.exterior().0.iter().step_by(2).map(|c| (c.x, c.y)));
                    points.extend(p.interiors().iter().flat_map(|r| r.0.iter().map(|c| (c.x, c.y))));
                }
            }
            let raw_segments: Vec<(Uuid, Vec<Coord<f64>>)> = segments.iter().map(|s| (s.id, s.line.0.clone())).collect();
            let shapes: Vec<(Uuid, MultiPolygon<f64>)> = areas.iter().map(|a| (a.id, a.shape.clone())).collect();
            let index = SpatialIndex::build(areas, patrol_areas(), segments);
            // The oracle is geo's own (robust) point-in-polygon on the projected shapes.
            let project = |mp: &MultiPolygon<f64>| MultiPolygon(mp.0.iter().map(|p| project_polygon(p, index.projection())).collect::<Vec<_>>());
            let projected: Vec<(Uuid, MultiPolygon<f64>)> = shapes.iter().map(|(id, s)| (*id, project(s))).collect();
            for (lon, lat) in points {
                let p = index.projection().to_metres(Coord { x: lon, y: lat });
                let covering: Vec<Uuid> = projected.iter().filter(|(_, s)| s.intersects(&geo::Point::from(p))).map(|(id, _)| *id).collect();
                let expected = index.areas().iter().filter(|a| covering.contains(&a.id)).min_by(|a, b| better(a, b));
                prop_assert_eq!(index.area_at(lon, lat).map(|a| a.id), expected.map(|a| a.id), "at ({}, {})", lon, lat);

                let nearest = raw_segments
                    .iter()
                    .flat_map(|(id, line)| line.windows(2).map(move |w| (*id, w[0], w[1])))
                    .map(|(id, a, b)| {
                        let (a, b) = (index.projection().to_metres(a), index.projection().to_metres(b));
                        (id, point_segment_distance(p, a, b))
                    })
                    .min_by(|x, y| x.1.total_cmp(&y.1));
                let hit = index.nearest_segment(lon, lat, max_m);
                match nearest {
                    Some((_, d)) if d <= max_m => {
                        let hit = hit.expect("a segment within reach was missed");
                        prop_assert!((hit.distance_m - d).abs() < 1e-6, "{} vs {}", hit.distance_m, d);
                    }
                    Some((_, d)) => prop_assert!(hit.is_none(), "hit beyond reach: best is {} m", d),
                    None => prop_assert!(hit.is_none()),
                }
            }
        }
    }

    #[test]
    fn overlaps_go_to_the_higher_priority_then_the_smaller_area() {
        let square = |x0: f64, size: f64| {
            MultiPolygon(vec![Polygon::new(
                LineString::from(vec![
                    (x0, 31.0),
                    (x0 + size, 31.0),
                    (x0 + size, 31.0 + size),
                    (x0, 31.0 + size),
                    (x0, 31.0),
                ]),
                vec![],
            )])
        };
        let input = |id: u128, priority: i64, shape| AreaInput {
            id: Uuid::from_u128(id),
            name: id.to_string(),
            team_id: Uuid::from_u128(id),
            priority,
            shape,
        };
        let index = SpatialIndex::build(
            vec![
                input(1, 0, square(120.0, 0.1)),
                input(2, 0, square(120.0, 0.05)),
                input(3, 1, square(120.08, 0.05)),
            ],
            vec![],
            vec![],
        );
        assert_eq!(index.area_at(120.01, 31.01).unwrap().id, Uuid::from_u128(2));
        assert_eq!(index.area_at(120.09, 31.01).unwrap().id, Uuid::from_u128(3));
        assert_eq!(index.area_at(120.07, 31.09).unwrap().id, Uuid::from_u128(1));
        assert!(index.area_at(121.0, 31.0).is_none());
        // A corner is on the boundary: inside.
        assert_eq!(index.area_at(120.0, 31.0).unwrap().id, Uuid::from_u128(2));
    }
}
