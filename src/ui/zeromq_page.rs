//! The ZeroMQ page: what shows instead of RabbitMQ's panels when the header's system switch is
//! on ZeroMQ. It has its own state (a `Session<ZmqSim>` of one of the ZeroMQ chapters, the
//! eight catalog files in tour order, with the settings panel's changes, or of a ZeroMQ
//! scenario file the user loaded) and lays out the same sections as the other pages, under
//! the same ids so the page's styles apply: the tour (`#tour`: chapters, `#narration` with the
//! chapter's opening computed from its run, `#step-narration` with what the step did), the
//! transport (`#transport`), the share tools (`#share-tools`), the pyzmq programs with the
//! current line and their terminals
//! (`#actors`), the brokerless diagram (`#diagram.zeromq`: processes, sockets, and each link's
//! pipes against their high-water marks with what the I/O threads and TCP hold between them),
//! the verdict summary and table (`#verdict-summary`, `#messages`: per payload its verdict,
//! who processed it and why), the faults (`#faults`: each forks the run at the current step),
//! the settings (`#zeromq-settings`), the three systems side by side, and the event log
//! (`#event-log`).
//!
//! Invariants: everything shown is read from the session at its current step (terminals,
//! diagram, verdicts and events are the world and the trace up to this step); a row's cause is
//! shown once it is settled (its verdict and who processed it are those of the run's end, so
//! nothing after this step changes why); a fault that cannot be injected shows its error, it
//! never panics. The language is the playground's.

use crate::engine::ids::ActorId;
use crate::i18n::{label, Lang};
use crate::scenario::Trigger;
use crate::session::Session;
use crate::share::{LinkError, ZeromqShare};
use crate::systems::zeromq::diagram::{LaneView, LinkStatus, LinkView, QueueView, ZmqDiagramView};
use crate::systems::zeromq::report::{ZmqReport, ZmqVerdict};
use crate::systems::zeromq::scenario::{catalog, SocketType, ZmqActorSpec, ZmqFaultAction, ZmqScenario, ZmqTrigger};
use crate::systems::zeromq::settings::ZmqSettings;
use crate::systems::zeromq::trace::ZmqEvent;
use crate::systems::zeromq::world::{ActorStatus, ZmqSim};
use crate::ui::components::share_tools::ShareTools;
use crate::ui::components::transport::{system_transport, TransportAt, TransportKey};
use crate::ui::components::verdicts::timing_view;
use crate::ui::state::{use_playground, Action as PageAction};
use crate::ui::zeromq_chunk::{ZmqAction, ZmqApi, ZmqRun, ZmqRunBox};
use crate::zeromq_text::{cause_texts, describe_at, opening, outcome, verdict_text, ZMQ_CHAPTERS};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// The ZeroMQ page's own labels, `(key, English, Chinese)`; other keys come from `i18n::label`.
const LABELS: &[(&str, &str, &str)] = &[
    ("z_blocked", "blocked", "阻塞中"),
    ("z_processed_by", "processed by", "处理者"),
    ("z_fault_failed", "This fault cannot be injected here", "这里不能注入这个故障"),
    ("z_injected", "Injected faults", "已注入的故障"),
    ("z_remove", "Remove", "移除"),
    ("z_no_broker", "No broker: the programs' sockets talk to each other directly. Each link is a connecting socket's pipe to the binding one; per direction the sender's pipe (against its SNDHWM), what the I/O threads and the kernels' TCP buffers hold in flight (no HWM bounds it), and the receiver's pipe (against its RCVHWM).", "没有 broker：程序的 socket 彼此直接通信。每条连接是 connect 一方的 socket 到 bind 一方的管道；每个方向依次是发送方的管道（受其 SNDHWM 限制）、I/O 线程和内核 TCP 缓冲区中传输中的消息（不受 HWM 限制）、接收方的管道（受其 RCVHWM 限制）。"),
    ("z_outbound", "sender's pipe", "发送方管道"),
    ("z_in_flight", "I/O thread and TCP", "I/O 线程与 TCP"),
    ("z_inbound", "receiver's pipe", "接收方管道"),
    ("z_holds", "holds", "持有"),
    ("z_process", "process", "进程"),
    ("z_subscription_on_its_way", "subscription on its way (the PUB drops what it publishes meanwhile)", "订阅还在路上（PUB 在此期间发布的消息都被丢弃）"),
    ("z_subscription_arrived", "subscription arrived", "订阅已到达"),
    ("z_not_routed", "the binding socket no longer sends on this pipe", "bind 一方已不再向这条管道发送"),
    // A link's status (`LinkStatus::name`) and a socket's state (`SocketState::name`).
    ("connecting", "connecting (retried every reconnect_ivl)", "连接中（每隔 reconnect_ivl 重试）"),
    ("handshaking", "TCP connect and ZMTP greeting", "TCP 连接与 ZMTP 握手中"),
    ("up", "connected", "已连接"),
    ("partitioned", "network cut: nothing passes, nothing is lost", "网络被切断：什么都过不去，也不丢失"),
    ("peer_gone", "the bound peer's process is gone (not noticed yet)", "bind 一方的进程已不在（尚未察觉）"),
    ("closed", "closed", "已关闭"),
    ("dead", "gone: its process ended or was killed", "已不在：其进程已结束或被杀死"),
    ("z_no_peer", "(no peer yet: the pipe queues)", "（尚无对端：管道先排队）"),
    ("z_no_peer_closed", "(no peer: the link is closed)", "（无对端：连接已关闭）"),
    ("z_accepted", "accepted by send", "被 send 接受"),
    ("z_diagram", "Sockets and pipes", "socket 与管道"),
    ("z_settings", "Settings (each one changes the code)", "设置（每一项都会改变代码）"),
    ("z_binds", "who binds", "谁 bind"),
    ("z_producer_binds", "the producer binds, the consumer connects", "生产者 bind，消费者 connect"),
    ("z_consumer_binds", "the consumer binds, the producer connects", "消费者 bind，生产者 connect"),
    ("z_messages", "messages (range(N))", "消息数（range(N)）"),
    ("z_requests", "requests (range(N))", "请求数（range(N)）"),
    ("z_interval", "between sends, ms (time.sleep)", "两次发送之间，毫秒（time.sleep）"),
    ("z_sndhwm", "producer's SNDHWM", "生产者的 SNDHWM"),
    ("z_linger", "producer's LINGER, ms (-1 waits for delivery)", "生产者的 LINGER，毫秒（-1 等待送达）"),
    ("z_rcvhwm", "consumer's RCVHWM", "消费者的 RCVHWM"),
    ("z_work", "work per message, ms", "每条消息的处理时间，毫秒"),
    ("z_setting_refused", "This setting was refused", "这个设置被拒绝"),
    ("z_not_number", "not a whole number", "不是整数"),
    ("z_settings_note", "You changed settings: the chapter's story is about its code as written, so it is not told here. Play it to the end: the outcome and the table say what this run did.", "你修改了设置：本章的叙述讲的是原文的代码，这里不再讲述。播放到结尾：结果和表格会说明这次运行做了什么。"),
];

