//! The route table: every route the server answers, one line a route, with the operations the
//! OpenAPI document says it serves. [`crate::app`] builds the router from it and
//! [`crate::openapi::document`] the paths, so that no route exists without its description.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get};
use schemars::JsonSchema;
use serde_json::json;

use crate::ogc::{
    DEFAULT_LIMIT, DOCUMENT_FORMATS, FEATURE_FORMATS, FLATGEOBUF, ITEMS_FORMATS, MAX_LIMIT, OPENAPI_TYPE,
};
use crate::openapi::components::{
    DraftBody, ErrorBody, FeatureCollection, LayerCollection, Location, MembersCollection, OgcFeature,
    OgcItems, OpenApiDocument, PointCollection,
};
use crate::openapi::facts::Fact;
use crate::openapi::operation::{Media, Operation, Parameter, Schema, feature_links};
use crate::openapi::parameters as param;
use crate::tiles::MAX_TILE_ZOOM;
use crate::{
    AppState, EMBED_PATH, api, batch, diff, layers, ogc, openapi, panorama, portrait, simulate, tiles,
};
use territoires_formats::GisFormat;
use territoires_geo::zoom::MAX_ZOOM;
use territoires_query::answer::{Answer, LayerId};
use territoires_query::search::MAX_RESULTS;
use territoires_query::{Coverage, Indicators, Overlap};

/// The middleware a route goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    /// Point lookups: rate-limited, never compressed (a couple of kilobytes at tens of thousands a
    /// second cost more to compress than they save).
    Lookups,
    /// Everything else a client asks: rate-limited and compressed.
    Compressed,
    /// Monitoring: compressed, never rate-limited (a probe refused would look like an outage).
    Operations,
}

use Stack::{Compressed, Lookups, Operations};

pub struct Route {
    /// As the router matches it.
    pub path: &'static str,
    /// The same route under other spellings (`/ogc/`), not documented twice.
    pub aliases: &'static [&'static str],
    pub stack: Stack,
    pub handler: MethodRouter<Arc<AppState>>,
    pub operations: Vec<Operation>,
}

impl Route {
    fn new(
        path: &'static str,
        stack: Stack,
        handler: MethodRouter<Arc<AppState>>,
        operations: impl IntoIterator<Item = Operation>,
    ) -> Self {
        let operations = operations
            .into_iter()
            .map(|op| if op.path.is_empty() { op.at(path) } else { op })
            .collect();
        Route {
            path,
            aliases: &[],
            stack,
            handler,
            operations,
        }
    }

    fn also_at(self, aliases: &'static [&'static str]) -> Self {
        Route { aliases, ..self }
    }
}

const JSON: &str = "application/json";
const GEOJSON: &str = "application/geo+json";

/// The largest simulator body: a list of 200 SIRENs is under 3 KB.
const SIMULATE_BODY_LIMIT: usize = 64 * 1024;

