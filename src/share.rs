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
    /// The ZeroMQ page's run, once the ZeroMQ page was shown (absent before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zeromq: Option<ZeromqShare>,
}

/// Which system's page a link opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    #[default]
    Rabbitmq,
    Kafka,
    Zeromq,
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

/// The ZeroMQ page's run in a share link: its chapter (a ZeroMQ catalog name), the settings
/// the panel changed (absent: the chapter as written), its seed, the faults injected into it
/// and the step shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZeromqShare {
    pub chapter: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<crate::systems::zeromq::settings::ZmqSettings>,
    pub seed: u64,
    #[serde(default)]
    pub faults: Vec<crate::systems::zeromq::scenario::ZmqFaultSpec>,
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

/// What is wrong with a share link. `Display` is the English sentence (the CLI's); `text`
/// words it in the page's language. What it quotes (a field's path, a scenario's own
/// message, a chapter's name) stays as it is: it is the link's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    Empty,
    TooLong { chars: usize },
    Damaged(Damage),
    BadValue { field: String, problem: String },
    Version { found: u64 },
    BadSetting(String),
    BadKafkaSetting(String),
    NoKafkaRun,
    NoZeromqRun,
    /// A chapter name (quoted) that is not in the tour.
    UnknownChapter(String),
    UnknownKafkaChapter(String),
    UnknownZeromqChapter(String),
    SettingsDoNotFit { chapter: String, problem: String },
    KafkaSettingsDoNotFit { chapter: String, problem: String },
    ZeromqSettingsDoNotFit { chapter: String, problem: String },
    DoesNotRun { system: System, problem: String },
    TooManyFaults { max: usize },
    /// The link's injected fault `number` (from 1) at `path` (`faults[i]...`).
    Fault { number: usize, path: String, problem: String },
    /// The run itself failed to start (the engine's message).
    Run(String),
}

/// How a link's text is damaged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Damage {
    NotBase64(String),
    NotUtf8(String),
    CutShort,
    NotJson,
    Other(String),
}

impl Damage {
    /// How it is damaged, in `lang` (what it quotes stays as it is).
    fn text(&self, lang: crate::i18n::Lang) -> String {
        let en = lang == crate::i18n::Lang::En;
        match self {
            Damage::NotBase64(e) => if en { format!("not base64url: {e}") } else { format!("不是 base64url：{e}") },
            Damage::NotUtf8(e) => if en { format!("not UTF-8 text: {e}") } else { format!("不是 UTF-8 文本：{e}") },
            Damage::CutShort => if en { "it is cut short" } else { "它被截断了" }.into(),
            Damage::NotJson => if en { "its content is not JSON" } else { "其内容不是 JSON" }.into(),
            Damage::Other(problem) => problem.clone(),
        }
    }
}

