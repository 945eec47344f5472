//! The page's state: one `Reducible` with an `Action` enum. The session (the run) is
//! shared through `Rc<RefCell<_>>` and mutated in place (a run can be large); `version`
//! changes on every action so yew re-renders.
//!
//! Invariants: `session` always runs `chapter`'s scenario with `settings`, `seed` and the
//! injected faults (or, when `custom` is set, that loaded scenario's); every action that
//! builds another run but a reset of §4.1-§4.3 is a `Change`, made by the narration module's
//! code (`change`) or pending until it is there, in the order asked; `error` holds the last
//! problem to show (a broken link, bad settings). `params` (the URL's embed parameters) and
//! `snippet` (the embed snippet's options) survive every action.

use crate::embed::{EmbedParams, SnippetOptions};
use crate::i18n::Lang;
use crate::report::ENGINE_VERSION;
use crate::scenario::settings::Settings;
use crate::scenario::{catalog, FaultAction, FaultSpec, Scenario};
use crate::session::Session;
use crate::view::RunFacts;
use crate::share::{LinkError, ShareState, System, SHARE_VERSION};
use crate::ui::kafka_chunk::{KafkaRunBox, LoadFailed};
use crate::ui::zeromq_chunk::ZmqRunBox;
use crate::tour::{Chapter, CHAPTERS};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Playback speeds, ×100 (0.25× to 64×).
pub const SPEEDS_X100: &[u32] = &[25, 50, 100, 200, 400, 800, 1600, 3200, 6400];

#[derive(Clone)]
pub struct Playground {
    pub lang: Lang,
    pub chapter: usize,
    /// The chapter's scenario as the catalog has it (`catalog::get`; the first chapter's is
    /// `catalog::first`, the one the first module has): a reset starts from it again.
    pub written: Rc<Scenario>,
    pub settings: Settings,
    pub seed: u64,
    pub session: Rc<RefCell<Session>>,
    /// What is derived from the whole run, computed once per run.
    pub facts: Rc<RunFacts>,
    /// The "fixed" (or other) side of the comparison, when comparing.
    pub compare: Option<Rc<RefCell<Session>>>,
    pub compare_settings: Settings,
    pub version: u64,
    /// Changes whenever the run itself changes (not when only the step does): the key for
    /// whatever is computed from the whole run (timeline markers, charts).
    pub run: u64,
    pub playing: bool,
    pub speed_x100: u32,
    pub selected: Option<u32>,
    pub error: Option<String>,
    /// The URL's embed parameters (compact mode, chapter locked, theme).
    pub params: EmbedParams,
    /// The options of the embed snippet the page offers.
    pub snippet: SnippetOptions,
    /// A scenario file the user loaded, run instead of the chapter's scenario.
    pub custom: Option<Rc<Scenario>>,
    /// Injected faults a chapter switch or a reset cleared, so the page can say so and
    /// offer them back (faults are never dropped silently).
    pub cleared: Option<Rc<Cleared>>,
    /// The live verdicts of the step shown, computed once per state (the summary and the
    /// table both read them): keyed by `version`.
    live_cache: Rc<RefCell<Option<(u64, Rc<crate::report::Live>)>>>,
    /// The run's trace hash, computed by the narration module once per run: keyed by `run`.
    hash_cache: Rc<RefCell<Option<(u64, AttrValue)>>>,
    /// The system switch: the Kafka page (`ui::kafka_page`) or the ZeroMQ page
    /// (`ui::zeromq_page`) shows instead of RabbitMQ's panels. In the share state as `system`
    /// (absent for RabbitMQ, so RabbitMQ's links stay as they were).
    pub system: System,
    /// The Kafka page's run: created when the Kafka page is first shown (or restored from a
    /// link), kept while the RabbitMQ page shows, in the share state as `kafka`. Its code is
    /// the Kafka module's (`ui::kafka_chunk`), fetched when first needed.
    pub kafka_run: Option<KafkaRunBox>,
    /// The link or the saved state has a Kafka run and the Kafka module is not loaded yet:
    /// the app fetches it and restores again (`Action::Restore`); meanwhile nothing is saved,
    /// so the saved state and the link stay as they were.
    pub restoring: bool,
    /// The last fetch of the Kafka module failed (`error` says so); pressing the switch
    /// again tries again.
    pub kafka_fetch_failed: bool,
    /// The Kafka module could not be fetched: the page says so in its language of the moment
    /// (`LoadFailed::text`), until dismissed or a fetch succeeds.
    pub kafka_load_error: bool,
    /// The ZeroMQ page's run (`ui::zeromq_chunk`), as `kafka_run` is the Kafka page's; in the
    /// share state as `zeromq`.
    pub zeromq_run: Option<ZmqRunBox>,
    /// The link or the saved state has a ZeroMQ run and the ZeroMQ module is not loaded yet
    /// (as `restoring` for Kafka).
    pub restoring_zeromq: bool,
    /// The last fetch of the ZeroMQ module failed; pressing the switch again tries again.
    pub zeromq_fetch_failed: bool,
    /// The ZeroMQ module could not be fetched: said until dismissed or a fetch succeeds.
    pub zeromq_load_error: bool,
    /// The URL or the saved state has a share code and the links module (`ui::links_chunk`)
    /// that reads it is not loaded yet: the page says it is opening the run (`opening`),
    /// nothing is saved, and the app restores again once the module is there
    /// (`Action::Restore`).
    pub links_pending: bool,
    /// The last action's fetch of the links module failed: no fetch until the next action,
    /// which tries again.
    pub links_fetch_failed: bool,
    /// A fetch of the links module failed: the page says so in its language of the moment
    /// (`links_chunk::load_failed_text`) until dismissed or a fetch succeeds (and shows the
    /// tour rather than "opening").
    pub links_load_error: bool,
    /// The last action's fetch of the narration module (`ui::narration_chunk`) failed: no
    /// fetch until the next action, which tries again.
    pub narration_fetch_failed: bool,
    /// A fetch of the narration module failed: the page says so in its language of the moment
    /// (`narration_chunk::load_failed_text`) until dismissed or a fetch succeeds.
    pub narration_load_error: bool,
    /// How many of the actions counted in `version` only said the narration module was
    /// fetched: not a change of the learner's (which is what makes the page save, see
    /// `needs_links`).
    pub fetch_notices: u64,
    /// Changes of the run asked for before the narration module (whose code makes them) was
    /// there, in order: made once it is fetched (`Action::NarrationLoaded`); a restored link
    /// or saved state replaces them.
    pub pending: Vec<Change>,
    /// A failed fetch of the narration module dropped changes the learner asked for: the page
    /// says so (`narration_chunk::change_failed_text`) until dismissed or a fetch succeeds.
    pub changes_dropped: bool,
}