/// Every route.
#[rustfmt::skip] // One line a route reads as a table.
pub fn table() -> Vec<Route> {
    let simulate = get(simulate::simulate_get).post(simulate::simulate_post).layer(DefaultBodyLimit::max(SIMULATE_BODY_LIMIT));
    vec![
        Route::new("/api/locate", Lookups, get(api::locate_get).post(batch::locate_batch), [locate(), locate_batch()]),
        Route::new("/api/coverage", Compressed, get(api::coverage_get), [coverage()]),
        Route::new("/api/overlap", Compressed, get(api::overlap_get), [overlap()]),
        Route::new("/api/diff", Compressed, get(diff::diff_get), [diff()]),
        Route::new("/api/simulate", Compressed, simulate, simulate_operations()),
        Route::new("/api/labels", Compressed, get(api::labels_get), [labels()]),
        Route::new("/api/indicators", Compressed, get(api::indicators_get), [indicators()]),
        Route::new("/api/search", Compressed, get(api::search_get), [search()]),
        Route::new("/api/layers", Compressed, get(api::layers_get), [catalogue()]),
        Route::new("/api/config", Compressed, get(api::config_get), [config()]),
        Route::new("/api/territories/{layer}/{id}", Compressed, get(api::territory_get), [territory()]),
        Route::new("/api/territories/{layer}/{id}/{file}", Compressed, get(portrait::members_file), members_files()),
        Route::new("/api/portrait/{layer}/{id}", Compressed, get(portrait::portrait_get), [portrait()]),
        Route::new("/territoire/{layer}/{id}", Compressed, get(portrait::page), [portrait_page()]),
        Route::new("/panorama", Compressed, get(panorama::national), [panorama_page()]),
        Route::new("/panorama/{region}", Compressed, get(panorama::region), [panorama_region_page()]),
        Route::new(EMBED_PATH, Compressed, get(crate::embed), [widget()]),
        Route::new("/api/layers/{file}", Compressed, get(layers::layer_file), layer_files()),
        Route::new("/api/tiles.json", Compressed, get(tiles::tileset_json), [tilejson_set()]),
        Route::new("/api/tiles/{file}", Compressed, get(tiles::layer_tilejson), [tilejson_layer()]),
        Route::new("/api/style.json", Compressed, get(tiles::style_json), [maplibre_style()]),
        Route::new("/tiles/all/{z}/{x}/{y}", Compressed, get(tiles::all_layers_tile), [all_layers_tile()]),
        Route::new("/tiles/{layer}/{z}/{x}/{y}", Compressed, get(tiles::tile), [tile()]),
        Route::new("/ogc", Compressed, get(ogc::landing), [ogc_document::<ogc::Landing>("ogcLanding", "OGC API – Features landing page", JSON)]).also_at(&["/ogc/"]),
        Route::new("/ogc/conformance", Compressed, get(ogc::conformance), [ogc_document::<ogc::Conformance>("ogcConformance", "conformance classes", JSON)]),
        Route::new("/ogc/api", Compressed, get(openapi::ogc_api), [ogc_document::<OpenApiDocument>("ogcApi", "this document", OPENAPI_TYPE)]),
        Route::new("/ogc/collections", Compressed, get(ogc::collections), [ogc_collections()]),
        Route::new("/ogc/collections/{id}", Compressed, get(ogc::collection), [ogc_collection()]),
        Route::new("/ogc/collections/{id}/items", Compressed, get(ogc::items), [ogc_items()]),
        Route::new("/ogc/collections/{id}/queryables", Compressed, get(ogc::queryables), [ogc_queryables()]),
        Route::new("/ogc/collections/{id}/items/{feature}", Compressed, get(ogc::item), [ogc_item()]),
        Route::new("/api/openapi.json", Compressed, get(openapi::openapi_json), [openapi_document()]),
        Route::new("/healthz", Operations, get(api::healthz), [healthz()]),
        Route::new("/metrics", Operations, get(crate::metrics_text), [metrics()]),
    ]
}

fn locate() -> Operation {
    Operation::get(
        "locate",
        "api",
        "territories containing a point, in every layer asked",
    )
    .params([param::point(), param::all_layers(), param::tolerance()])
    .json::<Location>("per layer, the features holding the point")
    .links(feature_links(
        "$response.body#/layers/0/layer",
        "$response.body#/layers/0/features/0/id",
    ))
    .bad_request()
}

