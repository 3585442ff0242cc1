//! A `bbox` as OGC API – Features reads it (CRS84 degrees, west, south, east, north): a west edge
//! east of the east edge means the box crosses the antimeridian.

/// A box on the globe. `south <= north`; `west > east` when it crosses the antimeridian.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl BoundingBox {
    /// From `minlon,minlat,maxlon,maxlat`. The latitudes name a band whichever comes first: only the
    /// longitudes' order carries meaning (the antimeridian).
    pub fn new(west: f64, lat_a: f64, east: f64, lat_b: f64) -> Self {
        BoundingBox {
            west,
            south: lat_a.min(lat_b),
            east,
            north: lat_a.max(lat_b),
        }
    }

    pub fn crosses_antimeridian(&self) -> bool {
        self.west > self.east
    }

    /// `[min_lon, min_lat, max_lon, max_lat]` boxes covering it: two when it crosses the antimeridian.
    pub fn parts(&self) -> Vec<[f64; 4]> {
        if self.crosses_antimeridian() {
            vec![
                [self.west, self.south, 180.0, self.north],
                [-180.0, self.south, self.east, self.north],
            ]
        } else {
            vec![[self.west, self.south, self.east, self.north]]
        }
    }

    pub fn contains(&self, [lon, lat]: [f64; 2]) -> bool {
        let in_band = lat >= self.south && lat <= self.north;
        let in_span = if self.crosses_antimeridian() {
            lon >= self.west || lon <= self.east
        } else {
            lon >= self.west && lon <= self.east
        };
        in_band && in_span
    }

    /// Whether a `[min_lon, min_lat, max_lon, max_lat]` box touches this one.
    pub fn meets(&self, b: [f64; 4]) -> bool {
        self.parts()
            .iter()
            .any(|p| b[0] <= p[2] && b[2] >= p[0] && b[1] <= p[3] && b[3] >= p[1])
    }
}

/// `west,south,east,north`, as a `bbox` parameter takes it back: shortest decimals, never an
/// exponent, so that the links the server writes parse to the same box.
impl std::fmt::Display for BoundingBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{},{},{}", self.west, self.south, self.east, self.north)
    }
}

/// `[min_lon, min_lat, max_lon, max_lat]` of a geometry; `None` when it is empty.
pub fn bounds(mp: &geo::MultiPolygon<f64>) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    mp.bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// The smallest box `[min_x, min_y, max_x, max_y]` holding every one of `boxes`; `None` for none.
pub fn union(boxes: impl IntoIterator<Item = [f64; 4]>) -> Option<[f64; 4]> {
    boxes
        .into_iter()
        .reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A longitude, the antimeridian's two spellings included.
    fn longitude() -> impl Strategy<Value = f64> {
        prop_oneof![Just(-180.0), Just(180.0), Just(0.0), -180.0..=180.0]
    }

    fn latitude() -> impl Strategy<Value = f64> {
        prop_oneof![Just(-90.0), Just(90.0), -90.0..=90.0]
    }

    proptest! {
        /// A box and its parts hold the same points: the split at the antimeridian loses and adds
        /// no longitude, and each part is an ordinary box within −180…180.
        #[test]
        fn the_parts_cover_what_the_box_covers(
            west in longitude(), east in longitude(),
            lat_a in latitude(), lat_b in latitude(),
            lon in longitude(), lat in latitude(),
        ) {
            let b = BoundingBox::new(west, lat_a, east, lat_b);
            let parts = b.parts();
            prop_assert_eq!(parts.len(), if west > east { 2 } else { 1 });
            for [w, s, e, n] in &parts {
                prop_assert!(w <= e && s <= n && *w >= -180.0 && *e <= 180.0, "{:?}", parts);
            }
            let in_parts = parts
                .iter()
                .any(|[w, s, e, n]| (*w..=*e).contains(&lon) && (*s..=*n).contains(&lat));
            prop_assert_eq!(b.contains([lon, lat]), in_parts, "{:?} {:?}", b, [lon, lat]);
            // A point box meets the box exactly where the box contains the point.
            prop_assert_eq!(b.meets([lon, lat, lon, lat]), in_parts);
        }
    }

    #[test]
    fn latitudes_in_either_order_name_the_same_band() {
        assert_eq!(
            BoundingBox::new(2.0, 46.0, 3.0, 45.0),
            BoundingBox::new(2.0, 45.0, 3.0, 46.0)
        );
    }

    #[test]
    fn a_west_edge_east_of_the_east_edge_crosses_the_antimeridian() {
        let pacific = BoundingBox::new(170.0, -20.0, -170.0, 20.0);
        assert!(pacific.contains([175.0, 0.0]));
        assert!(pacific.contains([-175.0, 0.0]));
        assert!(!pacific.contains([0.0, 0.0]));
        assert!(pacific.meets([-179.0, -1.0, -178.0, 1.0]));
        assert!(!pacific.meets([2.0, 45.0, 3.0, 46.0]));
    }

    #[test]
    fn a_box_of_zero_width_still_meets_what_it_touches() {
        let line = BoundingBox::new(3.0, 45.0, 3.0, 46.0);
        assert!(line.meets([2.5, 45.5, 3.5, 45.6]));
        assert!(!line.meets([3.1, 45.5, 3.5, 45.6]));
    }
}
