//! GeoPackage 1.3: an SQLite file with the standard's metadata tables, one feature table named after
//! the layer, and its R-tree spatial index (QGIS and GDAL use it for every pan and zoom).
//!
//! SQLite writes to a file, so the bytes are made in a temporary file and read back.

use std::path::Path;

use geozero::GeozeroGeometry;
use geozero::wkb::{WkbDialect, WkbWriter};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params};

use super::columns::{Cell, Column, ColumnType};
use super::{ExportError, LayerExport, MultiPolygonSource, WGS84, envelope};

/// `PRAGMA application_id`: "GPKG" in ASCII.
pub const APPLICATION_ID: i32 = 0x4750_4B47;
/// `PRAGMA user_version` of GeoPackage 1.3.0. Not 1.4: GDAL before 3.8 (Debian 12's, under many
/// desktops' QGIS) warns that a 1.4 file "may only be partially supported", and 1.4 changes nothing
/// this file uses but the names of the spatial index's update triggers.
pub const USER_VERSION: i32 = 10300;
/// The geometry column of the feature table.
pub const GEOMETRY_COLUMN: &str = "geom";

/// EPSG:4326 as the GeoPackage standard's own example defines it.
const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// The tables every GeoPackage has (clause 1.1), and the extensions register the spatial index uses.
const METADATA_TABLES: &str = "
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE,
  min_y DOUBLE,
  max_x DOUBLE,
  max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
CREATE TABLE gpkg_extensions (
  table_name TEXT,
  column_name TEXT,
  extension_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
);
";

/// The spatial index's triggers (annex F.3 of GeoPackage 1.3), with `<t>`, `<c>` and `<i>` the table,
/// geometry column and key. They keep the index right when a user edits the file; the `ST_*`
/// functions they call are the reader's (GDAL registers them), so they are created after the load.
const RTREE_TRIGGERS: &str = r#"
CREATE TRIGGER "rtree_<t>_<c>_insert" AFTER INSERT ON "<t>"
  WHEN (new."<c>" NOT NULL AND NOT ST_IsEmpty(NEW."<c>"))
BEGIN
  INSERT OR REPLACE INTO "rtree_<t>_<c>" VALUES (
    NEW."<i>",
    ST_MinX(NEW."<c>"), ST_MaxX(NEW."<c>"),
    ST_MinY(NEW."<c>"), ST_MaxY(NEW."<c>")
  );
END;
CREATE TRIGGER "rtree_<t>_<c>_update1" AFTER UPDATE OF "<c>" ON "<t>"
  WHEN OLD."<i>" = NEW."<i>" AND
       (NEW."<c>" NOTNULL AND NOT ST_IsEmpty(NEW."<c>"))
BEGIN
  INSERT OR REPLACE INTO "rtree_<t>_<c>" VALUES (
    NEW."<i>",
    ST_MinX(NEW."<c>"), ST_MaxX(NEW."<c>"),
    ST_MinY(NEW."<c>"), ST_MaxY(NEW."<c>")
  );
END;
CREATE TRIGGER "rtree_<t>_<c>_update2" AFTER UPDATE OF "<c>" ON "<t>"
  WHEN OLD."<i>" = NEW."<i>" AND
       (NEW."<c>" ISNULL OR ST_IsEmpty(NEW."<c>"))
BEGIN
  DELETE FROM "rtree_<t>_<c>" WHERE id = OLD."<i>";
END;
CREATE TRIGGER "rtree_<t>_<c>_update3" AFTER UPDATE OF "<c>" ON "<t>"
  WHEN OLD."<i>" != NEW."<i>" AND
       (NEW."<c>" NOTNULL AND NOT ST_IsEmpty(NEW."<c>"))
BEGIN
  DELETE FROM "rtree_<t>_<c>" WHERE id = OLD."<i>";
  INSERT OR REPLACE INTO "rtree_<t>_<c>" VALUES (
    NEW."<i>",
    ST_MinX(NEW."<c>"), ST_MaxX(NEW."<c>"),
    ST_MinY(NEW."<c>"), ST_MaxY(NEW."<c>")
  );
END;
CREATE TRIGGER "rtree_<t>_<c>_update4" AFTER UPDATE ON "<t>"
  WHEN OLD."<i>" != NEW."<i>" AND
       (NEW."<c>" ISNULL OR ST_IsEmpty(NEW."<c>"))
BEGIN
  DELETE FROM "rtree_<t>_<c>" WHERE id IN (OLD."<i>", NEW."<i>");
END;
CREATE TRIGGER "rtree_<t>_<c>_delete" AFTER DELETE ON "<t>"
  WHEN old."<c>" NOT NULL
BEGIN
  DELETE FROM "rtree_<t>_<c>" WHERE id = OLD."<i>";
END;
"#;

/// The GeoPackage's bytes, made in a temporary file.
pub fn geopackage_bytes(export: &LayerExport) -> Result<Vec<u8>, ExportError> {
    let file = tempfile::Builder::new()
        .prefix("territoires-")
        .suffix(".gpkg")
        .tempfile()?;
    write_geopackage(export, file.path())?;
    Ok(std::fs::read(file.path())?)
}

