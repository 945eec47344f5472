//! Seeded, portable randomness. One scenario seed is split into independent streams, so
//! changing the fault mix never reshuffles the network or the workload.
//!
//! Invariant: every draw is an integer from `Xoshiro256PlusPlus`, whose output is specified
//! bit for bit; decisions use integer ratios, never floats or `usize`.

use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

/// The independent random streams of a run.
#[derive(Clone, Copy, Debug)]
pub enum Stream {
    Network = 1,
    Faults = 2,
    Workload = 3,
}

/// A probability as an integer ratio `numerator / denominator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Ratio {
    pub numerator: u32,
    pub denominator: u32,
}

impl Ratio {
    pub const NEVER: Ratio = Ratio { numerator: 0, denominator: 1 };

    pub fn is_never(&self) -> bool {
        self.numerator == 0
    }
}

/// One random stream.
#[derive(Clone, Debug)]
pub struct Rng(Xoshiro256PlusPlus);

impl Rng {
    /// The stream `stream` of the run seeded with `seed`.
    pub fn new(seed: u64, stream: Stream) -> Rng {
        // SplitMix-style mixing so that neighbouring seeds and streams are unrelated.
        let mut z = seed ^ (stream as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng(Xoshiro256PlusPlus::seed_from_u64(z ^ (z >> 31)))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform integer in `0..=max` (slight modulo bias is acceptable for a simulator).
    pub fn up_to(&mut self, max: u64) -> u64 {
        match max.checked_add(1) {
            _ if max == 0 => 0,
            Some(bound) => self.next_u64() % bound,
            // The whole range: every u64 is a fair draw.
            None => self.next_u64(),
        }
    }

    /// True with probability `ratio`. Draws nothing for a ratio of zero, so adding a fault
    /// kind with probability zero does not shift the stream.
    pub fn chance(&mut self, ratio: Ratio) -> bool {
        if ratio.numerator == 0 || ratio.denominator == 0 {
            return false;
        }
        self.next_u64() % u64::from(ratio.denominator) < u64::from(ratio.numerator)
    }
}
