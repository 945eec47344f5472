//! The ledger: where every copy of every message is right now. Conservation is checked
//! against it: each copy the system ever created is in exactly one `Place`.
//!
//! Invariant: a copy's `place` is changed only through `Ledger::move_to`, which keeps the
//! per-message count of live copies in step.
//!
//! The ledger keeps what every system needs to know of a copy; a system keeps its own
//! per-copy state in `CopyRecord::extra` (RabbitMQ: routing-key source, dead-letter reason,
//! TTL deadline), so the core names nothing of any system.

use super::ids::*;
use serde::Serialize;

/// Where a copy is. Live places can still lead to processing; `Settled` and `Discarded` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "place", rename_all = "snake_case")]
pub enum Place {
    /// A publish frame on its way to the broker.
    ToBroker { connection: ConnectionId },
    /// Ready in a store: a queue (RabbitMQ) or a partition's log (Kafka).
    Ready { queue: QueueId },
    /// Delivered to a consumer over `connection` (in flight, buffered or being processed).
    /// `acked` for `auto_ack=True`: the broker already forgot it.
    AtConsumer { connection: ConnectionId, queue: QueueId, acked: bool },
    /// Processed and acknowledged: done.
    Settled,
    /// Gone for good (the trace says why).
    Discarded,
}

impl Place {
    pub fn is_live(self) -> bool {
        !matches!(self, Place::Settled | Place::Discarded)
    }
}

/// One physical copy of a message, with the system's own state of it in `extra`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CopyRecord<X> {
    pub message: MessageId,
    pub place: Place,
    /// Position in its queue: requeued copies go back to their original place.
    pub position: u64,
    pub persistent: bool,
    pub redelivered: bool,
    pub delivery_count: u16,
    /// When it was last delivered (for the consumer timeout); simulated time fits in 32 bits.
    pub delivered_at_ms: u32,
    #[serde(flatten)]
    pub extra: X,
}

/// A logical message: the payload `{'data': data}` of one producer.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct MessageRecord {
    pub producer: ActorId,
    pub data: u32,
    pub persistent: bool,
    pub poison: bool,
    /// Its `expiration` property in ms (per-message TTL), if its producer sets one.
    pub expiration_ms: Option<u32>,
    /// How many of its copies are in a live place.
    pub live_copies: u32,
}

#[derive(Clone, Debug)]
pub struct Ledger<X> {
    pub messages: Vec<MessageRecord>,
    pub copies: Vec<CopyRecord<X>>,
}

impl<X> Default for Ledger<X> {
    fn default() -> Self {
        Ledger { messages: Vec::new(), copies: Vec::new() }
    }
}

impl<X> Ledger<X> {
    pub fn new_message(&mut self, producer: ActorId, data: u32, persistent: bool, poison: bool, expiration_ms: Option<u32>) -> MessageId {
        self.messages.push(MessageRecord { producer, data, persistent, poison, expiration_ms, live_copies: 0 });
        MessageId(self.messages.len() as u32 - 1)
    }

    /// A new copy of `message`, already in the live place `place`.
    pub fn new_copy(&mut self, message: MessageId, place: Place, persistent: bool) -> CopyId
    where
        X: Default,
    {
        debug_assert!(place.is_live());
        self.messages[message.index()].live_copies += 1;
        self.copies.push(CopyRecord {
            message,
            place,
            position: 0,
            persistent,
            redelivered: false,
            delivery_count: 0,
            delivered_at_ms: 0,
            extra: X::default(),
        });
        CopyId(self.copies.len() as u32 - 1)
    }

    #[inline]
    pub fn copy(&self, copy: CopyId) -> &CopyRecord<X> {
        &self.copies[copy.index()]
    }

    #[inline]
    pub fn copy_mut(&mut self, copy: CopyId) -> &mut CopyRecord<X> {
        &mut self.copies[copy.index()]
    }

    #[inline]
    pub fn message_of(&self, copy: CopyId) -> MessageId {
        self.copies[copy.index()].message
    }

    /// Move a copy; keeps the live count of its message.
    pub fn move_to(&mut self, copy: CopyId, place: Place) {
        let record = &mut self.copies[copy.index()];
        let was_live = record.place.is_live();
        // Invariant: nothing comes back from a final place.
        assert!(was_live, "engine bug: copy {copy:?} moved out of final place {:?}", record.place);
        record.place = place;
        if !place.is_live() {
            self.messages[record.message.index()].live_copies -= 1;
        }
    }
}
