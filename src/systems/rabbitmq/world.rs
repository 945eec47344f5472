//! The RabbitMQ world: pika programs (actors), a RabbitMQ broker and the network, on the
//! core's step loop (`engine::core`). It jumps to the earliest pending job, handles it, and
//! records what happened in the trace. `step()` handles jobs until one of them recorded at
//! least one event (one visible thing).
//!
//! Invariants: simulated time never goes backwards; jobs at the same time run in the order
//! they were scheduled (insertion order breaks ties); all randomness comes from the
//! seed's streams; after every broker call the outbox is drained (events recorded, frames
//! sent) before anything else happens.

use super::broker::rabbit::RabbitBroker;
use super::broker::{Broker, Ctx, Outbox};
use super::program::{Op, OpKind, OP_NAMES};
use super::setup::Setup;
use super::trace::*;
use crate::engine::checker::{Checker, Verdict};
use crate::engine::core::{self, Core, System};
use crate::engine::costs::{Costs, Disk, Server};
pub use crate::engine::core::{Finish, Until};
use crate::engine::ids::*;
use crate::engine::ledger::Place;
use crate::engine::network::Network;
use crate::engine::rng::{Rng, Stream};

const OP_COUNT: usize = OP_NAMES.len();
use crate::scenario::{ActorSpec, DeclareAs, FaultAction, GiveUp, OnFailure, RandomFaults, Scenario, ScenarioError, Trigger};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

/// Frames from a client to the broker.
#[derive(Clone, Copy, Debug)]
pub enum ClientFrame {
    Publish { copy: CopyId },
    Ack { tag: u32, multiple: bool },
    Nack { tag: u32, requeue: bool },
    Cancel,
    Close,
    /// `basic.get` (answered by a `Deliver` or `GetEmpty`).
    Get { queue: QueueId, auto_ack: bool },
}

/// Frames from the broker to a client.
#[derive(Clone, Copy, Debug)]
pub enum BrokerFrame {
    Deliver(Delivery),
    /// `returned`: a `basic.return` came first (mandatory, no queue took it).
    Confirm { message: MessageId, ack: bool, returned: bool },
    Closed { error: ClientError },
    /// `basic.get-empty`: the queue had nothing to give.
    GetEmpty,
}

/// What the RabbitMQ world has on its agenda (only the world makes these).
#[derive(Clone, Copy, Debug)]
pub enum Job {
    Wake { actor: ActorId, epoch: u32 },
    ToBroker { connection: ConnectionId, frame: ClientFrame },
    /// The node has done its work on a frame that reached it (`Costs::broker_us`): the
    /// frame takes effect now.
    BrokerWorked { connection: ConnectionId, frame: ClientFrame },
    /// A frame the broker sends once a disk sync ends (a persistent message's confirm,
    /// `Costs::fsync_us`).
    SendAfterSync { connection: ConnectionId, frame: BrokerFrame },
    /// The next request reaches a request handler (the outside world's schedule).
    RequestArrives { actor: ActorId },
    ToClient { connection: ConnectionId, frame: BrokerFrame },
    /// A TCP reset reaches both ends of a connection.
    Reset { connection: ConnectionId },
    Fault { index: u16 },
    StartNode { node: NodeId },
    RestartActor { actor: ActorId },
    Expire { copy: CopyId },
    /// Route the dead letters a broker call left waiting.
    DeadLetters,
    /// An end of a cut connection gives up on its silent peer (its heartbeat check).
    GiveUp { connection: ConnectionId, broker: bool, epoch: u32 },
    /// The broker's FIN, held in a cut, reaches the client after the heal.
    Eof { connection: ConnectionId },
    /// A channel tick that checks the consumer timeout (`Outbox::timeout_checks`).
    ConsumerTimeout { connection: ConnectionId },
    /// The broker's heartbeat check on a client silent since `epoch` began (busy outside
    /// pika): it closes the connection if the client is still silent.
    Silent { actor: ActorId, connection: ConnectionId, epoch: u32 },
}

/// A frame TCP holds while the network is cut (it goes through on the heal).
#[derive(Clone, Copy, Debug)]
enum Held {
    ToBroker(ClientFrame),
    ToClient(BrokerFrame),
}

/// What becomes of frames held in a cut: sent on (the heal), kept (still cut), or lost (the
/// end they go to has closed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Release,
    Keep,
    Drop,
}

/// A delivery as the client holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    pub copy: CopyId,
    pub tag: u32,
    pub redelivered: bool,
    pub auto_ack: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorStatus {
    NotStarted,
    Running,
    Crashed,
    Stopped,
    /// The program raised and exited with an error.
    Failed(ClientError),
    /// The program ran to its end.
    Finished,
}

impl ActorStatus {
    pub fn is_down(self) -> bool {
        !matches!(self, ActorStatus::Running | ActorStatus::NotStarted)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Blocked {
    No,
    Confirm,
    Deliveries,
    /// A polling consumer waits for the answer to its `basic_get`.
    Get,
    /// A connect across a cut: SYNs retransmitted until the cut heals or pika gives up.
    Connecting,
    /// A request handler waits for its next request to arrive.
    Request,
}

/// pika's `ConnectionParameters.socket_timeout` default: how long a TCP connect may take.
pub const SOCKET_TIMEOUT_MS: u64 = 10_000;
/// When Linux retransmits an unanswered SYN (initial RTO 1 s, doubling), from the connect.
const SYN_RETRANSMITS_MS: [u64; 3] = [1_000, 3_000, 7_000];

/// The runtime state of one actor.
#[derive(Clone, Debug)]
pub struct ActorRuntime {
    pub status: ActorStatus,
    epoch: u32,
    pc: u16,
    in_callback: bool,
    /// In `start_consuming`: deliveries run the callback.
    consuming: bool,
    blocked: Blocked,
    loop_index: u32,
    resume_pc: Option<u16>,
    pub connection: Option<ConnectionId>,
    /// The error the client will see on its next use of the broken connection.
    connection_error: Option<ClientError>,
    pub buffer: VecDeque<Delivery>,
    pub current: Option<Delivery>,
    current_failed: bool,
    /// The current delivery's effect was applied (or, idempotently, found applied already).
    current_done: bool,
    pending_message: Option<MessageId>,
    attempt: u32,
    /// Consumers: failed attempts per message in this process (`failures[...] += 1` in the
    /// code; a restarted process starts from zero, as a Python `Counter` would).
    failures: BTreeMap<MessageId, u32>,
    poison_next: bool,
    pub work_ms: u64,
    /// The line executing now (0 = none), for the code panel.
    pub line: u16,
    /// The op on `line` has completed (its `after` triggers are due or done): a crash now
    /// comes after that line, not during it.
    pub line_done: bool,
    /// The op that just ran and whose `after` triggers are due at the next wake.
    after_due: Option<OpKind>,
    /// Busy outside pika (a callback's work, `time.sleep`) since this time: no heartbeats go
    /// out (pika's `BlockingConnection` sends them only inside its calls).
    silent_since: Option<u64>,
    /// Bumped when a silence starts or ends: a broker check of an older one is void.
    silence_epoch: u32,
    /// When the broker gives up on the silence going on (if it lasts), and whether that
    /// check is on the agenda (only once an op of the silence ends at or after it).
    silence_deadline_ms: u64,
    silence_timer: bool,
    /// A polling consumer whose last `basic_get` found the queue empty, asleep before the
    /// next.
    idle_poll: bool,
    /// When the connect going on (`Blocked::Connecting`) sent its first SYN.
    connect_since_ms: u64,
    /// The work going on ends in a failure (`fail.after_work`).
    fail_after_work: bool,
    /// The program cancelled its consumer (`basic_cancel`): `start_consuming` returns once
    /// the callback running now is done, and the program ends.
    cancelled: bool,
    /// A producer gave up on a message (`retry.on_give_up: skip`): it connects again before
    /// publishing the next one (`channel = None`).
    reconnect_first: bool,
    op_counts: [u32; OP_COUNT],
    /// Producers: the logical message of each payload index, kept across restarts.
    messages: Vec<MessageId>,
    /// A dual-write order service: the order it committed and has not published yet.
    committed_unpublished: Option<MessageId>,
    /// The relay: the outbox rows its last `SELECT` returned and it has not reached yet (a
    /// local variable: a restart forgets it), and the row it is on.
    rows: VecDeque<MessageId>,
    row: Option<MessageId>,
    /// A request handler: when its loop started (request `i` arrives `i × interval_ms` after),
    /// and how many requests have arrived.
    requests_start_us: Option<u64>,
    requests_arrived: u32,
    requests_taken: u32,
    /// A batch producer (`confirm_batch`): the messages of its batch the broker has not
    /// confirmed yet, in publish order, and how many more the batch publishes.
    unconfirmed: Vec<MessageId>,
    batch_left: u32,
}

impl ActorRuntime {
    /// Producers: the message of each payload index published so far (kept across restarts).
    pub fn messages(&self) -> &[MessageId] {
        &self.messages
    }

    fn new(work_ms: u64) -> ActorRuntime {
        ActorRuntime {
            status: ActorStatus::NotStarted,
            epoch: 0,
            pc: 0,
            in_callback: false,
            consuming: false,
            blocked: Blocked::No,
            loop_index: 0,
            resume_pc: None,
            connection: None,
            connection_error: None,
            buffer: VecDeque::new(),
            current: None,
            current_failed: false,
            current_done: false,
            pending_message: None,
            attempt: 0,
            failures: BTreeMap::new(),
            poison_next: false,
            work_ms,
            line: 0,
            line_done: false,
            after_due: None,
            silent_since: None,
            silence_epoch: 0,
            silence_deadline_ms: 0,
            silence_timer: false,
            idle_poll: false,
            connect_since_ms: 0,
            fail_after_work: false,
            cancelled: false,
            reconnect_first: false,
            op_counts: [0; OP_COUNT],
            messages: Vec::new(),
            committed_unpublished: None,
            rows: VecDeque::new(),
            row: None,
            requests_start_us: None,
            requests_arrived: 0,
            requests_taken: 0,
            unconfirmed: Vec::new(),
            batch_left: 0,
        }
    }
}

/// The order service's SQLite database: the orders committed, and (with an outbox) the
/// rows not deleted yet, by order id. Each commit and each delete is one transaction.
#[derive(Clone, Debug, Default)]
pub struct OrdersDb {
    pub orders: Vec<MessageId>,
    pub outbox: VecDeque<MessageId>,
}

/// A connection as the network and the client know it.
#[derive(Clone, Copy, Debug)]
struct ConnectionInfo {
    actor: ActorId,
    node: NodeId,
}

/// A program's own time (a sleep, its work) in µs, the unit `Flow::Next` counts in.
#[inline]
fn ms(ms: u64) -> u64 {
    ms.saturating_mul(1000)
}

/// What a step of an op leads to.
enum Flow {
    /// Done; continue with the next op after this many µs (`ms(...)` for a program's own
    /// sleeps and work, the network's round trip for a call that waits for its answer).
    Next(u64),
    /// Continue at once within this step (an op with nothing to show).
    Inline,
    /// Wait for a frame (confirm or delivery).
    Block,
    /// The op raised.
    Raise(ClientError),
    /// The actor is done or gone.
    Stop,
}

/// A deterministic simulation of one scenario.
#[derive(Clone)]
pub struct Sim {
    setup: Rc<Setup>,
    core: Core<Job, Event, CopyExtra>,
    broker: RabbitBroker,
    network: Network,
    actors: Vec<ActorRuntime>,
    connections: Vec<ConnectionInfo>,
    rng_network: Rng,
    rng_faults: Rng,
    rng_workload: Rng,
    /// The idempotent consumers' store: message ids whose effect was applied.
    applied: BTreeSet<MessageId>,
    /// The order service's database (`orders.db`), on disk: it survives every crash.
    orders_db: OrdersDb,
    outbox: Outbox,
    /// Frames held across cuts, in the order they reached the cut.
    held: VecDeque<(ConnectionId, Held)>,
    /// What work costs (`scenario.costs`); each connection's worker on the broker (RabbitMQ
    /// runs a process per connection and channel: one connection's frames wait for each
    /// other, not for another's), and each node's disk.
    costs: Costs,
    channel_work: Vec<Server>,
    node_disk: Vec<Disk>,
}

impl Sim {
    /// A world for `scenario`, seeded with the scenario's seed.
    pub fn new(scenario: &Scenario) -> Result<Sim, ScenarioError> {
        Sim::with_seed(scenario, scenario.seed)
    }

    pub fn with_seed(scenario: &Scenario, seed: u64) -> Result<Sim, ScenarioError> {
        Sim::with_setup(scenario, seed, Setup::new(scenario)?)
    }

    /// `new` for a scenario already validated (`Setup::new_valid`).
    pub fn new_valid(scenario: &Scenario) -> Result<Sim, ScenarioError> {
        Sim::with_setup(scenario, scenario.seed, Setup::new_valid(scenario)?)
    }

    /// `new` for the tour's first chapter's scenario (`Setup::new_first`).
    pub fn new_first(scenario: &Scenario) -> Result<Sim, ScenarioError> {
        Sim::with_setup(scenario, scenario.seed, Setup::new_first(scenario)?)
    }

    fn with_setup(scenario: &Scenario, seed: u64, setup: Setup) -> Result<Sim, ScenarioError> {
        let net = &scenario.network;
        let exchanges = scenario.exchanges.iter().map(|e| e.exists_at_start).collect();
        let broker = RabbitBroker::new(scenario.broker.nodes, &scenario.queues, exchanges, setup.routes.clone(), setup.route_exchanges.clone(), setup.dead_letter_routes.clone())
            .with_consumer_timeout(scenario.broker.consumer_timeout_ms, scenario.broker.channel_tick_ms);
        let actors = setup
            .actors
            .iter()
            .map(|a| ActorRuntime::new(match &a.spec {
                ActorSpec::Consumer(c) => c.work_ms,
                ActorSpec::Producer(_) | ActorSpec::Admin(_) | ActorSpec::Relay(_) => 0,
            }))
            .collect();
        // About a dozen events per message: reserve once instead of doubling a huge trace.
        let trace_capacity = scenario.actors.iter().map(|a| match a {
            ActorSpec::Producer(p) => p.messages as usize * 12,
            ActorSpec::Consumer(_) | ActorSpec::Admin(_) | ActorSpec::Relay(_) => 0,
        }).sum::<usize>().min(usize::try_from(scenario.limits.events_max).unwrap_or(usize::MAX)).min(1 << 25) + 64;
        let mut sim = Sim {
            core: Core::new(scenario.limits.clone(), setup.step_triggers.clone(), trace_capacity),
            broker,
            network: Network::new(net.latency_ms, scenario.costs.network_us, net.jitter_ms, net.reset_after_drop_ms),
            actors,
            connections: Vec::new(),
            rng_network: Rng::new(seed, Stream::Network),
            rng_faults: Rng::new(seed, Stream::Faults),
            rng_workload: Rng::new(seed, Stream::Workload),
            applied: BTreeSet::new(),
            orders_db: OrdersDb::default(),
            outbox: Outbox::default(),
            setup: Rc::new(setup),
            held: VecDeque::new(),
            costs: scenario.costs,
            channel_work: Vec::new(),
            node_disk: vec![Disk::default(); usize::from(scenario.broker.nodes)],
        };
        for (index, fault) in scenario.faults.iter().enumerate() {
            if let Trigger::AtMs(at_ms) = fault.when {
                sim.schedule_at_ms(at_ms, Job::Fault { index: index as u16 });
            }
        }
        for (index, actor) in scenario.actors.iter().enumerate() {
            sim.schedule_at_ms(actor.start_ms(), Job::RestartActor { actor: ActorId(index as u16) });
        }
        core::fire_step_triggers(&mut sim);
        Ok(sim)
    }

    // ----- reading the world -----

    pub fn setup(&self) -> &Setup {
        &self.setup
    }
    /// Requests that have arrived at their handlers and wait to be taken up.
    pub fn requests_waiting(&self) -> u32 {
        self.actors.iter().map(|a| a.requests_arrived - a.requests_taken).sum()
    }

    /// What waits now: ready messages in every queue, and requests waiting for their
    /// handler (the chart's depth line, `view::chart_series`, counts the same).
    pub fn waiting(&self) -> u32 {
        self.broker.queues.iter().map(|q| q.ready.len() as u32).sum::<u32>() + self.requests_waiting()
    }

    pub fn now_ms(&self) -> u64 {
        self.core.now_ms()
    }
    /// The events this world recorded (for a snapshot: only those since it was taken).
    pub fn trace(&self) -> &[TraceEntry] {
        &self.core.trace
    }

    /// How many events the run has recorded in all, snapshots included.
    pub fn events(&self) -> usize {
        self.core.trace_base + self.core.trace.len()
    }

    /// A copy of the world without its trace: cheap to keep many of. Its later events are
    /// numbered after the ones it dropped.
    pub fn snapshot(&self) -> Sim {
        Sim {
            setup: Rc::clone(&self.setup),
            core: self.core.snapshot(),
            broker: self.broker.clone(),
            network: self.network.clone(),
            actors: self.actors.clone(),
            connections: self.connections.clone(),
            rng_network: self.rng_network.clone(),
            rng_faults: self.rng_faults.clone(),
            rng_workload: self.rng_workload.clone(),
            applied: self.applied.clone(),
            orders_db: self.orders_db.clone(),
            outbox: Outbox::default(),
            held: self.held.clone(),
            costs: self.costs,
            channel_work: self.channel_work.clone(),
            node_disk: self.node_disk.clone(),
        }
    }
    pub fn ledger(&self) -> &Ledger {
        &self.core.ledger
    }
    pub fn checker(&self) -> &Checker {
        &self.core.checker
    }
    pub fn broker(&self) -> &RabbitBroker {
        &self.broker
    }
    pub fn network(&self) -> &Network {
        &self.network
    }
    pub fn actors(&self) -> &[ActorRuntime] {
        &self.actors
    }
    pub fn finish(&self) -> Option<Finish> {
        self.core.finish
    }
    pub fn is_finished(&self) -> bool {
        self.core.finish.is_some()
    }
    /// The verdict of one message now (`Core::verdict`).
    pub fn verdict(&self, message: MessageId) -> Verdict {
        let verdict = self.core.verdict(message);
        // An order whose outbox row is still in orders.db is not lost, nor processed yet: a
        // relay that runs publishes it. At the end it waits there (the relay is gone).
        if matches!(verdict, Verdict::Lost | Verdict::Pending) && self.in_outbox(message) {
            return if self.core.finish == Some(Finish::Quiescent) { Verdict::Stranded } else { Verdict::Pending };
        }
        verdict
    }

    /// The idempotent consumers' store (`effects.db`): the messages whose effect is applied.
    pub fn applied(&self) -> &BTreeSet<MessageId> {
        &self.applied
    }

    /// The order service's database as it is now.
    pub fn orders_db(&self) -> &OrdersDb {
        &self.orders_db
    }

    /// Whether `message` has a row in the outbox (committed, not deleted by the relay yet).
    pub fn in_outbox(&self, message: MessageId) -> bool {
        self.orders_db.outbox.contains(&message)
    }

    /// Whether the order of `message` is in the database (an order service committed it).
    pub fn order_committed(&self, message: MessageId) -> bool {
        self.orders_db.orders.contains(&message)
    }

    /// Is the run over (quiescent or stopped at a limit)?
    pub fn ended(&self) -> bool {
        self.core.finish.is_some()
    }

    /// Check conservation: the broker's structures and the ledger agree, and each message's
    /// live count matches its copies. Returns what is wrong.
    pub fn check_conservation(&self) -> Result<(), String> {
        let mut live = vec![0u32; self.core.ledger.messages.len()];
        let mut ready_count = vec![0usize; self.broker.queues.len()];
        let mut unacked_count = vec![0usize; self.broker.channels.len()];
        for copy in &self.core.ledger.copies {
            if copy.place.is_live() {
                live[copy.message.index()] += 1;
            }
            match copy.place {
                Place::Ready { queue } => ready_count[queue.index()] += 1,
                Place::AtConsumer { connection, acked: false, .. } => unacked_count[connection.index()] += 1,
                _ => {}
            }
        }
        for (index, message) in self.core.ledger.messages.iter().enumerate() {
            if message.live_copies != live[index] {
                return Err(format!("message {index}: ledger counts {} live copies, found {}", message.live_copies, live[index]));
            }
        }
        for (index, queue) in self.broker.queues.iter().enumerate() {
            if queue.ready.len() != ready_count[index] {
                return Err(format!("queue {}: holds {} ready, ledger says {}", queue.spec.name, queue.ready.len(), ready_count[index]));
            }
            for &copy in &queue.ready {
                if self.core.ledger.copy(copy).place != (Place::Ready { queue: QueueId(index as u16) }) {
                    return Err(format!("queue {}: copy {} is not ready there", queue.spec.name, copy.0));
                }
            }
            let positions: Vec<u64> = queue.ready.iter().map(|&c| self.core.ledger.copy(c).position).collect();
            if positions.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("queue {}: ready messages are out of position order", queue.spec.name));
            }
        }
        for (index, channel) in self.broker.channels.iter().enumerate() {
            if channel.unacked.len() != unacked_count[index] {
                return Err(format!("connection {index}: {} unacked, ledger says {}", channel.unacked.len(), unacked_count[index]));
            }
        }
        Ok(())
    }

