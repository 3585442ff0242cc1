//! The vector tiles described for clients: a TileJSON 3.0 per layer and for the whole set, and a
//! MapLibre style that draws them as the page does (the catalogue's styles, the legend classes'
//! colours of [`territoires_query::catalogue`], the place names from the label layers).
//!
//! The style has no `glyphs`: nothing loads from elsewhere, and no font ships with the project.
//! MapLibre GL JS (from 5.11) then writes the names with the browser's own fonts; a client that
//! needs glyphs draws the shapes and leaves the names out.

use serde_json::{Value as Json, json};

use territoires_core::dataset::{Dataset, Layer, LayerIx};
use territoires_geo::zoom::MAX_GENERALISED_ZOOM;
use territoires_query::catalogue::{UNCLASSED, class_colours};

use crate::mvt::labels_layer;

/// The source's name in the style.
pub const SOURCE: &str = "territoires";

/// Where the tiles are: a URL template with `{z}`, `{x}`, `{y}`.
pub struct TileUrls {
    /// One layer's tiles; `{layer}` stands for its id.
    pub layer: String,
    /// Every layer in one tile.
    pub all: String,
}

/// `source (vintage), licence` of each layer, once each.
fn attribution<'a>(layers: impl Iterator<Item = &'a Layer>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for l in layers {
        let part = format!("{} ({}), {}", l.source.name, l.source.vintage, l.source.licence);
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    parts.join(" ; ")
}

/// A layer's two MVT layers as TileJSON `vector_layers`.
fn vector_layers(l: &Layer) -> [Json; 2] {
    let mut fields = serde_json::Map::new();
    fields.insert("id".into(), json!("String"));
    fields.insert("name".into(), json!("String"));
    if let Some(legend) = &l.legend {
        fields.insert(legend.property.clone(), json!("String"));
    }
    let minzoom = l.style.min_zoom.unwrap_or(0);
    [
        json!({"id": l.id, "description": l.title, "minzoom": minzoom, "maxzoom": MAX_GENERALISED_ZOOM, "fields": fields}),
        json!({"id": labels_layer(&l.id), "description": format!("{} : où écrire les noms", l.title),
               "minzoom": minzoom, "maxzoom": MAX_GENERALISED_ZOOM, "fields": fields}),
    ]
}

