//! Finding names a query matches despite typos, in one walk over a trie of the names.
//!
//! The distance is the optimal string alignment distance (restricted Damerau–Levenshtein): an insertion,
//! a deletion, a substitution or the swap of two adjacent letters each count as one edit, the most common
//! slips of typing. A name matches when some prefix of it is within the allowed edits of the whole query,
//! because people search while they type.
//!
//! The names share prefixes, so the trie computes each dynamic-programming row once for all the names
//! under it; only the cells near the diagonal are kept and computed; and a node whose row is already
//! beyond the allowance drops its whole subtree. With two edits allowed, nearly every node of the first
//! three levels is within reach, thousands of them: the nodes are laid out level by level and the walk
//! goes level by level too, so it reads them in order rather than one cache miss each (in depth-first
//! order the walk took twice as long).

/// How far a name is from the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Distance {
    /// Edits between the query and the closest prefix of the name (the name itself included).
    pub prefix: u8,
    /// Edits between the query and the whole name, if within the allowance.
    pub whole: Option<u8>,
}

/// A trie node: one byte of one or more names. What every visit reads, in 8 bytes.
#[derive(Debug, Clone, Copy)]
struct Node {
    byte: u8,
    /// Whether a name ends here: then it is the first of its names.
    terminal: bool,
    /// Its children are `nodes[first_child..]` up to the next node's first child.
    first_child: u32,
}

/// The sorted names as a trie, level by level (node 0 is the root); a node's children are contiguous.
pub struct Trie {
    nodes: Vec<Node>,
    /// The names under node `i` are `names[i]`, a range of the sorted names.
    names: Vec<(u32, u32)>,
}

/// A node within reach, as the walk goes down a level.
#[derive(Clone, Copy)]
struct Reached {
    node: u32,
    byte: u8,
    row: Band,
    /// Its parent's row, for a swap of two letters.
    above: Band,
    /// The best distance of the whole query to a prefix of its path.
    best: u8,
}

impl Trie {
    /// `names` must be sorted and distinct; a name is numbered by its position.
    pub fn new(names: &[String]) -> Self {
        let mut nodes = vec![Node {
            byte: 0,
            terminal: names.first().is_some_and(String::is_empty),
            first_child: 1,
        }];
        let mut under = vec![(0, names.len() as u32)];
        // Level by level: each node's names, grouped by their byte at its depth, make its children.
        let mut level: Vec<usize> = vec![0];
        let mut depth = 0;
        while !level.is_empty() {
            let mut next = Vec::new();
            for &parent in &level {
                nodes[parent].first_child = nodes.len() as u32;
                let (from, to) = (under[parent].0 as usize, under[parent].1 as usize);
                // The name that ends at the parent, if any, sorts first.
                let mut n = from + usize::from(nodes[parent].terminal);
                while n < to {
                    let byte = names[n].as_bytes()[depth];
                    let end = n + names[n..to].partition_point(|m| m.as_bytes()[depth] == byte);
                    next.push(nodes.len());
                    nodes.push(Node {
                        byte,
                        terminal: names[n].len() == depth + 1,
                        first_child: 0,
                    });
                    under.push((n as u32, end as u32));
                    n = end;
                }
            }
            level = next;
            depth += 1;
        }
        Trie { nodes, names: under }
    }

    fn children(&self, i: usize) -> std::ops::Range<usize> {
        let end = self
            .nodes
            .get(i + 1)
            .map_or(self.nodes.len(), |n| n.first_child as usize);
        self.nodes[i].first_child as usize..end.max(self.nodes[i].first_child as usize)
    }

    /// Calls `hit(name, distance)` for every name with a prefix at most `max` edits from `query`
    /// (`max` is at most [`MOST_EDITS`]). Bytes are compared: names and queries are folded text, ASCII
    /// but for rare letters.
    pub fn within(&self, query: &[u8], max: u8, hit: impl FnMut(usize, Distance)) {
        // A constant allowance lets the compiler unroll each row's cells.
        match max {
            0 => self.walk::<0>(query, hit),
            1 => self.walk::<1>(query, hit),
            2 => self.walk::<2>(query, hit),
            _ => self.walk::<{ MOST_EDITS as usize }>(query, hit),
        }
    }

    fn walk<const MAX: usize>(&self, query: &[u8], mut hit: impl FnMut(usize, Distance)) {
        let max = MAX as u8;
        let m = query.len();
        // The query between bytes no name holds, so that a row reads its band with no bounds to mind.
        let mut padded = vec![NOT_TEXT; MAX + 1];
        padded.extend_from_slice(query);
        padded.resize(padded.len() + 2 * MAX + 2, NOT_TEXT);
        let Some(root) = self.nodes.first() else {
            return;
        };
        let row = first_row(m, max);
        let best = whole_query(&row, 0, m, max);
        if root.terminal && best <= max {
            let distance = Distance {
                prefix: best,
                whole: Some(best),
            };
            hit(0, distance);
        }
        let mut level = vec![Reached {
            node: 0,
            byte: 0,
            row,
            above: [max + 1; BAND],
            best,
        }];
        let mut next = Vec::new();
        let mut j = 0;
        while !level.is_empty() {
            j += 1;
            for parent in &level {
                let two_above = (j >= 2).then_some((&parent.above, parent.byte));
                for c in self.children(parent.node as usize) {
                    let node = &self.nodes[c];
                    let (row, row_min) = next_row::<MAX>(&parent.row, two_above, node.byte, &padded, m, j);
                    let whole = whole_query(&row, j, m, max);
                    if row_min > max {
                        // No name under this node can come back within `max`: the distance of each is
                        // what the shorter prefixes reached.
                        if parent.best <= max {
                            let distance = Distance {
                                prefix: parent.best,
                                whole: None,
                            };
                            let (from, to) = self.names[c];
                            for n in from..to {
                                hit(n as usize, distance);
                            }
                        }
                        continue;
                    }
                    let best = parent.best.min(whole);
                    if node.terminal && best <= max {
                        let distance = Distance {
                            prefix: best,
                            whole: (whole <= max).then_some(whole),
                        };
                        hit(self.names[c].0 as usize, distance);
                    }
                    next.push(Reached {
                        node: c as u32,
                        byte: node.byte,
                        row,
                        above: parent.row,
                        best,
                    });
                }
            }
            std::mem::swap(&mut level, &mut next);
            next.clear();
        }
    }
}