    // ----- driving the world -----

    /// The time `delay_ms` from now, in µs.
    #[inline]
    fn later(&self, delay_ms: u64) -> u64 {
        self.core.later(delay_ms)
    }

    /// Schedule `job` at `at_us`.
    #[inline]
    fn schedule(&mut self, at_us: u64, job: Job) {
        self.core.schedule_us(at_us, job);
    }

    /// Schedule `job` at millisecond `at_ms` (a time the broker or the network's timers
    /// computed in whole milliseconds), or now if that millisecond has begun.
    #[inline]
    fn schedule_at_ms(&mut self, at_ms: u64, job: Job) {
        self.core.schedule_at_ms(at_ms, job);
    }

    #[inline(always)]
    fn record(&mut self, event: Event) {
        self.core.record(event);
    }

    /// Handle jobs until one records an event. False once the run is over.
    pub fn step(&mut self) -> bool {
        core::step_until(self, u64::MAX)
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.core.steps()
    }

    /// A timer that will do nothing when it comes: the expiry of a copy acked or dropped
    /// since, a consumer-timeout check of a channel with nothing unacked.
    fn timer_changes_nothing(&self, job: &Job) -> bool {
        match *job {
            Job::Expire { copy } => !self.core.ledger.copy(copy).place.is_live(),
            Job::ConsumerTimeout { connection } => self.broker.timeout_check_is_idle(connection),
            _ => false,
        }
    }

    pub fn run_until(&mut self, until: Until) {
        core::run_until(self, until);
    }

    /// Inject a fault (or repair) now. Fails if it names something that does not exist.
    pub fn apply(&mut self, action: &FaultAction) -> Result<(), ScenarioError> {
        let mut probe = self.setup.scenario.clone();
        probe.faults = vec![crate::scenario::FaultSpec { when: Trigger::AtMs(0), action: action.clone() }];
        probe.validate()?;
        if self.core.finish == Some(Finish::Quiescent) {
            self.core.finish = None;
        }
        self.perform(action);
        Ok(())
    }

    fn handle(&mut self, job: Job) {
        match job {
            Job::Wake { actor, epoch } => {
                let runtime = &self.actors[actor.index()];
                if runtime.epoch == epoch && runtime.status == ActorStatus::Running {
                    self.run_actor(actor);
                }
            }
            Job::ToBroker { connection, frame } => self.frame_at_broker(connection, frame),
            Job::BrokerWorked { connection, frame } => self.broker_takes(connection, frame),
            Job::SendAfterSync { connection, frame } => self.send_to_client(connection, frame),
            Job::RequestArrives { actor } => self.request_arrives(actor),
            Job::ToClient { connection, frame } => self.frame_at_client(connection, frame),
            Job::Reset { connection } => self.reset_connection(connection, ClientError::StreamLost),
            Job::Fault { index } => self.perform_fault_now(index),
            Job::StartNode { node } => self.broker_call(|b, cx| b.start_node(cx, node)),
            Job::RestartActor { actor } => self.restart_actor(actor),
            Job::Expire { copy } => self.broker_call(|b, cx| b.expire(cx, copy)),
            Job::DeadLetters => self.broker_call(|b, cx| b.continue_dead_letters(cx)),
            Job::GiveUp { connection, broker, epoch } => self.give_up(connection, broker, epoch),
            Job::Eof { connection } => self.reset_connection(connection, ClientError::StreamEof),
            Job::Silent { actor, connection, epoch } => self.silence_checked(actor, connection, epoch),
            Job::ConsumerTimeout { connection } => self.broker_call(|b, cx| b.check_consumer_timeout(cx, connection)),
        }
    }

    /// Call the broker, then drain what it produced.
    fn broker_call<R>(&mut self, call: impl FnOnce(&mut RabbitBroker, &mut Ctx) -> R) -> R {
        debug_assert!(self.outbox.is_empty());
        let mut cx = Ctx { now_ms: self.core.now_ms(), ledger: &mut self.core.ledger, network: &self.network, out: &mut self.outbox };
        let result = call(&mut self.broker, &mut cx);
        // Draining by index: recording and sending never touch the outbox.
        for i in 0..self.outbox.events.len() {
            self.record(self.outbox.events[i]);
        }
        for i in 0..self.outbox.deliveries.len() {
            let delivery = self.outbox.deliveries[i];
            let d = Delivery { copy: delivery.copy, tag: delivery.tag, redelivered: delivery.redelivered, auto_ack: delivery.auto_ack };
            self.send_to_client(delivery.connection, BrokerFrame::Deliver(d));
        }
        for i in 0..self.outbox.confirms.len() {
            let (connection, message, ack, returned) = self.outbox.confirms[i];
            let frame = BrokerFrame::Confirm { message, ack, returned };
            if ack && self.costs.fsync_us > 0 && self.core.ledger.messages[message.index()].persistent {
                // Confirmed once on disk: when the sync that covers it ends.
                let node = self.connections[connection.index()].node;
                let at = self.node_disk[node.index()].synced_at(self.core.now_us(), self.costs.fsync_us);
                self.schedule(at, Job::SendAfterSync { connection, frame });
            } else {
                self.send_to_client(connection, frame);
            }
        }
        for i in 0..self.outbox.closed.len() {
            let (connection, error) = self.outbox.closed[i];
            self.send_to_client(connection, BrokerFrame::Closed { error });
        }
        for i in 0..self.outbox.timeout_checks.len() {
            let (at_ms, connection) = self.outbox.timeout_checks[i];
            self.schedule_at_ms(at_ms, Job::ConsumerTimeout { connection });
        }
        for i in 0..self.outbox.expiries.len() {
            let (at_ms, copy) = self.outbox.expiries[i];
            self.schedule_at_ms(at_ms, Job::Expire { copy });
        }
        if self.outbox.dead_letters_pending {
            self.schedule(self.core.now_us(), Job::DeadLetters);
        }
        self.outbox.clear();
        result
    }

