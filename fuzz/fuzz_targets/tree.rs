//! The `pipeline` target's input: the fuzzer's bytes read as choices that make a
//! whole detection tree — `scalpel.toml` (tree name, `[targets.*]` settings,
//! `[coverage]`), a schema and one or two flows over it (ids, titles, descriptions,
//! categories, references, false positives, enum values, conditions, thresholds,
//! sequences).
//!
//! Every free-text position is a [`Slot`]: the tree can be written with the drawn
//! values or with a distinct marker in each slot. The two builds must have the same
//! shape, and each file that shows a slot's marker must show its value unchanged.

/// Reads choices off the fuzzer's bytes; zeros once they run out, so every input is a tree.
pub struct Choices<'a>(pub &'a [u8]);

/// Pieces of hostile text: quotes, escapes, line breaks, controls, bidi, YAML and
/// conf indicators, markup, template syntax, words YAML 1.1 reads as booleans.
const TEXT: &[&str] = &[
    "a",
    "Z",
    " ",
    "\"",
    "'",
    "\\",
    "\n",
    "\r",
    "\t",
    "\0",
    "\u{1b}",
    "\u{202e}",
    "\u{2028}",
    "\u{85}",
    "\u{feff}",
    "é",
    "😀",
    "|",
    "[",
    "]",
    "{{",
    "}}",
    "#",
    ": ",
    "- ",
    "? ",
    "&",
    "*",
    "!",
    "%",
    "@",
    "`",
    "<",
    ">",
    "=",
    "</script>",
    "<b>",
    "&amp;",
    "javascript:",
    "yes",
    "off",
    "1:20",
    "0x1F",
    "~",
    "null",
    "$",
    ";",
    "action.script = 1",
];

impl Choices<'_> {
    pub fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }

    pub fn pick<'t>(&mut self, options: &[&'t str]) -> &'t str {
        options[self.byte() as usize % options.len()]
    }

    /// Metadata text of up to 12 pieces of [`TEXT`], or a long one.
    fn text(&mut self) -> String {
        let len = self.byte() % 14;
        if len == 13 {
            return format!("long {}", self.pick(TEXT).repeat(300));
        }
        (0..len).map(|_| self.pick(TEXT)).collect()
    }

    /// A string of up to 12 characters drawn from the ones that break query
    /// languages, written as a `.det` literal body (escapes included).
    fn hostile(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a",
            "Z",
            "\\\\",
            "\\\"",
            "'",
            "*",
            "?",
            "|",
            "\\n",
            "\\t",
            "\\u{0}",
            "\\u{202e}",
            "é",
            "ß",
            "😀",
            " ",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ":",
            "=",
            "<",
            ">",
            "/",
            "%",
            "$",
            "`",
            "~",
            "!",
            "&",
            ",",
            ";",
            "#",
            "+",
            "-",
            "^",
            "@",
        ];
        let len = 1 + self.byte() % 12;
        (0..len).map(|_| self.pick(PIECES)).collect()
    }

    fn condition(&mut self, depth: u32) -> String {
        if depth < 4 {
            match self.byte() % 8 {
                0 => return format!("({} and {})", self.condition(depth + 1), self.condition(depth + 1)),
                1 => return format!("({} or {})", self.condition(depth + 1), self.condition(depth + 1)),
                2 => return format!("not {}", self.condition(depth + 1)),
                _ => {}
            }
        }
        self.test()
    }

    /// One test; `{enum}` stands for the schema's drawn enum value, filled in when written.
    fn test(&mut self) -> String {
        let text_field = self.pick(&["a", "b.c"]);
        match self.byte() % 15 {
            0 => format!("{text_field} == \"{}\"", self.hostile()),
            1 => format!("{text_field} cased != \"{}\"", self.hostile()),
            2 => format!("{text_field} {} \"{}\"", self.pick(&["contains", "startswith", "endswith"]), self.hostile()),
            3 => format!("{text_field} in [\"{}\", \"{}\"]", self.hostile(), self.hostile()),
            4 => format!(
                "{text_field} matches /{}/{}",
                self.pick(&["a.c", "^x+$", "[0-9]{2}", "\\.", "a|b"]),
                self.pick(&["", "i"])
            ),
            5 => format!("n {} {}", self.pick(&["<", "<=", ">", ">=", "==", "!="]), self.byte() as u32 * 4),
            6 => format!("f {} {}.5", self.pick(&["<", ">", "=="]), self.byte()),
            7 => format!("ok == {}", self.pick(&["true", "false"])),
            8 => format!("ip in cidr \"{}\"", self.pick(&["10.0.0.0/8", "192.168.1.0/24", "fe80::/10"])),
            9 => format!("ip == \"{}\"", self.pick(&["10.1.2.3", "::1", "2001:db8::7"])),
            10 => format!("k {} {}", self.pick(&["==", "!="]), self.pick(&["x", "y", "{enum}"])),
            11 => format!("{} exists", self.pick(&["a", "n", "ip", "k"])),
            12 => format!("{text_field} contains all [\"{}\", \"{}\"]", self.hostile(), self.hostile()),
            13 => "k in [x, {enum}]".to_string(),
            _ => format!("n not in [{}, {}]", self.byte(), self.byte()),
        }
    }
}

