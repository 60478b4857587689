//! RFC 3339 timestamps (<https://www.rfc-editor.org/rfc/rfc3339#section-5.6>) as unix seconds,
//! shared by the Fewsats offers (`expires_at`) and the x402 sandbox dialect (`expires_at`).

fn digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u64, |acc, d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// RFC 3339 §5.6 `date-time` (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, `T`/`t`/space separator) as
/// unix seconds; `None` when malformed or before 1970.
pub(crate) fn unix_seconds(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let field = |from: usize, to: usize| b.get(from..to).and_then(digits);
    let sep = |at: usize, c: &[u8]| b.get(at).is_some_and(|x| c.contains(x));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (field(0, 4)?, field(5, 7)?, field(8, 10)?);
    let (hour, minute, second) = (field(11, 13)?, field(14, 16)?, field(17, 19)?);
    let mut rest = b.get(19..)?;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = frac.get(n..)?;
    }
    let offset: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = i64::try_from(digits(&[*h1, *h2])?).ok()?;
            let m = i64::try_from(digits(&[*m1, *m2])?).ok()?;
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 3600 + m * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let max_day = *month_days.get(usize::try_from(month.checked_sub(1)?).ok()?)?;
    if day == 0 || day > max_day || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // days_from_civil (H. Hinnant), all in i64: year ≤ 9999 keeps every product small.
    let y = i64::try_from(year).ok()? - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::try_from(month).ok()?;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::try_from(day).ok()? - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + i64::try_from(hour * 3600 + minute * 60 + second).ok()? - offset;
    u64::try_from(secs).ok()
}

/// Writes `unix` seconds as an RFC 3339 §5.6 `date-time` in UTC, `YYYY-MM-DDTHH:MM:SSZ` (the
/// form Go's `time.RFC3339` prints); `None` for years past 9999.
#[cfg(feature = "offers")]
pub(crate) fn write_utc(w: &mut crate::writer::Writer<'_>, unix: u64) -> Option<()> {
    // civil_from_days (H. Hinnant), all in u64: days since 1970-01-01 are non-negative.
    let days = unix / 86_400;
    let secs = unix % 86_400;
    let z = days.checked_add(719_468)?;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    if year > 9999 {
        return None;
    }
    let mut out = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, width: usize, mut v: u64| {
        for i in (at..at + width).rev() {
            if let Some(slot) = out.get_mut(i) {
                *slot = b'0' + (v % 10) as u8;
            }
            v /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, secs / 3600);
    put(14, 2, secs % 3600 / 60);
    put(17, 2, secs % 60);
    w.push(&out).ok()
}

#[cfg(all(test, feature = "offers"))]
mod tests {
    use super::{unix_seconds, write_utc};
    use crate::writer::Writer;

    #[test]
    fn write_utc_round_trips_through_the_parser() {
        // 2025-12-31T23:59:59Z is the go-example's hard-coded expiry (1 767 225 599).
        for (unix, text) in [
            (0u64, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_767_225_599, "2025-12-31T23:59:59Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
        ] {
            let mut buf = [0u8; 20];
            let mut w = Writer::new(&mut buf);
            assert_eq!(write_utc(&mut w, unix), Some(()));
            assert_eq!(w.written(), text.as_bytes());
            assert_eq!(unix_seconds(text), Some(unix));
        }
        let mut buf = [0u8; 20];
        assert_eq!(write_utc(&mut Writer::new(&mut buf), 253_402_300_800), None);
    }
}
