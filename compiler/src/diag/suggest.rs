//! "Did you mean" suggestions by edit distance.

/// The candidate closest to `wanted`, if it is close enough to be a likely typo:
/// within a third of the longer name's length, case differences counting as near.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&wanted_lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (wanted.chars().count().max(c.chars().count()) / 3).max(1))
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_near_names_only() {
        let names = ["heart_rate", "spo2", "device.id"];
        assert_eq!(closest("heart_rat", names), Some("heart_rate"));
        assert_eq!(closest("Device.Id", names), Some("device.id"));
        assert_eq!(closest("temperature", names), None);
    }

    #[test]
    fn ties_break_alphabetically() {
        assert_eq!(closest("ab", ["ac", "aa"]), Some("aa"));
    }
}
