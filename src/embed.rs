//! Embedding the page in a tutorial: the URL parameters of the compact mode
//! (`?embed=1&lock=1&theme=dark`, before the `#run=` share fragment), the options an author
//! picks for the embed snippet, and the link the snippet's iframe opens.
//!
//! Invariant: `EmbedParams::from_query(&p.query()) == p` for every `p` with `embed` set;
//! unknown parameters and values are ignored (a tutorial's link never breaks the page).

use crate::i18n::Lang;
use crate::share::{self, ShareState};

/// The colour theme a link asks for; `Auto` follows the reader's system setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    /// The parameter value (`None` for `Auto`, which needs no parameter).
    pub fn code(self) -> Option<&'static str> {
        match self {
            Theme::Auto => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }

    pub fn from_code(code: &str) -> Theme {
        match code {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::Auto,
        }
    }
}

/// What the page's URL query asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmbedParams {
    /// `embed=1`: the compact layout (narration line, diagram, transport, active code,
    /// verdict summary), no chapter list, no page title.
    pub embed: bool,
    /// `lock=1`: the chapter cannot be changed (nor a scenario loaded).
    pub lock: bool,
    /// `theme=dark|light`.
    pub theme: Theme,
}

fn flag(value: &str) -> bool {
    matches!(value, "1" | "true" | "yes" | "")
}

impl EmbedParams {
    /// Read `location.search` (`?embed=1&lock=1&theme=dark`; the leading `?` optional).
    pub fn from_query(search: &str) -> EmbedParams {
        let mut params = EmbedParams::default();
        for pair in search.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "embed" => params.embed = flag(value),
                "lock" => params.lock = flag(value),
                "theme" => params.theme = Theme::from_code(value),
                _ => {}
            }
        }
        params
    }

    /// The query that asks for these parameters (`?embed=1&lock=1&theme=dark`), or "" when
    /// nothing is asked.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if self.embed {
            parts.push("embed=1".to_string());
        }
        if self.lock {
            parts.push("lock=1".to_string());
        }
        if let Some(theme) = self.theme.code() {
            parts.push(format!("theme={theme}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// What an author chooses for the embed snippet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnippetOptions {
    /// The embedded page cannot switch chapters.
    pub lock: bool,
    /// Open at step 0 instead of the current step.
    pub from_start: bool,
    /// The language of the embedded page; `None` keeps the current one.
    pub lang: Option<Lang>,
    pub theme: Theme,
}

/// The link the snippet's iframe opens: `base` (the page's address without query or
/// fragment) in the compact mode with the chosen options, on the run `state` (at its step, or
/// at step 0; the Kafka and ZeroMQ runs' too), on the page `state` shows.
pub fn embed_link(base: &str, state: &ShareState, options: &SnippetOptions) -> String {
    let mut state = state.clone();
    if options.from_start {
        state.step = 0;
        if let Some(kafka) = &mut state.kafka {
            kafka.step = 0;
        }
        if let Some(zeromq) = &mut state.zeromq {
            zeromq.step = 0;
        }
    }
    if let Some(lang) = options.lang {
        state.lang = lang.code().into();
    }
    let params = EmbedParams { embed: true, lock: options.lock, theme: options.theme };
    format!("{base}{}#run={}", params.query(), share::encode(&state))
}