fn locate_batch() -> Operation {
    let points = || Schema::of::<PointCollection>();
    Operation::post(
        "locateBatch",
        "api",
        "batch lookup: a CSV, or a GeoJSON FeatureCollection of points; every row comes back, in order, \
         with territory columns, streamed; a bad row gets an `error` column",
    )
    .describe(
        "The CSV may be separated by `,`, `;` or tabs, in UTF-8 (with or without a byte-order mark), \
         Windows-1252 or UTF-16, with decimal commas. Its point columns are found by name, whatever the case and \
         accents: `lat`, `latitude` or `y`, and `lon`, `lng`, `long`, `longitude` or `x`. When their names \
         say nothing, the query parameters `lat_col` and `lon_col` name them. Those two are not listed \
         among the parameters, because whether they are right depends on the body's header, which an \
         OpenAPI document cannot relate to a parameter: one naming a column the header lacks is a 400 \
         that lists the columns seen. Every input column comes back unchanged, the answer in UTF-8 with \
         the input's delimiter.",
    )
    .params([param::all_layers(), param::tolerance(), param::batch_crs()])
    .body([
        Media::new(
            "text/csv",
            Schema::literal(json!({
                "type": "string",
                "description": "CSV whose header has a lat (or latitude) and a lon (lng, longitude) column; other columns pass through",
                "pattern": r"^(lat|latitude),(lon|lng|longitude)([\r\n][\s\S]*)?$",
            })),
        )
        .fact(Fact::PointsCsv),
        Media::new(GEOJSON, points()).fact(Fact::PointsGeoJson),
        Media::new(JSON, points()).fact(Fact::PointsGeoJson),
    ])
    .ok(
        "the rows with territory columns, in the format Accept asks (the body's when it takes anything)",
        [
            Media::new("text/csv", Schema::text()),
            Media::new(GEOJSON, Schema::of::<FeatureCollection>()),
            Media::new(
                "application/json",
                Schema::literal(json!({"type": "array", "items": {"type": "object"}})),
            ),
        ],
    )
    .error(
        400,
        "the body cannot be read: no lat or lon column, not a FeatureCollection, or a parameter is malformed",
    )
    .error(
        406,
        "Accept names no format the server writes (text/csv, application/geo+json, application/json)",
    )
    .error(413, "the body is larger than the server's limit (--max-body-mb)")
    .error(415, "Content-Type is neither CSV nor (Geo)JSON")
    .error(503, "too many batches under way: try again after Retry-After seconds")
    .retry_after(503)
}

fn coverage() -> Operation {
    let by = Schema::literal(json!({"type": "string", "enum": ["region", "departement"]}));
    Operation::get("coverage", "api", "share of area and population a layer covers")
        .params([
            param::layer_query("layer"),
            param::scope(),
            Parameter::query("by", "breakdown", by),
        ])
        .json::<Answer<Coverage>>("the coverage")
        .bad_request()
}

fn diff() -> Operation {
    let layer = Parameter::query(
        "layer",
        "layer id; by default the layer of territoires de projet",
        Schema::of::<LayerId>(),
    )
    .fact(Fact::TerritoriesLayer);
    Operation::get(
        "diff",
        "api",
        "what changed in a layer since the previous dataset (`serve --previous`): territories added, \
         removed, renamed, members that joined or left, coverage before and after",
    )
    .params([layer])
    .json::<Answer<territoires_query::diff::DatasetDiff>>(
        "the changes, with both datasets' vintages and sources",
    )
    .etagged()
    .bad_request()
    .error(404, "the server was started without a previous dataset")
}

fn overlap() -> Operation {
    Operation::get(
        "overlap",
        "api",
        "what share of layer a's area and population also lies in layer b, and the reverse",
    )
    .params([param::layer_query("a"), param::layer_query("b"), param::scope()])
    .json::<Answer<Overlap>>("the overlap")
    .bad_request()
}