/// A change of the run that needs the narration module's code (`ui::narration_chunk`):
/// settings applied, a scenario or an injected fault validated, the comparison built. Made at
/// once when the module is there (`change`), else once it is fetched (`Playground::pending`).
#[derive(Clone)]
pub enum Change {
    SetSettings(Settings),
    SetCompareSettings(Settings),
    ToggleCompare,
    Inject(FaultAction),
    RemoveFault(usize),
    RestoreCleared,
    Load(Rc<Scenario>),
    /// A chapter switch (another chapter's scenario is `catalog::get`'s).
    SetChapter(usize),
    /// A reset of a loaded scenario (it starts over as it was loaded) or of a chapter past
    /// the first scenario's (§4.1-§4.3), or one after pending changes.
    Reset,
}

/// A run whose injected faults were cleared by a chapter switch or a reset: enough to
/// rebuild it as it was.
pub struct Cleared {
    pub chapter: usize,
    pub settings: Settings,
    pub seed: u64,
    pub faults: Vec<FaultSpec>,
    pub position: usize,
}

impl PartialEq for Playground {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && Rc::ptr_eq(&self.session, &other.session)
    }
}

pub enum Action {
    Step,
    Back,
    Seek(usize),
    TogglePlay,
    /// A timer tick while playing: advance this many steps.
    Tick(usize),
    SetSpeed(u32),
    Reset,
    Inject(FaultAction),
    /// Remove the injected fault at this index: the run is rebuilt without it.
    RemoveFault(usize),
    SetChapter(usize),
    SetSettings(Settings),
    SetCompareSettings(Settings),
    ToggleCompare,
    SetLang(Lang),
    Select(Option<u32>),
    DismissError,
    SetSnippet(SnippetOptions),
    /// Run a loaded scenario file (already validated) as a custom chapter.
    Load(Box<Scenario>),
    /// Bring back the run whose injected faults the last chapter switch or reset cleared.
    RestoreCleared,
    DismissCleared,
    /// The system switch. Pauses every run.
    SetSystem(System),
    /// An action of the ZeroMQ page's run.
    Zeromq(crate::ui::zeromq_chunk::ZmqAction),
    /// The ZeroMQ module was fetched (or could not be): the ZeroMQ page the switch asked for
    /// is created.
    ZeromqLoaded(Result<(), LoadFailed>),
    /// An action of the Kafka page's run.
    Kafka(crate::ui::kafka_page::KafkaAction),
    /// The Kafka module was fetched (or could not be): the Kafka page the switch asked for is
    /// created.
    KafkaLoaded(Result<(), LoadFailed>),
    /// The state restored again from the link or the saved state, now that the Kafka module
    /// (`restoring`) or the links module (`links_pending`) is loaded.
    Restore(Box<Playground>),
    /// The links module was fetched (the link, the snippet and saving now work), or could not
    /// be (said so; the next change tries again).
    LinksLoaded(Result<(), LoadFailed>),
    /// The share controls want the link (the module is fetched if need be).
    WantLinks,
    /// The narration module was fetched (the events are worded now), or could not be (said
    /// so; the next action tries again).
    NarrationLoaded(Result<(), LoadFailed>),
}

