//! Pest errors in words a person uses.
//!
//! Pest reports the rules it tried at the furthest position it reached; rule names
//! are an implementation detail, so each maps to a phrase, and common slips from
//! other languages (`=`, `&&`, `'...'`) get a targeted `help:`.

use super::Rule;
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use pest::error::{Error, ErrorVariant, InputLocation};

pub fn describe(file: FileId, text: &str, err: &Error<Rule>) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((p, _)) => p,
    }
    .min(text.len());
    let found = found_token(text, pos);
    let span = Span::new(file, pos, pos + found.len());
    let expected = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => expected_phrase(positives),
        ErrorVariant::CustomError { message } => message.clone(),
    };
    let found_words = if found.is_empty() { "end of file".to_string() } else { format!("`{}`", found.escape_debug()) };
    let mut diag = Diagnostic::new(Code::Syntax, format!("expected {expected}, found {found_words}"))
        .primary(span, format!("expected {expected}"));
    if let Some(help) = slip_help(found) {
        diag = diag.help(help);
    }
    diag
}

/// The token at `pos` as the user would see it: a word, an operator or one character.
fn found_token(text: &str, pos: usize) -> &str {
    let rest = &text[pos..];
    let word_len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '.' || *c == '-'))
        .map_or(rest.len(), |(i, _)| i);
    if word_len > 0 {
        return &rest[..word_len];
    }
    for op in ["==", "!=", "<=", ">=", "&&", "||", "->", ".."] {
        if rest.starts_with(op) {
            return &rest[..op.len()];
        }
    }
    rest.chars().next().map_or("", |c| &rest[..c.len_utf8()])
}

/// Help for mistakes carried over from other languages.
fn slip_help(found: &str) -> Option<&'static str> {
    Some(match found {
        "=" => "use `==` to compare a field with a value",
        "&&" => "use `and` to combine conditions",
        "||" => "use `or` for alternatives",
        "!" => "use `not` to negate, or `!=` to compare",
        "'" => "strings use double quotes: \"...\"",
        "=~" | "~" => "use `matches /regex/` or a `cased` comparison",
        "AND" | "OR" | "NOT" => "operators are lowercase: `and`, `or`, `not`",
        _ => return None,
    })
}

fn expected_phrase(rules: &[Rule]) -> String {
    let mut words: Vec<&str> = rules.iter().filter_map(|r| rule_words(*r)).collect();
    words.sort_unstable();
    words.dedup();
    match words.len() {
        0 => "something else".to_string(),
        1 => words[0].to_string(),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

/// The phrase for each rule pest may report; `None` hides internal rules.
fn rule_words(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "end of file",
        ident => "a name",
        field_name => "a field name",
        kw_schema => "`schema`",
        kw_flow => "`flow`",
        kw_step => "`step`",
        kw_sequence => "`sequence`",
        kw_category => "`category`",
        kw_origin => "`origin`",
        kw_description => "`description`",
        kw_reference => "`reference`",
        kw_technique => "`technique`",
        kw_source => "`source`",
        kw_severity => "`severity`",
        kw_falsepos => "`falsepositive`",
        kw_detect => "`detect`",
        kw_undetect => "`undetectable`",
        kw_threshold => "`threshold`",
        kw_count => "`count`",
        kw_distinct => "`distinct`",
        kw_within => "`within`",
        kw_by => "`by`",
        kw_unit => "`unit`",
        kw_range => "`range`",
        kw_event_time => "`event_time`",
        kw_enum | enum_type => "`enum(...)`",
        kw_and => "`and`",
        kw_or => "`or`",
        kw_not | negation => "`not`",
        kw_in | in_list | not_in_list => "`in`",
        kw_cidr => "`cidr`",
        kw_contains | kw_startswith | kw_endswith | text_op => "`contains`, `startswith`, `endswith`",
        kw_all => "`all`",
        kw_matches => "`matches`",
        kw_exists => "`exists`",
        kw_cased | cased => "`cased`",
        kw_true | kw_false | boolean => "`true` or `false`",
        string => "a string",
        regex => "a regular expression `/.../`",
        regex_body => "a pattern",
        number => "a number",
        ipv4 => "an IP address",
        duration => "a duration like `5m`",
        technique_id => "an ATT&CK id like `T1565.003`",
        field_type => "a type",
        field | schema => "a field declaration",
        cmp_op | compare => "a comparison operator",
        list => "a list `[...]`",
        value => "a value",
        expr | or_expr | and_expr | unary | group | predicate => "a condition",
        aggregate | count_agg | distinct_agg => "`count` or `distinct FIELD`",
        group_by => "`by`",
        seq_step => "a step id",
        lbrace => "`{`",
        rbrace => "`}`",
        lparen => "`(`",
        rparen => "`)`",
        lbracket => "`[`",
        rbracket => "`]`",
        arrow => "`->`",
        dots => "`..`",
        _ => return None,
    })
}
