//! The Kafka page: what shows instead of RabbitMQ's panels when the header's system switch is on
//! Kafka. It has its own state (a `Session<KafkaSim>` of one of the Kafka chapters, the six
//! catalog files in tour order, or of a Kafka scenario file the user loaded) and lays out the same sections as the RabbitMQ page, under the
//! same ids so the page's styles apply: the tour (`#tour`: chapters, `#narration` with the
//! chapter's opening computed from its run, `#step-narration` with what the step did), the
//! transport (`#transport`), the programs with the current line and their terminals
//! (`#actors`), the Kafka diagram (`#diagram.kafka`), the verdict summary and table
//! (`#verdict-summary`, `#messages`: per message its verdict, how many times it was printed and
//! its records), the faults (`#faults`: each forks the run at the current step) and the event
//! log (`#event-log`).
//!
//! Invariants: everything shown is read from the session at its current step (the terminals,
//! printed counts and event list from `session.trace()`, which is the run up to this step;
//! causes only at the run's end, where the timeline's world is the world shown); a fault that
//! cannot be injected shows its error, it never panics. The language is the playground's.

use crate::engine::checker::Verdict;
use crate::engine::ids::*;
use crate::i18n::{label, Lang};
use crate::kafka_text::{describe_at, opening, outcome, KAFKA_CHAPTERS};
use crate::scenario::{FaultAction, ScenarioError};
use crate::session::Session;
use crate::systems::kafka::diagram::{shown_tags, ClientStatus, ConsumerFacts, KafkaDiagramView, KafkaWorldFacts, ProducerFacts, RecordFacts};
use crate::systems::kafka::report::KafkaReport;
use crate::share::{KafkaShare, LinkError};
use crate::systems::kafka::scenario::{catalog, KafkaActorSpec, KafkaScenario};
use crate::scenario::settings::Settings;
use crate::systems::kafka::settings::{KafkaSettings, Refusal};
use crate::faults::{chapter_faults_line, fault_with_trigger};
use crate::ui::components::kafka_settings::KafkaSettingsPanel;
use crate::systems::kafka::trace::{Cause, KafkaEvent, KafkaTraceEntry, TerminalText};
use crate::systems::kafka::world::{ActorStatus, KafkaSim};
use crate::ui::components::kafka_diagram::KafkaDiagram;
use crate::ui::kafka_chunk::{KafkaApi, KafkaRun, KafkaRunBox};
use crate::ui::components::share_tools::ShareTools;
use crate::ui::components::transport::{system_transport, TransportAt, TransportKey};
use crate::ui::components::verdicts::{count_list, count_list_except, timing_view};

/// Verdicts a Kafka run cannot have (no dead-letter queue, no message TTL in the model).
const KAFKA_HIDDEN_COUNTS: &[&str] = &["dead_lettered", "expired"];
use crate::ui::state::{use_playground, Action as PageAction};
use crate::view::verdict_name;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// The Kafka page's own labels, `(key, English, Chinese)`; other keys come from `i18n::label`.
pub const KAFKA_PAGE_LABELS: &[(&str, &str, &str)] = &[
    ("printed", "printed", "打印次数"),
    ("records", "records", "记录"),
    ("in_log", "in the log", "在日志中"),
    ("discarded", "discarded", "已丢弃"),
    ("k_in_flight", "in flight", "传输中"),
    ("k_not_stored", "send attempt not stored in", "未被存储的发送尝试，发往"),
    ("k_in_buffer", "never sent to a broker (it stayed in the producer's buffer)", "从未发给 broker（它留在生产者的缓冲区中）"),
    ("k_stop", "Stop", "停止"),
    ("k_restart", "Restart", "重启"),
    ("k_stop_broker", "Stop", "停止"),
    ("k_start_broker", "Start", "启动"),
    ("k_injected", "Injected faults", "已注入的故障"),
    ("k_at_step", "at step", "于步骤"),
    ("k_fault_failed", "This fault cannot be injected here", "这里不能注入这个故障"),
    ("k_remove", "Remove", "移除"),
    ("k_setting_refused", "This setting was refused", "这个设置被拒绝"),
    ("k_settings_note", "You changed settings (beside the title): the chapter's story is about its code as written, so it is not told here. Play it to the end: the outcome and the table say what this run did.", "你修改了设置（见标题旁）：本章的叙述讲的是原文的代码，这里不再讲述。播放到结尾：结果和表格会说明这次运行做了什么。"),
    ("k_cross", "Compare with RabbitMQ", "与 RabbitMQ 对比"),
    ("k_cross_intro", "The same workload on RabbitMQ (the same producers and consumers, payloads, intervals and start times; pika with the RabbitMQ page's settings), under the faults that mean the same thing on both systems. Each side at the end of its run. A fault tied to a print fires at the same point of the program's own work on both sides (after its n-th print), which the two runs may reach at different moments; any other fault fires at the same simulated time.", "同样的工作负载在 RabbitMQ 上运行（相同的生产者和消费者、消息体、间隔和启动时间；pika 使用 RabbitMQ 页面上的设置），注入在两个系统上含义相同的故障。两侧都是各自运行结束时的结果。绑定在打印上的故障在两侧都发生在程序自身工作的同一位置（第 n 次打印之后），两次运行到达该位置的时刻可能不同；其他故障在相同的模拟时间发生。"),
    ("k_cross_mapped", "Faults on both sides", "两侧都注入的故障"),
    ("k_cross_unmapped", "Faults with no RabbitMQ counterpart (Kafka only)", "在 RabbitMQ 上没有对应的故障（仅 Kafka）"),
    ("k_cross_none", "No faults: the workload alone.", "没有故障：只有工作负载本身。"),
    ("k_cross_failed", "The RabbitMQ side cannot run", "RabbitMQ 一侧无法运行"),
    ("k_injected_mark", "injected", "注入"),
    ("k_chapter_mark", "the chapter's", "本章自带"),
];

/// A Kafka page label in `lang`.
pub fn klabel(key: &str, lang: Lang) -> &str {
    KAFKA_PAGE_LABELS.iter().find(|(k, _, _)| *k == key).map(|(_, en, zh)| if lang == Lang::En { *en } else { *zh }).unwrap_or_else(|| label(key, lang))
}

/// A terminal keeps its last lines, as a real one scrolls.
const TERMINAL_LINES: usize = 200;
/// The event log shows the last events up to the current step.
const EVENTS_SHOWN: usize = 300;

/// The Kafka page's state: a chapter's run, or a loaded file's (with its settings and seed),
/// and where it is. It
/// lives in the playground's state (`Playground::kafka_run`), so the share link and the saved
/// state carry it (`KafkaState::share`, `KafkaState::from_share`).
/// The run's timeline of processed records (`engine::timing`): its full trace, its messages.
fn timeline_of(session: &Session<KafkaSim>) -> crate::engine::timing::Timeline {
    crate::engine::timing::Timeline::of(session.full_trace(), session.timeline().ledger().messages.len())
}