/// Build the session for a chapter with settings, seed and injected faults.
pub fn build(chapter: &Chapter, settings: &Settings, seed: u64, injected: Vec<FaultSpec>) -> Result<Session, String> {
    Session::new(chapter.scenario(settings, seed)?, injected).map_err(|e| e.to_string())
}

/// "Fixed" settings: manual ack, prefetch 1, persistent, confirms with retries, idempotent.
pub fn fixed(settings: &Settings) -> Settings {
    Settings {
        auto_ack: false,
        // A polling consumer already holds one message at a time (basic_qos does not apply).
        prefetch_count: if settings.poll_ms.is_some() { None } else { Some(1) },
        delivery_mode: 2,
        durable: true,
        confirms: true,
        retries: true,
        idempotent: true,
        consumers: settings.consumers.max(2),
        ..settings.clone()
    }
}

impl Playground {
    /// A chapter at its defaults, at step 0.
    pub fn new(chapter: usize, lang: Lang) -> Playground {
        let chapter = chapter.min(CHAPTERS.len() - 1);
        let base = catalog::get(CHAPTERS[chapter].scenario).expect("catalog chapters are valid");
        Playground::written(chapter, lang, Rc::new(base), Session::new_valid)
    }

    /// The tour's first chapter at its defaults, at step 0 (the first module's: it has the
    /// first chapter's scenario alone, `catalog::first`, and its actors' programs,
    /// `Session::new_first`).
    pub fn first(lang: Lang) -> Playground {
        Playground::written(0, lang, Rc::new(catalog::first()), Session::new_first)
    }

    /// Chapter `chapter` at its defaults, at step 0; `base` is its catalog scenario, run by
    /// `start`.
    fn written(chapter: usize, lang: Lang, base: Rc<Scenario>, start: fn(Scenario) -> Result<Session, crate::scenario::ScenarioError>) -> Playground {
        let settings = Settings::of(&base);
        let mut session = start((*base).clone()).expect("catalog chapters run");
        // §4.1-§4.3 share one run: each opens at its own part of it.
        session.seek(CHAPTERS[chapter].opening_step(&session));
        Playground {
            facts: Rc::new(RunFacts::unhashed(&session)),
            lang,
            chapter,
            seed: base.seed,
            written: base,
            compare_settings: fixed(&settings),
            settings,
            session: Rc::new(RefCell::new(session)),
            compare: None,
            version: 0,
            run: 0,
            playing: false,
            speed_x100: 100,
            selected: None,
            error: None,
            params: EmbedParams::default(),
            snippet: SnippetOptions::default(),
            custom: None,
            cleared: None,
            live_cache: Rc::default(),
            hash_cache: Rc::default(),
            system: System::Rabbitmq,
            kafka_run: None,
            zeromq_run: None,
            restoring_zeromq: false,
            zeromq_fetch_failed: false,
            zeromq_load_error: false,
            restoring: false,
            kafka_fetch_failed: false,
            kafka_load_error: false,
            links_pending: false,
            links_fetch_failed: false,
            links_load_error: false,
            narration_fetch_failed: false,
            narration_load_error: false,
            fetch_notices: 0,
            pending: Vec::new(),
            changes_dropped: false,
        }
    }

    /// The narration module is needed and not loaded: the run shown has an event to word (the
    /// step's narration, the event log) beyond the opening setup events, a message for the
    /// verdict table (its rows and causes), settings changed (the note beside the title),
    /// faults to list (the chapter's, injected or cleared), a comparison open, a chapter other
    /// than the first (its narration), a scenario file loaded, or is at its end (the outcome),
    /// and the RabbitMQ page shows; or a change of the run waits for it (`pending`, whichever
    /// page shows). The app fetches it.
    pub fn needs_narration(&self) -> bool {
        let session = self.session.borrow();
        crate::ui::narration_chunk::loaded().is_none()
            && !self.narration_fetch_failed
            && (!self.pending.is_empty() || self.shown() == System::Rabbitmq)
            && (!self.pending.is_empty()
                || session.position() == session.len()
                || (self.chapter != 0 && self.custom.is_none() && !self.params.embed)
                || self.custom.is_some()
                || self.compare.is_some()
                || self.cleared.is_some()
                || !session.base().faults.is_empty()
                || !session.injected().is_empty()
                || crate::ui::narration_chunk::needed_for(session.trace(), session.timeline())
                || self.live().messages > 0
                || self.as_written().is_some_and(|s| s != self.settings))
    }