    // ----- the network -----

    fn endpoints(&self, connection: ConnectionId) -> (Endpoint, Endpoint) {
        let info = self.connections[connection.index()];
        (Endpoint::Actor(info.actor), Endpoint::Node(info.node))
    }

    /// The random fault mix, while it is active.
    fn active_random_faults(&self) -> Option<&RandomFaults> {
        self.setup.random.as_ref().filter(|r| self.core.now_ms() < r.until_ms)
    }

    /// Is this frame lost (scripted or random)? Records the loss and schedules the reset.
    fn frame_lost(&mut self, connection: ConnectionId, from: Endpoint, to: Endpoint) -> bool {
        let ratio = self.active_random_faults().map(|r| r.frame_loss);
        let random = ratio.is_some_and(|ratio| self.rng_faults.chance(ratio));
        if !(self.network.take_drop(from, to) || random) {
            return false;
        }
        self.record(Event::FrameDropped { from, to });
        let at = self.later(self.network.reset_after_drop_ms);
        self.schedule(at, Job::Reset { connection });
        true
    }

    fn send_to_broker(&mut self, connection: ConnectionId, frame: ClientFrame) {
        let (actor, node) = self.endpoints(connection);
        if !matches!(frame, ClientFrame::Close) && self.frame_lost(connection, actor, node) {
            if let ClientFrame::Publish { copy } = frame {
                self.core.ledger.move_to(copy, Place::Discarded);
                self.record(Event::MessageDiscarded { copy, reason: DiscardReason::FrameLost });
            }
            return;
        }
        let at = self.network.arrival_us(self.core.now_us(), connection, true, &mut self.rng_network);
        if let ClientFrame::Publish { copy } = frame {
            let ratio = self.active_random_faults().map(|r| r.frame_duplicate);
            let random = ratio.is_some_and(|ratio| self.rng_faults.chance(ratio));
            if self.network.take_duplicate(actor) || random {
                let record = *self.core.ledger.copy(copy);
                let twin = self.core.ledger.new_copy(record.message, Place::ToBroker { connection }, record.persistent);
                self.core.ledger.copy_mut(twin).extra.key_source = record.extra.key_source;
                self.record(Event::MessageDuplicated { copy: twin, from: copy });
                self.schedule(at, Job::ToBroker { connection, frame });
                self.schedule(at, Job::ToBroker { connection, frame: ClientFrame::Publish { copy: twin } });
                return;
            }
        }
        self.schedule(at, Job::ToBroker { connection, frame });
    }

    fn send_to_client(&mut self, connection: ConnectionId, frame: BrokerFrame) {
        let (actor, node) = self.endpoints(connection);
        if !matches!(frame, BrokerFrame::Closed { .. }) && self.frame_lost(connection, node, actor) {
            if let BrokerFrame::Deliver(d) = frame {
                if d.auto_ack {
                    self.core.ledger.move_to(d.copy, Place::Discarded);
                    self.record(Event::MessageDiscarded { copy: d.copy, reason: DiscardReason::FrameLost });
                }
                // A manual-ack delivery stays unacked; the reset requeues it.
            }
            return;
        }
        let at = self.network.arrival_us(self.core.now_us(), connection, false, &mut self.rng_network);
        self.schedule(at, Job::ToClient { connection, frame });
    }

    fn frame_at_broker(&mut self, connection: ConnectionId, frame: ClientFrame) {
        if self.hold_across_cut(connection, Held::ToBroker(frame)) {
            return;
        }
        self.network.received(connection, true, self.core.now_ms());
        if self.costs.broker_us > 0 || self.costs.persist_us > 0 {
            // The connection's process takes its frames one at a time, in the order they
            // came (a close too: it comes after the publishes before it).
            let work_us = self.broker_work_us(frame);
            let done = self.channel_work[connection.index()].take(self.core.now_us(), work_us);
            if done > self.core.now_us() {
                self.schedule(done, Job::BrokerWorked { connection, frame });
                return;
            }
        }
        self.broker_takes(connection, frame);
    }

    /// What the node works on `frame` before it takes effect (`Costs`): every frame but a
    /// close costs `broker_us`, a persistent message's publish `persist_us` more.
    fn broker_work_us(&self, frame: ClientFrame) -> u64 {
        match frame {
            ClientFrame::Close => 0,
            ClientFrame::Publish { copy } if self.core.ledger.copy(copy).persistent => self.costs.broker_us + self.costs.persist_us,
            _ => self.costs.broker_us,
        }
    }

    /// The broker takes `frame` in (its work on it done).
    fn broker_takes(&mut self, connection: ConnectionId, frame: ClientFrame) {
        match frame {
            ClientFrame::Publish { copy } => {
                let actor = self.connections[connection.index()].actor;
                let route = self.setup.actors[actor.index()].route;
                let mandatory = match &self.setup.actors[actor.index()].spec {
                    ActorSpec::Producer(p) => p.mandatory,
                    ActorSpec::Relay(r) => r.mandatory,
                    _ => false,
                };
                self.broker_call(|b, cx| b.publish(cx, connection, copy, route, mandatory));
            }
            ClientFrame::Ack { tag, multiple } => self.broker_call(|b, cx| b.ack(cx, connection, tag, multiple)),
            ClientFrame::Nack { tag, requeue } => self.broker_call(|b, cx| b.nack(cx, connection, tag, requeue)),
            ClientFrame::Cancel => self.broker_call(|b, cx| b.cancel(cx, connection)),
            ClientFrame::Close => self.broker_call(|b, cx| b.close(cx, connection)),
            ClientFrame::Get { queue, auto_ack } => {
                if !self.broker_call(|b, cx| b.get(cx, connection, queue, auto_ack)) {
                    self.send_to_client(connection, BrokerFrame::GetEmpty);
                }
            }
        }
    }

    /// Is `connection` the live connection of a running actor?
    fn live_client(&self, connection: ConnectionId) -> Option<ActorId> {
        let actor = self.connections[connection.index()].actor;
        let runtime = &self.actors[actor.index()];
        (runtime.status == ActorStatus::Running && runtime.connection == Some(connection) && runtime.connection_error.is_none())
            .then_some(actor)
    }

    fn frame_at_client(&mut self, connection: ConnectionId, frame: BrokerFrame) {
        if self.hold_across_cut(connection, Held::ToClient(frame)) {
            return;
        }
        self.network.received(connection, false, self.core.now_ms());
        let Some(actor) = self.live_client(connection) else {
            // Nobody is listening: an auto-acked delivery dies here.
            if let BrokerFrame::Deliver(d) = frame {
                self.discard_auto_acked(d);
            }
            return;
        };
        match frame {
            BrokerFrame::Deliver(d) if self.actors[actor.index()].blocked == Blocked::Get => {
                // `basic_get` returned a message: the loop calls the callback on it.
                self.actors[actor.index()].blocked = Blocked::No;
                self.actors[actor.index()].idle_poll = false;
                self.start_callback(actor, d);
            }
            BrokerFrame::GetEmpty => {
                let runtime = &mut self.actors[actor.index()];
                if runtime.blocked == Blocked::Get {
                    runtime.blocked = Blocked::No;
                    runtime.idle_poll = true;
                    runtime.pc += 1;
                    self.wake_now(actor);
                }
            }
            BrokerFrame::Deliver(d) => {
                let runtime = &mut self.actors[actor.index()];
                runtime.buffer.push_back(d);
                if runtime.blocked == Blocked::Deliveries {
                    runtime.blocked = Blocked::No;
                    self.wake_now(actor);
                }
            }
            BrokerFrame::Confirm { message, ack, .. } if self.batches(actor) => self.batch_confirm(actor, message, ack),
            BrokerFrame::Confirm { message, ack, returned } => {
                let runtime = &mut self.actors[actor.index()];
                if runtime.blocked != Blocked::Confirm || runtime.pending_message != Some(message) {
                    return;
                }
                runtime.blocked = Blocked::No;
                if returned {
                    // pika's BlockingChannel: a `basic.return` before the ack makes
                    // `basic_publish` raise `UnroutableError` (the channel stays open).
                    self.raise(actor, ClientError::Unroutable);
                } else if ack {
                    runtime.pending_message = None;
                    runtime.attempt = 0;
                    // `basic_publish` returns now: its `after` triggers are due.
                    runtime.after_due = Some(OpKind::Publish);
                    self.record(Event::PublishConfirmed { actor, message });
                    self.advance(actor);
                    self.wake_after_work(actor, self.costs.publish_us);
                } else {
                    self.record(Event::PublishNacked { actor, message });
                    self.raise(actor, ClientError::Nacked);
                }
            }
            BrokerFrame::Closed { error } => self.connection_lost(actor, error),
        }
    }

    /// Whether `actor` is a batch producer (`confirm_batch`).
    fn batches(&self, actor: ActorId) -> bool {
        matches!(&self.setup.actors[actor.index()].spec, ActorSpec::Producer(p) if p.confirm_batch.is_some())
    }

    /// A batch producer reads a confirm (its `on_confirm`; the broker's ack may cover several
    /// delivery tags, `multiple=True`: one confirm each here, which costs the same, as the
    /// client's reading of them is in `Costs::publish_us`). A nack ends the program; the last
    /// confirm of a batch lets it go on (`batch_confirmed`).
    fn batch_confirm(&mut self, actor: ActorId, message: MessageId, ack: bool) {
        let runtime = &mut self.actors[actor.index()];
        let Some(at) = runtime.unconfirmed.iter().position(|&m| m == message) else { return };
        runtime.unconfirmed.remove(at);
        if !ack {
            self.record(Event::PublishNacked { actor, message });
            self.raise(actor, ClientError::Nacked);
            return;
        }
        self.record(Event::PublishConfirmed { actor, message });
        let runtime = &mut self.actors[actor.index()];
        if runtime.unconfirmed.is_empty() && runtime.blocked == Blocked::Confirm {
            runtime.blocked = Blocked::No;
            runtime.after_due = Some(OpKind::WaitConfirms);
            self.batch_confirmed(actor);
            self.wake_now(actor);
        }
    }

    /// Every message of a batch producer's batch is confirmed: on to the next batch, or to
    /// `connection.close()` after the last.
    fn batch_confirmed(&mut self, actor: ActorId) {
        let me = &self.setup.actors[actor.index()];
        let ActorSpec::Producer(spec) = &me.spec else { unreachable!("a batch producer is a producer") };
        let (messages, batch) = (spec.messages, spec.confirm_batch.unwrap_or(1));
        let runtime = &mut self.actors[actor.index()];
        if runtime.loop_index >= messages {
            runtime.pc = me.loop_exit_pc + 1;
        } else {
            runtime.batch_left = batch;
            runtime.pc = me.loop_start_pc;
        }
    }

    fn discard_auto_acked(&mut self, d: Delivery) {
        if d.auto_ack && self.core.ledger.copy(d.copy).place.is_live() {
            self.core.ledger.move_to(d.copy, Place::Discarded);
            self.record(Event::MessageDiscarded { copy: d.copy, reason: DiscardReason::AutoAckedUnprocessed });
        }
    }

    /// Both ends learn that the connection is gone.
    fn reset_connection(&mut self, connection: ConnectionId, error: ClientError) {
        if self.broker.is_open(connection) {
            self.broker_call(|b, cx| b.close(cx, connection));
        }
        if let Some(actor) = self.live_client(connection) {
            self.connection_lost(actor, error);
        }
    }

    // ----- cuts, held frames and heartbeats -----

    /// The connections running across the link between `a` and `b`.
    fn connections_across(&self, a: Endpoint, b: Endpoint) -> Vec<ConnectionId> {
        (0..self.connections.len() as u32)
            .map(ConnectionId)
            .filter(|&c| {
                let (x, y) = self.endpoints(c);
                (x, y) == (a, b) || (x, y) == (b, a)
            })
            .collect()
    }

    /// The network between `a` and `b` is cut. Nothing resets: TCP keeps retransmitting, so
    /// frames are held, and neither end notices until its heartbeat check finds the peer
    /// silent (`Network::client_gives_up_at_ms`, `Network::broker_gives_up_at_ms`).
    fn cut(&mut self, a: Endpoint, b: Endpoint) {
        let already = self.network.is_partitioned(a, b);
        self.network.partition(a, b);
        self.record(Event::Partitioned { a, b });
        if !already {
            let heartbeat_ms = self.setup.scenario.broker.heartbeat_ms;
            for connection in self.connections_across(a, b) {
                let epoch = self.network.bump_cut_epoch(connection);
                if heartbeat_ms == 0 {
                    // Heartbeats off: a cut connection is never given up.
                    continue;
                }
                if self.live_client(connection).is_some() {
                    let at = self.network.client_gives_up_at_ms(connection, self.core.now_ms(), heartbeat_ms);
                    self.network.set_give_up(connection, false, Some(at));
                    self.schedule_at_ms(at, Job::GiveUp { connection, broker: false, epoch });
                }
                if self.broker.is_open(connection) {
                    let at = self.network.broker_gives_up_at_ms(connection, self.core.now_ms(), heartbeat_ms);
                    self.network.set_give_up(connection, true, Some(at));
                    self.schedule_at_ms(at, Job::GiveUp { connection, broker: true, epoch });
                }
            }
        }
        self.broker_call(|b, cx| b.topology_changed(cx));
    }

