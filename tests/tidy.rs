//! Tidy: the engine's rules, enforced on its source text. The engine (the core in
//! src/engine/, the systems in src/systems/, plus the scenario schema and the reports it
//! feeds) must be deterministic and pure: no hash-ordered collections, no wall clock, no
//! unseeded randomness, no floats, no web crates. The core names no system: systems plug into
//! it, never the other way round. Each violation is reported as `file:line: found X; use Y`.
//!
//! Comments and string literals are blanked before scanning, so documentation may say
//! "never HashMap". A self-test plants bad lines to prove the scanner still bites.

use std::path::{Path, PathBuf};

/// A banned identifier (or path) and the replacement to use instead.
struct Rule {
    banned: &'static str,
    /// Also ban identifiers that start with `banned` followed by `_` (crate families).
    family: bool,
    replacement: &'static str,
}

const fn rule(banned: &'static str, replacement: &'static str) -> Rule {
    Rule { banned, family: false, replacement }
}

const fn family(banned: &'static str, replacement: &'static str) -> Rule {
    Rule { banned, family: true, replacement }
}

const PURE: &str = "nothing: the engine is pure; web code lives in src/ui (wasm32 only) and drives the engine";

const RULES: &[Rule] = &[
    rule("HashMap", "BTreeMap (or a Vec indexed by an id): iteration order must not depend on hashing"),
    rule("HashSet", "BTreeSet (or a Vec<bool> indexed by an id): iteration order must not depend on hashing"),
    rule("DefaultHasher", "trace::trace_hash (FNV-1a over canonical JSON): DefaultHasher is not stable across releases"),
    rule("RandomState", "BTreeMap/BTreeSet: RandomState is seeded from the OS"),
    rule("std::time", "simulated time (`now_ms: u64`, passed in): the engine never reads a clock"),
    rule("Instant", "simulated time (`now_ms: u64`): the engine never reads a clock"),
    rule("SystemTime", "simulated time (`now_ms: u64`): the engine never reads a clock"),
    rule("thread_rng", "a seeded stream: engine::rng::Rng::new(seed, Stream::..) (rand_xoshiro)"),
    rule("SmallRng", "engine::rng::Rng (Xoshiro256PlusPlus): SmallRng's algorithm is not value-stable"),
    rule("StdRng", "engine::rng::Rng (Xoshiro256PlusPlus): StdRng's algorithm is not value-stable"),
    family("getrandom", "a seeded stream: engine::rng::Rng::new(seed, Stream::..)"),
    rule("rand::random", "a seeded stream: engine::rng::Rng::new(seed, Stream::..)"),
    rule("f32", "integers: ratios as engine::rng::Ratio, times in u64 ms"),
    rule("f64", "integers: ratios as engine::rng::Ratio, times in u64 ms"),
    family("web_sys", PURE),
    family("js_sys", PURE),
    family("wasm_bindgen", PURE),
    family("serde_wasm_bindgen", PURE),
    family("yew", PURE),
    family("gloo", PURE),
];

#[derive(Debug, PartialEq)]
struct Violation {
    line: usize,
    found: String,
    replacement: &'static str,
}