    /// The links module is needed and not loaded: a code waits to be restored, or the learner
    /// changed something (which is saved from then on). The app fetches it.
    pub fn needs_links(&self) -> bool {
        crate::ui::links_chunk::loaded().is_none() && (self.links_pending || self.version > self.fetch_notices) && !self.links_fetch_failed
    }

    /// The Kafka module is needed and not loaded: the switch asked for the Kafka page, or a
    /// Kafka run waits to be restored. The app fetches it.
    pub fn needs_kafka(&self) -> bool {
        (self.system == System::Kafka && self.kafka_run.is_none()) || self.restoring
    }

    /// The ZeroMQ module is needed and not loaded (as `needs_kafka`).
    pub fn needs_zeromq(&self) -> bool {
        (self.system == System::Zeromq && self.zeromq_run.is_none()) || self.restoring_zeromq
    }

    /// The page shown: the switch's system once its run is there, else RabbitMQ's.
    pub fn shown(&self) -> System {
        match self.system {
            System::Kafka if self.kafka_run.is_some() => System::Kafka,
            System::Zeromq if self.zeromq_run.is_some() => System::Zeromq,
            _ => System::Rabbitmq,
        }
    }

    /// A link or a saved state is being opened: the module that reads it (links) or runs it
    /// (Kafka) is being fetched. The page shows neither the tour's first chapter nor anything
    /// else meanwhile (they are not the run being opened); a failed fetch ends it (the page
    /// says so and shows the tour).
    pub fn opening(&self) -> bool {
        (self.links_pending && !self.links_load_error) || (self.restoring && !self.kafka_fetch_failed) || (self.restoring_zeromq && !self.zeromq_fetch_failed)
    }

    /// Waiting for the Kafka or the ZeroMQ module (the page's status says "loading").
    pub fn fetching_system(&self) -> bool {
        (self.needs_kafka() && !self.kafka_fetch_failed) || (self.needs_zeromq() && !self.zeromq_fetch_failed)
    }

    /// The whole run's trace hash (`#verdict-summary`'s `data-trace-hash`), once the narration
    /// module is there (it serializes the events); computed once per run.
    pub fn trace_hash(&self) -> Option<AttrValue> {
        let api = crate::ui::narration_chunk::loaded()?;
        let mut cache = self.hash_cache.borrow_mut();
        if let Some((run, hash)) = cache.as_ref() {
            if *run == self.run {
                return Some(hash.clone());
            }
        }
        let hash = AttrValue::from((api.trace_hash)(self.session.borrow().full_trace()));
        *cache = Some((self.run, hash.clone()));
        Some(hash)
    }

    /// The settings the learner last asked for: those of the last settings change still
    /// pending (`pending`; none after it that starts another run from its defaults), else the
    /// run's. The settings panel shows them and changes them, so two changes made while the
    /// narration module is fetched both count.
    pub fn asked_settings(&self) -> &Settings {
        for change in self.pending.iter().rev() {
            match change {
                Change::SetSettings(settings) => return settings,
                Change::SetChapter(_) | Change::Reset | Change::Load(_) | Change::RestoreCleared => break,
                Change::SetCompareSettings(_) | Change::ToggleCompare | Change::Inject(_) | Change::RemoveFault(_) => {}
            }
        }
        &self.settings
    }

    /// The settings as written: the loaded scenario's, else the chapter's.
    pub fn as_written(&self) -> Option<Settings> {
        match &self.custom {
            Some(scenario) => Some(Settings::of(scenario)),
            None => Some(Settings::of(&self.written)),
        }
    }

    /// The verdicts at the step shown (label, counts, and the table's rows), computed once
    /// per state however many components read them.
    pub fn live(&self) -> Rc<crate::report::Live> {
        let mut cache = self.live_cache.borrow_mut();
        if let Some((version, live)) = cache.as_ref() {
            if *version == self.version {
                return Rc::clone(live);
            }
        }
        let session = self.session.borrow();
        // The rows and their causes are the narration module's: without it, the counts only.
        let live = Rc::new(match crate::ui::narration_chunk::loaded() {
            Some(api) => (api.live)(session.world(), session.trace(), crate::ui::components::verdicts::ROWS_MAX, self.selected),
            None => crate::report::Live::counts(session.world()),
        });
        *cache = Some((self.version, Rc::clone(&live)));
        live
    }

