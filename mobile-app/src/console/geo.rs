//! Map geometry for the console's SVG map: GeoJSON from the server turned into SVG path data
//! in a local planar projection (longitude scaled by the cosine of the map's middle latitude,
//! so a city looks right), and back from screen to WGS84 for picking a place. Over a basemap
//! drawn in GCJ-02 (Chinese tile services) the utility's WGS84 data is shifted into that datum
//! first, so it lands on the streets the tiles show; a place picked is shifted back.

use gasdesk_shared::datum::Datum;
use serde_json::Value;

/// Map units per degree of latitude (about 111 km): one unit is about a metre.
const UNITS_PER_DEGREE: f64 = 111_320.0;

/// The projection: a reference point, the east-west shrink at that latitude, and the datum of
/// the basemap the map units are laid out in (WGS84 when there is none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    pub lon0: f64,
    pub lat0: f64,
    k: f64,
    datum: Datum,
}

impl Projection {
    pub fn new(lon0: f64, lat0: f64) -> Self {
        Projection {
            lon0,
            lat0,
            k: lat0.to_radians().cos(),
            datum: Datum::Wgs84,
        }
    }

    /// The same projection with the map units laid out in the basemap's `datum`.
    pub fn over(self, datum: Datum) -> Self {
        Projection { datum, ..self }
    }

    /// WGS84 data → map units (y grows southwards, as on screen), shifted into the basemap's
    /// datum.
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (lon, lat) = self.datum.from_wgs84(lon, lat);
        self.plane(lon, lat)
    }

    /// Map units → WGS84, for a place picked on the map.
    pub fn unproject(&self, x: f64, y: f64) -> (f64, f64) {
        let (lon, lat) = self.plane_inverse(x, y);
        self.datum.to_wgs84(lon, lat)
    }

    /// The basemap's own coordinates (in its datum, as tiles are cut) → map units.
    pub fn plane(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.lon0) * self.k * UNITS_PER_DEGREE,
            -(lat - self.lat0) * UNITS_PER_DEGREE,
        )
    }

    /// Map units → the basemap's own coordinates.
    pub fn plane_inverse(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.lon0 + x / (self.k * UNITS_PER_DEGREE),
            self.lat0 - y / UNITS_PER_DEGREE,
        )
    }
}

/// One drawable feature: its SVG path and the properties the map colours and labels it by.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub d: String,
    pub label: String,
    /// Pressure class for pipelines, team name for areas.
    pub class: String,
}

/// The box `(min_x, min_y, max_x, max_y)` around every coordinate of a FeatureCollection, in
/// degrees; `None` when it has none.
pub fn bounds(doc: &Value) -> Option<(f64, f64, f64, f64)> {
    let mut b: Option<(f64, f64, f64, f64)> = None;
    for feature in features(doc) {
        visit(&feature["geometry"]["coordinates"], &mut |lon, lat| {
            b = Some(match b {
                None => (lon, lat, lon, lat),
                Some((a, c, d, e)) => (a.min(lon), c.min(lat), d.max(lon), e.max(lat)),
            });
        });
    }
    b
}

fn features(doc: &Value) -> impl Iterator<Item = &Value> {
    doc["features"].as_array().into_iter().flatten()
}

/// Calls `f` for every position in a GeoJSON coordinates array of any depth.
fn visit(coords: &Value, f: &mut impl FnMut(f64, f64)) {
    match coords.as_array() {
        Some(a) if a.len() >= 2 && a[0].is_number() => {
            if let (Some(lon), Some(lat)) = (a[0].as_f64(), a[1].as_f64()) {
                f(lon, lat);
            }
        }
        Some(a) => a.iter().for_each(|c| visit(c, f)),
        None => {}
    }
}

/// Path data for one line or ring: `M x y L x y ...`, rounded to whole map units.
fn path_of(line: &Value, p: &Projection, close: bool) -> String {
    let mut d = String::new();
    for (i, pt) in line.as_array().into_iter().flatten().enumerate() {
        let (Some(lon), Some(lat)) = (pt[0].as_f64(), pt[1].as_f64()) else {
            continue;
        };
        let (x, y) = p.project(lon, lat);
        // `+ 0.0` turns a rounded -0 into 0.
        let (x, y) = (x.round() + 0.0, y.round() + 0.0);
        d.push_str(&format!("{}{x} {y}", if i == 0 { "M" } else { " L" }));
    }
    if close && !d.is_empty() {
        d.push_str(" Z");
    }
    d
}

