//! A tiny seeded PRNG (SplitMix64): the only source of variety in generated events.
//!
//! Invariant: no clock and no global state, so the same seed gives the same bytes.
//! Each item derives its own stream from the seed and its name ([`Rng::for_item`]),
//! so adding a detection never changes another detection's events.

#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A stream for one item: the seed mixed with an FNV-1a hash of its name.
    pub fn for_item(seed: u64, name: &str) -> Rng {
        let hash =
            name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        Rng(seed ^ hash)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`); the tiny modulo bias does not matter here.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// An integer in `lo..=hi`.
    pub fn int_in(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi as i128 - lo as i128 + 1) as u128;
        (lo as i128 + (u128::from(self.next_u64()) % span) as i128) as i64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_items_differ() {
        let a: Vec<u64> = (0..4).map(|_| Rng::for_item(7, "x").next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::for_item(1, "AF-1/a");
        let mut y = Rng::for_item(1, "AF-1/b");
        assert_ne!(x.next_u64(), y.next_u64());
        let mut r = Rng::for_item(3, "r");
        assert!((0..1000).map(|_| r.int_in(-2, 2)).all(|v| (-2..=2).contains(&v)));
    }
}