/// A byte that UTF-8 text never holds.
const NOT_TEXT: u8 = 0xFF;

/// Most edits [`Trie::within`] looks for: the band of a row must fit [`BAND`] cells.
pub const MOST_EDITS: u8 = 3;

/// Cells of a row within `max` of the diagonal: cell `b` of row `j` is the query's first `j + b - max`
/// bytes. Only those can be `max` or less (a cell is at least the difference of its lengths), so a row
/// costs `2 max + 1` cells whatever the query's length, with no bounds to check.
const BAND: usize = 2 * MOST_EDITS as usize + 1;
type Band = [u8; BAND];

/// Row 0: the query's first k bytes are k edits from nothing.
fn first_row(m: usize, max: u8) -> Band {
    let mut row = [max + 1; BAND];
    for (b, cell) in row.iter_mut().enumerate().take(2 * usize::from(max) + 1) {
        if let Some(k) = b.checked_sub(usize::from(max)).filter(|&k| k <= m) {
            *cell = k as u8;
        }
    }
    row
}

/// Row `j`'s distance to the whole query (`m` bytes), `max + 1` if beyond.
fn whole_query(row: &Band, j: usize, m: usize, max: u8) -> u8 {
    (m + usize::from(max))
        .checked_sub(j)
        .filter(|&b| b <= 2 * usize::from(max))
        .map_or(max + 1, |b| row[b])
}

/// Row `j` of a path whose byte `j` is `c`, from row `j - 1` and, for a swap, row `j - 2` with the byte
/// before `c`; and its smallest value.
fn next_row<const MAX: usize>(
    above: &Band,
    two_above: Option<(&Band, u8)>,
    c: u8,
    padded: &[u8],
    m: usize,
    j: usize,
) -> (Band, u8) {
    let beyond = MAX as u8 + 1;
    let mut current = [beyond; BAND];
    let mut row_min = beyond;
    // window[b + 1] is the query's byte k - 1 for cell b (k = j + b - MAX), window[b] its byte k - 2.
    let Some(window) = padded.get(j - 1..j + 2 * MAX + 1) else {
        return (current, beyond);
    };
    // Past the query's end a cell means nothing (before its start, the recurrence keeps it beyond).
    let last = (m + MAX) as isize - j as isize;
    let mut left = beyond;
    for b in 0..2 * MAX + 1 {
        // Cell (j, k) reads (j - 1, k - 1) at b, (j - 1, k) at b + 1, (j, k - 1) at b - 1, and for a
        // swap (j - 2, k - 2) at b.
        let q = window[b + 1];
        let substitution = above[b] + u8::from(q != c);
        let deletion = if b < 2 * MAX { above[b + 1] + 1 } else { beyond };
        let mut v = substitution.min(deletion).min(left + 1);
        if let Some((two_above, before_c)) = two_above
            && q == before_c
            && window[b] == c
        {
            v = v.min(two_above[b] + 1);
        }
        let v = if b as isize > last { beyond } else { v.min(beyond) };
        current[b] = v;
        left = v;
        row_min = row_min.min(v);
    }
    (current, row_min)
}

#[cfg(test)]
mod tests {
    use super::{Distance, Trie};

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

    fn naive(keys: &[String], query: &str, max: u8) -> Vec<(usize, Distance)> {
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
        let mut keys: Vec<String> = [
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
        .map(|k| k.to_string())
        .collect();
        keys.sort();
        let sorted = Trie::new(&keys);
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
                found.sort_by_key(|&(k, _)| k);
                assert_eq!(found, naive(&keys, query, max), "{query} within {max}");
            }
        }
    }

    #[test]
    fn the_walk_agrees_with_the_naive_distance_on_random_keys() {
        // A small alphabet, so that keys share long prefixes and queries come close to many.
        let mut rng = territoires_geo::sample::SplitMix64::new(7);
        let mut word = |longest: u64| -> String {
            let len = rng.next_u64() % (longest + 1);
            (0..len)
                .map(|_| (b'a' + (rng.next_u64() % 4) as u8) as char)
                .collect()
        };
        let mut keys: Vec<String> = (0..400).map(|_| word(9)).collect();
        keys.sort();
        keys.dedup();
        let sorted = Trie::new(&keys);
        for _ in 0..60 {
            let query = word(7);
            for max in 0..=3 {
                let mut found = Vec::new();
                sorted.within(query.as_bytes(), max, |k, d| found.push((k, d)));
                found.sort_by_key(|&(k, _)| k);
                assert_eq!(found, naive(&keys, &query, max), "{query} within {max}");
            }
        }
    }

    #[test]
    fn a_swap_of_adjacent_letters_is_one_edit() {
        let keys = Trie::new(&["montpellier".to_string()]);
        let mut found = Vec::new();
        keys.within(b"montpelleir", 1, |k, d| found.push((k, d.whole)));
        assert_eq!(found, [(0, Some(1))]);
    }
}