/// The spatial reference systems every GeoPackage defines (clause 1.1.2): `(srs_name, srs_id,
/// organization, organization_coordsys_id, definition, description)`, in the order they are written.
const SPATIAL_REF_SYS: [(&str, i32, &str, i32, &str, &str); 3] = [
    (
        "Undefined cartesian SRS",
        -1,
        "NONE",
        -1,
        "undefined",
        "undefined cartesian coordinate reference system",
    ),
    (
        "Undefined geographic SRS",
        0,
        "NONE",
        0,
        "undefined",
        "undefined geographic coordinate reference system",
    ),
    (
        "WGS 84 geodetic",
        WGS84,
        "EPSG",
        WGS84,
        WGS84_WKT,
        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
    ),
];

/// Writes `export` as a GeoPackage at `path`, which must not exist or be empty.
pub fn write_geopackage(export: &LayerExport, path: &Path) -> Result<(), ExportError> {
    let table = export.layer.id.as_str();
    let columns = export.columns();
    let mut db = Connection::open(path)?;
    // A file written once and read back whole: no journal, no syncs.
    db.query_row("PRAGMA journal_mode = OFF", [], |_| Ok(()))?;
    db.execute_batch(&format!(
        "PRAGMA synchronous = OFF; PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {USER_VERSION};"
    ))?;
    let tx = db.transaction()?;
    write_metadata(&tx, export)?;
    create_feature_table(&tx, table, &columns)?;
    let rtree = quoted(&format!("rtree_{table}_{GEOMETRY_COLUMN}"));
    tx.execute_batch(&format!(
        "CREATE VIRTUAL TABLE {rtree} USING rtree(id, minx, maxx, miny, maxy)"
    ))?;
    insert_features(&tx, export, &columns, &rtree)?;
    register_spatial_index(&tx, table)?;
    tx.commit()?;
    db.close().map_err(|(_, e)| e)?;
    Ok(())
}

/// The metadata tables and their rows: the spatial reference systems, the layer's contents entry
/// (with its envelope) and its geometry column.
fn write_metadata(db: &Connection, export: &LayerExport) -> Result<(), ExportError> {
    let layer = export.layer;
    let table = layer.id.as_str();
    db.execute_batch(METADATA_TABLES)?;
    let srs_id = i32::from(export.crs.code());
    for (name, id, organization, organization_id, definition, description) in SPATIAL_REF_SYS {
        db.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![name, id, organization, organization_id, definition, description],
        )?;
    }
    if srs_id != WGS84 {
        // The file's own system, by EPSG code (what GDAL and QGIS identify it by) and definition.
        db.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2, ?3, ?4)",
            params![
                export.crs.name(),
                srs_id,
                export.crs.wkt(),
                export.crs.to_string()
            ],
        )?;
    }
    let [min_x, min_y, max_x, max_y] = export.envelope().map_or([None; 4], |e| e.map(Some));
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, \
         min_x, min_y, max_x, max_y, srs_id) VALUES (?1, 'features', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            table,
            layer.title,
            export.description(),
            gpkg_timestamp(&export.last_change),
            min_x,
            min_y,
            max_x,
            max_y,
            srs_id
        ],
    )?;
    db.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, ?2, 'MULTIPOLYGON', ?3, 0, 0)",
        params![table, GEOMETRY_COLUMN, srs_id],
    )?;
    Ok(())
}

/// The feature table: `fid`, the geometry, then one column per property column.
fn create_feature_table(db: &Connection, table: &str, columns: &[Column]) -> Result<(), ExportError> {
    let mut definition = format!(
        "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, {GEOMETRY_COLUMN} MULTIPOLYGON",
        quoted(table)
    );
    for column in columns {
        let kind = match column.kind {
            ColumnType::Integer => "INTEGER",
            ColumnType::Real => "REAL",
            ColumnType::Boolean => "BOOLEAN",
            ColumnType::Text => "TEXT",
        };
        let not_null = if column.name == "id" { " NOT NULL" } else { "" };
        definition.push_str(&format!(", {} {kind}{not_null}", quoted(&column.name)));
    }
    definition.push(')');
    db.execute_batch(&definition)?;
    Ok(())
}