/// What a free-text position must look like in the marked tree.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Reference,
    /// Queries hold it as a literal of their language: only the events show it as data.
    EnumValue,
}

pub struct Slot {
    pub kind: Kind,
    pub value: String,
}

/// A drawn tree; `slots` holds its free text, referred to by index.
pub struct Tree {
    pub slots: Vec<Slot>,
    /// `scalpel.toml` without the slots: `(table, key, TOML value)`.
    settings: Vec<(&'static str, String, String)>,
    name: usize,
    sigma_author: Option<usize>,
    elastic_author: Option<usize>,
    schema_description: usize,
    field_description: usize,
    enum_value: usize,
    flows: Vec<Flow>,
}

struct Flow {
    id: String,
    title: usize,
    description: Option<usize>,
    category: usize,
    reference: Option<usize>,
    steps: Vec<Step>,
    /// An `undetectable` step's reason.
    undetectable: Option<usize>,
    /// `(title, body)`; the body names steps `s0`, `s1`.
    sequence: Option<(usize, String)>,
}

struct Step {
    id: String,
    title: usize,
    description: Option<usize>,
    falsepositive: Option<usize>,
    reference: Option<usize>,
    /// `detect …` and an optional `threshold …` line.
    body: String,
}

/// Flow ids: ordinary ones, ones that differ only in case, and ones that name no
/// file (`.`, `..`, empty, device names, separators).
const FLOW_IDS: &[&str] =
    &["F-1", "f-1", "AF2-10", "", ".", "..", "CON", "nul", "a/b", "a\\b", "x y", "F-1 ", "\u{202e}1"];
/// Step ids (the grammar allows identifiers only): case twins and device names.
const STEP_IDS: &[&str] = &["s", "S", "con", "aux", "a-b", "_", "step_with_a_long_name"];

/// One `[targets.*]` setting: its table, key, and values to draw from besides a
/// hostile one; `None` when the key is left out.
const SETTINGS: &[(&str, &str, &[&str])] = &[
    ("sigma", "status", &["stable", "test", "Stable"]),
    ("sigma", "date", &["2024-02-29", "2023-02-29", "2026-12-01"]),
    ("sigma", "product", &["windows", "ras-1"]),
    ("splunk", "index", &["main", "RAS", "ras_1"]),
    ("splunk", "app", &["My App", "a.b"]),
    ("splunk", "security_domain", &["endpoint", "network"]),
    ("splunk", "schedule.ingestion_delay", &["5m", "0s", "90s", "1h"]),
    ("splunk", "schedule.interval.critical", &["1m", "7m", "1h", "1d"]),
    ("kql", "schedule.interval.high", &["5m", "4m", "14d"]),
    ("kql", "connector_id", &["Syslog", "a b"]),
    ("elastic", "language", &["eql", "lucene", "esql"]),
    ("elastic", "schedule.ingestion_delay", &["5m", "30s"]),
    ("elastic", "schedule.rules.\"F-1.s\"", &["1m", "10s"]),
];

/// Renames and per-schema tables: `(table, map, key, values)`.
const MAPS: &[(&str, &str, &str, &[&str])] = &[
    // Renames onto another field of the schema (`a` → `b.c`, `b.c` → `a`) must be
    // refused (E0118): this target found them read the wrong field.
    ("sigma", "fields", "a", &["Image", "B", "a|re", "b.c"]),
    ("splunk", "fields", "a", &["user_name", "b.c", "a=1 OR 1=1 | delete | search a"]),
    ("splunk", "fields", "b.c", &["bc", "c", "a"]),
    ("splunk", "sourcetypes", "s", &["my:st", "a b"]),
    ("kql", "fields", "a", &["UserName", "a-b"]),
    ("kql", "tables", "s", &["Custom_CL", "Custom"]),
    ("elastic", "fields", "a", &["user.name", "@a"]),
    ("elastic", "indices", "s", &["logs-x-*", "Logs"]),
    ("elastic", "datasets", "s", &["ras.x", "a b"]),
];

fn toml_string(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}

impl Tree {
    pub fn draw(c: &mut Choices) -> Tree {
        let mut slots = Vec::new();
        let mut slot = |c: &mut Choices, kind: Kind| {
            let value = c.text();
            let value = if kind == Kind::Reference && c.byte().is_multiple_of(2) {
                format!("https://e.org/{value}")
            } else {
                value
            };
            slots.push(Slot { kind, value });
            slots.len() - 1
        };
        let maybe = |c: &mut Choices, slot: &mut dyn FnMut(&mut Choices, Kind) -> usize, kind| {
            (!c.byte().is_multiple_of(3)).then(|| slot(c, kind))
        };
        let name = slot(c, Kind::Text);
        let sigma_author = maybe(c, &mut slot, Kind::Text);
        let elastic_author = maybe(c, &mut slot, Kind::Text);
        let schema_description = slot(c, Kind::Text);
        let field_description = slot(c, Kind::Text);
        let enum_value = slot(c, Kind::EnumValue);
        let mut settings = Vec::new();
        for (table, key, values) in SETTINGS {
            match c.byte() % 8 {
                0 => settings.push((*table, key.to_string(), toml_string(c.pick(values)))),
                1 => settings.push((*table, key.to_string(), toml_string(&c.text()))),
                _ => {}
            }
        }
        for (table, map, key, values) in MAPS {
            match c.byte() % 8 {
                0 => settings.push((*table, format!("{map}.{}", toml_string(key)), toml_string(c.pick(values)))),
                1 => settings.push((*table, format!("{map}.{}", toml_string(key)), toml_string(&c.text()))),
                _ => {}
            }
        }
        if c.byte().is_multiple_of(8) {
            settings.push(("coverage", "collected".into(), c.pick(&["[\"s\"]", "[]", "[\"t\"]"]).into()));
        }
        let flow_count = 1 + c.byte() % 2;
        let mut flows = Vec::new();
        for _ in 0..flow_count {
            let id = if c.byte().is_multiple_of(2) { c.pick(FLOW_IDS).to_string() } else { c.text() };
            let title = slot(c, Kind::Text);
            let description = maybe(c, &mut slot, Kind::Text);
            let category = slot(c, Kind::Text);
            let reference = maybe(c, &mut slot, Kind::Reference);
            let mut steps = Vec::new();
            for i in 0..1 + c.byte() % 3 {
                // Mostly `s0`, `s1` so that sequences find them; sometimes a drawn id.
                let id = if c.byte().is_multiple_of(4) { c.pick(STEP_IDS).to_string() } else { format!("s{i}") };
                let title = slot(c, Kind::Text);
                let description = maybe(c, &mut slot, Kind::Text);
                let falsepositive = maybe(c, &mut slot, Kind::Text);
                let reference = maybe(c, &mut slot, Kind::Reference);
                let mut body = format!("        detect {}\n", c.condition(0));
                if c.byte().is_multiple_of(4) {
                    let (count, within) = (1 + c.byte() % 9, 1 + u32::from(c.byte()));
                    body.push_str(&format!("        threshold count > {count} within {within}s by a\n"));
                }
                steps.push(Step { id, title, description, falsepositive, reference, body });
            }
            let undetectable = maybe(c, &mut slot, Kind::Text);
            let sequence = (steps.len() > 1 && c.byte().is_multiple_of(2)).then(|| {
                // `threshold` on a step without one is an error, `each` a warning: both are inputs too.
                let how = c.pick(&["", "each ", "threshold "]);
                (slot(c, Kind::Text), format!("within {}m by a {{\n        {how}s0 -> s1\n    }}", 1 + c.byte() % 60))
            });
            flows.push(Flow { id, title, description, category, reference, steps, undetectable, sequence });
        }
        Tree {
            slots,
            settings,
            name,
            sigma_author,
            elastic_author,
            schema_description,
            field_description,
            enum_value,
            flows,
        }
    }