fn simulate_operations() -> [Operation; 2] {
    let refused = "a member is no known EPCI or structure, is repeated, or there are none or too many; \
                   or a parameter or the body is malformed";
    [
        Operation::get(
            "simulateGet",
            "api",
            "a draft territory from EPCIs: figures, the PETR checks (CGCT L5741-1), what it meets, the \
             coverage change, its shape",
        )
        .params([
            param::epci(),
            param::replaces(),
            param::zoom("web-map zoom the shape is generalised for (default 8)"),
        ])
        .json::<Answer<simulate::Shaped>>("the simulation")
        .error(400, refused),
        Operation::post(
            "simulatePost",
            "api",
            "the same draft as a JSON body: a list of SIRENs, or {epci, replaces, zoom}",
        )
        .params([param::zoom("zoom when the body gives none (default 8)")])
        .body([Media::json::<DraftBody>().fact(Fact::DraftBody)])
        .json::<Answer<simulate::Shaped>>("the simulation")
        .error(400, refused)
        .error(413, format!("the body is over {} KB", SIMULATE_BODY_LIMIT / 1024)),
    ]
}

fn labels() -> Operation {
    Operation::get(
        "labels",
        "api",
        "place names for a map view, best first: régions or départements, towns by seat and population, \
         the named layers' features at their label point",
    )
    .params([
        param::zoom("web-map zoom of the view")
            .required()
            .fact(Fact::ViewZoom),
        param::bbox(),
        param::layers(
            "comma-separated ids of the layers whose features are named too (default: none)",
            false,
        ),
    ])
    .json::<Answer<territoires_query::labels::Labels>>("the labels")
    .bad_request()
}

fn indicators() -> Operation {
    Operation::get(
        "indicators",
        "api",
        "« Les Pays en chiffres »: the national association's reference figures beside ours, measured from \
         the data",
    )
    .json::<Answer<Indicators>>("the indicators")
    .bad_request()
}

fn search() -> Operation {
    let text = Schema::literal(json!({"type": "string", "minLength": 1}));
    let limit = Schema::literal(json!({"type": "integer", "minimum": 1}));
    Operation::get(
        "search",
        "api",
        "communes by name, postcode or INSEE code, or by a former commune's name or code; features of the \
         searchable layers by name or id. Names match ignoring case, accents and punctuation, with St/Ste \
         for Saint/Sainte, a département after the name for homonyms, and typos after every match as typed",
    )
    .params([
        Parameter::query("q", "what to look for; blank text finds nothing", text)
            .required()
            .fact(Fact::SearchText),
        Parameter::query(
            "limit",
            format!("most results wanted; larger values are clamped to {MAX_RESULTS}"),
            limit,
        ),
        param::layers("only results of these comma-separated searchable layer ids", true),
    ])
    .json::<Answer<territoires_query::search::SearchResults>>("the results, best first")
    .links(feature_links(
        "$response.body#/results/0/layer",
        "$response.body#/results/0/id",
    ))
    .bad_request()
}

fn catalogue() -> Operation {
    let to = |id: &str| json!({"operationId": id, "parameters": {"layer": "$response.body#/layers/0/id"}});
    Operation::get("listLayers", "api", "the catalogue of layers")
        .json::<Answer<territoires_query::catalogue::Catalogue>>("the layers")
        .links(json!({
            "GetLayerGeojson": to("getLayerGeojson"),
            "GetLayerCsv": to("getLayerCsv"),
            "GetLayerFgb": to("getLayerFgb"),
            "GetLayerGpkg": to("getLayerGpkg"),
            "Coverage": to("coverage"),
        }))
        .bad_request()
}

fn config() -> Operation {
    Operation::get(
        "config",
        "api",
        "what the web page needs to know about this deployment",
    )
    .json::<Answer<api::Config>>("the configuration")
    .bad_request()
}

fn territory() -> Operation {
    let geometry = Parameter::query(
        "geometry",
        "include the full geometry",
        Schema::literal(json!({"type": "boolean"})),
    );
    Operation::get(
        "getTerritory",
        "api",
        "one territory: attributes, members, figures, overlays",
    )
    .params(param::territory_path())
    .params([geometry])
    .json::<Answer<api::WithGeometry<territoires_query::territory::Territory>>>("the territory")
    .links(feature_links("$request.path.layer", "$request.path.id"))
    .bad_request()
    .not_found("layer or feature")
}

