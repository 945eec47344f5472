//! The one JSON reader for text a user gives (scenario files and decoded share codes): it
//! parses with `serde_json` through `serde_path_to_error`, so an error names the path of the
//! bad value (`actors[0].prefetch_count`) and says what is wrong in plain words ("must be a
//! whole number from 0 to 65535, got 70000") instead of serde's type names.
//!
//! Invariants: never panics, whatever the text; an error quotes user text (names, keys,
//! strings) at most `QUOTE_CHARS_MAX` characters long (see `shorten`); text that is not JSON
//! at all keeps the parser's line and column.

use super::ScenarioError;
use serde::de::DeserializeOwned;
use std::borrow::Cow;

/// Longer user text is cut to this many characters plus an ellipsis when an error quotes it.
pub const QUOTE_CHARS_MAX: usize = 40;

/// Why a text could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// What is wrong, as `field: problem`: the path of the bad value (empty when the text is
    /// not JSON, or the whole document is the wrong kind of value) and the problem.
    pub error: ScenarioError,
    /// The text is not JSON at all (a syntax error or cut short), rather than JSON with a
    /// value that does not fit.
    pub syntax: bool,
    /// Where the parser stopped (1-based line; 0 when unknown).
    pub line: usize,
    pub column: usize,
}

/// Parse `text` (an optional UTF-8 byte order mark first is skipped) as a `T`.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let mut error = located(Some(e.path()), e.inner());
        // serde_json says "expected value" (a syntax error) when a name (an enum such as
        // `overflow`) is given as a number, a boolean or a list. If the text is JSON after all,
        // it is that: a value of the wrong kind at the path.
        let path = path_of(e.path());
        if error.syntax && !path.is_empty() && error.error.problem == "expected value" && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            error = JsonError { error: ScenarioError { field: path, problem: "must be one of its names, in double quotes".into() }, syntax: false, ..error };
        }
        error
    })?;
    de.end().map_err(|e| located(None, &e))?;
    Ok(value)
}

/// Parse an already parsed JSON value as a `T` (used to look inside a value that serde
/// buffers, such as an internally tagged enum, where the path is otherwise lost).
pub fn parse_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ScenarioError> {
    serde_path_to_error::deserialize(value).map_err(|e| located(Some(e.path()), e.inner()).error)
}

/// `text` cut to `QUOTE_CHARS_MAX` characters with an ellipsis, for quoting in an error.
pub fn shorten(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(QUOTE_CHARS_MAX) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

/// `text` shortened and quoted like `{:?}` (`"ghost"`), for an error that names user text.
pub fn quoted(text: &str) -> String {
    format!("{:?}", shorten(text).as_ref())
}

/// The error with its path and the problem in plain words.
fn located(path: Option<&serde_path_to_error::Path>, inner: &serde_json::Error) -> JsonError {
    use serde_json::error::Category;
    let syntax = matches!(inner.classify(), Category::Syntax | Category::Eof | Category::Io);
    let (line, column) = (inner.line(), inner.column());
    let message = inner.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = message.strip_suffix(&suffix).unwrap_or(&message);
    let field = path.map(path_of).unwrap_or_default();
    if message == "trailing characters" && !field.is_empty() {
        // serde_json's word for a list with more items than the value takes.
        return JsonError { error: ScenarioError { field, problem: "has too many items".into() }, syntax: false, line, column };
    }
    if syntax {
        return JsonError { error: ScenarioError { field: String::new(), problem: message.to_string() }, syntax, line, column };
    }
    let mut field = field;
    let problem = plain(message, &mut field);
    JsonError { error: ScenarioError { field, problem }, syntax, line, column }
}

/// `actors[0].prefetch_count`: map keys shortened (an unknown key is user text).
fn path_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut text = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => text.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(&shorten(key));
            }
            Segment::Unknown => break,
        }
    }
    text
}

fn join(field: &str, key: &str) -> String {
    if field.is_empty() {
        key.to_string()
    } else {
        format!("{field}.{key}")
    }
}

