//! The spatial indexes routing answers from: point → service area (→ repair team), and point →
//! nearest pipeline segment (→ patrol area → patrol team), over geometry projected to metres
//! around the data's centre, so every distance is in metres. An index is immutable once built;
//! `Indexes` swaps in a new one atomically, so a lookup never waits for a rebuild and never sees
//! a half-built index.
//!
//! Every lookup is a handful of dependent memory reads into data far larger than the CPU caches,
//! so the layout is what makes it fast: all geometry lives in a few flat arrays in space-filling
//! curve order (no per-polygon allocations to chase), small records lead to it, and most points
//! are answered before any vertex is read.

use crate::geometry::LocalProjection;
use geo::{BoundingRect, Coord, LineString, MultiPolygon, Polygon};
use std::cmp::Ordering;
use std::ops::{Range, RangeInclusive};
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

pub struct SpatialIndex {
    projection: LocalProjection,
    areas: Vec<Area>,
    shapes: Shapes,
    pub patrol_areas: Vec<PatrolArea>,
    segment_count: usize,
    segments: SegmentTree,
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
        let mut shapes = Vec::with_capacity(areas.len());
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
                shapes.push(shape);
                Area {
                    id: a.id,
                    name: a.name,
                    team_id: a.team_id,
                    priority: a.priority,
                    size_m2,
                }
            })
            .collect();
        let shapes = Shapes::build(&areas, &shapes);
        let segment_count = segments.len();
        let mut pieces = Vec::with_capacity(segments.len());
        for segment in segments {
            for pair in segment.line.0.windows(2) {
                let (a, b) = (projection.to_metres(pair[0]), projection.to_metres(pair[1]));
                pieces.push(Piece {
                    a: [a.x, a.y],
                    b: [b.x, b.y],
                    segment_id: segment.id,
                    patrol_area: segment.patrol_area as u32,
                });
            }
        }
        SpatialIndex {
            projection,
            areas,
            shapes,
            patrol_areas: patrol_areas
                .into_iter()
                .map(|p| PatrolArea {
                    id: p.id,
                    name: p.name,
                    team_id: p.team_id,
                })
                .collect(),
            segment_count,
            segments: SegmentTree::build(pieces),
        }
    }

    pub fn area_count(&self) -> usize {
        self.areas.len()
    }

    pub fn segment_count(&self) -> usize {
        self.segment_count
    }

    fn metres(&self, lon: f64, lat: f64) -> [f64; 2] {
        let p = self.projection.to_metres(Coord { x: lon, y: lat });
        [p.x, p.y]
    }

    /// The service area that serves a point (boundaries count as inside).
    pub fn area_at(&self, lon: f64, lat: f64) -> Option<&Area> {
        let area = self.shapes.area_at(self.metres(lon, lat))?;
        Some(&self.areas[area as usize])
    }

    /// The nearest pipeline segment within `max_m` metres.
    pub fn nearest_segment(&self, lon: f64, lat: f64, max_m: f64) -> Option<SegmentHit> {
        let p = self.metres(lon, lat);
        if !(p[0].is_finite() && p[1].is_finite()) {
            return None;
        }
        // Only pieces within reach matter, so the reach bounds the search from the start; the
        // slack keeps a piece at exactly `max_m` from being lost to rounding, and the check
        // below keeps the exact `<=` of the answer.
        let reach_2 = max_m * max_m * (1.0 + 1e-9);
        let (piece, distance_2) = self.segments.nearest(p, reach_2)?;
        let distance_m = distance_2.sqrt();
        (distance_m <= max_m).then_some(SegmentHit {
            segment_id: piece.segment_id,
            distance_m,
            patrol_area: piece.patrol_area as usize,
        })
    }

    /// Metres between two WGS84 points, in this index's projection.
    pub fn distance_m(&self, a: (f64, f64), b: (f64, f64)) -> f64 {
        let (a, b) = (self.metres(a.0, a.1), self.metres(b.0, b.1));
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
    }

    /// Bytes the index's own arrays take (not counting the allocator's overhead).
    pub fn heap_bytes(&self) -> usize {
        fn bytes<T>(v: &Vec<T>) -> usize {
            v.capacity() * std::mem::size_of::<T>()
        }
        let names: usize = self.areas.iter().map(|a| a.name.capacity()).sum();
        let patrol_names: usize = self.patrol_areas.iter().map(|p| p.name.capacity()).sum();
        let s = &self.shapes;
        bytes(&self.areas)
            + names
            + bytes(&self.patrol_areas)
            + patrol_names
            + bytes(&s.parts)
            + bytes(&s.holes)
            + bytes(&s.slabs)
            + bytes(&s.vertices)
            + bytes(&s.grid.cells)
            + bytes(&s.grid.entries)
            + bytes(&self.segments.pieces)
            + bytes(&self.segments.boxes)
    }

    /// Every area, for brute-force checks.
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

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