impl LinkError {
    /// The sentence in `lang`.
    pub fn text(&self, lang: crate::i18n::Lang) -> String {
        if lang == crate::i18n::Lang::En {
            return self.to_string();
        }
        match self {
            LinkError::Empty => "分享链接是空的".into(),
            LinkError::TooLong { chars } => format!("分享链接太长（{chars} 个字符，最多 {SHARE_CODE_BYTES_MAX} 个）"),
            LinkError::Damaged(damage) => format!("分享链接已损坏（{}）", damage.text(lang)),
            LinkError::BadValue { field, problem } => format!("分享链接中 {field} 的值有误：{problem}"),
            LinkError::Version { found } => format!("分享链接的格式版本是 {found}，本 playground 读取的是版本 {SHARE_VERSION}"),
            LinkError::BadSetting(e) => format!("分享链接中的设置有误：{e}"),
            LinkError::BadKafkaSetting(e) => format!("分享链接中的 Kafka 设置有误：kafka.{e}"),
            LinkError::NoKafkaRun => "分享链接要打开 Kafka 页面，却没有携带 Kafka 的运行（缺少 kafka）".into(),
            LinkError::NoZeromqRun => "分享链接要打开 ZeroMQ 页面，却没有携带 ZeroMQ 的运行（缺少 zeromq）".into(),
            LinkError::UnknownChapter(name) => format!("分享链接指向未知的章节 {name}"),
            LinkError::UnknownKafkaChapter(name) => format!("分享链接指向未知的 Kafka 章节 {name}"),
            LinkError::UnknownZeromqChapter(name) => format!("分享链接指向未知的 ZeroMQ 章节 {name}"),
            LinkError::SettingsDoNotFit { chapter, problem } => format!("分享链接的设置不适用于章节 {chapter:?}：{problem}"),
            LinkError::KafkaSettingsDoNotFit { chapter, problem } => format!("分享链接的 Kafka 设置不适用于章节 {chapter:?}：{problem}"),
            LinkError::ZeromqSettingsDoNotFit { chapter, problem } => format!("分享链接的 ZeroMQ 设置不适用于章节 {chapter:?}：{problem}"),
            LinkError::DoesNotRun { system, problem } => format!("分享链接的{}章节在这些设置下无法运行：{problem}", system.chapter_word()),
            LinkError::TooManyFaults { max } => format!("分享链接中的故障太多（最多 {max} 个）"),
            LinkError::Fault { number, path, problem } => format!("分享链接的第 {number} 个故障（{path}）：{problem}"),
            LinkError::Run(e) => e.clone(),
        }
    }
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Empty => write!(f, "the share link is empty"),
            LinkError::TooLong { chars } => write!(f, "the share link is too long ({chars} characters, at most {SHARE_CODE_BYTES_MAX})"),
            LinkError::Damaged(damage) => write!(f, "the share link is damaged ({})", damage.text(crate::i18n::Lang::En)),
            LinkError::BadValue { field, problem } => write!(f, "the share link has a bad value at {field}: {problem}"),
            LinkError::Version { found } => write!(f, "the share link has format version {found}, this playground reads version {SHARE_VERSION}"),
            LinkError::BadSetting(e) => write!(f, "the share link has a bad setting: {e}"),
            LinkError::BadKafkaSetting(e) => write!(f, "the share link has a bad Kafka setting: kafka.{e}"),
            LinkError::NoKafkaRun => write!(f, "the share link opens the Kafka page but carries no Kafka run (kafka: missing)"),
            LinkError::NoZeromqRun => write!(f, "the share link opens the ZeroMQ page but carries no ZeroMQ run (zeromq: missing)"),
            LinkError::UnknownChapter(name) => write!(f, "the share link names an unknown chapter {name}"),
            LinkError::UnknownKafkaChapter(name) => write!(f, "the share link names an unknown Kafka chapter {name}"),
            LinkError::UnknownZeromqChapter(name) => write!(f, "the share link names an unknown ZeroMQ chapter {name}"),
            LinkError::SettingsDoNotFit { chapter, problem } => write!(f, "the share link's settings do not fit chapter {chapter:?}: {problem}"),
            LinkError::KafkaSettingsDoNotFit { chapter, problem } => write!(f, "the share link's Kafka settings do not fit chapter {chapter:?}: {problem}"),
            LinkError::ZeromqSettingsDoNotFit { chapter, problem } => write!(f, "the share link's ZeroMQ settings do not fit chapter {chapter:?}: {problem}"),
            LinkError::DoesNotRun { system, problem } => write!(f, "the share link's {}chapter does not run with these settings: {problem}", system.chapter_word().trim_start()),
            LinkError::TooManyFaults { max } => write!(f, "the share link has too many faults (at most {max})"),
            LinkError::Fault { number, path, problem } => write!(f, "the share link's fault {number} ({path}): {problem}"),
            LinkError::Run(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LinkError {}

/// Decode a share code; the error says what is wrong with it.
pub fn decode(code: &str) -> Result<ShareState, LinkError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(LinkError::Empty);
    }
    if code.len() > SHARE_CODE_BYTES_MAX {
        return Err(LinkError::TooLong { chars: code.len() });
    }
    let bytes = URL_SAFE_NO_PAD.decode(code.trim_end_matches('=')).map_err(|e| LinkError::Damaged(Damage::NotBase64(e.to_string())))?;
    // Parsed from `str` by the same reader as scenario files, so the wasm carries one copy
    // of the parsers.
    let text = std::str::from_utf8(&bytes).map_err(|e| LinkError::Damaged(Damage::NotUtf8(e.to_string())))?;
    let state: ShareState = json::parse(text).map_err(|e| {
        // A link of another format version may not fit this one's fields: say so instead.
        if let Some(v) = json::parse::<serde_json::Value>(text).ok().and_then(|v| v.get("v")?.as_u64()) {
            if v != u64::from(SHARE_VERSION) {
                return version_error(v);
            }
        }
        // The JSON inside a link is not the user's text: name the field, never a position.
        if e.syntax {
            LinkError::Damaged(if e.line == 0 || e.error.problem.starts_with("EOF") { Damage::CutShort } else { Damage::NotJson })
        } else if e.error.field.is_empty() {
            LinkError::Damaged(Damage::Other(e.error.problem))
        } else {
            LinkError::BadValue { field: e.error.field, problem: e.error.problem }
        }
    })?;
    if state.v != SHARE_VERSION {
        return Err(version_error(u64::from(state.v)));
    }
    state.settings.validate().map_err(|e| LinkError::BadSetting(e.to_string()))?;
    if let Some(settings) = state.kafka.as_ref().and_then(|k| k.settings.as_ref()) {
        settings.validate().map_err(|e| LinkError::BadKafkaSetting(e.to_string()))?;
    }
    if state.system == System::Kafka && state.kafka.is_none() {
        return Err(LinkError::NoKafkaRun);
    }
    if state.system == System::Zeromq && state.zeromq.is_none() {
        return Err(LinkError::NoZeromqRun);
    }
    Ok(state)
}