    /// The cut between `a` and `b` heals. A connection still open at both ends carries on:
    /// the held frames go through, in order, and nobody saw an error. A connection one end
    /// gave up: the held frames towards the open end go through, then that end learns (the
    /// closed end's FIN, or a reset answering its next segment).
    fn heal(&mut self, a: Endpoint, b: Endpoint) {
        let was_cut = self.network.is_partitioned(a, b);
        self.network.heal(a, b);
        self.record(Event::Healed { a, b });
        if was_cut {
            let mut fates = Vec::new();
            for connection in self.connections_across(a, b) {
                self.network.bump_cut_epoch(connection);
                for broker in [true, false] {
                    if let Some(at) = self.network.give_up_ms(connection, broker) {
                        self.network.set_give_up(connection, broker, None);
                        self.core.cancel(at, |job| matches!(*job, Job::GiveUp { connection: c, broker: b, .. } if c == connection && b == broker));
                    }
                }
                let broker_open = self.broker.is_open(connection);
                let client_open = self.live_client(connection).is_some();
                let fate = |open: bool| if open { Fate::Release } else { Fate::Drop };
                fates.push((connection, fate(broker_open), fate(client_open)));
            }
            let released = self.settle_held(&fates);
            for (connection, count) in released {
                let actor = self.connections[connection.index()].actor;
                self.record(Event::FramesReleased { actor, count });
            }
            for (connection, broker, client) in fates {
                if broker != client {
                    // The end that gave up closed its socket: the broker's FIN reaches the
                    // client (pika: "Transport indicated EOF"); the client's FIN or its next
                    // segment reaches the broker, which closes its end.
                    let broker_open = broker == Fate::Release;
                    let at = self.network.arrival_us(self.core.now_us(), connection, broker_open, &mut self.rng_network);
                    self.schedule(at, if broker_open { Job::Reset { connection } } else { Job::Eof { connection } });
                }
            }
        }
        self.broker_call(|b, cx| b.topology_changed(cx));
    }

    /// A frame reached a cut link: TCP holds it (true), unless the end it goes to has
    /// closed (false: it is handled as a frame to a closed end).
    fn hold_across_cut(&mut self, connection: ConnectionId, frame: Held) -> bool {
        let (actor, node) = self.endpoints(connection);
        if !self.network.is_partitioned(actor, node) {
            return false;
        }
        let open = match frame {
            Held::ToBroker(_) => self.broker.is_open(connection),
            Held::ToClient(_) => self.live_client(connection).is_some(),
        };
        if open {
            self.held.push_back((connection, frame));
            return true;
        }
        if let Held::ToClient(BrokerFrame::Deliver(d)) = frame {
            // It left the queue under auto_ack and will never arrive.
            self.discard_cut_off(d);
        }
        false
    }

    fn discard_cut_off(&mut self, d: Delivery) {
        if d.auto_ack && self.core.ledger.copy(d.copy).place.is_live() {
            self.core.ledger.move_to(d.copy, Place::Discarded);
            self.record(Event::MessageDiscarded { copy: d.copy, reason: DiscardReason::ConnectionCut });
        }
    }

    /// Decide, in one pass and in order, what becomes of the frames held for the listed
    /// connections: `(connection, towards the broker, towards the client)`, sorted by
    /// connection. Frames of other connections stay held. Returns how many frames each
    /// connection released (those with any).
    fn settle_held(&mut self, fates: &[(ConnectionId, Fate, Fate)]) -> Vec<(ConnectionId, u32)> {
        let mut released: Vec<(ConnectionId, u32)> = Vec::new();
        if self.held.is_empty() {
            return released;
        }
        let mut kept = VecDeque::with_capacity(self.held.len());
        for (connection, frame) in std::mem::take(&mut self.held) {
            let Ok(found) = fates.binary_search_by_key(&connection, |&(c, _, _)| c) else {
                kept.push_back((connection, frame));
                continue;
            };
            let (_, to_broker, to_client) = fates[found];
            let fate = match frame {
                Held::ToBroker(_) => to_broker,
                Held::ToClient(_) => to_client,
            };
            match (fate, frame) {
                (Fate::Keep, _) => kept.push_back((connection, frame)),
                (Fate::Release, Held::ToBroker(f)) => {
                    let at = self.network.arrival_us(self.core.now_us(), connection, true, &mut self.rng_network);
                    self.schedule(at, Job::ToBroker { connection, frame: f });
                }
                (Fate::Release, Held::ToClient(f)) => {
                    let at = self.network.arrival_us(self.core.now_us(), connection, false, &mut self.rng_network);
                    self.schedule(at, Job::ToClient { connection, frame: f });
                }
                (Fate::Drop, Held::ToBroker(ClientFrame::Publish { copy })) => {
                    self.core.ledger.move_to(copy, Place::Discarded);
                    self.record(Event::MessageDiscarded { copy, reason: DiscardReason::FrameLost });
                }
                (Fate::Drop, Held::ToClient(BrokerFrame::Deliver(d))) => self.discard_cut_off(d),
                // Acks, nacks, closes towards a closed end: nobody reads them (a manual-ack
                // delivery is requeued by the broker's own close).
                (Fate::Drop, _) => {}
            }
            if fate == Fate::Release {
                match released.last_mut() {
                    Some((c, count)) if *c == connection => *count += 1,
                    _ => match released.iter_mut().find(|(c, _)| *c == connection) {
                        Some((_, count)) => *count += 1,
                        None => released.push((connection, 1)),
                    },
                }
            }
        }
        self.held = kept;
        crate::engine::sort::sort_by_key(&mut released, |&(c, _)| u128::from(c.0));
        released
    }

    /// An end of a cut connection gives up on its peer, unless the cut healed meanwhile.
    /// Either way, nobody reads the frames held towards that end any more.
    fn give_up(&mut self, connection: ConnectionId, broker: bool, epoch: u32) {
        let (actor, node) = self.endpoints(connection);
        if self.network.cut_epoch(connection) != epoch || !self.network.is_partitioned(actor, node) {
            return;
        }
        self.network.set_give_up(connection, broker, None);
        let Endpoint::Actor(actor) = actor else { unreachable!("a connection runs from an actor") };
        let Endpoint::Node(node) = node else { unreachable!("a connection runs to a node") };
        let broker_open = self.broker.is_open(connection);
        let client_open = self.live_client(connection).is_some();
        if broker {
            // `rabbit_reader:handle_other(heartbeat_timeout, ...)`: "missed heartbeats from
            // client"; the connection's channels close and requeue their unacked deliveries
            // (redelivered=True). Frames held in the cut, either way, are lost with it.
            if broker_open {
                self.record(Event::BrokerHeartbeatTimeout { actor, node });
            }
            self.settle_held(&[(connection, Fate::Drop, Fate::Drop)]);
            if broker_open {
                self.broker_call(|b, cx| b.close(cx, connection));
            }
        } else {
            // pika's `HeartbeatChecker._close_connection`: the stream is aborted (no AMQP
            // close goes out) and the program sees `AMQPHeartbeatTimeout`. Frames held
            // towards the client die with its socket; its own still go out on a heal (the
            // kernel keeps sending a closed socket's data) if the broker's end is open.
            if client_open {
                self.record(Event::ClientHeartbeatTimeout { actor });
            }
            let towards_broker = if broker_open { Fate::Keep } else { Fate::Drop };
            self.settle_held(&[(connection, towards_broker, Fate::Drop)]);
            if client_open {
                self.actors[actor.index()].connection = None;
                self.connection_lost(actor, ClientError::HeartbeatTimeout);
            }
        }
    }

    /// The client side learns its connection is gone. Blocked clients raise now; others
    /// raise on their next use of the connection.
    fn connection_lost(&mut self, actor: ActorId, error: ClientError) {
        let runtime = &mut self.actors[actor.index()];
        let idle_consumer = runtime.consuming && !runtime.in_callback;
        // A broker's graceful close (Connection.Close, 320) is read by a client in pika's I/O
        // loop; one busy elsewhere (asleep between publishes, or in a callback's work) finds
        // the socket already closed when it next writes: StreamLostError,
        // ConnectionResetError(104), as the real broker showed (ground truth f; the
        // conformance layer's row f: a consumer in 0.5 s of work when the node stopped).
        runtime.connection_error = Some(if error == ClientError::ConnectionClosedByBroker && !idle_consumer { ClientError::StreamLost } else { error });
        let waiting_confirm = runtime.blocked == Blocked::Confirm;
        if idle_consumer || waiting_confirm || runtime.blocked == Blocked::Get {
            runtime.blocked = Blocked::No;
            let keep = matches!(error, ClientError::HeartbeatTimeout | ClientError::ExchangeNotFound { .. });
            self.raise(actor, if waiting_confirm && !keep { ClientError::StreamLost } else { error });
        }
    }

    // ----- heartbeats of a busy client -----

    /// The program leaves pika for a while (work, sleep): from now on its connection is
    /// silent. The broker's heartbeat receiver gives up on it as on a cut one
    /// (`Network::broker_gives_up_at_ms`) unless the program makes a call first.
    /// `duration_ms`: how long the op starting now keeps it away from pika. The broker's
    /// check goes on the agenda only when an op of the silence reaches it, so that the usual
    /// short work or sleep costs no timer.
    fn start_silence(&mut self, actor: ActorId, duration_ms: u64) {
        let heartbeat_ms = self.setup.scenario.broker.heartbeat_ms;
        let runtime = &self.actors[actor.index()];
        let (Some(connection), None) = (runtime.connection, runtime.connection_error) else { return };
        if heartbeat_ms == 0 || !self.broker.is_open(connection) {
            return;
        }
        if runtime.silent_since.is_none() {
            let deadline = self.network.broker_gives_up_at_ms(connection, self.core.now_ms(), heartbeat_ms);
            let runtime = &mut self.actors[actor.index()];
            runtime.silent_since = Some(self.core.now_ms());
            runtime.silence_epoch = runtime.silence_epoch.wrapping_add(1);
            runtime.silence_deadline_ms = deadline;
            runtime.silence_timer = false;
        }
        let runtime = &mut self.actors[actor.index()];
        if !runtime.silence_timer && self.core.now_ms().saturating_add(duration_ms) >= runtime.silence_deadline_ms {
            runtime.silence_timer = true;
            let (at, epoch) = (runtime.silence_deadline_ms, runtime.silence_epoch);
            self.schedule_at_ms(at, Job::Silent { actor, connection, epoch });
        }
    }

    /// The program is back in pika (a call, or the wait of `start_consuming`): heartbeats
    /// flow again.
    fn end_silence(&mut self, actor: ActorId) {
        let runtime = &mut self.actors[actor.index()];
        if runtime.silent_since.take().is_some() {
            runtime.silence_epoch = runtime.silence_epoch.wrapping_add(1);
            if std::mem::take(&mut runtime.silence_timer) {
                // Its check no longer applies: it must not keep the run from ending.
                let at = runtime.silence_deadline_ms;
                self.core.cancel(at, |job| matches!(*job, Job::Silent { actor: a, .. } if a == actor));
            }
        }
    }

    fn silence_checked(&mut self, actor: ActorId, connection: ConnectionId, epoch: u32) {
        let runtime = &self.actors[actor.index()];
        let stale = runtime.silence_epoch != epoch || runtime.silent_since.is_none() || runtime.status != ActorStatus::Running;
        if stale || runtime.connection != Some(connection) || !self.broker.is_open(connection) {
            return;
        }
        let Endpoint::Node(node) = self.endpoints(connection).1 else { unreachable!("a connection runs to a node") };
        // `rabbit_reader:handle_other(heartbeat_timeout, ...)`: the socket is closed; the
        // client's next write meets a reset (observed: `basic_ack` after 10 s of work with a
        // 2 s heartbeat raised StreamLostError, ConnectionResetError(104)).
        self.record(Event::SilentClientDropped { actor, node });
        self.broker_call(|b, cx| b.close(cx, connection));
        self.end_silence(actor);
        self.connection_lost(actor, ClientError::StreamLost);
    }

    // ----- actors -----

    fn wake_now(&mut self, actor: ActorId) {
        let epoch = self.actors[actor.index()].epoch;
        self.schedule(self.core.now_us(), Job::Wake { actor, epoch });
    }

    fn wake_in(&mut self, actor: ActorId, delay_ms: u64) {
        let epoch = self.actors[actor.index()].epoch;
        self.schedule(self.later(delay_ms), Job::Wake { actor, epoch });
    }

    fn op(&self, actor: ActorId) -> Option<Op> {
        let runtime = &self.actors[actor.index()];
        let program = &self.setup.actors[actor.index()].program;
        let ops = if runtime.in_callback { &program.callback } else { &program.main };
        ops.get(runtime.pc as usize).copied()
    }

    /// The next op. In a callback the `on_failure` ops (the failure branch: one op, or two
    /// with `attempts_max`) are skipped: they are reached only through `fail_pc`.
    fn advance(&mut self, actor: ActorId) {
        let callback = &self.setup.actors[actor.index()].program.callback;
        let runtime = &mut self.actors[actor.index()];
        runtime.pc += 1;
        while runtime.in_callback && callback.get(usize::from(runtime.pc)).is_some_and(|op| op.kind == OpKind::Fail) {
            runtime.pc += 1;
        }
    }

