//! Where to write a polygon's name.

use geo::{Area, BoundingRect, Coord, InteriorPoint, MultiPolygon, Simplify};

pub trait LabelPoint {
    /// A point well inside the shape to write its name at: the pole of inaccessibility (the inside
    /// point farthest from the outline) of its largest polygon, found to 4 % of that polygon's size on
    /// its outline simplified to a quarter of that.
    /// A centroid can fall outside a crescent or in a hole; this cannot. `None` for an empty shape.
    fn label_point(&self) -> Option<Coord<f64>>;
}

impl LabelPoint for MultiPolygon<f64> {
    fn label_point(&self) -> Option<Coord<f64>> {
        let largest = self
            .0
            .iter()
            .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
        let rect = largest.bounding_rect()?;
        let precision = (rect.width().max(rect.height()) / 25.0).max(1e-9);
        // Detail finer than the precision cannot move the answer, and polylabel's cost grows with
        // the vertex count: a région's outline drops from ~10,000 vertices to a few hundred.
        let outline = largest.simplify(precision / 4.0);
        polylabel::polylabel(&outline, &precision)
            .ok()
            .map(|p| p.0)
            .or_else(|| largest.interior_point().map(|p| p.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Point, polygon};

    #[test]
    fn a_crescent_is_labelled_inside_where_its_centroid_is_not() {
        // A C shape: its centroid lies in the notch.
        let c = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 2.0), (x: 2.0, y: 2.0),
            (x: 2.0, y: 8.0), (x: 10.0, y: 8.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0), (x: 0.0, y: 0.0)
        ]]);
        let p = c.label_point().unwrap();
        assert!(c.contains(&Point::from(p)), "{p:?}");
        assert!(MultiPolygon::<f64>(vec![]).label_point().is_none());
    }
}