    /// The text of slot `i`: its value, or (`marked`) a marker no other slot holds.
    /// A blank value stays blank, since a target may leave out a blank field.
    /// The enum value is never marked: conditions test it, so it decides which
    /// events and warnings a rule gets.
    pub fn slot_text(&self, i: usize, marked: bool) -> String {
        let slot = &self.slots[i];
        if !marked || slot.value.trim().is_empty() || slot.kind == Kind::EnumValue {
            return slot.value.clone();
        }
        // Equal values get one marker: a target may merge them (a flow's and a step's
        // equal references are listed once).
        let first = self.slots.iter().position(|s| s.value == slot.value).unwrap_or(i);
        match slot.kind {
            Kind::Reference => format!("https://e.org/Mk{first}x"),
            Kind::Text | Kind::EnumValue => format!("Mk{first}x"),
        }
    }

    pub fn marker(&self, i: usize) -> String {
        self.slot_text(i, true)
    }

    /// `scalpel.toml`.
    pub fn config(&self, marked: bool) -> String {
        let text = |i: usize| toml_string(&self.slot_text(i, marked));
        let mut tables: Vec<(&str, Vec<String>)> = Vec::new();
        let mut add = |table: &'static str, line: String| match tables.iter_mut().find(|(t, _)| *t == table) {
            Some((_, lines)) => lines.push(line),
            None => tables.push((table, vec![line])),
        };
        if let Some(i) = self.sigma_author {
            add("targets.sigma", format!("author = {}", text(i)));
        }
        if let Some(i) = self.elastic_author {
            add("targets.elastic", format!("author = {}", text(i)));
        }
        for (table, key, value) in &self.settings {
            let table = if *table == "coverage" { "coverage" } else { prefixed(table) };
            add(table, format!("{key} = {value}"));
        }
        let mut out = format!("name = {}\n", text(self.name));
        for (table, lines) in tables {
            out.push_str(&format!("[{table}]\n{}\n", lines.join("\n")));
        }
        out
    }