fn members_files() -> [Operation; 2] {
    let members = |path, id, summary, media: Media, file_name| {
        Operation::get(id, "api", summary)
            .at(path)
            .params(param::territory_path())
            .ok("the member communes", [media])
            .download(file_name)
            .bad_request()
            .not_found("layer or feature")
    };
    [
        members(
            "/api/territories/{layer}/{id}/members.csv",
            "getMembersCsv",
            "a territory's member communes as CSV: code, name, epci, epci_name, departement, region, \
             population, area_km2",
            Media::new("text/csv", Schema::text()),
            "LAYER-ID-communes.csv",
        ),
        members(
            "/api/territories/{layer}/{id}/members.geojson",
            "getMembersGeojson",
            "a territory's member communes as GeoJSON, with the same properties as the CSV and each \
             commune's full geometry (WGS84, 6 decimals)",
            Media::new(GEOJSON, Schema::of::<MembersCollection>()),
            "LAYER-ID-communes.geojson",
        ),
    ]
}

fn portrait() -> Operation {
    Operation::get(
        "getPortrait",
        "api",
        "a territory's portrait: figures, share of each département and région it touches, member EPCI \
         and communes, what every other layer holds of it, neighbours, sources",
    )
    .params(param::territory_path())
    .json::<Answer<portrait::WithLinks<territoires_query::portrait::Portrait>>>("the portrait")
    .bad_request()
    .not_found("layer or feature")
}

fn portrait_page() -> Operation {
    Operation::get(
        "getPortraitPage",
        "pages",
        "the territory's portrait page, in French (served with the web directory)",
    )
    .params(param::territory_path())
    .ok("the page", [Media::new("text/html", Schema::text())])
    .reply(
        404,
        "no such layer or feature: a French page for a browser (Accept: text/html), a JSON error otherwise",
        [
            Media::json::<ErrorBody>(),
            Media::new("text/html", Schema::text()),
        ],
    )
}

fn panorama_page() -> Operation {
    Operation::get(
        "getPanoramaPage",
        "pages",
        "the national « Panorama des territoires de projet », a printable report in French (served with \
         the web directory)",
    )
    .ok("the page", [Media::new("text/html", Schema::text())])
    .not_found("page: the server runs without its web directory")
}

fn panorama_region_page() -> Operation {
    Operation::get(
        "getPanoramaRegionPage",
        "pages",
        "a région's « Panorama des territoires de projet », a printable report in French (served with \
         the web directory)",
    )
    .params([Parameter::path(
        "region",
        "the région's INSEE code",
        Schema::literal(json!({"type": "string", "minLength": 1})),
    )
    .fact(Fact::Region)])
    .ok("the page", [Media::new("text/html", Schema::text())])
    .reply(
        404,
        "no such région: a French page for a browser (Accept: text/html), a JSON error otherwise",
        [
            Media::json::<ErrorBody>(),
            Media::new("text/html", Schema::text()),
        ],
    )
}

fn widget() -> Operation {
    Operation::get(
        "getWidget",
        "pages",
        "the widget other sites frame: find the territoire de projet of a commune or an address (served \
         with the web directory)",
    )
    .ok("the page", [Media::new("text/html", Schema::text())])
    .not_found("page: the server runs without its web directory")
}

