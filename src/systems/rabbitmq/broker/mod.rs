//! The RabbitMQ broker interface. The RabbitMQ world drives its broker through `Broker` only
//! (AMQP's operations: declare, publish, consume, ack, ...). A broker never sends anything
//! itself: it records events and outgoing frames into an `Outbox`, which the world drains
//! after every call and routes through the network. (Other systems bring their own models:
//! `crate::systems::kafka::cluster`.)

pub mod rabbit;

use crate::engine::ids::*;
use crate::systems::rabbitmq::trace::Ledger;
use crate::engine::network::Network;
use crate::systems::rabbitmq::trace::{ClientError, Event};
use crate::scenario::DeclareAs;

/// A delivery the broker pushes to a consumer's connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutDelivery {
    pub connection: ConnectionId,
    pub copy: CopyId,
    pub tag: u32,
    pub redelivered: bool,
    pub auto_ack: bool,
}

/// What a broker call produced.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    pub events: Vec<Event>,
    pub deliveries: Vec<OutDelivery>,
    /// Publisher confirms: (connection, message, ack?, returned first?). A returned message
    /// (`mandatory=True`, no queue took it) is `basic.return`ed before its `basic.ack`.
    pub confirms: Vec<(ConnectionId, MessageId, bool, bool)>,
    /// Connections the broker closed, with the error the client will see.
    pub closed: Vec<(ConnectionId, ClientError)>,
    /// TTL timers to set: (when, copy).
    pub expiries: Vec<(u64, CopyId)>,
    /// Consumer-timeout checks to set: (when, connection).
    pub timeout_checks: Vec<(u64, ConnectionId)>,
    /// Dead letters are still waiting to be routed: call `continue_dead_letters` again.
    pub dead_letters_pending: bool,
}

impl Outbox {
    pub fn clear(&mut self) {
        self.events.clear();
        self.deliveries.clear();
        self.confirms.clear();
        self.closed.clear();
        self.expiries.clear();
        self.timeout_checks.clear();
        self.dead_letters_pending = false;
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.deliveries.is_empty()
            && self.confirms.is_empty()
            && self.closed.is_empty()
            && self.expiries.is_empty()
            && self.timeout_checks.is_empty()
            && !self.dead_letters_pending
    }
}

/// What a broker call may read and change besides the broker itself.
pub struct Ctx<'a> {
    pub now_ms: u64,
    pub ledger: &'a mut Ledger,
    pub network: &'a Network,
    pub out: &'a mut Outbox,
}

/// A route: the queues a publish to (exchange, routing key) lands in. Routes are resolved
/// once from the scenario's static topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteId(pub u16);

/// The operations every broker model offers to the world.
pub trait Broker {
    /// A client on `actor` opens `connection` to `node`. False if the node refuses (down).
    fn connect(&mut self, cx: &mut Ctx, connection: ConnectionId, actor: ActorId, node: NodeId) -> bool;
    /// `queue.declare` on `node` made as `how` (from a client's channel, or the management
    /// API): creates the queue if it does not exist (unless passive). Err is the channel error
    /// the broker closes the channel with: a durable queue whose home node is down or
    /// unreachable, a passive declare of a missing queue (404), other properties (406).
    fn declare(&mut self, cx: &mut Ctx, node: NodeId, queue: QueueId, how: DeclareAs) -> Result<(), ClientError>;
    fn confirm_select(&mut self, connection: ConnectionId);
    fn qos(&mut self, connection: ConnectionId, prefetch_count: u16);
    /// The program declares an exchange (an index in the scenario's exchanges), with the
    /// bindings the scenario gives it.
    fn declare_exchange(&mut self, exchange: u16);
    /// `basic.consume` of a queue that exists (`queue_exists`; else it is a 404 that closes
    /// the channel, which the world raises).
    fn consume(&mut self, cx: &mut Ctx, connection: ConnectionId, queue: QueueId, auto_ack: bool);
    /// `basic.get` of a queue that exists: hands its head to `connection` (a delivery in the
    /// outbox, acked at once with `auto_ack`); false if there is none to give (`get-empty`).
    fn get(&mut self, cx: &mut Ctx, connection: ConnectionId, queue: QueueId, auto_ack: bool) -> bool;
    /// A consumer-timeout check of `connection`'s channel is due (`Outbox::timeout_checks`).
    fn check_consumer_timeout(&mut self, cx: &mut Ctx, connection: ConnectionId);
    /// Whether a check of `connection` would do nothing now: no unacknowledged delivery.
    fn timeout_check_is_idle(&self, connection: ConnectionId) -> bool;
    /// Whether `queue` exists now (declared, and not deleted with its node).
    fn queue_exists(&self, queue: QueueId) -> bool;
    /// A publish frame arrived; `mandatory`: return it to the producer if no queue takes it.
    fn publish(&mut self, cx: &mut Ctx, connection: ConnectionId, copy: CopyId, route: RouteId, mandatory: bool);
    /// `basic_ack`; with `multiple`, every unacked delivery up to `tag` too.
    fn ack(&mut self, cx: &mut Ctx, connection: ConnectionId, tag: u32, multiple: bool);
    fn nack(&mut self, cx: &mut Ctx, connection: ConnectionId, tag: u32, requeue: bool);
    /// `basic_cancel`: stop consuming; unacked deliveries stay unacked (no requeue).
    fn cancel(&mut self, cx: &mut Ctx, connection: ConnectionId);
    /// The connection closed (client close, crash, network reset): requeue its unacked.
    fn close(&mut self, cx: &mut Ctx, connection: ConnectionId);
    fn stop_node(&mut self, cx: &mut Ctx, node: NodeId, graceful: bool);
    fn start_node(&mut self, cx: &mut Ctx, node: NodeId);
    /// A TTL timer fired for a copy.
    fn expire(&mut self, cx: &mut Ctx, copy: CopyId);
    /// Partitions between nodes changed: dispatch what became reachable.
    fn topology_changed(&mut self, cx: &mut Ctx);
    fn node_up(&self, node: NodeId) -> bool;
    fn is_open(&self, connection: ConnectionId) -> bool;
    /// Route dead letters left waiting by an earlier call (each call routes a bounded number).
    fn continue_dead_letters(&mut self, cx: &mut Ctx);
}