    /// `schema.det`.
    pub fn schema(&self, marked: bool) -> String {
        let lit = |i: usize| crate::readback::det_literal(&self.slot_text(i, marked));
        format!(
            "schema s {} {{\n    t timestamp event_time\n    a string {}\n    b.c string\n    n int range 0..1000\n    \
             f float\n    ok bool\n    ip ip\n    k enum(x, y, {})\n}}\n",
            lit(self.schema_description),
            lit(self.field_description),
            lit(self.enum_value)
        )
    }

    /// `flow.det`.
    pub fn flows(&self, marked: bool) -> String {
        let lit = |i: usize| crate::readback::det_literal(&self.slot_text(i, marked));
        let line =
            |keyword: &str, slot: Option<usize>| slot.map_or(String::new(), |i| format!("{keyword} {}\n", lit(i)));
        let mut out = String::new();
        for flow in &self.flows {
            out.push_str(&format!("flow {} {} {{\n", crate::readback::det_literal(&flow.id), lit(flow.title)));
            out.push_str(&format!("    category {}\n    origin theoretical\n", lit(flow.category)));
            out.push_str(&format!(
                "    {}    {}",
                line("description", flow.description),
                line("reference", flow.reference)
            ));
            for step in &flow.steps {
                out.push_str(&format!(
                    "    step {} {} {{\n        technique T1565.002\n        source s\n        {}        {}        {}{}    }}\n",
                    step.id,
                    lit(step.title),
                    line("description", step.description),
                    line("falsepositive", step.falsepositive),
                    line("reference", step.reference),
                    step.body.replace("{enum}", &lit(self.enum_value)),
                ));
            }
            if let Some(reason) = flow.undetectable {
                out.push_str(&format!(
                    "    step offline \"offline\" {{\n        technique T1078\n        undetectable {}\n    }}\n",
                    lit(reason)
                ));
            }
            if let Some((title, body)) = &flow.sequence {
                out.push_str(&format!("    sequence q {} {body}\n", lit(*title)));
            }
            out.push_str("}\n");
        }
        out
    }
}

fn prefixed(table: &str) -> &'static str {
    match table {
        "sigma" => "targets.sigma",
        "splunk" => "targets.splunk",
        "kql" => "targets.kql",
        _ => "targets.elastic",
    }
}