    /// Fire the faults tied to this op, if any. True if the actor is no longer running.
    #[inline]
    /// Scenario fault `index` fires now, whatever its trigger (the core notes that it fired).
    fn perform_fault_now(&mut self, index: u16) {
        self.core.mark_fault_fired(index);
        let action = self.setup.scenario.faults[usize::from(index)].action.clone();
        self.perform(&action);
    }

    fn fire_op_triggers(&mut self, actor: ActorId, kind: OpKind, before: bool) -> bool {
        !self.setup.op_triggers.is_empty() && self.fire_op_triggers_listed(actor, kind, before)
    }

    #[inline(never)]
    fn fire_op_triggers_listed(&mut self, actor: ActorId, kind: OpKind, before: bool) -> bool {
        let count = self.actors[actor.index()].op_counts[kind.index()];
        let due: Vec<u16> = self
            .setup
            .op_triggers
            .iter()
            .filter(|t| t.actor == actor && t.op == kind && t.before == before)
            .filter(|t| if before { count + 1 == t.occurrence } else { count == t.occurrence })
            // A fault fires once: a program killed right before its n-th op and restarted
            // reaches that op again without it (as the real driver's hook, which counts the
            // op when it is about to run).
            .filter(|t| !self.core.fault_fired(usize::from(t.fault)))
            .map(|t| t.fault)
            .collect();
        for index in due {
            self.perform_fault_now(index);
        }
        self.actors[actor.index()].status != ActorStatus::Running
    }

    /// Random crashes drawn at each op. True if the actor is no longer running.
    fn random_op_faults(&mut self, actor: ActorId) -> bool {
        let Some(random) = self.active_random_faults() else {
            return false;
        };
        let (actor_restart_ms, node_crash) = (random.actor_restart_ms, random.node_crash);
        let ratio = match self.setup.actors[actor.index()].spec {
            ActorSpec::Consumer(_) => random.consumer_crash,
            ActorSpec::Producer(_) | ActorSpec::Relay(_) => random.producer_crash,
            ActorSpec::Admin(_) => return false,
        };
        if self.rng_faults.chance(ratio) {
            self.crash_actor(actor);
            let at = self.later(actor_restart_ms);
            self.schedule(at, Job::RestartActor { actor });
            return true;
        }
        if self.rng_faults.chance(node_crash) && self.broker.node_up(NodeId(0)) {
            self.broker_call(|b, cx| b.stop_node(cx, NodeId(0), false));
            let at = self.later(self.setup.scenario.broker.restart_delay_ms);
            self.schedule(at, Job::StartNode { node: NodeId(0) });
        }
        self.actors[actor.index()].status != ActorStatus::Running
    }

    fn run_actor(&mut self, actor: ActorId) {
        if self.actors[actor.index()].blocked == Blocked::Connecting {
            self.retry_connect(actor);
            return;
        }
        if let Some(kind) = self.actors[actor.index()].after_due.take() {
            self.actors[actor.index()].line_done = true;
            if matches!(kind, OpKind::Work { .. }) && std::mem::take(&mut self.actors[actor.index()].fail_after_work) {
                // The work is done and `process()` raises now, at the end of it.
                let line = self.actors[actor.index()].line;
                if let Flow::Raise(error) = self.work_failed(actor, line) {
                    self.raise(actor, error);
                }
                return;
            }
            if kind == OpKind::WorkInline {
                // The handler's work on the request completed: that is its effect.
                let (i, line) = (self.actors[actor.index()].loop_index, self.actors[actor.index()].line);
                let message = self.message_for(actor, i);
                self.record(Event::EffectApplied { actor, message, line });
            }
            if kind == (OpKind::Work { effect: true }) && !self.actors[actor.index()].current_failed {
                // The work completed: that is the message's effect (before `after work` faults).
                let runtime = &self.actors[actor.index()];
                let (current, line) = (runtime.current.expect("in a callback"), runtime.line);
                let message = self.core.ledger.message_of(current.copy);
                self.record(Event::EffectApplied { actor, message, line });
                self.actors[actor.index()].current_done = true;
            }
            // An op that ended its callback: the callback has returned before anything else.
            let runtime = &self.actors[actor.index()];
            let callback_length = self.setup.actors[actor.index()].program.callback.len() as u16;
            if runtime.in_callback && runtime.pc >= callback_length {
                self.finish_callback(actor);
                self.fire_op_triggers(actor, kind, false);
                return;
            }
            if self.fire_op_triggers(actor, kind, false) {
                return;
            }
        }
        loop {
            let runtime = &self.actors[actor.index()];
            if runtime.in_callback {
                let length = self.setup.actors[actor.index()].program.callback.len() as u16;
                if runtime.pc >= length {
                    self.finish_callback(actor);
                    return;
                }
            } else if runtime.consuming {
                self.consume_next(actor);
                return;
            }
            let Some(op) = self.op(actor) else {
                // Past its last op the program exits: rabbitmqadmin after its last command, an
                // outbox order service after its loop (the pika programs end on `close`).
                if self.actors[actor.index()].status == ActorStatus::Running {
                    self.actors[actor.index()].status = ActorStatus::Finished;
                    self.record(Event::ActorExited { actor, error: None });
                }
                return;
            };
            if self.fire_op_triggers(actor, op.kind, true) || self.random_op_faults(actor) {
                return;
            }
            // A call into pika runs its I/O loop: heartbeats go out again. (`basic_ack` ends
            // a silence only when it sends, in `execute`.)
            if matches!(
                op.kind,
                OpKind::Connect
                    | OpKind::OpenChannel
                    | OpKind::DeclareQueue
                    | OpKind::ConfirmSelect
                    | OpKind::Qos
                    | OpKind::Publish
                    | OpKind::Consume
                    | OpKind::StartConsuming
                    | OpKind::Fail
                    | OpKind::Close
                    | OpKind::Get
            ) {
                self.end_silence(actor);
            }
            let runtime = &mut self.actors[actor.index()];
            runtime.op_counts[op.kind.index()] += 1;
            runtime.line = op.line;
            runtime.line_done = false;
            match self.execute(actor, op) {
                Flow::Inline => continue,
                Flow::Next(delay_us) => {
                    self.op_went_on(actor, op.kind, delay_us);
                    return;
                }
                Flow::Block => return,
                Flow::Raise(error) => {
                    self.raise(actor, error);
                    return;
                }
                Flow::Stop => return,
            }
        }
    }

    /// The op `kind` is done: the actor moves on to the next op after `delay_ms`, and the
    /// op's `after` triggers fire then.
    fn op_went_on(&mut self, actor: ActorId, kind: OpKind, delay_us: u64) {
        self.advance(actor);
        self.actors[actor.index()].after_due = Some(kind);
        // The client's own work on the op (`Costs`), then the delay the op asked for.
        let work_us = match kind {
            OpKind::Publish => self.costs.publish_us,
            OpKind::PrintReceived { .. } => self.costs.deliver_us,
            _ => 0,
        };
        self.wake_after_work(actor, delay_us.saturating_add(work_us));
    }

    /// The actor goes on once the client's `work_us` is done (`Costs`; at once without it).
    fn wake_after_work(&mut self, actor: ActorId, work_us: u64) {
        if work_us == 0 {
            self.wake_now(actor);
        } else {
            let epoch = self.actors[actor.index()].epoch;
            self.schedule(self.core.later_us(work_us), Job::Wake { actor, epoch });
        }
    }

    /// The connect reaches the node: a connection if the node is up, else refused (its host
    /// answers the SYN with a reset at once).
    fn connect_now(&mut self, actor: ActorId, node: NodeId, line: u16) -> Flow {
        if !self.broker.node_up(node) {
            self.record(Event::ConnectionRefused { actor, node, line });
            return Flow::Raise(ClientError::ConnectionRefused);
        }
        let connection = ConnectionId(self.connections.len() as u32);
        self.connections.push(ConnectionInfo { actor, node });
        self.channel_work.push(Server::default());
        self.network.open(connection, self.core.now_ms());
        self.broker_call(|b, cx| b.connect(cx, connection, actor, node));
        let runtime = &mut self.actors[actor.index()];
        runtime.connection = Some(connection);
        runtime.connection_error = None;
        self.record(Event::Connected { actor, node, line });
        Flow::Next(self.network.round_trip_us())
    }

    /// A stalled connect at one of its SYN retransmits: through if the cut has healed, else
    /// the next retransmit, else (at `SOCKET_TIMEOUT_MS`) pika gives up.
    fn retry_connect(&mut self, actor: ActorId) {
        let node = self.setup.actors[actor.index()].node;
        let runtime = &self.actors[actor.index()];
        let (elapsed, line) = (self.core.now_ms() - runtime.connect_since_ms, runtime.line);
        // Woken only at a retransmit or at the timeout (no connection, so no frames).
        let flow = if elapsed >= SOCKET_TIMEOUT_MS {
            // No SYN goes out at the timeout itself: a heal since the last one comes too late.
            self.record(Event::ConnectionRefused { actor, node, line });
            Flow::Raise(ClientError::ConnectionRefused)
        } else if !self.network.is_partitioned(Endpoint::Actor(actor), Endpoint::Node(node)) {
            self.connect_now(actor, node, line)
        } else {
            let next = SYN_RETRANSMITS_MS.iter().copied().find(|&at| at > elapsed).unwrap_or(SOCKET_TIMEOUT_MS);
            self.wake_in(actor, next - elapsed);
            return;
        };
        self.actors[actor.index()].blocked = Blocked::No;
        match flow {
            Flow::Next(delay_us) => self.op_went_on(actor, OpKind::Connect, delay_us),
            Flow::Raise(error) => self.raise(actor, error),
            _ => unreachable!("a connect goes on or raises"),
        }
    }

    fn connection_ok(&self, actor: ActorId) -> Result<ConnectionId, ClientError> {
        let runtime = &self.actors[actor.index()];
        match (runtime.connection, runtime.connection_error) {
            (Some(connection), None) => Ok(connection),
            (_, Some(error)) => Err(error),
            (None, None) => Err(ClientError::StreamLost),
        }
    }

    /// Index of the first `kind` op in the actor's main program (its programs have one).
    fn pc_of(me: &super::setup::ActorSetup, kind: OpKind) -> u16 {
        me.program.main.iter().position(|op| op.kind == kind).expect("the program has this op") as u16
    }

    /// The relay publishes the row it is on, as the service made it (its message); with
    /// `confirms` it waits for the broker's confirm.
    fn relay_publish(&mut self, actor: ActorId, persistent: bool, confirms: bool, connection: ConnectionId, line: u16) -> Flow {
        let message = self.actors[actor.index()].row.expect("on a row");
        let copy = self.core.ledger.new_copy(message, Place::ToBroker { connection }, persistent);
        self.core.ledger.copy_mut(copy).extra.key_source = actor.0;
        self.record(Event::MessagePublished { actor, message, copy, line });
        self.send_to_broker(connection, ClientFrame::Publish { copy });
        if confirms {
            let runtime = &mut self.actors[actor.index()];
            runtime.pending_message = Some(message);
            runtime.blocked = Blocked::Confirm;
            Flow::Block
        } else {
            Flow::Next(0)
        }
    }

    /// The next request reaches handler `actor`, whatever it is doing; a handler that is down
    /// takes none (what its callers do then is not modelled: validation keeps handlers up).
    fn request_arrives(&mut self, actor: ActorId) {
        let runtime = &self.actors[actor.index()];
        if runtime.status.is_down() {
            return;
        }
        let i = runtime.requests_arrived;
        let ActorSpec::Producer(spec) = &self.setup.actors[actor.index()].spec else { unreachable!("only a producer handles requests") };
        let messages = spec.messages;
        let message = self.message_for(actor, i);
        self.record(Event::RequestArrived { actor, message });
        self.actors[actor.index()].requests_arrived = i + 1;
        if i + 1 < messages {
            self.schedule(self.request_arrival_us(actor, i + 1), Job::RequestArrives { actor });
        }
        if self.actors[actor.index()].blocked == Blocked::Request {
            self.actors[actor.index()].blocked = Blocked::No;
            self.wake_now(actor);
        }
    }

    /// When request `i` reaches handler `actor`: `i × interval_ms` after its loop started.
    fn request_arrival_us(&self, actor: ActorId, i: u32) -> u64 {
        let ActorSpec::Producer(spec) = &self.setup.actors[actor.index()].spec else { unreachable!("only a producer handles requests") };
        let start_us = self.actors[actor.index()].requests_start_us.unwrap_or(0);
        start_us.saturating_add(u64::from(i).saturating_mul(spec.interval_ms.saturating_mul(1000)))
    }

