//! One sort for the RabbitMQ page's code: the standard library's sorts are instantiated once
//! per element type, several KB of wasm each, and the page's first module had a dozen. Every
//! sort of the first load goes through `sort_by_key` (one `sort_unstable` of `u128`) or, for
//! a handful of items, `sort_small` (an insertion sort, a few hundred bytes per type).
//!
//! Invariant: both are stable, and give exactly what `slice::sort_by_key` / `slice::sort`
//! give (tests below compare them).

/// Sort `v` stably by `key`, which must fit in 96 bits: each key packed above its element's
/// index (at most `u32::MAX` elements), the packed keys sorted, the elements moved into
/// that order.
pub fn sort_by_key<T>(v: &mut Vec<T>, key: impl Fn(&T) -> u128) {
    if v.len() < 2 {
        return;
    }
    assert!(v.len() <= u32::MAX as usize, "at most u32::MAX elements");
    let mut keyed: Vec<u128> = v
        .iter()
        .enumerate()
        .map(|(index, x)| {
            let k = key(x);
            assert!(k >> 96 == 0, "a sort key fits in 96 bits");
            (k << 32) | index as u128
        })
        .collect();
    keyed.sort_unstable();
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(keyed.into_iter().map(|k| slots[k as u32 as usize].take().expect("each index once")));
}

/// Sort a few items stably (insertion sort: quadratic, for lists of a few dozen at most).
pub fn sort_small<T: Ord>(v: &mut [T]) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1] > v[j] {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sort_by_key_is_the_standard_stable_sort(items in proptest::collection::vec((0u64..1_000, 0u32..5, any::<u16>()), 0..300)) {
            let mut ours = items.clone();
            super::sort_by_key(&mut ours, |&(a, b, _)| (u128::from(a) << 32) | u128::from(b));
            let mut std = items.clone();
            std.sort_by_key(|&(a, b, _)| (a, b));
            prop_assert_eq!(ours, std);
        }

        #[test]
        fn sort_small_is_the_standard_sort(items in proptest::collection::vec((0u8..4, any::<u8>()), 0..40)) {
            let mut ours = items.clone();
            super::sort_small(&mut ours);
            let mut std = items.clone();
            std.sort();
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn sort_by_key_is_stable_with_equal_keys() {
        let mut v = vec![(1, 'a'), (0, 'b'), (1, 'c'), (0, 'd')];
        super::sort_by_key(&mut v, |&(k, _)| k as u128);
        assert_eq!(v, [(0, 'b'), (0, 'd'), (1, 'a'), (1, 'c')]);
    }
}
