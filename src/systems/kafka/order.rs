//! Order as a Kafka consumer process sees it. Kafka orders records only within a partition,
//! and a group's consumers are separate processes working in parallel: a record printed by one
//! consumer after another consumer printed a later record is not out of order for anyone. A
//! message is out of order when the consumer process that first processed it had already
//! processed a later payload of the same producer (another partition it reads, or a log that
//! holds the records in that order); the core's checker, which compares every first effect of
//! a producer's messages, flags a superset of these (`KafkaSim` keeps only these).
//!
//! Invariants: a process is an actor's run between two starts (its `epoch` at the effect);
//! each message is judged once, at its first effect; a process's highest payload per producer
//! counts every effect of it (a replayed record too).

/// Per consumer process, the highest payload it processed per producer; per message, whether
/// its first processing came after a later payload of its producer in the same process.
#[derive(Clone, Debug, Default)]
pub struct ProcessOrder {
    /// By actor: (the process's epoch, the highest payload per producer).
    highest: Vec<(u32, Vec<Option<u32>>)>,
    /// By message: None until its first effect.
    judged: Vec<Option<bool>>,
}

impl ProcessOrder {
    /// Actor `actor`'s process `epoch` processed message `message` (payload `data` of
    /// producer `producer`).
    pub fn effect(&mut self, actor: usize, epoch: u32, producer: usize, message: usize, data: u32) {
        if self.highest.len() <= actor {
            self.highest.resize(actor + 1, (epoch, Vec::new()));
        }
        let (process, highest) = &mut self.highest[actor];
        if *process != epoch {
            *process = epoch;
            highest.clear();
        }
        if highest.len() <= producer {
            highest.resize(producer + 1, None);
        }
        let high = &mut highest[producer];
        if self.judged.len() <= message {
            self.judged.resize(message + 1, None);
        }
        if self.judged[message].is_none() {
            self.judged[message] = Some(high.is_some_and(|h| h > data));
        }
        *high = Some(high.map_or(data, |h| h.max(data)));
    }

    /// Whether message `message` was first processed after a later payload of its producer by
    /// the same consumer process.
    pub fn out_of_order(&self, message: usize) -> bool {
        self.judged.get(message).copied().flatten().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_process_orders() {
        let mut o = ProcessOrder::default();
        // Consumer 1 prints 0 and 5; consumer 2 prints 3 (after 5, but another process).
        o.effect(1, 0, 0, 0, 0);
        o.effect(1, 0, 0, 5, 5);
        o.effect(2, 0, 0, 3, 3);
        assert!(!o.out_of_order(3));
        // Consumer 1 then prints 4: after its own 5.
        o.effect(1, 0, 0, 4, 4);
        assert!(o.out_of_order(4));
        // A new process of consumer 1 (its next epoch) starts with nothing processed.
        o.effect(1, 1, 0, 2, 2);
        assert!(!o.out_of_order(2));
        // Judged once: a later replay of 4 does not change it.
        o.effect(1, 1, 0, 4, 4);
        assert!(o.out_of_order(4));
        // Another producer's payloads are not compared.
        o.effect(1, 1, 1, 6, 0);
        assert!(!o.out_of_order(6));
    }
}
