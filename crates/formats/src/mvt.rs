//! Mapbox vector tiles of a layer, the one renderer of the server's `/tiles` and of the PMTiles
//! archive: the same generalised, topology-preserving geometry as the GeoJSON layers, in Web
//! Mercator, clipped to the tile with a small buffer so that borders do not show at tile edges.
//!
//! Each tile holds two MVT layers: `{layer}`, the polygons with their `id`, `name` and (for a
//! layer coloured by class) the legend property; and `{layer}_labels`, the point where the map
//! writes each name, so that a client draws names without computing them.

use std::f64::consts::PI;

use geo::orient::{Direction, Orient};
use geo::{Area, BooleanOps, Coord, LineString, MapCoords, MultiPolygon, Polygon};
use geozero::GeozeroGeometry;
use geozero::mvt::{Message, MvtWriter, TagsBuilder, TileValue, tile};

use territoires_core::Indexed;
use territoires_core::dataset::{Dataset, LayerIx};

/// Tile coordinates per side of a tile.
pub const EXTENT: u32 = 4096;
/// Buffer around a tile, as a fraction of its width.
const BUFFER: f64 = 64.0 / 4096.0;
const EARTH_RADIUS: f64 = 6_378_137.0;
const MAX_LATITUDE: f64 = 85.051_128_78;

/// The name of a layer's MVT layer of label points.
pub fn labels_layer(layer_id: &str) -> String {
    format!("{layer_id}_labels")
}

/// The layers a tile of every layer holds at zoom `z`: those the map draws there (from their
/// `min_zoom` on; the communes only close up), in the dataset's order.
pub fn layers_at(data: &Dataset, z: u8) -> impl Iterator<Item = LayerIx> + '_ {
    LayerIx::all(data.layers.len()).filter(move |&l| data.layers[l].style.min_zoom.is_none_or(|m| m <= z))
}

fn mercator(c: Coord<f64>) -> Coord<f64> {
    let lat = c.y.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    Coord {
        x: EARTH_RADIUS * c.x.to_radians(),
        y: EARTH_RADIUS * (PI / 4.0 + lat / 2.0).tan().ln(),
    }
}

/// Tile bounds: `[west, south, east, north]` in Mercator metres and in degrees.
pub fn tile_bounds(z: u8, x: u32, y: u32) -> ([f64; 4], [f64; 4]) {
    let n = f64::from(1u32 << z);
    let size = 2.0 * PI * EARTH_RADIUS / n;
    let west = -PI * EARTH_RADIUS + f64::from(x) * size;
    let north = PI * EARTH_RADIUS - f64::from(y) * size;
    let lon = |x: f64| x / n * 360.0 - 180.0;
    let lat = |y: f64| (PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
    (
        [west, north - size, west + size, north],
        [
            lon(f64::from(x)),
            lat(f64::from(y) + 1.0),
            lon(f64::from(x) + 1.0),
            lat(f64::from(y)),
        ],
    )
}

/// The tiles of zoom `z` that meet `[west, south, east, north]` (degrees): `(x, y)` ranges.
pub fn tiles_covering(
    z: u8,
    [w, s, e, n]: [f64; 4],
) -> (std::ops::RangeInclusive<u32>, std::ops::RangeInclusive<u32>) {
    let count = 1u32 << z;
    let column = |lon: f64| {
        (((lon + 180.0) / 360.0 * f64::from(count)).floor() as i64).clamp(0, i64::from(count) - 1) as u32
    };
    let row = |lat: f64| {
        let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
        let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * f64::from(count);
        (y.floor() as i64).clamp(0, i64::from(count) - 1) as u32
    };
    (column(w)..=column(e), row(n)..=row(s))
}

fn rect_polygon(b: [f64; 4]) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![
            (b[0], b[1]),
            (b[2], b[1]),
            (b[2], b[3]),
            (b[0], b[3]),
            (b[0], b[1]),
        ]),
        vec![],
    )
}

/// One geometry (Mercator metres) as an MVT feature of the tile whose bounds are `metres`.
fn mvt_feature(geometry: geo::Geometry<f64>, metres: [f64; 4]) -> geozero::error::Result<tile::Feature> {
    let mut writer = MvtWriter::new(EXTENT, metres[0], metres[1], metres[2], metres[3])?;
    geometry.process_geom(&mut writer)?;
    Ok(writer.geometry().clone())
}

/// Why a tile could not be written (the MVT encoder refused a geometry).
#[derive(Debug, Clone, thiserror::Error)]
#[error("tile {z}/{x}/{y} of {layer}: {message}")]
pub struct TileError {
    pub layer: String,
    pub z: u8,
    pub x: u32,
    pub y: u32,
    pub message: String,
}