fn layer_files() -> [Operation; 4] {
    [
        Operation::get(
            "getLayerGeojson",
            "maps",
            "a layer as generalised GeoJSON: neighbours share every simplified border; coordinates \
             quantised to the zoom",
        )
        .at("/api/layers/{layer}.geojson")
        .params([
            param::layer_path(),
            param::zoom(format!(
                "web-map zoom 0–{MAX_ZOOM} the geometry is generalised for (default 6; from 12 on, the \
                 answer is zoom 12's)"
            )),
            param::bbox(),
            param::output_crs(),
        ])
        .params(param::selection())
        .ok(
            "the layer",
            [Media::new(
                "application/geo+json",
                Schema::of::<LayerCollection>(),
            )],
        )
        .etagged()
        .bad_request()
        .not_found("layer"),
        Operation::get(
            "getLayerCsv",
            "api",
            "a layer's attributes as CSV (no geometry): id, name, every attribute, and population and \
             area_km2 for layers built from communes",
        )
        .at("/api/layers/{layer}.csv")
        .params([param::layer_path()])
        .params(param::selection())
        .ok("the attributes", [Media::new("text/csv", Schema::text())])
        .etagged()
        .download("LAYER.csv")
        .bad_request()
        .not_found("layer"),
        gis_file(
            GisFormat::FlatGeobuf,
            "getLayerFgb",
            "FlatGeobuf, with its packed Hilbert R-tree: GDAL's /vsicurl/ reads it a bbox at a time",
        ),
        gis_file(
            GisFormat::GeoPackage,
            "getLayerGpkg",
            "GeoPackage 1.3 with an R-tree spatial index",
        ),
    ]
}

fn gis_file(format: GisFormat, id: &'static str, what: &str) -> Operation {
    let path = match format {
        GisFormat::FlatGeobuf => "/api/layers/{layer}.fgb",
        GisFormat::GeoPackage => "/api/layers/{layer}.gpkg",
    };
    let kind = format.content_type();
    Operation::get(
        id,
        "maps",
        format!("a layer as {what}; full resolution, or generalised as the map is for `zoom`"),
    )
    .at(path)
    .params([
        param::layer_path(),
        param::zoom(format!(
            "web-map zoom 0–{MAX_ZOOM} the geometry is generalised for; without it, full resolution \
             (from 12 on, zoom 12's)"
        )),
        param::bbox(),
        param::output_crs(),
    ])
    .params(param::selection())
    .ok("the file", [Media::new(kind, Schema::binary())])
    .etagged()
    .download(&format!("LAYER.{}", format.extension()))
    .ranges(kind)
    .bad_request()
    .not_found("layer")
}

/// `z`, `x` and `y` of a tile path.
fn tile_coordinates() -> [Parameter; 3] {
    let coordinate = |name, description, maximum: u32, fact| {
        let schema = Schema::literal(json!({"type": "integer", "minimum": 0, "maximum": maximum}));
        Parameter::path(name, description, schema).fact(fact)
    };
    let last = (1u32 << MAX_TILE_ZOOM) - 1;
    [
        coordinate("z", "zoom", MAX_TILE_ZOOM, Fact::TileZ),
        coordinate("x", "column, below 2^z (a 404 otherwise)", last, Fact::TileX),
        coordinate("y", "row, below 2^z (a 404 otherwise)", last, Fact::TileY),
    ]
}

fn tile() -> Operation {
    Operation::get(
        "getTile",
        "maps",
        "a Mapbox vector tile of a layer (Web Mercator, XYZ scheme): the MVT layer LAYER, its features \
         with their id, name and legend property, and LAYER_labels, the point where each name is written",
    )
    .at("/tiles/{layer}/{z}/{x}/{y}.mvt")
    .params([param::layer_path()])
    .params(tile_coordinates())
    .ok("the tile", [Media::new(tiles::MVT, Schema::binary())])
    .etagged()
    .bad_request()
    .not_found("layer, or tile beyond the grid")
}

/// A JSON document with no query parameters, described as a plain object (its own specification
/// says the rest).
fn json_document(id: &'static str, summary: &'static str) -> Operation {
    Operation::get(id, "maps", summary)
        .ok(
            "the document",
            [Media::new(
                "application/json",
                Schema::literal(json!({"type": "object"})),
            )],
        )
        .bad_request()
}

fn tilejson_set() -> Operation {
    json_document(
        "getTileJson",
        "the TileJSON 3.0 of every layer's vector tiles in one set (/tiles/all/…): layers, fields, zooms, \
         bounds, attribution",
    )
    .at("/api/tiles.json")
}

