//! The types of setting values: each check accepts exactly the values its target
//! reads as one token of the intended kind, so that no setting can add a key, a
//! stanza or a pipe to what it is written into. Errors say what is expected; the
//! caller adds where.

/// Characters no setting may hold: controls (line breaks, NUL, ESC), the Unicode
/// line and paragraph separators, and the bidirectional controls that make text
/// read otherwise than it is.
pub fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Free text (an author, a label): no hidden character, at most `max` characters.
pub fn text(value: &str, max: usize) -> Result<(), String> {
    if let Some(c) = value.chars().find(|&c| hidden(c)) {
        return Err(format!("holds the control character U+{:04X}; write it on one line, without controls", c as u32));
    }
    if value.chars().count() > max {
        return Err(format!("is longer than {max} characters"));
    }
    if value.trim().is_empty() {
        return Err("is empty".into());
    }
    Ok(())
}

/// A word made of ASCII letters, digits and the characters of `also`, starting with
/// a letter or digit.
pub fn word(value: &str, also: &str, max: usize) -> Result<(), String> {
    let first_ok = value.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_ok || value.len() > max || !value.chars().all(|c| c.is_ascii_alphanumeric() || also.contains(c)) {
        let also: Vec<String> = also.chars().map(|c| format!("`{c}`")).collect();
        return Err(format!(
            "must be 1 to {max} ASCII letters, digits{}{}, starting with a letter or digit",
            if also.is_empty() { "" } else { " and " },
            also.join(", ")
        ));
    }
    Ok(())
}

/// One of `allowed`, exactly.
pub fn one_of(value: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(format!("must be one of {}", allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")))
    }
}

/// A field name as detections write them: dot-separated parts of ASCII letters,
/// digits, `_` and `-`, each starting with a letter or `_`. Every target can write
/// such a name bare or in its quotes; `a=1 OR 1=1 | delete` is not one.
pub fn field_name(value: &str) -> Result<(), String> {
    let part_ok = |part: &str| {
        part.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
    };
    if value.len() <= 255 && value.split('.').all(part_ok) {
        Ok(())
    } else {
        Err("must be a field name: dot-separated parts of ASCII letters, digits, `_` and `-`, each starting with a letter or `_`".into())
    }
}

/// `YYYY-MM-DD`, a real day.
pub fn date(value: &str) -> Result<(), String> {
    let bad = || Err(format!("`{}` must be a date `YYYY-MM-DD`", scalpel_compiler::visible::visible(value)));
    let parts: Vec<&str> = value.split('-').collect();
    let [year, month, day] = parts[..] else { return bad() };
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return bad();
    }
    let number = |s: &str| if s.bytes().all(|b| b.is_ascii_digit()) { s.parse::<u32>().ok() } else { None };
    let (Some(year), Some(month), Some(day)) = (number(year), number(month), number(day)) else { return bad() };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return bad(),
    };
    if (1..=days).contains(&day) {
        Ok(())
    } else {
        bad()
    }
}

