//! GIS files of a layer: FlatGeobuf and GeoPackage, the formats QGIS and GDAL open directly.
//!
//! Plain library code, so that the HTTP server and the command line write the same bytes. A
//! [`LayerExport`] says which features go in the file and with which geometry (the source one, or a
//! map generalisation); [`crate::columns`] turns their attributes into typed columns; [`crate::fgb`] and [`crate::gpkg`]
//! write the files.

use std::borrow::Cow;

use geo::MultiPolygon;
use geozero::{GeomProcessor, GeozeroGeometry};

use territoires_core::dataset::{FeatureIx, Layer};
use territoires_geo::{BoundingBox, Crs, CrsRef, NotProjectable, Reproject};

/// EPSG code of WGS 84 longitude/latitude, the dataset's own system.
pub const WGS84: i32 = 4326;

/// The file formats a layer is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GisFormat {
    /// Streamable, with a packed Hilbert R-tree: the fast one to read.
    FlatGeobuf,
    /// An SQLite database: what QGIS users keep and edit.
    GeoPackage,
}

impl GisFormat {
    pub const ALL: [GisFormat; 2] = [GisFormat::FlatGeobuf, GisFormat::GeoPackage];

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            GisFormat::FlatGeobuf => "fgb",
            GisFormat::GeoPackage => "gpkg",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            GisFormat::FlatGeobuf => "application/flatgeobuf",
            GisFormat::GeoPackage => "application/geopackage+sqlite3",
        }
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == extension)
    }

    /// The whole file in memory.
    pub fn encode(self, export: &LayerExport) -> Result<Vec<u8>, ExportError> {
        match self {
            GisFormat::FlatGeobuf => {
                let mut out = Vec::new();
                crate::fgb::write_flatgeobuf(export, &mut out)?;
                Ok(out)
            }
            GisFormat::GeoPackage => crate::gpkg::geopackage_bytes(export),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("FlatGeobuf: {0}")]
    FlatGeobuf(String),
    #[error("GeoPackage: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Projection(#[from] NotProjectable),
}

/// One layer's features as a file will hold them.
pub struct LayerExport<'a> {
    pub layer: &'a Layer,
    /// `(feature index in the layer, geometry to write)`, in layer order: borrowed from a
    /// generalisation, or made from the layer's flat geometry.
    pub rows: Vec<(usize, Cow<'a, MultiPolygon<f64>>)>,
    /// When the data last changed (RFC 3339), for the GeoPackage's `last_change`: taken from the
    /// dataset rather than the clock, so that the same data always gives the same bytes and ETag.
    pub last_change: String,
    /// The system of `rows`' coordinates, x (or longitude) first: WGS84 until [`LayerExport::reprojected`].
    pub crs: Crs,
    /// The property columns to write (`id` always comes); all of them without.
    pub properties: Option<Vec<String>>,
}

impl<'a> LayerExport<'a> {
    /// Every feature with its source geometry.
    pub fn full_resolution(layer: &'a Layer, last_change: impl Into<String>) -> Self {
        Self::full_resolution_of(layer, FeatureIx::all(layer.features.len()), last_change)
    }

    /// `features` (ascending) with their source geometry.
    pub fn full_resolution_of(
        layer: &'a Layer,
        features: impl Iterator<Item = FeatureIx>,
        last_change: impl Into<String>,
    ) -> Self {
        LayerExport {
            layer,
            rows: features
                .map(|f| (f.index(), layer.polygons(f)))
                .filter(|(_, g)| !g.0.is_empty())
                .map(|(i, g)| (i, Cow::Owned(g)))
                .collect(),
            last_change: last_change.into(),
            crs: Crs::WGS84,
            properties: None,
        }
    }

    /// Every feature with its geometry from `geometries` (one per feature, e.g. a map generalisation);
    /// features whose outline vanished there are left out, as on the map.
    pub fn with_geometries(
        layer: &'a Layer,
        geometries: &'a [MultiPolygon<f64>],
        last_change: impl Into<String>,
    ) -> Self {
        LayerExport {
            layer,
            rows: geometries
                .iter()
                .enumerate()
                .filter(|(_, g)| !g.0.is_empty())
                .map(|(i, g)| (i, Cow::Borrowed(g)))
                .collect(),
            last_change: last_change.into(),
            crs: Crs::WGS84,
            properties: None,
        }
    }

