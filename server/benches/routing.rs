//! Routing benchmark (not a test: it prints figures and asserts nothing about time).
//!
//!     cargo bench -p gasdesk-server --bench routing [-- --areas N --segments N --points N]
//!
//! Generates 10,000 service areas (star polygons of 50–500 vertices) and 1,000,000 pipeline
//! segments around Suzhou, builds the indexes and times point → area and point → nearest
//! segment over random points (median and p99), a whole routing decision, and the memory the
//! indexes take. When PostgreSQL with PostGIS is reachable (GASDESK_BENCH_POSTGRES_URL, default
//! the local server), the same data goes into PostGIS and the same lookups run there through
//! prepared statements, for the ratio.

use gasdesk_server::routing::decide;
use gasdesk_server::routing::index::{AreaInput, PatrolAreaInput, SegmentInput, SpatialIndex};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};
use uuid::Uuid;

const WEST: f64 = 120.2;
const EAST: f64 = 121.3;
const SOUTH: f64 = 30.8;
const NORTH: f64 = 32.0;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}

/// A star-shaped polygon filling most of grid cell `i` of a `side` × `side` grid: service areas
/// tile a city, with little overlap.
fn star(rng: &mut ChaCha8Rng, i: usize, side: usize) -> Polygon<f64> {
    let (w, h) = ((EAST - WEST) / side as f64, (NORTH - SOUTH) / side as f64);
    let (cx, cy) = (
        WEST + w * ((i % side) as f64 + 0.5),
        SOUTH + h * ((i / side) as f64 + 0.5),
    );
    let n = rng.random_range(50..=500);
    let base = w.min(h) * 0.6;
    let ring: Vec<Coord<f64>> = (0..=n)
        .map(|i| {
            let a = std::f64::consts::TAU * (i % n) as f64 / n as f64;
            let r = base * rng.random_range(0.7..1.0);
            Coord {
                x: cx + r * a.cos(),
                y: cy + r * a.sin(),
            }
        })
        .collect();
    let mut ring = ring;
    let first = ring[0];
    *ring.last_mut().unwrap() = first;
    Polygon::new(LineString(ring), vec![])
}

fn data(
    areas: usize,
    segments: usize,
    rng: &mut ChaCha8Rng,
) -> (Vec<AreaInput>, Vec<PatrolAreaInput>, Vec<SegmentInput>) {
    let side = (areas as f64).sqrt().ceil() as usize;
    let areas = (0..areas)
        .map(|i| AreaInput {
            id: Uuid::from_u128(i as u128 + 1),
            name: format!("area {i}"),
            team_id: Uuid::from_u128(1_000_000 + (i % 50) as u128),
            priority: rng.random_range(0..3),
            shape: MultiPolygon(vec![star(rng, i, side)]),
        })
        .collect();
    let patrol = (0..50)
        .map(|i| PatrolAreaInput {
            id: Uuid::from_u128(2_000_000 + i),
            name: format!("patrol {i}"),
            team_id: Uuid::from_u128(3_000_000 + i),
        })
        .collect();
    let segments = (0..segments)
        .map(|i| {
            let (x, y) = (rng.random_range(WEST..EAST), rng.random_range(SOUTH..NORTH));
            let (dx, dy) = (
                rng.random_range(-0.002..0.002),
                rng.random_range(-0.002..0.002),
            );
            SegmentInput {
                id: Uuid::from_u128(10_000_000 + i as u128),
                patrol_area: i % 50,
                line: LineString::from(vec![(x, y), (x + dx, y + dy)]),
            }
        })
        .collect();
    (areas, patrol, segments)
}

struct Stats {
    median: Duration,
    mean: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    Stats {
        median: samples[samples.len() / 2],
        mean: samples.iter().sum::<Duration>() / samples.len() as u32,
        p99: samples[samples.len() * 99 / 100],
    }
}

fn time_each<T>(points: &[(f64, f64)], mut f: impl FnMut(f64, f64) -> T) -> Stats {
    let samples = points
        .iter()
        .map(|&(x, y)| {
            let start = Instant::now();
            std::hint::black_box(f(x, y));
            start.elapsed()
        })
        .collect();
    stats(samples)
}

fn show(label: &str, s: &Stats) {
    println!(
        "{label:<38} median {:>9.3} µs   mean {:>9.3} µs   p99 {:>9.3} µs",
        s.median.as_secs_f64() * 1e6,
        s.mean.as_secs_f64() * 1e6,
        s.p99.as_secs_f64() * 1e6
    );
}

