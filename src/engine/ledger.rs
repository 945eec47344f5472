//! The ledger: where every copy of every message is right now. Conservation is checked
//! against it: each copy the system ever created is in exactly one `Place`.
//!
//! Invariant: a copy's `place` is changed only through `Ledger::move_to`, which keeps the
//! per-message count of live copies in step.

use super::ids::*;
use super::trace::DeathReason;
use serde::Serialize;

/// Where a copy is. Live places can still lead to processing; `Settled` and `Discarded` are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "place", rename_all = "snake_case")]
pub enum Place {
    /// A publish frame on its way to the broker.
    ToBroker { connection: ConnectionId },
    /// Ready in a queue.
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

/// One physical copy of a message.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CopyRecord {
    pub message: MessageId,
    pub place: Place,
    /// Position in its queue: requeued copies go back to their original place.
    pub position: u64,
    pub persistent: bool,
    pub redelivered: bool,
    pub delivery_count: u16,
    /// When it was last delivered (for the consumer timeout); simulated time fits in 32 bits.
    pub delivered_at_ms: u32,
    /// Where the routing key it carries comes from: its producer's publish (the actor's
    /// index), or the `x-dead-letter-routing-key` of the queue it last died in (the number of
    /// actors plus the queue's index). A dead letter keeps its key otherwise.
    pub key_source: u16,
    /// Set once it was dead-lettered (the first `x-death` reason).
    pub death: Option<DeathReason>,
    /// When it expires in its current queue (set when it enters one): its entry time plus
    /// the lower of the queue's `x-message-ttl` and the message's own `expiration` (which a
    /// dead-lettered copy no longer has). `None`: no TTL applies.
    pub expires_at_ms: Option<u64>,
    /// The deadline comes from the message's own `expiration`, not the queue's TTL.
    pub own_ttl: bool,
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

#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub messages: Vec<MessageRecord>,
    pub copies: Vec<CopyRecord>,
}

impl Ledger {
    pub fn new_message(&mut self, producer: ActorId, data: u32, persistent: bool, poison: bool, expiration_ms: Option<u32>) -> MessageId {
        self.messages.push(MessageRecord { producer, data, persistent, poison, expiration_ms, live_copies: 0 });
        MessageId(self.messages.len() as u32 - 1)
    }

    /// A new copy of `message`, already in the live place `place`.
    pub fn new_copy(&mut self, message: MessageId, place: Place, persistent: bool) -> CopyId {
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
            key_source: 0,
            death: None,
            expires_at_ms: None,
            own_ttl: false,
        });
        CopyId(self.copies.len() as u32 - 1)
    }

    #[inline]
    pub fn copy(&self, copy: CopyId) -> &CopyRecord {
        &self.copies[copy.index()]
    }

    #[inline]
    pub fn copy_mut(&mut self, copy: CopyId) -> &mut CopyRecord {
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