/// A ZeroMQ page label in `lang`.
fn zlabel(key: &str, lang: Lang) -> &str {
    LABELS.iter().find(|(k, _, _)| *k == key).map(|(_, en, zh)| if lang == Lang::En { *en } else { *zh }).unwrap_or_else(|| label(key, lang))
}

/// A terminal keeps its last lines, as a real one scrolls.
const TERMINAL_LINES: usize = 200;
/// The event log shows the last events up to the current step.
const EVENTS_SHOWN: usize = 300;
/// A slow consumer's (or server's) work per message, the fault button's.
const SLOW_WORK_MS: u64 = 1_000;

/// The ZeroMQ page's state: a chapter's run and where it is. It lives in the playground's
/// state (`Playground::zeromq_run`), so the share link and the saved state carry it.
#[derive(Clone)]
pub struct ZmqState {
    pub chapter: usize,
    pub seed: u64,
    pub session: Rc<RefCell<Session<ZmqSim>>>,
    /// The run to its end, reported once per run (the opening, the outcome and the causes).
    pub end: Rc<ZmqReport>,
    pub playing: bool,
    pub speed_x100: u32,
    pub selected: Option<u32>,
    pub error: Option<String>,
    /// A ZeroMQ scenario file the user loaded, run instead of the chapter's scenario (a share
    /// link cannot carry it: the page keeps no link while it runs).
    pub custom: Option<Rc<ZmqScenario>>,
    /// The settings the run has (the chapter's own until the panel changes one).
    pub settings: ZmqSettings,
    /// Why the last settings change was refused (the run stays as it was).
    pub settings_error: Option<String>,
    /// Counts settings changes, refused ones too: the panel is keyed by it, so a refused
    /// value in a field is replaced by the setting the run has.
    pub settings_changes: u64,
}

/// The ZeroMQ module's entry points: reached only through the split point
/// (`zeromq_chunk::zeromq_api`), so everything below is in the ZeroMQ page's own wasm module.
pub static ZEROMQ_API: ZmqApi = ZmqApi {
    new_run: |chapter| ZmqRunBox(Box::new(ZmqState::new(chapter))),
    from_share: |share| ZmqState::from_share(share).map(|state| ZmqRunBox(Box::new(state))),
    parse_file: |text| ZmqScenario::from_json(text).map_err(|e| e.to_string()),
};

impl ZmqRun for ZmqState {
    fn reduce(&mut self, action: ZmqAction, lock: bool) {
        ZmqState::reduce(self, action, lock)
    }
    fn pause(&mut self) {
        self.playing = false;
    }
    fn share(&self) -> ZeromqShare {
        ZmqState::share(self)
    }
    fn seed(&self) -> u64 {
        self.seed
    }
    fn runs_loaded_file(&self) -> bool {
        self.custom.is_some()
    }
    fn scenario_file(&self, lang: Lang) -> (String, String) {
        let session = self.session.borrow();
        let mut file = session.scenario_file();
        if let (None, Some(chapter), Ok(own)) = (&self.custom, ZMQ_CHAPTERS.get(self.chapter), chapter_scenario(self.chapter)) {
            // The catalog's title tells the chapter's run: a file with other settings or with
            // injected faults says what differs instead. From the Chinese page, in Chinese.
            let changed = settings_diff(&ZmqSettings::of(&own), &self.settings);
            let injected = session.injected().len();
            let mut notes = Vec::new();
            if !changed.is_empty() {
                notes.push(format!("{}{}", if lang == Lang::En { "changed: " } else { "改动：" }, changed.join(", ")));
            }
            if injected > 0 {
                notes.push(if lang == Lang::En { format!("{injected} injected fault{}", if injected == 1 { "" } else { "s" }) } else { format!("注入了 {injected} 个故障") });
            }
            if !notes.is_empty() {
                file.title = match lang {
                    Lang::En => format!("{} ({})", chapter.title(lang), notes.join("; ")),
                    Lang::Zh => format!("{}（{}）", chapter.title(lang), notes.join("；")),
                };
            } else if lang == Lang::Zh {
                file.title = chapter.title(lang).to_string();
            }
        }
        (file.name.clone(), file.to_json())
    }
    fn page(&self, link: AttrValue, snippet: AttrValue) -> Html {
        html! { <ZeromqPage {link} {snippet} /> }
    }
    fn boxed_clone(&self) -> Box<dyn ZmqRun> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The run's report at its end (whatever step the session shows).
fn end_report(session: &Session<ZmqSim>) -> ZmqReport {
    ZmqReport::with_trace(session.timeline(), session.full_trace(), false)
}

/// The catalog scenario of a ZeroMQ chapter.
fn chapter_scenario(chapter: usize) -> Result<ZmqScenario, String> {
    let entry = ZMQ_CHAPTERS.get(chapter).ok_or_else(|| format!("no ZeroMQ chapter {chapter}"))?;
    catalog::get(entry.scenario).map_err(|e| e.to_string())
}

/// The index of the ZeroMQ chapter whose catalog name is `id`.
pub fn chapter_index(id: &str) -> Option<usize> {
    ZMQ_CHAPTERS.iter().position(|c| c.scenario == id)
}

impl ZmqState {
    /// A chapter at step 0, as written. The catalog runs (tests/zeromq_golden.rs); a failure
    /// shows as an error on the first chapter rather than a panic.
    pub fn new(chapter: usize) -> ZmqState {
        let chapter = chapter.min(ZMQ_CHAPTERS.len() - 1);
        let run = |chapter: usize| chapter_scenario(chapter).and_then(|s| Session::<ZmqSim>::run(s, vec![]).map_err(|e| e.to_string()));
        match run(chapter) {
            Ok(session) => ZmqState::with(chapter, session, None),
            Err(e) => match run(0) {
                Ok(session) => ZmqState::with(0, session, Some(e)),
                Err(e0) => panic!("the ZeroMQ catalog does not run: {e0}"),
            },
        }
    }

    fn with(chapter: usize, session: Session<ZmqSim>, error: Option<String>) -> ZmqState {
        let seed = session.base().seed;
        let end = Rc::new(end_report(&session));
        let settings = ZmqSettings::of(session.base());
        ZmqState { chapter, seed, session: Rc::new(RefCell::new(session)), end, playing: false, speed_x100: 100, selected: None, error, custom: None, settings, settings_error: None, settings_changes: 0 }
    }