    /// The logical message for payload index `i` of a producer (created on first use).
    fn message_for(&mut self, actor: ActorId, i: u32) -> MessageId {
        let runtime = &self.actors[actor.index()];
        if let Some(&m) = runtime.messages.get(i as usize) {
            return m;
        }
        let ActorSpec::Producer(spec) = &self.setup.actors[actor.index()].spec else { unreachable!("only producers publish") };
        // An outbox service's messages are published by the relay, with its properties.
        // (Looked up only for an outbox service: this runs for every new message.)
        let relay = (spec.orders == Some(crate::scenario::Orders::Outbox))
            .then(|| {
                self.setup.actors.iter().find_map(|a| match &a.spec {
                    ActorSpec::Relay(r) => Some(r),
                    _ => None,
                })
            })
            .flatten();
        let (delivery_mode, expiration_ms) = relay.map_or((spec.delivery_mode, spec.expiration_ms), |r| (r.delivery_mode, r.expiration_ms));
        let (data, persistent) = (spec.first_data + i, delivery_mode == 2);
        let poison = std::mem::take(&mut self.actors[actor.index()].poison_next);
        // Validated: at most `TIME_MS_MAX`, which is `u32::MAX`.
        let expiration = expiration_ms.map(|ms| u32::try_from(ms).unwrap_or(u32::MAX));
        let m = self.core.ledger.new_message(actor, data, persistent, poison, expiration);
        self.actors[actor.index()].messages.push(m);
        m
    }

    fn execute(&mut self, actor: ActorId, op: Op) -> Flow {
        let line = op.line;
        let setup = Rc::clone(&self.setup);
        let me = &setup.actors[actor.index()];
        let rtt = self.network.round_trip_us();
        match op.kind {
            OpKind::Connect => {
                let node = me.node;
                if self.network.is_partitioned(Endpoint::Actor(actor), Endpoint::Node(node)) {
                    // The SYN is lost in the cut: no answer, no error yet.
                    self.record(Event::ConnectStalled { actor, node, line });
                    let runtime = &mut self.actors[actor.index()];
                    runtime.blocked = Blocked::Connecting;
                    runtime.connect_since_ms = self.core.now_ms();
                    self.wake_in(actor, SYN_RETRANSMITS_MS[0]);
                    return Flow::Block;
                }
                self.connect_now(actor, node, line)
            }
            OpKind::OpenChannel => match self.connection_ok(actor) {
                Ok(_) => {
                    self.record(Event::ChannelOpened { actor, line });
                    Flow::Next(rtt)
                }
                Err(e) => Flow::Raise(e),
            },
            OpKind::DeclareQueue => match self.connection_ok(actor) {
                Ok(connection) => {
                    let (queue, node) = (me.queue, self.connections[connection.index()].node);
                    // The exchanges it uses are declared on the lines before.
                    for &exchange in &me.declares_exchanges {
                        self.broker.declare_exchange(exchange);
                    }
                    let how = match &me.spec {
                        ActorSpec::Producer(p) => p.declare_as,
                        ActorSpec::Consumer(c) => c.declare_as,
                        ActorSpec::Admin(_) | ActorSpec::Relay(_) => DeclareAs::Queue,
                    };
                    match self.broker_call(|b, cx| b.declare(cx, node, queue, how)) {
                        Ok(()) => {}
                        Err(error @ ClientError::QueueHomeDown { .. }) => {
                            self.record(Event::QueueDeclareRefused { actor, queue, line });
                            return Flow::Raise(error);
                        }
                        Err(error) => {
                            self.record(Event::ChannelError { actor, error, line });
                            return Flow::Raise(error);
                        }
                    }
                    self.record(Event::QueueDeclared { actor, queue, line });
                    Flow::Next(rtt)
                }
                Err(e) => Flow::Raise(e),
            },
            OpKind::ConfirmSelect => match self.connection_ok(actor) {
                Ok(connection) => {
                    self.broker.confirm_select(connection);
                    self.record(Event::ConfirmsEnabled { actor, line });
                    Flow::Next(rtt)
                }
                Err(e) => Flow::Raise(e),
            },
            OpKind::Qos => match self.connection_ok(actor) {
                Ok(connection) => {
                    let ActorSpec::Consumer(spec) = &me.spec else { unreachable!("qos is a consumer op") };
                    let prefetch_count = spec.prefetch_count.unwrap_or(0);
                    self.broker.qos(connection, prefetch_count);
                    self.record(Event::QosSet { actor, prefetch_count, line });
                    Flow::Next(rtt)
                }
                Err(e) => Flow::Raise(e),
            },
            OpKind::LoopStart => {
                let runtime = &mut self.actors[actor.index()];
                if matches!(&me.spec, ActorSpec::Producer(p) if p.handler.is_some()) && runtime.requests_start_us.is_none() {
                    // `start = time.monotonic()`: the requests' schedule starts now.
                    runtime.requests_start_us = Some(self.core.now_us());
                    if let ActorSpec::Producer(p) = &me.spec {
                        if p.messages > 0 {
                            self.schedule(self.core.now_us(), Job::RequestArrives { actor });
                        }
                    }
                }
                let runtime = &mut self.actors[actor.index()];
                if let Some(pc) = runtime.resume_pc.take() {
                    runtime.pc = pc;
                } else {
                    let ActorSpec::Producer(spec) = &me.spec else { unreachable!("loops are producer ops") };
                    // A batch producer's loop ends with its batch too.
                    let batch_done = spec.confirm_batch.is_some() && runtime.batch_left == 0;
                    runtime.pc = if runtime.loop_index >= spec.messages || batch_done { me.loop_exit_pc } else { runtime.pc + 1 };
                }
                Flow::Inline
            }
            OpKind::Publish => {
                let connection = match self.connection_ok(actor) {
                    Ok(c) => c,
                    Err(e @ (ClientError::HeartbeatTimeout | ClientError::ExchangeNotFound { .. })) => return Flow::Raise(e),
                    Err(_) => return Flow::Raise(ClientError::StreamLost),
                };
                if let ActorSpec::Relay(relay) = &me.spec {
                    return self.relay_publish(actor, relay.delivery_mode == 2, relay.confirms, connection, line);
                }
                let ActorSpec::Producer(spec) = &me.spec else { unreachable!("publish is a producer op") };
                let i = self.actors[actor.index()].loop_index;
                let message = self.message_for(actor, i);
                // A dual write's order is published now (whatever becomes of the frame).
                self.actors[actor.index()].committed_unpublished = None;
                self.actors[actor.index()].pending_message = Some(message);
                let copy = self.core.ledger.new_copy(message, Place::ToBroker { connection }, spec.delivery_mode == 2);
                self.core.ledger.copy_mut(copy).extra.key_source = actor.0;
                self.record(Event::MessagePublished { actor, message, copy, line });
                self.send_to_broker(connection, ClientFrame::Publish { copy });
                if spec.confirm_batch.is_some() {
                    // The batch goes out without waiting; `wait_for_confirms` waits for it.
                    let runtime = &mut self.actors[actor.index()];
                    runtime.pending_message = None;
                    runtime.unconfirmed.push(message);
                    runtime.batch_left = runtime.batch_left.saturating_sub(1);
                    Flow::Next(0)
                } else if spec.confirms {
                    self.actors[actor.index()].blocked = Blocked::Confirm;
                    Flow::Block
                } else {
                    self.actors[actor.index()].pending_message = None;
                    Flow::Next(0)
                }
            }
            OpKind::PrintSent => {
                let i = self.actors[actor.index()].loop_index;
                let row = self.actors[actor.index()].row;
                let message = row.unwrap_or_else(|| self.message_for(actor, i));
                let data = self.core.ledger.messages[message.index()].data;
                self.record(Event::Printed { actor, text: TerminalText::Sent { data }, line });
                Flow::Next(0)
            }
            OpKind::Sleep => {
                let ActorSpec::Producer(spec) = &me.spec else { unreachable!("sleep is a producer op") };
                self.start_silence(actor, spec.interval_ms);
                self.record(Event::Slept { actor, ms: spec.interval_ms.min(u64::from(u32::MAX)) as u32, line });
                Flow::Next(ms(spec.interval_ms))
            }
            OpKind::LoopEnd => {
                let ActorSpec::Producer(spec) = &me.spec else { unreachable!("loops are producer ops") };
                let runtime = &mut self.actors[actor.index()];
                runtime.loop_index += 1;
                runtime.attempt = 0;
                runtime.pc = me.loop_start_pc;
                if std::mem::take(&mut runtime.reconnect_first) && runtime.loop_index < spec.messages {
                    // `channel = None` after giving up: the next message's first attempt
                    // runs `connect()` before it publishes.
                    runtime.pc = 0;
                    runtime.resume_pc = Some(me.publish_pc);
                }
                Flow::Inline
            }
            OpKind::AdminDeclare => {
                let node = me.node;
                if !self.broker.node_up(node) || self.network.is_partitioned(Endpoint::Actor(actor), Endpoint::Node(node)) {
                    self.record(Event::Printed { actor, text: TerminalText::AdminRefused, line });
                    self.actors[actor.index()].status = ActorStatus::Failed(ClientError::ConnectionRefused);
                    self.record(Event::ActorExited { actor, error: Some(ClientError::ConnectionRefused) });
                    return Flow::Stop;
                }
                let ActorSpec::Admin(spec) = &me.spec else { unreachable!("rabbitmqadmin_declare is an admin op") };
                let pc = usize::from(self.actors[actor.index()].pc);
                let queue = QueueId(setup.scenario.queues.iter().position(|q| q.name == spec.declare[pc]).expect("validated") as u16);
                // The declare has the queue's own properties: only a missing home node refuses it.
                if self.broker_call(|b, cx| b.declare(cx, node, queue, DeclareAs::Queue)).is_err() {
                    // The management API turns the channel's 404 into an HTTP 404
                    // (rabbit_mgmt_util: `not_found`), which rabbitmqadmin prints and exits 1.
                    self.record(Event::QueueDeclareRefused { actor, queue, line });
                    self.record(Event::Printed { actor, text: TerminalText::AdminNotFound { queue: queue.0 }, line });
                    self.actors[actor.index()].status = ActorStatus::Failed(ClientError::QueueHomeDown { queue: queue.0 as u8 });
                    self.record(Event::ActorExited { actor, error: Some(ClientError::QueueHomeDown { queue: queue.0 as u8 }) });
                    return Flow::Stop;
                }
                self.record(Event::QueueDeclared { actor, queue, line });
                self.record(Event::Printed { actor, text: TerminalText::AdminDeclared, line });
                Flow::Next(rtt)
            }
            OpKind::Close => {
                // A connection the network reset under the program: `connection.close()` runs
                // pika's I/O loop, finds the stream gone and raises (observed on 3.10.8 with
                // pika 1.3.2: `tests/conformance/scenarios/drop-last-publish.json`). A channel
                // closed by the broker (a 404) does not make it raise.
                if let Some(error @ (ClientError::StreamLost | ClientError::StreamEof)) = self.actors[actor.index()].connection_error {
                    return Flow::Raise(error);
                }
                if let Ok(connection) = self.connection_ok(actor) {
                    self.send_to_broker(connection, ClientFrame::Close);
                }
                let runtime = &mut self.actors[actor.index()];
                runtime.status = ActorStatus::Finished;
                runtime.connection = None;
                self.record(Event::ActorExited { actor, error: None });
                Flow::Stop
            }
            OpKind::Consume => match self.connection_ok(actor) {
                Ok(connection) => {
                    let ActorSpec::Consumer(spec) = &me.spec else { unreachable!("consume is a consumer op") };
                    let (queue, auto_ack) = (me.queue, spec.auto_ack);
                    if !self.broker.queue_exists(queue) {
                        let error = ClientError::QueueNotFound { queue: queue.0 as u8 };
                        self.record(Event::ChannelError { actor, error, line });
                        return Flow::Raise(error);
                    }
                    self.record(Event::ConsumeStarted { actor, queue, line });
                    self.broker_call(|b, cx| b.consume(cx, connection, queue, auto_ack));
                    Flow::Next(rtt)
                }
                Err(e) => Flow::Raise(e),
            },
            OpKind::Get => match self.connection_ok(actor) {
                Ok(connection) => {
                    let ActorSpec::Consumer(spec) = &me.spec else { unreachable!("basic_get is a consumer op") };
                    let queue = me.queue;
                    if !self.broker.queue_exists(queue) {
                        let error = ClientError::QueueNotFound { queue: queue.0 as u8 };
                        self.record(Event::ChannelError { actor, error, line });
                        return Flow::Raise(error);
                    }
                    self.send_to_broker(connection, ClientFrame::Get { queue, auto_ack: spec.auto_ack });
                    self.actors[actor.index()].blocked = Blocked::Get;
                    Flow::Block
                }
                Err(e) => Flow::Raise(e),
            },
            OpKind::PollSleep if matches!(me.spec, ActorSpec::Relay(_)) => {
                let ActorSpec::Relay(spec) = &me.spec else { unreachable!("matched") };
                let ms = spec.poll_ms;
                self.start_silence(actor, ms);
                self.record(Event::Slept { actor, ms: ms.min(u64::from(u32::MAX)) as u32, line });
                // Then the `while True` loop reads the outbox again (`advance` moves on to it).
                self.actors[actor.index()].pc = Self::pc_of(me, OpKind::OutboxSelect) - 1;
                Flow::Next(self::ms(ms))
            }
            OpKind::CommitOrder => {
                let ActorSpec::Producer(spec) = &me.spec else { unreachable!("db_commit is a producer op") };
                let outbox = spec.orders == Some(crate::scenario::Orders::Outbox);
                let i = self.actors[actor.index()].loop_index;
                let message = self.message_for(actor, i);
                self.orders_db.orders.push(message);
                if outbox {
                    self.orders_db.outbox.push_back(message);
                } else {
                    self.actors[actor.index()].committed_unpublished = Some(message);
                }
                self.record(Event::OrderCommitted { actor, message, outbox, line });
                Flow::Next(0)
            }
            OpKind::WaitRequest => {
                let runtime = &self.actors[actor.index()];
                let i = runtime.loop_index;
                if runtime.requests_arrived <= i {
                    self.actors[actor.index()].blocked = Blocked::Request;
                    return Flow::Block;
                }
                let arrived_us = self.request_arrival_us(actor, i);
                let waited_us = u32::try_from(self.core.now_us().saturating_sub(arrived_us)).unwrap_or(u32::MAX);
                let message = self.message_for(actor, i);
                self.actors[actor.index()].requests_taken += 1;
                self.record(Event::RequestTaken { actor, message, waited_us, line });
                Flow::Next(0)
            }
            OpKind::WorkInline => {
                let ActorSpec::Producer(spec) = &me.spec else { unreachable!("a handler is a producer") };
                let Some(crate::scenario::Handler::Inline { work_ms }) = spec.handler else { unreachable!("an inline handler's op") };
                let message = self.message_for(actor, self.actors[actor.index()].loop_index);
                self.record(Event::RequestWorkStarted { actor, message, ms: work_ms.min(u64::from(u32::MAX)) as u32, line });
                Flow::Next(ms(work_ms))
            }
            OpKind::WaitConfirms => {
                if self.actors[actor.index()].unconfirmed.is_empty() {
                    // Nothing outstanding (the program's start, or a batch confirmed before
                    // the loop ended): on at once.
                    self.batch_confirmed(actor);
                    return Flow::Inline;
                }
                match self.connection_ok(actor) {
                    Ok(_) => {
                        self.actors[actor.index()].blocked = Blocked::Confirm;
                        Flow::Block
                    }
                    Err(e @ ClientError::HeartbeatTimeout) => Flow::Raise(e),
                    Err(_) => Flow::Raise(ClientError::StreamLost),
                }
            }
            OpKind::PrintAnswered => {
                let message = self.message_for(actor, self.actors[actor.index()].loop_index);
                let data = self.core.ledger.messages[message.index()].data;
                self.record(Event::RequestAnswered { actor, message, line });
                self.record(Event::Printed { actor, text: TerminalText::Answered { data }, line });
                Flow::Next(0)
            }
            OpKind::PrintSaved => {
                let i = self.actors[actor.index()].loop_index;
                let message = self.message_for(actor, i);
                let data = self.core.ledger.messages[message.index()].data;
                self.record(Event::Printed { actor, text: TerminalText::Saved { data }, line });
                Flow::Next(0)
            }
            OpKind::OutboxSelect => {
                let rows = self.orders_db.outbox.clone();
                let runtime = &mut self.actors[actor.index()];
                runtime.idle_poll = rows.is_empty();
                runtime.rows = rows;
                if runtime.idle_poll {
                    // Nothing to show: on to `if not rows: time.sleep(...)`.
                    runtime.pc = Self::pc_of(me, OpKind::PollSleep);
                    return Flow::Inline;
                }
                let n = runtime.rows.len() as u32;
                self.record(Event::OutboxRead { actor, rows: n, line });
                Flow::Next(0)
            }
            OpKind::NextRow => {
                let runtime = &mut self.actors[actor.index()];
                runtime.row = runtime.rows.pop_front();
                runtime.pc = if runtime.row.is_some() { runtime.pc + 1 } else { Self::pc_of(me, OpKind::OutboxSelect) };
                Flow::Inline
            }
            OpKind::OutboxDelete => {
                let message = self.actors[actor.index()].row.take().expect("on a row");
                self.orders_db.outbox.retain(|&m| m != message);
                self.record(Event::OutboxRowDeleted { actor, message, line });
                Flow::Next(0)
            }
            OpKind::RowsEnd => {
                self.actors[actor.index()].pc = Self::pc_of(me, OpKind::NextRow);
                Flow::Inline
            }
            OpKind::PollSleep => {
                let ActorSpec::Consumer(spec) = &me.spec else { unreachable!("poll_sleep is a consumer op") };
                let ms = spec.poll_ms.unwrap_or(0);
                self.start_silence(actor, ms);
                self.record(Event::Slept { actor, ms: ms.min(u64::from(u32::MAX)) as u32, line });
                // Back to `basic_get` (the op before) once asleep: `advance` moves on from there.
                self.actors[actor.index()].pc -= 2;
                Flow::Next(self::ms(ms))
            }
            OpKind::PrintWaiting => {
                self.record(Event::Printed { actor, text: TerminalText::Waiting, line });
                Flow::Next(0)
            }
            OpKind::StartConsuming => {
                self.actors[actor.index()].consuming = true;
                Flow::Inline
            }
            OpKind::PrintReceived { effect } => {
                let current = self.actors[actor.index()].current.expect("in a callback");
                let message = self.core.ledger.message_of(current.copy);
                let data = self.core.ledger.messages[message.index()].data;
                self.record(Event::Printed { actor, text: TerminalText::Received { data }, line });
                if effect {
                    self.record(Event::EffectApplied { actor, message, line });
                    self.actors[actor.index()].current_done = true;
                }
                Flow::Next(0)
            }
            OpKind::Work { .. } => {
                let current = self.actors[actor.index()].current.expect("in a callback");
                let message = self.core.ledger.message_of(current.copy);
                let ActorSpec::Consumer(spec) = &me.spec else { unreachable!("work is a consumer op") };
                let failures = self.actors[actor.index()].failures.get(&message).copied().unwrap_or(0);
                let record = self.core.ledger.messages[message.index()];
                let fails = record.poison
                    || spec.fail.as_ref().is_some_and(|f| f.data.contains(&record.data) && f.attempts.is_none_or(|a| failures < a));
                // (A poisoned payload is listed in the same `process()`: it fails where the
                // scenario's own do.)
                let after_work = spec.fail.as_ref().is_some_and(|f| f.after_work);
                if fails && !after_work {
                    self.work_failed(actor, line)
                } else {
                    // A failure after the work comes when the work is done (`run_actor`).
                    self.actors[actor.index()].fail_after_work = fails;
                    let ms = self.actors[actor.index()].work_ms;
                    self.start_silence(actor, ms);
                    self.record(Event::WorkStarted { actor, copy: current.copy, ms: ms.min(u64::from(u32::MAX)) as u32, line });
                    Flow::Next(self::ms(ms))
                }
            }
            OpKind::Fail => {
                let connection = match self.connection_ok(actor) {
                    Ok(c) => c,
                    Err(e) => return Flow::Raise(e),
                };
                let current = self.actors[actor.index()].current.expect("in a callback");
                let ActorSpec::Consumer(spec) = &me.spec else { unreachable!("on_failure is a consumer op") };
                let message = self.core.ledger.message_of(current.copy);
                let failures = self.actors[actor.index()].failures.get(&message).copied().unwrap_or(0);
                let give_up = spec.attempts_max.is_some_and(|max| failures >= max);
                // With attempts_max the code has two branches, each its own `on_failure`
                // op: the give-up nack first, then the `else:` one.
                let line = match setup.actors[actor.index()].program.callback.iter().filter(|o| o.kind == OpKind::Fail).nth(1) {
                    Some(other) if !give_up => {
                        self.actors[actor.index()].line = other.line;
                        other.line
                    }
                    _ => line,
                };
                let (reject, requeue) = match spec.on_failure {
                    OnFailure::NackRequeue => (false, true),
                    OnFailure::NackDrop => (false, false),
                    OnFailure::RejectRequeue => (true, true),
                    OnFailure::RejectDrop | OnFailure::Crash => (true, false),
                };
                let (reject, requeue) = if give_up { (false, false) } else { (reject, requeue) };
                let copy = current.copy;
                if reject {
                    self.record(Event::RejectSent { actor, copy, requeue, line });
                } else {
                    self.record(Event::NackSent { actor, copy, requeue, line });
                }
                self.send_to_broker(connection, ClientFrame::Nack { tag: current.tag, requeue });
                let runtime = &mut self.actors[actor.index()];
                runtime.pc = setup.actors[actor.index()].program.callback.len() as u16;
                runtime.after_due = Some(OpKind::Fail);
                self.wake_now(actor);
                Flow::Block
            }
            OpKind::ApplyOnce => {
                let current = self.actors[actor.index()].current.expect("in a callback");
                let message = self.core.ledger.message_of(current.copy);
                if self.applied.insert(message) {
                    self.record(Event::EffectApplied { actor, message, line });
                } else {
                    self.record(Event::EffectSkipped { actor, message, line });
                }
                self.actors[actor.index()].current_done = true;
                Flow::Next(0)
            }
            OpKind::Ack => {
                let connection = match self.connection_ok(actor) {
                    Ok(c) => c,
                    Err(e) => return Flow::Raise(e),
                };
                let current = self.actors[actor.index()].current.expect("in a callback");
                let ActorSpec::Consumer(spec) = &me.spec else { unreachable!("ack is a consumer op") };
                match spec.ack_every {
                    None => {
                        self.end_silence(actor);
                        self.record(Event::AckSent { actor, copy: current.copy, line });
                        self.send_to_broker(connection, ClientFrame::Ack { tag: current.tag, multiple: false });
                        Flow::Next(0)
                    }
                    Some(every) if current.tag.is_multiple_of(u32::from(every)) => {
                        self.end_silence(actor);
                        self.record(Event::AckMultipleSent { actor, copy: current.copy, line });
                        self.send_to_broker(connection, ClientFrame::Ack { tag: current.tag, multiple: true });
                        Flow::Next(0)
                    }
                    // Not the end of a batch: the `if` is false, nothing is sent.
                    Some(_) => {
                        self.advance(actor);
                        Flow::Inline
                    }
                }
            }
        }
    }

