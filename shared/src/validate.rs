//! Input rules both ends apply: the app checks before sending (and offline), the server checks
//! again before storing. Each failure names the field and says what is wrong, in words a
//! dispatcher can act on.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

pub fn invalid(field: &str, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Usernames: 3–32 characters of lower-case ASCII letters, digits, `.`, `_` or `-`, so they
/// can be typed on any phone keyboard and used in scripts.
pub fn username(value: &str) -> Result<(), Invalid> {
    let len = value.chars().count();
    if !(3..=32).contains(&len) {
        return Err(invalid("username", "must be 3 to 32 characters long"));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        return Err(invalid(
            "username",
            "may contain only lower-case letters a-z, digits and . _ -",
        ));
    }
    Ok(())
}

pub const MIN_PASSWORD_CHARS: usize = 8;

pub fn password(value: &str) -> Result<(), Invalid> {
    if value.chars().count() < MIN_PASSWORD_CHARS {
        return Err(invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters long"),
        ));
    }
    if value.len() > 1024 {
        return Err(invalid("password", "must be at most 1024 bytes long"));
    }
    Ok(())
}

/// A required free-text field: trimmed, not empty, at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(invalid(field, format!("must be at most {max} characters")));
    }
    Ok(trimmed.to_owned())
}

/// An optional free-text field: blank becomes `None`.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, Invalid> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => required_text(field, v, max).map(Some),
    }
}

/// Normalises a Chinese phone number as agents type it: keeps digits, drops spaces, dashes and a
/// leading +86; accepts 7–8 digit local numbers, area-code numbers and 11-digit mobiles.
pub fn phone(field: &str, value: &str) -> Result<String, Invalid> {
    let mut digits: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '（' | '）'))
        .collect();
    if let Some(rest) = digits.strip_prefix("+86") {
        digits = rest.to_owned();
    }
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid(field, format!("`{value}` is not a phone number")));
    }
    if !(7..=12).contains(&digits.len()) {
        return Err(invalid(
            field,
            format!(
                "`{value}` has {} digits; a phone number has 7 to 12",
                digits.len()
            ),
        ));
    }
    Ok(digits)
}

/// WGS84 longitude and latitude, both or neither.
pub fn location(lon: Option<f64>, lat: Option<f64>) -> Result<Option<(f64, f64)>, Invalid> {
    match (lon, lat) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(invalid("lat", "longitude given without latitude")),
        (None, Some(_)) => Err(invalid("lon", "latitude given without longitude")),
        (Some(lon), Some(lat)) => {
            if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
                return Err(invalid("lon", "longitude must be between -180 and 180"));
            }
            if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
                return Err(invalid("lat", "latitude must be between -90 and 90"));
            }
            Ok(Some((lon, lat)))
        }
    }
}

/// Money in fen: not negative, below a sanity bound (10 million yuan).
pub fn amount_fen(field: &str, value: i64) -> Result<i64, Invalid> {
    if value < 0 {
        return Err(invalid(field, "must not be negative"));
    }
    if value > 1_000_000_000 {
        return Err(invalid(field, "is implausibly large"));
    }
    Ok(value)
}

/// Parses an amount in yuan as written in billing exports (`12`, `12.5`, `1,234.56`, `¥8.00`)
/// into fen, exactly: no floating point, at most two decimals.
pub fn yuan_to_fen(field: &str, text: &str) -> Result<i64, Invalid> {
    let cleaned: String = text
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let bad = || {
        invalid(
            field,
            format!("`{text}` is not an amount in yuan (e.g. 12.50)"),
        )
    };
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    if fraction.len() > 2 {
        return Err(invalid(
            field,
            format!("`{text}` has more than two decimals"),
        ));
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    let fen = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(bad)?;
    Ok(if negative { -fen } else { fen })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(username("wang.wei").is_ok());
        assert!(username("ab").is_err());
        assert_eq!(username("Wang").unwrap_err().field, "username");
        assert!(username("王伟").is_err());
    }

    #[test]
    fn passwords() {
        assert!(password("12345678").is_ok());
        assert!(password("1234567").is_err());
        // Counted in characters, so an 8-character Chinese passphrase is fine.
        assert!(password("燃气维修平台密码").is_ok());
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(phone("phone", "138 1234 5678").unwrap(), "13812345678");
        assert_eq!(phone("phone", "+86-138-1234-5678").unwrap(), "13812345678");
        assert_eq!(phone("phone", "0512-6523 1234").unwrap(), "051265231234");
        assert_eq!(phone("phone", "（0512）65231234").unwrap(), "051265231234");
        let err = phone("phones[1]", "12ab").unwrap_err();
        assert_eq!(err.field, "phones[1]");
        assert!(phone("phone", "123").is_err());
    }

    #[test]
    fn texts() {
        assert_eq!(required_text("name", "  张三 ", 10).unwrap(), "张三");
        assert!(required_text("name", "   ", 10).is_err());
        assert!(required_text("name", "一二三四五六七八九十一", 10).is_err());
        assert_eq!(optional_text("spec", Some(" "), 10).unwrap(), None);
    }

    #[test]
    fn locations() {
        assert_eq!(location(None, None).unwrap(), None);
        assert_eq!(
            location(Some(120.6), Some(31.3)).unwrap(),
            Some((120.6, 31.3))
        );
        assert_eq!(location(Some(120.6), None).unwrap_err().field, "lat");
        assert_eq!(location(Some(200.0), Some(31.3)).unwrap_err().field, "lon");
        assert_eq!(
            location(Some(120.0), Some(f64::NAN)).unwrap_err().field,
            "lat"
        );
    }

    #[test]
    fn yuan_amounts_become_exact_fen() {
        assert_eq!(yuan_to_fen("arrears", "12").unwrap(), 1200);
        assert_eq!(yuan_to_fen("arrears", "12.5").unwrap(), 1250);
        assert_eq!(yuan_to_fen("arrears", "0.07").unwrap(), 7);
        assert_eq!(yuan_to_fen("arrears", "1,234.56").unwrap(), 123456);
        assert_eq!(yuan_to_fen("arrears", "¥8.00").unwrap(), 800);
        assert_eq!(yuan_to_fen("arrears", "-3.10").unwrap(), -310);
        assert!(yuan_to_fen("arrears", "1.234").is_err());
        assert!(yuan_to_fen("arrears", "abc").is_err());
        assert!(yuan_to_fen("arrears", ".").is_err());
        assert!(yuan_to_fen("arrears", "").is_err());
    }

    #[test]
    fn amounts() {
        assert!(amount_fen("price_fen", 0).is_ok());
        assert_eq!(amount_fen("price_fen", -1).unwrap_err().field, "price_fen");
    }
}