#[derive(Clone)]
pub struct KafkaState {
    pub chapter: usize,
    /// The settings the run has (the chapter's own until the panel changes one).
    pub settings: KafkaSettings,
    pub seed: u64,
    pub session: Rc<RefCell<Session<KafkaSim>>>,
    /// The run to its end, reported once per run (the opening and the outcome quote it).
    pub end: Rc<KafkaReport>,
    /// Each message's cause at the run's end (the table's cause column): computed the first
    /// time the table shows the end, once per run (a duplicate's or an out-of-order one's
    /// cause reads the whole trace).
    pub end_causes: Rc<RefCell<Option<Rc<Vec<Option<Cause>>>>>>,
    /// Throughput and latency at any step (`engine::timing`), once per run.
    pub timeline: Rc<crate::engine::timing::Timeline>,
    pub playing: bool,
    pub speed_x100: u32,
    pub selected: Option<u32>,
    pub error: Option<String>,
    /// Why the last settings change was refused (the run stays as it was).
    pub settings_error: Option<Refusal>,
    /// The conflicts for which kafka-python turned idempotence off in the last settings
    /// change (`KafkaSettings::as_kafka_python_runs`): the panel says so.
    pub idempotence_off: Option<String>,
    /// Counts settings changes, refused ones too: the panel is keyed by it, so a refused
    /// value in a field is replaced by the setting the run has.
    pub settings_changes: u64,
    /// The cross-system comparison, when open (`crate::cross`).
    pub compare: Option<Rc<crate::cross::CrossRun>>,
    /// A Kafka scenario file the user loaded, run instead of the chapter's scenario (a share
    /// link cannot carry it: the page keeps no link while it runs).
    pub custom: Option<Rc<KafkaScenario>>,
}

pub enum KafkaAction {
    Step,
    Back,
    Seek(usize),
    TogglePlay,
    Tick(usize),
    SetSpeed(u32),
    SetChapter(usize),
    Reset,
    Inject(FaultAction),
    /// Remove the injected fault at this index: the run is rebuilt without it.
    RemoveFault(usize),
    /// New settings: the run is rebuilt on the same seed with the injected faults at the
    /// same simulated times.
    SetSettings(KafkaSettings),
    Select(Option<u32>),
    DismissError,
    /// Open or close the cross-system comparison (with the RabbitMQ page's settings).
    ToggleCompare(Settings),
    /// Rebuild an open comparison with these RabbitMQ settings.
    RefreshCompare(Settings),
    /// Run a loaded Kafka scenario file (a `KafkaScenario`, already validated) instead of the
    /// chapter's. Boxed as `Any` so that the first module, which only passes it on, does not
    /// carry the scenario's drop code.
    Load(Box<dyn std::any::Any>),
    /// A settings field's text was refused before any run (not a whole number).
    RefuseSettings(Refusal),
}

/// The Kafka module's entry points: reached only through the split point
/// (`kafka_chunk::kafka_api`), so everything below is in the Kafka page's own wasm module.
pub static KAFKA_API: KafkaApi = KafkaApi {
    new_run: |chapter| KafkaRunBox(Box::new(KafkaState::new(chapter))),
    from_share: |share| KafkaState::from_share(share).map(|state| KafkaRunBox(Box::new(state))),
    parse_file: |text| KafkaScenario::from_json(text).map_err(|e| e.to_string()),
    bench: crate::web::bench_kafka_now,
};

impl KafkaRun for KafkaState {
    fn reduce(&mut self, action: KafkaAction, lock: bool) {
        KafkaState::reduce(self, action, lock)
    }
    fn pause(&mut self) {
        self.playing = false;
    }
    fn share(&self) -> KafkaShare {
        KafkaState::share(self)
    }
    fn seed(&self) -> u64 {
        self.seed
    }
    fn runs_loaded_file(&self) -> bool {
        self.custom.is_some()
    }
    fn scenario_file(&self, lang: Lang) -> (String, String) {
        let mut file = self.session.borrow().scenario_file();
        // A chapter's file saved from the Chinese page has the chapter's Chinese title.
        if let (Lang::Zh, None, Some(chapter)) = (lang, &self.custom, KAFKA_CHAPTERS.get(self.chapter)) {
            file.title = chapter.title(lang).to_string();
        }
        (file.name.clone(), file.to_json())
    }
    fn page(&self, link: AttrValue, snippet: AttrValue) -> Html {
        html! { <KafkaPage {link} {snippet} /> }
    }
    fn boxed_clone(&self) -> Box<dyn KafkaRun> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The catalog scenario of a Kafka chapter.
fn chapter_scenario(chapter: usize) -> Result<KafkaScenario, String> {
    let entry = KAFKA_CHAPTERS.get(chapter).ok_or_else(|| format!("no Kafka chapter {chapter}"))?;
    catalog::get(entry.scenario).map_err(|e| e.to_string())
}

/// The index of the Kafka chapter whose catalog name is `id`.
pub fn chapter_index(id: &str) -> Option<usize> {
    KAFKA_CHAPTERS.iter().position(|c| c.scenario == id)
}

impl KafkaState {
    /// A chapter at step 0, as written. The catalog runs (tests/kafka_golden.rs); a failure
    /// shows as an error on the first chapter rather than a panic.
    pub fn new(chapter: usize) -> KafkaState {
        let chapter = chapter.min(KAFKA_CHAPTERS.len() - 1);
        let built = chapter_scenario(chapter).and_then(|s| Ok((Session::<KafkaSim>::run(s.clone(), vec![]).map_err(|e| e.to_string())?, s)));
        let (chapter, (session, scenario), error) = match built {
            Ok(ok) => (chapter, ok, None),
            Err(e) => {
                let first = chapter_scenario(0).and_then(|s| Ok((Session::<KafkaSim>::run(s.clone(), vec![]).map_err(|e| e.to_string())?, s)));
                match first {
                    Ok(ok) => (0, ok, Some(e)),
                    Err(e0) => panic!("the Kafka catalog does not run: {e0}"),
                }
            }
        };
        KafkaState::with(chapter, KafkaSettings::of(&scenario), scenario.seed, session, error)
    }

    fn with(chapter: usize, settings: KafkaSettings, seed: u64, session: Session<KafkaSim>, error: Option<String>) -> KafkaState {
        let end = Rc::new(KafkaReport::new(session.timeline(), false));
        let timeline = Rc::new(timeline_of(&session));
        // A run whose idempotence kafka-python turned off (a share link's) says so as well.
        let idempotence_off = settings.enable_idempotence_unset.then(|| settings.idempotence_conflicts()).flatten();
        KafkaState { chapter, settings, seed, session: Rc::new(RefCell::new(session)), end, end_causes: Rc::default(), timeline, playing: false, speed_x100: 100, selected: None, error, settings_error: None, idempotence_off, settings_changes: 0, compare: None, custom: None }
    }