    /// In `start_consuming`: run the callback on the next buffered delivery, or wait.
    fn consume_next(&mut self, actor: ActorId) {
        if self.actors[actor.index()].cancelled && self.actors[actor.index()].connection_error.is_none() {
            // No consumer left: `start_consuming` returns, `main()` ends, and the process
            // exits, which closes its connection (the broker requeues what is unacked).
            self.end_silence(actor);
            if let Some(connection) = self.actors[actor.index()].connection.take() {
                if self.broker.is_open(connection) {
                    self.send_to_broker(connection, ClientFrame::Close);
                }
            }
            let runtime = &mut self.actors[actor.index()];
            runtime.consuming = false;
            runtime.status = ActorStatus::Finished;
            self.record(Event::ActorExited { actor, error: None });
            return;
        }
        if let Some(error) = self.actors[actor.index()].connection_error {
            // pika's `BlockingChannel._dispatch_events` runs the callback on every delivery
            // already read before the I/O loop (where the heartbeat check runs) goes on.
            if error != ClientError::HeartbeatTimeout || self.actors[actor.index()].buffer.is_empty() {
                self.raise(actor, error);
                return;
            }
        }
        let runtime = &mut self.actors[actor.index()];
        match runtime.buffer.pop_front() {
            Some(delivery) => self.start_callback(actor, delivery),
            None => {
                // Back in `start_consuming`'s I/O loop: heartbeats flow again.
                self.end_silence(actor);
                let runtime = &mut self.actors[actor.index()];
                runtime.blocked = Blocked::Deliveries;
                runtime.line = self.setup.actors[actor.index()].program.main.last().map_or(0, |op| op.line);
            }
        }
    }

    /// The callback's `process(message)` raised (on `line`): to the code's `except` (nack or
    /// reject), or out of the callback, which ends the program.
    fn work_failed(&mut self, actor: ActorId, line: u16) -> Flow {
        let current = self.actors[actor.index()].current.expect("in a callback");
        let message = self.core.ledger.message_of(current.copy);
        *self.actors[actor.index()].failures.entry(message).or_insert(0) += 1;
        self.record(Event::WorkFailed { actor, copy: current.copy, line });
        match self.setup.actors[actor.index()].fail_pc {
            Some(pc) => {
                let runtime = &mut self.actors[actor.index()];
                runtime.pc = pc;
                runtime.current_failed = true;
                self.wake_now(actor);
                Flow::Block
            }
            None => Flow::Raise(ClientError::CallbackFailed),
        }
    }

    /// Run the callback on `delivery` (from `start_consuming`, or a polling loop's `basic_get`).
    fn start_callback(&mut self, actor: ActorId, delivery: Delivery) {
        let callback_line = self.setup.actors[actor.index()].program.callback_line;
        let runtime = &mut self.actors[actor.index()];
        runtime.current = Some(delivery);
        runtime.current_failed = false;
        runtime.current_done = false;
        runtime.in_callback = true;
        runtime.pc = 0;
        runtime.line = callback_line;
        self.record(Event::CallbackStarted { actor, copy: delivery.copy, line: callback_line });
        self.wake_now(actor);
    }

    fn finish_callback(&mut self, actor: ActorId) {
        let runtime = &mut self.actors[actor.index()];
        let delivery = runtime.current.take().expect("in a callback");
        runtime.in_callback = false;
        // Back in `start_consuming()`: that is the line it is on now (a crash from here on
        // is marked there, not on the callback's last line).
        if let Some(op) = self.setup.actors[actor.index()].program.main.iter().find(|op| op.kind == OpKind::StartConsuming) {
            runtime.line = op.line;
        }
        // A polling loop asks again.
        if let Some(pc) = self.setup.actors[actor.index()].get_pc {
            runtime.pc = pc;
        }
        let failed = std::mem::take(&mut runtime.current_failed);
        if !failed {
            self.record(Event::CallbackFinished { actor, copy: delivery.copy });
            if delivery.auto_ack {
                self.core.ledger.move_to(delivery.copy, Place::Settled);
            }
        }
        self.wake_now(actor);
    }

