//! Reproducible sample points for benchmarks and property tests.
//!
//! SplitMix64 is used rather than a crate's generator because the shapely peer benchmark
//! (`bench/locate_shapely.py`) re-implements it in a few lines of Python and so draws the very same
//! points.

/// Metropolitan France's bounding box used by the benchmarks: lon −5.2…9.6, lat 41.3…51.1.
pub const METROPOLE_BOX: [f64; 4] = [-5.2, 41.3, 9.6, 51.1];

/// SplitMix64 (Steele, Lea, Flood 2014).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// `n` points `(lon, lat)` uniform in `bbox`, longitude drawn first.
pub fn uniform_points(n: usize, seed: u64, bbox: [f64; 4]) -> Vec<(f64, f64)> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|_| {
            let lon = bbox[0] + rng.next_f64() * (bbox[2] - bbox[0]);
            let lat = bbox[1] + rng.next_f64() * (bbox[3] - bbox[1]);
            (lon, lat)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_sequence() {
        // First outputs of SplitMix64 seeded with 0, as published with the algorithm.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }
}
