//! Geometry helpers shared by the demo city and (later) the routing indexes: a local metric
//! projection, so distances are metres and never raw degrees, and GeoJSON output.
//! Stored geometry is WGS84 (longitude, latitude).

use geo::orient::{Direction, Orient};
use geo::{Coord, LineString, MultiPolygon, Polygon};
use serde_json::{Value, json};

/// An equirectangular projection centred on a city: metres east and north of the centre.
/// Within a city (tens of kilometres) its distance error is far below a GPS fix's.
#[derive(Debug, Clone, Copy)]
pub struct LocalProjection {
    lon0: f64,
    lat0: f64,
    metres_per_degree_lon: f64,
    metres_per_degree_lat: f64,
}

impl LocalProjection {
    pub fn around(lon0: f64, lat0: f64) -> LocalProjection {
        let phi = lat0.to_radians();
        // WGS84 ellipsoid: length of a degree at latitude phi.
        let metres_per_degree_lat =
            111_132.92 - 559.82 * (2.0 * phi).cos() + 1.175 * (4.0 * phi).cos();
        let metres_per_degree_lon = 111_412.84 * phi.cos() - 93.5 * (3.0 * phi).cos();
        LocalProjection {
            lon0,
            lat0,
            metres_per_degree_lon,
            metres_per_degree_lat,
        }
    }

    pub fn to_metres(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (c.x - self.lon0) * self.metres_per_degree_lon,
            y: (c.y - self.lat0) * self.metres_per_degree_lat,
        }
    }

    pub fn to_lonlat(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: self.lon0 + c.x / self.metres_per_degree_lon,
            y: self.lat0 + c.y / self.metres_per_degree_lat,
        }
    }
}

/// Coordinates to 6 decimals (about 0.1 m), as survey and map data carry them.
pub fn round_coord(c: Coord<f64>) -> Coord<f64> {
    Coord {
        x: (c.x * 1e6).round() / 1e6,
        y: (c.y * 1e6).round() / 1e6,
    }
}

fn ring_json(ring: &LineString<f64>) -> Value {
    Value::Array(ring.0.iter().map(|c| json!([c.x, c.y])).collect())
}

/// The rings as RFC 7946 wants them: exterior counter-clockwise, holes clockwise, whichever
/// way the polygon was wound (what this writes, an import without repair accepts).
fn polygon_rings(polygon: &Polygon<f64>) -> Value {
    let polygon = polygon.orient(Direction::Default);
    let mut rings = vec![ring_json(polygon.exterior())];
    rings.extend(polygon.interiors().iter().map(ring_json));
    Value::Array(rings)
}

/// A GeoJSON `Polygon` for one part, `MultiPolygon` for several, oriented as RFC 7946 wants.
pub fn multipolygon_geojson(mp: &MultiPolygon<f64>) -> Value {
    match mp.0.as_slice() {
        [single] => json!({ "type": "Polygon", "coordinates": polygon_rings(single) }),
        parts => json!({
            "type": "MultiPolygon",
            "coordinates": parts.iter().map(polygon_rings).collect::<Vec<_>>(),
        }),
    }
}

pub fn linestring_geojson(line: &LineString<f64>) -> Value {
    json!({ "type": "LineString", "coordinates": ring_json(line) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygons_are_written_exterior_counter_clockwise_and_holes_clockwise() {
        let square = |x0: f64, y0: f64, size: f64| {
            // Clockwise in (lon, lat).
            LineString::from(vec![
                (x0, y0),
                (x0, y0 + size),
                (x0 + size, y0 + size),
                (x0 + size, y0),
                (x0, y0),
            ])
        };
        let mut hole = square(120.64, 31.24, 0.02);
        hole.0.reverse();
        let wound_wrong = Polygon::new(square(120.6, 31.2, 0.1), vec![hole]);
        let doc = multipolygon_geojson(&MultiPolygon(vec![wound_wrong]));
        let twice_area = |ring: &Value| -> f64 {
            let pts: Vec<(f64, f64)> = ring
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                .collect();
            pts.windows(2)
                .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
                .sum()
        };
        assert_eq!(doc["type"], "Polygon");
        assert!(
            twice_area(&doc["coordinates"][0]) > 0.0,
            "exterior counter-clockwise"
        );
        assert!(twice_area(&doc["coordinates"][1]) < 0.0, "hole clockwise");
    }

    #[test]
    fn projection_round_trips_and_measures_metres() {
        let p = LocalProjection::around(120.62, 31.3);
        let a = Coord { x: 120.62, y: 31.3 };
        // One thousandth of a degree of latitude is about 111 m; of longitude at 31.3° about 95 m.
        let north = p.to_metres(Coord {
            x: 120.62,
            y: 31.301,
        });
        let east = p.to_metres(Coord {
            x: 120.621,
            y: 31.3,
        });
        assert!((north.y - 110.9).abs() < 0.5, "{north:?}");
        assert!((east.x - 95.2).abs() < 0.5, "{east:?}");
        let back = p.to_lonlat(p.to_metres(Coord { x: 120.7, y: 31.2 }));
        assert!((back.x - 120.7).abs() < 1e-9 && (back.y - 31.2).abs() < 1e-9);
        assert_eq!(p.to_metres(a), Coord { x: 0.0, y: 0.0 });
    }

    #[test]
    fn geojson_shapes() {
        let square = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]),
            vec![],
        );
        let one = multipolygon_geojson(&MultiPolygon(vec![square.clone()]));
        assert_eq!(one["type"], "Polygon");
        assert_eq!(one["coordinates"][0][1], json!([1.0, 0.0]));
        let two = multipolygon_geojson(&MultiPolygon(vec![square.clone(), square]));
        assert_eq!(two["type"], "MultiPolygon");
        assert_eq!(two["coordinates"].as_array().unwrap().len(), 2);
    }
}
