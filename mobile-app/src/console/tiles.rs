//! An optional basemap under the console's SVG map: which XYZ tiles (Web Mercator, 256 px) cover
//! the visible window at about one tile pixel per screen pixel, and where each goes in map
//! units. Each tile is stretched between its projected corners; across a tile of a city map the
//! difference between Mercator and the map's local projection is far below a pixel.

use super::geo::Projection;
use gasdesk_shared::basemap::TileTemplate;
use std::f64::consts::PI;

/// Tile pixels per side.
const TILE_PX: f64 = 256.0;
/// More tiles than this in a window means a coarser zoom.
const MAX_TILES: usize = 64;
const MAX_ZOOM: u32 = 19;

/// One tile image to draw: its address and its box in map units.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub key: String,
    pub url: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

fn tile_x(lon: f64, n: f64) -> f64 {
    (lon + 180.0) / 360.0 * n
}

fn tile_y(lat: f64, n: f64) -> f64 {
    let lat = lat.clamp(-85.0511, 85.0511).to_radians();
    (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * n
}

fn tile_lon(x: f64, n: f64) -> f64 {
    x / n * 360.0 - 180.0
}

fn tile_lat(y: f64, n: f64) -> f64 {
    (PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees()
}

/// The zoom whose tile pixels are about as wide as a screen pixel for a window `width` map
/// units wide drawn `screen_px` pixels wide.
pub fn zoom_for(p: &Projection, width: f64, screen_px: f64) -> u32 {
    let (x1, _) = p.plane(p.lon0 + 1.0, p.lat0);
    let degrees_per_px = width / x1.abs().max(1e-9) / screen_px.max(1.0);
    let z = (360.0 / (TILE_PX * degrees_per_px)).log2().round();
    z.clamp(0.0, MAX_ZOOM as f64) as u32
}

/// The tiles covering the window `(x, y, width, height)` (map units), from `template`.
pub fn tiles(
    template: &TileTemplate,
    p: &Projection,
    window: (f64, f64, f64, f64),
    screen_px: f64,
) -> Vec<Tile> {
    let (wx, wy, ww, wh) = window;
    // Tiles are cut in the basemap's own datum: placed by the plane, never shifted.
    let (west, north) = p.plane_inverse(wx, wy);
    let (east, south) = p.plane_inverse(wx + ww, wy + wh);
    let mut z = zoom_for(p, ww, screen_px);
    loop {
        let n = f64::from(1u32 << z);
        let last = n - 1.0;
        let (x0, x1) = (
            tile_x(west, n).floor().max(0.0),
            tile_x(east, n).floor().min(last),
        );
        let (y0, y1) = (
            tile_y(north, n).floor().max(0.0),
            tile_y(south, n).floor().min(last),
        );
        let count = ((x1 - x0 + 1.0).max(0.0) * (y1 - y0 + 1.0).max(0.0)) as usize;
        if count > MAX_TILES && z > 0 {
            z -= 1;
            continue;
        }
        let mut out = Vec::with_capacity(count);
        let mut ty = y0;
        while ty <= y1 {
            let mut tx = x0;
            while tx <= x1 {
                let (ax, ay) = p.plane(tile_lon(tx, n), tile_lat(ty, n));
                let (bx, by) = p.plane(tile_lon(tx + 1.0, n), tile_lat(ty + 1.0, n));
                // Whole tile numbers, within 0..2^z by the clamping above.
                let (column, row) = (tx as u64, ty as u64);
                out.push(Tile {
                    key: format!("{z}/{column}/{row}"),
                    url: template.url(z, column, row),
                    x: ax,
                    y: ay,
                    width: bx - ax,
                    height: by - ay,
                });
                tx += 1.0;
            }
            ty += 1.0;
        }
        return out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn osm() -> TileTemplate {
        TileTemplate::parse("https://tile.openstreetmap.org/{z}/{x}/{y}.png").unwrap()
    }

    #[test]
    fn a_city_window_gets_street_level_tiles_that_cover_it_edge_to_edge() {
        // Suzhou: a window 10 km wide drawn 1000 px wide is 10 m a pixel, about zoom 14.
        let p = Projection::new(120.62, 31.30);
        let window = (-5000.0, -3100.0, 10_000.0, 6200.0);
        let z = zoom_for(&p, window.2, 1000.0);
        assert!((13..=14).contains(&z), "zoom {z}");
        let list = tiles(&osm(), &p, window, 1000.0);
        assert!(
            !list.is_empty() && list.len() <= MAX_TILES,
            "{}",
            list.len()
        );
        let left = list.iter().map(|t| t.x).fold(f64::MAX, f64::min);
        let right = list.iter().map(|t| t.x + t.width).fold(f64::MIN, f64::max);
        let top = list.iter().map(|t| t.y).fold(f64::MAX, f64::min);
        let bottom = list.iter().map(|t| t.y + t.height).fold(f64::MIN, f64::max);
        assert!(
            left <= window.0 && right >= window.0 + window.2,
            "{left} {right}"
        );
        assert!(
            top <= window.1 && bottom >= window.1 + window.3,
            "{top} {bottom}"
        );
        assert!(list.iter().all(|t| t.width > 0.0 && t.height > 0.0));
        // The tile under the window's centre is the one OSM has for Suzhou at that zoom.
        let n = f64::from(1u32 << z);
        let (cx, cy) = (tile_x(120.62, n).floor(), tile_y(31.30, n).floor());
        let centre = format!("https://tile.openstreetmap.org/{z}/{cx}/{cy}.png");
        assert!(list.iter().any(|t| t.url == centre), "{centre}");
    }

    #[test]
    fn a_wide_window_falls_back_to_fewer_coarser_tiles() {
        let p = Projection::new(120.62, 31.30);
        let list = tiles(&osm(), &p, (-2e6, -1.2e6, 4e6, 2.4e6), 4000.0);
        assert!(
            !list.is_empty() && list.len() <= MAX_TILES,
            "{}",
            list.len()
        );
        assert!(list.iter().all(|t| !t.url.contains('{')));
    }

    #[test]
    fn tiles_stay_put_over_either_datum() {
        let p = Projection::new(120.62, 31.30);
        let window = (-5000.0, -3100.0, 10_000.0, 6200.0);
        assert_eq!(
            tiles(
                &osm(),
                &p.over(gasdesk_shared::datum::Datum::Gcj02),
                window,
                1000.0
            ),
            tiles(&osm(), &p, window, 1000.0)
        );
    }

    #[test]
    fn tile_rows_and_columns_invert() {
        let n = 1024.0;
        assert!((tile_lon(tile_x(120.62, n), n) - 120.62).abs() < 1e-9);
        assert!((tile_lat(tile_y(31.3, n), n) - 31.3).abs() < 1e-9);
    }
}
