//! Finding keys a query matches despite typos, in one walk over the sorted keys.
//!
//! The distance is the optimal string alignment distance (restricted Damerau–Levenshtein): an insertion,
//! a deletion, a substitution or the swap of two adjacent letters each count as one edit, the most common
//! slips of typing. A key matches when some prefix of it is within the allowed edits of the whole query,
//! because people search while they type.
//!
//! Sorted keys share prefixes with their neighbours, so the dynamic-programming rows of a shared prefix are
//! computed once, as in a trie walk; only cells near the diagonal are computed; and a prefix whose row is
//! already beyond the allowance skips every key that starts with it, in a few jumps along the lengths that
//! neighbouring keys share.

/// How far a key is from the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Distance {
    /// Edits between the query and the closest prefix of the key (the key itself included).
    pub prefix: u8,
    /// Edits between the query and the whole key, if within the allowance.
    pub whole: Option<u8>,
}

/// Sorted keys, with what it takes to skip every key under a prefix in a few steps.
pub struct SortedKeys {
    keys: Vec<Box<str>>,
    /// `shared[k]`: how many bytes key `k` shares with key `k - 1` (0 for the first key). Names are far
    /// shorter than `u16::MAX`.
    shared: Vec<u16>,
    /// `next_shorter[k]`: the first key after `k` that shares fewer bytes with its predecessor than key
    /// `k` does; every key between shares at least as many.
    next_shorter: Vec<u32>,
}

impl SortedKeys {
    /// `keys` must be sorted and distinct.
    pub fn new(keys: Vec<Box<str>>) -> Self {
        let shared: Vec<u16> = (0..keys.len())
            .map(|k| match k {
                0 => 0,
                _ => common_prefix(keys[k - 1].as_bytes(), keys[k].as_bytes()).min(usize::from(u16::MAX))
                    as u16,
            })
            .collect();
        let mut next_shorter = vec![keys.len() as u32; keys.len()];
        let mut open: Vec<usize> = Vec::new();
        for (k, &s) in shared.iter().enumerate() {
            while open.last().is_some_and(|&top| shared[top] > s) {
                next_shorter[open.pop().unwrap_or_default()] = k as u32;
            }
            open.push(k);
        }
        SortedKeys {
            keys,
            shared,
            next_shorter,
        }
    }

    pub fn as_slice(&self) -> &[Box<str>] {
        &self.keys
    }

    /// The first key after key `i` that does not start with the first `len` bytes of key `i`.
    fn end_of_run(&self, i: usize, len: usize) -> usize {
        let mut k = i + 1;
        while k < self.keys.len() && usize::from(self.shared[k]) >= len {
            k = self.next_shorter[k] as usize;
        }
        k
    }

    /// Bytes key `k` shares with key `k - 1`.
    fn shared_with_previous(&self, k: usize) -> usize {
        self.shared.get(k).map_or(0, |&s| usize::from(s))
    }

    /// Calls `hit(key, distance)` for every key with a prefix at most `max` edits from `query`. Bytes are
    /// compared: keys and queries are folded text, ASCII but for rare letters.
    pub fn within(&self, query: &[u8], max: u8, mut hit: impl FnMut(usize, Distance)) {
        let keys = &self.keys;
        let width = query.len() + 1;
        let max = max.min(u8::MAX - 2);
        // rows[j * width + k]: edits between query[..k] and the current key's first j bytes, or
        // `max + 1` for any number beyond `max`.
        let mut rows: Vec<u8> = (0..width).map(|k| clamp(k).min(max + 1)).collect();
        // best[j]: the smallest rows[i * width + query.len()] for i ≤ j, the best prefix distance so far.
        let mut best: Vec<u8> = vec![rows[query.len()]];
        // How many of the current key's first rows are in `rows`, from the keys before it.
        let mut valid = 0;
        let mut i = 0;
        'keys: while i < keys.len() {
            let key = keys[i].as_bytes();
            let needed = (key.len() + 1) * width;
            if rows.len() < needed {
                rows.resize(needed, 0);
                best.resize(key.len() + 1, 0);
            }
            for j in valid + 1..=key.len() {
                let row_min = next_row(&mut rows, width, query, key, j, max);
                best[j] = best[j - 1].min(rows[j * width + query.len()]);
                if row_min > max {
                    // No key starting with key[..j] can come back within `max`: the distance of each
                    // is what its shorter prefixes reached.
                    let end = self.end_of_run(i, j);
                    if best[j - 1] <= max {
                        let distance = Distance {
                            prefix: best[j - 1],
                            whole: None,
                        };
                        for k in i..end {
                            hit(k, distance);
                        }
                    }
                    // Every key skipped shares at least j bytes with key i, and the next fewer.
                    valid = self.shared_with_previous(end);
                    i = end;
                    continue 'keys;
                }
            }
            if best[key.len()] <= max {
                let whole = rows[key.len() * width + query.len()];
                let distance = Distance {
                    prefix: best[key.len()],
                    whole: (whole <= max).then_some(whole),
                };
                hit(i, distance);
            }
            valid = self.shared_with_previous(i + 1);
            i += 1;
        }
    }
}

