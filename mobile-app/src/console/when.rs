//! Times as the console's people read and type them: China time (UTC+8), whatever the
//! browser's own time zone, in `datetime-local` inputs and in listings.

use super::i18n::china_hhmm;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

fn china() -> UtcOffset {
    UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// A `datetime-local` input's value (China time) as an instant.
pub fn local_input(value: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let at = PrimitiveDateTime::parse(value.trim(), &format).ok()?;
    Some(at.assume_offset(china()))
}

/// An instant as a `datetime-local` input shows it (China time, to the minute).
pub fn local_value(at: OffsetDateTime) -> String {
    format!("{}T{}", at.to_offset(china()).date(), china_hhmm(at))
}

/// `2026-11-26 09:30` in China time.
pub fn china_day_time(at: OffsetDateTime) -> String {
    format!("{} {}", at.to_offset(china()).date(), china_hhmm(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_and_listings_are_china_time() {
        let at = local_input("2026-11-26T09:30").unwrap();
        assert_eq!(at, time::macros::datetime!(2026-11-26 01:30 UTC));
        assert_eq!(local_input("tomorrow"), None);
        assert_eq!(local_value(at), "2026-11-26T09:30");
        assert_eq!(
            local_value(time::macros::datetime!(2026-11-26 16:05 UTC)),
            "2026-11-27T00:05"
        );
        assert_eq!(
            china_day_time(time::macros::datetime!(2026-11-26 16:05 UTC)),
            "2026-11-27 00:05"
        );
    }
}