fn version_error(found: u64) -> LinkError {
    LinkError::Version { found }
}

impl ShareState {
    /// The scenario the link runs (its chapter's, with its settings and seed) and the faults
    /// injected into it.
    ///
    /// The faults are checked here, against the chapter: an error in one of them names it by
    /// its place in the link ("the share link's fault 1 (faults[0].do): ..."), not by its
    /// place after the chapter's own faults.
    pub fn scenario(&self) -> Result<(crate::scenario::Scenario, Vec<FaultSpec>), LinkError> {
        let chapter = crate::tour::chapter(&self.chapter).ok_or_else(|| LinkError::UnknownChapter(json::quoted(&self.chapter)))?;
        let scenario = chapter
            .scenario(&self.settings, self.seed)
            .map_err(|problem| LinkError::SettingsDoNotFit { chapter: chapter.id.to_string(), problem: problem.to_string() })?;
        let own = scenario.faults.len();
        let mut merged = scenario.clone();
        merged.faults.extend(self.faults.iter().cloned());
        if let Err(e) = crate::systems::rabbitmq::setup::Setup::new(&merged) {
            return Err(link_fault_error(&e, own, System::Rabbitmq));
        }
        Ok((scenario, self.faults.clone()))
    }
}

impl ShareState {
    /// The run the link shows, at its step (a step past the run's end shows the end).
    pub fn session(&self) -> Result<crate::session::Session, LinkError> {
        let (scenario, faults) = self.scenario()?;
        let mut session = crate::session::Session::new(scenario, faults).map_err(|e| LinkError::Run(e.to_string()))?;
        session.seek(crate::session::step_index(self.step));
        Ok(session)
    }
}

