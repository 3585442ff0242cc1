//! Strict query-string parsing: every parameter is known, given at most once, and well-formed; anything
//! else is a 400 naming the parameter, so that a typo never silently changes an answer.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use super::error::ApiError;
use territoires_geo::{BoundingBox, Zoom};

/// A longitude in decimal degrees, −180…180, as written in a `bbox`.
const LONGITUDE: &str = r"-?(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?)";
/// A latitude in decimal degrees, −90…90.
const LATITUDE: &str = r"-?(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?)";

/// `minlon,minlat,maxlon,maxlat`: the server reads exactly what the OpenAPI document states, so that
/// the two never disagree. The syntax is the subset shared by ECMA-262, Python and Rust regexes.
pub static BBOX_PATTERN: LazyLock<String> =
    LazyLock::new(|| format!("^{LONGITUDE},{LATITUDE},{LONGITUDE},{LATITUDE}$"));
static BBOX: LazyLock<Regex> = LazyLock::new(|| Regex::new(&BBOX_PATTERN).expect("a valid pattern"));

/// The parameters of one query string, borrowed from it where no percent-decoding was needed: a
/// point lookup reads its two numbers without allocating a string.
pub struct Params<'a> {
    /// Name, value, and whether a getter has read it.
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>, bool)>,
}

impl<'a> Params<'a> {
    pub fn parse(raw: Option<&'a str>) -> Self {
        let pairs = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .map(|(k, v)| (k, v, false))
            .collect();
        Params { pairs }
    }

    /// The parameter's value, if given (once).
    fn value(&mut self, name: &str) -> Result<Option<Cow<'a, str>>, ApiError> {
        let mut found = None;
        for (k, v, used) in &mut self.pairs {
            if k == name {
                if found.is_some() {
                    return Err(ApiError::bad_parameter(
                        name,
                        format!("`{name}` is given more than once"),
                    ));
                }
                found = Some(v.clone());
                *used = true;
            }
        }
        Ok(found)
    }

    /// The parameter's value, if given.
    pub fn text(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        Ok(self.value(name)?.map(Cow::into_owned))
    }

    pub fn required_text(&mut self, name: &str) -> Result<String, ApiError> {
        match self.text(name)? {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => Err(ApiError::bad_parameter(name, format!("`{name}` is required"))),
        }
    }

    pub fn number(&mut self, name: &str) -> Result<Option<f64>, ApiError> {
        self.value(name)?
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        ApiError::bad_parameter(name, format!("`{name}` must be a number, got `{v}`"))
                    })
            })
            .transpose()
    }

    pub fn required_number(&mut self, name: &str) -> Result<f64, ApiError> {
        self.number(name)?
            .ok_or_else(|| ApiError::bad_parameter(name, format!("`{name}` is required")))
    }

    /// `true` or `false`.
    pub fn flag(&mut self, name: &str) -> Result<bool, ApiError> {
        match self.value(name)?.as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(ApiError::bad_parameter(
                name,
                format!("`{name}` must be true or false, got `{other}`"),
            )),
        }
    }

    /// A whole number of at least `min`, written in digits. Numbers too large to hold come back as
    /// `usize::MAX`: every caller clamps or bounds them, so no size is too large to be answered.
    pub fn whole(&mut self, name: &str, min: usize) -> Result<Option<usize>, ApiError> {
        let Some(text) = self.value(name)? else {
            return Ok(None);
        };
        let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        // Digits alone can only fail to parse by overflowing.
        let value = digits.then(|| text.parse::<usize>().unwrap_or(usize::MAX));
        match value {
            Some(n) if n >= min => Ok(Some(n)),
            _ => Err(ApiError::bad_parameter(
                name,
                format!("`{name}` must be a whole number ≥ {min}, got `{text}`"),
            )),
        }
    }

    /// `zoom`, a web-map zoom level (see [`Zoom`]).
    pub fn zoom(&mut self) -> Result<Option<Zoom>, ApiError> {
        self.whole("zoom", 0)?
            .map(|z| Zoom::new(z as u64).map_err(|e| ApiError::bad_parameter("zoom", e.to_string())))
            .transpose()
    }

    /// `minlon,minlat,maxlon,maxlat` in CRS84 degrees; a minlon greater than maxlon crosses the
    /// antimeridian, as in OGC API – Features.
    pub fn bbox(&mut self, name: &str) -> Result<Option<BoundingBox>, ApiError> {
        let Some(text) = self.value(name)? else {
            return Ok(None);
        };
        let numbers: Vec<f64> = text.split(',').filter_map(|v| v.parse().ok()).collect();
        match numbers.as_slice() {
            [west, lat_a, east, lat_b] if BBOX.is_match(&text) => {
                Ok(Some(BoundingBox::new(*west, *lat_a, *east, *lat_b)))
            }
            _ => Err(ApiError::bad_parameter(
                name,
                format!(
                    "`{name}` must be minlon,minlat,maxlon,maxlat in decimal degrees \
                     (longitudes −180…180, latitudes −90…90), got `{text}`"
                ),
            )),
        }
    }

    /// A comma-separated list, items as given (an empty value is an empty list): the caller refuses
    /// a blank or padded item like any other unknown one, rather than guess what was meant.
    pub fn list(&mut self, name: &str) -> Result<Option<Vec<String>>, ApiError> {
        Ok(self.value(name)?.map(|v| {
            if v.is_empty() {
                Vec::new()
            } else {
                v.split(',').map(str::to_string).collect()
            }
        }))
    }

    /// `crs=EPSG:CODE` (or its OGC URI), exactly as [`territoires_geo::crs::Crs::api_names`] spells it.
    pub fn crs(&mut self) -> Result<Option<territoires_geo::crs::Crs>, ApiError> {
        self.value("crs")?
            .map(|v| {
                territoires_geo::crs::Crs::from_api_name(&v).map_err(|e| ApiError {
                    supported: territoires_geo::crs::supported(),
                    ..ApiError::bad_parameter("crs", e.to_string())
                })
            })
            .transpose()
    }

    /// Refuses any parameter not read so far.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.pairs.iter().find(|(_, _, used)| !used) {
            None => Ok(()),
            Some((k, _, _)) => Err(ApiError::bad_parameter(k, format!("unknown parameter `{k}`"))),
        }
    }
}
