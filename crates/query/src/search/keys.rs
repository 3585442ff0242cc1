//! The search keys, sorted in one buffer, and the ones that start with what is typed.

/// Sorted, distinct keys.
pub struct SortedKeys {
    /// Every key, one after the other: one allocation, read in order by a prefix lookup.
    text: String,
    /// Key `k` is `text[ends[k - 1]..ends[k]]` (from 0 for the first).
    ends: Vec<u32>,
}

impl SortedKeys {
    /// `keys` must be sorted and distinct.
    pub fn new(keys: &[String]) -> Self {
        let mut text = String::with_capacity(keys.iter().map(String::len).sum());
        let mut ends = Vec::with_capacity(keys.len());
        for key in keys {
            text.push_str(key);
            ends.push(text.len() as u32);
        }
        SortedKeys { text, ends }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn key(&self, k: usize) -> &str {
        let start = k.checked_sub(1).map_or(0, |p| self.ends[p] as usize);
        &self.text[start..self.ends[k] as usize]
    }

    /// The keys that start with `prefix`.
    pub fn starting_with(&self, prefix: &str) -> std::ops::Range<usize> {
        let first = |below: &dyn Fn(&str) -> bool| {
            let (mut lo, mut hi) = (0, self.len());
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if below(self.key(mid)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            lo
        };
        first(&|k| k < prefix)..first(&|k| k < prefix || k.starts_with(prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::SortedKeys;

    #[test]
    fn a_prefix_finds_the_keys_that_start_with_it() {
        let keys: Vec<String> = ["mars", "marseillan", "marseille", "martigues", "vire"]
            .map(String::from)
            .to_vec();
        let sorted = SortedKeys::new(&keys);
        assert_eq!(sorted.starting_with("mars"), 0..3);
        assert_eq!(sorted.starting_with("marseille"), 2..3);
        assert_eq!(sorted.starting_with("ma"), 0..4);
        assert_eq!(sorted.starting_with("x"), 5..5);
        assert_eq!(sorted.starting_with(""), 0..5);
        assert_eq!(sorted.key(3), "martigues");
    }
}