/// Every (Multi)Polygon and (Multi)LineString feature as a [`Shape`]; `label_key` and
/// `class_key` name the properties to show.
pub fn shapes(doc: &Value, p: &Projection, label_key: &str, class_key: &str) -> Vec<Shape> {
    let mut out = Vec::new();
    for feature in features(doc) {
        let geometry = &feature["geometry"];
        let coords = &geometry["coordinates"];
        let empty = Vec::new();
        let parts: Vec<String> = match geometry["type"].as_str() {
            Some("LineString") => vec![path_of(coords, p, false)],
            Some("MultiLineString") => coords
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .map(|l| path_of(l, p, false))
                .collect(),
            Some("Polygon") => coords
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .map(|r| path_of(r, p, true))
                .collect(),
            Some("MultiPolygon") => coords
                .as_array()
                .unwrap_or(&empty)
                .iter()
                .flat_map(|poly| poly.as_array().cloned().unwrap_or_default())
                .map(|r| path_of(&r, p, true))
                .collect(),
            _ => continue,
        };
        let text = |key: &str| {
            feature["properties"][key]
                .as_str()
                .unwrap_or("")
                .to_string()
        };
        out.push(Shape {
            d: parts.join(" "),
            label: text(label_key),
            class: text(class_key),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn projection_round_trips_and_keeps_distances_about_right() {
        let p = Projection::new(120.6, 31.3);
        let (x, y) = p.project(120.61, 31.31);
        let (lon, lat) = p.unproject(x, y);
        assert!((lon - 120.61).abs() < 1e-9 && (lat - 31.31).abs() < 1e-9);
        // 0.01° of longitude at 31.3°N is about 951 m; north is up (negative y).
        assert!((x - 951.0).abs() < 5.0, "{x}");
        assert!(y < 0.0);
    }

    #[test]
    fn over_a_gcj02_basemap_data_is_shifted_into_it_and_picks_come_back_in_wgs84() {
        let wgs = Projection::new(120.6, 31.3);
        let gcj = wgs.over(Datum::Gcj02);
        // A point of the utility's data lands where GCJ-02 tiles show that place.
        let (x, y) = gcj.project(120.61, 31.31);
        let (glon, glat) = gasdesk_shared::datum::wgs84_to_gcj02(120.61, 31.31);
        assert_eq!((x, y), wgs.plane(glon, glat));
        // In Suzhou that is some 400-600 m away from where the WGS84 map draws it.
        let (wx, wy) = wgs.project(120.61, 31.31);
        let moved = (x - wx).hypot(y - wy);
        assert!((300.0..700.0).contains(&moved), "{moved} m");
        // A click there picks the WGS84 place again, to well under a metre.
        let (lon, lat) = gcj.unproject(x, y);
        assert!(
            (lon - 120.61).abs() < 1e-7 && (lat - 31.31).abs() < 1e-7,
            "{lon} {lat}"
        );
        // The basemap's own plane does not move: tiles stay where they are.
        assert_eq!(gcj.plane(120.61, 31.31), wgs.plane(120.61, 31.31));
        assert_eq!(gcj.plane_inverse(x, y), wgs.plane_inverse(x, y));
        // Outside China the two datums coincide.
        let paris = Projection::new(2.35, 48.85);
        assert_eq!(
            paris.over(Datum::Gcj02).project(2.36, 48.86),
            paris.project(2.36, 48.86)
        );
    }

    #[test]
    fn polygons_close_lines_do_not_and_unknown_geometry_is_skipped() {
        let doc = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "平江街道", "team": "姑苏区维修班"},
             "geometry": {"type": "Polygon", "coordinates": [[[120.6, 31.3], [120.61, 31.3], [120.61, 31.31], [120.6, 31.3]]]}},
            {"type": "Feature", "properties": {"pressure_class": "medium"},
             "geometry": {"type": "LineString", "coordinates": [[120.6, 31.3], [120.61, 31.3]]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [120.6, 31.3]}}
        ]});
        let p = Projection::new(120.6, 31.3);
        let s = shapes(&doc, &p, "name", "team");
        assert_eq!(s.len(), 2);
        assert!(
            s[0].d.starts_with("M0 0 L951 0") && s[0].d.ends_with('Z'),
            "{}",
            s[0].d
        );
        assert_eq!(
            (s[0].label.as_str(), s[0].class.as_str()),
            ("平江街道", "姑苏区维修班")
        );
        assert!(!s[1].d.ends_with('Z'));
        assert_eq!(bounds(&doc), Some((120.6, 31.3, 120.61, 31.31)));
        assert_eq!(bounds(&json!({"features": []})), None);
    }
}