    /// The actor's current op raised `error`: retry, reconnect or exit, as its code says.
    fn raise(&mut self, actor: ActorId, error: ClientError) {
        let setup = Rc::clone(&self.setup);
        let me = &setup.actors[actor.index()];
        if let Some(connection) = self.actors[actor.index()].connection.take() {
            if self.broker.is_open(connection) {
                self.send_to_broker(connection, ClientFrame::Close);
            }
        }
        self.drop_client_deliveries(actor);
        let runtime = &mut self.actors[actor.index()];
        runtime.connection_error = None;
        runtime.blocked = Blocked::No;
        runtime.in_callback = false;
        runtime.consuming = false;
        match &me.spec {
            ActorSpec::Producer(spec) if error != ClientError::CallbackFailed => {
                let in_loop = runtime.loop_index < spec.messages;
                if let (Some(retry), true) = (&spec.retry, in_loop) {
                    if runtime.attempt < retry.attempts_max {
                        runtime.attempt += 1;
                        let backoff = retry.backoff_ms.saturating_mul(1u64 << (runtime.attempt - 1).min(20));
                        let jitter = self.rng_workload.up_to(retry.jitter_ms);
                        let delay = backoff.saturating_add(jitter).min(u64::from(u32::MAX));
                        let i = runtime.loop_index;
                        runtime.pc = 0;
                        runtime.resume_pc = Some(me.publish_pc);
                        let message = self.message_for(actor, i);
                        self.actors[actor.index()].pending_message = Some(message);
                        let data = self.core.ledger.messages[message.index()].data;
                        let line = self.actors[actor.index()].line;
                        self.record(Event::PublishFailed { actor, message, error, retry_in_ms: Some(delay as u32) });
                        self.record(Event::Printed { actor, text: TerminalText::Retrying { data }, line });
                        self.wake_in(actor, delay);
                        return;
                    }
                }
                if let (Some(retry), true) = (&spec.retry, in_loop) {
                    if retry.on_give_up == GiveUp::Skip {
                        // ` [!] giving up on {...}`, then on with the next message: its sleep
                        // first, as the loop's body goes on after the `break`.
                        let i = runtime.loop_index;
                        let message = runtime.pending_message.take();
                        let message = message.unwrap_or_else(|| self.message_for(actor, i));
                        let data = self.core.ledger.messages[message.index()].data;
                        let line = self.actors[actor.index()].line;
                        self.record(Event::PublishFailed { actor, message, error, retry_in_ms: None });
                        self.record(Event::Printed { actor, text: TerminalText::GivingUp { data }, line });
                        let runtime = &mut self.actors[actor.index()];
                        runtime.attempt = 0;
                        runtime.reconnect_first = true;
                        runtime.pc = me.sleep_pc;
                        self.wake_now(actor);
                        return;
                    }
                }
                let runtime = &mut self.actors[actor.index()];
                if let Some(message) = runtime.pending_message.take() {
                    self.record(Event::PublishFailed { actor, message, error, retry_in_ms: None });
                }
                // A batch producer's messages the broker had not confirmed: it was not told
                // whether they are queued (each may be, or may be lost).
                for message in std::mem::take(&mut self.actors[actor.index()].unconfirmed) {
                    self.record(Event::PublishFailed { actor, message, error, retry_in_ms: None });
                }
            }
            ActorSpec::Relay(spec) => {
                if let Some(delay) = spec.reconnect_ms {
                    // `except pika.exceptions.AMQPError: time.sleep(...)`, then connect again
                    // and read the outbox: the row it was on is still there.
                    runtime.pc = 0;
                    runtime.row = None;
                    runtime.pending_message = None;
                    self.record(Event::ConnectionLost { actor, error });
                    self.wake_in(actor, delay);
                    return;
                }
            }
            ActorSpec::Consumer(spec) if error != ClientError::CallbackFailed => {
                if let Some(delay) = spec.reconnect_ms {
                    runtime.pc = 0;
                    self.record(Event::ConnectionLost { actor, error });
                    self.wake_in(actor, delay);
                    return;
                }
            }
            _ => {}
        }
        let line = self.actors[actor.index()].line;
        self.record(Event::Printed { actor, text: TerminalText::Error { error }, line });
        self.actors[actor.index()].status = ActorStatus::Failed(error);
        self.record(Event::ActorExited { actor, error: Some(error) });
        self.order_left_unpublished(actor, true);
    }

    /// A dual-write order service went down between its commit and its publish: the order
    /// stays in the database, and its message will never be published.
    fn order_left_unpublished(&mut self, actor: ActorId, raised: bool) {
        if let Some(message) = self.actors[actor.index()].committed_unpublished.take() {
            self.record(Event::OrderNeverPublished { actor, message, raised });
        }
    }

    /// The client's process lost what it held: auto-acked deliveries are gone for good
    /// (manual-ack ones are requeued by the broker when it sees the connection close).
    fn drop_client_deliveries(&mut self, actor: ActorId) {
        let runtime = &mut self.actors[actor.index()];
        let mut current = runtime.current.take();
        if std::mem::take(&mut runtime.current_done) {
            // Its effect was applied before the process went: under auto_ack it is done
            // (as if the callback had returned); a manual-ack one waits for the broker.
            if let Some(d) = current.take() {
                if d.auto_ack && self.core.ledger.copy(d.copy).place.is_live() {
                    self.core.ledger.move_to(d.copy, Place::Settled);
                }
            }
        }
        let runtime = &mut self.actors[actor.index()];
        let buffered: Vec<Delivery> = runtime.buffer.drain(..).collect();
        runtime.in_callback = false;
        for d in current.into_iter().chain(buffered) {
            self.discard_auto_acked(d);
        }
    }

    /// SIGKILL: the process stops at once; the kernel closes its socket, which the broker
    /// sees after the frames already in flight.
    fn crash_actor(&mut self, actor: ActorId) {
        self.take_down(actor, ActorStatus::Crashed, Event::ActorCrashed { actor });
    }

    /// A graceful stop: the program closes its connection.
    fn stop_actor(&mut self, actor: ActorId) {
        self.take_down(actor, ActorStatus::Stopped, Event::ActorStopped { actor });
    }

    fn take_down(&mut self, actor: ActorId, status: ActorStatus, event: Event) {
        self.end_silence(actor);
        let runtime = &mut self.actors[actor.index()];
        if runtime.status != ActorStatus::Running {
            return;
        }
        runtime.status = status;
        runtime.epoch += 1;
        runtime.pending_message = None;
        runtime.unconfirmed.clear();
        self.record(event);
        self.order_left_unpublished(actor, false);
        self.drop_client_deliveries(actor);
        if let Some(connection) = self.actors[actor.index()].connection.take() {
            if self.broker.is_open(connection) {
                self.send_to_broker(connection, ClientFrame::Close);
            }
        }
    }

    /// Start (or start again) an actor's program from the top.
    fn restart_actor(&mut self, actor: ActorId) {
        let runtime = &mut self.actors[actor.index()];
        let first = runtime.status == ActorStatus::NotStarted;
        if runtime.status == ActorStatus::Running {
            return;
        }
        let fresh = ActorRuntime {
            epoch: runtime.epoch + 1,
            messages: std::mem::take(&mut runtime.messages),
            work_ms: runtime.work_ms,
            poison_next: runtime.poison_next,
            op_counts: runtime.op_counts,
            status: ActorStatus::Running,
            ..ActorRuntime::new(0)
        };
        *runtime = fresh;
        self.record(if first { Event::ActorStarted { actor } } else { Event::ActorRestarted { actor } });
        self.wake_now(actor);
    }

    fn endpoint(&self, name: &str) -> Endpoint {
        match self.setup.scenario.node_of(name) {
            Some(n) => Endpoint::Node(NodeId(n)),
            None => Endpoint::Actor(self.setup.actor_id(name).expect("validated endpoint")),
        }
    }

    /// Perform a fault or repair now (already validated).
    fn perform(&mut self, action: &FaultAction) {
        let actor_id = |sim: &Sim, name: &str| sim.setup.actor_id(name).expect("validated actor");
        let restart_delay_ms = self.setup.scenario.broker.restart_delay_ms;
        match action {
            FaultAction::Crash(name) => self.crash_actor(actor_id(self, name)),
            FaultAction::Stop(name) => self.stop_actor(actor_id(self, name)),
            FaultAction::Restart(name) => self.restart_actor(actor_id(self, name)),
            FaultAction::Cancel(name) => {
                let actor = actor_id(self, name);
                if let (ActorStatus::Running, Some(connection)) = (self.actors[actor.index()].status, self.actors[actor.index()].connection) {
                    self.send_to_broker(connection, ClientFrame::Cancel);
                    // pika's `BlockingChannel.basic_cancel`: deliveries received but not yet
                    // dispatched are nacked with requeue (a manual-ack consumer) or dropped.
                    let pending: Vec<Delivery> = self.actors[actor.index()].buffer.drain(..).collect();
                    let nacked = pending.iter().filter(|d| !d.auto_ack).count() as u32;
                    if nacked > 0 {
                        self.record(Event::PendingNacked { actor, count: nacked });
                    }
                    for d in pending {
                        if d.auto_ack {
                            self.discard_auto_acked(d);
                        } else {
                            self.send_to_broker(connection, ClientFrame::Nack { tag: d.tag, requeue: true });
                        }
                    }
                    let runtime = &mut self.actors[actor.index()];
                    runtime.cancelled = true;
                    if runtime.consuming && !runtime.in_callback {
                        // Waiting in `start_consuming`: it returns now.
                        runtime.blocked = Blocked::No;
                        self.wake_now(actor);
                    }
                }
            }
            FaultAction::CrashNode { node, restart } | FaultAction::StopNode { node, restart } => {
                let graceful = matches!(action, FaultAction::StopNode { .. });
                let node = NodeId(*node);
                if self.broker.node_up(node) {
                    self.broker_call(|b, cx| b.stop_node(cx, node, graceful));
                    if *restart {
                        self.schedule(self.later(restart_delay_ms), Job::StartNode { node });
                    }
                }
            }
            FaultAction::StartNode(node) => {
                let node = NodeId(*node);
                self.broker_call(|b, cx| b.start_node(cx, node));
            }
            FaultAction::Partition(a, b) => {
                let (a, b) = (self.endpoint(a), self.endpoint(b));
                self.cut(a, b);
            }
            FaultAction::Heal(a, b) => {
                let (a, b) = (self.endpoint(a), self.endpoint(b));
                self.heal(a, b);
            }
            FaultAction::DropNext { from, to } => {
                let (from, to) = (self.endpoint(from), self.endpoint(to));
                self.network.drop_next(from, to);
            }
            FaultAction::DuplicateNext(name) => {
                let a = Endpoint::Actor(actor_id(self, name));
                self.network.duplicate_next(a);
            }
            FaultAction::PoisonNext(name) => {
                let actor = actor_id(self, name);
                self.actors[actor.index()].poison_next = true;
                self.record(Event::MessagePoisoned { actor });
            }
            FaultAction::Slow { actor, work_ms } => {
                let actor = actor_id(self, actor);
                self.actors[actor.index()].work_ms = *work_ms;
                self.record(Event::ConsumerSlowed { actor, work_ms: (*work_ms).min(u64::from(u32::MAX)) as u32 });
            }
        }
    }
}

impl System for Sim {
    type Job = Job;
    type Event = Event;
    type CopyExtra = CopyExtra;

    #[inline]
    fn core(&self) -> &Core<Job, Event, CopyExtra> {
        &self.core
    }

    #[inline]
    fn core_mut(&mut self) -> &mut Core<Job, Event, CopyExtra> {
        &mut self.core
    }

    #[inline]
    fn handle(&mut self, job: Job) {
        Sim::handle(self, job);
    }

    /// A stale timer: an expiry or a consumer-timeout check that finds nothing to do. (A
    /// consumer-timeout check still clears its flag, at no time.)
    #[inline]
    fn skip_idle_timer(&mut self, job: &Job) -> bool {
        if !self.timer_changes_nothing(job) {
            return false;
        }
        if let Job::ConsumerTimeout { connection } = *job {
            self.broker_call(|b, cx| b.check_consumer_timeout(cx, connection));
        }
        true
    }

    /// Whether all that is left are jobs that change nothing: polling consumers asleep after
    /// finding their queue empty (nothing else can put a message in a queue, so every poll
    /// to come finds it empty too), expiry timers of copies gone since, consumer-timeout
    /// checks of channels with nothing unacked. The run is then as over as one whose agenda
    /// is empty. (Only a few are looked at: with more pending, the run goes on and pops them.)
    fn only_idle_jobs_left(&self) -> bool {
        // A relay asleep after an empty outbox, while it is still empty: only the service
        // (whose jobs then keep the run going) could add a row.
        let idle = |actor: ActorId| {
            self.actors.get(actor.index()).is_some_and(|r| r.idle_poll && r.status == ActorStatus::Running)
                && (!matches!(self.setup.actors[actor.index()].spec, ActorSpec::Relay(_)) || self.orders_db.outbox.is_empty())
        };
        let few = self.actors.len() + self.connections.len().min(64) + 16;
        self.core.agenda.only_few(few, |job| match *job {
            Job::Wake { actor, .. } => idle(actor),
            _ => self.timer_changes_nothing(job),
        })
    }

    fn perform_fault(&mut self, index: u16) {
        self.perform_fault_now(index);
    }
}
