//! Share links: everything that reproduces a run (chapter, settings, seed, injected faults,
//! current step, engine version) as compact JSON in base64url, for the URL fragment
//! `#run=...` and for localStorage.
//!
//! The page has two systems (the header's RabbitMQ | Kafka switch). A code always carries
//! the RabbitMQ run (`chapter`, `settings`, `seed`, `faults`, `step`: format 1 as it always
//! was), and, once the Kafka page was opened, the Kafka run (`kafka`: its chapter, settings,
//! seed, injected faults and step) and which page shows (`system`, absent for RabbitMQ).
//! Both are left out when they say nothing new, so a RabbitMQ-only code is byte for byte the
//! code this playground made before Kafka existed, and every such code decodes as it did.
//!
//! Invariant: `decode(&encode(s)) == Ok(s)`; a code that does not decode gives a message
//! that says what is wrong, never a panic.

use crate::scenario::settings::Settings;
use crate::scenario::{json, FaultSpec, ScenarioError, FAULTS_MAX};
use crate::systems::kafka::settings::KafkaSettings;
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
    /// The page shown: RabbitMQ's (absent) or Kafka's.
    #[serde(default, skip_serializing_if = "System::is_rabbitmq")]
    pub system: System,
    /// The Kafka page's run (absent when the Kafka page was never opened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<KafkaShare>,
}

/// Which system's page a link opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    #[default]
    Rabbitmq,
    Kafka,
}

impl System {
    pub fn is_rabbitmq(&self) -> bool {
        *self == System::Rabbitmq
    }
}

/// A Kafka run in a link: the Kafka chapter (its catalog name, `k-workload`, ...), the
/// settings when they differ from the chapter's own, the seed, the injected faults and the
/// step shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaShare {
    pub chapter: String,
    /// Absent: the chapter's settings as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<KafkaSettings>,
    pub seed: u64,
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    #[serde(default)]
    pub step: u64,
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
    if let Some(settings) = state.kafka.as_ref().and_then(|k| k.settings.as_ref()) {
        settings.validate().map_err(|e| format!("the share link has a bad Kafka setting: kafka.{e}"))?;
    }
    if state.system == System::Kafka && state.kafka.is_none() {
        return Err("the share link opens the Kafka page but carries no Kafka run (kafka: missing)".into());
    }
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
            return Err(link_fault_error(&e, own, "the share link's chapter does not run with these settings"));
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

impl KafkaShare {
    /// The Kafka chapter's scenario with the link's settings and seed, and the link's
    /// injected faults (checked against it, each named by its place in the link).
    pub fn scenario(&self) -> Result<(crate::systems::kafka::scenario::KafkaScenario, Vec<FaultSpec>), String> {
        use crate::systems::kafka::scenario::catalog;
        if !catalog::names().any(|n| n == self.chapter) {
            return Err(format!("the share link names an unknown Kafka chapter {}", json::quoted(&self.chapter)));
        }
        let mut base = catalog::get(&self.chapter).map_err(|e| e.to_string())?;
        base.seed = self.seed;
        let scenario = match &self.settings {
            Some(settings) => settings.apply(&base).map_err(|e| format!("the share link's Kafka settings do not fit chapter {:?}: {e}", self.chapter))?,
            None => base,
        };
        let own = scenario.faults.len();
        let mut merged = scenario.clone();
        merged.faults.extend(self.faults.iter().cloned());
        if let Err(e) = merged.validate() {
            return Err(link_fault_error(&e, own, "the share link's Kafka chapter does not run with these settings"));
        }
        Ok((scenario, self.faults.clone()))
    }

    /// The Kafka run the link shows, at its step (a step past the run's end shows the end).
    pub fn session(&self) -> Result<crate::session::Session<crate::systems::kafka::world::KafkaSim>, String> {
        let (scenario, faults) = self.scenario()?;
        let mut session = crate::session::Session::run(scenario, faults).map_err(|e| e.to_string())?;
        session.seek(crate::session::step_index(self.step));
        Ok(session)
    }
}

/// An error in the chapter's scenario with the link's faults appended (the chapter's own
/// `own` faults first), told in the link's own terms; `otherwise` starts any other error.
fn link_fault_error(e: &ScenarioError, own: usize, otherwise: &str) -> String {
    if e.field == "faults" {
        return format!("the share link has too many faults (at most {})", FAULTS_MAX.saturating_sub(own));
    }
    let fault = e.field.strip_prefix("faults[").and_then(|r| r.split_once(']')).and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)));
    match fault {
        Some((index, rest)) if index >= own => {
            let index = index - own;
            format!("the share link's fault {} (faults[{index}]{rest}): {}", index + 1, e.problem)
        }
        _ => format!("{otherwise}: {e}"),
    }
}
