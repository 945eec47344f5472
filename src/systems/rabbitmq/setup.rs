//! The compiled scenario: names resolved to ids, routes resolved from the static topology,
//! each actor's program generated from its settings. Immutable and shared by every snapshot.
//!
//! Invariant: built only from a scenario that passed validation.

use super::broker::rabbit::topic_matches;
use super::broker::RouteId;
use crate::engine::ids::*;
use super::program::{self, OpKind, Program};
use crate::scenario::{ActorSpec, ExchangeType, Scenario, ScenarioError, Trigger};
use crate::scenario::RandomFaults;

#[derive(Clone, Debug)]
pub struct ActorSetup {
    pub name: String,
    pub spec: ActorSpec,
    pub program: Program,
    pub queue: QueueId,
    pub node: NodeId,
    /// Producers: where their publishes go.
    pub route: RouteId,
    /// Index of `LoopStart` / the op after `LoopEnd` / `Publish` in `program.main`.
    pub loop_start_pc: u16,
    pub loop_exit_pc: u16,
    pub publish_pc: u16,
    /// Index of `Sleep` (a producer's `time.sleep` between messages).
    pub sleep_pc: u16,
    /// A polling consumer: index of `Get` in `program.main` (where it returns after each
    /// message or empty poll).
    pub get_pc: Option<u16>,
    /// Index of the `Fail` op in the callback, if any.
    pub fail_pc: Option<u16>,
    /// The exchanges its code declares right before its `queue_declare` (the one it
    /// publishes to, its queue's dead-letter exchange), as indexes in `scenario.exchanges`.
    pub declares_exchanges: Vec<u16>,
}

/// A fault trigger tied to an operation of an actor.
#[derive(Clone, Copy, Debug)]
pub struct OpTrigger {
    pub actor: ActorId,
    pub op: OpKind,
    pub before: bool,
    pub occurrence: u32,
    pub fault: u16,
}

#[derive(Clone, Debug)]
pub struct Setup {
    pub scenario: Scenario,
    pub actors: Vec<ActorSetup>,
    pub routes: Vec<Vec<QueueId>>,
    /// The exchange of each route (an index in `scenario.exchanges`; None: the default one).
    pub route_exchanges: Vec<Option<u16>>,
    /// Per queue with a dead-letter exchange: the route of its dead letters, by the source of
    /// the routing key the copy carries (`KeySource`): RabbitMQ keeps the message's own
    /// routing key unless the queue gives `x-dead-letter-routing-key`.
    pub dead_letter_routes: Vec<Option<Vec<Option<RouteId>>>>,
    pub op_triggers: Vec<OpTrigger>,
    /// (step, fault index), sorted by step.
    pub step_triggers: Vec<(u64, u16)>,
    pub random: Option<RandomFaults>,
}

impl Setup {
    pub fn new(scenario: &Scenario) -> Result<Setup, ScenarioError> {
        scenario.validate()?;
        Setup::new_valid(scenario)
    }

    /// `new` for a scenario already validated (a catalog scenario, which tests validate): the
    /// page's first module builds its first chapter this way, without `Scenario::validate`.
    pub fn new_valid(scenario: &Scenario) -> Result<Setup, ScenarioError> {
        Setup::build(scenario, program::of)
    }

    /// `new_valid` for the tour's first chapter's scenario (`catalog::first`), whose actors'
    /// programs `program::of_first` writes: the page's first module builds it this way, without
    /// the programs of an outbox's order service and relay.
    pub fn new_first(scenario: &Scenario) -> Result<Setup, ScenarioError> {
        Setup::build(scenario, program::of_first)
    }

