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

#[cfg(test)]
mod tests {
    use super::*;

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
