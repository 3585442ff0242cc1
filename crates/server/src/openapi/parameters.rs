//! The parameters routes share, each written once: the strict parser (`params.rs`) reads them by
//! these names, and the route table lists them.

use serde_json::json;

use super::components::{DraftMembers, TerritoryId};
use super::facts::Fact;
use super::operation::{Parameter, Schema};
use crate::params::BBOX_PATTERN;
use territoires_geo::crs::{Crs, CrsRef};
use territoires_geo::zoom::MAX_ZOOM;
use territoires_query::answer::LayerId;
use territoires_query::filter::FilterLang;
use territoires_query::locate::MAX_TOLERANCE_M;
use territoires_query::simulate::MAX_EPCI;

/// `{layer}` of a path.
pub fn layer_path() -> Parameter {
    Parameter::path("layer", "layer id", Schema::of::<LayerId>()).fact(Fact::Layer)
}

/// `{collectionId}` of the OGC paths: a layer id.
pub fn collection_id() -> Parameter {
    Parameter::path("collectionId", "layer id", Schema::of::<LayerId>()).fact(Fact::Layer)
}

/// A feature's id in a path (`{id}`, `{featureId}`).
pub fn feature_path(name: &'static str) -> Parameter {
    Parameter::path(
        name,
        "feature id within the layer: INSEE code, SIREN, … (see the layer's features)",
        Schema::literal(json!({"type": "string", "minLength": 1})),
    )
    .fact(Fact::Feature)
}

/// `{layer}/{id}` of the territory routes.
pub fn territory_path() -> [Parameter; 2] {
    [layer_path(), feature_path("id")]
}

/// A required layer id in the query (`layer`, `a`, `b`).
pub fn layer_query(name: &'static str) -> Parameter {
    Parameter::query(name, "layer id", Schema::of::<LayerId>())
        .required()
        .fact(Fact::TerritoriesLayer)
}

/// `layers=a,b`: of any layer, or (`searchable`) of the searchable ones; the pattern is the data's.
pub fn layers(description: &'static str, searchable: bool) -> Parameter {
    let fact = if searchable {
        Fact::SearchableLayers
    } else {
        Fact::Layers
    };
    Parameter::query("layers", description, Schema::literal(json!({"type": "string"}))).fact(fact)
}

pub fn all_layers() -> Parameter {
    layers(
        "comma-separated layer ids (default: all; empty: none); an id given twice counts once",
        false,
    )
}

/// The point of `GET /api/locate`, one branch a way of giving it: `lat`/`lon`; `x`/`y` in WGS84;
/// `x`/`y` in each other system, within its bounds. The branches exclude one another, as the
/// server does: a point given two ways is refused.
pub fn point() -> Parameter {
    let number = |min: f64, max: f64| json!({"type": "number", "minimum": min, "maximum": max});
    let names = |crs: Crs| json!({"type": "string", "enum": crs.api_names()});
    let mut branches = vec![json!({
        "type": "object", "title": "WGS84 degrees", "required": ["lat", "lon"], "additionalProperties": false,
        "properties": {"lat": number(-90.0, 90.0), "lon": number(-180.0, 180.0), "crs": names(Crs::WGS84)},
    })];
    for crs in Crs::all() {
        let [w, s, e, n] = crs.bounds();
        let mut required = vec!["x", "y"];
        if !crs.is_wgs84() {
            required.push("crs");
        }
        branches.push(json!({
            "type": "object", "title": crs.to_string(), "required": required, "additionalProperties": false,
            "properties": {"x": number(w, e), "y": number(s, n), "crs": names(crs)},
        }));
    }
    Parameter::query(
        "point",
        "the point: `lat` and `lon` in WGS84 degrees, or `x` and `y` in the system `crs` names \
         (WGS84 lon/lat when it names none), within that system's bounds; the members are sent as \
         parameters of their own (`?lat=…&lon=…`, `?x=…&y=…&crs=EPSG:2154`)",
        Schema::literal(json!({"oneOf": branches})),
    )
    .required()
    .form(true)
    .fact(Fact::Point)
}

/// `crs` of the batch: the system of the points.
pub fn batch_crs() -> Parameter {
    Parameter::query(
        "crs",
        "the system of the points (default WGS84 degrees); a GeoJSON body's own `crs` member takes \
         precedence. A point outside the system's bounds gets a row error",
        Schema::literal(
            json!({"type": "string", "enum": Crs::all().flat_map(Crs::api_names).collect::<Vec<_>>()}),
        ),
    )
}

/// `crs` of the downloads and the GIS files: the system the features are written in, x first.
pub fn output_crs() -> Parameter {
    Parameter::query(
        "crs",
        "the system the features are written in (default WGS84 longitude, latitude), x (easting or \
         longitude) first as GIS files keep it; a GeoJSON outside WGS84 carries a `crs` member",
        Schema::literal(
            json!({"type": "string", "enum": Crs::all().flat_map(Crs::api_names).collect::<Vec<_>>()}),
        ),
    )
}

