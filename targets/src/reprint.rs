//! The one regex reprinter: a Scalpel regex (Rust `regex` syntax and semantics, see
//! `ir::eval`) → a pattern for another engine, meaning the same. Used by every target
//! whose engine reads a regex of its own flavour: KQL (`matches regex`, RE2), Splunk
//! (`match()`, PCRE2) and Sigma (`|re`, PCRE by the specification).
//!
//! The pattern is parsed to regex-syntax's HIR, where `\d`, `\s`, `\w` and `.` are
//! already the explicit Unicode classes Rust uses, and printed back in the subset RE2
//! and PCRE read alike: classes as ranges (their `\d\s\w` are ASCII-only, so they are
//! never written), `^`/`$` as `\A`/`\z` (PCRE's `$` also matches before a final
//! newline), captures as plain groups. Case-insensitivity is a leading `(?i)` (both
//! fold case with Unicode simple folding, as Rust does); when the pattern sets flags
//! inline, folding is expanded into the classes instead. Unicode word boundaries and
//! a few other constructs have no form in either: they are printed as the nearest
//! construct and reported ([`Reprinted::inexact`]).

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// A reprinted pattern and what it could not say exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reprinted {
    pub pattern: String,
    pub inexact: Vec<&'static str>,
}

/// Why a Sigma pattern's `$` is inexact (W0561 rather than W0509).
pub const SIGMA_END_ANCHOR: &str = "the end of the value: PCRE's and Python's `$` also match before a final newline";

/// The engine a pattern is printed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// KQL's `matches regex`.
    Re2,
    /// Splunk's `match()` (PCRE2).
    Pcre,
    /// Sigma's `|re`: PCRE by the specification, but every consumer must read it —
    /// pySigma checks each pattern with Python's `re`, sigma-rust runs Rust's `regex`,
    /// pySigma's Kusto backend hands it to RE2. So only what all of them read alike is
    /// written: `^`, plain `(…)` groups, `\xhh` escapes, characters as themselves; no
    /// `\A`, `\z` or `\x{…}`, which Python rejects. The end anchor stays `$`, which
    /// PCRE and Python also match before a final newline (reported inexact).
    Sigma,
}

impl Flavour {
    /// The largest counted repetition the engine accepts (RE2: 1000, PCRE2: 65535).
    fn max_repeat(self) -> u32 {
        match self {
            Flavour::Re2 | Flavour::Sigma => 1000,
            Flavour::Pcre => 65_535,
        }
    }

    fn open_group(self) -> &'static str {
        match self {
            Flavour::Re2 | Flavour::Pcre => "(?:",
            Flavour::Sigma => "(",
        }
    }
}

/// Translates a pattern `sema` accepted. `None` only if it no longer parses.
pub fn reprint(pattern: &str, case_insensitive: bool, flavour: Flavour) -> Option<Reprinted> {
    let inline_flags = sets_flags_inline(pattern);
    let hir = regex_syntax::ParserBuilder::new()
        .case_insensitive(case_insensitive && inline_flags)
        .build()
        .parse(pattern)
        .ok()?;
    let mut printer = Printer { out: String::new(), inexact: Vec::new(), flavour };
    if case_insensitive && !inline_flags {
        printer.out.push_str("(?i)");
    }
    printer.print(&hir, Context::Alternative);
    printer.inexact.sort_unstable();
    printer.inexact.dedup();
    Some(Reprinted { pattern: printer.out, inexact: printer.inexact })
}

/// A pattern for a PCRE engine (Splunk's `match()`, Sigma's `|re`); a pattern that no
/// longer parses (unreachable after sema) is passed on as it is, reported inexact.
pub fn pcre(pattern: &str, case_insensitive: bool) -> Reprinted {
    reprint(pattern, case_insensitive, Flavour::Pcre).unwrap_or_else(|| Reprinted {
        pattern: format!("{}{pattern}", if case_insensitive { "(?i)" } else { "" }),
        inexact: vec!["a pattern the regex parser no longer reads"],
    })
}

