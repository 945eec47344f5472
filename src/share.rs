//! Share links: everything that reproduces a run (chapter, settings, seed, injected faults,
//! current step, engine version) as compact JSON in base64url, for the URL fragment
//! `#run=...` and for localStorage.
//!
//! Invariant: `decode(&encode(s)) == Ok(s)`; a code that does not decode gives a message
//! that says what is wrong, never a panic.

use crate::scenario::settings::Settings;
use crate::scenario::FaultSpec;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The format version of share codes.
pub const SHARE_VERSION: u32 = 1;
/// Longer codes are refused before decoding (a URL of this size is already absurd).
pub const SHARE_CODE_BYTES_MAX: usize = 64 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareState {
    pub v: u32,
    pub engine: String,
    /// Tour chapter id.
    pub chapter: String,
    pub settings: Settings,
    pub seed: u64,
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    #[serde(default)]
    pub step: u64,
    /// "en" or "zh".
    #[serde(default = "english")]
    pub lang: String,
}

fn english() -> String {
    "en".into()
}

/// HTML that embeds the run behind `link` (a share link) in another page.
pub fn embed_snippet(link: &str) -> String {
    let src = link.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;");
    format!(r#"<iframe src="{src}" title="Queue Playground" width="100%" height="900" style="border:0" loading="lazy"></iframe>"#)
}

pub fn encode(state: &ShareState) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(state).expect("share states serialize"))
}

/// Decode a share code; the error says what is wrong with it.
pub fn decode(code: &str) -> Result<ShareState, String> {
    let code = code.trim();
    if code.is_empty() {
        return Err("the share link is empty".into());
    }
    if code.len() > SHARE_CODE_BYTES_MAX {
        return Err(format!("the share link is too long ({} characters, at most {SHARE_CODE_BYTES_MAX})", code.len()));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(code.trim_end_matches('='))
        .map_err(|e| format!("the share link is damaged (not base64url: {e})"))?;
    // Parsed from `str`, like scenario files, so the wasm carries one copy of the parsers.
    let text = std::str::from_utf8(&bytes).map_err(|e| format!("the share link is damaged (not UTF-8 text: {e})"))?;
    let state: ShareState = serde_json::from_str(text).map_err(|e| format!("the share link is damaged ({e})"))?;
    if state.v != SHARE_VERSION {
        return Err(format!("the share link has format version {}, this playground reads version {SHARE_VERSION}", state.v));
    }
    state.settings.validate().map_err(|e| format!("the share link has a bad setting: {e}"))?;
    Ok(state)
}

impl ShareState {
    /// The scenario the link runs (its chapter's, with its settings and seed) and the faults
    /// injected into it.
    pub fn scenario(&self) -> Result<(crate::scenario::Scenario, Vec<FaultSpec>), String> {
        let chapter = crate::tour::chapter(&self.chapter).ok_or_else(|| format!("the share link names an unknown chapter {:?}", self.chapter))?;
        Ok((chapter.scenario(&self.settings, self.seed)?, self.faults.clone()))
    }
}
