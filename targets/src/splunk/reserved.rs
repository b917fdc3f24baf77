//! Splunk's default and internal field names.
//!
//! Splunk gives every event these fields itself (at index time: `index`, `host`,
//! `source`, `sourcetype`, `_time`, `_raw`, …; at search time: `eventtype`, `tag`,
//! `date_*`, …), so `host="x"` in a search or `'host'` in `where` reads Splunk's
//! value, never the `host` key of the event's JSON. A test on such a field reads
//! the event's own value from the raw JSON (`spath(_raw, "host")`); grouping or
//! joining on one is refused (E0560), pointing at the rename setting. The list is
//! Splunk's "About default fields" (Getting Data In manual) and the internal fields
//! of the Knowledge Manager manual; every name that starts with `_` is internal.

/// Exact names Splunk reserves (besides every `_…`, `date_…` and `tag::…` name).
const DEFAULT_FIELDS: &[&str] = &[
    "host",
    "index",
    "source",
    "sourcetype",
    "linecount",
    "punct",
    "splunk_server",
    "splunk_server_group",
    "timestamp",
    "timestartpos",
    "timeendpos",
    "eventtype",
    "tag",
];

/// Whether Splunk reads `name` (the field's Splunk name, after renames) as one of
/// its own fields rather than the event's.
pub fn is_reserved(name: &str) -> bool {
    DEFAULT_FIELDS.contains(&name) || name.starts_with('_') || name.starts_with("date_") || name.starts_with("tag::")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_internal_fields_are_reserved() {
        for name in ["index", "host", "source", "sourcetype", "_time", "_raw", "_indextime", "_cd", "_bkt"] {
            assert!(is_reserved(name), "{name}");
        }
        for name in ["splunk_server", "linecount", "eventtype", "tag", "tag::host", "punct", "date_hour", "date_zone"] {
            assert!(is_reserved(name), "{name}");
        }
        assert!(is_reserved("timestartpos") && is_reserved("timeendpos") && is_reserved("timestamp"));
    }

    #[test]
    fn event_fields_that_only_look_alike_are_not() {
        for name in ["host.name", "source.ip", "hostname", "index_id", "Host", "sourcetypes", "date", "tags"] {
            assert!(!is_reserved(name), "{name}");
        }
    }
}