    /// The setup of a validated `scenario`, each actor's program written by `programs`.
    fn build(scenario: &Scenario, programs: fn(&Scenario, &ActorSpec) -> Option<program::Program>) -> Result<Setup, ScenarioError> {
        let queue_id = |name: &str| QueueId(scenario.queues.iter().position(|q| q.name == name).expect("validated") as u16);
        let mut routes: Vec<Vec<QueueId>> = Vec::new();
        let mut route_exchanges: Vec<Option<u16>> = Vec::new();
        let exchange_id = |name: &str| scenario.exchanges.iter().position(|e| e.name == name).map(|i| i as u16);
        let mut route_keys: Vec<(String, String)> = Vec::new();
        let mut route_for = |exchange: &str, key: &str| -> RouteId {
            if let Some(i) = route_keys.iter().position(|(e, k)| e == exchange && k == key) {
                return RouteId(i as u16);
            }
            let targets: Vec<QueueId> = if exchange.is_empty() {
                scenario.queues.iter().position(|q| q.name == key).map(|i| QueueId(i as u16)).into_iter().collect()
            } else {
                let kind = scenario.exchanges.iter().find(|e| e.name == exchange).expect("validated").exchange_type;
                let mut targets: Vec<QueueId> = scenario
                    .bindings
                    .iter()
                    .filter(|b| b.exchange == exchange)
                    .filter(|b| match kind {
                        ExchangeType::Fanout => true,
                        ExchangeType::Direct => b.routing_key == key,
                        ExchangeType::Topic => topic_matches(&b.routing_key, key),
                    })
                    .map(|b| queue_id(&b.queue))
                    .collect();
                targets.dedup();
                targets
            };
            routes.push(targets);
            route_exchanges.push(exchange_id(exchange));
            route_keys.push((exchange.to_string(), key.to_string()));
            RouteId(routes.len() as u16 - 1)
        };
        let mut actors = Vec::new();
        for spec in &scenario.actors {
            let program = programs(scenario, spec).expect("validated: every actor's queue exists (and `new_first`'s scenario has no outbox)");
            let (queue, route) = match spec {
                ActorSpec::Producer(p) => {
                    let key = p.routing_key.clone().unwrap_or_else(|| p.queue.clone());
                    (queue_id(&p.queue), route_for(&p.exchange, &key))
                }
                ActorSpec::Consumer(c) => (queue_id(&c.queue), RouteId(0)),
                // Its commands name their queues; this is the first (unused by the engine).
                ActorSpec::Admin(a) => (a.declare.first().map_or(QueueId(0), |q| queue_id(q)), RouteId(0)),
                // The relay publishes to the default exchange, routed by its queue's name.
                ActorSpec::Relay(r) => (queue_id(&r.queue), route_for("", &r.queue)),
            };
            let find = |kind: OpKind| program.main.iter().position(|op| op.kind == kind).map(|i| i as u16);
            let loop_start_pc = find(OpKind::LoopStart).unwrap_or(0);
            let loop_exit_pc = find(OpKind::LoopEnd).map(|i| i + 1).unwrap_or(0);
            let publish_pc = find(OpKind::Publish).unwrap_or(0);
            let get_pc = find(OpKind::Get);
            let sleep_pc = find(OpKind::Sleep).unwrap_or(0);
            let fail_pc = program.callback.iter().position(|op| op.kind == OpKind::Fail).map(|i| i as u16);
            // As `program::exchange_declares` writes them: only with `declare`.
            let (exchange, declare) = match spec {
                ActorSpec::Producer(p) => (p.exchange.as_str(), p.declare),
                ActorSpec::Consumer(c) => ("", c.declare),
                ActorSpec::Admin(_) => ("", false),
                ActorSpec::Relay(_) => ("", true),
            };
            let dead_letter = scenario.queues[queue.index()].dead_letter_exchange.as_deref().unwrap_or("");
            let mut declares_exchanges: Vec<u16> = if declare { [dead_letter, exchange].iter().filter_map(|name| exchange_id(name)).collect() } else { Vec::new() };
            declares_exchanges.dedup();
            actors.push(ActorSetup {
                name: spec.name().to_string(),
                spec: spec.clone(),
                program,
                queue,
                node: NodeId(spec.node()),
                route,
                loop_start_pc,
                loop_exit_pc,
                publish_pc,
                sleep_pc,
                get_pc,
                fail_pc,
                declares_exchanges,
            });
        }
        // The routing key of each key source: a producer's publish (by actor index), then the
        // `x-dead-letter-routing-key` of each queue (by `key_source_of_queue`).
        let actor_count = scenario.actors.len();
        let source_key = |source: usize| -> Option<String> {
            match scenario.actors.get(source) {
                Some(ActorSpec::Producer(p)) => Some(p.routing_key.clone().unwrap_or_else(|| p.queue.clone())),
                Some(_) => None,
                None => scenario.queues.get(source - actor_count).and_then(|q| q.dead_letter_routing_key.clone()),
            }
        };
        let dead_letter_routes = scenario
            .queues
            .iter()
            .map(|q| {
                q.dead_letter_exchange.as_ref().map(|dlx| {
                    (0..actor_count + scenario.queues.len())
                        .map(|source| q.dead_letter_routing_key.clone().or_else(|| source_key(source)).map(|key| route_for(dlx, &key)))
                        .collect()
                })
            })
            .collect();
        let actor_id = |name: &str| ActorId(scenario.actors.iter().position(|a| a.name() == name).expect("validated") as u16);
        let mut op_triggers = Vec::new();
        for (index, fault) in scenario.faults.iter().enumerate() {
            let (actor, op, occurrence, before) = match &fault.when {
                Trigger::AtMs(_) | Trigger::AtStep(_) => continue,
                Trigger::After { actor, op, occurrence } => (actor, op, *occurrence, false),
                Trigger::Before { actor, op, occurrence } => (actor, op, *occurrence, true),
            };
            let actor = actor_id(actor);
            let program = &actors[actor.index()].program;
            let kind = program
                .main
                .iter()
                .chain(program.callback.iter())
                .map(|o| o.kind)
                .find(|k| k.name() == op)
                .ok_or_else(|| ScenarioError {
                    field: format!("faults[{index}].when.op"),
                    problem: format!("{}'s program has no operation {}", crate::scenario::json::shorten(&actors[actor.index()].name), crate::scenario::json::quoted(op)),
                })?;
            op_triggers.push(OpTrigger { actor, op: kind, before, occurrence, fault: index as u16 });
        }
        let step_triggers = crate::scenario::step_triggers(&scenario.faults);
        Ok(Setup {
            scenario: scenario.clone(),
            actors,
            routes,
            route_exchanges,
            dead_letter_routes,
            op_triggers,
            step_triggers,
            random: scenario.random_faults.clone(),
        })
    }

    /// Whether a producer is a request handler (its messages are requests).
    pub fn has_handler(&self) -> bool {
        self.scenario.has_handler()
    }

    pub fn actor_id(&self, name: &str) -> Option<ActorId> {
        self.actors.iter().position(|a| a.name == name).map(|i| ActorId(i as u16))
    }
}