fn main() {
    let n_areas = arg("--areas", 10_000);
    let n_segments = arg("--segments", 1_000_000);
    let n_points = arg("--points", 100_000);
    println!(
        "routing benchmark: {n_areas} areas (50–500 vertices, tiling the region), {n_segments} segments, {n_points} random points"
    );
    // The inputs are consumed by the build, so the resident-memory growth across generate +
    // build is what the indexes keep (plus allocator slack).
    let before = rss_bytes();
    let (areas, patrol, segments) = data(n_areas, n_segments, &mut ChaCha8Rng::seed_from_u64(7));
    let started = Instant::now();
    let index = SpatialIndex::build(areas, patrol, segments);
    let build = started.elapsed();
    let after = rss_bytes();
    println!(
        "index build (areas + segments)           {:.3} s",
        build.as_secs_f64()
    );
    println!(
        "resident memory kept by the indexes      {:.0} MiB",
        after.saturating_sub(before) as f64 / 1048576.0
    );
    // Resident memory also holds what the build freed but the allocator kept.
    println!(
        "of which the index's own arrays          {:.0} MiB",
        index.heap_bytes() as f64 / 1048576.0
    );
    // The same data again, for the segment-only rebuild and for PostGIS.
    let postgis_input = {
        let (a, _, s) = data(n_areas, n_segments, &mut ChaCha8Rng::seed_from_u64(7));
        (a, s)
    };
    let segments_only: Vec<SegmentInput> = postgis_input.1.clone();
    let started = Instant::now();
    let seg_index = SpatialIndex::build(Vec::new(), vec![], segments_only);
    println!(
        "rebuild of the segment index alone       {:.3} s",
        started.elapsed().as_secs_f64()
    );
    drop(seg_index);
    let mut rng = ChaCha8Rng::seed_from_u64(8);

    let points: Vec<(f64, f64)> = (0..n_points)
        .map(|_| (rng.random_range(WEST..EAST), rng.random_range(SOUTH..NORTH)))
        .collect();
    let hits = points
        .iter()
        .filter(|&&(x, y)| index.area_at(x, y).is_some())
        .count();
    println!(
        "points inside some area                  {:.1} %",
        hits as f64 * 100.0 / n_points as f64
    );
    // What timing each call costs by itself, to read the per-call figures against.
    show(
        "(timer overhead: an empty call)",
        &time_each(&points, |x, y| x + y),
    );
    let started = Instant::now();
    for &(x, y) in &points {
        std::hint::black_box(index.area_at(x, y).map(|a| a.team_id));
    }
    println!(
        "point → team, mean over one loop          {:.3} µs",
        started.elapsed().as_secs_f64() * 1e6 / points.len() as f64
    );
    let started = Instant::now();
    for &(x, y) in &points {
        std::hint::black_box(index.nearest_segment(x, y, 200.0));
    }
    println!(
        "point → nearest segment, mean over a loop {:.3} µs",
        started.elapsed().as_secs_f64() * 1e6 / points.len() as f64
    );
    let area = time_each(&points, |x, y| index.area_at(x, y).map(|a| a.team_id));
    show("point → team (area lookup)", &area);
    let inside: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|&(x, y)| index.area_at(x, y).is_some())
        .collect();
    if !inside.is_empty() {
        show(
            "point → team, points inside an area",
            &time_each(&inside, |x, y| index.area_at(x, y).map(|a| a.team_id)),
        );
    }
    let nearest = time_each(&points, |x, y| index.nearest_segment(x, y, 200.0));
    show("point → nearest segment (≤ 200 m)", &nearest);
    let decision = time_each(&points, |x, y| {
        let repair = decide::repair_by_location(&index, x, y);
        let patrol = decide::patrol_by_location(&index, x, y, 200.0);
        decide::explain(&repair.1, None).len() + decide::explain(&patrol.1, None).len()
    });
    show("full routing decision (both + reasons)", &decision);

    match postgis::run(
        &postgis_input.0,
        &postgis_input.1,
        &points[..points.len().min(5_000)],
    ) {
        Ok((contains, knn)) => {
            show("PostGIS ST_Contains (prepared, loopback)", &contains);
            show("PostGIS KNN <-> (prepared, loopback)", &knn);
            let ours = area.median + nearest.median;
            let theirs = contains.median + knn.median;
            println!(
                "ratio PostGIS / in-memory, area          {:.0}×",
                contains.median.as_secs_f64() / area.median.as_secs_f64()
            );
            println!(
                "ratio PostGIS / in-memory, nearest       {:.0}×",
                knn.median.as_secs_f64() / nearest.median.as_secs_f64()
            );
            println!(
                "ratio PostGIS / in-memory, end to end    {:.0}×",
                theirs.as_secs_f64() / ours.as_secs_f64()
            );
        }
        Err(e) => println!("PostGIS comparison skipped: {e}"),
    }
}