/// The source with every comment and the contents of every string and char literal replaced
/// by spaces (newlines kept, so line numbers still match).
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !chars.get(i.wrapping_sub(1)).is_some_and(|p| p.is_alphanumeric() || *p == '_') {
            // A raw string r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.push('r');
            for _ in 0..hashes {
                out.push('#');
            }
            out.push('"');
            i = j + 1;
            while i < chars.len() {
                if chars[i] == '"' && (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#')) {
                    out.push('"');
                    for _ in 0..hashes {
                        out.push('#');
                    }
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            let is_char = next == Some('\\') || chars.get(i + 2) == Some(&'\'');
            if is_char {
                out.push('\'');
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    if chars[i] == '\\' {
                        out.push(' ');
                        i += 1;
                    }
                    if i < chars.len() {
                        out.push(' ');
                        i += 1;
                    }
                }
                out.push('\'');
                i += 1;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every banned identifier, path or float literal in `source`, by line.
fn scan(source: &str) -> Vec<Violation> {
    let code = code_only(source);
    let mut found = Vec::new();
    for (index, line) in code.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        for rule in RULES {
            let banned: Vec<char> = rule.banned.chars().collect();
            let mut start = 0;
            while start + banned.len() <= chars.len() {
                if chars[start..start + banned.len()] == banned[..] && (start == 0 || !is_ident(chars[start - 1])) {
                    let mut end = start + banned.len();
                    let after = chars.get(end).copied();
                    let whole = !after.is_some_and(is_ident);
                    let in_family = rule.family && after == Some('_');
                    if whole || in_family {
                        while end < chars.len() && is_ident(chars[end]) {
                            end += 1;
                        }
                        found.push(Violation {
                            line: index + 1,
                            found: chars[start..end].iter().collect(),
                            replacement: rule.replacement,
                        });
                    }
                    start = end.max(start + 1);
                } else {
                    start += 1;
                }
            }
        }
        // Float literals: 1.5, 2e3, 1f64 (but not ranges `1..2` nor tuple fields `x.0.1`).
        let mut i = 0;
        while i < chars.len() {
            let starts_number = chars[i].is_ascii_digit() && (i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == '.'));
            if !starts_number {
                i += 1;
                continue;
            }
            let start = i;
            let hex = chars[i] == '0' && matches!(chars.get(i + 1), Some('x' | 'o' | 'b'));
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let token: String = chars[start..i].iter().collect();
            let digits = token.trim_end_matches("f32").trim_end_matches("f64");
            let suffixed = digits.len() < token.len();
            let exponent = digits.contains(['e', 'E']) && digits.chars().all(|c| c.is_ascii_digit() || matches!(c, '_' | 'e' | 'E'));
            let mut float = !hex && (suffixed || exponent);
            if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit() && !hex {
                float = true;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
            if float {
                found.push(Violation {
                    line: index + 1,
                    found: chars[start..i].iter().collect(),
                    replacement: "integers: ratios as engine::rng::Ratio, times in u64 ms",
                });
            }
        }
    }
    found.sort_by_key(|v| v.line);
    found
}

/// Whether a module opens with a `//!` doc (blank lines before it are allowed).
fn has_module_doc(source: &str) -> bool {
    source.lines().find(|l| !l.trim().is_empty()).is_some_and(|l| l.trim_start().starts_with("//!"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn the_engine_uses_no_banned_identifiers() {
    let root = root();
    let mut files = rust_files(&root.join("src/engine"));
    files.extend(rust_files(&root.join("src/systems")));
    files.extend(rust_files(&root.join("src/scenario")));
    files.push(root.join("src/report.rs"));
    assert!(files.len() >= 10, "tidy found only {} files: is the layout still src/engine, src/scenario?", files.len());
    let mut problems = Vec::new();
    for path in &files {
        for v in scan(&read(path)) {
            problems.push(format!("{}:{}: found `{}`; use {}", relative(path), v.line, v.found, v.replacement));
        }
    }
    assert!(problems.is_empty(), "tidy: the engine must stay deterministic and pure:\n{}\n", problems.join("\n"));
}

#[test]
fn every_engine_and_scenario_module_opens_with_a_module_doc() {
    let root = root();
    let mut files = rust_files(&root.join("src/engine"));
    files.extend(rust_files(&root.join("src/systems")));
    files.extend(rust_files(&root.join("src/scenario")));
    let missing: Vec<String> = files
        .iter()
        .filter(|path| !has_module_doc(&read(path)))
        .map(|path| format!("{}:1: add a `//!` module doc stating the concept and its invariants", relative(path)))
        .collect();
    assert!(missing.is_empty(), "tidy:\n{}\n", missing.join("\n"));
}

#[test]
fn the_scanner_flags_planted_bad_lines() {
    let planted = "\
//! A module.
use std::collections::HashMap;
use std::time::Duration;
fn f() {
    let start = Instant::now();
    let s: HashSet<u32> = HashSet::new();
    let now = SystemTime::now();
    let mut rng = rand::thread_rng();
    let small = SmallRng::seed_from_u64(1);
    let x: u8 = rand::random();
    getrandom::getrandom(&mut buf);
    let ratio: f64 = 0.5;
    let half = 1f32;
    let big = 2e3;
    let h = DefaultHasher::new();
    web_sys::console::log_1(&js_sys::JsString::from(\"x\"));
    #[wasm_bindgen] fn g() {}
    let _ = yew::html! {};
    let t = gloo_timers::callback::Timeout::new(1, || {});
}
";
    let found = scan(planted);
    let expect = [
        (2, "HashMap"),
        (3, "std::time"),
        (5, "Instant"),
        (6, "HashSet"),
        (7, "SystemTime"),
        (8, "thread_rng"),
        (9, "SmallRng"),
        (10, "rand::random"),
        (11, "getrandom"),
        (12, "f64"),
        (12, "0.5"),
        (13, "1f32"),
        (14, "2e3"),
        (15, "DefaultHasher"),
        (16, "web_sys"),
        (16, "js_sys"),
        (17, "wasm_bindgen"),
        (18, "yew"),
        (19, "gloo_timers"),
    ];
    for (line, what) in expect {
        assert!(
            found.iter().any(|v| v.line == line && v.found == what),
            "the scanner missed `{what}` on line {line} of the planted source; it found: {found:?}"
        );
    }
    assert!(found.iter().all(|v| !v.replacement.is_empty()), "every violation names a replacement");
    // Two hits on line 6 (the type and the constructor).
    assert_eq!(found.iter().filter(|v| v.line == 6).count(), 2, "{found:?}");
}

#[test]
fn the_scanner_ignores_comments_strings_and_lookalikes() {
    let clean = "\
//! Never use HashMap or std::time here; f64 is banned.
/// Iterate BTreeMap, not HashMap.
/* a block comment: Instant, thread_rng, /* nested */ f32 */
use std::collections::{BTreeMap, BTreeSet};
fn f<'a>(x: &'a str) -> u64 {
    let text = \"HashMap f64 std::time yew\"; // trailing comment: SystemTime
    let raw = r#\"gloo \"web_sys\" Instant\"#;
    let c = '\"';
    let q = '\\'';
    let pair = (1, (2, 3));
    let inner = pair.1.0;
    for i in 0..10 {}
    let hex = 0xE5;
    let big = 1_000u64;
    let my_f64_count = 3;
    let instant_count = 1;
    let yewish = 2;
    let x2 = x.len() as u64 * 2;
    x2
}
";
    let found = scan(clean);
    assert!(found.is_empty(), "false positives in a clean source: {found:?}");
    // Line numbers survive blanking multi-line comments and strings.
    let shifted = "/* one\ntwo\nthree */\nlet s = \"a\nb\";\nuse std::collections::HashMap;\n";
    assert_eq!(scan(shifted).iter().map(|v| v.line).collect::<Vec<_>>(), vec![6]);
}

#[test]
fn the_module_doc_check_bites() {
    assert!(has_module_doc("//! The world.\nuse x;"));
    assert!(has_module_doc("\n//! After a blank line.\n"));
    assert!(!has_module_doc("/// An item doc, not a module doc.\nfn f() {}"));
    assert!(!has_module_doc("use x;\n//! too late\n"));
    assert!(!has_module_doc(""));
}

/// What the core may not name: any system, and any part of the scenario schema but the
/// neutral limits (a system's schema belongs to the system).
fn core_violations(source: &str) -> Vec<(usize, String)> {
    let code = code_only(source);
    let mut found = Vec::new();
    for (index, line) in code.lines().enumerate() {
        for banned in ["systems::", "rabbit", "kafka", "zeromq", "zmq", "pika"] {
            if line.to_ascii_lowercase().contains(banned) {
                found.push((index + 1, banned.to_string()));
            }
        }
        let mut rest = line;
        while let Some(at) = rest.find("scenario::") {
            let after = &rest[at + "scenario::".len()..];
            if !after.starts_with("Limits") {
                found.push((index + 1, format!("scenario::{}", after.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or(""))));
            }
            rest = after;
        }
    }
    found
}

#[test]
fn the_core_names_no_system() {
    let root = root();
    let files = rust_files(&root.join("src/engine"));
    assert!(files.len() >= 8, "tidy found only {} core files: is the core still src/engine?", files.len());
    let mut problems = Vec::new();
    for path in &files {
        for (line, found) in core_violations(&read(path)) {
            problems.push(format!("{}:{line}: found `{found}`; the core names no system: give the core a neutral type or a trait method the system implements", relative(path)));
        }
    }
    assert!(problems.is_empty(), "tidy: the core imports nothing from any system:\n{}\n", problems.join("\n"));
}

#[test]
fn the_core_check_bites() {
    let planted = "use crate::systems::rabbitmq::trace::Event;\nuse crate::scenario::QueueSpec;\nuse crate::scenario::Limits;\n// systems:: in a comment is fine\nfn f() -> RabbitBroker { todo!() }\n";
    let found: Vec<(usize, String)> = core_violations(planted);
    assert_eq!(
        found,
        vec![(1, "systems::".to_string()), (1, "rabbit".to_string()), (2, "scenario::QueueSpec".to_string()), (5, "rabbit".to_string())]
    );
}
