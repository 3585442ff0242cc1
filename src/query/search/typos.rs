//! Finding names a query matches despite typos, in one walk over a trie of the names.
//!
//! The distance is the optimal string alignment distance (restricted Damerau–Levenshtein): an insertion,
//! a deletion, a substitution or the swap of two adjacent letters each count as one edit, the most common
//! slips of typing. A name matches when some prefix of it is within the allowed edits of the whole query,
//! because people search while they type.
//!
//! The names share prefixes, so the trie computes each dynamic-programming row once for all the names
//! under it; only the cells near the diagonal are kept and computed; and a node whose row is already
//! beyond the allowance skips its whole subtree. The nodes are laid out in depth-first order, so the walk
//! only ever moves forward through one array: with a key per allocation, or the keys' offsets and
//! shared lengths in arrays of their own, it waited on memory three to four times as long.

/// How far a name is from the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Distance {
    /// Edits between the query and the closest prefix of the name (the name itself included).
    pub prefix: u8,
    /// Edits between the query and the whole name, if within the allowance.
    pub whole: Option<u8>,
}

/// A trie node: one byte of one or more names.
#[derive(Debug, Clone, Copy)]
struct Node {
    byte: u8,
    /// Whether a name ends here.
    terminal: bool,
    /// Its depth: how many bytes of the name it ends.
    depth: u16,
    /// The first node after its subtree.
    end: u32,
    /// The position of the first name in its subtree, in the sorted names.
    first_name: u32,
}

/// The sorted names as a trie, in depth-first order (node 0 is the root).
pub struct Trie {
    nodes: Vec<Node>,
    names: u32,
}

impl Trie {
    /// `names` must be sorted and distinct; a name is numbered by its position.
    pub fn new(names: &[String]) -> Self {
        let root = Node {
            byte: 0,
            terminal: false,
            depth: 0,
            end: 0,
            first_name: 0,
        };
        let mut nodes = vec![root];
        // Nodes whose subtree is still open, by depth (the root's first).
        let mut open: Vec<usize> = vec![0];
        let mut previous: &[u8] = &[];
        for (n, name) in names.iter().enumerate() {
            let name = &name.as_bytes()[..name.len().min(usize::from(u16::MAX))];
            let shared = previous.iter().zip(name).take_while(|(a, b)| a == b).count();
            while open.len() > shared + 1 {
                let closed = open.pop().unwrap_or_default();
                nodes[closed].end = nodes.len() as u32;
            }
            for (d, &byte) in name.iter().enumerate().skip(shared) {
                open.push(nodes.len());
                nodes.push(Node {
                    byte,
                    terminal: d + 1 == name.len(),
                    depth: (d + 1) as u16,
                    end: 0,
                    first_name: n as u32,
                });
            }
            if name.len() == shared
                && let Some(&last) = open.last()
            {
                // Only the empty name can end where the one before it went on.
                nodes[last].terminal = true;
            }
            previous = name;
        }
        for closed in open {
            nodes[closed].end = nodes.len() as u32;
        }
        Trie {
            nodes,
            names: names.len() as u32,
        }
    }

    /// The first name at or after node `i` in depth-first order.
    fn first_name_from(&self, i: usize) -> u32 {
        self.nodes.get(i).map_or(self.names, |n| n.first_name)
    }

    /// Calls `hit(name, distance)` for every name with a prefix at most `max` edits from `query`
    /// (`max` is at most [`MOST_EDITS`]). Bytes are compared: names and queries are folded text, ASCII
    /// but for rare letters.
    pub fn within(&self, query: &[u8], max: u8, mut hit: impl FnMut(usize, Distance)) {
        let max = max.min(MOST_EDITS);
        let m = query.len();
        // rows[j]: the band of row j, edits between the current node's first j bytes and the query's
        // first k bytes for k within `max` of j, or `max + 1` for any number beyond `max`.
        let mut rows: Vec<Band> = vec![first_row(m, max)];
        // best[j]: the best distance of the whole query to the path's first i bytes, for i ≤ j.
        let mut best: Vec<u8> = vec![whole_query(&rows[0], 0, m, max)];
        // path[j - 1]: the byte at depth j on the way to the current node.
        let mut path: Vec<u8> = Vec::new();
        if self.nodes[0].terminal && best[0] <= max {
            hit(
                0,
                Distance {
                    prefix: best[0],
                    whole: Some(best[0]),
                },
            );
        }
        let mut i = 1;
        while i < self.nodes.len() {
            let node = self.nodes[i];
            let j = usize::from(node.depth);
            if rows.len() <= j {
                rows.resize(j + 1, [0; BAND]);
                best.resize(j + 1, 0);
                path.resize(j, 0);
            }
            path[j - 1] = node.byte;
            let row_min = next_row(&mut rows, query, &path, j, max);
            let whole = whole_query(&rows[j], j, m, max);
            best[j] = best[j - 1].min(whole);
            if row_min > max {
                // No name under this node can come back within `max`: the distance of each is what
                // the shorter prefixes reached.
                if best[j - 1] <= max {
                    let distance = Distance {
                        prefix: best[j - 1],
                        whole: None,
                    };
                    for n in node.first_name..self.first_name_from(node.end as usize) {
                        hit(n as usize, distance);
                    }
                }
                i = node.end as usize;
                continue;
            }
            if node.terminal && best[j] <= max {
                let distance = Distance {
                    prefix: best[j],
                    whole: (whole <= max).then_some(whole),
                };
                hit(node.first_name as usize, distance);
            }
            i += 1;
        }
    }
}

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

/// Fills row `j` (the key's first `j` bytes) from rows `j - 1` and `j - 2`; returns its smallest value.
fn next_row(rows: &mut [Band], query: &[u8], key: &[u8], j: usize, max: u8) -> u8 {
    let beyond = max + 1;
    let band = usize::from(max);
    let c = key[j - 1];
    let previous = j.checked_sub(2).map(|p| (rows[p], key[p]));
    let above = rows[j - 1];
    let mut current = [beyond; BAND];
    let mut row_min = beyond;
    for b in 0..=2 * band {
        // Cell (j, k) reads (j - 1, k - 1) at b, (j - 1, k) at b + 1, (j, k - 1) at b - 1, and for a
        // swap (j - 2, k - 2) at b.
        let Some(k) = (j + b).checked_sub(band).filter(|&k| k <= query.len()) else {
            continue;
        };
        let v = if k == 0 {
            clamp(j).min(beyond)
        } else {
            let substitution = above[b] + u8::from(query[k - 1] != c);
            let deletion = if b < 2 * band { above[b + 1] + 1 } else { beyond };
            let insertion = if b > 0 { current[b - 1] + 1 } else { beyond };
            let mut v = substitution.min(deletion).min(insertion);
            if let Some((two_above, before_c)) = previous
                && k >= 2
                && query[k - 1] == before_c
                && query[k - 2] == c
            {
                v = v.min(two_above[b] + 1);
            }
            v.min(beyond)
        };
        current[b] = v;
        row_min = row_min.min(v);
    }
    rows[j] = current;
    row_min
}

fn clamp(n: usize) -> u8 {
    n.min(usize::from(u8::MAX - 1)) as u8
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
        let mut rng = crate::sample::SplitMix64::new(7);
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
