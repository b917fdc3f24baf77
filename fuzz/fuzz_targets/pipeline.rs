//! Fuzz target: the whole pipeline. The fuzzer's bytes choose a flow (fields, operators,
//! nesting, hostile string values, thresholds, sequences) over a fixed schema; what checks
//! clean is built for every target. Must never panic; every structured artifact must parse
//! back (YAML, JSON, NDJSON); the same input must give the same bytes twice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalpel_compiler::attack::Catalog;
use scalpel_compiler::source::SourceMap;
use scalpel_compiler::{sema, syntax};
use scalpel_targets::templates::Templates;
use scalpel_driver::build;
use scalpel_targets::{Settings, Target};

const SCHEMA: &str = r#"schema s "fuzz" {
    t timestamp event_time
    a string
    b.c string
    n int range 0..1000
    f float
    ok bool
    ip ip
    k enum(x, y, "z w")
}
"#;

/// Reads choices off the fuzzer's bytes; zeros once they run out, so every input is a program.
struct Choices<'a>(&'a [u8]);

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }

    fn pick<'t>(&mut self, options: &[&'t str]) -> &'t str {
        options[self.byte() as usize % options.len()]
    }

    /// A string of up to 12 characters drawn from the ones that break query languages.
    fn hostile(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a", "Z", "\\\\", "\\\"", "'", "*", "?", "|", "\\n", "\\t", "\\u{0}", "\\u{202e}", "é", "ß", "😀", " ", "(",
            ")", "[", "]", "{", "}", ":", "=", "<", ">", "/", "%", "$", "`", "~", "!", "&", ",", ";", "#", "+", "-",
            "^", "@",
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

    fn test(&mut self) -> String {
        let text_field = self.pick(&["a", "b.c"]);
        match self.byte() % 14 {
            0 => format!("{text_field} == \"{}\"", self.hostile()),
            1 => format!("{text_field} cased != \"{}\"", self.hostile()),
            2 => format!("{text_field} {} \"{}\"", self.pick(&["contains", "startswith", "endswith"]), self.hostile()),
            3 => format!("{text_field} in [\"{}\", \"{}\"]", self.hostile(), self.hostile()),
            4 => format!("{text_field} matches /{}/{}", self.pick(&["a.c", "^x+$", "[0-9]{2}", "\\.", "a|b"]), self.pick(&["", "i"])),
            5 => format!("n {} {}", self.pick(&["<", "<=", ">", ">=", "==", "!="]), self.byte() as u32 * 4),
            6 => format!("f {} {}.5", self.pick(&["<", ">", "=="]), self.byte()),
            7 => format!("ok == {}", self.pick(&["true", "false"])),
            8 => format!("ip in cidr \"{}\"", self.pick(&["10.0.0.0/8", "192.168.1.0/24", "fe80::/10"])),
            9 => format!("ip == \"{}\"", self.pick(&["10.1.2.3", "::1", "2001:db8::7"])),
            10 => format!("k {} {}", self.pick(&["==", "!="]), self.pick(&["x", "y", "\"z w\""])),
            11 => format!("{} exists", self.pick(&["a", "n", "ip", "k"])),
            12 => format!("{text_field} contains all [\"{}\", \"{}\"]", self.hostile(), self.hostile()),
            _ => format!("n not in [{}, {}]", self.byte(), self.byte()),
        }
    }

    fn flow(&mut self) -> String {
        let steps = 1 + self.byte() % 3;
        let mut text = String::from("flow \"F-1\" \"fuzz\" {\n    category \"fuzz\"\n    origin theoretical\n");
        for i in 0..steps {
            text.push_str(&format!(
                "    step s{i} \"step {i}\" {{\n        technique T1565.002\n        source s\n        detect {}\n",
                self.condition(0)
            ));
            if self.byte() % 4 == 0 {
                text.push_str(&format!("        threshold count > {} within {}s by a\n", 1 + self.byte() % 9, 1 + u32::from(self.byte())));
            }
            text.push_str("    }\n");
        }
        if steps > 1 && self.byte() % 2 == 0 {
            // `threshold` on a step without one is an error, `each` a warning: both are inputs too.
            let how = self.pick(&["", "each ", "threshold "]);
            text.push_str(&format!(
                "    sequence q \"seq\" within {}m by a {{\n        {how}s0 -> s1\n    }}\n",
                1 + self.byte() % 60
            ));
        }
        text.push_str("}\n");
        text
    }
}

fuzz_target!(|data: &[u8]| {
    let flow = Choices(data).flow();
    let mut sources = SourceMap::new();
    let ids = [sources.add("schema.det", SCHEMA.to_string()), sources.add("flow.det", flow)];
    let files: Vec<_> = ids.iter().map(|&id| (id, syntax::parse(id, &sources.get(id).text).0)).collect();
    let (program, diags) = sema::check(&files, &sources, Catalog::embedded());
    for d in diags.iter() {
        let _ = scalpel_compiler::diag::render::human(d, &sources, false);
    }
    if diags.has_errors() {
        return;
    }
    let templates = Templates::load(None).expect("built-in templates");
    let settings = Settings::default();
    let first = build(&program, "fuzz", &settings, Target::ALL, &templates, &|| {});
    let second = build(&program, "fuzz", &settings, Target::ALL, &templates, &|| {});
    assert_eq!(first.files, second.files, "same input, different bytes");
    for (path, text) in &first.files {
        if path.ends_with(".yml") || path.ends_with(".yaml") {
            for document in text.split("\n---\n") {
                serde_norway::from_str::<serde_norway::Value>(document)
                    .unwrap_or_else(|e| panic!("{path} is not YAML: {e}\n{text}"));
            }
        } else if path.ends_with(".json") {
            serde_json::from_str::<serde_json::Value>(text).unwrap_or_else(|e| panic!("{path}: {e}\n{text}"));
        } else if path.ends_with(".ndjson") || path.ends_with(".jsonl") {
            for line in text.lines() {
                serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{path}: {e}\n{line}"));
            }
        }
    }
});