    /// What a chapter switch or a reset from this state clears: its injected faults (none
    /// for a loaded scenario, which a reset reloads with its own faults).
    fn clearing(&self) -> Option<Rc<Cleared>> {
        let session = self.session.borrow();
        (self.custom.is_none() && !session.injected().is_empty()).then(|| {
            Rc::new(Cleared {
                chapter: self.chapter,
                settings: self.settings.clone(),
                seed: self.seed,
                faults: session.injected().to_vec(),
                position: session.position(),
            })
        })
    }

    /// A fresh state for this chapter that keeps what survives every action.
    fn fresh(&self) -> Playground {
        self.keeping(Playground::written(self.chapter, self.lang, Rc::clone(&self.written), Session::new_valid))
    }

    /// `fresh` for a chapter that runs the first chapter's scenario (`first_scenario`): the
    /// first module's.
    fn fresh_first(&self) -> Playground {
        self.keeping(Playground::written(self.chapter, self.lang, Rc::clone(&self.written), Session::new_first))
    }

    /// This state's chapter runs the tour's first chapter's scenario (`catalog::first`, §4.1
    /// to §4.3), which the first module can build (`fresh_first`).
    fn first_scenario(&self) -> bool {
        self.custom.is_none() && CHAPTERS[self.chapter].scenario == catalog::NAMES[0]
    }

    /// A fresh state for `chapter` that keeps what survives every action.
    fn fresh_at(&self, chapter: usize) -> Playground {
        self.keeping(Playground::new(chapter, self.lang))
    }

    /// `fresh` with what survives every action kept from this state.
    fn keeping(&self, mut fresh: Playground) -> Playground {
        fresh.version = self.version;
        fresh.fetch_notices = self.fetch_notices;
        fresh.run = self.run + 1;
        fresh.params = self.params;
        fresh.snippet = self.snippet;
        fresh.system = self.system;
        fresh.kafka_run = self.kafka_run.clone();
        fresh.zeromq_run = self.zeromq_run.clone();
        fresh.restoring_zeromq = self.restoring_zeromq;
        fresh.zeromq_fetch_failed = self.zeromq_fetch_failed;
        fresh.zeromq_load_error = self.zeromq_load_error;
        fresh.restoring = self.restoring;
        fresh.links_pending = self.links_pending;
        fresh.kafka_fetch_failed = self.kafka_fetch_failed;
        fresh.kafka_load_error = self.kafka_load_error;
        fresh.links_load_error = self.links_load_error;
        fresh.narration_load_error = self.narration_load_error;
        fresh.changes_dropped = self.changes_dropped;
        fresh
    }

    /// The scenario this page runs with `settings`: the loaded one's or the chapter's.
    pub fn scenario_with(&self, settings: &Settings) -> Result<Scenario, String> {
        match &self.custom {
            Some(base) => {
                let mut base = (**base).clone();
                base.seed = self.seed;
                settings.apply(&base).map_err(|e| e.to_string())
            }
            None => CHAPTERS[self.chapter].scenario(settings, self.seed),
        }
    }

    /// Run a loaded scenario at step 0; on error the current run stays.
    fn load(&mut self, scenario: Scenario) -> Result<(), String> {
        let session = Session::new(scenario.clone(), vec![]).map_err(|e| e.to_string())?;
        self.settings = Settings::of(&scenario);
        self.compare_settings = fixed(&self.settings);
        self.seed = scenario.seed;
        self.custom = Some(Rc::new(scenario));
        self.playing = false;
        self.selected = None;
        self.error = None;
        self.set_session(session);
        Ok(())
    }

    /// Restore a shared run; an error message if it cannot be.
    pub fn from_share(state: &ShareState) -> Result<Playground, LinkError> {
        // Built (and checked) first: the chapter, the faults by their place in the link, and
        // the step clamped to the run.
        let session = state.session()?;
        let chapter = CHAPTERS.iter().position(|c| c.id == state.chapter).ok_or_else(|| LinkError::UnknownChapter(crate::scenario::json::quoted(&state.chapter)))?;
        let mut p = Playground::new(chapter, Lang::from_tag(&state.lang));
        p.compare_settings = fixed(&state.settings);
        p.settings = state.settings.clone();
        p.seed = state.seed;
        p.set_session(session);
        if let Some(kafka) = &state.kafka {
            // Without the Kafka module, the app restores again once it is fetched.
            match crate::ui::kafka_chunk::loaded() {
                Some(api) => p.kafka_run = Some((api.from_share)(kafka)?),
                None => p.restoring = true,
            }
        }
        if let Some(zeromq) = &state.zeromq {
            match crate::ui::zeromq_chunk::loaded() {
                Some(api) => p.zeromq_run = Some((api.from_share)(zeromq)?),
                None => p.restoring_zeromq = true,
            }
        }
        p.system = state.system;
        if state.engine != ENGINE_VERSION {
            p.error = Some(crate::i18n::engine_differs(&crate::scenario::json::shorten(&state.engine), ENGINE_VERSION, p.lang));
        }
        Ok(p)
    }