/// Position along a Hilbert curve over a 2^16 × 2^16 grid of `[0, 1]²`: sorting by it puts
/// what is near in space near in memory, so a lookup's reads share cache lines and pages.
fn hilbert(x: f64, y: f64) -> u32 {
    let side = 1u32 << 16;
    let cell = |v: f64| ((v * (side - 1) as f64) as u32).min(side - 1);
    let (mut x, mut y) = (cell(x), cell(y));
    let mut d = 0u32;
    let mut s = side / 2;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = side - 1 - x;
                y = side - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

/// Maps points of a bounding box to `[0, 1]²` for `hilbert`.
struct Unit {
    min: [f64; 2],
    scale: [f64; 2],
}

impl Unit {
    fn around(points: impl Iterator<Item = [f64; 2]>) -> Unit {
        let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
        for p in points {
            min = [min[0].min(p[0]), min[1].min(p[1])];
            max = [max[0].max(p[0]), max[1].max(p[1])];
        }
        let scale = |lo: f64, hi: f64| if hi > lo { 1.0 / (hi - lo) } else { 0.0 };
        Unit {
            min,
            scale: [scale(min[0], max[0]), scale(min[1], max[1])],
        }
    }

    fn key(&self, p: [f64; 2]) -> u32 {
        hilbert(
            (p[0] - self.min[0]) * self.scale[0],
            (p[1] - self.min[1]) * self.scale[1],
        )
    }
}

/// Where a point lies relative to a closed ring.
#[derive(PartialEq)]
enum Side {
    Inside,
    Boundary,
    Outside,
}

/// Where a ring's data lies. Its slabs are the grid's slabs (`Grid::slab`) taken `2^shift` at
/// a time, so the slab for grid slab `s` is `Shapes::slabs[lines + (s >> shift)]` (wrapping),
/// found without reading anything else about the ring first.
#[derive(Clone, Copy)]
struct Ring {
    lines: u32,
    shift: u32,
    /// Edge `i` runs from vertex `first_vertex + i` to the next.
    first_vertex: u32,
    edge_count: u32,
}

/// One polygon of an area's multipolygon. Small, as every lookup reads one or two.
struct Part {
    /// Its slabs cover every grid row its bounding box reaches into, so a point of any cell
    /// listing the part has a slab.
    exterior: Ring,
    area: u32,
    /// Its holes, in `Shapes::holes`.
    holes: Range<u32>,
}

/// A hole, whose slabs cover only its own height.
struct Hole {
    min: [f64; 2],
    max: [f64; 2],
    ring: Ring,
}

/// Groups per slab: a slab is one cache line.
const GROUPS: usize = 4;
/// Set in `Slab::count` when the gap right of the group is inside the ring.
const INSIDE_RIGHT: u32 = 1 << 31;

/// One slab of a ring, in one cache line: its edges gathered into up to `GROUPS` groups, each
/// a range along x that the group's edges span (widened by their rounding error, rounded
/// outwards to f32) and that no other edge of the slab reaches into. Between groups no edge
/// crosses the slab, so a point there is inside or outside the ring at any height of the slab:
/// the answer is stored, and most points are answered without reading a vertex. A point within
/// a group is tested against the edges of one run of the ring (circular, so one run covers a
/// group wherever the ring starts): it holds all the group's edges, and the others in it are
/// harmless (see `Shapes::cross`).
#[derive(Clone, Copy)]
#[repr(align(64))]
struct Slab {
    /// Unused groups have both at +∞.
    lo: [f32; GROUPS],
    hi: [f32; GROUPS],
    /// First edge of each group's run, within the ring.
    start: [u32; GROUPS],
    /// Edges in each group's run, with `INSIDE_RIGHT`.
    count: [u32; GROUPS],
}

/// Edges per slab a ring aims at, and the most slabs a ring gets.
const SLAB_EDGES: usize = 4;
const MAX_SLABS: usize = 256;

/// The service areas' geometry, flattened: every ring's vertices and slabs in one array each,
/// ring after ring, parts in Hilbert order of their centres. A lookup reads a grid cell and
/// then, only near a boundary, a small `Part` record, one slab per ring and a few adjacent
/// vertices: no pointer chasing per polygon, ring or slab.
struct Shapes {
    parts: Vec<Part>,
    holes: Vec<Hole>,
    slabs: Vec<Slab>,
    vertices: Vec<[f64; 2]>,
    grid: Grid,
}

/// A group of edges of one slab while building.
struct Gathered {
    lo: f32,
    hi: f32,
    /// The group's edges, in `Scratch::spans`.
    edges: Range<usize>,
    /// Whether crossing the group at the slab's height flips inside/outside.
    flips: bool,
}

/// Buffers reused from ring to ring while building.
#[derive(Default)]
struct Scratch {
    /// Where each slab's edges start in `bucketed`, with one more at the end.
    starts: Vec<usize>,
    bucketed: Vec<u32>,
    slab: SlabScratch,
}

/// Buffers reused from slab to slab while building.
#[derive(Default)]
struct SlabScratch {
    /// Per edge of the slab: its widened x range and its index in the ring.
    spans: Vec<(f32, f32, u32)>,
    groups: Vec<Gathered>,
    members: Vec<u32>,
}

fn down(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) > x { f.next_down() } else { f }
}

fn up(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) < x { f.next_up() } else { f }
}

/// How far rounding can move, outside an edge's own range along an axis, where `Shapes::cross`
/// finds a ray crossing the edge.
fn slack(u: f64, v: f64) -> f64 {
    (u.abs() + v.abs()) * 1e-12
}

fn bounding_box(points: &[[f64; 2]]) -> ([f64; 2], [f64; 2]) {
    points
        .iter()
        .fold(([f64::MAX; 2], [f64::MIN; 2]), |(lo, hi), p| {
            (
                [lo[0].min(p[0]), lo[1].min(p[1])],
                [hi[0].max(p[0]), hi[1].max(p[1])],
            )
        })
}