impl KafkaShare {
    /// The Kafka chapter's scenario with the link's settings and seed, and the link's
    /// injected faults (checked against it, each named by its place in the link).
    pub fn scenario(&self) -> Result<(crate::systems::kafka::scenario::KafkaScenario, Vec<FaultSpec>), LinkError> {
        use crate::systems::kafka::scenario::catalog;
        if !catalog::names().any(|n| n == self.chapter) {
            return Err(LinkError::UnknownKafkaChapter(json::quoted(&self.chapter)));
        }
        let mut base = catalog::get(&self.chapter).map_err(|e| LinkError::Run(e.to_string()))?;
        base.seed = self.seed;
        let scenario = match &self.settings {
            Some(settings) => settings.apply(&base).map_err(|e| LinkError::KafkaSettingsDoNotFit { chapter: self.chapter.clone(), problem: e.to_string() })?,
            None => base,
        };
        let own = scenario.faults.len();
        let mut merged = scenario.clone();
        merged.faults.extend(self.faults.iter().cloned());
        if let Err(e) = merged.validate() {
            return Err(link_fault_error(&e, own, System::Kafka));
        }
        Ok((scenario, self.faults.clone()))
    }

    /// The Kafka run the link shows, at its step (a step past the run's end shows the end).
    pub fn session(&self) -> Result<crate::session::Session<crate::systems::kafka::world::KafkaSim>, LinkError> {
        let (scenario, faults) = self.scenario()?;
        let mut session = crate::session::Session::run(scenario, faults).map_err(|e| LinkError::Run(e.to_string()))?;
        session.seek(crate::session::step_index(self.step));
        Ok(session)
    }
}

impl ZeromqShare {
    /// The ZeroMQ chapter's scenario with the link's seed, and the link's injected faults
    /// (checked against it, each named by its place in the link).
    pub fn scenario(&self) -> Result<(crate::systems::zeromq::scenario::ZmqScenario, Vec<crate::systems::zeromq::scenario::ZmqFaultSpec>), LinkError> {
        use crate::systems::zeromq::scenario::catalog;
        if !catalog::names().any(|n| n == self.chapter) {
            return Err(LinkError::UnknownZeromqChapter(json::quoted(&self.chapter)));
        }
        let mut base = catalog::get(&self.chapter).map_err(|e| LinkError::Run(e.to_string()))?;
        base.seed = self.seed;
        let scenario = match &self.settings {
            Some(settings) => settings.apply(&base).map_err(|e| LinkError::ZeromqSettingsDoNotFit { chapter: self.chapter.clone(), problem: e.to_string() })?,
            None => base,
        };
        let own = scenario.faults.len();
        let mut merged = scenario.clone();
        merged.faults.extend(self.faults.iter().cloned());
        if let Err(e) = merged.validate() {
            return Err(link_fault_error(&e, own, System::Zeromq));
        }
        Ok((scenario, self.faults.clone()))
    }

    /// The ZeroMQ run the link shows, at its step (a step past the run's end shows the end).
    pub fn session(&self) -> Result<crate::session::Session<crate::systems::zeromq::world::ZmqSim>, LinkError> {
        let (scenario, faults) = self.scenario()?;
        let mut session = crate::session::Session::run(scenario, faults).map_err(|e| LinkError::Run(e.to_string()))?;
        session.seek(crate::session::step_index(self.step));
        Ok(session)
    }
}

impl System {
    /// The system's word before "chapter" in a link error (" Kafka ", " ZeroMQ "; nothing
    /// for RabbitMQ, the tour's own chapters).
    fn chapter_word(self) -> &'static str {
        match self {
            System::Rabbitmq => "",
            System::Kafka => " Kafka ",
            System::Zeromq => " ZeroMQ ",
        }
    }
}

/// An error in the chapter's scenario with the link's faults appended (the chapter's own
/// `own` faults first), told in the link's own terms; any other error says the `system`'s
/// chapter does not run.
fn link_fault_error(e: &ScenarioError, own: usize, system: System) -> LinkError {
    if e.field == "faults" {
        return LinkError::TooManyFaults { max: FAULTS_MAX.saturating_sub(own) };
    }
    let fault = e.field.strip_prefix("faults[").and_then(|r| r.split_once(']')).and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)));
    match fault {
        Some((index, rest)) if index >= own => {
            let index = index - own;
            LinkError::Fault { number: index + 1, path: format!("faults[{index}]{rest}"), problem: e.problem.clone() }
        }
        _ => LinkError::DoesNotRun { system, problem: e.to_string() },
    }
}
