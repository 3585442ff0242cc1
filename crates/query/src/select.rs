//! Which features of a layer a request takes: those meeting a region (a CRS84 `bbox`, or a box
//! of another system followed edge by edge into WGS84) and a CQL2 [`Filter`], in layer order or
//! sorted.
//!
//! The OGC items, the downloads and the command line select through here, so that a box selects
//! the same features whichever way it is asked.

use geo::{BoundingRect, Intersects, MultiPolygon, Polygon, Rect, coord};

use crate::filter::{Filter, Queryables, SortKey, sort};
use territoires_core::dataset::{FeatureIx, Layer};
use territoires_geo::BoundingBox;

/// A region of the globe, in WGS84.
#[derive(Debug, Clone)]
pub enum Region {
    /// Longitudes and latitudes, which may cross the antimeridian.
    Bbox(BoundingBox),
    /// Any polygon: a box of a projected system seen in degrees.
    Polygon(Polygon<f64>),
}

impl Region {
    /// `[min_lon, min_lat, max_lon, max_lat]` rectangles that hold the region: the cheap test.
    fn envelopes(&self) -> Vec<[f64; 4]> {
        match self {
            Region::Bbox(b) => b.parts(),
            Region::Polygon(p) => p
                .bounding_rect()
                .map(|r| vec![[r.min().x, r.min().y, r.max().x, r.max().y]])
                .unwrap_or_default(),
        }
    }

    /// A test of features against the region, made once for a whole layer.
    pub fn tester(&self) -> RegionTest<'_> {
        let rects = match self {
            Region::Bbox(b) => b
                .parts()
                .into_iter()
                .map(|[x0, y0, x1, y1]| Rect::new(coord! {x: x0, y: y0}, coord! {x: x1, y: y1}))
                .collect(),
            Region::Polygon(_) => Vec::new(),
        };
        RegionTest {
            region: self,
            envelopes: self.envelopes(),
            rects,
        }
    }
}

/// [`Region::tester`]: the region's envelopes and rectangles, ready for many features.
pub struct RegionTest<'a> {
    region: &'a Region,
    envelopes: Vec<[f64; 4]>,
    rects: Vec<Rect<f64>>,
}

impl RegionTest<'_> {
    /// Whether a feature with bounding box `bounds` may meet the region: false rules it out.
    pub fn may_meet(&self, bounds: [f64; 4]) -> bool {
        self.envelopes
            .iter()
            .any(|e| e[0] <= bounds[2] && bounds[0] <= e[2] && e[1] <= bounds[3] && bounds[1] <= e[3])
    }

    /// Whether `polygons` meet the region (share at least a point).
    pub fn meets(&self, polygons: &MultiPolygon<f64>) -> bool {
        match self.region {
            Region::Bbox(_) => self.rects.iter().any(|r| polygons.intersects(r)),
            Region::Polygon(p) => polygons.intersects(p),
        }
    }
}

/// Features of `layer` that meet `region` (all of them without one), in layer order: the cheap
/// box test on `boxes` (one per feature, `None` for a feature without polygons) first, then the
/// geometry.
pub fn features_in(layer: &Layer, boxes: &[Option<[f64; 4]>], region: Option<&Region>) -> Vec<usize> {
    let Some(region) = region else {
        return (0..layer.features.len()).collect();
    };
    let test = region.tester();
    (0..layer.features.len())
        .filter(|&f| {
            boxes[f].is_some_and(|b| test.may_meet(b)) && test.meets(&layer.polygons(FeatureIx::at(f)))
        })
        .collect()
}

/// What an items request or a download asks of a layer's features.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub region: Option<Region>,
    pub filter: Option<Filter>,
    /// Empty: layer order.
    pub sortby: Vec<SortKey>,
}

/// The features of `layer` that `selection` takes, in its order. `boxes` are the features'
/// bounding boxes (`None` for a feature without polygons), `queryables` the layer's.
pub fn select(
    layer: &Layer,
    boxes: &[Option<[f64; 4]>],
    queryables: &Queryables,
    selection: &Selection,
) -> Vec<usize> {
    let mut features = features_in(layer, boxes, selection.region.as_ref());
    if let Some(filter) = &selection.filter {
        features
            .retain(|&f| filter.matches(&layer.features[f], boxes[f], || layer.polygons(FeatureIx::at(f))));
    }
    sort(layer, queryables, &selection.sortby, &mut features);
    features
}
