//! Pest errors in words a person uses.
//!
//! Pest reports the rules it tried at the furthest position it reached; rule names
//! are an implementation detail, so each maps to a phrase, and common slips from
//! other languages (`=`, `&&`, `'...'`) get a targeted `help:`.

use super::Rule;
use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use pest::error::{Error, ErrorVariant, InputLocation};

/// The byte offset in the file where pest stopped, for an error from parsing the
/// text that starts at `offset` (error recovery parses items alone).
pub fn position(text: &str, offset: usize, err: &Error<Rule>) -> usize {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((p, _)) => p,
    };
    (offset + pos).min(text.len())
}

/// The diagnostic for a pest error; `text` is the whole file, `offset` where the
/// parsed part of it starts.
pub fn describe(file: FileId, text: &str, offset: usize, err: &Error<Rule>) -> Diagnostic {
    let pos = position(text, offset, err);
    let found = found_token(text, pos);
    let span = Span::new(file, pos, pos + found.len());
    let (expected, keywords) = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => (expected_phrase(positives), expected_keywords(positives)),
        ErrorVariant::CustomError { message } => (message.clone(), Vec::new()),
    };
    if let Some(block) = unquoted_cidr(&text[pos..]) {
        return Diagnostic::new(Code::Syntax, format!("expected {expected}, found the unquoted CIDR block `{block}`"))
            .primary(Span::new(file, pos, pos + block.len()), "a CIDR block is written as a string")
            .help(format!("quote it: `\"{block}\"`"))
            .fix(format!("\"{block}\""));
    }
    let found_words = if found.is_empty() { "end of file".to_string() } else { format!("`{}`", found.escape_debug()) };
    let mut diag = Diagnostic::new(Code::Syntax, format!("expected {expected}, found {found_words}"))
        .primary(span, format!("expected {expected}"));
    if let Some(help) = slip_help(found) {
        diag = diag.help(help);
        if let Some(fix) = slip_fix(found) {
            diag = diag.fix(fix);
        }
    } else if let Some(keyword) = misspelt_keyword(found, &keywords) {
        diag = diag.help(format!("did you mean `{keyword}`?")).fix(keyword);
    }
    diag
}

/// `10.0.0.0/8` or `fd00::/8` written without quotes, at the start of `rest`.
fn unquoted_cidr(rest: &str) -> Option<&str> {
    let len = rest.find(|c: char| !(c.is_ascii_hexdigit() || matches!(c, '.' | ':' | '/'))).unwrap_or(rest.len());
    let candidate = &rest[..len];
    let (address, prefix) = candidate.split_once('/')?;
    let address_like = address.parse::<std::net::IpAddr>().is_ok()
        || (address.contains('.') && address.chars().all(|c| c.is_ascii_digit() || c == '.'));
    (address_like && !prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_digit())).then_some(candidate)
}

/// The expected keyword a mistyped word was most likely meant to be (`detec`).
fn misspelt_keyword<'k>(found: &str, keywords: &[&'k str]) -> Option<&'k str> {
    if found.is_empty() || !found.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    crate::diag::suggest::closest(found, keywords.iter().copied()).filter(|k| *k != found)
}

/// The keywords among the rules pest expected.
fn expected_keywords(rules: &[Rule]) -> Vec<&'static str> {
    let mut words: Vec<&str> = rules
        .iter()
        .filter_map(|r| rule_words(*r))
        .flat_map(|phrase| phrase.split(", "))
        .filter_map(|w| w.strip_prefix('`')?.strip_suffix('`'))
        .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic() || c == '_'))
        .collect();
    words.sort_unstable();
    words.dedup();
    words
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

/// The replacement a slip has one of (`!` has two, `'...'` needs the whole string).
fn slip_fix(found: &str) -> Option<&'static str> {
    Some(match found {
        "=" => "==",
        "&&" | "AND" => "and",
        "||" | "OR" => "or",
        "NOT" => "not",
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
        kw_none | no_technique => "`none \"reason\"`",
        kw_source => "`source`",
        kw_severity => "`severity`",
        kw_falsepos => "`falsepositive`",
        kw_detect => "`detect`",
        kw_undetect => "`undetectable`",
        kw_threshold => "`threshold`",
        kw_each => "`each`",
        kw_count => "`count`",
        kw_distinct => "`distinct`",
        kw_within => "`within`",
        kw_by => "`by`",
        kw_unit => "`unit`",
        kw_range => "`range`",
        kw_typical | typical_attr => "`typical`",
        kw_order | order_decl => "`order`",
        order_op => "`<` or `<=`",
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
        kw_exclude | exclusion => "`exclude`",
        kw_on => "`on`",
        kw_reason | reason => "`reason`",
        kw_owner | owner => "`owner`",
        kw_expires | expires => "`expires`",
        kw_where | exclude_where => "`where`",
        scope | rule_scope | schema_scope => "a flow id, `flow.step` or `schema name`",
        date => "a day like `2027-03-01`",
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
        seq_step | seq_occurrence => "a step id",
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