/// A five-field cron schedule as Splunk reads `cron_schedule`: each field `*` or a
/// list of numbers and ranges, each with an optional `/step`, within the field's bounds.
pub fn cron(value: &str) -> Result<(), String> {
    const FIELDS: [(&str, u32, u32); 5] =
        [("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 6)];
    let fields: Vec<&str> = value.split(' ').filter(|f| !f.is_empty()).collect();
    if fields.len() != 5 || value.chars().any(|c| c != ' ' && !c.is_ascii_graphic()) {
        return Err(format!(
            "`{}` must be five cron fields (minute hour day-of-month month day-of-week), e.g. `*/10 * * * *`",
            scalpel_compiler::visible::visible(value)
        ));
    }
    for (field, (name, lo, hi)) in fields.iter().zip(FIELDS) {
        let number = |s: &str| s.parse::<u32>().ok().filter(|n| (lo..=hi).contains(n) && !s.starts_with('+'));
        let item_ok = |item: &str| {
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => (range, Some(step)),
                None => (item, None),
            };
            let step_ok = step.is_none_or(|s| s.parse::<u32>().is_ok_and(|n| n >= 1 && n <= hi.max(1)));
            let range_ok = range == "*"
                || match range.split_once('-') {
                    Some((a, b)) => matches!((number(a), number(b)), (Some(a), Some(b)) if a <= b),
                    None => number(range).is_some(),
                };
            step_ok && range_ok
        };
        if !field.split(',').all(item_ok) {
            return Err(format!(
                "the {name} field `{field}` must be `*`, numbers {lo}..{hi}, ranges, lists or `/step`"
            ));
        }
    }
    Ok(())
}

/// A Splunk time modifier as `dispatch.earliest_time` and `latest_time` take it:
/// `now`, an epoch time in seconds, or a relative time: offsets such as `-70m`
/// and a snap such as `@m` or `@w1` (`-1d@d+8h`).
pub fn splunk_time(value: &str) -> Result<(), String> {
    let bad = || {
        Err(format!(
            "`{}` must be a Splunk time: `now`, epoch seconds, or offsets and a snap such as `-70m@m`",
            scalpel_compiler::visible::visible(value)
        ))
    };
    if value == "now" || (!value.is_empty() && value.len() <= 12 && value.bytes().all(|b| b.is_ascii_digit())) {
        return Ok(());
    }
    let mut rest = value;
    let mut parts = 0;
    while !rest.is_empty() {
        // By character: the value may start with a multi-byte one (found by the fuzzer).
        let mut chars = rest.chars();
        let sign = chars.next();
        let after = chars.as_str();
        match sign {
            Some('+' | '-') => {
                let digits = after.bytes().take_while(u8::is_ascii_digit).count();
                let (unit, tail) = split_unit(&after[digits..]);
                if digits > 9 || !time_unit(unit) {
                    return bad();
                }
                rest = tail;
            }
            Some('@') => {
                let (unit, tail) = split_unit(after);
                let week_day =
                    unit.strip_prefix('w').is_some_and(|d| matches!(d, "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7"));
                if !(time_unit(unit) || week_day) {
                    return bad();
                }
                rest = tail;
            }
            _ => return bad(),
        }
        parts += 1;
    }
    if parts == 0 {
        bad()
    } else {
        Ok(())
    }
}

/// The unit at the start of `text` (letters, then a weekday digit after `w`).
fn split_unit(text: &str) -> (&str, &str) {
    let letters = text.bytes().take_while(u8::is_ascii_alphabetic).count();
    let digit = usize::from(&text[..letters] == "w" && text.as_bytes().get(letters).is_some_and(u8::is_ascii_digit));
    text.split_at(letters + digit)
}

fn time_unit(unit: &str) -> bool {
    const UNITS: &[&str] = &[
        "s", "sec", "secs", "second", "seconds", "m", "min", "mins", "minute", "minutes", "h", "hr", "hrs", "hour",
        "hours", "d", "day", "days", "w", "week", "weeks", "mon", "month", "months", "q", "qtr", "qtrs", "quarter",
        "quarters", "y", "yr", "yrs", "year", "years",
    ];
    UNITS.contains(&unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_schedules() {
        for good in ["*/10 * * * *", "0 8-18/2 * * 1-5", "5,35 * 1 1,6 0", "59 23 31 12 6"] {
            assert_eq!(cron(good), Ok(()), "{good}");
        }
        for bad in [
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "*/0 * * * *",
            "* * 0 * *",
            "5-1 * * * *",
            "*\n[x] * * * *",
            "a * * * *",
            "*/10 * * * *\naction.script = 1",
        ] {
            assert!(cron(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn splunk_times() {
        for good in ["-70m@m", "-10m@m", "now", "0", "1700000000", "@d", "-1d@d+8h", "-2w@w1", "+1mon", "-1y@y", "-30s"]
        {
            assert_eq!(splunk_time(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "-70x",
            "70m",
            "-m@",
            "@",
            "-10m@m\naction.script = 1",
            "now()",
            "-1d @d",
            "@w8",
            "\u{202e}",
            "-1d\u{e9}",
            "\u{e9}-1d",
        ] {
            assert!(splunk_time(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dates_words_fields_and_text() {
        assert_eq!(date("2024-02-29"), Ok(()));
        for bad in ["2023-02-29", "2026-13-01", "2026-1-01", "2026-01-01\nx: 1", "+026-01-01", "2026-04-31"] {
            assert!(date(bad).is_err(), "{bad}");
        }
        assert_eq!(field_name("device.id"), Ok(()));
        assert_eq!(field_name("_raw"), Ok(()));
        for bad in ["a=1 OR 1=1 | delete | search a", "a b", "a\"b", "a'b", "", "a..b", "1a", "a|re", "a\nb"] {
            assert!(field_name(bad).is_err(), "{bad}");
        }
        assert_eq!(word("ras", "_-", 80), Ok(()));
        assert!(word("ras\n[x]", "_-", 80).is_err());
        assert!(word("-x", "_-", 80).is_err());
        assert_eq!(text("SOC team (Zürich)", 256), Ok(()));
        for bad in ["a\nb", "a\u{202e}b", "a\u{2028}b", "\t", "   "] {
            assert!(text(bad, 256).is_err(), "{bad:?}");
        }
        assert!(text(&"x".repeat(257), 256).is_err());
        assert_eq!(one_of("threat", &["threat", "access"]), Ok(()));
        assert!(one_of("Threat", &["threat"]).is_err());
    }
}