    /// A loaded scenario's run at step 0 (the chapter stays the one to go back to).
    fn loaded(chapter: usize, scenario: KafkaScenario) -> Result<KafkaState, String> {
        let session = Session::<KafkaSim>::run(scenario.clone(), vec![]).map_err(|e| e.to_string())?;
        let settings = KafkaSettings::of(&scenario);
        let seed = scenario.seed;
        Ok(KafkaState { custom: Some(Rc::new(scenario)), ..KafkaState::with(chapter, settings, seed, session, None) })
    }

    /// The scenario the run starts from before settings: the loaded file, or the chapter's.
    fn base_scenario(&self) -> Result<KafkaScenario, String> {
        match &self.custom {
            Some(scenario) => Ok((**scenario).clone()),
            None => chapter_scenario(self.chapter),
        }
    }

    /// The run a share link's Kafka part describes, or what is wrong with it.
    pub fn from_share(share: &KafkaShare) -> Result<KafkaState, LinkError> {
        let session = share.session()?;
        let chapter = chapter_index(&share.chapter).ok_or_else(|| LinkError::UnknownKafkaChapter(crate::scenario::json::quoted(&share.chapter)))?;
        let settings = KafkaSettings::of(session.base());
        Ok(KafkaState::with(chapter, settings, share.seed, session, None))
    }

    /// The Kafka part of a share link for this run.
    pub fn share(&self) -> KafkaShare {
        let session = self.session.borrow();
        let own = chapter_scenario(self.chapter).ok().map(|s| KafkaSettings::of(&s));
        KafkaShare {
            chapter: KAFKA_CHAPTERS[self.chapter.min(KAFKA_CHAPTERS.len() - 1)].scenario.into(),
            settings: (own.as_ref() != Some(&self.settings)).then(|| self.settings.clone()),
            seed: self.seed,
            faults: session.injected().to_vec(),
            step: session.position() as u64,
        }
    }

    /// The chapter's scenario with `settings` and this run's seed.
    pub fn scenario_with(&self, settings: &KafkaSettings) -> Result<KafkaScenario, Refusal> {
        let mut base = self.base_scenario().map_err(|problem| Refusal::Scenario(ScenarioError { field: String::new(), problem }))?;
        base.seed = self.seed;
        settings.apply_from_panel(&base)
    }

    fn set_session(&mut self, session: Session<KafkaSim>) {
        self.end = Rc::new(KafkaReport::new(session.timeline(), false));
        self.end_causes = Rc::default();
        self.timeline = Rc::new(timeline_of(&session));
        self.session = Rc::new(RefCell::new(session));
    }

