//! Reading and writing service areas and pipelines as GeoJSON (RFC 7946), the format QGIS
//! and other GIS tools exchange. Reading checks every feature and reports every problem with
//! the feature's index; with `repair`, self-intersecting and badly oriented rings are fixed the
//! way QGIS's "fix geometries" does, and each fix is reported.

use gasdesk_shared::routing::{FeatureIssue, PressureClass};
use geo::orient::{Direction, Orient};
use geo::{Coord, LineString, MakeValid, MultiPolygon, Polygon, Validation, Winding};
use serde_json::{Map, Value};
use uuid::Uuid;

/// A team named in a feature's properties, by id or by name.
#[derive(Debug, Clone, PartialEq)]
pub enum TeamSpec {
    Id(Uuid),
    Name(String),
}

#[derive(Debug, Clone)]
pub struct AreaFeature {
    pub index: usize,
    pub id: Option<Uuid>,
    pub name: String,
    pub team: TeamSpec,
    pub priority: i64,
    pub district: Option<String>,
    pub street: Option<String>,
    pub shape: MultiPolygon<f64>,
}

#[derive(Debug, Clone)]
pub struct PipelineFeature {
    pub index: usize,
    pub id: Option<Uuid>,
    pub patrol_area: String,
    /// Needed only when the patrol area is new.
    pub team: Option<TeamSpec>,
    pub pressure: PressureClass,
    pub material: Option<String>,
    pub diameter_mm: Option<i64>,
    pub line: LineString<f64>,
}

/// What reading a file found: the features, the repairs made, and the problems that refuse it.
#[derive(Debug)]
pub struct Reading<T> {
    pub features: Vec<T>,
    pub repairs: Vec<FeatureIssue>,
    pub problems: Vec<FeatureIssue>,
}

impl<T> Default for Reading<T> {
    fn default() -> Self {
        Reading {
            features: Vec::new(),
            repairs: Vec::new(),
            problems: Vec::new(),
        }
    }
}

/// At most this many problems are listed; a file with more is broken beyond listing.
const MAX_PROBLEMS: usize = 200;

fn issue(feature: usize, reason: impl Into<String>) -> FeatureIssue {
    FeatureIssue {
        feature,
        reason: reason.into(),
    }
}

fn features(doc: &[u8]) -> Result<Vec<Value>, FeatureIssue> {
    let whole = |reason: String| FeatureIssue { feature: 0, reason };
    let value: Value = serde_json::from_slice(doc)
        .map_err(|e| whole(format!("the file is not valid JSON: {e}")))?;
    if value.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(whole("the file is not a GeoJSON FeatureCollection".into()));
    }
    match value.get("features") {
        Some(Value::Array(features)) => Ok(features.clone()),
        _ => Err(whole(
            "the FeatureCollection has no `features` array".into(),
        )),
    }
}