impl Shapes {
    fn build(areas: &[Area], shapes: &[MultiPolygon<f64>]) -> Shapes {
        let mut polygons: Vec<(u32, &Polygon<f64>, [f64; 4])> = Vec::new();
        for (area, shape) in shapes.iter().enumerate() {
            for polygon in &shape.0 {
                // A polygon without an exterior covers nothing.
                if let Some(r) = polygon.exterior().bounding_rect() {
                    let b = [r.min().x, r.min().y, r.max().x, r.max().y];
                    polygons.push((area as u32, polygon, b));
                }
            }
        }
        let centre = |b: &[f64; 4]| [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
        let unit = Unit::around(polygons.iter().map(|p| centre(&p.2)));
        polygons.sort_by_cached_key(|&(area, _, b)| (unit.key(centre(&b)), area));
        let boxes: Vec<[f64; 4]> = polygons.iter().map(|p| p.2).collect();
        let mut shapes = Shapes {
            parts: Vec::with_capacity(polygons.len()),
            holes: Vec::new(),
            slabs: Vec::new(),
            vertices: Vec::new(),
            grid: Grid::shaped(&boxes),
        };
        let mut scratch = Scratch::default();
        for (area, polygon, b) in polygons {
            let (_, first_row) = shapes.grid.column_row([b[0], b[1]]);
            let (_, last_row) = shapes.grid.column_row([b[2], b[3]]);
            let rows = first_row * SLABS_PER_ROW..=(last_row + 1) * SLABS_PER_ROW - 1;
            let exterior = shapes.add_ring(polygon.exterior(), rows, &mut scratch);
            let first_hole = shapes.holes.len() as u32;
            for hole in polygon.interiors() {
                let points: Vec<[f64; 2]> = hole.0.iter().map(|c| [c.x, c.y]).collect();
                // A hole without edges takes nothing away.
                if points.len() < 2 {
                    continue;
                }
                let (min, max) = bounding_box(&points);
                let rows = shapes.grid.slab(min[1])..=shapes.grid.slab(max[1]);
                let ring = shapes.add_ring(hole, rows, &mut scratch);
                shapes.holes.push(Hole { min, max, ring });
            }
            shapes.parts.push(Part {
                exterior,
                area,
                holes: first_hole..shapes.holes.len() as u32,
            });
        }
        let mut grid = std::mem::take(&mut shapes.grid);
        grid.fill(&shapes, &boxes, areas);
        shapes.grid = grid;
        shapes
    }

    /// Adds a ring whose slabs cover grid slabs `covered`.
    fn add_ring(
        &mut self,
        ring: &LineString<f64>,
        covered: RangeInclusive<usize>,
        scratch: &mut Scratch,
    ) -> Ring {
        let Shapes {
            vertices,
            slabs,
            grid,
            ..
        } = self;
        let first_vertex = vertices.len();
        vertices.extend(ring.0.iter().map(|c| [c.x, c.y]));
        let points = &vertices[first_vertex..];
        let edge_count = points.len().saturating_sub(1);
        let wanted = (edge_count / SLAB_EDGES).clamp(1, MAX_SLABS);
        let (first, last) = (*covered.start(), *covered.end());
        let mut shift = 0;
        while (last >> shift) - (first >> shift) + 1 > wanted {
            shift += 1;
        }
        let slab_count = (last >> shift) - (first >> shift) + 1;
        let ring = Ring {
            lines: (slabs.len() as u32).wrapping_sub((first >> shift) as u32),
            shift,
            first_vertex: first_vertex as u32,
            edge_count: edge_count as u32,
        };
        // The ring's own slab of a height, from 0 (heights below the ring's in its first).
        let slab = |y: f64| (grid.slab(y) >> shift).saturating_sub(first >> shift);
        // Bucket the edges by slab with a counting sort: no allocation per slab.
        let slabs_of = |i: usize| {
            let (a, b) = (points[i][1], points[i + 1][1]);
            slab(a.min(b))..=slab(a.max(b))
        };
        scratch.starts.clear();
        scratch.starts.resize(slab_count + 1, 0);
        for i in 0..edge_count {
            for s in slabs_of(i) {
                scratch.starts[s + 1] += 1;
            }
        }
        for s in 0..slab_count {
            scratch.starts[s + 1] += scratch.starts[s];
        }
        scratch.bucketed.clear();
        scratch.bucketed.resize(scratch.starts[slab_count], 0);
        let mut fill = scratch.starts.clone();
        for i in 0..edge_count {
            for s in slabs_of(i) {
                scratch.bucketed[fill[s]] = i as u32;
                fill[s] += 1;
            }
        }
        for s in 0..slab_count {
            // Any height of the slab answers for all of it (no edge crosses a gap at any
            // height of the slab); none is needed when nothing crosses the slab's height.
            let y = grid.height_of((s + (first >> shift)) << shift, 1 << shift);
            let in_slab = (grid.slab(y) >> shift).checked_sub(first >> shift) == Some(s);
            let edges = &scratch.bucketed[scratch.starts[s]..scratch.starts[s + 1]];
            slabs.push(slab_of(
                points,
                edges,
                if in_slab { y } else { f64::NAN },
                edge_count as u32,
                &mut scratch.slab,
            ));
        }
        ring
    }

    /// The area serving a point: the first part of its cell covering it, else the cell's
    /// answer.
    fn area_at(&self, p: [f64; 2]) -> Option<u32> {
        let (cell, s) = self.grid.cell(p)?;
        if cell & ANSWER != 0 {
            return (cell & !ANSWER).checked_sub(1);
        }
        if cell & SINGLE != 0 {
            let part = &self.parts[(cell & !SINGLE) as usize];
            return self.covers(part, p, s).then_some(part.area);
        }
        for &entry in &self.grid.entries[cell as usize..] {
            if entry & ANSWER != 0 {
                return (entry & !ANSWER).checked_sub(1);
            }
            let part = &self.parts[entry as usize];
            if self.covers(part, p, s) {
                return Some(part.area);
            }
        }
        None
    }

    /// Whether a part covers a point of grid slab `s` of a cell listing it.
    fn covers(&self, part: &Part, p: [f64; 2], s: usize) -> bool {
        match self.side(&part.exterior, p, s) {
            Side::Outside => false,
            Side::Boundary => true,
            // Strictly inside a hole is outside the area; a hole's edge is still the area's.
            Side::Inside => !self.holes[part.holes.start as usize..part.holes.end as usize]
                .iter()
                .any(|h| {
                    // Written so that NaN is outside.
                    let within = p[0] >= h.min[0]
                        && p[0] <= h.max[0]
                        && p[1] >= h.min[1]
                        && p[1] <= h.max[1];
                    within && self.side(&h.ring, p, s) == Side::Inside
                }),
        }
    }

    /// Where a point of grid slab `s` lies relative to a ring with a slab there.
    fn side(&self, ring: &Ring, p: [f64; 2], s: usize) -> Side {
        let line = ring.lines.wrapping_add((s >> ring.shift) as u32);
        let slab = &self.slabs[line as usize];
        let mut inside = false;
        for g in 0..GROUPS {
            if p[0] < f64::from(slab.lo[g]) {
                break;
            }
            let right = slab.count[g] & INSIDE_RIGHT != 0;
            if p[0] <= f64::from(slab.hi[g]) {
                let count = slab.count[g] & !INSIDE_RIGHT;
                return self.cross(ring, slab.start[g], count, f64::from(slab.hi[g]), p, right);
            }
            inside = right;
        }
        if inside { Side::Inside } else { Side::Outside }
    }

    /// Crossing number of a horizontal ray to the right over a run of a ring's edges, starting
    /// from the inside-ness right of the group, which also reports points exactly on an edge:
    /// boundaries count as inside, as GIS "intersects" does. Of the run's other edges, those
    /// of groups to the left never cross the ray right of the point, those reaching not into
    /// the slab never span its height, and those of groups to the right (already counted in
    /// `inside`) start beyond `hi` and are skipped.
    fn cross(
        &self,
        ring: &Ring,
        start: u32,
        count: u32,
        hi: f64,
        p: [f64; 2],
        inside: bool,
    ) -> Side {
        let mut inside = inside;
        let mut i = start;
        for _ in 0..count {
            let v = (ring.first_vertex + i) as usize;
            let (a, b) = (self.vertices[v], self.vertices[v + 1]);
            i = if i + 1 == ring.edge_count { 0 } else { i + 1 };
            if a[0].min(b[0]) > hi {
                continue;
            }
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

/// Gathers the edges of one slab of a ring into groups and works out the inside-ness of each
/// gap at height `y` of the slab (NaN when nothing can cross the slab's height, and then the
/// slab is one group of all its edges, tested as they are).
fn slab_of(
    points: &[[f64; 2]],
    edges: &[u32],
    y: f64,
    edge_count: u32,
    scratch: &mut SlabScratch,
) -> Slab {
    let SlabScratch {
        spans,
        groups,
        members,
    } = scratch;
    let edge = |i: u32| (points[i as usize], points[i as usize + 1]);
    spans.clear();
    if y.is_nan() {
        let all = |i| (f32::NEG_INFINITY, f32::INFINITY, i);
        spans.extend(edges.iter().copied().map(all));
    } else {
        for &i in edges {
            let (a, b) = edge(i);
            let d = slack(a[0], b[0]);
            spans.push((down(a[0].min(b[0]) - d), up(a[0].max(b[0]) + d), i));
        }
        spans.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
    }
    let crosses = |i: u32| {
        let (a, b) = edge(i);
        (a[1] > y) != (b[1] > y)
    };
    groups.clear();
    let mut k = 0;
    while k < spans.len() {
        let (lo, mut hi) = (spans[k].0, spans[k].1);
        let mut end = k + 1;
        while end < spans.len() && spans[end].0 <= hi {
            hi = hi.max(spans[end].1);
            end += 1;
        }
        let flips = spans[k..end].iter().fold(false, |f, e| f ^ crosses(e.2));
        groups.push(Gathered {
            lo,
            hi,
            edges: k..end,
            flips,
        });
        k = end;
    }
    // Too many groups for a cache line: join neighbours across the narrowest gaps (a joined
    // group is tested like any other, it only answers fewer points without edges).
    while groups.len() > GROUPS {
        let gap = |g: usize| groups[g + 1].lo - groups[g].hi;
        let narrowest = (0..groups.len() - 1)
            .min_by(|&a, &b| gap(a).total_cmp(&gap(b)))
            .unwrap_or(0);
        let right = groups.remove(narrowest + 1);
        let left = &mut groups[narrowest];
        left.hi = left.hi.max(right.hi);
        left.edges.end = right.edges.end;
        left.flips ^= right.flips;
    }
    let mut slab = Slab {
        lo: [f32::INFINITY; GROUPS],
        hi: [f32::INFINITY; GROUPS],
        start: [0; GROUPS],
        count: [0; GROUPS],
    };
    // Nothing is right of the last group; each group to the left flips the answer once per
    // edge crossing the slab's height.
    let mut inside = false;
    for (g, group) in groups.iter().enumerate().rev() {
        members.clear();
        members.extend(spans[group.edges.clone()].iter().map(|e| e.2));
        let (start, count) = shortest_run(members, edge_count);
        slab.lo[g] = group.lo;
        slab.hi[g] = group.hi;
        slab.start[g] = start;
        slab.count[g] = count | if inside { INSIDE_RIGHT } else { 0 };
        inside ^= group.flips;
    }
    slab
}

/// The shortest run of a ring's `n` edges, going round, holding all the given ones: it starts
/// after the widest gap between them.
fn shortest_run(edges: &mut [u32], n: u32) -> (u32, u32) {
    edges.sort_unstable();
    let (Some(&first), Some(&last)) = (edges.first(), edges.last()) else {
        return (0, 0);
    };
    // Going round, from the last edge to the first.
    let mut widest = (first + n - last, first);
    for w in edges.windows(2) {
        if w[1] - w[0] > widest.0 {
            widest = (w[1] - w[0], w[1]);
        }
    }
    (widest.1, n - widest.0 + 1)
}

/// How a grid cell relates to one part of an area.
#[derive(Clone, Copy, PartialEq)]
enum Relation {
    /// No point of the cell is in the part.
    Apart,
    /// Every point of the cell is in the part.
    Whole,
    /// A boundary of the part comes near the cell: its points must be tested.
    Mixed,
}

/// Cells of the area grid per part: fine enough that most cells lie wholly inside or outside
/// each area near them, coarse enough that the grid stays in the CPU caches.
const CELLS_PER_PART: usize = 64;
/// Rings' slabs are the grid's rows cut in this many (a power of two, so that the cut is exact).
const SLABS_PER_ROW: usize = 16;
/// Marks a grid cell or entry that is an answer: 1 + an area's index, or 0 for none.
const ANSWER: u32 = 1 << 31;
/// Marks a grid cell with one part to test, and no area when it does not cover the point.
const SINGLE: u32 = 1 << 30;

/// A uniform grid over the service areas. A cell no boundary crosses holds its answer (the best
/// area covering all of it, or none), so most points need no polygon test at all; any other
/// cell lists the parts to test, best area first (`better`), ending with the answer for a
/// point none of them covers (the best area covering the whole cell, or none).
#[derive(Default)]
struct Grid {
    min: [f64; 2],
    max: [f64; 2],
    /// Cells per metre.
    scale: [f64; 2],
    cols: usize,
    rows: usize,
    /// Row by row: an answer, a single part (`SINGLE`), or where the cell's list starts in
    /// `entries`.
    cells: Vec<u32>,
    /// Part indices, each cell's list ending with an answer.
    entries: Vec<u32>,
}

impl Grid {
    /// A grid over the given boxes (min x, min y, max x, max y), with no cells filled yet.
    fn shaped(boxes: &[[f64; 4]]) -> Grid {
        let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
        for b in boxes {
            min = [min[0].min(b[0]), min[1].min(b[1])];
            max = [max[0].max(b[2]), max[1].max(b[3])];
        }
        let (width, height) = (max[0] - min[0], max[1] - min[1]);
        let mut grid = Grid {
            min,
            max,
            ..Grid::default()
        };
        // Coarser when big parts would repeat in too many cells.
        let mut cells = (boxes.len() * CELLS_PER_PART).clamp(1, 1 << 24);
        loop {
            (grid.cols, grid.rows) = grid_shape(width, height, cells);
            let scale = |cells: usize, len: f64| if len > 0.0 { cells as f64 / len } else { 0.0 };
            grid.scale = [scale(grid.cols, width), scale(grid.rows, height)];
            let pairs: usize = boxes.iter().map(|b| grid.cells_of(b).count()).sum();
            if pairs <= 8 * cells || cells == 1 {
                return grid;
            }
            cells /= 4;
        }
    }

    /// Sorts out every cell, once the parts (whose boxes are given) are in `shapes`.
    fn fill(&mut self, shapes: &Shapes, boxes: &[[f64; 4]], areas: &[Area]) {
        let parts = &shapes.parts;
        let n = self.cols * self.rows;
        // Each cell's parts, best area first, with how each relates to the whole cell.
        let mut rank = vec![0u32; areas.len()];
        let mut order: Vec<usize> = (0..areas.len()).collect();
        order.sort_by(|&a, &b| better(&areas[a], &areas[b]));
        for (r, &a) in order.iter().enumerate() {
            rank[a] = r as u32;
        }
        let mut by_rank: Vec<usize> = (0..parts.len()).collect();
        by_rank.sort_by_key(|&p| (rank[parts[p].area as usize], p));
        let mut starts = vec![0usize; n + 1];
        for b in boxes {
            for c in self.cells_of(b) {
                starts[c + 1] += 1;
            }
        }
        for c in 0..n {
            starts[c + 1] += starts[c];
        }
        let mut fill = starts.clone();
        let mut pairs = vec![(0u32, Relation::Apart); starts[n]];
        let mut near = Vec::new();
        for &p in &by_rank {
            let part = &parts[p];
            let (c0, r0) = self.column_row([boxes[p][0], boxes[p][1]]);
            let (c1, r1) = self.column_row([boxes[p][2], boxes[p][3]]);
            let span = c1 - c0 + 1;
            near.clear();
            near.resize(span * (r1 - r0 + 1), false);
            let holes = &shapes.holes[part.holes.start as usize..part.holes.end as usize];
            for ring in std::iter::once(&part.exterior).chain(holes.iter().map(|h| &h.ring)) {
                let first = ring.first_vertex as usize;
                for w in shapes.vertices[first..first + ring.edge_count as usize + 1].windows(2) {
                    let (a, b) = (w[0], w[1]);
                    // Farther than this from the edge, the crossing test treats it exactly
                    // and a point cannot be on it.
                    let (sx, sy) = (slack(a[0], b[0]), slack(a[1], b[1]));
                    let lo = [a[0].min(b[0]) - sx, a[1].min(b[1]) - sy];
                    let hi = [a[0].max(b[0]) + sx, a[1].max(b[1]) + sy];
                    let ((e0, f0), (e1, f1)) = (self.column_row(lo), self.column_row(hi));
                    for row in f0.clamp(r0, r1)..=f1.clamp(r0, r1) {
                        for col in e0.clamp(c0, c1)..=e1.clamp(c0, c1) {
                            near[(row - r0) * span + col - c0] = true;
                        }
                    }
                }
            }
            for row in r0..=r1 {
                for col in c0..=c1 {
                    let centre = self.centre(col, row);
                    // With no boundary near the cell, its centre answers for all of it.
                    let relation = if near[(row - r0) * span + col - c0]
                        || self.column_row(centre) != (col, row)
                    {
                        Relation::Mixed
                    } else if shapes.covers(part, centre, self.slab(centre[1])) {
                        Relation::Whole
                    } else {
                        Relation::Apart
                    };
                    let c = row * self.cols + col;
                    pairs[fill[c]] = (p as u32, relation);
                    fill[c] += 1;
                }
            }
        }
        self.cells = Vec::with_capacity(n);
        for c in 0..n {
            let first = self.entries.len();
            let mut answer = ANSWER;
            for &(p, relation) in &pairs[starts[c]..starts[c + 1]] {
                match relation {
                    Relation::Apart => {}
                    Relation::Mixed => self.entries.push(p),
                    Relation::Whole => {
                        answer = ANSWER | (parts[p as usize].area + 1);
                        break;
                    }
                }
            }
            let listed = self.entries.len() - first;
            if listed == 0 {
                self.cells.push(answer);
            } else if listed == 1 && answer == ANSWER {
                self.cells
                    .push(SINGLE | self.entries.pop().unwrap_or_default());
            } else {
                self.entries.push(answer);
                self.cells.push(first as u32);
            }
        }
    }

    /// Column and row of a point of the grid's extent.
    fn column_row(&self, p: [f64; 2]) -> (usize, usize) {
        let at = |v: f64, min: f64, scale: f64, n: usize| (((v - min) * scale) as usize).min(n - 1);
        (
            at(p[0], self.min[0], self.scale[0], self.cols),
            at(p[1], self.min[1], self.scale[1], self.rows),
        )
    }

    /// The slab of a height: its row's, cut in `SLABS_PER_ROW` (scaling by a power of two is
    /// exact, so the slab is always in the row `column_row` gives). Monotonic, so an edge
    /// bucketed into the slabs of its lowest through its highest point is in the slab of
    /// every height it spans.
    fn slab(&self, y: f64) -> usize {
        let t = (y - self.min[1]) * self.scale[1];
        ((t * SLABS_PER_ROW as f64) as usize).min(self.rows * SLABS_PER_ROW - 1)
    }

    /// A height in the middle of `count` slabs from `first`.
    fn height_of(&self, first: usize, count: usize) -> f64 {
        if self.scale[1] > 0.0 {
            let t = (first as f64 + count as f64 / 2.0) / SLABS_PER_ROW as f64;
            self.min[1] + t / self.scale[1]
        } else {
            self.min[1]
        }
    }

    fn centre(&self, col: usize, row: usize) -> [f64; 2] {
        let at = |i: usize, min: f64, scale: f64| {
            if scale > 0.0 {
                min + (i as f64 + 0.5) / scale
            } else {
                min
            }
        };
        [
            at(col, self.min[0], self.scale[0]),
            at(row, self.min[1], self.scale[1]),
        ]
    }

    /// Every cell a box (min x, min y, max x, max y) reaches into.
    fn cells_of(&self, b: &[f64; 4]) -> impl Iterator<Item = usize> + use<> {
        let ((c0, r0), (c1, r1)) = (self.column_row([b[0], b[1]]), self.column_row([b[2], b[3]]));
        let cols = self.cols;
        (r0..=r1).flat_map(move |row| (c0..=c1).map(move |col| row * cols + col))
    }

    /// A point's cell and slab; nothing outside the grid.
    fn cell(&self, p: [f64; 2]) -> Option<(u32, usize)> {
        // Written so that NaN is outside.
        if !(p[0] >= self.min[0]
            && p[0] <= self.max[0]
            && p[1] >= self.min[1]
            && p[1] <= self.max[1])
        {
            return None;
        }
        let (col, row) = self.column_row(p);
        Some((self.cells[row * self.cols + col], self.slab(p[1])))
    }
}

/// Columns and rows for about `cells` square cells over a `width` × `height` extent.
fn grid_shape(width: f64, height: f64, cells: usize) -> (usize, usize) {
    match (width > 0.0, height > 0.0) {
        (false, false) => (1, 1),
        (true, false) => (cells, 1),
        (false, true) => (1, cells),
        (true, true) => {
            let side = (width * height / cells as f64).sqrt();
            let fit = |len: f64| ((len / side).ceil() as usize).clamp(1, cells);
            (fit(width), fit(height))
        }
    }
}

/// A straight piece of a pipeline segment.
#[derive(Clone, Copy)]
struct Piece {
    a: [f64; 2],
    b: [f64; 2],
    /// The segment's, kept with each piece so that the answer needs no further read.
    segment_id: Uuid,
    patrol_area: u32,
}

impl Piece {
    fn centre(&self) -> [f64; 2] {
        [(self.a[0] + self.b[0]) / 2.0, (self.a[1] + self.b[1]) / 2.0]
    }

    fn distance_2(&self, p: [f64; 2]) -> f64 {
        let (a, b) = (self.a, self.b);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let length_2 = dx * dx + dy * dy;
        let t = if length_2 == 0.0 {
            0.0
        } else {
            (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length_2).clamp(0.0, 1.0)
        };
        let (x, y) = (a[0] + t * dx - p[0], a[1] + t * dy - p[1]);
        x * x + y * y
    }
}

fn box_distance_2(b: &[f64; 4], p: [f64; 2]) -> f64 {
    let dx = (b[0] - p[0]).max(p[0] - b[2]).max(0.0);
    let dy = (b[1] - p[1]).max(p[1] - b[3]).max(0.0);
    dx * dx + dy * dy
}

fn union(boxes: impl Iterator<Item = [f64; 4]>) -> [f64; 4] {
    boxes.fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |u, b| {
        [
            u[0].min(b[0]),
            u[1].min(b[1]),
            u[2].max(b[2]),
            u[3].max(b[3]),
        ]
    })
}

/// Children per node of the segment tree.
const FANOUT: usize = 16;

/// A packed R-tree over the pipeline pieces, bulk-loaded once and never edited: the pieces in
/// Hilbert order, `FANOUT` to a leaf, and above them a box per `FANOUT` nodes of the level
/// below, each level one flat array. Leaves hold the endpoints themselves, so a search reads
/// a few runs of adjacent memory and allocates nothing.
struct SegmentTree {
    pieces: Vec<Piece>,
    boxes: Vec<[f64; 4]>,
    /// Where each level lies in `boxes`, from the leaves' boxes up to the root's.
    levels: Vec<Range<usize>>,
}

impl SegmentTree {
    fn build(pieces: Vec<Piece>) -> SegmentTree {
        let unit = Unit::around(pieces.iter().map(Piece::centre));
        let mut order: Vec<u64> = pieces
            .iter()
            .enumerate()
            .map(|(i, p)| (u64::from(unit.key(p.centre())) << 32) | i as u64)
            .collect();
        order.sort_unstable();
        let pieces: Vec<Piece> = order
            .into_iter()
            .map(|k| pieces[(k & 0xffff_ffff) as usize])
            .collect();
        let mut boxes: Vec<[f64; 4]> = pieces
            .chunks(FANOUT)
            .map(|c| {
                union(c.iter().map(|p| {
                    [
                        p.a[0].min(p.b[0]),
                        p.a[1].min(p.b[1]),
                        p.a[0].max(p.b[0]),
                        p.a[1].max(p.b[1]),
                    ]
                }))
            })
            .collect();
        let mut levels = Vec::new();
        if !boxes.is_empty() {
            levels.push(0..boxes.len());
        }
        while let Some(below) = levels.last().filter(|r| r.len() > 1).cloned() {
            let above: Vec<[f64; 4]> = boxes[below]
                .chunks(FANOUT)
                .map(|c| union(c.iter().copied()))
                .collect();
            levels.push(boxes.len()..boxes.len() + above.len());
            boxes.extend(above);
        }
        SegmentTree {
            pieces,
            boxes,
            levels,
        }
    }

    /// The piece nearest `p` no farther than √`reach_2`, with its squared distance.
    fn nearest(&self, p: [f64; 2], reach_2: f64) -> Option<(&Piece, f64)> {
        let mut best = (usize::MAX, reach_2);
        let top = self.levels.len().checked_sub(1)?;
        self.visit(top, 0, p, &mut best);
        self.pieces.get(best.0).map(|piece| (piece, best.1))
    }

    /// Depth first, nearest child first, skipping whatever is farther than the best so far.
    fn visit(&self, level: usize, node: usize, p: [f64; 2], best: &mut (usize, f64)) {
        let first = node * FANOUT;
        if level == 0 {
            let last = (first + FANOUT).min(self.pieces.len());
            for (i, piece) in self.pieces[first..last].iter().enumerate() {
                let d = piece.distance_2(p);
                if d <= best.1 {
                    *best = (first + i, d);
                }
            }
            return;
        }
        let below = &self.levels[level - 1];
        let last = (first + FANOUT).min(below.len());
        let mut near = [(0.0f64, 0usize); FANOUT];
        let mut n = 0;
        for child in first..last {
            let d = box_distance_2(&self.boxes[below.start + child], p);
            if d <= best.1 {
                let mut j = n;
                while j > 0 && near[j - 1].0 > d {
                    near[j] = near[j - 1];
                    j -= 1;
                }
                near[j] = (d, child);
                n += 1;
            }
        }
        for &(d, child) in &near[..n] {
            if d > best.1 {
                break;
            }
            self.visit(level - 1, child, p, best);
        }
    }
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

    /// The original point-in-ring test over every edge: crossing number of a ray to the right,
    /// boundaries inside.
    fn plain_covers(
        shape: &MultiPolygon<f64>,
        p: Coord<f64>,
        projection: &LocalProjection,
    ) -> bool {
        let side = |ring: &LineString<f64>| -> Option<bool> {
            let pts: Vec<Coord<f64>> = ring.0.iter().map(|c| projection.to_metres(*c)).collect();
            let mut inside = false;
            for w in pts.windows(2) {
                let (a, b) = (w[0], w[1]);
                let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
                if cross == 0.0
                    && p.x >= a.x.min(b.x)
                    && p.x <= a.x.max(b.x)
                    && p.y >= a.y.min(b.y)
                    && p.y <= a.y.max(b.y)
                {
                    return None;
                }
                if (a.y > p.y) != (b.y > p.y) {
                    let x = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y);
                    if p.x < x {
                        inside = !inside;
                    }
                }
            }
            Some(inside)
        };
        shape
            .0
            .iter()
            .any(|polygon| match side(polygon.exterior()) {
                None => true,
                Some(false) => false,
                Some(true) => !polygon.interiors().iter().any(|h| side(h) == Some(true)),
            })
    }

    /// Rings on a coarse lattice, so that edges are shared, horizontal and vertical, and
    /// probes fall exactly on vertices and edges; some rings comb-shaped (many edges at one
    /// height) or with thousands of vertices.
    fn lattice_ring(kind: u8, x0: i32, y0: i32, size: i32, seed: u64) -> Vec<(f64, f64)> {
        let at = |x: i32, y: i32| (120.0 + f64::from(x) * 0.001, 31.0 + f64::from(y) * 0.001);
        let mut rng = seed;
        let mut next = move |n: i32| {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((rng >> 33) % n.max(1) as u64) as i32
        };
        let mut ring = match kind % 8 {
            // A rectangle.
            0 | 3 => vec![
                at(x0, y0),
                at(x0 + size, y0),
                at(x0 + size, y0 + size),
                at(x0, y0 + size),
            ],
            // A comb: teeth of random heights along the bottom.
            1 | 4 => {
                let mut r = vec![at(x0, y0)];
                let teeth = size.max(2);
                for t in 0..teeth {
                    let h = 1 + next(size.max(1));
                    r.push(at(x0 + t, y0 + h));
                    r.push(at(x0 + t + 1, y0 + h));
                }
                r.push(at(x0 + teeth, y0));
                r
            }
            // A random walk around a lattice star (may touch or cross itself).
            2 | 5 => (0..(8 + next(40)))
                .map(|i| {
                    let a = std::f64::consts::TAU * f64::from(i) / 48.0;
                    let r = f64::from(1 + next(size.max(1)));
                    at(
                        x0 + (r * a.cos()).round() as i32,
                        y0 + (r * a.sin()).round() as i32,
                    )
                })
                .collect(),
            // Lattice points in random order: crossing itself, so that the edges of one group
            // are far apart along the ring, with other groups' edges between them.
            6 => (0..(4 + next(30)))
                .map(|_| at(x0 + next(size + 1), y0 + next(size + 1)))
                .collect(),
            // A fine star of over a thousand vertices (more than a ring gets slabs for).
            _ => (0..1200)
                .map(|i| {
                    let a = std::f64::consts::TAU * f64::from(i) / 1200.0;
                    let r = 0.001 * f64::from(size) * (0.6 + 0.4 * f64::from(next(100)) / 100.0);
                    (
                        120.0 + f64::from(x0) * 0.001 + r * a.cos(),
                        31.0 + f64::from(y0) * 0.001 + r * a.sin(),
                    )
                })
                .collect(),
        };
        ring.push(ring[0]);
        ring
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]

        #[test]
        fn index_agrees_with_the_plain_crossing_test(
            rings in prop::collection::vec((0..8u8, 0..30i32, 0..30i32, 1..12i32, any::<u64>(), -1..2i64, 0..3u8), 1..12),
            probes in prop::collection::vec((0..45i32, 0..45i32), 0..100),
        ) {
            let areas: Vec<AreaInput> = rings
                .iter()
                .enumerate()
                .map(|(i, &(kind, x0, y0, size, seed, priority, extra))| {
                    let exterior = LineString::from(lattice_ring(kind, x0, y0, size, seed));
                    // Sometimes a hole (a rectangle that may stick out), sometimes a second part.
                    let hole = LineString::from(lattice_ring(0, x0 + 1, y0 + 1, (size / 2).max(1), seed));
                    let polygon = Polygon::new(exterior, if extra == 1 { vec![hole] } else { vec![] });
                    let mut parts = vec![polygon];
                    if extra == 2 {
                        parts.push(Polygon::new(LineString::from(lattice_ring(2, x0 + 5, y0 - 3, size, !seed)), vec![]));
                    }
                    AreaInput {
                        id: Uuid::from_u128(i as u128 + 1),
                        name: format!("area {i}"),
                        team_id: Uuid::from_u128(1000 + i as u128),
                        priority,
                        shape: MultiPolygon(parts),
                    }
                })
                .collect();
            let shapes: Vec<(Uuid, MultiPolygon<f64>)> = areas.iter().map(|a| (a.id, a.shape.clone())).collect();
            let index = SpatialIndex::build(areas, vec![], vec![]);
            // Every lattice point and half-way point near the rings, every vertex, and the probes.
            let mut points: Vec<(f64, f64)> = Vec::new();
            for (_, shape) in &shapes {
                for polygon in &shape.0 {
                    points.extend(polygon.exterior().0.iter().map(|c| (c.x, c.y)));
                    points.extend(polygon.interiors().iter().flat_map(|r| r.0.iter().map(|c| (c.x, c.y))));
                }
            }
            for (x, y) in probes {
                for (dx, dy) in [(0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (0.5, 0.5), (0.25, 0.75)] {
                    points.push((120.0 + (f64::from(x) + dx) * 0.001 - 0.005, 31.0 + (f64::from(y) + dy) * 0.001 - 0.005));
                }
            }
            for (lon, lat) in points {
                let p = index.projection().to_metres(Coord { x: lon, y: lat });
                let expected = index
                    .areas()
                    .iter()
                    .filter(|a| shapes.iter().any(|(id, s)| *id == a.id && plain_covers(s, p, index.projection())))
                    .min_by(|a, b| better(a, b));
                prop_assert_eq!(index.area_at(lon, lat).map(|a| a.id), expected.map(|a| a.id), "at ({}, {})", lon, lat);
            }
        }
    }

    #[test]
    fn a_group_s_run_may_hold_edges_of_groups_to_its_right() {
        // At mid-height the ring passes x = 0 (up), x = 10 (down), x ≈ 0 (up, slanted), x = 12
        // (down): the two edges near x = 0 form one group, and any run of the ring holding
        // both holds one of the edges to the right too.
        let at = |x: f64, y: f64| (120.0 + x * 0.001, 31.0 + y * 0.001);
        let corners = [
            (0.0, 0.0),
            (0.0, 10.0),
            (10.0, 10.0),
            (10.0, 0.0),
            (1.0, 0.0),
            (-1.0, 10.0),
            (12.0, 10.0),
            (12.0, 0.0),
            (0.0, 0.0),
        ];
        // Each side cut in ten, so that the ring gets slabs the horizontal sides miss.
        let mut ring: Vec<(f64, f64)> = corners
            .windows(2)
            .flat_map(|w| {
                (0..10).map(move |i| {
                    let t = f64::from(i) / 10.0;
                    at(
                        w[0].0 + t * (w[1].0 - w[0].0),
                        w[0].1 + t * (w[1].1 - w[0].1),
                    )
                })
            })
            .collect();
        ring.push(ring[0]);
        let shape = MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])]);
        let area = AreaInput {
            id: Uuid::from_u128(1),
            name: "self-crossing".into(),
            team_id: Uuid::from_u128(2),
            priority: 0,
            shape: shape.clone(),
        };
        let index = SpatialIndex::build(vec![area], vec![], vec![]);
        for x in [
            -0.75, -0.25, 0.0, 0.1, 0.25, 0.5, 0.75, 5.0, 10.0, 11.0, 12.0,
        ] {
            for y in [2.5, 5.0, 7.5] {
                let (lon, lat) = at(x, y);
                let p = index.projection().to_metres(Coord { x: lon, y: lat });
                let expected = plain_covers(&shape, p, index.projection());
                assert_eq!(index.area_at(lon, lat).is_some(), expected, "at ({x}, {y})");
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