    /// Apply an action; `lock`: the chapter cannot change (an embed with `lock=1`).
    pub fn reduce(&mut self, action: KafkaAction, lock: bool) {
        let mut rebuilt = false;
        match action {
            KafkaAction::Step => {
                self.session.borrow_mut().step_forward();
            }
            KafkaAction::Back => {
                self.playing = false;
                self.session.borrow_mut().step_back();
            }
            KafkaAction::Seek(step) => self.session.borrow_mut().seek(step),
            KafkaAction::TogglePlay => self.playing = self.session.borrow_mut().toggle_play(self.playing),
            KafkaAction::Tick(steps) => {
                let going = self.session.borrow_mut().tick(steps);
                self.playing &= going;
            }
            KafkaAction::SetSpeed(speed) => self.speed_x100 = speed.clamp(25, 6400),
            KafkaAction::SetChapter(chapter) => {
                if lock {
                    return;
                }
                let compare = self.compare.take();
                *self = KafkaState { speed_x100: self.speed_x100, compare, ..KafkaState::new(chapter) };
                rebuilt = true;
            }
            KafkaAction::Reset => {
                let compare = self.compare.take();
                let fresh = match &self.custom {
                    // A loaded scenario starts over as it was loaded.
                    Some(scenario) => KafkaState::loaded(self.chapter, (**scenario).clone()),
                    None => Ok(KafkaState::new(self.chapter)),
                };
                match fresh {
                    Ok(fresh) => {
                        *self = KafkaState { speed_x100: self.speed_x100, compare, ..fresh };
                        rebuilt = true;
                    }
                    Err(e) => self.error = Some(e),
                }
            }
            KafkaAction::Load(scenario) => match scenario.downcast::<KafkaScenario>().map_err(|_| String::from("not a Kafka scenario")).and_then(|s| KafkaState::loaded(self.chapter, *s)) {
                Ok(fresh) => {
                    let compare = self.compare.take();
                    *self = KafkaState { speed_x100: self.speed_x100, compare, ..fresh };
                    rebuilt = true;
                }
                Err(e) => self.error = Some(e),
            },
            KafkaAction::Inject(fault) => {
                self.playing = false;
                let forked = self.session.borrow().forked(fault);
                match forked {
                    Ok(fork) => {
                        self.set_session(fork);
                        self.error = None;
                        rebuilt = true;
                    }
                    Err(e) => self.error = Some(e.to_string()),
                }
            }
            KafkaAction::RemoveFault(index) => {
                let fresh = self.session.borrow().without_injected(index);
                match fresh {
                    Some(Ok(fresh)) => {
                        self.set_session(fresh);
                        self.error = None;
                        rebuilt = true;
                    }
                    Some(Err(e)) => self.error = Some(e.to_string()),
                    None => {}
                }
            }
            KafkaAction::SetSettings(asked) => {
                self.playing = false;
                self.settings_changes += 1;
                let (faults, position, now_ms) = {
                    let session = self.session.borrow();
                    (session.injected_at_times(), session.position(), session.now_ms())
                };
                let built = asked.as_kafka_python_runs(&self.settings).and_then(|(settings, idempotence_off)| {
                    let s = self.scenario_with(&settings)?;
                    Session::<KafkaSim>::run(s, faults).map(|fresh| (fresh, settings, idempotence_off)).map_err(Refusal::Scenario)
                });
                match built {
                    Ok((mut fresh, settings, idempotence_off)) => {
                        let step = fresh.step_matching(position, now_ms);
                        fresh.seek(step);
                        self.set_session(fresh);
                        self.settings = settings;
                        self.settings_error = None;
                        self.idempotence_off = idempotence_off;
                        rebuilt = true;
                    }
                    Err(e) => self.settings_error = Some(e),
                }
            }
            KafkaAction::RefuseSettings(refusal) => {
                self.settings_changes += 1;
                self.settings_error = Some(refusal);
            }
            KafkaAction::Select(message) => self.selected = if self.selected == message { None } else { message },
            KafkaAction::DismissError => self.error = None,
            KafkaAction::ToggleCompare(rabbit) => {
                self.compare = if self.compare.is_some() { None } else { Some(Rc::new(crate::cross::CrossRun::new(&self.session.borrow(), &rabbit))) };
            }
            KafkaAction::RefreshCompare(rabbit) => {
                if self.compare.is_some() {
                    self.compare = Some(Rc::new(crate::cross::CrossRun::new(&self.session.borrow(), &rabbit)));
                }
            }
        }
        // A new run: an open comparison follows it (same RabbitMQ settings).
        if rebuilt {
            if let Some(open) = self.compare.clone() {
                self.compare = Some(Rc::new(crate::cross::CrossRun::new(&self.session.borrow(), &open.rabbit_settings)));
            }
        }
    }
}


fn client_status(status: ActorStatus) -> ClientStatus {
    match status {
        ActorStatus::NotStarted => ClientStatus::NotStarted,
        ActorStatus::Running => ClientStatus::Running,
        ActorStatus::Crashed => ClientStatus::Crashed,
        ActorStatus::Stopped => ClientStatus::Stopped,
        ActorStatus::Failed(_) => ClientStatus::Failed,
        ActorStatus::Finished => ClientStatus::Finished,
    }
}

/// What the diagram needs of the world at this step.
pub fn world_facts(world: &KafkaSim) -> KafkaWorldFacts {
    let scenario = world.scenario();
    let topic_index = |name: &str| scenario.topics.iter().position(|t| t.name == name).unwrap_or(usize::MAX) as u16;
    let mut facts = KafkaWorldFacts { topics: scenario.topics.iter().map(|t| t.name.clone()).collect(), ..KafkaWorldFacts::default() };
    for (index, spec) in scenario.actors.iter().enumerate() {
        let Some(runtime) = world.actors().get(index) else { continue };
        let status = client_status(runtime.status);
        match spec {
            KafkaActorSpec::Producer(p) => facts.producers.push(ProducerFacts { name: p.name.clone(), status, topic: topic_index(&p.topic), line: runtime.line }),
            KafkaActorSpec::Consumer(c) => {
                let positions = runtime.assignment.iter().filter_map(|&global| runtime.position(global).map(|offset| (world.topic_partition(global), offset))).collect();
                let member = if status == ClientStatus::Running { runtime.member } else { None };
                facts.consumers.push(ConsumerFacts { name: c.name.clone(), status, group: c.group_id.clone(), member, positions, line: runtime.line });
            }
        }
    }
    let ledger = world.ledger();
    for tag in shown_tags(world.cluster()) {
        // A record's tag is its copy id + 1 (0 is a control marker's).
        let Some(copy) = tag.checked_sub(1).and_then(|c| ledger.copies.get(c as usize)) else { continue };
        let Some(message) = ledger.messages.get(copy.message.index()) else { continue };
        facts.records.insert(tag, RecordFacts { data: message.data, message: copy.message.0, verdict: world.verdict(copy.message) });
    }
    facts
}

/// What Python prints when CTRL+C interrupts a program: the KeyboardInterrupt raised in the
/// main thread (kafka-python 3's `for message in consumer:` waits on a `threading.Event` while
/// its IO thread polls; neither it nor the tutorial's code catches it: the consumer's
/// `finally: consumer.close()` runs, then the traceback ends the program). The terminal shows
/// an exception by its last line, as for every other error.
pub const KEYBOARD_INTERRUPT: &str = "KeyboardInterrupt";

pub use crate::i18n::restart_separator;

/// The lines `actor` printed up to this step (`trace`: the run so far), with a stop's
/// KeyboardInterrupt and a separator where the program was started again.
pub fn terminal_at(world: &KafkaSim, trace: &[KafkaTraceEntry], actor: ActorId, lang: Lang) -> Vec<String> {
    // A consumer's traceback comes once its `finally: consumer.close()` has returned (its
    // `ActorExited`); a producer has no `finally`, so at once. A kill meanwhile prints nothing.
    let consumer = matches!(world.scenario().actors.get(actor.index()), Some(KafkaActorSpec::Consumer(_)));
    let mut closing = false;
    let lines: Vec<String> = trace
        .iter()
        .filter_map(|e| match e.event {
            KafkaEvent::Printed { actor: a, text, .. } if a == actor => Some(world.print_text(actor, text)),
            KafkaEvent::ActorStopped { actor: a } if a == actor && consumer => {
                closing = true;
                None
            }
            KafkaEvent::ActorStopped { actor: a } if a == actor => Some(KEYBOARD_INTERRUPT.to_string()),
            KafkaEvent::ActorExited { actor: a, error: None } if a == actor && closing => {
                closing = false;
                Some(KEYBOARD_INTERRUPT.to_string())
            }
            KafkaEvent::ActorCrashed { actor: a } if a == actor => {
                closing = false;
                None
            }
            KafkaEvent::ActorRestarted { actor: a } if a == actor => {
                closing = false;
                Some(restart_separator(lang).to_string())
            }
            _ => None,
        })
        .collect();
    let skip = lines.len().saturating_sub(TERMINAL_LINES);
    lines[skip..].to_vec()
}

/// How many times each message was printed as received up to this step.
fn printed_at(world: &KafkaSim, trace: &[KafkaTraceEntry]) -> Vec<u32> {
    let scenario = world.scenario();
    let ledger = world.ledger();
    let mut printed = vec![0u32; ledger.messages.len()];
    // (topic, payload) -> the first message with them, indexed once (a lookup per print).
    let mut first: std::collections::BTreeMap<(&str, u32), usize> = std::collections::BTreeMap::new();
    for (i, m) in ledger.messages.iter().enumerate() {
        if let Some(KafkaActorSpec::Producer(p)) = scenario.actors.get(m.producer.index()) {
            first.entry((p.topic.as_str(), m.data)).or_insert(i);
        }
    }
    for entry in trace {
        let KafkaEvent::Printed { actor, text: TerminalText::Received { data }, .. } = entry.event else { continue };
        let Some(KafkaActorSpec::Consumer(consumer)) = scenario.actors.get(actor.index()) else { continue };
        let found = first.get(&(consumer.topic.as_str(), data)).copied();
        if let Some(i) = found {
            printed[i] += 1;
        }
    }
    printed
}

/// One row of the verdict table.
pub struct Row {
    pub id: u32,
    pub data: u32,
    pub verdict: Verdict,
    pub printed: u32,
    /// Each record: "test_topic-0 @5", "in flight", "discarded" (truncated from a log), or a
    /// send attempt no broker stored.
    pub records: Vec<(&'static str, String)>,
}

/// The verdict table's rows at this step, in message order.
pub fn rows(session: &Session<KafkaSim>) -> Vec<Row> {
    let world = session.world();
    let ledger = world.ledger();
    let printed = printed_at(world, session.trace());
    // One index of the records for every verdict (`verdict` per message would scan them each).
    let verdicts = world.verdicts();
    let name = |global: u16| crate::kafka_text::partition_name(world, QueueId(global));
    let mut records: Vec<Vec<(&'static str, String)>> = vec![Vec::new(); ledger.messages.len()];
    for copy in &ledger.copies {
        let Some(list) = records.get_mut(copy.message.index()) else { continue };
        let entry = match copy.place {
            crate::engine::ledger::Place::Ready { queue } => ("in_log", format!("{} @{}", name(queue.0), copy.extra.offset)),
            // Removed from a log (truncated): the record existed at its offset. A produce attempt
            // no broker appended (refused, lost, a duplicate the leader recognised) was never a
            // record: said as an attempt.
            crate::engine::ledger::Place::Discarded if copy.extra.appended => ("discarded", format!("{} @{}", name(copy.extra.partition), copy.extra.offset)),
            crate::engine::ledger::Place::Discarded => ("k_not_stored", name(copy.extra.partition)),
            _ => ("k_in_flight", name(copy.extra.partition)),
        };
        list.push(entry);
    }
    ledger
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            // No attempt at all: send() queued it while no leader was known, and it never left
            // the producer's buffer.
            let mut list = std::mem::take(&mut records[i]);
            if list.is_empty() {
                list.push(("k_in_buffer", String::new()));
            }
            Row { id: i as u32, data: m.data, verdict: verdicts.get(i).copied().unwrap_or(Verdict::Pending), printed: printed[i], records: list }
        })
        .collect()
}

/// Whether a row's cause is settled mid-run: its message's verdict, prints and records at
/// this step are those of the run's end (`end`), and the verdict is one a cause explains
/// (not pending). Then the end's cause (what already happened to it) is its cause now.
pub fn settled_row(row: &Row, end: &KafkaReport) -> bool {
    let Some(last) = end.messages.get(row.id as usize) else { return false };
    if row.verdict == Verdict::Pending || row.verdict != last.verdict || row.printed != last.printed {
        return false;
    }
    // The same records, in the same places (as `rows` words them).
    let at_end: Vec<(&str, String)> = last
        .records
        .iter()
        .map(|r| {
            let place = r.partition.clone().unwrap_or_default();
            match (r.state, r.offset) {
                ("in_log", Some(o)) => ("in_log", format!("{place} @{o}")),
                ("discarded", Some(o)) => ("discarded", format!("{place} @{o}")),
                ("discarded", None) => ("k_not_stored", place),
                _ => ("k_in_flight", place),
            }
        })
        .collect();
    let now: Vec<(&str, String)> = row.records.iter().filter(|r| r.0 != "k_in_buffer").map(|(state, place)| (*state, place.clone())).collect();
    now == at_end
}

#[derive(Properties, PartialEq)]
pub struct KafkaPageProps {
    /// The share link and the embed snippet of the page's state (the footer shows them).
    pub link: AttrValue,
    pub snippet: AttrValue,
}

#[component]
pub fn KafkaPage(props: &KafkaPageProps) -> Html {
    let page = use_playground();
    let lang = page.lang;
    let embed = page.params.embed;
    let locked = page.params.lock;
    // The run lives in the playground's state (the app creates it before showing this page).
    let kd: Callback<KafkaAction> = {
        let page = page.clone();
        Callback::from(move |action| page.dispatch(PageAction::Kafka(action)))
    };
    let state = page.kafka_run.as_ref().and_then(|run| run.as_any().downcast_ref::<KafkaState>()).cloned().unwrap_or_else(|| KafkaState::new(0));

    crate::ui::components::transport::use_play_timer(state.playing, state.speed_x100, kd.reform(KafkaAction::Tick));
    let actors_ref = crate::ui::components::code::use_reveal_lines();

    let session = state.session.borrow();
    let (position, len) = (session.position(), session.len());
    let world = session.world();
    let timeline = session.timeline();
    let trace = session.trace();
    let chapter = &KAFKA_CHAPTERS[state.chapter.min(KAFKA_CHAPTERS.len() - 1)];
    let at_end = position >= len;
    let shown_ms = trace.last().map_or(0, |e| u64::from(e.at_ms));

    // The tour.
    let on_lang = {
        let page = page.clone();
        Callback::from(move |_: MouseEvent| page.dispatch(PageAction::SetLang(if lang == Lang::En { Lang::Zh } else { Lang::En })))
    };
    let from = if position == 0 { 0 } else { session.events_at(position - 1) };
    let step_events: Vec<String> = (from..trace.len()).map(|i| describe_at(trace, i, timeline, lang)).collect();
    let injected = session.injected().len();
    let step_line = html! {
        <p id="step-narration" aria-live={if state.playing { "off" } else { "polite" }}>
            { if step_events.is_empty() { String::from("…") } else { step_events.join(" · ") } }
        </p>
    };
    let on_chapter_menu = {
        let kd = kd.clone();
        Callback::from(move |e: web_sys::Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = select.value().parse::<usize>() {
                kd.emit(KafkaAction::SetChapter(i));
            }
        })
    };
    // What the settings changed, beside the title (the title stays true of the settings shown).
    let title_note = state.base_scenario().ok().and_then(|s| {
        let diff = KafkaSettings::of(&s).diff(&state.settings, lang);
        let (was, is): (Vec<String>, Vec<String>) = diff.into_iter().unzip();
        (!was.is_empty()).then(|| match lang {
            Lang::En => format!("as written: {}; you changed: {}", was.join(", "), is.join(", ")),
            Lang::Zh => format!("原文：{}；你改为：{}", was.join("，"), is.join("，")),
        })
    });
    let tour = if embed {
        // The compact mode: a chapter menu (unless locked) and the step's narration line.
        html! {
            <section id="tour" class="kafka compact" aria-label={label("tour", lang)}>
                if !locked {
                    <select id="embed-chapter" aria-label={label("chapter", lang)} onchange={on_chapter_menu}>
                        { for KAFKA_CHAPTERS.iter().enumerate().map(|(i, c)| html! {
                            <option value={i.to_string()} selected={i == state.chapter}>{ c.title(lang) }</option>
                        }) }
                    </select>
                }
                { step_line }
            </section>
        }
    } else { html! {
        <section id="tour" class="kafka" aria-label={label("tour", lang)}>
            <nav class="chapters">
                { for KAFKA_CHAPTERS.iter().enumerate().map(|(i, c)| {
                    let current = i == state.chapter && state.custom.is_none();
                    let kd = kd.clone();
                    let onclick = Callback::from(move |_: MouseEvent| kd.emit(KafkaAction::SetChapter(i)));
                    html! {
                        <button class={classes!("chapter", current.then_some("current"))} data-chapter={c.scenario} aria-current={current.then_some("step")} {onclick}>{ c.title(lang) }</button>
                    }
                }) }
                <button id="lang-toggle" class="lang" onclick={on_lang}>{ label("language", lang) }</button>
            </nav>
            <div id="narration">
                <h2 id="chapter-title">
                    { match &state.custom {
                        // "Loaded: name" / "已加载：name", as on the RabbitMQ page.
                        Some(scenario) => format!("{}{}{}", label("loaded", lang), if lang == Lang::En { " " } else { "" }, scenario.name),
                        None => chapter.title(lang).to_string(),
                    } }
                    if let Some(note) = &title_note {
                        <small id="title-note" class="title-note">{ note.clone() }</small>
                    }
                </h2>
                if let Some(scenario) = &state.custom {
                    // A loaded file has no chapter story: its own title says what it is.
                    <p class="chapter-narration">{ scenario.title.clone() }</p>
                } else if injected == 0 && title_note.is_some() {
                    // The opening quotes the chapter's own run: with other settings it would
                    // quote facts this run does not have, so the note stands in for it.
                    <p id="settings-note" class="chapter-narration note">{ klabel("k_settings_note", lang) }</p>
                } else if injected == 0 {
                    <p class="chapter-narration">{ opening(chapter, timeline, &state.end, lang) }</p>
                } else {
                    // With faults injected the chapter's story is no longer this run's: say so.
                    <p class="chapter-narration">{ crate::i18n::injected_note(injected, lang) }</p>
                }
                if at_end {
                    <p id="outcome" data-label={state.end.label.name()}>{ outcome(&state.end, lang) }</p>
                }
                if let Some(error) = &state.error {
                    <p id="kafka-error" class="error" role="alert">{ format!("{}: {error}", klabel("k_fault_failed", lang)) }</p>
                }
            </div>
            { step_line }
        </section>
    } };