mod postgis {
    use super::{Stats, stats};
    use gasdesk_server::routing::index::{AreaInput, SegmentInput};
    use std::time::Instant;

    fn wkt_polygon(a: &AreaInput) -> String {
        let ring: Vec<String> = a.shape.0[0]
            .exterior()
            .0
            .iter()
            .map(|c| format!("{} {}", c.x, c.y))
            .collect();
        format!("POLYGON(({}))", ring.join(","))
    }

    pub fn run(
        areas: &[AreaInput],
        segments: &[SegmentInput],
        points: &[(f64, f64)],
    ) -> Result<(Stats, Stats), String> {
        let url = std::env::var("GASDESK_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async move {
            use sqlx::{Connection, Executor};
            let mut admin = sqlx::PgConnection::connect(&url).await.map_err(|e| format!("no PostgreSQL: {e}"))?;
            admin.execute("DROP DATABASE IF EXISTS gasdesk_bench").await.map_err(|e| e.to_string())?;
            admin.execute("CREATE DATABASE gasdesk_bench").await.map_err(|e| e.to_string())?;
            let base = &url[..url.rfind('/').unwrap_or(url.len())];
            let mut db = sqlx::PgConnection::connect(&format!("{base}/gasdesk_bench")).await.map_err(|e| e.to_string())?;
            let result = async {
                db.execute("CREATE EXTENSION postgis").await.map_err(|e| format!("no PostGIS ({e}); install postgresql-15-postgis-3"))?;
                db.execute(
                    "CREATE TABLE areas (id uuid, priority int, geom geometry(Polygon, 4326));
                     CREATE TABLE segments (id uuid, geom geometry(LineString, 4326));",
                )
                .await
                .map_err(|e| e.to_string())?;
                let started = Instant::now();
                let mut copy = db.copy_in_raw("COPY areas FROM STDIN").await.map_err(|e| e.to_string())?;
                let mut text = String::new();
                for a in areas {
                    text.push_str(&format!("{}\t{}\tSRID=4326;{}\n", a.id, a.priority, wkt_polygon(a)));
                }
                copy.send(text.into_bytes()).await.map_err(|e| e.to_string())?;
                copy.finish().await.map_err(|e| e.to_string())?;
                let mut copy = db.copy_in_raw("COPY segments FROM STDIN").await.map_err(|e| e.to_string())?;
                for chunk in segments.chunks(100_000) {
                    let mut text = String::with_capacity(chunk.len() * 100);
                    for s in chunk {
                        let c = &s.line.0;
                        text.push_str(&format!("{}\tSRID=4326;LINESTRING({} {},{} {})\n", s.id, c[0].x, c[0].y, c[1].x, c[1].y));
                    }
                    copy.send(text.into_bytes()).await.map_err(|e| e.to_string())?;
                }
                copy.finish().await.map_err(|e| e.to_string())?;
                db.execute("CREATE INDEX ON areas USING gist (geom); CREATE INDEX ON segments USING gist (geom); ANALYZE;")
                    .await
                    .map_err(|e| e.to_string())?;
                println!("PostGIS load + GiST indexes              {:.1} s", started.elapsed().as_secs_f64());
                let mut contains = Vec::with_capacity(points.len());
                let mut knn = Vec::with_capacity(points.len());
                for &(x, y) in points {
                    let start = Instant::now();
                    let _: Option<(uuid::Uuid,)> = sqlx::query_as(
                        "SELECT id FROM areas WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))
                         ORDER BY priority DESC LIMIT 1",
                    )
                    .bind(x)
                    .bind(y)
                    .fetch_optional(&mut db)
                    .await
                    .map_err(|e| e.to_string())?;
                    contains.push(start.elapsed());
                    let start = Instant::now();
                    let _: Option<(uuid::Uuid, f64)> = sqlx::query_as(
                        "SELECT id, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography)
                         FROM segments ORDER BY geom <-> ST_SetSRID(ST_MakePoint($1, $2), 4326) LIMIT 1",
                    )
                    .bind(x)
                    .bind(y)
                    .fetch_optional(&mut db)
                    .await
                    .map_err(|e| e.to_string())?;
                    knn.push(start.elapsed());
                }
                Ok::<_, String>((stats(contains), stats(knn)))
            }
            .await;
            drop(db);
            let _ = admin.execute("DROP DATABASE IF EXISTS gasdesk_bench WITH (FORCE)").await;
            result
        })
    }
}
