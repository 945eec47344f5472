//! Where a producer puts a record: Kafka's keyed partitioning (murmur2, exactly as the Java
//! client's `Utils.murmur2` + `Utils.toPositive`, which kafka-python's `kafka/partitioner/default.py`
//! reproduces) and kafka-python 3.x's choice for a record without a key (`DefaultPartitioner`:
//! `random.choice(available)` if any partition has a leader, else `random.choice(all_partitions)`).
//!
//! Invariants: pure functions of their arguments; the random number of an unkeyed choice comes
//! from the caller (the model never draws one); a returned partition is always `< partitions`.

/// Kafka's murmur2 hash (`org.apache.kafka.common.utils.Utils.murmur2`): MurmurHash2, 32 bits,
/// seed `0x9747b28c`, little-endian 4-byte blocks, Java `int` arithmetic (wrapping).
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let length = data.len();
    // Java: `int h = seed ^ length` (the length as an int: wraps past 2^31 like Java would).
    let mut h: u32 = SEED ^ (length as u32);
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    // Java's switch on `length % 4` falls through case 3 → 2 → 1.
    let tail = blocks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// `Utils.toPositive`: clears the sign bit (not `abs`: `toPositive(i32::MIN)` is 0).
pub fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// The partition of a keyed record: `toPositive(murmur2(key)) % partitions`, as the Java client's
/// `BuiltInPartitioner.partitionForKey` and kafka-python's `DefaultPartitioner` compute it.
/// None when the topic has no partitions.
pub fn partition_for_key(key: &[u8], partitions: u32) -> Option<u32> {
    if partitions == 0 {
        return None;
    }
    // to_positive is in 0..=i32::MAX, so the cast is exact.
    Some(to_positive(murmur2(key)) as u32 % partitions)
}

/// kafka-python 3.x's partition for a record without a key (`DefaultPartitioner.__call__`):
/// `random.choice(available)` when some partition has a leader, else `random.choice(all)`.
/// `random` is the caller's uniform draw; the choice is `random % len` of the list used.
/// `available` lists partition numbers with a known leader; entries `>= partitions` are ignored.
/// None when the topic has no partitions.
pub fn partition_for_unkeyed(partitions: u32, available: &[u32], random: u64) -> Option<u32> {
    if partitions == 0 {
        return None;
    }
    // The available partitions below `partitions`, counted and then indexed (no vector).
    let usable = || available.iter().copied().filter(|&p| p < partitions);
    let count = usable().count();
    if count == 0 {
        return Some((random % u64::from(partitions)) as u32);
    }
    let index = (random % count as u64) as usize;
    usable().nth(index)
}

/// The partition of any record, keyed or not (kafka-python's `DefaultPartitioner`).
pub fn partition_for(key: Option<&[u8]>, partitions: u32, available: &[u32], random: u64) -> Option<u32> {
    match key {
        Some(key) => partition_for_key(key, partitions),
        None => partition_for_unkeyed(partitions, available, random),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// apache/kafka `clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java` testMurmur2.
    #[test]
    fn murmur2_matches_kafka_utils_test_vectors() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            (b"abc", 479_470_107),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key), expected, "murmur2({:?})", String::from_utf8_lossy(key));
        }
    }

    #[test]
    fn to_positive_clears_the_sign_bit() {
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(5), 5);
    }

    #[test]
    fn unkeyed_prefers_available_partitions() {
        assert_eq!(partition_for_unkeyed(3, &[2], 7), Some(2));
        assert_eq!(partition_for_unkeyed(3, &[0, 2], 1), Some(2));
        assert_eq!(partition_for_unkeyed(3, &[], 4), Some(1));
        assert_eq!(partition_for_unkeyed(0, &[], 4), None);
        assert_eq!(partition_for_unkeyed(3, &[9], 5), Some(2));
    }
}
