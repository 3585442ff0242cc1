//! GeoJSON input: a FeatureCollection whose `features` are handed on one at a time, as the parser
//! reaches them, so the document is never held whole.
//!
//! The collection's `type` is checked where it stands: when it comes before `features` (as every
//! common writer puts it), a wrong one refuses the input before any row; after `features`, it can
//! only break the output off at the end. Other top-level members are skipped unread, but for `crs`
//! (GeoJSON 2008's named system, as GDAL writes it for Lambert-93): it says how to read the
//! coordinates, over the caller's `crs` (the file knows best); after coordinates already read, it
//! may only confirm the system they were read in.

use std::fmt;
use std::io::{self, Read};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

use super::{InputError, Passthrough, Row, RowAt, WalkError};
use territoires_geo::crs::Crs;

/// Pass-through columns of a feature in CSV output.
pub(super) const COLUMNS: [&str; 3] = ["id", "lon", "lat"];

const NOT_A_COLLECTION: &str = "the body must be a GeoJSON FeatureCollection of points";

/// Hands every feature of the collection to `visit`, in order, with its point or why it has none.
/// `given` is the caller's coordinate system, if it named one.
pub(super) fn for_each_row(
    input: impl Read,
    given: Option<Crs>,
    visit: &mut dyn FnMut(&Row) -> io::Result<()>,
) -> Result<(), WalkError> {
    let mut parser = serde_json::Deserializer::from_reader(input);
    let mut walk = Walk {
        visit,
        visit_error: None,
        crs: given.unwrap_or_default(),
        coordinates_read: false,
    };
    let parsed = Collection { walk: &mut walk }
        .deserialize(&mut parser)
        .and_then(|()| parser.end());
    // A visitor failure reaches the parser as a made-up error: the real one was kept aside.
    if let Some(e) = walk.visit_error {
        return Err(WalkError::Visit(e));
    }
    parsed.map_err(|e| WalkError::Input(input_error(e)))
}

/// Parser errors as input errors: the reader's own failures stay I/O errors (a size limit, a cut).
fn input_error(e: serde_json::Error) -> InputError {
    match e.classify() {
        serde_json::error::Category::Io => InputError::Read(e.into()),
        serde_json::error::Category::Data => InputError::Structure(e.to_string()),
        _ => InputError::Structure(format!("invalid JSON: {e}")),
    }
}

/// The rows' destination, shared by the nested visitors.
struct Walk<'v> {
    visit: &'v mut dyn FnMut(&Row) -> io::Result<()>,
    visit_error: Option<io::Error>,
    /// The system the features' coordinates are read in.
    crs: Crs,
    /// Whether any feature's coordinates were read in `crs` already.
    coordinates_read: bool,
}

impl Walk<'_> {
    /// Takes the collection's `crs` member.
    fn member_crs(&mut self, member: &Json) -> Result<(), String> {
        let name = member
            .pointer("/properties/name")
            .and_then(Json::as_str)
            .filter(|_| member.get("type").and_then(Json::as_str) == Some("name"))
            .ok_or("the `crs` member must be {\"type\": \"name\", \"properties\": {\"name\": …}}")?;
        let named = Crs::parse(name).map_err(|e| format!("the `crs` member: {e}"))?;
        if self.coordinates_read && named != self.crs {
            return Err(format!(
                "the `crs` member names {named}, after features read as {}: put `crs` before `features`",
                self.crs
            ));
        }
        self.crs = named;
        Ok(())
    }
}

/// The top-level object.
struct Collection<'w, 'v> {
    walk: &'w mut Walk<'v>,
}

impl<'de> DeserializeSeed<'de> for Collection<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Collection<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection of points")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut is_collection, mut has_features) = (false, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => {
                    let kind: Json = map.next_value()?;
                    if kind != "FeatureCollection" {
                        return Err(de::Error::custom(NOT_A_COLLECTION));
                    }
                    is_collection = true;
                }
                "features" if has_features => {
                    return Err(de::Error::custom(
                        "the FeatureCollection has two `features` members",
                    ));
                }
                "features" => {
                    map.next_value_seed(Features {
                        walk: &mut *self.walk,
                    })?;
                    has_features = true;
                }
                "crs" => {
                    let member: Json = map.next_value()?;
                    if !member.is_null() {
                        self.walk.member_crs(&member).map_err(de::Error::custom)?;
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !is_collection {
            return Err(de::Error::custom(NOT_A_COLLECTION));
        }
        if !has_features {
            return Err(de::Error::custom("the FeatureCollection has no `features` array"));
        }
        Ok(())
    }
}

/// The `features` array, visited element by element.
struct Features<'w, 'v> {
    walk: &'w mut Walk<'v>,
}

impl<'de> DeserializeSeed<'de> for Features<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Features<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a `features` array of GeoJSON features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        // Each feature alone is parsed whole: it is small, and a malformed one is one bad row.
        while let Some(feature) = seq.next_element::<Json>()? {
            let feature = InputFeature::new(feature);
            self.walk.coordinates_read |= feature.point.is_ok();
            let row = Row {
                passthrough: Passthrough::Feature {
                    id: feature.id.as_ref(),
                    properties: &feature.properties,
                },
                point: feature.point.map_err(|m| format!("feature {index}: {m}")),
                crs: self.walk.crs,
                at: RowAt::Feature(index),
            };
            if let Err(e) = (self.walk.visit)(&row) {
                self.walk.visit_error = Some(e);
                return Err(de::Error::custom("the output failed"));
            }
            index += 1;
        }
        Ok(())
    }
}

/// What one input feature gives: its id and properties pass through; its point, or why not.
struct InputFeature {
    id: Option<Json>,
    properties: Map<String, Json>,
    /// As written, in the collection's system.
    point: Result<geo::Coord<f64>, String>,
}

impl InputFeature {
    fn new(feature: Json) -> Self {
        let Json::Object(mut f) = feature else {
            return InputFeature {
                id: None,
                properties: Map::new(),
                point: Err("not a GeoJSON Feature".into()),
            };
        };
        let id = f.remove("id");
        let properties = match f.remove("properties") {
            Some(Json::Object(p)) => p,
            _ => Map::new(),
        };
        let point = match f.get("geometry") {
            Some(g) if g.get("type").and_then(Json::as_str) == Some("Point") => {
                match g
                    .get("coordinates")
                    .and_then(Json::as_array)
                    .map(|c| (c.first(), c.get(1)))
                {
                    Some((Some(x), Some(y))) => match (x.as_f64(), y.as_f64()) {
                        (Some(x), Some(y)) => Ok(geo::Coord { x, y }),
                        _ => Err("point coordinates are not numbers".into()),
                    },
                    _ => Err("a Point needs [lon, lat] coordinates".into()),
                }
            }
            Some(g) => Err(format!(
                "geometry is {}, expected a Point",
                g.get("type").and_then(Json::as_str).unwrap_or("not a geometry")
            )),
            None => Err("no geometry".into()),
        };
        InputFeature {
            id,
            properties,
            point,
        }
    }
}