/// serde's message in plain words; a missing or duplicate field moves into `field`.
fn plain(message: &str, field: &mut String) -> String {
    if let Some(rest) = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: ")) {
        if let Some(at) = rest.rfind(", expected ") {
            let (unexpected, expected) = (&rest[..at], &rest[at + ", expected ".len()..]);
            return format!("must be {}{}", expected_words(expected), got(unexpected));
        }
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        if let Some((count, expected)) = rest.split_once(", expected ") {
            return format!("must be {}, got {count} item(s)", expected_words(expected));
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        // The name is user text and may itself contain a backtick: the list after it is ours.
        return match rest.rfind("`, expected ").or_else(|| rest.rfind("`, there are no ")) {
            Some(end) => format!("unknown variant `{}`{}", shorten(&rest[..end]), &rest[end + 1..]),
            None => format!("unknown variant `{}`", shorten(rest.trim_end_matches('`'))),
        };
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        // The path already ends with the field's name (shortened): `colour: unknown field, ...`.
        let (name, list) = match rest.rfind("`, expected ").or_else(|| rest.rfind("`, there are no ")) {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest.trim_end_matches('`'), ""),
        };
        let name = shorten(name);
        if !field.ends_with(name.as_ref()) {
            *field = join(field, &name);
        }
        return format!("unknown field{list}");
    }
    for (prefix, problem) in [("missing field `", "missing (required)"), ("duplicate field `", "given twice")] {
        if let Some(name) = message.strip_prefix(prefix).and_then(|r| r.strip_suffix('`')) {
            *field = join(field, &shorten(name));
            return problem.to_string();
        }
    }
    shorten_long(message)
}

/// Any other message, cut if a user string made it long.
fn shorten_long(message: &str) -> String {
    const MAX: usize = 200;
    shorten_to(message, MAX).into_owned()
}

fn shorten_to(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

/// serde's "expected ..." as what the value must be.
fn expected_words(expected: &str) -> String {
    let whole = |min: &str, max: &str| format!("a whole number from {min} to {max}");
    match expected {
        "u8" => whole("0", "255"),
        "u16" => whole("0", "65535"),
        "u32" => whole("0", "4294967295"),
        "u64" => whole("0", "18446744073709551615"),
        "usize" => whole("0", &usize::MAX.to_string()),
        "i8" => whole("-128", "127"),
        "i16" => whole("-32768", "32767"),
        "i32" => whole("-2147483648", "2147483647"),
        "i64" => whole("-9223372036854775808", "9223372036854775807"),
        "f32" | "f64" => "a number".into(),
        "a boolean" => "true or false".into(),
        "a string" | "a borrowed string" | "a character" | "a char" => "text in double quotes".into(),
        "a sequence" => "a list [...]".into(),
        _ => {
            if let Some(n) = expected.strip_prefix("a tuple of size ") {
                format!("a list of {n} items")
            } else if let Some(n) = expected.strip_prefix("tuple variant ").and_then(|r| r.split_once(" with ")).map(|(_, n)| n) {
                format!("a list of {}", n.replace("elements", "items"))
            } else if expected.starts_with("tuple") || expected.ends_with("sequence") {
                "a list [...]".into()
            } else if expected.starts_with("struct ") || expected.starts_with("internally tagged enum") || expected.starts_with("a map") {
                "an object {...}".into()
            } else if expected.starts_with("enum ") {
                "one of the names this field takes (text, or an object with one key)".into()
            } else {
                expected.to_string()
            }
        }
    }
}

/// ", got 256" for serde's description of the value found (user text shortened; a huge
/// number, which serde_json reads as a float, is not echoed).
fn got(unexpected: &str) -> String {
    let strip = |prefix: &str| unexpected.strip_prefix(prefix).and_then(|r| r.strip_suffix('`'));
    if let Some(n) = strip("integer `") {
        return format!(", got {n}");
    }
    if let Some(x) = strip("floating point `") {
        // Echo a plain fraction (`1.5`); not an exponent form, which is what serde_json
        // makes of a whole number too large for u64 (`1.8446744073709552e19`).
        let plain = x.len() <= 20 && !x.contains(['e', 'E']);
        return if plain { format!(", got {x}") } else { String::new() };
    }
    if let Some(b) = strip("boolean `") {
        return format!(", got {b}");
    }
    if let Some(s) = unexpected.strip_prefix("string ") {
        // Already `{:?}`-quoted by serde: cut it, keeping the closing quote.
        let inner = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(s);
        return format!(", got \"{}\"", shorten(inner));
    }
    match unexpected {
        "null" | "unit value" => ", got null".into(),
        "map" => ", got an object".into(),
        "sequence" => ", got a list".into(),
        other => format!(", got {}", shorten(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_cuts_long_text_on_a_character_boundary() {
        assert_eq!(shorten("ghost"), "ghost");
        let long = "é".repeat(100);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), QUOTE_CHARS_MAX + 1);
        assert!(short.ends_with('…'));
        assert_eq!(quoted(&"x".repeat(1000)), format!("\"{}…\"", "x".repeat(QUOTE_CHARS_MAX)));
    }
}
