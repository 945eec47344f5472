//! The one JSON reader for text a user gives (scenario files and decoded share codes): it
//! parses with `serde_json`, and on an error finds the path of the bad value
//! (`actors[0].prefetch_count`) from where the parser stopped, and says what is wrong in plain
//! words ("must be a whole number from 0 to 65535, got 70000") instead of serde's type names.
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
///
/// The path of a bad value is found from where serde_json stopped (`locate`), not by a
/// tracking deserializer: that would be instantiated again for every type read (about 25 KB
/// of gzipped wasm), where this is one small scanner.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|e| {
        let path = locate(text, offset_of(text, e.line(), e.column()));
        let mut error = located(Some(&path), &e);
        // serde_json says "expected value" (a syntax error) when a name (an enum such as
        // `overflow`) is given as a number, a boolean or a list. If the text is JSON after all,
        // it is that: a value of the wrong kind at the path.
        if error.syntax && !path.is_empty() && error.error.problem == "expected value" && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            error = JsonError { error: ScenarioError { field: path, problem: "must be one of its names, in double quotes".into() }, syntax: false, ..error };
        }
        error
    })
}

/// The byte offset of serde_json's (1-based line, column), clamped to the text.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start = if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2).map_or(text.len(), |(i, _)| i + 1) };
    (start + column).min(text.len())
}

/// The path (`actors[0].prefetch_count`) of the value being read at byte `offset` of a JSON
/// text: the keys and indexes of the objects and lists open there. Map keys are shortened
/// (an unknown key is user text). Never panics, whatever the text.
pub fn locate(text: &str, offset: usize) -> String {
    enum Frame {
        Object { key: Option<String> },
        List { index: usize },
    }
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    // After a ':' inside an object the next string is a value, not a key.
    let mut expecting_value = false;
    while i < end {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let string = text.get(start..i.min(bytes.len())).unwrap_or("");
                if let Some(Frame::Object { key }) = stack.last_mut() {
                    if !expecting_value {
                        *key = Some(string.to_string());
                    }
                }
            }
            b'{' => {
                stack.push(Frame::Object { key: None });
                expecting_value = false;
            }
            b'[' => {
                stack.push(Frame::List { index: 0 });
                expecting_value = true;
            }
            b'}' | b']' => {
                stack.pop();
                expecting_value = matches!(stack.last(), Some(Frame::List { .. }));
            }
            b':' => expecting_value = true,
            b',' => match stack.last_mut() {
                Some(Frame::List { index }) => *index += 1,
                Some(Frame::Object { key }) => {
                    *key = None;
                    expecting_value = false;
                }
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::List { index } => path.push_str(&format!("[{index}]")),
            Frame::Object { key: Some(key) } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&shorten(key));
            }
            Frame::Object { key: None } => {}
        }
    }
    path
}

/// `text` cut to `QUOTE_CHARS_MAX` characters with an ellipsis, for quoting in an error.
pub fn shorten(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(QUOTE_CHARS_MAX) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

/// `text` as a JSON string literal, escaped exactly as `serde_json` writes it (`"`, `\\` and
/// the control characters; the rest as it is), without `serde_json::Value`'s writer (which
/// brings number formatting into the page's first wasm module).
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xf] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` shortened and quoted like `{:?}` (`"ghost"`), for an error that names user text.
pub fn quoted(text: &str) -> String {
    format!("{:?}", shorten(text).as_ref())
}

/// The error with its path and the problem in plain words.
fn located(path: Option<&String>, inner: &serde_json::Error) -> JsonError {
    use serde_json::error::Category;
    let syntax = matches!(inner.classify(), Category::Syntax | Category::Eof | Category::Io);
    let (line, column) = (inner.line(), inner.column());
    let message = inner.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = message.strip_suffix(&suffix).unwrap_or(&message);
    let field = path.cloned().unwrap_or_default();
    if message == "trailing characters" && !field.is_empty() {
        // serde_json's word for a list with more items than the value takes (it stopped at
        // the first extra item: the path names the list).
        let list = match field.rfind('[') {
            Some(at) if field.ends_with(']') => field[..at].to_string(),
            _ => field,
        };
        return JsonError { error: ScenarioError { field: list, problem: "has too many items".into() }, syntax: false, line, column };
    }
    if syntax {
        return JsonError { error: ScenarioError { field: String::new(), problem: message.to_string() }, syntax, line, column };
    }
    let mut field = field;
    let problem = plain(message, &mut field);
    JsonError { error: ScenarioError { field, problem }, syntax, line, column }
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
        let (name, list) = match rest.rfind("`, expected ").or_else(|| rest.rfind("`, there are no ")) {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest.trim_end_matches('`'), ""),
        };
        // An enum written as `{"variant": ...}`: the path ends with the variant's name, which
        // is the wrong value, not a field.
        if let Some(parent) = field.strip_suffix(shorten(name).as_ref()).and_then(|p| p.strip_suffix('.')) {
            *field = parent.to_string();
        }
        return format!("unknown variant `{}`{list}", shorten(name));
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
mod string_literal_tests {
    #[test]
    fn string_literal_is_serde_json_s() {
        for text in ["", "dlx", "a\"b\\c", "line\nnext\r\t\u{8}\u{c}", "\u{0}\u{1f}\u{7f}", "死信 é 🐇", "'quote'"] {
            assert_eq!(super::string_literal(text), serde_json::Value::from(text).to_string(), "{text:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_names_the_value_being_read_and_never_panics() {
        let text = r#"{"a":{"b":[1,{"c":"x\"]}"},2],"d":3}}"#;
        let at = |needle: &str| text.find(needle).unwrap() + needle.len();
        assert_eq!(locate(text, at("[1")), "a.b[0]");
        assert_eq!(locate(text, at(r#""c":"x\"]}""#)), "a.b[1].c");
        assert_eq!(locate(text, at(",2")), "a.b[2]");
        assert_eq!(locate(text, at(r#""d":3"#)), "a.d");
        assert_eq!(locate(text, text.len()), "");
        // Cut strings, escapes at the end, multi-byte text, offsets past the end.
        for text in [r#"{"é":"#, r#"{"a":""#, "[[[[", "}}]]", r#"{"名前":[1,"#, ""] {
            for offset in 0..text.len() + 3 {
                let _ = locate(text, offset);
            }
        }
        assert_eq!(locate(r#"{"名前":[1,2"#, 100), "名前[1]");
    }

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