fn tilejson(
    name: &str,
    description: &str,
    tiles: String,
    bounds: Option<[f64; 4]>,
    layers: &[&Layer],
) -> Json {
    let bounds = bounds.unwrap_or([-180.0, -85.051_128_78, 180.0, 85.051_128_78]);
    let centre = [(bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0, 5.0];
    json!({
        "tilejson": "3.0.0",
        "name": name,
        "description": description,
        "version": "1.0.0",
        "attribution": attribution(layers.iter().copied()),
        "scheme": "xyz",
        "tiles": [tiles],
        "minzoom": 0,
        // Past it the geometry no longer changes: clients draw the last tiles larger.
        "maxzoom": MAX_GENERALISED_ZOOM,
        "bounds": bounds,
        "center": centre,
        "vector_layers": layers.iter().flat_map(|l| vector_layers(l)).collect::<Vec<_>>(),
    })
}

/// One layer's TileJSON; `bounds` its extent in degrees.
pub fn layer_tilejson(l: &Layer, bounds: Option<[f64; 4]>, urls: &TileUrls) -> Json {
    let description = format!(
        "{} Source : {} ({}), {}.",
        l.description, l.source.name, l.source.vintage, l.source.licence
    );
    tilejson(
        &l.title,
        &description,
        urls.layer.replace("{layer}", &l.id),
        bounds,
        &[l],
    )
}

/// The TileJSON of every layer in one tile set; `bounds` their extent in degrees.
pub fn tileset_tilejson(data: &Dataset, bounds: Option<[f64; 4]>, urls: &TileUrls) -> Json {
    let layers: Vec<&Layer> = data.layers.iter().collect();
    tilejson(
        "territoires",
        "Les territoires de projet (Pays, PETR) et leurs couches : communes, EPCI, départements, régions, SCoT, CRTE…",
        urls.all.clone(),
        bounds,
        &layers,
    )
}

/// `"4 3"` (SVG) as `[4, 3]` (MapLibre).
fn dash_array(dash: &str) -> Vec<f64> {
    dash.split([' ', ',']).filter_map(|d| d.parse().ok()).collect()
}

/// The MapLibre style layers of one data layer: its fill, its outline, and the names of the layers
/// shown when the map opens.
fn style_layers(l: &Layer) -> Vec<Json> {
    let s = &l.style;
    let visibility = if s.default_on { "visible" } else { "none" };
    let mut out = Vec::new();
    let base = |id: String, kind: &str, source_layer: &str| {
        let mut layer = json!({"id": id, "type": kind, "source": SOURCE, "source-layer": source_layer,
                               "layout": {"visibility": visibility}});
        if let Some(z) = s.min_zoom {
            layer["minzoom"] = json!(z);
        }
        layer
    };
    let width = s.width.unwrap_or(1.2);
    match &l.legend {
        Some(legend) => {
            // Each class in its colour, by the legend property the tiles carry. Each label is an array
            // of one value: QGIS 3.22's style converter reads that form, and drops a bare string.
            let by_class = |pick: fn(usize) -> &'static str, other: &str| {
                let mut expression = vec![json!("match"), json!(["get", legend.property])];
                for (i, class) in legend.classes.iter().enumerate() {
                    expression.push(json!([class.value]));
                    expression.push(json!(pick(i)));
                }
                expression.push(json!(other));
                Json::Array(expression)
            };
            let mut fill = base(format!("{}-fill", l.id), "fill", &l.id);
            fill["paint"] = json!({"fill-color": by_class(|i| class_colours(i).fill, UNCLASSED.fill),
                                   "fill-opacity": s.opacity.unwrap_or(0.3)});
            out.push(fill);
            let dashed: Vec<&str> = legend
                .classes
                .iter()
                .filter(|c| c.dashed)
                .map(|c| c.value.as_str())
                .collect();
            let stroke = by_class(|i| class_colours(i).stroke, UNCLASSED.stroke);
            let mut line = base(format!("{}-line", l.id), "line", &l.id);
            line["paint"] = json!({"line-color": stroke, "line-width": width});
            if !dashed.is_empty() {
                // `==` and `!=` joined by `any` and `all`, rather than `in` with a literal list, which
                // QGIS 3.22's converter drops (and then draws every outline twice).
                let each = |op: &str| -> Vec<Json> {
                    dashed
                        .iter()
                        .map(|v| json!([op, ["get", legend.property], v]))
                        .collect()
                };
                line["filter"] = Json::Array([vec![json!("all")], each("!=")].concat());
                let mut guessed = base(format!("{}-line-dashed", l.id), "line", &l.id);
                guessed["paint"] =
                    json!({"line-color": stroke, "line-width": width, "line-dasharray": [4, 3]});
                guessed["filter"] = Json::Array([vec![json!("any")], each("==")].concat());
                out.push(line);
                out.push(guessed);
            } else {
                out.push(line);
            }
        }
        None => {
            if let Some(colour) = &s.fill {
                let mut fill = base(format!("{}-fill", l.id), "fill", &l.id);
                fill["paint"] = json!({"fill-color": colour, "fill-opacity": s.opacity.unwrap_or(1.0)});
                out.push(fill);
            }
            let mut line = base(format!("{}-line", l.id), "line", &l.id);
            line["paint"] =
                json!({"line-color": s.stroke.as_deref().unwrap_or(UNCLASSED.stroke), "line-width": width});
            if let Some(dash) = &s.dash {
                line["paint"]["line-dasharray"] = json!(dash_array(dash));
            }
            out.push(line);
        }
    }
    if s.default_on {
        let mut names = base(format!("{}-names", l.id), "symbol", &labels_layer(&l.id));
        names["layout"]["text-field"] = json!(["get", "name"]);
        names["layout"]["text-size"] = json!(12);
        names["layout"]["text-max-width"] = json!(8);
        names["paint"] =
            json!({"text-color": "#1a1a1a", "text-halo-color": "#ffffff", "text-halo-width": 1.5});
        out.push(names);
    }
    out
}

/// The MapLibre style of `drawn` layers in the tiles at `tiles_url` (a TileJSON, or a
/// `pmtiles://` archive): a plain background, then the layers in the catalogue's stacking order
/// (`z`, lowest first), with the page's colours.
pub fn maplibre_style(data: &Dataset, drawn: &[LayerIx], tiles_url: &str) -> Json {
    let mut layers: Vec<(u16, LayerIx)> = drawn
        .iter()
        .map(|&i| (data.layers[i].style.z.unwrap_or(400), i))
        .collect();
    layers.sort_by_key(|(z, _)| *z);
    let mut style_layers_json = vec![json!({"id": "background", "type": "background",
                                            "paint": {"background-color": "#dfe8ee"}})];
    // Names above every shape.
    let (mut shapes, mut names): (Vec<Json>, Vec<Json>) = (Vec::new(), Vec::new());
    for (_, i) in layers {
        for layer in style_layers(&data.layers[i]) {
            if layer["type"] == "symbol" {
                names.push(layer);
            } else {
                shapes.push(layer);
            }
        }
    }
    style_layers_json.extend(shapes);
    style_layers_json.extend(names);
    json!({
        "version": 8,
        "name": "territoires",
        "metadata": {"attribution": attribution(drawn.iter().map(|&i| &data.layers[i]))},
        "center": [2.5, 46.6],
        "zoom": 5,
        "sources": {SOURCE: {"type": "vector", "url": tiles_url}},
        "layers": style_layers_json,
    })
}