    /// A loaded scenario's run at step 0 (the chapter stays the one to go back to).
    fn loaded(chapter: usize, scenario: ZmqScenario) -> Result<ZmqState, String> {
        let session = Session::<ZmqSim>::run(scenario.clone(), vec![]).map_err(|e| e.to_string())?;
        Ok(ZmqState { custom: Some(Rc::new(scenario)), ..ZmqState::with(chapter, session, None) })
    }

    /// The run a share link's ZeroMQ part describes, or what is wrong with it.
    pub fn from_share(share: &ZeromqShare) -> Result<ZmqState, LinkError> {
        let session = share.session()?;
        let chapter = chapter_index(&share.chapter).ok_or_else(|| LinkError::UnknownZeromqChapter(crate::scenario::json::quoted(&share.chapter)))?;
        Ok(ZmqState::with(chapter, session, None))
    }

    /// The ZeroMQ part of a share link for this run.
    pub fn share(&self) -> ZeromqShare {
        let session = self.session.borrow();
        let own = chapter_scenario(self.chapter).ok().map(|s| ZmqSettings::of(&s));
        ZeromqShare {
            chapter: ZMQ_CHAPTERS[self.chapter.min(ZMQ_CHAPTERS.len() - 1)].scenario.into(),
            settings: (own.as_ref() != Some(&self.settings)).then(|| self.settings.clone()),
            seed: self.seed,
            faults: session.injected().to_vec(),
            step: session.position() as u64,
        }
    }

    fn set_session(&mut self, session: Session<ZmqSim>) {
        self.end = Rc::new(end_report(&session));
        self.session = Rc::new(RefCell::new(session));
    }

    /// Apply an action; `lock`: the chapter cannot change (an embed with `lock=1`).
    pub fn reduce(&mut self, action: ZmqAction, lock: bool) {
        match action {
            ZmqAction::Step => {
                self.session.borrow_mut().step_forward();
            }
            ZmqAction::Back => {
                self.playing = false;
                self.session.borrow_mut().step_back();
            }
            ZmqAction::Seek(step) => self.session.borrow_mut().seek(step),
            ZmqAction::TogglePlay => self.playing = self.session.borrow_mut().toggle_play(self.playing),
            ZmqAction::Tick(steps) => {
                let going = self.session.borrow_mut().tick(steps);
                self.playing &= going;
            }
            ZmqAction::SetSpeed(speed) => self.speed_x100 = speed.clamp(25, 6400),
            ZmqAction::SetChapter(chapter) => {
                if !lock {
                    *self = ZmqState { speed_x100: self.speed_x100, ..ZmqState::new(chapter) };
                }
            }
            ZmqAction::Reset => {
                // A loaded scenario starts over as it was loaded.
                let fresh = match &self.custom {
                    Some(scenario) => ZmqState::loaded(self.chapter, (**scenario).clone()),
                    None => Ok(ZmqState::new(self.chapter)),
                };
                match fresh {
                    Ok(fresh) => *self = ZmqState { speed_x100: self.speed_x100, ..fresh },
                    Err(e) => self.error = Some(e),
                }
            }
            ZmqAction::Load(scenario) => match scenario.downcast::<ZmqScenario>().map(|s| ZmqState::loaded(self.chapter, *s)) {
                Ok(Ok(fresh)) => *self = ZmqState { speed_x100: self.speed_x100, ..fresh },
                Ok(Err(e)) => self.error = Some(e),
                Err(_) => {}
            },
            ZmqAction::Inject(fault) => {
                self.playing = false;
                let forked = self.session.borrow().forked(fault);
                match forked {
                    Ok(fork) => {
                        self.set_session(fork);
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e.to_string()),
                }
            }
            ZmqAction::RemoveFault(index) => {
                let fresh = self.session.borrow().without_injected(index);
                match fresh {
                    Some(Ok(fresh)) => {
                        self.set_session(fresh);
                        self.error = None;
                    }
                    Some(Err(e)) => self.error = Some(e.to_string()),
                    None => {}
                }
            }
            ZmqAction::SetSettings(asked) => {
                self.playing = false;
                self.settings_changes += 1;
                let (faults, position, now_ms) = {
                    let session = self.session.borrow();
                    (session.injected_at_times(), session.position(), session.now_ms())
                };
                let base = match &self.custom {
                    Some(scenario) => Ok((**scenario).clone()),
                    None => chapter_scenario(self.chapter),
                };
                let built = base.and_then(|mut base| {
                    base.seed = self.seed;
                    let scenario = asked.apply(&base).map_err(|e| e.to_string())?;
                    Session::<ZmqSim>::run(scenario, faults).map_err(|e| e.to_string())
                });
                match built {
                    Ok(mut fresh) => {
                        let step = fresh.step_matching(position, now_ms);
                        fresh.seek(step);
                        self.set_session(fresh);
                        self.settings = asked;
                        self.settings_error = None;
                    }
                    Err(e) => self.settings_error = Some(e),
                }
            }
            ZmqAction::RefuseSettings(problem) => {
                self.settings_changes += 1;
                self.settings_error = Some(problem);
            }
            ZmqAction::Select(data) => self.selected = if self.selected == data { None } else { data },
            ZmqAction::DismissError => self.error = None,
        }
    }
}

/// An actor status's name (CSS class, i18n label key).
fn status_name(status: ActorStatus) -> &'static str {
    match status {
        ActorStatus::NotStarted => "not_started",
        ActorStatus::Running => "running",
        ActorStatus::Blocked => "z_blocked",
        ActorStatus::Finished => "finished",
        ActorStatus::Failed => "failed",
        ActorStatus::Crashed => "crashed",
    }
}

/// A verdict's name (CSS class, `data-verdict`), as the report writes it.
pub fn verdict_key(verdict: ZmqVerdict) -> &'static str {
    match verdict {
        ZmqVerdict::ProcessedOnce => "processed_once",
        ZmqVerdict::OutOfOrder => "out_of_order",
        ZmqVerdict::Duplicated => "duplicated",
        ZmqVerdict::Lost => "lost",
        ZmqVerdict::NeverAccepted => "never_accepted",
        ZmqVerdict::StillQueued => "still_queued",
        ZmqVerdict::NeverSent => "never_sent",
        ZmqVerdict::Pending => "pending",
    }
}

