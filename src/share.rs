//! Share links: everything that reproduces a run (chapter, settings, seed, injected faults,
//! current step, engine version) as compact JSON in base64url, for the URL fragment
//! `#run=...` and for localStorage.
//!
//! Invariant: `decode(&encode(s)) == Ok(s)`; a code that does not decode gives a message
//! that says what is wrong, never a panic.

use crate::scenario::settings::Settings;
use crate::scenario::{json, FaultSpec, ScenarioError, FAULTS_MAX};
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

/// The message an embedded page posts to its parent whenever its content height changes:
/// `{type: HEIGHT_MESSAGE, height}` (CSS pixels).
pub const HEIGHT_MESSAGE: &str = "queue-playground:height";

/// HTML that embeds the run behind `link` (an embed link, see `crate::embed::embed_link`) in
/// another page: the iframe, and the few lines of script that size it to the height the
/// embedded page posts (one listener serves every Queue Playground frame on the page).
pub fn embed_snippet(link: &str) -> String {
    let src = link.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;");
    format!(
        concat!(
            r#"<iframe src="{src}" title="Queue Playground" width="100%" height="600" style="border:0;width:100%" loading="lazy"></iframe>"#,
            "\n",
            r#"<script>addEventListener("message",function(e){{var d=e.data;if(!d||d.type!=="{message}"||!(d.height>0&&d.height<1e5))return;"#,
            r#"document.querySelectorAll("iframe").forEach(function(f){{if(f.contentWindow===e.source)f.style.height=Math.ceil(d.height)+"px"}})}});</script>"#
        ),
        src = src,
        message = HEIGHT_MESSAGE
    )
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
    // Parsed from `str` by the same reader as scenario files, so the wasm carries one copy
    // of the parsers.
    let text = std::str::from_utf8(&bytes).map_err(|e| format!("the share link is damaged (not UTF-8 text: {e})"))?;
    let state: ShareState = json::parse(text).map_err(|e| {
        // A link of another format version may not fit this one's fields: say so instead.
        if let Some(v) = json::parse::<serde_json::Value>(text).ok().and_then(|v| v.get("v")?.as_u64()) {
            if v != u64::from(SHARE_VERSION) {
                return version_error(v);
            }
        }
        // The JSON inside a link is not the user's text: name the field, never a position.
        if e.syntax {
            format!("the share link is damaged ({})", if e.line == 0 || e.error.problem.starts_with("EOF") { "it is cut short" } else { "its content is not JSON" })
        } else if e.error.field.is_empty() {
            format!("the share link is damaged ({})", e.error.problem)
        } else {
            format!("the share link has a bad value at {}: {}", e.error.field, e.error.problem)
        }
    })?;
    if state.v != SHARE_VERSION {
        return Err(version_error(u64::from(state.v)));
    }
    state.settings.validate().map_err(|e| format!("the share link has a bad setting: {e}"))?;
    Ok(state)
}

fn version_error(v: u64) -> String {
    format!("the share link has format version {v}, this playground reads version {SHARE_VERSION}")
}

impl ShareState {
    /// The scenario the link runs (its chapter's, with its settings and seed) and the faults
    /// injected into it.
    ///
    /// The faults are checked here, against the chapter: an error in one of them names it by
    /// its place in the link ("the share link's fault 1 (faults[0].do): ..."), not by its
    /// place after the chapter's own faults.
    pub fn scenario(&self) -> Result<(crate::scenario::Scenario, Vec<FaultSpec>), String> {
        let chapter = crate::tour::chapter(&self.chapter)
            .ok_or_else(|| format!("the share link names an unknown chapter {}", json::quoted(&self.chapter)))?;
        let scenario = chapter.scenario(&self.settings, self.seed).map_err(|e| format!("the share link's settings do not fit chapter {:?}: {e}", chapter.id))?;
        let own = scenario.faults.len();
        let mut merged = scenario.clone();
        merged.faults.extend(self.faults.iter().cloned());
        if let Err(e) = crate::systems::rabbitmq::setup::Setup::new(&merged) {
            return Err(link_fault_error(&e, own));
        }
        Ok((scenario, self.faults.clone()))
    }
}

impl ShareState {
    /// The run the link shows, at its step (a step past the run's end shows the end).
    pub fn session(&self) -> Result<crate::session::Session, String> {
        let (scenario, faults) = self.scenario()?;
        let mut session = crate::session::Session::new(scenario, faults).map_err(|e| e.to_string())?;
        session.seek(crate::session::step_index(self.step));
        Ok(session)
    }
}

/// An error in the chapter's scenario with the link's faults appended (the chapter's own
/// `own` faults first), told in the link's own terms.
fn link_fault_error(e: &ScenarioError, own: usize) -> String {
    if e.field == "faults" {
        return format!("the share link has too many faults (at most {})", FAULTS_MAX.saturating_sub(own));
    }
    let fault = e.field.strip_prefix("faults[").and_then(|r| r.split_once(']')).and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)));
    match fault {
        Some((index, rest)) if index >= own => {
            let index = index - own;
            format!("the share link's fault {} (faults[{index}]{rest}): {}", index + 1, e.problem)
        }
        _ => format!("the share link's chapter does not run with these settings: {e}"),
    }
}
