//! Suzhou's geography for the demo: district outlines, streets with a generated centre inside
//! their district, and their communities.

use super::data::DISTRICTS;
use geo::{BoundingRect, Contains, Coord, LineString, Point, Polygon, Rect};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

const DISTRICTS_GEOJSON: &str = include_str!("../../../assets/demo/suzhou-districts.geojson");
const STREETS_CSV: &str = include_str!("../../../assets/demo/suzhou-streets.csv");
const COMMUNITIES_CSV: &str = include_str!("../../../assets/demo/suzhou-communities.csv");

pub struct District {
    pub code: String,
    pub name: String,
    /// The map's outline this district lies in (several districts may share one).
    pub outline_name: String,
    /// As drawn by the map package: may self-intersect (see `network::repaired_outlines`).
    pub outline: Polygon<f64>,
    bounds: Rect<f64>,
}

pub struct Street {
    pub name: String,
    pub district: usize,
    pub centre: (f64, f64),
    pub communities: Vec<String>,
}

pub struct City {
    pub districts: Vec<District>,
    pub streets: Vec<Street>,
}

impl City {
    /// Parses the bundled files. They are part of the binary and checked by tests, so a
    /// failure here is a build defect, not bad input.
    pub fn load() -> City {
        let outlines = outlines();
        let districts: Vec<District> = DISTRICTS
            .iter()
            .map(|(code, name, outline_name)| {
                let outline = outlines
                    .iter()
                    .find(|(n, _)| n == outline_name)
                    .map(|(_, p)| p.clone())
                    .unwrap_or_else(|| panic!("bundled map has no outline for {outline_name}"));
                let bounds = outline.bounding_rect().expect("district outline is empty");
                District {
                    code: (*code).into(),
                    name: (*name).into(),
                    outline_name: (*outline_name).into(),
                    outline,
                    bounds,
                }
            })
            .collect();
        // Street centres come from their own generator, so adding customers never moves them.
        let mut rng = <ChaCha8Rng as rand::SeedableRng>::seed_from_u64(super::SEED ^ 0x5757);
        let mut streets = Vec::new();
        for row in csv_rows(STREETS_CSV) {
            let (code, name, area) = (&row[0], &row[1], &row[2]);
            let Some(district) = districts.iter().position(|d| &d.code == area) else {
                continue;
            };
            let centre = random_point_in(&districts[district], &mut rng);
            let communities = csv_rows(COMMUNITIES_CSV)
                .filter(|c| &c[2] == code)
                .map(|c| {
                    c[1].trim_end_matches("居委会")
                        .trim_end_matches("委会")
                        .to_owned()
                })
                .collect();
            streets.push(Street {
                name: name.clone(),
                district,
                centre,
                communities,
            });
        }
        City { districts, streets }
    }

    /// The middle of the city's extent, for the local projection.
    pub fn centre(&self) -> (f64, f64) {
        let (mut min, mut max) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
        for d in &self.districts {
            min = (min.0.min(d.bounds.min().x), min.1.min(d.bounds.min().y));
            max = (max.0.max(d.bounds.max().x), max.1.max(d.bounds.max().y));
        }
        ((min.0 + max.0) / 2.0, (min.1 + max.1) / 2.0)
    }

    /// Streets are chosen with the old city and the inner districts more populous.
    pub fn pick_street(&self, rng: &mut ChaCha8Rng) -> &Street {
        loop {
            let street = &self.streets[rng.random_range(0..self.streets.len())];
            let weight = match self.districts[street.district].name.as_str() {
                "姑苏区" | "苏州工业园区" => 1.0,
                "虎丘区" | "吴中区" | "相城区" => 0.7,
                _ => 0.4,
            };
            if rng.random_bool(weight) {
                return street;
            }
        }
    }

    /// A point within about a kilometre of the street's centre, inside its district.
    pub fn point_near(&self, street: &Street, rng: &mut ChaCha8Rng) -> (f64, f64) {
        let district = &self.districts[street.district];
        for _ in 0..20 {
            let lon = street.centre.0 + rng.random_range(-0.01..0.01);
            let lat = street.centre.1 + rng.random_range(-0.008..0.008);
            if district.outline.contains(&Point::new(lon, lat)) {
                return (round6(lon), round6(lat));
            }
        }
        street.centre
    }
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn random_point_in(district: &District, rng: &mut ChaCha8Rng) -> (f64, f64) {
    let (min, max) = (district.bounds.min(), district.bounds.max());
    loop {
        let p = Point::new(
            rng.random_range(min.x..max.x),
            rng.random_range(min.y..max.y),
        );
        if district.outline.contains(&p) {
            return (round6(p.x()), round6(p.y()));
        }
    }
}

fn outlines() -> Vec<(String, Polygon<f64>)> {
    let doc: serde_json::Value =
        serde_json::from_str(DISTRICTS_GEOJSON).expect("bundled districts GeoJSON is valid JSON");
    let features = doc["features"].as_array().cloned().unwrap_or_default();
    features
        .iter()
        .filter_map(|f| {
            let name = f["properties"]["name"].as_str()?.to_owned();
            let ring = f["geometry"]["coordinates"].get(0)?.as_array()?;
            let coords: Vec<Coord<f64>> = ring
                .iter()
                .filter_map(|c| {
                    Some(Coord {
                        x: c.get(0)?.as_f64()?,
                        y: c.get(1)?.as_f64()?,
                    })
                })
                .collect();
            Some((name, Polygon::new(LineString::from(coords), vec![])))
        })
        .collect()
}

/// Rows of a small bundled CSV with a header and quoted fields without embedded commas.
fn csv_rows(text: &'static str) -> impl Iterator<Item = Vec<String>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(',')
                .map(|f| f.trim().trim_matches('"').to_owned())
                .collect()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_district_and_street_is_placed() {
        let city = City::load();
        assert_eq!(city.districts.len(), 10);
        assert_eq!(city.streets.len(), 118);
        for street in &city.streets {
            let district = &city.districts[street.district];
            let (lon, lat) = street.centre;
            assert!(
                district.outline.contains(&Point::new(lon, lat)),
                "{}",
                street.name
            );
        }
        let gusu = city
            .streets
            .iter()
            .filter(|s| city.districts[s.district].name == "姑苏区");
        assert_eq!(gusu.count(), 8);
        assert!(
            city.streets
                .iter()
                .all(|s| !s.communities.is_empty() || s.name.ends_with('镇'))
        );
    }
}
