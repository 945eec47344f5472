//! Typed ids for everything the engine names. Each is a dense index into a `Vec` owned by
//! the world, so lookups are O(1) and iteration order is the order of creation.
//!
//! Invariant: an id is only created by the world that owns the vector it indexes.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl $name {
            /// The id as an index into its owning vector.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// An actor: a producer or consumer program.
    ActorId(u16)
);
id_type!(
    /// A broker node (rabbit@0, rabbit@1, ...).
    NodeId(u8)
);
id_type!(
    /// A queue declared in the scenario's topology.
    QueueId(u16)
);
id_type!(
    /// An exchange; 0 is always the default exchange `''`.
    ExchangeId(u16)
);
id_type!(
    /// A logical message: what a producer means to send (`{'data': i}` of one producer).
    /// Retries and duplicates of it share this id.
    MessageId(u32)
);
id_type!(
    /// One physical copy of a message inside the system (a publish frame, a queued message,
    /// a delivery). A duplicated or republished message has several copies.
    CopyId(u32)
);
id_type!(
    /// One client connection (with its single channel). A reconnect makes a new one.
    ConnectionId(u32)
);
