//! Geodetic datums of map tiles: WGS84 (GPS, OpenStreetMap) and GCJ-02 (国测局坐标, the datum
//! Chinese tile services such as AMap/高德 and Tencent draw in), with the standard published
//! WGS84 → GCJ-02 transform and its inverse. Outside China both datums coincide.

use std::f64::consts::PI;

/// The datum a tile service draws its maps in (the business parameter `map_tile_datum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Datum {
    #[default]
    Wgs84,
    Gcj02,
}

impl Datum {
    pub const ALL: [Datum; 2] = [Datum::Wgs84, Datum::Gcj02];

    pub fn as_str(self) -> &'static str {
        match self {
            Datum::Wgs84 => "wgs84",
            Datum::Gcj02 => "gcj02",
        }
    }

    pub fn parse(value: &str) -> Option<Datum> {
        Datum::ALL.into_iter().find(|d| d.as_str() == value)
    }

    /// A WGS84 position in this datum.
    pub fn from_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Datum::Wgs84 => (lon, lat),
            Datum::Gcj02 => wgs84_to_gcj02(lon, lat),
        }
    }

    /// A position in this datum in WGS84.
    pub fn to_wgs84(self, lon: f64, lat: f64) -> (f64, f64) {
        match self {
            Datum::Wgs84 => (lon, lat),
            Datum::Gcj02 => gcj02_to_wgs84(lon, lat),
        }
    }
}

/// Semi-major axis and eccentricity squared of the Krasovsky 1940 ellipsoid the transform uses.
const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;

/// The rough box the transform is applied in; outside it GCJ-02 is WGS84.
pub fn in_china(lon: f64, lat: f64) -> bool {
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

fn shift_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn shift_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS84 → GCJ-02, as published (e.g. the `coordtransform` libraries); the identity outside
/// China.
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china(lon, lat) {
        return (lon, lat);
    }
    let d_lat = shift_lat(lon - 105.0, lat - 35.0);
    let d_lon = shift_lon(lon - 105.0, lat - 35.0);
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (A / sqrt_magic * rad.cos() * PI);
    (lon + d_lon, lat + d_lat)
}

/// GCJ-02 → WGS84: the transform has no closed inverse, so this iterates the forward one until
/// it lands on the given point (to well under a millimetre; the shift varies slowly).
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china(lon, lat) {
        return (lon, lat);
    }
    let (mut wlon, mut wlat) = (lon, lat);
    for _ in 0..10 {
        let (glon, glat) = wgs84_to_gcj02(wlon, wlat);
        let (dlon, dlat) = (glon - lon, glat - lat);
        wlon -= dlon;
        wlat -= dlat;
        if dlon.abs() < 1e-10 && dlat.abs() < 1e-10 {
            break;
        }
    }
    (wlon, wlat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_reference_point_in_beijing() {
        // wgs84togcj02(116.404, 39.915) in the README of wandergis/coordtransform, repeated by
        // eviltransform and others.
        let (lon, lat) = wgs84_to_gcj02(116.404, 39.915);
        assert!((lon - 116.410_244_499_169_38).abs() < 1e-12, "{lon}");
        assert!((lat - 39.916_404_281_501_64).abs() < 1e-12, "{lat}");
    }

    #[test]
    fn the_shift_is_a_few_hundred_metres_in_china_and_none_outside() {
        // Suzhou: about 500 m, mostly east-west.
        let (lon, lat) = wgs84_to_gcj02(120.6195, 31.2990);
        let east = (lon - 120.6195) * 111_320.0 * 31.299_f64.to_radians().cos();
        let north = (lat - 31.2990) * 111_320.0;
        let metres = east.hypot(north);
        assert!((300.0..700.0).contains(&metres), "{metres} m");
        for (lon, lat) in [(2.3522, 48.8566), (-74.006, 40.7128), (139.6917, 35.6895)] {
            assert_eq!(wgs84_to_gcj02(lon, lat), (lon, lat));
            assert_eq!(gcj02_to_wgs84(lon, lat), (lon, lat));
        }
    }

    #[test]
    fn the_inverse_returns_to_the_start_within_a_millimetre() {
        for (lon, lat) in [
            (116.404, 39.915),
            (120.6195, 31.2990),
            (113.2644, 23.1291),
            (87.6168, 43.8256),
        ] {
            let (glon, glat) = wgs84_to_gcj02(lon, lat);
            let (wlon, wlat) = gcj02_to_wgs84(glon, glat);
            assert!(
                (wlon - lon).abs() < 1e-8 && (wlat - lat).abs() < 1e-8,
                "{lon},{lat}: {wlon},{wlat}"
            );
        }
        // The one-step inverse the same README publishes (gcj02towgs84(116.404, 39.915) =
        // 116.39775550083061, 39.91359571849836) is within a metre of the exact one.
        let (wlon, wlat) = gcj02_to_wgs84(116.404, 39.915);
        assert!((wlon - 116.397_755_500_830_61).abs() < 1e-5, "{wlon}");
        assert!((wlat - 39.913_595_718_498_36).abs() < 1e-5, "{wlat}");
    }

    #[test]
    fn datums_are_named_as_the_parameter_stores_them() {
        for d in Datum::ALL {
            assert_eq!(Datum::parse(d.as_str()), Some(d));
        }
        assert_eq!(Datum::parse("GCJ02"), None);
        assert_eq!(Datum::default(), Datum::Wgs84);
        assert_eq!(Datum::Wgs84.from_wgs84(116.404, 39.915), (116.404, 39.915));
    }
}