/// The encoded tile `z/x/y` of `layer`: its polygons and its label points (either MVT layer left
/// out when it has no feature there; an empty tile is zero bytes).
pub fn layer_tile(ix: &Indexed, layer: LayerIx, z: u8, x: u32, y: u32) -> Result<Vec<u8>, TileError> {
    let l = &ix.dataset.layers[layer];
    let fail = |e: &dyn std::fmt::Display| TileError {
        layer: l.id.clone(),
        z,
        x,
        y,
        message: e.to_string(),
    };
    let (metres, degrees) = tile_bounds(z, x, y);
    let pad = (degrees[2] - degrees[0]) * BUFFER;
    let search = [
        degrees[0] - pad,
        degrees[1] - pad,
        degrees[2] + pad,
        degrees[3] + pad,
    ];
    let pad_m = (metres[2] - metres[0]) * BUFFER;
    let clip = rect_polygon([
        metres[0] - pad_m,
        metres[1] - pad_m,
        metres[2] + pad_m,
        metres[3] + pad_m,
    ]);
    let legend = l.legend.as_ref().map(|legend| legend.property.as_str());

    let generalised = ix.generalised(layer, z);
    let mut tags = TagsBuilder::new();
    let mut label_tags = TagsBuilder::new();
    let mut features = Vec::new();
    let mut labels = Vec::new();
    for (f, geometry) in generalised.features.iter().enumerate() {
        let inside = generalised.boxes[f].is_some_and(|b| {
            b[0] <= search[2] && b[2] >= search[0] && b[1] <= search[3] && b[3] >= search[1]
        });
        if !inside {
            continue;
        }
        let projected: MultiPolygon<f64> = geometry.map_coords(mercator);
        // Exteriors clockwise with y up (geozero's writer keeps the ring order and measures y from
        // the tile's top), the positive area MVT 2.1 (4.3.4.4) asks of an exterior ring. The
        // clipping's rings come in either direction, and a strict reader (QGIS) takes a reversed
        // exterior for a hole and drops the feature (`tests/integration/tiles_style.rs` checks it).
        let mut clipped = projected.intersection(&clip).orient(Direction::Reversed);
        // Slivers under a square unit of the tile grid flatten to rings of no area, which MVT
        // forbids: left out, as the map could not show them anyway.
        let unit = (metres[2] - metres[0]) / f64::from(EXTENT);
        clipped.0.retain(|p| p.unsigned_area() >= unit * unit);
        if clipped.0.is_empty() {
            continue;
        }
        let mut feature = mvt_feature(geo::Geometry::MultiPolygon(clipped), metres).map_err(|e| fail(&e))?;
        if feature.geometry.is_empty() {
            continue;
        }
        feature.id = Some(f as u64);
        let data = &l.features[f];
        let mut values = vec![
            ("id", TileValue::Str(data.id.to_string())),
            ("name", TileValue::Str(data.name.to_string())),
        ];
        if let Some(property) = legend
            && let Some(value) = data.property(property)
        {
            values.push((property, TileValue::Str(value.to_string())));
        }
        for (key, value) in values.iter().cloned() {
            let (k, v) = tags.insert_ref(key, value);
            feature.tags.extend([k, v]);
        }
        features.push(feature);

        // The label goes in the one tile that holds its point, so that it is drawn once.
        if let Some([lon, lat]) = data.label
            && (degrees[0]..degrees[2]).contains(&lon)
            && (degrees[1]..degrees[3]).contains(&lat)
        {
            let point = geo::Geometry::Point(geo::Point(mercator(Coord { x: lon, y: lat })));
            let mut label = mvt_feature(point, metres).map_err(|e| fail(&e))?;
            label.id = Some(f as u64);
            for (key, value) in values {
                let (k, v) = label_tags.insert_ref(key, value);
                label.tags.extend([k, v]);
            }
            labels.push(label);
        }
    }
    let mut layers = Vec::new();
    for (name, features, tags) in [
        (l.id.clone(), features, tags),
        (labels_layer(&l.id), labels, label_tags),
    ] {
        if features.is_empty() {
            continue;
        }
        let (keys, values) = tags.into_tags();
        layers.push(tile::Layer {
            version: 2,
            name,
            features,
            keys,
            values: values.into_iter().map(Into::into).collect(),
            extent: Some(EXTENT),
        });
    }
    Ok(geozero::mvt::Tile { layers }.encode_to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tiles_covering_a_box_hold_its_corners() {
        let france = [-5.2, 41.3, 9.6, 51.1];
        for z in [0u8, 5, 10] {
            let (xs, ys) = tiles_covering(z, france);
            let (_, first) = tile_bounds(z, *xs.start(), *ys.start());
            let (_, last) = tile_bounds(z, *xs.end(), *ys.end());
            assert!(first[0] <= france[0] && first[3] >= france[3], "z{z}: {first:?}");
            assert!(last[2] >= france[2] && last[1] <= france[1], "z{z}: {last:?}");
        }
        assert_eq!(tiles_covering(0, france), (0..=0, 0..=0));
    }
}