/// One row per exported feature, and its envelope in the R-tree `rtree` (already quoted) unless its
/// geometry is empty.
fn insert_features(
    db: &Connection,
    export: &LayerExport,
    columns: &[Column],
    rtree: &str,
) -> Result<(), ExportError> {
    let table = export.layer.id.as_str();
    let placeholders = vec!["?"; columns.len() + 1].join(", ");
    let names: Vec<String> = columns.iter().map(|c| quoted(&c.name)).collect();
    let mut insert = db.prepare(&format!(
        "INSERT INTO {} ({GEOMETRY_COLUMN}, {}) VALUES ({placeholders})",
        quoted(table),
        names.join(", ")
    ))?;
    let mut index = db.prepare(&format!("INSERT INTO {rtree} VALUES (?1, ?2, ?3, ?4, ?5)"))?;
    let mut values: Vec<SqlValue> = Vec::with_capacity(columns.len() + 1);
    for (f, geometry) in &export.rows {
        let (f, geometry) = (*f, &**geometry);
        let feature = &export.layer.features[f];
        values.clear();
        values.push(
            match geopackage_geometry(geometry, i32::from(export.crs.code()))? {
                Some(blob) => SqlValue::Blob(blob),
                None => SqlValue::Null,
            },
        );
        values.extend(columns.iter().map(|c| match c.cell(feature) {
            Cell::Null => SqlValue::Null,
            Cell::Integer(v) => SqlValue::Integer(v),
            Cell::Real(v) => SqlValue::Real(v),
            Cell::Boolean(v) => SqlValue::Integer(i64::from(v)),
            Cell::Text(v) => SqlValue::Text(v.into_owned()),
        }));
        insert.execute(rusqlite::params_from_iter(values.drain(..)))?;
        if let Some([x0, y0, x1, y1]) = envelope(geometry) {
            index.execute(params![db.last_insert_rowid(), x0, x1, y0, y1])?;
        }
    }
    Ok(())
}

/// Registers the R-tree extension for the geometry column and the triggers that keep the index in
/// step with the table.
fn register_spatial_index(db: &Connection, table: &str) -> Result<(), ExportError> {
    db.execute(
        "INSERT INTO gpkg_extensions VALUES (?1, ?2, 'gpkg_rtree_index', \
         'http://www.geopackage.org/spec/#extension_rtree', 'write-only')",
        params![table, GEOMETRY_COLUMN],
    )?;
    db.execute_batch(
        &RTREE_TRIGGERS
            .replace("<t>", &table.replace('"', "\"\""))
            .replace("<c>", GEOMETRY_COLUMN)
            .replace("<i>", "fid"),
    )?;
    Ok(())
}

/// GeoPackage binary geometry (clause 2.1.3): the `GP` header with the SRS and the xy envelope,
/// then little-endian WKB; `None` for an empty geometry, stored as NULL.
pub fn geopackage_geometry(mp: &geo::MultiPolygon<f64>, srs_id: i32) -> Result<Option<Vec<u8>>, ExportError> {
    let Some([min_x, min_y, max_x, max_y]) = envelope(mp) else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(40 + 9 + 16 * mp.0.iter().map(|p| p.exterior().0.len()).sum::<usize>());
    out.extend_from_slice(b"GP");
    out.push(0); // version 1
    // Flags: bit 0 little-endian, bits 1–3 envelope type 1 ([minx, maxx, miny, maxy]), not empty,
    // standard (not extended) geometry.
    out.push(0b0000_0011);
    out.extend_from_slice(&srs_id.to_le_bytes());
    for v in [min_x, max_x, min_y, max_y] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    MultiPolygonSource(mp)
        .process_geom(&mut WkbWriter::new(&mut out, WkbDialect::Wkb))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(Some(out))
}

/// An SQL identifier in double quotes.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `YYYY-MM-DDTHH:MM:SS.SSSZ`, the form clause 1.1.3 asks for, from an RFC 3339 instant in UTC.
fn gpkg_timestamp(rfc3339: &str) -> String {
    match rfc3339.strip_suffix('Z') {
        Some(seconds) if seconds.len() == 19 => format!("{seconds}.000Z"),
        _ => rfc3339.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};

    #[test]
    fn geometry_header_follows_the_standard() {
        let square = MultiPolygon(vec![polygon![
            (x: 1.0, y: 40.0), (x: 3.0, y: 40.0), (x: 3.0, y: 42.0), (x: 1.0, y: 40.0)
        ]]);
        let blob = geopackage_geometry(&square, WGS84).unwrap().unwrap();
        assert_eq!(&blob[..4], b"GP\x00\x03");
        assert_eq!(i32::from_le_bytes(blob[4..8].try_into().unwrap()), 4326);
        let envelope: Vec<f64> = blob[8..40]
            .chunks(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(envelope, [1.0, 3.0, 40.0, 42.0]);
        // WKB: little-endian MultiPolygon (6) of one Polygon (3) of one ring of 4 points.
        assert_eq!(blob[40], 1);
        assert_eq!(u32::from_le_bytes(blob[41..45].try_into().unwrap()), 6);
        assert_eq!(u32::from_le_bytes(blob[45..49].try_into().unwrap()), 1);
        assert_eq!(blob[49], 1);
        assert_eq!(u32::from_le_bytes(blob[50..54].try_into().unwrap()), 3);
        assert_eq!(blob.len(), 40 + 9 + 9 + 4 + 4 * 16);
        assert_eq!(
            geopackage_geometry(&MultiPolygon(Vec::new()), WGS84).unwrap(),
            None
        );
    }

    #[test]
    fn timestamps_get_milliseconds() {
        assert_eq!(gpkg_timestamp("2026-01-02T03:04:05Z"), "2026-01-02T03:04:05.000Z");
    }
}