    // The transport.
    let on_transport = kd.reform(|key| match key {
        TransportKey::Reset => KafkaAction::Reset,
        TransportKey::Back => KafkaAction::Back,
        TransportKey::TogglePlay => KafkaAction::TogglePlay,
        TransportKey::Step => KafkaAction::Step,
        TransportKey::End => KafkaAction::Seek(usize::MAX),
        TransportKey::Seek(step) => KafkaAction::Seek(step),
        TransportKey::Speed(speed) => KafkaAction::SetSpeed(speed),
    });
    let transport = system_transport("kafka", TransportAt { position, len, shown_ms, playing: state.playing, speed_x100: state.speed_x100 }, &on_transport, lang);

    // The programs and their terminals.
    let scenario = world.scenario();
    let acting = trace.iter().rev().find_map(|e| e.event.actor()).map(|a| a.index());
    // The compact mode shows one program: the one that acted last (else the first).
    let shown_actors: Vec<usize> = if embed { vec![acting.unwrap_or(0)] } else { (0..scenario.actors.len()).collect() };
    let actors = html! {
        <section id="actors" class="kafka" ref={actors_ref} data-actors={shown_actors.len().to_string()}>
            { for scenario.actors.iter().enumerate().filter(|(index, _)| shown_actors.contains(index)).filter_map(|(index, spec)| {
                let runtime = world.actors().get(index)?;
                let program = world.programs().get(index)?;
                let status = client_status(runtime.status);
                let down = status.down();
                let current = if down || status == ClientStatus::Finished { 0 } else { runtime.line };
                let died = if down { runtime.line } else { 0 };
                let ended = if status == ClientStatus::Finished { runtime.line } else { 0 };
                let is_acting = acting == Some(index);
                let name = spec.name().to_string();
                Some(html! {
                    <div class={classes!("actor", down.then_some("down"), is_acting.then_some("acting"))} data-actor={name.clone()} data-status={status.name()} data-line={runtime.line.to_string()}>
                        <h3>{ format!("{name} · {}", label(status.name(), lang)) }</h3>
                        <pre class="code" role="region" aria-label={format!("{name} · {}", label("code", lang))}>
                            { for program.code.iter().enumerate().map(|(i, text)| {
                                let line = (i + 1) as u16;
                                let is_died = died > 0 && line == died;
                                let is_ended = ended > 0 && line == ended;
                                html! {
                                    <span class={classes!("line", (line == current).then_some("current"), is_died.then_some("died"), is_ended.then_some("ended"))} data-line={line.to_string()}
                                        aria-current={(line == current).then_some("step")}>
                                        <span class="ln">{ format!("{line:>3} ") }</span>{ text.clone() }
                                        if is_died { <span class="died-mark">{ " ✕ " }{ crate::i18n::died_mark(status.name(), runtime.line_done, lang) }</span> }
                                        if is_ended { <span class="ended-mark">{ " ✓ " }{ label(status.name(), lang) }</span> }
                                        { "\n" }
                                    </span>
                                }
                            }) }
                        </pre>
                        <pre class="terminal" role="region" tabindex="0" aria-label={format!("{name} · {}", label("terminal", lang))}><span>{ terminal_at(world, trace, ActorId(index as u16), lang).join("\n") }</span></pre>
                    </div>
                })
            }) }
        </section>
    };

