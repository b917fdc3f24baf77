//! The registry of diagnostic codes.
//!
//! Codes are grouped by stage (E00xx loading and syntax, E01xx names, E02xx types
//! and values, E03xx thresholds and sequences, E04xx ATT&CK, E05xx targets, E06xx
//! synthetic events, E07xx coverage, E08xx output folder (E080x), version lock (E083x) and
//! semantic diff (E084x), schedules (E086x), E09xx Sigma import, E10xx tuning) and are never reused: a retired code stays here, documented as retired. Each one has an
//! explanation for `scalpel explain CODE` and at least one UI test in `tests/ui/`.

use super::Severity;
use serde::{Serialize, Serializer};

macro_rules! codes {
    ($( $variant:ident = $code:literal, $sev:ident, $title:literal, $explain:literal; )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The code as users see it, e.g. `E0102`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The default severity: `E` codes are errors, `W` codes warnings.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// A one-line summary.
            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }

            /// The long explanation shown by `scalpel explain`.
            pub fn explanation(self) -> &'static str {
                match self { $( Code::$variant => $explain, )* }
            }
        }
    };
}

codes! {
    Io = "E0001", Error, "a file or folder cannot be read",
        "Scalpel could not read a path it was given, or one listed in `scalpel.toml`.\nCheck that the path exists and is readable.";
    InvalidUtf8 = "E0002", Error, "a file is not valid UTF-8",
        "Detection files must be UTF-8. The diagnostic points at the first byte that is not.\nRe-save the file as UTF-8 (most editors have an encoding option).";
    Syntax = "E0003", Error, "syntax error",
        "The parser expected something else at this point. The message lists what would fit.\n\n    detect heart_rate = 250     // error: `=` is not an operator\n    detect heart_rate == 250    // ok";
    UnterminatedString = "E0004", Error, "unterminated string",
        "A string literal opened with `\"` is not closed on the same line.\nStrings cannot span lines; write a newline as `\\n`.";
    InvalidEscape = "E0005", Error, "invalid escape in a string",
        "Strings know the escapes `\\\"`, `\\\\`, `\\n`, `\\r`, `\\t`, `\\0` and `\\u{XXXX}`.\nTo match a literal backslash write `\\\\`.";
    TooDeep = "E0006", Error, "nesting too deep",
        "Conditions may nest up to 128 levels: parentheses up to 128 deep, and operators\nup to 128 deep, where every `not` and every `and`/`or` inside another operator is a\nlevel (`not not a exists` is two). Deeper nesting is almost certainly generated\ninput gone wrong, some SIEMs reject it anyway, and the bound keeps every stage that\nrecurses over a condition within its stack. Templates have bounds of their own\n(E0513).";
    TooLarge = "E0007", Error, "file too large",
        "A single `.det` file may be at most 16 MiB. Split large generated content into\nseveral files; all `.det` files under a path are read. Other inputs have limits too,\ncounted while reading (a device or a `/proc` file reports size 0): `scalpel.toml` and\ntemplates 1 MiB, Attack Flow files 64 MiB, ATT&CK bundles 512 MiB.";
    InvalidNumber = "E0008", Error, "invalid number",
        "Integers must fit in 64 bits and floats must be finite and representable: `1e400` is\nabove the largest double, and `1e-400` below the smallest, where it would silently\nbecome `0.0`. Write the number within range, or `0.0` if zero is meant.";
    InvalidConfig = "E0009", Error, "invalid `scalpel.toml`",
        "`scalpel.toml` marks the root of a detection tree:\n\n    name = \"ras\"\n    paths = [\"schemas\", \"flows\"]\n\nThe diagnostic says which key is wrong.";
    NoInput = "W0010", Warning, "no detection files found",
        "No `.det` file was found under the given paths.";
    TooManyRules = "E0011", Error, "too many steps and sequences",
        "A detection tree may hold up to 100,000 steps and sequences. Every rule becomes\nseveral files per target, so a tree past that is almost certainly generated input\ngone wrong. Split it into several trees.";
    InvalidLints = "E0030", Error, "invalid `[lints]` in `scalpel.toml`",
        "`[lints]` sets the level of warning codes for a tree, as Cargo's `[lints]` does:\n\n    [lints]\n    W0501 = \"allow\"     # silence it\n    W0204 = \"deny\"      # make it an error\n    warnings = \"deny\"   # every warning still at `warn` is an error\n\nLevels are `allow`, `warn` and `deny`. Only warnings (`W` codes) have levels; an\nerror cannot be silenced. `-A`, `-W` and `-D` on the command line override the table.";
    PathOutsideTree = "E0012", Error, "`scalpel.toml` names a path outside its tree",
        "Every path in `scalpel.toml` (`paths`, `attack_bundles`) is relative to the folder of\n`scalpel.toml` and must stay inside it, after symbolic links are resolved:\n\n    paths = [\"schemas\", \"flows\"]     # ok\n    paths = [\"../shared\"]            # error: outside the tree\n    paths = [\"/\"]                    # error\n\nA tree is checked out and built by others; a path out of it would read their files.\nMove what the tree needs into it (or give a bundle with `--attack-bundle FILE`).";
    SymlinkOutsideTree = "W0013", Warning, "symbolic link leads outside the tree; skipped",
        "A symbolic link found while reading a folder points outside the detection tree (or\noutside the folder given on the command line), so it is not followed: a tree must not\nread files it does not contain. Copy the file into the tree, or give it on the command\nline.";
    SymlinkLoop = "W0014", Warning, "symbolic link loop or broken link; skipped",
        "A symbolic link found while reading a folder leads back to a folder that contains it,\nor cannot be resolved (its target is missing, or links form a cycle). It is skipped;\nevery other file is read once.";
    SkippedSpecialFile = "W0015", Warning, "a `.det` entry is not a regular file; skipped",
        "Scalpel reads only regular files. A `.det` name found while reading a folder is a FIFO\n(named pipe), a socket or a device, which could block or never end, so it is skipped.";
    NotRegularFile = "E0016", Error, "input is not a regular file",
        "A file named on the command line or in `scalpel.toml` (a `.det` file, an ATT&CK bundle,\na template, an Attack Flow file) is a FIFO, a socket, a device or a folder. Scalpel\nreads only regular files: a FIFO would block and a device (`/dev/zero`) never ends.";
    WalkTooLarge = "E0017", Error, "folder too large or too deep to read",
        "Reading a folder for `.det` files stops after 200,000 entries or 64 levels of\nsubfolders. A detection tree is far smaller; a walk that large is almost certainly the\nwrong folder (a home folder, `/`). List the folders that hold detections in\n`paths` of `scalpel.toml`.";
    SeveralTrees = "E0018", Error, "several detection trees for one output",
        "A folder with a `scalpel.toml` is a detection tree with its own name, settings and\nschemas, so trees are never merged. `scalpel check` checks each tree it is given (or\nfinds below a folder) on its own. `build`, `events`, `coverage` and `test` write one\ntree's output, so they take one tree, or files outside any tree, not both:\n\n    scalpel build detections --out build\n    scalpel build vendor/rules --out vendor-build";

    UnknownSchema = "E0101", Error, "unknown schema",
        "A step's `source` names a schema that no `.det` file declares.\n\n    schema biosensor { ... }\n    step s \"...\" { source biosensor ... }";
    UnknownField = "E0102", Error, "unknown field",
        "A field is not declared in the step's source schema. Field names are\ncase-sensitive and dotted (`device.id`).";
    DuplicateSchema = "E0103", Error, "schema declared twice",
        "Schema names are global across a detection tree; each may be declared once.";
    DuplicateField = "E0104", Error, "field declared twice",
        "A field name may appear once per schema.";
    DuplicateFlow = "E0105", Error, "flow id declared twice",
        "Flow ids are global across a detection tree; rule ids are derived from them,\nso two flows with one id would overwrite each other's rules.";
    DuplicateStep = "E0106", Error, "step or sequence id declared twice in a flow",
        "Step and sequence ids share one namespace per flow; rule ids are derived from them.";
    UnknownStep = "E0107", Error, "unknown step in a sequence",
        "A sequence lists steps of its own flow by id.";
    UnknownType = "E0108", Error, "unknown field type",
        "Field types are `string`, `int`, `float`, `bool`, `ip`, `timestamp` and\n`enum(a, b, ...)`.";
    EventTime = "E0109", Error, "a schema needs exactly one event-time field",
        "Exactly one field of each schema is marked `event_time`, and it is a `timestamp`:\n\n    time timestamp event_time \"when the reading was taken\"\n\nThresholds and sequences measure their windows on it.";
    DuplicateClause = "E0110", Error, "clause given twice",
        "`source`, `severity`, `detect`, `threshold`, `undetectable`, `category`, `origin` and\n`description` may appear once per step or flow.";
    MissingClause = "E0111", Error, "required clause missing",
        "A step needs at least one `technique` and either `detect` (which reads its\n`source` schema) or `undetectable \"reason\"` (no `source` needed), not both.\nA flow needs a `category` and an `origin`.";
    UnknownKeyword = "E0112", Error, "unknown severity or origin",
        "Severities are `informational`, `low`, `medium`, `high`, `critical`.\nOrigins are `realized` and `theoretical`.";
    DuplicateEnumValue = "E0113", Error, "enum value declared twice",
        "Each value of an `enum(...)` type may appear once.";
    InvalidId = "E0116", Error, "invalid flow, step or sequence id",
        "Ids name output files, rules and Splunk stanzas on every system, so they are\nnames on every system. A flow id is 1 to 64 ASCII letters, digits, `-`, `_` and\n`.`, starting with a letter or digit, without `..` and not ending with `.`; step\nand sequence ids are letters, digits, `_` and `-` (the grammar's), at most 64.\nNone may be a Windows device name: `CON`, `PRN`, `AUX`, `NUL`, `COM0`–`COM9`,\n`LPT0`–`LPT9`, in any case and with any extension.\n\n    flow \"AF-1\" \"…\"      // ok\n    flow \"../x\" \"…\"      // error: `/` and `..`";
    IdCaseCollision = "E0117", Error, "ids differ only in case",
        "Two flows, or two steps or sequences of one flow, have ids that are equal when\ncase is ignored (`AF-1` and `af-1`). Their files would be one file where names\nignore case (macOS, Windows) and their Sigma rule names, which are lower case,\nwould be the same, so a correlation could bind the wrong rule. Rename one.";
    FieldRenameCollision = "E0118", Error, "two fields of a schema get one name in a target",
        "A target reads a step's `source` schema by the names `[targets.*] fields` gives\n(or the target's default spelling: KQL writes `.` as `_`, KQL and Elastic write the\nevent-time field as `TimeGenerated` and `@timestamp`). When two fields of one schema\nget the same name, a rename onto a field that exists (`b.c = \"a\"` beside `a`) or\ntwo renames onto one name, the rule reads one field where the detection names the\nother. Rename onto a name no other field of the schema has:\n\n    [targets.splunk]\n    fields = { \"b.c\" = \"bc\" }\n\nRenames apply to every schema, so one name in two schemas is fine.";

    TypeMismatch = "E0201", Error, "value does not have the field's type",
        "The literal compared with a field must have the field's declared type. An `int`\nfield takes integers; a `float` field takes integers or floats; `ip` fields take\naddresses (bare IPv4 or quoted); `enum` fields take one of their values.";
    OperatorType = "E0202", Error, "operator not applicable to the field's type",
        "`contains`, `startswith`, `endswith`, `matches` and `cased` apply to strings;\n`<`, `<=`, `>`, `>=` to numbers; `in cidr` to IPs; `exists` to any field.";
    UnknownEnumValue = "E0203", Error, "value not declared in the enum",
        "An `enum` field only ever holds its declared values, so comparing it with another\nvalue is always false (or always true for `!=`).";
    OutOfRange = "W0204", Warning, "constant outside the field's declared range",
        "The field's schema declares `range lo..hi`, so this comparison has the same\nresult for every valid event. It is likely a typo or a unit mix-up.";
    Contradiction = "E0205", Error, "condition can never be true",
        "The checker proved that no event satisfies this condition (for example\n`x > 5 and x < 3`, or `x == \"a\" and x == \"b\"`). The detection would never fire.";
    InvalidRegex = "E0206", Error, "invalid regular expression",
        "The pattern does not parse. Patterns use the common syntax of RE2, Java and\n.NET: classes, groups, alternation, repetition, `^` and `$`.";
    UnportableRegex = "E0207", Error, "regular-expression feature not portable",
        "Look-around and back-references cannot run on every target (RE2, Lucene and\nElasticsearch lack them), so Scalpel rejects them everywhere.";
    InvalidCidr = "E0208", Error, "invalid CIDR block",
        "Write CIDR blocks as `\"10.0.0.0/8\"` or `\"fd00::/8\"`; host bits must be zero.";
    InvalidIp = "E0209", Error, "invalid IP address",
        "IP values are IPv4 (`10.0.0.1`, bare or quoted) or IPv6 (quoted).";
    EmptyList = "E0210", Error, "empty list",
        "`in []` is always false; a list needs at least one value.";
    InvalidRange = "E0211", Error, "invalid range declaration",
        "`range lo..hi` needs lo <= hi and applies to `int` and `float` fields only.";
    EmptyPattern = "E0212", Error, "empty text to match",
        "`contains \"\"`, `startswith \"\"` and `endswith \"\"` match every string, which is\nnever what a detection means; use `exists` instead.";

    KeyMissing = "E0301", Error, "grouping key is not a field of the step's schema",
        "`by` keys of thresholds and sequences must be fields of every step they apply to.\nWhen steps name the key differently, give each step its own `by`:\n\n    sequence s \"...\" within 30m { login by user.name -> push by actor.name }";
    KeyTypeMismatch = "E0302", Error, "join keys of a sequence have different types",
        "Events are joined on equal key values, so each key position must have one type\nacross all steps of a sequence.";
    SequenceTooShort = "E0303", Error, "sequence needs at least two steps",
        "A sequence orders two or more steps; for one step use `threshold`.";
    UndetectableInSequence = "E0304", Error, "undetectable step used in a sequence or threshold",
        "A step declared `undetectable` has no condition to match, so it cannot take part in\na sequence and cannot have a threshold.";
    InvalidWindow = "E0305", Error, "invalid time window",
        "Windows must be between 1 second and 30 days.";
    KeyCountMismatch = "E0306", Error, "steps of a sequence join on different numbers of keys",
        "Every step of a sequence must give the same number of `by` keys.";
    InvalidThreshold = "E0307", Error, "invalid threshold",
        "A threshold compares a count with a whole number, using `>` or `>=`, and\n`count >= 1` is simply the step itself: thresholds start at `> 1` / `>= 2`.";
    KeyNotInSchema = "E0308", Error, "sequence has no join key",
        "A sequence correlates events of one entity: it needs `by` keys, on the sequence\nor on every step.";
    SequenceKeyNotGrouped = "E0309", Error, "a threshold step joins a sequence on a field its threshold does not group by",
        "A step with a threshold joins a sequence at the event that completes its threshold,\nand the threshold completes for one group of its `by` fields. The step's join keys\nmust be among those fields, so that the completed group names the entity the\nsequence follows:\n\n    step flood \"...\" { ... threshold count > 100 within 1m by observer.name }\n    sequence s \"...\" within 1h by source.ip { probe -> flood }   // error\n\nAdd the key to the threshold (`by observer.name, source.ip`: more than 100 from one\nsource to one router), join on a field the threshold groups by, or write\n`each flood` to join every single event that matches the condition.";
    ThresholdInSequence = "W0310", Warning, "threshold step in a sequence joins when its threshold completes",
        "A step with a threshold, listed in a sequence without a keyword, takes part at every\nevent that completes its threshold (the count reaching its minimum within its window,\nper its `by` fields), not at every single event that matches its condition:\n\n    sequence s \"...\" within 2h by source.ip { spray -> takeover }\n\nfires when the spray's threshold is reached and a takeover follows within 2h. Say\nwhich meaning you want, and the warning goes away:\n\n    { threshold spray -> takeover }   // when the threshold completes (the default)\n    { each spray -> takeover }        // on every event that matches spray's condition\n\nEarlier versions used the second meaning without saying so.";
    OccurrenceWithoutThreshold = "E0311", Error, "`threshold` on a sequence step that has no threshold",
        "`threshold step` in a sequence joins the step when its threshold completes; the step\nhas no `threshold` clause, so there is nothing to complete. Remove the keyword, or give\nthe step a threshold.";
    RedundantEach = "W0312", Warning, "`each` on a sequence step that has no threshold",
        "`each step` joins every event that matches the step's condition, which is what a step\nwithout a threshold does anyway. Remove `each`; it only matters for threshold steps.";

    MalformedTechnique = "E0401", Error, "malformed ATT&CK id",
        "ATT&CK technique ids look like `T1565`, `T1565.003` (sub-technique) or `T0814`\n(ICS). Tactic ids (`TA0040`) are not techniques.";
    UnknownTechnique = "E0402", Error, "unknown ATT&CK technique",
        "The id is not in the ATT&CK catalog in use (Enterprise, Mobile and ICS). Use\n`--attack-bundle` to check against a newer ATT&CK release.";
    RevokedTechnique = "E0403", Error, "revoked ATT&CK technique",
        "MITRE revoked this technique and names a replacement; use the replacement id.";
    DeprecatedTechnique = "W0404", Warning, "deprecated ATT&CK technique",
        "MITRE deprecated this technique without a replacement. It still resolves, but\nnavigator layers and SIEM mappings may no longer show it.";
    AttackBundle = "E0405", Error, "ATT&CK bundle cannot be loaded",
        "A STIX 2.1 bundle given with `--attack-bundle` could not be read or holds no\nATT&CK techniques.";

    ApproximateWindow = "W0501", Warning, "target approximates a sliding time window",
        "Scalpel thresholds count events in a sliding window `[t, t + window)`. Some targets\nonly approximate that: Splunk's `streamstats time_window=...` slides over the\nevents it sees (boundaries inclusive, at most `max_stream_window` events per\nwindow, 10000 by default). Elastic's ES|QL rule counts per tumbling\n`BUCKET(@timestamp, window)`, so a burst split by a bucket edge can be missed.\nThe rule is emitted; review it for high-volume sources.";
    ApproximateSequence = "W0502", Warning, "target approximates an ordered sequence",
        "Scalpel sequences need events `e1 ... en` in strictly increasing time order, with\nequal keys, within the window. Splunk's rule compares, per key, the earliest time\nof each step with the latest time of the next one and the overall span: it can\nfire when the steps occurred in another interleaving, and can miss a match when\nthe key has events spread over more than the window. Elastic's EQL sequences are\nexact except for events with equal timestamps, which EQL orders by its\ntiebreaker and so can match in a row. Review its alerts.";
    RoundedWindow = "W0503", Warning, "window rounded to the target's time unit",
        "The target writes windows in whole seconds, so a window such as `1500ms` is rounded\nup to the next second. Use whole seconds in the detection to keep it exact.";
    OutputCollision = "E0504", Error, "two rules would be written to the same file",
        "Output file names are derived from flow and step ids. Paths are compared with\ncase folded (macOS and Windows ignore it), and Sigma file names\n(`<flow>_<step>.yml`, lower case) must be unique in the whole collection, because\nSigma tooling wants them so: flow `UI_a` with step `s` and flow `UI` with step\n`a_s` collide. Rename one of them.";
    InvalidTargetSettings = "E0505", Error, "invalid `[targets.*]` settings in `scalpel.toml`",
        "Each target reads its own table:\n\n    [targets.sigma]\n    author = \"SOC team\"\n    status = \"experimental\"\n\n    [targets.splunk]\n    index = \"ras\"\n    sourcetypes = { biosensor = \"ras:biosensor\" }\n\nEvery value is checked by its type (cron schedules, Splunk times, dates,\nenumerations such as `status` and `security_domain`, index names, field names for\n`fields` renames, text without control characters), and so is the tree's `name`,\nbecause these values are written into rules and `.conf` lines. The diagnostic\nnames the key that is wrong. `docs/targets.md` lists every key and its type.";
    Template = "E0506", Error, "a packaging template cannot be used",
        "Packaged files (such as Splunk's `savedsearches.conf`) are rendered from handlebars\ntemplates in strict mode. A template given with `--templates DIR` failed to load or\nused a variable that does not exist; the message names it.";
    TargetCaseFolding = "W0507", Warning, "target folds case for ASCII only",
        "Scalpel compares text case-insensitively by lower-casing both values (Unicode). The\ntarget's case-insensitive matching agrees on ASCII letters only: Splunk's `search`\nfolds ASCII, its PCRE `(?i)` and Sigma's consumers (sigma-rust, pySigma's backends)\nfold letter by letter, so a value with non-ASCII letters may miss case variants\n(`É` vs `é`, `İ`) or take letters whose lower case differs (`ſ` for `s`, final `ς`).\nAdd the variants with `in [...]` or match `cased` if the data has one spelling.";
    KqlEmptyString = "W0508", Warning, "KQL cannot tell an empty string from a missing field",
        "Log Analytics has no null for `string` columns: a missing field reads as `\"\"`.\nScalpel says a test on a missing field is false, so the KQL target guards a\ncomparison with `\"\"` with `isnotempty(...)`, and it never matches. Test the field with\n`not f exists` to find events without a value.";
    TargetRegex = "W0509", Warning, "target's regex engine reads the pattern differently",
        "Scalpel regexes have Rust `regex` semantics, where `\\b` is a Unicode word boundary and `$`\nthe end of the value. Each target's regex is reprinted for its engine (RE2 for KQL, PCRE\nfor Splunk and Sigma) with that meaning; what the engine cannot say is reported:\n\n- a Unicode `\\b`: RE2 and PCRE know ASCII word characters only, so the rule may miss\n  or add matches next to non-ASCII letters. Spell the boundary out, e.g.\n  `(wget|curl)([^a-z0-9_]|$)` instead of `(wget|curl)\\b`;\n- counted repetitions above the engine's limit (RE2: 1000).";
    SentinelQueryTooLong = "E0510", Error, "query longer than Microsoft Sentinel accepts",
        "Sentinel rejects analytic rules whose query is longer than 10,000 characters.\nSplit the condition into several steps, or simplify long lists and patterns.";
    KqlColumn = "E0511", Error, "field cannot be stored as a KQL column",
        "Log Analytics columns are letters, digits and `_` and start with a letter\n(`TimeGenerated` holds the event time). The KQL target names a field's column by\nreplacing `.` with `_`, so a field such as `heart-rate` has no valid column; give it\none with `[targets.kql] fields = { \"heart-rate\" = \"HeartRate\" }` in `scalpel.toml`.\nTwo fields on one column (case ignored) are E0118.";
    SentinelPeriod = "W0512", Warning, "rule's look-back longer than a Sentinel query period can cover",
        "A scheduled Sentinel rule sees the last `queryPeriod` of data, at most 14 days. To\nsee every match exactly once, a run must look back over the rule's window plus its\nrun interval plus the ingestion delay (docs/targets.md, \"Schedules\"); when that\nexceeds 14 days the period is capped, matches that span more than 14 days minus the\ninterval and delay are missed, and the coverage report counts the rule as not visible\non kql. Shorten the window, or lower the interval or `ingestion_delay` in\n`[targets.kql.schedule]`.";

    TemplateTooDeep = "E0513", Error, "a packaging template nests too deeply",
        "Handlebars reads and renders templates by recursion, so Scalpel measures a template\ngiven with `--templates DIR` before handlebars sees it: blocks (`{{#if}}`, `{{#each}}`,\n…) may nest 16 levels, counting every `(`, `[` and `{` inside a `{{ … }}` as a level\ntoo. What the measure cannot read unambiguously is refused as well: `{{` inside a\n`{{ … }}`, or a string there that holds `{{` or `}}`.";
    TemplateInclude = "E0514", Error, "packaging template partials include themselves",
        "A template may include partials (`{{> name}}`, inline partials defined with\n`{{#*inline \"name\"}}`), but no partial may include itself, directly or through\nothers, and a chain of includes may be at most 4 long. Partials must be named\nliterally: `{{> (lookup …)}}` and `{{> @partial-block}}` cannot be checked and are\nrefused.";

    ConfValue = "E0515", Error, "a value cannot be written in a Splunk .conf file",
        "`savedsearches.conf` has no escapes: a line ending in a backslash continues on\nthe next line, and Scalpel writes a value's line breaks that way. A value one of\nwhose lines ends in a backslash would therefore swallow the next key (or read\ndifferently in Splunk), and a carriage return is read as a line break; such a\ntitle, description, false-positive note or search is refused. End the line with\nanother character, or leave the line break out.";

    ElasticCaseFolding = "W0520", Warning, "Elastic folds case one character at a time",
        "Scalpel compares text case-insensitively with full Unicode lower-casing. Elastic's\ncase-insensitive EQL (`:`, `in~`, `startsWith~`, ...) and the Lucene regexes Scalpel\nwrites for case-insensitive tests fold one character at a time, which agrees on\nASCII and on most letters but not on a few (`İ`, the Kelvin sign `K`, final `ς`).\nThe rule is emitted; add the variants with `in [...]`, or match `cased` if the data\nhas one spelling. ES|QL rules (thresholds) lower-case fully and are exact.";
    ElasticRegexApproximated = "W0521", Warning, "regex assertion Lucene cannot express",
        "Elasticsearch's regexes (EQL `regex`, ES|QL `RLIKE`, Lucene `/.../`) match the whole\nvalue and have no anchors or look-arounds. Scalpel turns a search for `re` into a\nwhole-value match (`.*re.*`) and lifts `^` and `$` that start or end a branch, so\n`/^v1\\./` and `/(^|\\.)key$/` stay exact. A word boundary (`\\b`), a multi-line\nanchor (`(?m)^`) or an anchor inside a repetition cannot be written; it is left\nout, so the rule matches more than the detection. Rewrite the regex without it,\ne.g. `(wget|curl)([^a-z0-9_]|$)` instead of `(wget|curl)\\b`.";
    ElasticRegexTooLong = "W0522", Warning, "regex longer than Elasticsearch accepts by default",
        "Elasticsearch rejects regexes longer than the index setting `index.max_regex_length`\n(1000 characters by default). Case-insensitive tests and Unicode classes (`\\w`, `\\s`)\ngrow when written out for Lucene, one class per letter. Raise the setting on the\nindices the rule reads, or shorten the value or the pattern.";
    StaleLock = "E0830", Error, "the version lock is out of date",
        "`scalpel.lock.json` records, for every rule of the tree, a fingerprint of what it\nmeans, of its metadata and of what each target emits, with its version. A rule\nchanged (or was added or removed) and its version was not bumped, so a SIEM\nre-importing the build could not tell. `scalpel build --check` and CI fail here;\nrecord the change:\n\n    scalpel lock --date 2026-03-14 detections/\n\nand commit the lock with the change. `docs/lock-and-diff.md` explains the versions.";
    LockChanged = "W0831", Warning, "rules changed since the version lock",
        "A rule's meaning, metadata or emitted text differs from what `scalpel.lock.json`\nrecords, so this build writes the version the rule had before the change. Run\n`scalpel lock --date YYYY-MM-DD` to bump it before you ship the build.\n`scalpel check --deny-warnings` and `scalpel build --check` fail on it (E0830).";
    InvalidLock = "E0832", Error, "invalid version lock",
        "`scalpel.lock.json` is written by `scalpel lock` and read by every build. It did\nnot parse, or a value in it is not what Scalpel writes (a version `major.minor.patch`,\ndates `YYYY-MM-DD` that never go backwards, SHA-256 fingerprints, target names).\nRestore it from version control: its versions and dates are the rules' history,\nwhich a new lock cannot recover.";
    LockDate = "E0833", Error, "no valid date for the version lock",
        "`scalpel lock` writes the day of each version into the lock, and builds copy it\ninto the rules, so the date comes from you and never from the clock:\n\n    scalpel lock --date 2026-03-14 detections/\n    SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) scalpel lock detections/\n\nA date is `YYYY-MM-DD` (a real day, 1970 or later); `SOURCE_DATE_EPOCH` is whole\nseconds since 1970. A date is needed only when a version changes.";
    LockNeedsTree = "E0834", Error, "a version lock needs a detection tree",
        "The lock is kept beside `scalpel.toml`, at the root of a detection tree, so that it\nis committed with the rules it versions. Give `scalpel lock` the tree's folder, or\ncreate a `scalpel.toml` (`name = \"...\"`, `paths = [...]`).";
    LockDateTooEarly = "E0835", Error, "lock date earlier than a rule's last change",
        "Versions only move forward in time: a rule last changed on 2026-03-14 cannot get\na new version dated before that day. Pass a later `--date` (or `SOURCE_DATE_EPOCH`).";
    DiffRevision = "E0840", Error, "a git revision cannot be read",
        "`scalpel diff --git OLD NEW [TREE]` reads the detection tree `TREE` (default `.`) as\nit is in two revisions of the git repository around the current folder, with\n`git ls-tree` and `git cat-file`. Git could not resolve the revision, the tree is\nnot in it, or git is not installed. Check with `git ls-tree OLD -- TREE`.";
    UnknownScheduledRule = "E0860", Error, "a per-rule schedule names no rule",
        "`[targets.<splunk|kql|elastic>.schedule] rules` sets the run interval of single rules,\nkeyed by `<flow id>.<step or sequence id>`:\n\n    [targets.kql.schedule]\n    rules = { \"AF2-10.tamper\" = \"5m\" }\n\nThis key names no step or sequence of the tree, so the interval would silently apply\nto nothing. Fix the flow or item id (ids are case-sensitive).";
    SuppressionFieldsCapped = "W0860", Warning, "Elastic suppresses alerts on at most three fields",
        "An ES|QL threshold rule finds the same (keys, bucket) row again on every run whose\nlook-back holds the bucket, so the Elastic target sets Kibana's alert suppression on\nthe threshold's `by` fields and the bucket (`scalpel_window`). Kibana takes at most\nthree `group_by` fields: with more `by` fields, only the first three are used, and\ntwo groups that share them within the suppression period (the look-back) raise\none alert between them. Group by fewer fields, or accept the merged alerts.";
    ElasticSequenceThreshold = "W0550", Warning, "Elastic approximates a threshold step inside a sequence",
        "A step that joins a sequence on its threshold matches at the event that completes\nthe threshold: its minimum within its own window, per its `by` fields. EQL has no\ncount inside a sequence; the Elastic target writes the step as `with runs=N`, N of\nits events one after another, which differs in up to four ways the warning lists:\n\n- the N events must all follow the step before and fit in the sequence's `maxspan`,\n  where the threshold counts within its own window and only its completing event is\n  ordered: the rule fires on a burst slower than the threshold's window, and misses\n  one that began before the step before it;\n- Elasticsearch allows at most 100 runs, so a threshold above 100 is asked for 100;\n- `runs` counts events, so a `distinct` threshold counts repeats too;\n- the events share the sequence's join keys, not the threshold's other `by` fields.\n\nThe last three make the rule fire more often. The KQL and Sigma targets are exact;\nSplunk approximates the window as for thresholds (W0501).";
    SplunkDefaultFieldKey = "E0560", Error, "a Splunk default field is a threshold or sequence key",
        "Splunk sets fields of its own on every event: `index`, `host`, `source`, `sourcetype`,\n`_time`, `_raw` and every other `_` name, `splunk_server`, `linecount`, `punct`,\n`timestamp`, `timestartpos`, `timeendpos`, `eventtype`, `tag`, `date_*`. A search for\n`host=\"x\"` reads Splunk's value, not the `host` of the event, so it would silently\nnever match. The Splunk target reads such a field in a test from the event itself,\n`spath(_raw, \"host\")`, but `streamstats`, `stats` and `dc()` group by Splunk's field.\nName the field differently in Splunk:\n\n    [targets.splunk]\n    fields = { host = \"event_host\" }\n\nand extract it under that name, or group by another field.";
    SigmaEndAnchor = "W0561", Warning, "a Sigma regex's `$` also matches before a final newline",
        "Scalpel regexes have Rust `regex` semantics, where `$` is the end of the value. Sigma's\nregex flavour is PCRE, where `$` also matches before a newline that ends the value,\nand PCRE's end-of-value anchor `\\z` cannot be written: pySigma checks every pattern\nwith Python's `re`, which rejects it (Python's own `\\Z` means something else in PCRE),\nand sigma-rust and RE2 have no look-ahead. So the Sigma rule keeps `$`, and\n`/\\.txt$/` also matches `\"notes.txt\\n\"` in a PCRE or Python consumer (sigma-rust and\nRE2 read it as Scalpel does). The Splunk target writes `\\z` and is exact. Silence it\nfor a tree whose values never end in a line break:\n\n    [lints]\n    W0561 = \"allow\"";
    SigmaConsumerWindow = "W0562", Warning, "the Sigma consumer decides the ends of a threshold's window",
        "A Scalpel threshold counts the events in a window of its length that ends at the event\nthat completes it and leaves the start out, `(t - window, t]`. A Sigma `event_count` or\n`value_count` correlation only says `timespan`; the specification does not say which\nends count, and each consumer decides:\n\n- pySigma's SQLite backend counts `[t - timespan, t]`, both ends: a burst whose first\n  and last events are exactly `timespan` apart fires there and not in Scalpel; it\n  also counts distinct values case-insensitively;\n- pySigma's Splunk backend (`bin _time span=...`) and ES|QL backend (`date_trunc`)\n  count fixed buckets: a burst across a bucket edge is missed;\n- sigma-rust and pySigma's Kusto backend have no correlations.\n\nThe rule is emitted; the Splunk, KQL and Elastic targets write the window themselves.\ndocs/targets.md lists the consumers.";
    CatastrophicBacktracking = "W0563", Warning, "regex may backtrack catastrophically in PCRE",
        "Scalpel's own engine (Rust `regex`) and RE2 run every regex in linear time. PCRE, which\nSplunk's `match()` and most Sigma consumers use, backtracks: on a nested quantifier over\ncharacters both levels can match, `(a+)+$` or `(\\w+\\s?)+$`, or a repeated alternation\nwhose branches share a character, `(a|a)*`, a failing match tries exponentially many\nways to split the input. PCRE stops at its backtracking limit and reports no match, so\nthe rule silently misses events a few dozen characters long. Rewrite the regex so each\ncharacter can be matched one way: `a+$` for `(a+)+$`, `\\w+(\\s\\w+)*$` for `(\\w+\\s?)+$`.";
    InexactNumber = "W0564", Warning, "an integer constant is compared as a different number",
        "A double holds every integer up to 2^53 (9007199254740992) exactly, and only some\nabove. Two places compare an integer constant as a double:\n\n- a `float` field: `reading == 9007199254740993` is compared as `9007199254740992.0`,\n  in Scalpel's own semantics and in every target;\n- the Splunk target, whose numbers are doubles: `session.id == 9007199254740993` on an\n  `int` field also matches an event holding 9007199254740992, which Scalpel compares\n  exactly (KQL's `long`, Elasticsearch's `long` and Sigma's YAML integers are exact);\n  beyond 2^53 even a constant a double holds has neighbours that round onto it, so\n  Splunk warns for every integer constant of that size.\n\nWrite the double you mean (`9007199254740992.0`), or compare text if the values are\nidentifiers.";
    InvalidCoverageSettings = "E0701", Error, "invalid `[coverage]` settings in `scalpel.toml`",
        "`scalpel coverage` counts a step as covered only when the schema its detection reads\nis collected. By default every declared schema is; list the ones your deployment\nreally collects to see the honest figure:\n\n    [coverage]\n    collected = [\"arm\", \"netflow\", \"ehr_audit\"]\n\nEvery name must be a declared schema (a typo would silently lower coverage), and\n`collected` is the only key.";
    SplunkNameCollision = "E0710", Error, "two rules get the same name in the Splunk app",
        "Splunk keys saved searches and macros by their stanza name and merges stanzas of\nthe same name (and, on a case-insensitive file system such as Windows', names that\ndiffer only in case), so one of the two rules would silently be lost. A stanza name\nis `<app> - <flow>.<item> <title>` cut at a word within 81 characters; a filter\nmacro is `<flow>_<item>_filter` in lower case with other characters as `_`, so\n`A-1.x` and `a_1.X` collide. Rename one of the steps or flows.";
    NoPositiveEvent = "E0601", Error, "no valid event satisfies the detection",
        "The event generator (`scalpel events`, `scalpel test`, `scalpel build`) builds, for\nevery way a condition can be true, an event that the schema allows (declared types,\nranges and enum values) and that the reference evaluator matches. For this step it\nfound none, so the rule could never fire on valid telemetry. Two causes:\n\n    detect heart_rate > 400                           // range 0..350: see W0204\n    detect cmd contains \"abc\" and not cmd contains \"b\"  // no string has both\n\nThe checker proves some contradictions (E0205) but not all of them; this is the\nlast line of defence.";
    NoScenario = "E0602", Error, "no events make the threshold or sequence fire",
        "A threshold needs enough matching events (or distinct values) in one group, and a\nsequence needs one event per step sharing the join keys. The generator could not\nbuild them, for example:\n\n    detect device.id == \"a\"\n    threshold distinct device.id >= 5 within 1m   // only one value matches\n\nor a join key that each step's condition pins to a different value. The rule would\nnever fire.";

    EventSearchGaveUp = "W0603", Warning, "the event generator found no event, and cannot prove none exists",
        "The generator searches each way a condition can be true (each term of its\ndisjunctive normal form, at most 256) for an event the schema allows. Numbers,\naddresses, booleans, enums and text fixed by an equality are searched completely,\nso a failure there is a proof (E0601). Other text tests (regexes, several\nsubstrings, mixed `cased` and case-insensitive tests) are searched from their\nconstants only, and a condition with more than 256 ways is tried on its first 256:\n\n    detect cmd matches /^a/ and not cmd startswith \"a\"   // no event, not proven\n\nThe rule may be fine; the step simply gets no events, and `scalpel test` has\nnothing to run for it. Simplify the condition, or write an event by hand.";
    EventBound = "W0604", Warning, "a detection needs events past the generator's bounds",
        "Generated events stay small and bounded. The generator writes a regex\nrepetition at most 4096 times and a sample at most 1 MiB long, and builds at most\n100000 distinct values for a `distinct` threshold (a `count` threshold of any size\nis described once, as one event, a count and a spacing). A detection that needs\nmore gets no events for that way or scenario:\n\n    detect payload matches /^[A-Z]{5000}$/          // 5000 > 4096\n    threshold distinct user.name > 200000 within 1h  // 200000 > 100000\n\nThe rule is emitted as written; only its synthetic events are missing.";

    InvalidTypical = "E0605", Error, "invalid `typical` span",
        "`typical lo..hi` says where most values of a numeric field lie; synthetic events\ndraw filler values there, so that replay data looks like real telemetry. The span\nmust be numeric, not empty, hold a value of the field's type and lie inside the\nfield's `range`:\n\n    bp.systolic int range 0..300 typical 100..140    // ok\n    bp.systolic int range 0..300 typical 100..400    // error: outside the range\n    device.id string typical 1..5                    // error: not a number field";
    InvalidOrder = "E0606", Error, "invalid `order` relation",
        "`order a < b <= c` states how numeric fields of one event compare in real telemetry\n(diastolic below systolic blood pressure, a minimum not above its maximum).\nSynthetic events keep it for the values a condition does not fix. Each field must\nbe an `int` or `float` field of the schema, listed once, and the declared ranges\nmust leave room for the order:\n\n    order bp.diastolic < bp.mean < bp.systolic    // ok\n    order device.id < bp.systolic                 // error: `device.id` is a string\n    order low < high                              // error if `low` ranges 10..20, `high` 0..5";

    OutOverlapsInput = "E0800", Error, "output folder overlaps an input",
        "`--out` is an input path, holds one, or lies inside a folder of inputs (a `paths`\nfolder, a folder given on the command line, the templates folder). Writing there could\nreplace the detections, or read the output back as input. Choose a folder outside the\ninputs. It may lie inside the tree's folder when it is outside every `paths` entry:\n\n    # scalpel.toml: paths = [\"schemas\", \"flows\"]\n    scalpel build . --out build        # ok: build/ is not a source folder\n    scalpel build . --out flows/build  # error: inside `flows`";
    OutNotAFolder = "E0801", Error, "output path is not a folder",
        "`--out` names a regular file (or a FIFO, socket, device). Scalpel writes a folder of\nfiles and never replaces a file with one. Choose another path.";
    OutNotOwned = "E0802", Error, "output folder holds files Scalpel did not write",
        "Scalpel records the files it writes in `.scalpel-manifest.json` inside `--out`, and\nreplaces or deletes only those. This folder is not empty and has no manifest, so its\nfiles are someone else's. Choose an empty or new folder, or pass `--force` to write\ninto it anyway: Scalpel then adds its files next to the existing ones and still never\ndeletes or overwrites a file it did not write.";
    OutManifestInvalid = "E0803", Error, "output manifest cannot be read",
        "`.scalpel-manifest.json` in `--out` lists the files Scalpel wrote there. It is not a\nregular file, not valid JSON, or has a version this Scalpel does not know, so Scalpel\ncannot tell its files from others. Pass `--force` to treat every file there as not\nScalpel's (nothing is deleted), or remove the folder.";
    OutWouldOverwrite = "E0804", Error, "output would overwrite a file Scalpel did not write",
        "A file this run writes would replace a file in `--out` that Scalpel did not write (not\nin `.scalpel-manifest.json`), or would be written through a symbolic link or over a\nfolder. Scalpel never overwrites such a file, even with `--force`. Move the file away,\nor choose another `--out`. A file with exactly the content Scalpel writes is adopted\nwithout complaint.";
    OutFileEdited = "E0805", Error, "a file Scalpel wrote was changed since",
        "`.scalpel-manifest.json` records the size and hash of every file Scalpel wrote. This\nfile differs from what was written, so someone edited it, and replacing (or, when no\nlonger produced, deleting) it would lose that edit. Move the edit elsewhere (for\nSplunk, Sentinel and Elastic settings, see `[targets.*]` in `scalpel.toml`), or pass\n`--force` to overwrite it.";
    OutInUse = "E0806", Error, "output folder in use by another Scalpel",
        "Another `scalpel build`, `events` or `coverage` is writing this folder right now\n(it holds the folder's lock). Wait for it, or choose another `--out`.";
    OutLegacyLeftover = "W0807", Warning, "leftover folder of an interrupted older Scalpel",
        "Scalpel 0.1 staged a build in `.scalpel-build-*` next to `--out` and moved the previous\noutput to `.scalpel-old-*/previous`; a killed build left them behind. This Scalpel\nstages inside `--out` and cleans up after itself, but does not delete those folders:\n`.scalpel-old-*/previous` may hold the only copy of what the output folder held. Look\ninside, keep what you need, then delete them.";
    OutRecovered = "W0808", Warning, "an interrupted write was rolled back",
        "An earlier run was killed while it replaced files in `--out`. Its staging folder\n(`.scalpel-staging-*`) and journal were found, and every file it had replaced or\nadded was put back as it was, so the folder is again as that run found it.";
    SigmaUnreadable = "E0900", Error, "a Sigma file or document cannot be imported",
        "`scalpel import sigma` reads YAML rule files. This document is not YAML, or not a Sigma\nrule (a mapping with `title`, `logsource` and `detection`). The rule is refused; the\nother documents and files are still imported.";
    SigmaKeywords = "E0901", Error, "Sigma keyword search cannot be imported",
        "A search identifier that is a list of plain values (or a value under the empty field\nname `|contains`) is a keyword search: it looks for the value anywhere in the event,\nin any field. Scalpel's conditions test named fields, so the rule is refused rather\nthan guessed at. Rewrite the search against the fields that carry the text:\n\n    keywords: [ 'mimikatz' ]                  # refused\n    selection: { CommandLine|contains: mimikatz }   # imported";
    SigmaModifier = "E0902", Error, "Sigma modifier Scalpel cannot import",
        "The rule uses a value modifier that has no meaning Scalpel can express exactly:\n`fieldref` (compare two fields of one event), `expand` (placeholders filled by a\nprocessing pipeline), the time modifiers, `utf16*`/`wide` (only defined before\n`base64`), `neq`, or a modifier the specification does not define. The rule is\nrefused; the diagnostic names the modifier. docs/sigma.md has the modifier table.";
    SigmaRegex = "E0903", Error, "Sigma regular expression Scalpel cannot run",
        "A `re` value (or a wildcard pattern turned into one) is not a regular expression\nScalpel accepts: look-around and back-references are not portable to RE2, Lucene or\nElasticsearch, and PCRE-only syntax (possessive quantifiers, `\\Z`, ...) does not parse.\nThe rule is refused rather than run with another pattern.";
    SigmaCondition = "E0904", Error, "Sigma condition cannot be imported",
        "The `condition` does not parse under the Sigma 2 grammar (`and`, `or`, `not`,\nparentheses, `1 of`/`all of` a name, a `name*` pattern or `them`), names a search\nidentifier the detection does not define, matches none, or uses a Sigma 1.x aggregation\n(`| count() by ...`, `near`) that Sigma 2 replaced by correlation rules. Rewrite the\naggregation as a correlation rule.";
    SigmaCorrelation = "E0905", Error, "Sigma correlation or filter rule not imported",
        "Correlation rules (`correlation:`) and filter rules (`filter:`) refer to other rules\nby name. This importer translates detection rules only; such a document is reported\nand refused rather than dropped.";
    SigmaValue = "E0906", Error, "Sigma value cannot be imported",
        "A value cannot be given to its field: a nested list or mapping, a non-numeric value\nfor a field every other rule compares as a number, an invalid CIDR block, a numeric\nmodifier on text, or a `windash` value with so many dashes that its permutations\n(5 per dash) exceed 625 strings. The rule is refused.";
    SigmaFieldName = "E0907", Error, "Sigma field name not expressible in Scalpel",
        "Scalpel field names are identifiers (`A-Z a-z 0-9 _ -`, starting with a letter or\n`_`) joined by dots. A Sigma field with a space or another character cannot be\ndeclared in a schema, so the rule is refused. A processing pipeline that renames the\nfield first (or editing the rule) fixes it.";
    SigmaUnknownField = "W0900", Warning, "field not in the Sigma logsource's field list",
        "The Sigma taxonomy (SigmaHQ's `tests/logsource.json`) lists the fields of each\nlogsource. This rule uses one it does not list: often a typo, sometimes a field of a\nnewer log version. The imported schema declares it anyway (as `string`), so that the\nrule keeps its meaning; the help line suggests the closest listed field.";
    SigmaExistsNull = "W0901", Warning, "Sigma `exists` imported as Scalpel `exists`, which is false on null",
        "Sigma's `exists` is true for a present field even when its value is null; Scalpel's\n`exists` is false on null (a null field is a missing one). The two differ only on\nevents that carry an explicit null; the rule is reported as approximated.";
    SigmaRegexClass = "W0902", Warning, "regex class `\\d`, `\\w`, `\\s` or `\\b` is Unicode-aware in Scalpel",
        "Sigma's regular expressions are PCRE, whose `\\d`, `\\w`, `\\s` and `\\b` are ASCII;\nScalpel's (Rust regex, the reference evaluator) are Unicode-aware, so `\\d` also matches\n`٣`. The rule is imported and reported as approximated: the two differ only on non-ASCII\ndigits, letters and spaces.";
    SigmaTechnique = "W0903", Warning, "Sigma ATT&CK tag not in the catalog",
        "An `attack.tNNNN` tag names no active technique of the embedded ATT&CK catalog. A\nrevoked or deprecated id with a replacement is replaced (and said so); otherwise the\ntag is dropped from the step's `technique` line and kept in the comment above it.";
    SigmaUnknownLogsource = "W0904", Warning, "Sigma logsource not in the taxonomy",
        "The logsource's product/category/service is not in the Sigma taxonomy's field lists,\nso its schema declares only the fields the imported rules use (as `string`), without\nthe did-you-mean check of W0900.";
    TuningMixed = "E1000", Error, "a file holds both detections and exclusions",
        "A `.det` file is a detection file (`schema` and `flow` declarations) or a tuning file\n(`exclude` declarations), never both. A site keeps its exclusions in files of its own\n(a `tuning/` folder listed in `paths`), so that an update of the shipped detections\nreplaces their files without touching the site's tuning, and a review of the tuning\nsees only the tuning. Move the `exclude` declarations into a file of their own.";
    DuplicateExclusion = "E1001", Error, "two exclusions have the same name",
        "An exclusion's name identifies it in every target (the Splunk filter macro's comment,\nthe Elastic exception item, the coverage report), so names are unique across the tree,\nignoring case. Rename one of them.";
    BlankExclusionText = "E1002", Error, "an exclusion's reason or owner is blank",
        "Every exclusion says why it exists (`reason`) and who answers for it (`owner`), so\nthat a reviewer can judge it and an auditor can ask about it. Blank text says neither.";
    InvalidExpiry = "E1003", Error, "an expiry or tuning date is not a day",
        "`expires` takes a calendar day `YYYY-MM-DD` (from 1970), the last day the exclusion\napplies: `expires 2027-03-01`. The same holds for `[tuning] date` in `scalpel.toml`.";
    UnknownTuningScope = "E1004", Error, "an exclusion names an unknown flow or step",
        "`on AF-1` names a flow by its id, `on AF-1.step` one of its steps, `on schema name` a\nschema. The name is not declared in the tree; the help suggests the closest one.";
    ExclusionUnsatisfiable = "E1005", Error, "the exclusions leave nothing to detect",
        "Together with the other exclusions that apply, this exclusion removes every event the\nstep's detection matches: the tuned rule could never fire. Silencing a detection is\na decision for its flow, not for a tuning file; narrow the exclusion's `where`.";
    ExclusionExpired = "W1000", Warning, "an exclusion has expired and no longer applies",
        "The exclusion's `expires` day is before the build's tuning date (`[tuning] date` in\n`scalpel.toml`, else the newest day in the version lock; never the clock, so a build\nis reproducible). The rule is built without it. Renew it with a later day after a\nreview, or delete it.";
    ExclusionNoDate = "W1001", Warning, "no tuning date to judge an exclusion's expiry by",
        "The exclusion has an `expires` day, but the build has no date to compare it with:\nneither `[tuning] date` in `scalpel.toml` nor a version lock. The exclusion applies.\nSet `[tuning] date = \"YYYY-MM-DD\"` (CI can set it to the release day), or lock the tree.";
    ExclusionExcludesNothing = "W1002", Warning, "an exclusion removes no event the detection matches",
        "No event that the step's detection matches also matches the exclusion's `where` (the\ntwo contradict each other, or the step is undetectable), so it changes nothing: often\na wrong field value or a wrong step. It is kept, and the warning says which step.";
}

impl Code {
    /// Finds a code by its text, case-insensitively (`e0102` works too).
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_and_prefixed_by_severity() {
        let mut seen = BTreeSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code} listed twice");
            let prefix = if code.severity() == Severity::Error { 'E' } else { 'W' };
            assert!(code.as_str().starts_with(prefix), "{code} has the wrong prefix");
            assert!(!code.explanation().is_empty());
        }
    }

    #[test]
    fn codes_parse_back() {
        for code in Code::ALL {
            assert_eq!(Code::parse(&code.as_str().to_lowercase()), Some(*code));
        }
        assert_eq!(Code::parse("E9999"), None);
    }
}