fn tilejson_layer() -> Operation {
    json_document(
        "getLayerTileJson",
        "one layer's TileJSON 3.0 (its tiles /tiles/LAYER/…)",
    )
    .at("/api/tiles/{layer}.json")
    .params([param::layer_path()])
    .not_found("layer")
}

fn maplibre_style() -> Operation {
    json_document(
        "getStyle",
        "a MapLibre style (version 8) drawing the tile set with the page's colours and the place names; \
         no glyphs: MapLibre GL JS writes the names with the browser's fonts",
    )
    .at("/api/style.json")
}

fn all_layers_tile() -> Operation {
    Operation::get(
        "getAllLayersTile",
        "maps",
        "every layer's vector tile in one (see getTile): the tiles of /api/tiles.json and /api/style.json",
    )
    .at("/tiles/all/{z}/{x}/{y}.mvt")
    .params(tile_coordinates())
    .ok("the tile", [Media::new(tiles::MVT, Schema::binary())])
    .etagged()
    .bad_request()
    .not_found("tile beyond the grid")
}

/// An OGC document whose only query parameter is `f`: JSON (as `kind`) or the same as HTML.
fn ogc_document<T: JsonSchema>(id: &'static str, summary: &'static str, kind: &'static str) -> Operation {
    let json_names = if kind == GEOJSON {
        FEATURE_FORMATS
    } else {
        DOCUMENT_FORMATS
    };
    Operation::get(id, "ogc", summary)
        .params([param::format(json_names)])
        .ok(
            "the document",
            [
                Media::new(kind, Schema::of::<T>()),
                Media::new("text/html", Schema::text()),
            ],
        )
        .bad_request()
}

fn ogc_collections() -> Operation {
    let to = |id: &str| json!({"operationId": id, "parameters": {"collectionId": "$response.body#/collections/0/id"}});
    ogc_document::<ogc::Collections>("ogcCollections", "the collections: one per layer", JSON)
        .links(json!({"GetCollection": to("ogcCollection"), "GetItems": to("ogcItems")}))
}

fn ogc_collection() -> Operation {
    ogc_document::<ogc::Collection>("ogcCollection", "one collection", JSON)
        .at("/ogc/collections/{collectionId}")
        .params([param::collection_id()])
        .not_found("collection")
}