    // The diagram.
    let view = Rc::new(KafkaDiagramView::new(world.cluster(), world.coordinator(), &world_facts(world)));
    let on_select = {
        let kd = kd.clone();
        Callback::from(move |id: u32| kd.emit(KafkaAction::Select(Some(id))))
    };
    let diagram = html! { <KafkaDiagram view={view} selected={state.selected} on_select={on_select} lang={lang} /> };

    // The verdicts.
    let rows = rows(&session);
    let counts = world.verdict_counts();
    let run_label = if counts.published == 0 { "—".to_string() } else { world.label().name().to_string() };
    let summary = html! {
        <section id="verdict-head">
            <p id="verdict-summary" data-system="kafka" data-label={run_label.clone()}>
                <strong class={classes!("label", run_label.clone())}>{ label(&run_label, lang) }</strong>
            </p>
            <div id="counts">{ count_list_except(&counts, lang, KAFKA_HIDDEN_COUNTS) }</div>
            { timing_view(&state.timeline.until(session.trace().len()), |a| session.timeline().scenario().actors[a.index()].name().to_string(), lang) }
        </section>
    };
    // The causes read the trace, so the page asks the run's end for them once (memoised per
    // run). Mid-run a row shows its end cause when it is settled: its verdict, prints and
    // records are already what they are at the end, so nothing after this step changes why.
    let settled: Vec<bool> = rows.iter().map(|row| at_end || settled_row(row, &state.end)).collect();
    let end_causes: Option<Rc<Vec<Option<Cause>>>> = settled.iter().any(|&s| s).then(|| {
        let mut memo = state.end_causes.borrow_mut();
        Rc::clone(memo.get_or_insert_with(|| Rc::new(timeline.causes())))
    });
    let table = html! {
        <section id="verdicts" class="kafka">
            <div class="table-scroll" role="region" aria-label={label("verdict", lang)} tabindex="0">
            <table id="messages">
                <thead><tr><th>{ label("message_id", lang) }</th><th>{ label("payload", lang) }</th><th>{ klabel("printed", lang) }</th><th>{ klabel("records", lang) }</th><th>{ label("verdict", lang) }</th><th>{ label("cause", lang) }</th></tr></thead>
                <tbody>
                { for rows.iter().map(|row| {
                    let verdict = verdict_name(row.verdict);
                    let id = row.id;
                    let onclick = {
                        let kd = kd.clone();
                        Callback::from(move |_: MouseEvent| kd.emit(KafkaAction::Select(Some(id))))
                    };
                    let cause = end_causes.as_ref().filter(|_| settled.get(id as usize).copied().unwrap_or(false)).and_then(|causes| causes.get(id as usize).copied().flatten()).map(|c| crate::kafka_text::cause_text(c, lang));
                    html! {
                        <tr class={classes!("verdict-row", verdict, (state.selected == Some(id)).then_some("selected"))} data-data={row.data.to_string()} data-message={id.to_string()}
                            data-verdict={verdict} data-printed={row.printed.to_string()} {onclick}>
                            <td>{ id }</td>
                            <td class="payload"><code>{ format!("{{'data': {}}}", row.data) }</code></td>
                            <td class="printed">{ format!("×{}", row.printed) }</td>
                            <td class="where">{ records_text(&row.records, lang) }</td>
                            <td class="verdict-cell">{ label(verdict, lang) }</td>
                            <td class="cause">{ cause.unwrap_or_default() }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
            </div>
        </section>
    };

    // The faults: each forks the run here.
    // A button is disabled with its reason as its title (`blocked`). At the run's end a fault
    // continues the run (a broker started again, a consumer restarted).
    let fault_button = |key: &'static str, text: String, action: FaultAction, blocked: Option<String>| {
        let kd = kd.clone();
        let onclick = Callback::from(move |_: MouseEvent| kd.emit(KafkaAction::Inject(action.clone())));
        let disabled = blocked.is_some();
        html! { <button class="fault" data-fault={key} {disabled} title={blocked} {onclick}>{ text }</button> }
    };
    let en = lang == Lang::En;
    let brokers = scenario.broker.brokers;
    let producers: Vec<String> = scenario.actors.iter().filter(|a| matches!(a, KafkaActorSpec::Producer(_))).map(|a| a.name().to_string()).collect();
    let faults = html! {
        <section id="faults" class="kafka" aria-label={label("faults", lang)}>
            <h3>{ label("faults", lang) }</h3>
            <div class="fault-row">
            { for scenario.actors.iter().enumerate().map(|(index, spec)| {
                let name = spec.name().to_string();
                let status = world.actors().get(index).map_or(ClientStatus::NotStarted, |r| client_status(r.status));
                // Crash and stop need a running program; restart one that ran and is down.
                let down = match status {
                    ClientStatus::Running => None,
                    ClientStatus::NotStarted => Some(crate::faults::Blocked::NotStarted { actor: name.clone() }.text(lang)),
                    other => Some(crate::faults::Blocked::ActorDown { actor: name.clone(), status: other.name() }.text(lang)),
                };
                let cannot_restart = match status {
                    ClientStatus::Running => Some(if en { format!("{name} is running") } else { format!("{name} 正在运行") }),
                    ClientStatus::NotStarted => down.clone(),
                    _ => None,
                };
                html! {
                    <span class="fault-group" data-actor={name.clone()}>
                        { fault_button("crash", if en { format!("Crash {name}") } else { format!("让 {name} 崩溃") }, FaultAction::Crash(name.clone()), down.clone()) }
                        { fault_button("stop", format!("{} {name}", klabel("k_stop", lang)), FaultAction::Stop(name.clone()), down) }
                        { fault_button("restart", format!("{} {name}", klabel("k_restart", lang)), FaultAction::Restart(name.clone()), cannot_restart) }
                    </span>
                }
            }) }
            </div>
            <div class="fault-row">
            { for (0..brokers).map(|node| {
                let up = world.cluster().broker_up(NodeId(node));
                let (down, is_up) = if up {
                    (None, Some(if en { format!("kafka@{node} is already up") } else { format!("kafka@{node} 已经在运行") }))
                } else {
                    (Some(if en { format!("kafka@{node} is already down") } else { format!("kafka@{node} 已经停止") }), None)
                };
                html! {
                    <span class="fault-group" data-broker={node.to_string()}>
                        { fault_button("crash_node", if en { format!("Crash kafka@{node}") } else { format!("让 kafka@{node} 崩溃") }, FaultAction::CrashNode { node, restart: false }, down.clone()) }
                        { fault_button("stop_node", format!("{} kafka@{node}", klabel("k_stop_broker", lang)), FaultAction::StopNode { node, restart: false }, down) }
                        { fault_button("start_node", format!("{} kafka@{node}", klabel("k_start_broker", lang)), FaultAction::StartNode(node), is_up) }
                        { for producers.iter().map(|p| {
                            let text = if en { format!("Drop next response to {p} (kafka@{node})") } else { format!("丢弃 kafka@{node} 发往 {p} 的下一条响应") };
                            fault_button("drop_next", text, FaultAction::DropNext { from: format!("kafka@{node}"), to: p.clone() }, None)
                        }) }
                    </span>
                }
            }) }
            </div>
            if !session.base().faults.is_empty() {
                <p id="chapter-faults" class="chapter-faults">
                    { chapter_faults_line(&session.base().faults, kafka_fault_text, |i| crate::engine::core::System::core(timeline).fault_fired(i), lang) }
                </p>
            }
            if injected > 0 {
                <ol id="injected" aria-label={klabel("k_injected", lang)}>
                    { for session.injected().iter().enumerate().map(|(i, f)| {
                        let text = kafka_fault_text(&f.action, lang);
                        let onclick = {
                            let kd = kd.clone();
                            Callback::from(move |_: MouseEvent| kd.emit(KafkaAction::RemoveFault(i)))
                        };
                        html! {
                            <li class="injected" data-index={i.to_string()}>{ text.clone() }{ " · " }{ when(&f.when, lang) }{ " " }
                                <button class="remove-fault" aria-label={format!("{} {text}", klabel("k_remove", lang))} title={klabel("k_remove", lang).to_string()} {onclick}>{ "×" }</button>
                            </li>
                        }
                    }) }
                </ol>
            }
        </section>
    };

    // The event log: the run so far, newest first.
    let first = trace.len().saturating_sub(EVENTS_SHOWN);
    let events = html! {
        <section id="event-log" class="kafka" aria-labelledby="event-log-title">
            <h3 id="event-log-title">{ label("events", lang) }</h3>
            <ol reversed=true>
                { for (first..trace.len()).rev().map(|index| {
                    let entry = &trace[index];
                    let step = session.step_of_event(index);
                    let onclick = {
                        let kd = kd.clone();
                        Callback::from(move |_: MouseEvent| kd.emit(KafkaAction::Seek(step)))
                    };
                    html! {
                        <li class={classes!(entry.event.is_fault().then_some("fault"))} value={(index + 1).to_string()} data-event={index.to_string()} {onclick}>
                            <span class="at">{ format!("{} ms", entry.at_ms) }</span>{ " " }{ describe_at(trace, index, timeline, lang) }
                        </li>
                    }
                }) }
            </ol>
        </section>
    };

    html! {
        <div id="kafka-page" data-chapter={chapter.scenario} data-position={position.to_string()} data-len={len.to_string()}>
            { tour }
            { transport }
            if !embed {
                <ShareTools link={props.link.clone()} snippet={props.snippet.clone()} />
            }
            <div class="columns">
                <div class="left">{ actors }</div>
                <div class="right">
                    { diagram }
                    { summary }
                    if !embed {
                        { faults }
                        { table }
                    }
                </div>
            </div>
            if !embed {
                <KafkaSettingsPanel key={state.settings_changes.to_string()} settings={state.settings.clone()} error={state.settings_error.clone()} idempotence_off={state.idempotence_off.clone().map(AttrValue::from)} lang={lang} on_action={kd.clone()} />
                { cross_compare(&state, &page.settings, &kd, lang) }
                <crate::ui::components::three_systems::ThreeSystems {lang} />
                { events }
            }
        </div>
    }
}


/// When an injected fault fires, in words.
fn when(trigger: &crate::scenario::Trigger, lang: Lang) -> String {
    match trigger {
        crate::scenario::Trigger::AtStep(step) => format!("{} {step}", klabel("k_at_step", lang)),
        crate::scenario::Trigger::AtMs(ms) => format!("{ms} ms"),
        _ => String::new(),
    }
}

/// A message's records in words: where each is (`test_topic-0 @3`) or what became of it; the
/// same entry repeated (hundreds of refused retries) is written once with its count.
fn records_text(records: &[(&'static str, String)], lang: Lang) -> String {
    let mut parts: Vec<(String, usize)> = Vec::new();
    for (state, place) in records {
        let text = match (*state, lang) {
            ("in_log", _) => place.clone(),
            ("k_not_stored", Lang::Zh) => format!("发往 {place} 但未被存储的发送尝试"),
            (_, _) if place.is_empty() => klabel(state, lang).to_string(),
            _ => format!("{} {place}", klabel(state, lang)),
        };
        match parts.last_mut() {
            Some((last, n)) if *last == text => *n += 1,
            _ => parts.push((text, 1)),
        }
    }
    parts.into_iter().map(|(text, n)| if n > 1 { format!("{text} ×{n}") } else { text }).collect::<Vec<_>>().join("; ")
}

/// A Kafka fault in words (brokers are `kafka@N`; a lost frame is a lost response).
pub fn kafka_fault_text(action: &FaultAction, lang: Lang) -> String {
    let en = lang == Lang::En;
    let pick = |e: String, z: String| if en { e } else { z };
    match action {
        // A scenario's crash may bring the broker back by itself (`broker.restart_delay_ms`):
        // the fault's words say so (the page's own crash button leaves it down).
        FaultAction::CrashNode { node, restart: true } => pick(format!("Crash kafka@{node} (it restarts by itself)"), format!("kafka@{node} 崩溃（随后自动重启）")),
        FaultAction::CrashNode { node, restart: false } => pick(format!("Crash kafka@{node}"), format!("kafka@{node} 崩溃")),
        FaultAction::StopNode { node, restart: true } => pick(format!("Restart kafka@{node}"), format!("重启 kafka@{node}")),
        FaultAction::StopNode { node, restart: false } => pick(format!("Stop kafka@{node}"), format!("停止 kafka@{node}")),
        FaultAction::StartNode(node) => pick(format!("Start kafka@{node}"), format!("启动 kafka@{node}")),
        FaultAction::DropNext { from, to } => pick(format!("Drop the next response {from} → {to}"), format!("丢弃 {from} → {to} 的下一条响应")),
        other => crate::faults::fault_text(other, lang),
    }
}

/// The cross-system compare: the button, and when open both sides and the fault mapping.
fn cross_compare(state: &KafkaState, rabbit: &Settings, kd: &Callback<KafkaAction>, lang: Lang) -> Html {
    let on_toggle = {
        let kd = kd.clone();
        let rabbit = rabbit.clone();
        Callback::from(move |_: MouseEvent| kd.emit(KafkaAction::ToggleCompare(rabbit.clone())))
    };
    let side = |key: &'static str, title: &str, result: &crate::cross::SideResult| {
        let run_label = if result.counts.published == 0 && result.counts.never_sent == 0 { "—".to_string() } else { result.label.name().to_string() };
        html! {
            <div class="compare-side" data-side={key} data-label={run_label.clone()}>
                <h4>{ title.to_string() }{ " · " }<strong class={classes!("label", run_label.clone())}>{ label(&run_label, lang) }</strong></h4>
                { count_list(&result.counts, lang) }
                <pre class="code small" role="region" tabindex="0" aria-label={format!("{title} · {}", label("code", lang))}>{ result.consumer_code.clone() }</pre>
            </div>
        }
    };
    let body = state.compare.as_ref().map(|c| {
        let fault_line = |m: &crate::cross::MappedFault| {
            let (open, close) = if lang == Lang::En { (" (", ")") } else { ("（", "）") };
            format!("{}{open}{}{close}", fault_with_trigger(&kafka_fault_text(&m.kafka.action, lang), &m.kafka.when, lang), klabel(if m.injected { "k_injected_mark" } else { "k_chapter_mark" }, lang))
        };
        let mapped: Vec<&crate::cross::MappedFault> = c.faults.iter().filter(|m| m.rabbit.is_ok()).collect();
        let unmapped: Vec<&crate::cross::MappedFault> = c.faults.iter().filter(|m| m.rabbit.is_err()).collect();
        html! {
            <>
                <p class="note">{ klabel("k_cross_intro", lang) }</p>
                <div class="compare-sides">
                    { side("kafka", "Kafka", &c.kafka) }
                    { match &c.rabbit {
                        Ok(r) => side("rabbitmq", "RabbitMQ", r),
                        Err(e) => html! { <div class="compare-side" data-side="rabbitmq"><p id="cross-error" class="error" role="alert">{ format!("{}: {e}", klabel("k_cross_failed", lang)) }</p></div> },
                    } }
                </div>
                if c.faults.is_empty() {
                    <p id="cross-no-faults">{ klabel("k_cross_none", lang) }</p>
                }
                if !mapped.is_empty() {
                    <h4>{ klabel("k_cross_mapped", lang) }</h4>
                    <ul id="cross-mapped">
                        { for mapped.iter().map(|m| {
                            let Ok(r) = &m.rabbit else { return html! {} };
                            let colon = if lang == Lang::En { ": " } else { "：" };
                            html! { <li>{ fault_line(m) }{ format!(" → RabbitMQ{colon}") }{ fault_with_trigger(&crate::faults::fault_text(&r.action, lang), &r.when, lang) }</li> }
                        }) }
                    </ul>
                }
                if !unmapped.is_empty() {
                    <h4>{ klabel("k_cross_unmapped", lang) }</h4>
                    <ul id="cross-unmapped">
                        { for unmapped.iter().map(|m| {
                            let Err(why) = &m.rabbit else { return html! {} };
                            html! { <li>{ fault_line(m) }{ if lang == Lang::En { ": " } else { "：" } }{ why.text(lang) }</li> }
                        }) }
                    </ul>
                }
            </>
        }
    });
    html! {
        <section id="cross-compare" aria-label={klabel("k_cross", lang)}>
            <button id="btn-cross" onclick={on_toggle} aria-pressed={state.compare.is_some().to_string()}>{ klabel("k_cross", lang) }</button>
            { body }
        </section>
    }
}