/// Whether the pattern may hold `(?flags)` or `(?flags:…)`; a false positive
/// (say, `\(?i`) only makes the output longer, never different in meaning.
fn sets_flags_inline(pattern: &str) -> bool {
    pattern.match_indices("(?").any(|(i, _)| pattern[i + 2..].starts_with(|c: char| "imsxuUR-".contains(c)))
}

/// Where a sub-expression is printed, i.e. how tightly it must bind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Alternative,
    Concat,
    Repeated,
}

struct Printer {
    out: String,
    inexact: Vec<&'static str>,
    flavour: Flavour,
}

impl Printer {
    fn print(&mut self, hir: &Hir, ctx: Context) {
        match hir.kind() {
            HirKind::Empty => {
                self.out.push_str(self.flavour.open_group());
                self.out.push(')');
            }
            HirKind::Literal(literal) => {
                let text = String::from_utf8_lossy(&literal.0);
                let group = ctx == Context::Repeated && text.chars().count() > 1;
                self.group(group, |p| text.chars().for_each(|c| p.char(c)));
            }
            HirKind::Class(Class::Unicode(class)) => {
                let mut negated = class.clone();
                negated.negate();
                let ranges = |c: &regex_syntax::hir::ClassUnicode| -> Vec<(char, char)> {
                    c.iter().map(|r| (r.start(), r.end())).collect()
                };
                let (ranges, negate) = if negated.ranges().len() < class.ranges().len() {
                    (ranges(&negated), true)
                } else {
                    (ranges(class), false)
                };
                self.class(&ranges, negate);
            }
            HirKind::Class(Class::Bytes(class)) => {
                if class.ranges().iter().any(|r| r.end() > 0x7f) {
                    self.inexact.push("a byte class (`(?-u)`) outside ASCII");
                }
                let ranges: Vec<(char, char)> =
                    class.iter().map(|r| (char::from(r.start().min(0x7f)), char::from(r.end().min(0x7f)))).collect();
                self.class(&ranges, false);
            }
            HirKind::Look(look) => self.look(*look),
            HirKind::Repetition(repetition) => {
                self.group(ctx == Context::Repeated, |p| {
                    p.print(&repetition.sub, Context::Repeated);
                    let limit = p.flavour.max_repeat();
                    if repetition.min > limit || repetition.max.is_some_and(|m| m > limit) {
                        p.inexact.push(match p.flavour {
                            Flavour::Re2 | Flavour::Sigma => "a counted repetition above 1000 (RE2's limit)",
                            Flavour::Pcre => "a counted repetition above 65535 (PCRE's limit)",
                        });
                    }
                    let quantifier = match (repetition.min, repetition.max) {
                        (0, Some(1)) => "?".to_string(),
                        (0, None) => "*".to_string(),
                        (1, None) => "+".to_string(),
                        (min, None) => format!("{{{min},}}"),
                        (min, Some(max)) if min == max => format!("{{{min}}}"),
                        (min, Some(max)) => format!("{{{min},{max}}}"),
                    };
                    p.out.push_str(&quantifier);
                    if !repetition.greedy {
                        p.out.push('?');
                    }
                });
            }
            // Captures do not change what a search matches.
            HirKind::Capture(capture) => self.print(&capture.sub, ctx),
            HirKind::Concat(parts) => {
                self.group(ctx == Context::Repeated, |p| parts.iter().for_each(|h| p.print(h, Context::Concat)));
            }
            HirKind::Alternation(parts) => self.group(ctx != Context::Alternative, |p| {
                for (i, h) in parts.iter().enumerate() {
                    if i > 0 {
                        p.out.push('|');
                    }
                    p.print(h, Context::Alternative);
                }
            }),
        }
    }

    fn group(&mut self, wrap: bool, body: impl FnOnce(&mut Self)) {
        if wrap {
            self.out.push_str(self.flavour.open_group());
        }
        body(self);
        if wrap {
            self.out.push(')');
        }
    }