    /// Only the features whose bounding box meets `bbox` (WGS84, which may cross the antimeridian).
    pub fn within(mut self, bbox: BoundingBox) -> Self {
        debug_assert!(self.crs.is_wgs84(), "a bbox selects before reprojection");
        self.rows
            .retain(|(_, g)| envelope(g).is_some_and(|b| bbox.meets(b)));
        self
    }

    /// The rows of `features` (indexes in the layer), in that order: a filter's and a sort's
    /// choice. A feature without a row (no geometry) stays out.
    pub fn choose(mut self, features: &[usize]) -> Self {
        let mut row_of = vec![None; self.layer.features.len()];
        let mut rows: Vec<Option<(usize, Cow<'a, MultiPolygon<f64>>)>> =
            self.rows.drain(..).map(Some).collect();
        for (i, (f, _)) in rows.iter().flatten().enumerate() {
            row_of[*f] = Some(i);
        }
        self.rows = features
            .iter()
            .filter_map(|&f| row_of.get(f).copied().flatten())
            .filter_map(|i| rows[i].take())
            .collect();
        self
    }

    /// Writes only these property columns (and `id`).
    pub fn with_properties(mut self, properties: Option<Vec<String>>) -> Self {
        self.properties = properties;
        self
    }

    /// The columns the file has: the layer's, less those [`LayerExport::properties`] leaves out.
    pub fn columns(&self) -> Vec<crate::columns::Column> {
        let mut columns = crate::columns::columns(self.layer);
        if let Some(keep) = &self.properties {
            columns.retain(|c| c.name == "id" || keep.contains(&c.name));
        }
        columns
    }

    /// The rows written in `crs` (x first), every vertex projected; selections come before.
    pub fn reprojected(mut self, crs: Crs) -> Result<Self, NotProjectable> {
        if crs == self.crs {
            return Ok(self);
        }
        let to = CrsRef::traditional(crs);
        for (_, geometry) in &mut self.rows {
            *geometry = Cow::Owned(geometry.reproject(to)?);
        }
        self.crs = crs;
        Ok(self)
    }

    /// The catalogue's description with the source, vintage and licence, as the OGC API says it.
    pub fn description(&self) -> String {
        let l = self.layer;
        format!(
            "{} Source : {} ({}), {}.",
            l.description, l.source.name, l.source.vintage, l.source.licence
        )
    }

    /// `[min_x, min_y, max_x, max_y]` of every row in [`LayerExport::crs`], `None` when there is none.
    pub fn envelope(&self) -> Option<[f64; 4]> {
        territoires_geo::bbox::union(self.rows.iter().filter_map(|(_, g)| envelope(g)))
    }
}

/// `[min_x, min_y, max_x, max_y]` of a geometry's coordinates, `None` when it has none.
pub fn envelope(mp: &MultiPolygon<f64>) -> Option<[f64; 4]> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.0.iter())
        .fold(None, |acc, c| {
            let [x0, y0, x1, y1] = acc.unwrap_or([c.x, c.y, c.x, c.y]);
            Some([x0.min(c.x), y0.min(c.y), x1.max(c.x), y1.max(c.y)])
        })
}

/// A borrowed `MultiPolygon` fed to geozero's writers as it is: geozero only reads `geo::Geometry`,
/// and converting tens of thousands of communes to it first would copy every coordinate.
pub struct MultiPolygonSource<'a>(pub &'a MultiPolygon<f64>);

impl GeozeroGeometry for MultiPolygonSource<'_> {
    fn process_geom<P: GeomProcessor>(&self, processor: &mut P) -> geozero::error::Result<()> {
        let polygons = &self.0.0;
        processor.multipolygon_begin(polygons.len(), 0)?;
        for (p, polygon) in polygons.iter().enumerate() {
            processor.polygon_begin(false, polygon.interiors().len() + 1, p)?;
            for (r, ring) in std::iter::once(polygon.exterior())
                .chain(polygon.interiors())
                .enumerate()
            {
                processor.linestring_begin(false, ring.0.len(), r)?;
                for (i, c) in ring.0.iter().enumerate() {
                    processor.xy(c.x, c.y, i)?;
                }
                processor.linestring_end(false, r)?;
            }
            processor.polygon_end(false, p)?;
        }
        processor.multipolygon_end(0)
    }
}