fn ogc_items() -> Operation {
    let limit = Schema::literal(json!({"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT}));
    let offset = Schema::literal(json!({"type": "integer", "minimum": 0, "default": 0}));
    Operation::get("ogcItems", "ogc", "features of a collection, a page at a time")
        .at("/ogc/collections/{collectionId}/items")
        .params([
            param::collection_id(),
            param::ogc_bbox(),
            param::ogc_crs(
                "bbox-crs",
                "the system of `bbox` (default CRS84), by URI; `bbox` comes in its axis order",
            ),
            ogc_feature_crs(),
        ])
        .params(param::selection())
        .params([
            Parameter::query(
                "limit",
                format!("page size (default {DEFAULT_LIMIT}); larger values are clamped to {MAX_LIMIT}"),
                limit,
            ),
            Parameter::query("offset", "start of the page", offset),
            param::format(ITEMS_FORMATS),
        ])
        .ok(
            "the page; as FlatGeobuf (f=fgb), the next page is in a Link header",
            [
                Media::new(GEOJSON, Schema::of::<OgcItems>()),
                Media::new(FLATGEOBUF, Schema::binary()),
                Media::new("text/html", Schema::text()),
            ],
        )
        .content_crs()
        .links(json!({"GetItem": {"operationId": "ogcItem", "parameters": {
            "collectionId": "$request.path.collectionId", "featureId": "$response.body#/features/0/id",
        }}}))
        .bad_request()
        .not_found("collection")
}

fn ogc_queryables() -> Operation {
    ogc_document::<ogc::QueryablesDocument>(
        "ogcQueryables",
        "the properties filters, sorting and property lists name, as a JSON Schema",
        ogc::SCHEMA_JSON,
    )
    .at("/ogc/collections/{collectionId}/queryables")
    .params([param::collection_id()])
    .not_found("collection")
}

fn ogc_item() -> Operation {
    ogc_document::<OgcFeature>("ogcItem", "one feature", GEOJSON)
        .at("/ogc/collections/{collectionId}/items/{featureId}")
        .params([
            param::collection_id(),
            param::feature_path("featureId"),
            ogc_feature_crs(),
        ])
        .content_crs()
        .not_found("collection or feature")
}

/// `crs` of the OGC features: the system, by URI, their geometry comes in.
fn ogc_feature_crs() -> Parameter {
    param::ogc_crs(
        "crs",
        "the system the geometry and label come in (default CRS84), by URI and in its axis order \
         (EPSG:4326 is latitude first); the answer names it in `Content-Crs`",
    )
}

fn openapi_document() -> Operation {
    Operation::get("openapi", "operations", "this document").json::<OpenApiDocument>("the OpenAPI document")
}

fn healthz() -> Operation {
    Operation::get(
        "healthz",
        "operations",
        "liveness, and the dataset served: its SHA-256, when it was built, the vintage of every layer",
    )
    .json::<api::Health>("the server is up")
}

fn metrics() -> Operation {
    Operation::get("metrics", "operations", "Prometheus metrics")
        .ok("the metrics", [Media::new("text/plain", Schema::text())])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the router's `pattern` matches `path`, a `{name}` segment of the pattern taking any one
    /// segment.
    fn matches(pattern: &str, path: &str) -> bool {
        let (p, q): (Vec<_>, Vec<_>) = (pattern.split('/').collect(), path.split('/').collect());
        p.len() == q.len()
            && p.iter()
                .zip(&q)
                .all(|(p, q)| (p.starts_with('{') && p.ends_with('}')) || p == q)
    }

    /// The document says `/api/layers/{layer}.geojson` where the router has `/api/layers/{file}`:
    /// each documented path, its parameters filled in, must reach the route that documents it and
    /// no other.
    #[test]
    fn every_documented_path_reaches_its_own_route() {
        let table = table();
        for (i, route) in table.iter().enumerate() {
            assert!(!route.operations.is_empty(), "{} has no description", route.path);
            for op in &route.operations {
                let concrete = op
                    .path
                    .split('/')
                    .map(|s| {
                        if s.contains('{') {
                            s.replace(['{', '}'], "")
                        } else {
                            s.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                // The router takes a static segment over a `{name}` one (`/tiles/all/…` before
                // `/tiles/{layer}/…`): of the patterns that match, those with the most static segments.
                let statics = |pattern: &str| pattern.split('/').filter(|s| !s.starts_with('{')).count();
                let matching: Vec<usize> = table
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| matches(r.path, &concrete))
                    .map(|(j, _)| j)
                    .collect();
                let most = matching
                    .iter()
                    .map(|&j| statics(table[j].path))
                    .max()
                    .unwrap_or(0);
                let reached: Vec<usize> = matching
                    .into_iter()
                    .filter(|&j| statics(table[j].path) == most)
                    .collect();
                assert_eq!(reached, vec![i], "{} {} reaches {reached:?}", op.method, op.path);
            }
        }
    }

    #[test]
    fn operations_are_documented_once() {
        let table = table();
        let operations: Vec<&Operation> = table.iter().flat_map(|r| &r.operations).collect();
        for (i, a) in operations.iter().enumerate() {
            for b in &operations[i + 1..] {
                assert_ne!(a.id, b.id, "operationId {} twice", a.id);
                assert!(
                    (a.method, a.path) != (b.method, b.path),
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
    }
}