    fn class(&mut self, ranges: &[(char, char)], negate: bool) {
        if ranges.is_empty() {
            // Matches nothing: every character is excluded.
            self.out.push_str(if negate { "[" } else { "[^" });
            self.char('\0');
            self.out.push('-');
            self.char(char::MAX);
            self.out.push(']');
            return;
        }
        self.out.push('[');
        if negate {
            self.out.push('^');
        }
        for &(start, end) in ranges {
            self.char(start);
            if end != start {
                if u32::from(end) != u32::from(start) + 1 {
                    self.out.push('-');
                }
                self.char(end);
            }
        }
        self.out.push(']');
    }

    fn look(&mut self, look: Look) {
        let sigma = self.flavour == Flavour::Sigma;
        let (text, exact) = match look {
            Look::Start if sigma => ("^", true),
            Look::End if sigma => ("$", false),
            Look::Start => (r"\A", true),
            Look::End => (r"\z", true),
            Look::StartLF => ("(?m:^)", true),
            Look::EndLF => ("(?m:$)", true),
            Look::StartCRLF => ("(?m:^)", false),
            Look::EndCRLF => ("(?m:$)", false),
            Look::WordAscii => (r"\b", true),
            Look::WordAsciiNegate => (r"\B", true),
            Look::WordUnicodeNegate | Look::WordStartHalfUnicode | Look::WordEndHalfUnicode => (r"\B", false),
            _ => (r"\b", false),
        };
        if !exact {
            self.inexact.push(match look {
                Look::StartCRLF | Look::EndCRLF => "CRLF-aware `^`/`$` (`(?R)`)",
                Look::End => SIGMA_END_ANCHOR,
                _ => "a Unicode word boundary (RE2's and PCRE's `\\b` know ASCII letters only)",
            });
        }
        self.out.push_str(text);
    }