/// Fills row `j` (the key's first `j` bytes) from rows `j - 1` and `j - 2`; returns its smallest value.
/// Only the band of cells within `max` of the diagonal can be `max` or less (a cell is at least the
/// difference of its lengths): the others are left at `max + 1`, so a row costs `2 max + 1` cells, not
/// the query's length.
fn next_row(rows: &mut [u8], width: usize, query: &[u8], key: &[u8], j: usize, max: u8) -> u8 {
    let beyond = max + 1;
    let band = usize::from(max);
    let m = width - 1;
    let c = key[j - 1];
    let (before, current) = rows.split_at_mut(j * width);
    let above = &before[(j - 1) * width..];
    let current = &mut current[..width];
    let (lo, hi) = (j.saturating_sub(band), (j + band).min(m));
    let mut row_min = beyond;
    if lo == 0 {
        current[0] = clamp(j).min(beyond);
        row_min = current[0];
    } else {
        current[lo - 1] = beyond;
    }
    for k in lo.max(1)..=hi {
        let substitution = above[k - 1] + u8::from(query[k - 1] != c);
        let mut v = substitution.min(above[k] + 1).min(current[k - 1] + 1);
        if j >= 2 && k >= 2 && query[k - 1] == key[j - 2] && query[k - 2] == c {
            v = v.min(before[(j - 2) * width + k - 2] + 1);
        }
        let v = v.min(beyond);
        current[k] = v;
        row_min = row_min.min(v);
    }
    if hi < m {
        // Read by the next row, and as the whole query's distance.
        current[hi + 1] = beyond;
        current[m] = beyond;
    }
    row_min
}

fn clamp(n: usize) -> u8 {
    n.min(usize::from(u8::MAX - 1)) as u8
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::{Distance, SortedKeys};

    /// The reference: the same distance, computed naively for every prefix of every key.
    fn osa(a: &[u8], b: &[u8]) -> usize {
        let (n, m) = (a.len(), b.len());
        let mut d = vec![vec![0usize; m + 1]; n + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=n {
            for j in 1..=m {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[n][m]
    }

    fn naive(keys: &[Box<str>], query: &str, max: u8) -> Vec<(usize, Distance)> {
        keys.iter()
            .enumerate()
            .filter_map(|(i, k)| {
                let prefix = (0..=k.len())
                    .map(|j| osa(query.as_bytes(), &k.as_bytes()[..j]))
                    .min()
                    .unwrap();
                let whole = osa(query.as_bytes(), k.as_bytes());
                let distance = Distance {
                    prefix: prefix as u8,
                    whole: (whole <= usize::from(max)).then_some(whole as u8),
                };
                (prefix <= usize::from(max)).then_some((i, distance))
            })
            .collect()
    }

    #[test]
    fn the_walk_finds_what_the_naive_distance_finds() {
        let mut keys: Vec<Box<str>> = [
            "marseille",
            "marseillan",
            "marsillargues",
            "mars",
            "saintetienne",
            "saintetiennedurouvray",
            "sainteferreol",
            "saintdenis",
            "vire",
            "virenormandie",
            "vierzon",
            "pau",
            "paris",
            "a",
            "",
            "montpellier",
            "montplaisir",
            "cherbourgocteville",
            "cherbourgencotentin",
        ]
        .iter()
        .map(|k| Box::from(*k))
        .collect();
        keys.sort();
        let sorted = SortedKeys::new(keys.clone());
        for query in [
            "marseile",
            "montplelier",
            "saintetiene",
            "virre",
            "pau",
            "pqu",
            "xyz",
            "chrebourg",
            "",
        ] {
            for max in 0..=3 {
                let mut found = Vec::new();
                sorted.within(query.as_bytes(), max, |k, d| found.push((k, d)));
                assert_eq!(found, naive(&keys, query, max), "{query} within {max}");
            }
        }
    }

    #[test]
    fn a_swap_of_adjacent_letters_is_one_edit() {
        let keys = SortedKeys::new(vec![Box::from("montpellier")]);
        let mut found = Vec::new();
        keys.within(b"montpelleir", 1, |k, d| found.push((k, d.whole)));
        assert_eq!(found, [(0, Some(1))]);
    }
}
