//! Python source text shared by the systems' code generators (pika, kafka-python): string
//! literals and `time.sleep` durations written as Python writes them.
//!
//! Invariant: `py` returns one single-quoted Python literal whose value is `text`, whatever
//! `text` holds (quotes, backslashes, control characters).

/// A Python string literal of `text` (single-quoted, escaped), so that any name a scenario
/// gives (AMQP short strings may hold quotes and control characters) stays one literal.
pub fn py(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `ms` as Python writes seconds for `time.sleep`: `2`, `0.2`, `0.05`.
pub fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}", ms / 1000)
    } else {
        let text = format!("{}.{:03}", ms / 1000, ms % 1000);
        text.trim_end_matches('0').to_string()
    }
}