    /// One character: alphanumerics and visible non-ASCII as themselves, ASCII
    /// punctuation backslash-escaped (RE2 and PCRE read `\` + punctuation as the
    /// literal), anything else as `\x{…}` so the pattern holds no invisible character.
    /// For Sigma: `<` and `>` bare (Rust reads `\<` as a word start), others below
    /// U+0100 as `\xhh`, the rest as themselves (Python has no `\x{…}`; the YAML
    /// serializer escapes what is invisible).
    fn char(&mut self, c: char) {
        let visible = c.is_ascii_alphanumeric() || (!c.is_ascii() && !c.is_whitespace() && !crate::quote::invisible(c));
        let sigma = self.flavour == Flavour::Sigma;
        if visible || (sigma && (matches!(c, '<' | '>') || u32::from(c) > 0xff)) {
            self.out.push(c);
        } else if c.is_ascii_punctuation() {
            self.out.push('\\');
            self.out.push(c);
        } else if sigma {
            self.out.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else {
            self.out.push_str(&format!("\\x{{{:x}}}", u32::from(c)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn to_re2(pattern: &str, ci: bool) -> Option<Reprinted> {
        reprint(pattern, ci, Flavour::Re2)
    }

    fn re2(pattern: &str, ci: bool) -> String {
        let out = to_re2(pattern, ci).expect("parses");
        assert!(out.inexact.is_empty(), "{pattern}: {:?}", out.inexact);
        out.pattern
    }

    #[test]
    fn anchors_and_groups() {
        assert_eq!(re2(r"^v1\.[0-9]+$", false), r"\Av1\.[0-9]+\z");
        assert_eq!(re2("adm", true), "(?i)adm");
        assert_eq!(re2("(ab)+|c", false), "(?:ab)+|c");
        assert_eq!(re2("a(bc|d)e", false), "a(?:bc|d)e");
        assert_eq!(re2("(?m)^a$", false), "(?m:^)a(?m:$)");
        assert_eq!(re2("x{2,5}?", false), "x{2,5}?");
    }

    #[test]
    fn unicode_classes_are_explicit() {
        // Rust's `.` is any character but `\n`; RE2's `\s` would be ASCII-only.
        assert_eq!(re2("a.b", false), r"a[^\x{a}]b");
        let spaces = re2(r"\s", false);
        assert!(spaces.contains(r"\x{a0}") && spaces.contains(r"\x{3000}"), "{spaces}");
        assert_eq!(re2(r"\d", false).chars().filter(|c| *c == '-').count(), 71, "every Unicode Nd range");
    }

    #[test]
    fn inline_flags_expand_case_folding() {
        assert_eq!(re2("a(?-i:b)", true), "[Aa]b");
        assert_eq!(re2("(?i)k", false), "[Kk\u{212a}]");
    }

    #[test]
    fn word_boundaries_are_reported() {
        let out = to_re2(r"(wget|curl)\b", true).expect("parses");
        assert_eq!(out.pattern, r"(?i)(?:wget|curl)\b");
        assert_eq!(out.inexact.len(), 1);
        assert!(to_re2(r"(?-u:\b)x", false).expect("parses").inexact.is_empty());
    }

    #[test]
    fn invisible_and_special_characters_are_escaped() {
        assert_eq!(re2("a\u{202e}\0\n b", false), r"a\x{202e}\x{0}\x{a}\x{20}b");
        assert_eq!(re2(r"[\]\-^]", false), r"[\-\]\^]");
        assert_eq!(re2("é", false), "é");
    }

    fn sigma(pattern: &str, ci: bool) -> Reprinted {
        reprint(pattern, ci, Flavour::Sigma).expect("parses")
    }

    #[test]
    fn sigma_patterns_use_what_python_pcre_rust_and_re2_share() {
        assert_eq!(sigma(r"^v1\.[0-9]+", false).pattern, r"^v1\.[0-9]+");
        assert_eq!(sigma("a.b", false).pattern, r"a[^\x0a]b");
        assert_eq!(sigma("(ab)+|c", false).pattern, "(ab)+|c");
        assert_eq!(sigma("a<b>\u{202e}\t", false).pattern, "a<b>\u{202e}\\x09");
        let digits = sigma(r"\d", false).pattern;
        assert!(digits.starts_with("[0-9٠-٩") && !digits.contains(r"\x{"), "{digits}");
        let end = sigma("a$", false);
        assert_eq!(end.pattern, "a$");
        assert_eq!(end.inexact.len(), 1, "PCRE's `$` also matches before a final newline");
        assert_eq!(sigma("(?m)^a$", false).pattern, "(?m:^)a(?m:$)");
        assert!(sigma("(?m)^a$", false).inexact.is_empty());
    }

    proptest! {
        /// Sigma patterns mean what the source means under Rust's engine (sigma-rust's),
        /// `$` included: there it is the end of the value.
        #[test]
        fn sigma_patterns_match_the_same_strings(
            pattern in "(\\^|\\$|[ab.<>#~&-]|\\\\d|\\\\s|\\\\w|\\(a\\|b\\)|\\[a-c\\]|[*+?]){1,8}",
            text in "[abcé1 \t\n٣<>#~&-]{0,8}",
            ci in any::<bool>(),
        ) {
            if let Ok(source) = regex::RegexBuilder::new(&pattern).case_insensitive(ci).build() {
                let printed = sigma(&pattern, ci).pattern;
                let ours = regex::Regex::new(&printed).expect("printed pattern parses");
                prop_assert_eq!(source.is_match(&text), ours.is_match(&text), "{} -> {}", pattern, printed);
            }
        }

        /// Printed patterns mean what the source means, checked with Rust's engine
        /// (RE2 shares the printed syntax) on strings drawn from the pattern's alphabet.
        #[test]
        fn printed_patterns_match_the_same_strings(
            pattern in "(\\^|\\$|[ab.]|\\\\d|\\\\s|\\(a\\|b\\)|\\[a-c\\]|[*+?]){1,8}",
            text in "[abcé1 \n٣]{0,8}",
            ci in any::<bool>(),
        ) {
            if let Ok(source) = regex::RegexBuilder::new(&pattern).case_insensitive(ci).build() {
                let printed = to_re2(&pattern, ci).expect("parses").pattern;
                let ours = regex::Regex::new(&printed).expect("printed pattern parses");
                prop_assert_eq!(source.is_match(&text), ours.is_match(&text), "{} -> {}", pattern, printed);
            }
        }
    }
}