/// The counts of the table's verdicts (ZeroMQ's own: never accepted and still queued are
/// not folded into the core's never sent and stranded), after what `send` accepted.
fn counts_html(report: &ZmqReport, lang: Lang) -> Html {
    const ORDER: [ZmqVerdict; 8] = [
        ZmqVerdict::ProcessedOnce,
        ZmqVerdict::OutOfOrder,
        ZmqVerdict::Duplicated,
        ZmqVerdict::Lost,
        ZmqVerdict::NeverAccepted,
        ZmqVerdict::StillQueued,
        ZmqVerdict::NeverSent,
        ZmqVerdict::Pending,
    ];
    let item = |key: &'static str, n: usize, text: &str| html! {
        <li data-count={key} class={classes!((n > 0).then_some("nonzero"))}><span class="n">{ n }</span>{ " " }{ text.to_string() }</li>
    };
    html! {
        <ul class="counts">
            { item("published", report.counts.published as usize, zlabel("z_accepted", lang)) }
            { for ORDER.iter().map(|&v| item(verdict_key(v), report.messages.iter().filter(|m| m.verdict == v).count(), verdict_text(v, lang))) }
        </ul>
    }
}

/// The settings panel: the fields the run's programs have, each applied when it changes.
fn settings_panel(state: &ZmqState, fields: crate::systems::zeromq::settings::Fields, zd: &Callback<ZmqAction>, lang: Lang) -> Html {
    let settings = &state.settings;
    // A field's value, once it is a whole number in the field's range (`ZmqSettings::RANGES`).
    type Set = fn(&mut ZmqSettings, i64);
    let number = |id: &'static str, key: &'static str, value: i64, set: Set| {
        let (zd, settings) = (zd.clone(), settings.clone());
        let onchange = Callback::from(move |e: web_sys::Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let text = input.value();
            let (min, max) = ZmqSettings::range(id);
            match text.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => {
                    let mut next = settings.clone();
                    set(&mut next, n);
                    zd.emit(ZmqAction::SetSettings(next));
                }
                Ok(n) => zd.emit(ZmqAction::RefuseSettings(format!("{id}: must be between {min} and {max}, got {n}"))),
                Err(_) => zd.emit(ZmqAction::RefuseSettings(format!("{id}: {} ({})", zlabel("z_not_number", lang), crate::scenario::json::quoted(&text)))),
            }
        });
        html! {
            <label class="setting">{ zlabel(key, lang) }{ " " }
                <input id={format!("zs-{id}")} type="number" step="1" value={value.to_string()} {onchange} />
            </label>
        }
    };
    let on_binds = {
        let (zd, settings) = (zd.clone(), settings.clone());
        Callback::from(move |e: web_sys::Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            zd.emit(ZmqAction::SetSettings(ZmqSettings { producer_binds: select.value() == "producer", ..settings.clone() }));
        })
    };
    html! {
        <section id="zeromq-settings" aria-label={zlabel("z_settings", lang)}>
            <h3>{ zlabel("z_settings", lang) }</h3>
            <div class="settings-fields" key={state.settings_changes.to_string()}>
                if fields.producer && fields.consumer {
                    <label class="setting">{ zlabel("z_binds", lang) }{ " " }
                        <select id="zs-binds" onchange={on_binds}>
                            <option value="producer" selected={settings.producer_binds}>{ zlabel("z_producer_binds", lang) }</option>
                            <option value="consumer" selected={!settings.producer_binds}>{ zlabel("z_consumer_binds", lang) }</option>
                        </select>
                    </label>
                }
                if fields.producer || fields.client {
                    { number("messages", if fields.producer { "z_messages" } else { "z_requests" }, i64::from(settings.messages), |s, n| s.messages = n as u32) }
                }
                if fields.producer {
                    { number("interval_ms", "z_interval", settings.interval_ms as i64, |s, n| s.interval_ms = n as u64) }
                    { number("sndhwm", "z_sndhwm", i64::from(settings.sndhwm), |s, n| s.sndhwm = n as u32) }
                    { number("linger_ms", "z_linger", settings.linger_ms, |s, n| s.linger_ms = n) }
                }
                if fields.consumer {
                    { number("rcvhwm", "z_rcvhwm", i64::from(settings.rcvhwm), |s, n| s.rcvhwm = n as u32) }
                }
                if fields.consumer || fields.server {
                    { number("work_ms", "z_work", settings.work_ms as i64, |s, n| s.work_ms = n as u64) }
                }
            </div>
            if let Some(problem) = &state.settings_error {
                <p id="zeromq-settings-error" class="error" role="alert">{ format!("{}{}{}", zlabel("z_setting_refused", lang), if lang == Lang::En { ": " } else { "：" }, refusal_text(problem, lang)) }</p>
            }
        </section>
    }
}

/// A settings refusal in `lang`: the panel's range ("field: must be between MIN and MAX, got
/// N"), else the scenario's words (`i18n::scenario_error_text`; validation's own stay English).
fn refusal_text(problem: &str, lang: Lang) -> String {
    if lang == Lang::Zh {
        let range = problem.split_once(": ").and_then(|(field, rest)| {
            let (range, got) = rest.strip_prefix("must be between ")?.split_once(", got ")?;
            let (min, max) = range.split_once(" and ")?;
            Some(format!("{field}：必须在 {min} 到 {max} 之间，实际是 {got}"))
        });
        if let Some(text) = range {
            return text;
        }
    }
    crate::i18n::scenario_error_text(problem, lang)
}

/// What the settings changed from the chapter's own, `field: was → is` each.
fn settings_diff(own: &ZmqSettings, now: &ZmqSettings) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |field: &str, was: String, is: String| {
        if was != is {
            out.push(format!("{field}: {was} → {is}"));
        }
    };
    let binder = |b: bool| if b { "producer" } else { "consumer" }.to_string();
    push("bind", binder(own.producer_binds), binder(now.producer_binds));
    push("messages", own.messages.to_string(), now.messages.to_string());
    push("interval_ms", own.interval_ms.to_string(), now.interval_ms.to_string());
    push("SNDHWM", own.sndhwm.to_string(), now.sndhwm.to_string());
    push("LINGER", own.linger_ms.to_string(), now.linger_ms.to_string());
    push("RCVHWM", own.rcvhwm.to_string(), now.rcvhwm.to_string());
    push("work_ms", own.work_ms.to_string(), now.work_ms.to_string());
    out
}

/// A ZeroMQ fault in words.
pub fn zmq_fault_text(action: &ZmqFaultAction, lang: Lang) -> String {
    let en = lang == Lang::En;
    let pick = |e: String, z: String| if en { e } else { z };
    match action {
        ZmqFaultAction::Crash { actor, restart_after_ms: None } => pick(format!("Crash {actor}"), format!("杀死 {actor}")),
        ZmqFaultAction::Crash { actor, restart_after_ms: Some(ms) } => pick(format!("Crash {actor} (a new process launched {ms} ms later)"), format!("杀死 {actor}（{ms} 毫秒后启动新进程）")),
        ZmqFaultAction::Restart(actor) => pick(format!("Restart {actor}"), format!("重启 {actor}")),
        ZmqFaultAction::Slow { actor, work_ms } => pick(format!("Slow {actor} to {work_ms} ms a message"), format!("{actor} 变慢为每条消息 {work_ms} 毫秒")),
        ZmqFaultAction::Partition(a, b) => pick(format!("Cut the network {a} – {b}"), format!("切断 {a} 与 {b} 之间的网络")),
        ZmqFaultAction::Heal(a, b) => pick(format!("Restore the network {a} – {b}"), format!("恢复 {a} 与 {b} 之间的网络")),
    }
}