    /// A new run: the session, its facts, and a new run number.
    fn set_session(&mut self, session: Session) {
        self.facts = Rc::new(RunFacts::unhashed(&session));
        self.session = Rc::new(RefCell::new(session));
        self.run += 1;
    }

    pub fn share_state(&self) -> ShareState {
        let session = self.session.borrow();
        ShareState {
            v: SHARE_VERSION,
            engine: ENGINE_VERSION.into(),
            chapter: CHAPTERS[self.chapter].id.into(),
            settings: self.settings.clone(),
            seed: self.seed,
            faults: session.injected().to_vec(),
            step: session.position() as u64,
            lang: self.lang.code().into(),
            system: self.system,
            kafka: self.kafka_run.as_ref().map(|k| k.share()),
            zeromq: self.zeromq_run.as_ref().map(|z| z.share()),
        }
    }

    /// Rebuild the comparison (if one is open) after the main run changed.
    fn rebuild_compare(&mut self) {
        if self.compare.is_some() {
            self.open_compare();
        }
    }

    /// Run `compare_settings` on the same chapter, seed and faults as the main run.
    fn open_compare(&mut self) {
        let faults = self.session.borrow().injected_at_times();
        let built = self.scenario_with(&self.compare_settings).and_then(|s| Session::new(s, faults).map_err(|e| e.to_string()));
        match built {
            Ok(other) => {
                self.compare = Some(Rc::new(RefCell::new(other)));
                self.sync_compare();
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Keep the comparison at the same simulated time as the main run (and at its end when
    /// the main run is at its end).
    fn sync_compare(&mut self) {
        if let Some(other) = &self.compare {
            let session = self.session.borrow();
            let at_end = session.position() >= session.len();
            let now_ms = session.now_ms();
            let mut other = other.borrow_mut();
            let step = if at_end { other.len() } else { other.step_matching(session.position(), now_ms) };
            other.seek(step);
        }
    }
}

impl Playground {
    /// Make `change` with the narration module's code, or, before the module is there, keep
    /// it for when it is (`pending`; the app fetches it meanwhile, the status says so).
    fn change_or_wait(mut self, change: Change) -> Playground {
        match crate::ui::narration_chunk::loaded() {
            Some(api) if self.pending.is_empty() => (api.change)(self, change),
            _ => {
                self.pending.push(change);
                self
            }
        }
    }
}

/// Make `change` on `next` (the narration module's code, `NarrationApi::change`: it applies
/// settings and validates scenarios and faults).
pub fn change(mut next: Playground, change: Change) -> Playground {
    match change {
        Change::SetSettings(settings) => {
            let (faults, position, now_ms) = {
                let session = next.session.borrow();
                (session.injected_at_times(), session.position(), session.now_ms())
            };
            let built = next.scenario_with(&settings).and_then(|s| Session::new(s, faults).map_err(|e| e.to_string()));
            match built {
                Ok(mut fresh) => {
                    let step = fresh.step_matching(position, now_ms);
                    fresh.seek(step);
                    next.set_session(fresh);
                    next.error = None;
                    // The Kafka page's cross-system compare runs these settings too.
                    if let Some(run) = &mut next.kafka_run {
                        run.reduce(crate::ui::kafka_page::KafkaAction::RefreshCompare(settings.clone()), false);
                    }
                    next.settings = settings;
                }
                Err(e) => next.error = Some(e),
            }
            next.rebuild_compare();
        }
        Change::SetCompareSettings(settings) => {
            next.compare_settings = settings;
            next.rebuild_compare();
        }
        Change::ToggleCompare => {
            if next.compare.is_some() {
                next.compare = None;
            } else {
                next.open_compare();
            }
        }
        Change::Inject(fault) => {
            let forked = next.session.borrow().forked(fault);
            match forked {
                Ok(fork) => next.set_session(fork),
                Err(e) => next.error = Some(e.to_string()),
            }
            next.rebuild_compare();
        }
        Change::RemoveFault(index) => {
            let rebuilt = next.session.borrow().without_injected(index);
            match rebuilt {
                Some(Ok(fresh)) => next.set_session(fresh),
                Some(Err(e)) => next.error = Some(e.to_string()),
                None => {}
            }
            next.rebuild_compare();
        }
        Change::RestoreCleared => {
            let Some(cleared) = next.cleared.take() else { return next };
            if next.params.lock && cleared.chapter != next.chapter {
                return next;
            }
            match build(&CHAPTERS[cleared.chapter], &cleared.settings, cleared.seed, cleared.faults.clone()) {
                Ok(mut session) => {
                    session.seek(cleared.position);
                    let mut restored = next.fresh_at(cleared.chapter);
                    restored.version = next.version;
                    restored.settings = cleared.settings.clone();
                    restored.compare_settings = fixed(&cleared.settings);
                    restored.seed = cleared.seed;
                    restored.set_session(session);
                    if next.compare.is_some() {
                        restored.open_compare();
                    }
                    return restored;
                }
                Err(e) => next.error = Some(e),
            }
        }
        Change::Load(scenario) => {
            if !next.params.lock {
                if let Err(e) = next.load((*scenario).clone()) {
                    next.error = Some(e);
                }
                next.rebuild_compare();
            }
        }
        Change::SetChapter(chapter) => {
            let mut fresh = next.fresh_at(chapter);
            fresh.cleared = next.clearing();
            if next.compare.is_some() {
                fresh.open_compare();
            }
            return fresh;
        }
        Change::Reset => {
            let mut fresh = next.fresh();
            fresh.cleared = next.clearing();
            if let Some(custom) = next.custom.clone() {
                if let Err(e) = fresh.load((*custom).clone()) {
                    fresh.error = Some(e);
                }
            }
            return fresh;
        }
    }
    next
}

impl Reducible for Playground {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.version += 1;
        // A failed fetch waits for the learner's next action; another module's arrival (a
        // notice, not a change of the learner's) does not try again.
        if !matches!(action, Action::NarrationLoaded(_)) {
            next.links_fetch_failed = matches!(action, Action::LinksLoaded(Err(_)));
        }
        if !matches!(action, Action::LinksLoaded(_) | Action::KafkaLoaded(_) | Action::ZeromqLoaded(_)) {
            next.narration_fetch_failed = matches!(action, Action::NarrationLoaded(Err(_)));
        }
        if matches!(action, Action::NarrationLoaded(_)) {
            next.fetch_notices += 1;
        }
        let moved = {
            let mut session = next.session.borrow_mut();
            match action {
                Action::Step => session.step_forward(),
                Action::Back => {
                    next.playing = false;
                    session.step_back()
                }
                Action::Seek(step) => {
                    session.seek(step);
                    true
                }
                Action::Tick(steps) => {
                    next.playing &= session.tick(steps);
                    true
                }
                Action::TogglePlay => {
                    if session.position() >= session.len() {
                        session.seek(0);
                    }
                    next.playing = !next.playing;
                    false
                }
                Action::SetSpeed(speed) => {
                    next.speed_x100 = speed.clamp(25, 6400);
                    false
                }
                Action::Reset => {
                    drop(session);
                    // A loaded scenario starts over as it was loaded (validated again), and
                    // another chapter's scenario is the narration module's to run; after
                    // changes still to be made, the reset waits for them.
                    if !next.first_scenario() || !next.pending.is_empty() {
                        return Rc::new(next.change_or_wait(Change::Reset));
                    }
                    let mut fresh = next.fresh_first();
                    fresh.cleared = next.clearing();
                    return Rc::new(fresh);
                }
                Action::Inject(fault) => {
                    drop(session);
                    return Rc::new(next.change_or_wait(Change::Inject(fault)));
                }
                Action::RemoveFault(index) => {
                    drop(session);
                    return Rc::new(next.change_or_wait(Change::RemoveFault(index)));
                }
                Action::SetChapter(chapter) => {
                    drop(session);
                    if next.params.lock {
                        return Rc::new(next);
                    }
                    // Another chapter's scenario is the narration module's (`catalog::get`).
                    return Rc::new(next.change_or_wait(Change::SetChapter(chapter)));
                }
                Action::RestoreCleared => {
                    drop(session);
                    return Rc::new(next.change_or_wait(Change::RestoreCleared));
                }
                Action::DismissCleared => {
                    next.cleared = None;
                    false
                }
                Action::SetSettings(settings) => {
                    drop(session);
                    return Rc::new(next.change_or_wait(Change::SetSettings(settings)));
                }
                Action::SetCompareSettings(settings) => {
                    drop(session);
                    return Rc::new(next.change_or_wait(Change::SetCompareSettings(settings)));
                }
                Action::ToggleCompare => {
                    drop(session);
                    return Rc::new(next.change_or_wait(Change::ToggleCompare));
                }
                Action::SetLang(lang) => {
                    next.lang = lang;
                    false
                }
                Action::SetSystem(system) => {
                    next.system = system;
                    next.kafka_fetch_failed = false;
                    next.zeromq_fetch_failed = false;
                    next.playing = false;
                    // Without the system's module the app fetches it (`needs_kafka`,
                    // `needs_zeromq`) and `KafkaLoaded` / `ZeromqLoaded` creates the run.
                    match &mut next.kafka_run {
                        Some(run) => run.pause(),
                        None if system == System::Kafka => next.kafka_run = crate::ui::kafka_chunk::loaded().map(|api| (api.new_run)(0)),
                        None => {}
                    }
                    match &mut next.zeromq_run {
                        Some(run) => run.pause(),
                        None if system == System::Zeromq => next.zeromq_run = crate::ui::zeromq_chunk::loaded().map(|api| (api.new_run)(0)),
                        None => {}
                    }
                    false
                }
                Action::ZeromqLoaded(Ok(())) => {
                    let Some(api) = crate::ui::zeromq_chunk::loaded() else { return self };
                    next.zeromq_load_error = false;
                    if next.system == System::Zeromq && next.zeromq_run.is_none() {
                        next.zeromq_run = Some((api.new_run)(0));
                    }
                    false
                }
                Action::ZeromqLoaded(Err(LoadFailed)) => {
                    // The RabbitMQ page stays (as for Kafka).
                    next.zeromq_load_error = true;
                    next.system = System::Rabbitmq;
                    next.zeromq_fetch_failed = true;
                    false
                }
                Action::Zeromq(action) => {
                    let lock = next.params.lock;
                    if let Some(run) = &mut next.zeromq_run {
                        run.reduce(action, lock);
                    }
                    false
                }
                Action::Restore(restored) => {
                    drop(session);
                    let mut restored = *restored;
                    restored.version = next.version + 1;
                    restored.run = next.run + 1;
                    return Rc::new(restored);
                }
                Action::KafkaLoaded(Ok(())) => {
                    let Some(api) = crate::ui::kafka_chunk::loaded() else { return self };
                    next.kafka_load_error = false;
                    if next.system == System::Kafka && next.kafka_run.is_none() {
                        next.kafka_run = Some((api.new_run)(0));
                    }
                    false
                }
                Action::LinksLoaded(Ok(())) => {
                    next.links_load_error = false;
                    false
                }
                Action::WantLinks => false,
                Action::LinksLoaded(Err(LoadFailed)) => {
                    next.links_load_error = true;
                    false
                }
                Action::KafkaLoaded(Err(LoadFailed)) => {
                    // The RabbitMQ page stays; while restoring, the saved state and the link
                    // stay as they were (nothing is saved).
                    next.kafka_load_error = true;
                    next.system = System::Rabbitmq;
                    next.kafka_fetch_failed = true;
                    false
                }
                Action::Kafka(action) => {
                    let lock = next.params.lock;
                    if let Some(run) = &mut next.kafka_run {
                        run.reduce(action, lock);
                    }
                    false
                }
                Action::Select(message) => {
                    next.selected = if next.selected == message { None } else { message };
                    false
                }
                Action::DismissError => {
                    next.error = None;
                    next.kafka_load_error = false;
                    next.zeromq_load_error = false;
                    next.links_load_error = false;
                    next.narration_load_error = false;
                    next.changes_dropped = false;
                    false
                }
                Action::NarrationLoaded(Ok(())) => {
                    drop(session);
                    next.narration_load_error = false;
                    next.changes_dropped = false;
                    // The changes asked for meanwhile, in order.
                    let pending = std::mem::take(&mut next.pending);
                    if let Some(api) = crate::ui::narration_chunk::loaded() {
                        for change in pending {
                            next = (api.change)(next, change);
                        }
                    }
                    return Rc::new(next);
                }
                Action::NarrationLoaded(Err(LoadFailed)) => {
                    next.narration_load_error = true;
                    if !next.pending.is_empty() {
                        next.pending.clear();
                        next.changes_dropped = true;
                    }
                    false
                }
                Action::SetSnippet(options) => {
                    next.snippet = options;
                    false
                }
                Action::Load(scenario) => {
                    drop(session);
                    return Rc::new(next.change_or_wait(Change::Load(Rc::from(scenario))));
                }
            }
        };
        if moved {
            next.sync_compare();
        }
        Rc::new(next)
    }
}

/// The context every component reads the playground from.
pub type PlaygroundHandle = UseReducerHandle<Playground>;

/// The playground of the enclosing `ContextProvider`.
#[hook]
pub fn use_playground() -> PlaygroundHandle {
    use_context::<PlaygroundHandle>().expect("components are rendered inside the playground's ContextProvider")
}
