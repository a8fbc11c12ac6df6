//! Times as a phone in the field shows them: local, short.

use crate::platform;
use time::OffsetDateTime;

/// `11-26 14:05` in the phone's time zone.
pub fn short_time(at: OffsetDateTime) -> String {
    let local = at.to_offset(platform::local_offset());
    format!(
        "{:02}-{:02} {:02}:{:02}",
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute()
    )
}

/// `14:05:09` in the phone's time zone.
pub fn clock(at: OffsetDateTime) -> String {
    let local = at.to_offset(platform::local_offset());
    format!(
        "{:02}:{:02}:{:02}",
        local.hour(),
        local.minute(),
        local.second()
    )
}

/// Metres, shown as m or km.
pub fn distance(metres: f64) -> String {
    if metres < 1000.0 {
        format!("{metres:.0} m")
    } else {
        format!("{:.1} km", metres / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_are_shown_in_china_standard_time_natively() {
        assert_eq!(short_time(datetime!(2026-11-26 06:05 UTC)), "11-26 14:05");
        assert_eq!(clock(datetime!(2026-11-26 23:59:09 UTC)), "07:59:09");
        assert_eq!(distance(42.4), "42 m");
        assert_eq!(distance(1530.0), "1.5 km");
    }
}