/// A ZeroMQ trigger in the other systems' terms (for `faults::fault_with_trigger`).
fn trigger_of(when: &ZmqTrigger) -> Trigger {
    match when {
        ZmqTrigger::AtMs(ms) => Trigger::AtMs(*ms),
        ZmqTrigger::AtStep(step) => Trigger::AtStep(*step),
        ZmqTrigger::After { actor, op, occurrence } => Trigger::After { actor: actor.clone(), op: op.clone(), occurrence: *occurrence },
    }
}

/// Per message (ledger order), which process of its sender sent it (1, then 2 after a
/// restart...; 0 while its send has not returned): a restarted program sends its payloads
/// again, as new messages.
fn sender_processes(trace: &[crate::systems::zeromq::trace::ZmqTraceEntry], actors: usize, messages: usize) -> Vec<u16> {
    let mut now = vec![0u16; actors];
    let mut out = vec![0u16; messages];
    for entry in trace {
        match entry.event {
            ZmqEvent::ActorStarted { actor, incarnation } => {
                if let Some(slot) = now.get_mut(actor.index()) {
                    *slot = incarnation;
                }
            }
            ZmqEvent::MessageSent { actor, message, .. } => {
                if let (Some(slot), Some(&n)) = (out.get_mut(message.index()), now.get(actor.index())) {
                    if *slot == 0 {
                        *slot = n;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether the network between `a` and `b` is cut at the end of `trace`.
fn cut_now(trace: &[crate::systems::zeromq::trace::ZmqTraceEntry], a: ActorId, b: ActorId) -> bool {
    let pair = |x: ActorId, y: ActorId| (x == a && y == b) || (x == b && y == a);
    trace
        .iter()
        .rev()
        .find_map(|e| match e.event {
            ZmqEvent::Partitioned { actor, peer } if pair(actor, peer) => Some(true),
            ZmqEvent::Healed { actor, peer } if pair(actor, peer) => Some(false),
            _ => None,
        })
        .unwrap_or(false)
}



/// A queue as the diagram lists it: its first payloads, `+K` more, against its HWM if any.
fn queue_html(class: &'static str, key: &'static str, queue: &QueueView, hwm: Option<u32>, lang: Lang) -> Html {
    let full = hwm.is_some_and(|h| queue.len >= h as usize && h > 0);
    html! {
        <div class={classes!("zq", class, full.then_some("full"))} data-len={queue.len.to_string()}>
            <span class="zq-name">{ zlabel(key, lang) }{ match hwm { Some(h) => format!(" {}/{h}", queue.len), None => format!(" {}", queue.len) } }</span>
            <span class="zq-frames">
                { for queue.shown.iter().map(|f| html! { <span class={classes!("frame", f.reply.then_some("reply"))} data-data={f.data.to_string()}>{ f.data }</span> }) }
                if queue.more() > 0 { <span class="more">{ format!("+{}", queue.more()) }</span> }
            </span>
        </div>
    }
}

/// One direction of a link (`status`: the link's, which says why an end has no peer).
fn lane_html(view: &ZmqDiagramView, lane: &LaneView, status: LinkStatus, lang: Lang) -> Html {
    // A connecting socket's pipe queues until a peer comes; a closed link's never will.
    let no_peer = if status == LinkStatus::Closed { "z_no_peer_closed" } else { "z_no_peer" };
    let name = |socket: Option<usize>| socket.and_then(|s| view.socket(s)).and_then(|s| view.processes.get(s.actor.index())).map_or_else(|| zlabel(no_peer, lang).to_string(), |p| p.name.clone());
    html! {
        <div class="lane">
            <span class="lane-ends">{ format!("{} → {}", name(lane.from), name(lane.to)) }</span>
            { queue_html("outbound", "z_outbound", &lane.outbound, Some(lane.sndhwm), lang) }
            { queue_html("in-flight", "z_in_flight", &lane.in_flight, None, lang) }
            { queue_html("inbound", "z_inbound", &lane.inbound, Some(lane.rcvhwm), lang) }
        </div>
    }
}

/// A link between a connecting socket and the binding one, with its two directions (a
/// direction with nothing in it and no traffic to come is still drawn: its HWMs are facts).
fn link_html(view: &ZmqDiagramView, link: &LinkView, lang: Lang) -> Html {
    let subscription = link.subscription.map(|s| match s {
        crate::systems::zeromq::diagram::Subscription::OnItsWay => "z_subscription_on_its_way",
        crate::systems::zeromq::diagram::Subscription::Arrived => "z_subscription_arrived",
    });
    // The directions messages can take: from a socket that sends (a PULL or a SUB sends
    // none), or one that holds frames.
    let sends = |lane: &LaneView| lane.from.and_then(|s| view.socket(s)).is_some_and(|s| !matches!(s.kind, SocketType::Pull | SocketType::Sub));
    let holds = |lane: &LaneView| lane.outbound.len + lane.in_flight.len + lane.inbound.len > 0;
    let lanes: Vec<&LaneView> = link.lanes.iter().filter(|l| l.from.is_some() && (sends(l) || holds(l))).collect();
    html! {
        <li class={classes!("zlink", link.status.name(), link.status.down().then_some("down"))} data-link={link.id.to_string()} data-status={link.status.name()}>
            <span class="zlink-status">{ zlabel(link.status.name(), lang).to_string() }</span>
            if let Some(key) = subscription { <span class="subscription">{ zlabel(key, lang) }</span> }
            if !link.routed && link.binding.is_some() { <span class="not-routed">{ zlabel("z_not_routed", lang) }</span> }
            { for lanes.iter().map(|lane| lane_html(view, lane, link.status, lang)) }
        </li>
    }
}

/// The brokerless diagram: processes with their sockets, then the links.
fn diagram_html(view: &ZmqDiagramView, lang: Lang) -> Html {
    html! {
        <section id="diagram" class="zeromq" aria-label={zlabel("z_diagram", lang)} data-endpoint={view.endpoint.clone()}>
            <p class="note">{ zlabel("z_no_broker", lang) }</p>
            <ul class="processes">
                { for view.processes.iter().map(|p| {
                    let socket = p.socket.and_then(|s| view.socket(s));
                    html! {
                        <li class={classes!("process", status_name(p.status))} data-actor={p.name.clone()} data-status={status_name(p.status)}>
                            <strong>{ p.name.clone() }</strong>
                            if p.incarnation > 0 { { format!(" · {} {}", zlabel("z_process", lang), p.incarnation) } }
                            { format!(" · {}", zlabel(status_name(p.status), lang)) }
                            if let Some(call) = p.blocked_in { { format!(" ({}())", call.name()) } }
                            if let Some(socket) = socket {
                                <span class={classes!("socket", socket.state.name())} data-socket={socket.id.to_string()}>
                                    { format!("{} · {} {} · SNDHWM {} · RCVHWM {} · LINGER {}", socket.kind.constant(), socket.attach.name(), socket.endpoint, socket.sndhwm, socket.rcvhwm, socket.linger_ms) }
                                    if socket.state.name() != "open" { { format!(" · {}", zlabel(socket.state.name(), lang)) } }
                                </span>
                            }
                            if let Some(data) = p.holds { <span class="holds" data-data={data.to_string()}>{ format!("{} {{'data': {data}}}", zlabel("z_holds", lang)) }</span> }
                        </li>
                    }
                }) }
            </ul>
            <ul class="zlinks">
                { for view.links.iter().map(|link| link_html(view, link, lang)) }
            </ul>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct ZeromqPageProps {
    /// The share link and the embed snippet of the page's state (the footer shows them).
    pub link: AttrValue,
    pub snippet: AttrValue,
}

#[component]
pub fn ZeromqPage(props: &ZeromqPageProps) -> Html {
    let page = use_playground();
    let lang = page.lang;
    let embed = page.params.embed;
    let locked = page.params.lock;
    crate::ui::use_style("zeromq-style", include_str!("../../www/zeromq.css"));
    let zd: Callback<ZmqAction> = {
        let page = page.clone();
        Callback::from(move |action| page.dispatch(PageAction::Zeromq(action)))
    };
    let state = page.zeromq_run.as_ref().and_then(|run| run.as_any().downcast_ref::<ZmqState>()).cloned().unwrap_or_else(|| ZmqState::new(0));

    crate::ui::components::transport::use_play_timer(state.playing, state.speed_x100, zd.reform(ZmqAction::Tick));
    let actors_ref = crate::ui::components::code::use_reveal_lines();

    let session = state.session.borrow();
    let (position, len) = (session.position(), session.len());
    let world = session.world();
    let timeline = session.timeline();
    let trace = session.trace();
    let chapter = &ZMQ_CHAPTERS[state.chapter.min(ZMQ_CHAPTERS.len() - 1)];
    let at_end = position >= len;
    let shown_ms = trace.last().map_or(0, |e| u64::from(e.at_ms));
    let send = |action: fn() -> ZmqAction| {
        let zd = zd.clone();
        Callback::from(move |_: MouseEvent| zd.emit(action()))
    };

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
        let zd = zd.clone();
        Callback::from(move |e: web_sys::Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = select.value().parse::<usize>() {
                zd.emit(ZmqAction::SetChapter(i));
            }
        })
    };
    // What the settings changed from the chapter's own.
    let changed: Vec<String> = match (&state.custom, chapter_scenario(state.chapter)) {
        (None, Ok(own)) => settings_diff(&ZmqSettings::of(&own), &state.settings),
        _ => Vec::new(),
    };
    let tour = if embed {
        html! {
            <section id="tour" class="zeromq compact" aria-label={label("tour", lang)}>
                if !locked {
                    <select id="embed-chapter" aria-label={label("chapter", lang)} onchange={on_chapter_menu}>
                        { for ZMQ_CHAPTERS.iter().enumerate().map(|(i, c)| html! {
                            <option value={i.to_string()} selected={i == state.chapter}>{ c.title(lang) }</option>
                        }) }
                    </select>
                }
                { step_line }
            </section>
        }
    } else {
        html! {
            <section id="tour" class="zeromq" aria-label={label("tour", lang)}>
                <nav class="chapters">
                    { for ZMQ_CHAPTERS.iter().enumerate().map(|(i, c)| {
                        let current = i == state.chapter && state.custom.is_none();
                        let zd = zd.clone();
                        let onclick = Callback::from(move |_: MouseEvent| zd.emit(ZmqAction::SetChapter(i)));
                        html! {
                            <button class={classes!("chapter", current.then_some("current"))} data-chapter={c.scenario} aria-current={current.then_some("step")} {onclick}>{ c.title(lang) }</button>
                        }
                    }) }
                    <button id="lang-toggle" class="lang" onclick={on_lang}>{ label("language", lang) }</button>
                </nav>
                <div id="narration">
                    <h2 id="chapter-title">
                        { match &state.custom {
                            // "Loaded: name" / "已加载：name", as on the other pages.
                            Some(scenario) => format!("{}{}{}", label("loaded", lang), if lang == Lang::En { " " } else { "" }, scenario.name),
                            None => chapter.title(lang).to_string(),
                        } }
                    </h2>
                    if let Some(scenario) = &state.custom {
                        // A loaded file has no chapter story: its own title says what it is.
                        <p class="chapter-narration">{ scenario.title.clone() }</p>
                    } else if !changed.is_empty() {
                        // The opening quotes the chapter's own run: with other settings it
                        // would quote facts this run does not have.
                        <p id="title-note" class="title-note">{ changed.join(", ") }</p>
                        <p id="settings-note" class="chapter-narration note">{ zlabel("z_settings_note", lang) }</p>
                    } else if injected == 0 {
                        <p class="chapter-narration">{ opening(chapter, timeline, &state.end, lang) }</p>
                    } else {
                        <p class="chapter-narration">{ crate::i18n::injected_note(injected, lang) }</p>
                    }
                    if at_end {
                        <p id="outcome" data-label={state.end.label.name()}>{ outcome(&state.end, lang) }</p>
                    }
                    if let Some(error) = &state.error {
                        <p id="zeromq-error" class="error" role="alert">{ format!("{}: {error}", zlabel("z_fault_failed", lang)) }
                            {" "}<button onclick={send(|| ZmqAction::DismissError)}>{"×"}</button>
                        </p>
                    }
                </div>
                { step_line }
            </section>
        }
    };

    // The transport.
    let on_transport = zd.reform(|key| match key {
        TransportKey::Reset => ZmqAction::Reset,
        TransportKey::Back => ZmqAction::Back,
        TransportKey::TogglePlay => ZmqAction::TogglePlay,
        TransportKey::Step => ZmqAction::Step,
        TransportKey::End => ZmqAction::Seek(usize::MAX),
        TransportKey::Seek(step) => ZmqAction::Seek(step),
        TransportKey::Speed(speed) => ZmqAction::SetSpeed(speed),
    });
    let transport = system_transport("zeromq", TransportAt { position, len, shown_ms, playing: state.playing, speed_x100: state.speed_x100 }, &on_transport, lang);

    // The programs and their terminals.
    let scenario = world.scenario();
    let acting = trace.iter().rev().find_map(|e| e.event.actor()).map(|a| a.index());
    let shown_actors: Vec<usize> = if embed { vec![acting.unwrap_or(0)] } else { (0..scenario.actors.len()).collect() };
    let actors = html! {
        <section id="actors" class="zeromq" ref={actors_ref} data-actors={shown_actors.len().to_string()}>
            { for scenario.actors.iter().enumerate().filter(|(index, _)| shown_actors.contains(index)).filter_map(|(index, spec)| {
                let runtime = world.actors().get(index)?;
                let program = world.program(ActorId(index as u16));
                let status = runtime.status;
                let line = world.current_line(ActorId(index as u16));
                let down = matches!(status, ActorStatus::Crashed | ActorStatus::Failed);
                let current = if down || status == ActorStatus::Finished { 0 } else { line };
                let died = if down { line } else { 0 };
                let ended = if status == ActorStatus::Finished { line } else { 0 };
                let name = spec.name().to_string();
                let key = status_name(status);
                let terminal: Vec<String> = runtime.terminal.iter().rev().take(TERMINAL_LINES).rev().map(ToString::to_string).collect();
                Some(html! {
                    <div class={classes!("actor", down.then_some("down"), (acting == Some(index)).then_some("acting"))} data-actor={name.clone()} data-status={key} data-line={line.to_string()}>
                        <h3>{ format!("{name} · {}", zlabel(key, lang)) }</h3>
                        <pre class="code" role="region" aria-label={format!("{name} · {}", label("code", lang))}>
                            { for program.code.iter().enumerate().map(|(i, text)| {
                                let n = (i + 1) as u16;
                                let is_died = died > 0 && n == died;
                                let is_ended = ended > 0 && n == ended;
                                html! {
                                    <span class={classes!("line", (n == current).then_some("current"), is_died.then_some("died"), is_ended.then_some("ended"))} data-line={n.to_string()}
                                        aria-current={(n == current).then_some("step")}>
                                        <span class="ln">{ format!("{n:>3} ") }</span>{ text.clone() }
                                        if is_died { <span class="died-mark">{ " ✕ " }{ label(key, lang) }</span> }
                                        if is_ended { <span class="ended-mark">{ " ✓ " }{ label(key, lang) }</span> }
                                        { "\n" }
                                    </span>
                                }
                            }) }
                        </pre>
                        <pre class="terminal" role="region" tabindex="0" aria-label={format!("{name} · {}", label("terminal", lang))}><span>{ terminal.join("\n") }</span></pre>
                    </div>
                })
            }) }
        </section>
    };

    // The diagram.
    let diagram = diagram_html(&ZmqDiagramView::of(world), lang);

    // The verdicts at this step; a row's cause once it is settled (see the module's doc).
    let now = ZmqReport::with_trace(world, trace, false);
    let end_causes = cause_texts(&state.end, timeline, lang);
    let run_label = if now.counts.published == 0 && now.counts.never_sent == 0 { "—".to_string() } else { now.label.name().to_string() };
    let summary = html! {
        <section id="verdict-head">
            <p id="verdict-summary" data-system="zeromq" data-label={run_label.clone()}>
                <strong class={classes!("label", run_label.clone())}>{ label(&run_label, lang) }</strong>
            </p>
            <div id="counts">{ counts_html(&now, lang) }</div>
            { timing_view(&crate::engine::timing::Timing::of(trace, world.ledger().messages.len()), |a| scenario.actors.get(a.index()).map(|s| s.name().to_string()).unwrap_or_default(), lang) }
        </section>
    };
    // Which process sent each row's message (a report row is the k-th of its sender and
    // payload, as the k-th ledger message with them).
    let processes = sender_processes(trace, scenario.actors.len(), world.ledger().messages.len());
    let sent_by = |row: &crate::systems::zeromq::report::ZmqMessageReport, nth: usize| -> u16 {
        let actor = scenario.actor_index(&row.producer).map(|a| ActorId(a as u16));
        world.ledger().messages.iter().enumerate().filter(|(_, m)| Some(m.producer) == actor && m.data == row.data).nth(nth).map_or(0, |(i, _)| processes.get(i).copied().unwrap_or(0))
    };
    let table = html! {
        <section id="verdicts" class="zeromq">
            <div class="table-scroll" role="region" aria-label={label("verdict", lang)} tabindex="0">
            <table id="messages">
                <thead><tr><th>{ label("payload", lang) }</th><th>{ label("verdict", lang) }</th><th>{ zlabel("z_processed_by", lang) }</th><th>{ label("cause", lang) }</th></tr></thead>
                <tbody>
                { for now.messages.iter().enumerate().map(|(i, row)| {
                    let key = verdict_key(row.verdict);
                    // The same row at the end: the same sender and payload, as many times before
                    // (a restarted program sends its payloads again).
                    let same = |m: &&crate::systems::zeromq::report::ZmqMessageReport| m.producer == row.producer && m.data == row.data;
                    let nth = now.messages[..i].iter().filter(same).count();
                    let end = state.end.messages.iter().enumerate().filter(|(_, m)| same(m)).nth(nth).map(|(i, _)| i);
                    let settled = end.filter(|&i| at_end || (row.verdict != ZmqVerdict::Pending && state.end.messages[i].verdict == row.verdict && state.end.messages[i].processed_by == row.processed_by));
                    let cause = settled.and_then(|i| end_causes.get(i).cloned()).unwrap_or_default();
                    let data = row.data;
                    let process = sent_by(row, nth);
                    let onclick = {
                        let zd = zd.clone();
                        Callback::from(move |_: MouseEvent| zd.emit(ZmqAction::Select(Some(data))))
                    };
                    html! {
                        <tr class={classes!("verdict-row", key, (state.selected == Some(data)).then_some("selected"))} data-data={data.to_string()} data-producer={row.producer.clone()} data-process={process.to_string()}
                            data-verdict={key} data-printed={row.processed_by.len().to_string()} {onclick}>
                            <td class="payload"><code>{ format!("{{'data': {data}}}") }</code>
                                if process > 1 { <small class="sender">{ format!(" {}#{process}", row.producer) }</small> }
                            </td>
                            <td class="verdict-cell">{ verdict_text(row.verdict, lang) }</td>
                            <td class="printed">{ row.processed_by.join(", ") }</td>
                            <td class="cause">{ cause }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
            </div>
        </section>
    };

    // The faults: each forks the run here; a button is disabled with its reason as its title.
    let fault_button = |key: &'static str, text: String, action: ZmqFaultAction, blocked: Option<String>| {
        let zd = zd.clone();
        let onclick = Callback::from(move |_: MouseEvent| zd.emit(ZmqAction::Inject(action.clone())));
        let disabled = blocked.is_some();
        html! { <button class="fault" data-fault={key} {disabled} title={blocked} {onclick}>{ text }</button> }
    };
    let en = lang == Lang::En;
    let names: Vec<String> = scenario.actors.iter().map(|a| a.name().to_string()).collect();
    let pairs: Vec<(usize, usize)> = (0..names.len()).flat_map(|a| (a + 1..names.len()).map(move |b| (a, b))).collect();
    let faults = html! {
        <section id="faults" class="zeromq" aria-label={label("faults", lang)}>
            <h3>{ label("faults", lang) }</h3>
            <div class="fault-row">
            { for scenario.actors.iter().enumerate().map(|(index, spec)| {
                let name = spec.name().to_string();
                let status = world.actors().get(index).map_or(ActorStatus::NotStarted, |r| r.status);
                let down = match status {
                    ActorStatus::Running | ActorStatus::Blocked => None,
                    ActorStatus::NotStarted => Some(crate::faults::Blocked::NotStarted { actor: name.clone() }.text(lang)),
                    other => Some(crate::faults::Blocked::ActorDown { actor: name.clone(), status: status_name(other) }.text(lang)),
                };
                let cannot_restart = match status {
                    ActorStatus::Crashed | ActorStatus::Finished | ActorStatus::Failed => None,
                    ActorStatus::NotStarted => down.clone(),
                    _ => Some(crate::faults::Blocked::Running { actor: name.clone() }.text(lang)),
                };
                let works = matches!(spec, ZmqActorSpec::Consumer(_) | ZmqActorSpec::Server(_));
                html! {
                    <span class="fault-group" data-actor={name.clone()}>
                        { fault_button("crash", zmq_fault_text(&ZmqFaultAction::Crash { actor: name.clone(), restart_after_ms: None }, lang), ZmqFaultAction::Crash { actor: name.clone(), restart_after_ms: None }, down.clone()) }
                        { fault_button("restart", zmq_fault_text(&ZmqFaultAction::Restart(name.clone()), lang), ZmqFaultAction::Restart(name.clone()), cannot_restart) }
                        if works {
                            { fault_button("slow", zmq_fault_text(&ZmqFaultAction::Slow { actor: name.clone(), work_ms: SLOW_WORK_MS }, lang), ZmqFaultAction::Slow { actor: name.clone(), work_ms: SLOW_WORK_MS }, down) }
                        }
                    </span>
                }
            }) }
            </div>
            <div class="fault-row">
            { for pairs.iter().map(|&(a, b)| {
                let cut = cut_now(trace, ActorId(a as u16), ActorId(b as u16));
                let (x, y) = (names[a].clone(), names[b].clone());
                let (is_cut, not_cut) = if cut {
                    (Some(crate::faults::Blocked::AlreadyCut { a: x.clone(), b: y.clone() }.text(lang)), None)
                } else {
                    (None, Some(crate::faults::Blocked::NotCut { a: x.clone(), b: y.clone() }.text(lang)))
                };
                html! {
                    <span class="fault-group" data-pair={format!("{x}-{y}")}>
                        { fault_button("partition", zmq_fault_text(&ZmqFaultAction::Partition(x.clone(), y.clone()), lang), ZmqFaultAction::Partition(x.clone(), y.clone()), is_cut) }
                        { fault_button("heal", zmq_fault_text(&ZmqFaultAction::Heal(x.clone(), y.clone()), lang), ZmqFaultAction::Heal(x, y), not_cut) }
                    </span>
                }
            }) }
            </div>
            if !session.base().faults.is_empty() {
                <p id="chapter-faults" class="chapter-faults">
                    { {
                        let (colon, separator) = if en { (": ", "; ") } else { ("：", "；") };
                        let not_reached = if en { " (not reached in this run)" } else { "（本次运行没有到达）" };
                        let each: Vec<String> = session.base().faults.iter().enumerate().map(|(i, f)| {
                            let fired = crate::engine::core::System::core(timeline).fault_fired(i);
                            format!("{}{}", crate::faults::fault_with_trigger(&zmq_fault_text(&f.action, lang), &trigger_of(&f.when), lang), if fired { "" } else { not_reached })
                        }).collect();
                        format!("{}{colon}{}", label("chapter_faults", lang), each.join(separator))
                    } }
                </p>
            }
            if injected > 0 {
                <ol id="injected" aria-label={zlabel("z_injected", lang)}>
                    { for session.injected().iter().enumerate().map(|(i, f)| {
                        let text = crate::faults::fault_with_trigger(&zmq_fault_text(&f.action, lang), &trigger_of(&f.when), lang);
                        let onclick = {
                            let zd = zd.clone();
                            Callback::from(move |_: MouseEvent| zd.emit(ZmqAction::RemoveFault(i)))
                        };
                        html! {
                            <li class="injected" data-index={i.to_string()}>{ text.clone() }{ " " }
                                <button class="remove-fault" aria-label={format!("{} {text}", zlabel("z_remove", lang))} title={zlabel("z_remove", lang).to_string()} {onclick}>{ "×" }</button>
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
        <section id="event-log" class="zeromq" aria-labelledby="event-log-title">
            <h3 id="event-log-title">{ label("events", lang) }</h3>
            <ol reversed=true>
                { for (first..trace.len()).rev().map(|index| {
                    let entry = &trace[index];
                    let step = session.step_of_event(index);
                    let onclick = {
                        let zd = zd.clone();
                        Callback::from(move |_: MouseEvent| zd.emit(ZmqAction::Seek(step)))
                    };
                    let fault = matches!(entry.event, ZmqEvent::ActorCrashed { .. } | ZmqEvent::WorkSlowed { .. } | ZmqEvent::Partitioned { .. } | ZmqEvent::Healed { .. });
                    html! {
                        <li class={classes!(fault.then_some("fault"))} value={(index + 1).to_string()} data-event={index.to_string()} {onclick}>
                            <span class="at">{ format!("{} ms", entry.at_ms) }</span>{ " " }{ describe_at(trace, index, timeline, lang) }
                        </li>
                    }
                }) }
            </ol>
        </section>
    };

    html! {
        <div id="zeromq-page" data-chapter={if state.custom.is_some() { "loaded" } else { chapter.scenario }} data-position={position.to_string()} data-len={len.to_string()}>
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
                { settings_panel(&state, ZmqSettings::fields(session.base()), &zd, lang) }
                <crate::ui::components::three_systems::ThreeSystems {lang} />
                { events }
            }
        </div>
    }
}