fn text(props: &Map<String, Value>, key: &str) -> Option<String> {
    match props.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn team_spec(props: &Map<String, Value>) -> Result<Option<TeamSpec>, String> {
    if let Some(id) = text(props, "team_id") {
        return Uuid::parse_str(&id)
            .map(|id| Some(TeamSpec::Id(id)))
            .map_err(|_| format!("team_id `{id}` is not a UUID"));
    }
    Ok(text(props, "team").map(TeamSpec::Name))
}

fn optional_id(props: &Map<String, Value>) -> Result<Option<Uuid>, String> {
    match text(props, "id") {
        None => Ok(None),
        Some(id) => Uuid::parse_str(&id)
            .map(Some)
            .map_err(|_| format!("id `{id}` is not a UUID")),
    }
}

fn position(value: &Value) -> Result<Coord<f64>, String> {
    let numbers = value
        .as_array()
        .filter(|a| a.len() >= 2)
        .ok_or_else(|| format!("position {value} is not [longitude, latitude]"))?;
    let (x, y) = match (numbers[0].as_f64(), numbers[1].as_f64()) {
        (Some(x), Some(y)) => (x, y),
        _ => return Err(format!("position {value} is not numeric")),
    };
    if !(-180.0..=180.0).contains(&x) || !(-90.0..=90.0).contains(&y) {
        return Err(format!(
            "coordinates out of range: [{x}, {y}] (longitude must be within ±180, latitude within ±90; \
             is the file in WGS84?)"
        ));
    }
    Ok(Coord { x, y })
}

fn ring(value: &Value, role: &str) -> Result<LineString<f64>, String> {
    let positions = value
        .as_array()
        .ok_or_else(|| format!("{role} is not an array of positions"))?;
    let coords = positions
        .iter()
        .map(position)
        .collect::<Result<Vec<_>, _>>()?;
    if coords.len() < 4 {
        return Err(format!(
            "{role} has {} positions; a ring needs at least 4",
            coords.len()
        ));
    }
    if coords.first() != coords.last() {
        return Err(format!(
            "{role} is not closed: its first and last positions differ"
        ));
    }
    Ok(LineString(coords))
}

fn polygon(value: &Value) -> Result<Polygon<f64>, String> {
    let rings = value
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or("polygon has no rings")?;
    let exterior = ring(&rings[0], "exterior ring")?;
    let interiors = rings[1..]
        .iter()
        .enumerate()
        .map(|(i, r)| ring(r, &format!("hole {}", i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

/// Checks orientation and validity of one polygon; repairs when allowed.
fn check_polygon(
    polygon: Polygon<f64>,
    repair: bool,
    index: usize,
    repairs: &mut Vec<FeatureIssue>,
) -> Result<MultiPolygon<f64>, String> {
    let badly_oriented =
        polygon.exterior().is_cw() || polygon.interiors().iter().any(|r| r.is_ccw());
    let polygon = if badly_oriented {
        if !repair {
            return Err(
                "badly oriented rings (GeoJSON wants the exterior counter-clockwise, holes \
                        clockwise); import with repair to re-orient them"
                    .into(),
            );
        }
        repairs.push(issue(
            index,
            "re-oriented rings (exterior counter-clockwise, holes clockwise)",
        ));
        polygon.orient(Direction::Default)
    } else {
        polygon
    };
    match polygon.check_validation() {
        Ok(()) => Ok(MultiPolygon(vec![polygon])),
        Err(problem @ geo::algorithm::validation::InvalidPolygon::SelfIntersection(_))
            if repair =>
        {
            let fixed = polygon
                .make_valid()
                .map_err(|e| format!("{problem}, and repairing it failed: {e}"))?;
            repairs.push(issue(
                index,
                format!("{problem}: repaired into {} part(s)", fixed.0.len()),
            ));
            Ok(fixed)
        }
        Err(problem @ geo::algorithm::validation::InvalidPolygon::SelfIntersection(_)) => {
            Err(format!("{problem}; import with repair to fix it"))
        }
        Err(problem) => Err(problem.to_string()),
    }
}

fn area_shape(
    geometry: &Value,
    repair: bool,
    index: usize,
    repairs: &mut Vec<FeatureIssue>,
) -> Result<MultiPolygon<f64>, String> {
    let kind = geometry
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("none");
    let coordinates = geometry.get("coordinates").unwrap_or(&Value::Null);
    let polygons = match kind {
        "Polygon" => vec![polygon(coordinates)?],
        "MultiPolygon" => coordinates
            .as_array()
            .ok_or("MultiPolygon coordinates are not an array")?
            .iter()
            .map(polygon)
            .collect::<Result<Vec<_>, _>>()?,
        other => return Err(format!("not a polygon: the geometry is {other}")),
    };
    let mut parts = Vec::new();
    for p in polygons {
        parts.extend(check_polygon(p, repair, index, repairs)?.0);
    }
    Ok(MultiPolygon(parts))
}

/// Reads a stored Polygon or MultiPolygon as it is, without checking orientation or validity
/// (it was checked when it was imported), for writing it out again.
pub fn stored_polygons(geometry: &Value) -> Result<MultiPolygon<f64>, String> {
    let coordinates = geometry.get("coordinates").unwrap_or(&Value::Null);
    match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => Ok(MultiPolygon(vec![polygon(coordinates)?])),
        Some("MultiPolygon") => coordinates
            .as_array()
            .ok_or("MultiPolygon coordinates are not an array")?
            .iter()
            .map(polygon)
            .collect::<Result<Vec<_>, _>>()
            .map(MultiPolygon),
        other => Err(format!("not a polygon: the geometry is {other:?}")),
    }
}

/// Reads one Polygon or MultiPolygon geometry object, as strictly as an area import without
/// repair does (for outage notices and other single shapes).
pub fn read_polygon_geometry(geometry: &Value) -> Result<MultiPolygon<f64>, String> {
    area_shape(geometry, false, 0, &mut Vec::new())
}

/// Reads service areas. Properties: `name` (required), `team` (name) or `team_id`, `priority`
/// (default 0), `district`, `street`, `id` (kept on round trips).
pub fn read_areas(doc: &[u8], repair: bool) -> Reading<AreaFeature> {
    read_each(doc, |index, feature, props, repairs| {
        let name = text(&props, "name").ok_or("property `name` is missing")?;
        let team = team_spec(&props)?.ok_or("property `team` (or `team_id`) is missing")?;
        let priority = match props.get("priority") {
            None | Some(Value::Null) => 0,
            Some(v) => v
                .as_i64()
                .ok_or("property `priority` is not a whole number")?,
        };
        let geometry = feature.get("geometry").unwrap_or(&Value::Null);
        let shape = area_shape(geometry, repair, index, repairs)?;
        Ok(vec![AreaFeature {
            index,
            id: optional_id(&props)?,
            name,
            team,
            priority,
            district: text(&props, "district"),
            street: text(&props, "street"),
            shape,
        }])
    })
}

/// Reads every feature of a FeatureCollection with `parse`, which gets the feature's index,
/// the feature, its properties and where to report repairs, and returns the feature's parts or
/// the reason it is refused. Stops listing after `MAX_PROBLEMS` problems.
fn read_each<T>(
    doc: &[u8],
    mut parse: impl FnMut(
        usize,
        &Value,
        Map<String, Value>,
        &mut Vec<FeatureIssue>,
    ) -> Result<Vec<T>, String>,
) -> Reading<T> {
    let mut reading = Reading::default();
    let features = match features(doc) {
        Ok(f) => f,
        Err(problem) => {
            reading.problems.push(problem);
            return reading;
        }
    };
    for (index, feature) in features.iter().enumerate() {
        if reading.problems.len() >= MAX_PROBLEMS {
            break;
        }
        let props = feature
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        match parse(index, feature, props, &mut reading.repairs) {
            Ok(parts) => reading.features.extend(parts),
            Err(reason) => reading.problems.push(issue(index, reason)),
        }
    }
    reading
}

fn line(value: &Value) -> Result<LineString<f64>, String> {
    let coords = value
        .as_array()
        .ok_or("LineString coordinates are not an array")?
        .iter()
        .map(position)
        .collect::<Result<Vec<_>, _>>()?;
    if coords.len() < 2 {
        return Err(format!(
            "a line needs at least 2 positions, this one has {}",
            coords.len()
        ));
    }
    Ok(LineString(coords))
}

/// Reads pipeline segments. Properties: `patrol_area` (required), `team` or `team_id` (required
/// when the patrol area does not exist yet), `pressure_class` (low/medium/sub_high/high or
/// 低压/中压/次高压/高压), `material`, `diameter_mm`, `id`. A MultiLineString becomes one
/// segment per part.
pub fn read_pipelines(doc: &[u8]) -> Reading<PipelineFeature> {
    read_each(doc, |index, feature, props, _repairs| {
        let patrol_area = text(&props, "patrol_area").ok_or("property `patrol_area` is missing")?;
        let pressure_text =
            text(&props, "pressure_class").ok_or("property `pressure_class` is missing")?;
        let pressure = PressureClass::parse(&pressure_text).ok_or_else(|| {
                format!("pressure_class `{pressure_text}` is not one of low, medium, sub_high, high (低压/中压/次高压/高压)")
            })?;
        let diameter_mm =
            match props.get("diameter_mm") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_i64().filter(|d| (1..=3000).contains(d)).ok_or(
                    "property `diameter_mm` must be a whole number of millimetres (1–3000)",
                )?),
            };
        let geometry = feature.get("geometry").unwrap_or(&Value::Null);
        let kind = geometry
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("none");
        let coordinates = geometry.get("coordinates").unwrap_or(&Value::Null);
        let lines = match kind {
            "LineString" => vec![line(coordinates)?],
            "MultiLineString" => coordinates
                .as_array()
                .ok_or("MultiLineString coordinates are not an array")?
                .iter()
                .map(line)
                .collect::<Result<Vec<_>, _>>()?,
            other => return Err(format!("not a line: the geometry is {other}")),
        };
        let id = optional_id(&props)?;
        let team = team_spec(&props)?;
        Ok(lines
            .into_iter()
            .enumerate()
            .map(|(part, line)| PipelineFeature {
                index,
                // Several parts cannot share one id.
                id: id.filter(|_| part == 0),
                patrol_area: patrol_area.clone(),
                team: team.clone(),
                pressure,
                material: text(&props, "material"),
                diameter_mm,
                line,
            })
            .collect::<Vec<_>>())
    })
}

/// A FeatureCollection of the given features (`(geometry, properties)`).
pub fn feature_collection(features: impl Iterator<Item = (Value, Value)>) -> Value {
    Value::Object(Map::from_iter([
        ("type".into(), Value::String("FeatureCollection".into())),
        (
            "features".into(),
            Value::Array(
                features
                    .map(|(geometry, properties)| {
                        serde_json::json!({ "type": "Feature", "geometry": geometry, "properties": properties })
                    })
                    .collect(),
            ),
        ),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(features: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({ "type": "FeatureCollection", "features": features })).unwrap()
    }

    fn area(coords: Value) -> Value {
        json!({ "type": "Feature", "properties": { "name": "双塔街道", "team": "姑苏区维修班" },
                "geometry": { "type": "Polygon", "coordinates": coords } })
    }

    const SQUARE: [[f64; 2]; 5] = [
        [120.6, 31.3],
        [120.61, 31.3],
        [120.61, 31.31],
        [120.6, 31.31],
        [120.6, 31.3],
    ];

    #[test]
    fn a_good_polygon_reads() {
        let reading = read_areas(&doc(json!([area(json!([SQUARE]))])), false);
        assert!(reading.problems.is_empty(), "{:?}", reading.problems);
        assert_eq!(
            reading.features[0].team,
            TeamSpec::Name("姑苏区维修班".into())
        );
    }

    #[test]
    fn every_problem_is_named_with_its_feature() {
        let unclosed = json!([[
            [120.6, 31.3],
            [120.61, 31.3],
            [120.61, 31.31],
            [120.6, 31.31]
        ]]);
        let out_of_range = json!([[
            [200.6, 31.3],
            [120.61, 31.3],
            [120.61, 31.31],
            [200.6, 31.3]
        ]]);
        let point = json!({ "type": "Feature", "properties": { "name": "x", "team": "t" },
                            "geometry": { "type": "Point", "coordinates": [120.6, 31.3] } });
        let bowtie = json!([[
            [120.6, 31.3],
            [120.61, 31.31],
            [120.61, 31.3],
            [120.6, 31.31],
            [120.6, 31.3]
        ]]);
        let no_team = json!({ "type": "Feature", "properties": { "name": "x" },
                              "geometry": { "type": "Polygon", "coordinates": [SQUARE] } });
        let reading = read_areas(
            &doc(json!([
                area(json!([SQUARE])),
                area(unclosed),
                area(out_of_range),
                point,
                area(bowtie),
                no_team
            ])),
            false,
        );
        let reasons: Vec<(usize, &str)> = reading
            .problems
            .iter()
            .map(|p| (p.feature, p.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].0 == 1 && reasons[0].1.contains("not closed"));
        assert!(reasons[1].0 == 2 && reasons[1].1.contains("out of range"));
        assert!(reasons[2].0 == 3 && reasons[2].1.contains("not a polygon"));
        assert!(reasons[3].0 == 4 && reasons[3].1.contains("self-intersection"));
        assert!(reasons[4].0 == 5 && reasons[4].1.contains("team"));
    }

    #[test]
    fn repair_fixes_orientation_and_self_intersection_and_says_so() {
        let clockwise: Vec<[f64; 2]> = SQUARE.iter().rev().copied().collect();
        let bowtie = json!([[
            [120.6, 31.3],
            [120.61, 31.31],
            [120.61, 31.3],
            [120.6, 31.31],
            [120.6, 31.3]
        ]]);
        let refused = read_areas(&doc(json!([area(json!([clockwise]))])), false);
        assert!(refused.problems[0].reason.contains("oriented"));
        let reading = read_areas(&doc(json!([area(json!([clockwise])), area(bowtie)])), true);
        assert!(reading.problems.is_empty(), "{:?}", reading.problems);
        assert_eq!(reading.repairs.len(), 2, "{:?}", reading.repairs);
        assert!(reading.repairs[0].reason.contains("re-oriented"));
        assert_eq!(reading.repairs[1].feature, 1);
        assert!(reading.features[1].shape.is_valid());
        assert_eq!(
            reading.features[1].shape.0.len(),
            2,
            "a bowtie is two triangles"
        );
    }

    #[test]
    fn pipelines_read_with_chinese_pressure_names() {
        let reading = read_pipelines(&doc(json!([
            { "type": "Feature", "properties": { "patrol_area": "姑苏区巡线区域", "pressure_class": "中压", "diameter_mm": 160 },
              "geometry": { "type": "LineString", "coordinates": [[120.6, 31.3], [120.61, 31.3]] } },
            { "type": "Feature", "properties": { "patrol_area": "a", "pressure_class": "超高压" },
              "geometry": { "type": "LineString", "coordinates": [[120.6, 31.3], [120.61, 31.3]] } },
            { "type": "Feature", "properties": { "patrol_area": "a", "pressure_class": "low" },
              "geometry": { "type": "LineString", "coordinates": [[120.6, 31.3]] } },
        ])));
        assert_eq!(reading.features.len(), 1);
        assert_eq!(reading.features[0].pressure, PressureClass::Medium);
        assert_eq!(reading.problems.len(), 2);
        assert!(reading.problems[0].reason.contains("超高压"));
        assert!(reading.problems[1].reason.contains("at least 2"));
    }

    #[test]
    fn not_a_feature_collection() {
        let reading = read_areas(br#"{"type": "Feature"}"#, false);
        assert!(reading.problems[0].reason.contains("FeatureCollection"));
        let reading = read_areas(b"not json", false);
        assert!(reading.problems[0].reason.contains("not valid JSON"));
    }
}