/// `crs` or `bbox-crs` of OGC API – Features Part 2: a system by URI, with its axis order.
pub fn ogc_crs(name: &'static str, description: &'static str) -> Parameter {
    Parameter::query(
        name,
        description,
        Schema::literal(
            json!({"type": "string", "enum": CrsRef::all_ogc().map(CrsRef::uri).collect::<Vec<_>>()}),
        ),
    )
}

/// `bbox` of the OGC items: four numbers, degrees in CRS84 or in the system `bbox-crs` names.
pub fn ogc_bbox() -> Parameter {
    Parameter::query(
        "bbox",
        "minlon,minlat,maxlon,maxlat in CRS84 decimal degrees (a minlon greater than maxlon crosses \
         the antimeridian); with `bbox-crs`, the box's corners in that system, in its axis order \
         (EPSG:4326 is latitude first). A feature is taken if it meets the box",
        Schema::literal(json!({"type": "string", "pattern": FOUR_NUMBERS})),
    )
    .fact(Fact::Bbox)
}

/// Four decimal numbers separated by commas.
const FOUR_NUMBERS: &str = r"^-?[0-9]+(\.[0-9]+)?(,-?[0-9]+(\.[0-9]+)?){3}$";

/// `filter`: a CQL2 predicate over the collection's queryables.
pub fn filter() -> Parameter {
    Parameter::query(
        "filter",
        "a CQL2 predicate over the collection's queryables (see its /queryables), in the encoding \
         `filter-lang` names: comparisons, LIKE, IN, BETWEEN, IS NULL, S_INTERSECTS and the other \
         spatial functions on `geometry`, joined by AND, OR, NOT. E.g. `status = 'petr' AND \
         population > 50000`. A filter that does not parse, or names an unknown property, is a 400 \
         that says where and what was expected",
        Schema::literal(json!({"type": "string"})),
    )
}

pub fn filter_lang() -> Parameter {
    Parameter::query(
        "filter-lang",
        "the encoding of `filter` (default cql2-text)",
        Schema::literal(json!({"type": "string", "enum": FilterLang::NAMES})),
    )
}

pub fn sortby() -> Parameter {
    Parameter::query(
        "sortby",
        "comma-separated queryables to sort by, each ascending or with a leading `-` descending \
         (`+` is ascending too); nulls come last",
        Schema::literal(json!({"type": "string"})),
    )
}

pub fn properties() -> Parameter {
    Parameter::query(
        "properties",
        "comma-separated queryables each feature's `properties` keep (default all; empty: none)",
        Schema::literal(json!({"type": "string"})),
    )
}

/// What chooses a layer's features and their properties, the same on the OGC items and the
/// downloads: `filter`, `filter-lang`, `filter-crs`, `sortby`, `properties`.
pub fn selection() -> [Parameter; 5] {
    [
        filter(),
        filter_lang(),
        ogc_crs(
            "filter-crs",
            "the system of the filter's geometry literals (default CRS84), by URI, in its axis order",
        ),
        sortby(),
        properties(),
    ]
}

pub fn tolerance() -> Parameter {
    Parameter::query(
        "tolerance_m",
        "if nothing contains the point, the nearest feature within this many metres, marked approximate",
        Schema::literal(json!({"type": "number", "minimum": 0, "maximum": MAX_TOLERANCE_M})),
    )
}

/// `bbox`, in exactly the grammar the server matches.
pub fn bbox() -> Parameter {
    Parameter::query(
        "bbox",
        "minlon,minlat,maxlon,maxlat in CRS84 decimal degrees (no exponent, no leading zero); the \
         latitudes may come in either order; a minlon greater than maxlon crosses the antimeridian",
        Schema::literal(json!({"type": "string", "pattern": BBOX_PATTERN.as_str()})),
    )
    .fact(Fact::Bbox)
}

pub fn scope() -> Parameter {
    Parameter::query(
        "scope",
        "metropole (default; also metro or france), region:CODE or departement:CODE with an INSEE code of the data",
        Schema::literal(json!({"type": "string"})),
    )
    .fact(Fact::Scope)
}

/// `zoom`, a web-map zoom level.
pub fn zoom(description: impl Into<std::borrow::Cow<'static, str>>) -> Parameter {
    Parameter::query(
        "zoom",
        description,
        Schema::literal(json!({"type": "integer", "minimum": 0, "maximum": MAX_ZOOM})),
    )
}

/// `epci` of the simulator: the draft's members.
pub fn epci() -> Parameter {
    Parameter::query(
        "epci",
        format!(
            "comma-separated SIRENs of the member EPCIs, at most {MAX_EPCI}, each once; the SIREN of \
             another structure (a PETR, a syndicat) is answered with a failed `members_are_epci` check"
        ),
        Schema::of::<DraftMembers>(),
    )
    .required()
    .form(false)
    .fact(Fact::Draft)
}

pub fn replaces() -> Parameter {
    Parameter::query(
        "replaces",
        "id of the territory the draft would replace",
        Schema::of::<TerritoryId>(),
    )
}

/// `f` of the OGC routes: one of `json_names`, or `html`.
pub fn format(json_names: &[&str]) -> Parameter {
    let mut names = json_names.to_vec();
    names.push("html");
    Parameter::query(
        "f",
        "format (also HTML when a browser's Accept starts with text/html)",
        Schema::literal(json!({"type": "string", "enum": names})),
    )
}
