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

    /// A system as OGC API – Features Part 2 names it: its URI, axis order included.
    pub fn crs_ref(&mut self, name: &str) -> Result<Option<territoires_geo::CrsRef>, ApiError> {
        self.value(name)?
            .map(|v| {
                territoires_geo::CrsRef::from_uri(&v).map_err(|_| ApiError {
                    supported: territoires_geo::CrsRef::all_ogc().map(|r| r.uri()).collect(),
                    ..ApiError::bad_parameter(
                        name,
                        format!("unsupported `{name}` `{v}`: name a system by its URI (see `supported`)"),
                    )
                })
            })
            .transpose()
    }

    /// Four comma-separated finite numbers, e.g. a box in a projected system.
    pub fn four_numbers(&mut self, name: &str, what: &str) -> Result<Option<[f64; 4]>, ApiError> {
        let Some(text) = self.value(name)? else {
            return Ok(None);
        };
        let numbers: Vec<f64> = text
            .split(',')
            .map(|v| v.trim().parse::<f64>())
            .filter_map(Result::ok)
            .filter(|v| v.is_finite())
            .collect();
        match numbers.as_slice() {
            &[a, b, c, d] if text.split(',').count() == 4 => Ok(Some([a, b, c, d])),
            _ => Err(ApiError::bad_parameter(
                name,
                format!("`{name}` must be {what}: four numbers separated by commas, got `{text}`"),
            )),
        }
    }

    /// Refuses any parameter not read so far.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.pairs.iter().find(|(_, _, used)| !used) {
            None => Ok(()),
            Some((k, _, _)) => Err(ApiError::bad_parameter(k, format!("unknown parameter `{k}`"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bbox(text: &str) -> Result<Option<BoundingBox>, ApiError> {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("bbox", text)
            .finish();
        Params::parse(Some(&query)).bbox("bbox")
    }

    fn longitude() -> impl Strategy<Value = f64> {
        prop_oneof![Just(-180.0), Just(180.0), Just(-0.0), -180.0..=180.0]
    }

    fn latitude() -> impl Strategy<Value = f64> {
        prop_oneof![Just(-90.0), Just(90.0), -90.0..=90.0]
    }

    /// A number as a client may write it, beyond what the grammar takes: exponents, NaN, infinities.
    fn any_number() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<f64>().prop_map(|v| v.to_string()),
            (-1e3..1e3f64).prop_map(|v| v.to_string()),
            Just("NaN".to_string()),
            Just("inf".to_string()),
            Just("-inf".to_string()),
            Just("1e1".to_string()),
            Just(String::new()),
        ]
    }

    proptest! {
        /// What the server writes in its links (a box's `Display`) reads back as the same box,
        /// across the antimeridian and at the poles.
        #[test]
        fn a_written_box_reads_back(west in longitude(), lat_a in latitude(), east in longitude(), lat_b in latitude()) {
            let b = BoundingBox::new(west, lat_a, east, lat_b);
            let read = bbox(&b.to_string()).map_err(|e| TestCaseError::fail(e.message))?;
            prop_assert_eq!(read, Some(b));
            prop_assert_eq!(read.map(|r| r.crosses_antimeridian()), Some(west > east));
        }

        /// A latitude beyond a pole is refused, naming the parameter.
        #[test]
        fn a_latitude_off_the_globe_is_refused(
            west in longitude(), east in longitude(), lat in latitude(),
            off in 90.000_001..1e9f64, south in any::<bool>(), first in any::<bool>(),
        ) {
            let off = if south { -off } else { off };
            let (a, b) = if first { (off, lat) } else { (lat, off) };
            let e = bbox(&format!("{west},{a},{east},{b}")).err();
            prop_assert_eq!(e.and_then(|e| e.parameter), Some("bbox".to_string()));
        }

        /// Any other count of numbers, or a number the grammar does not spell, is an error; any
        /// text at all is an answer, never a panic, and an accepted box is on the globe.
        #[test]
        fn anything_else_is_an_error(
            numbers in prop::collection::vec(any_number(), 0..8),
            text in "\\PC{0,40}",
        ) {
            let joined = numbers.join(",");
            let all_plain = numbers.len() == 4
                && numbers.iter().all(|n| n.parse::<f64>().is_ok_and(f64::is_finite) && !n.contains(['e', 'E']));
            if !all_plain {
                prop_assert!(bbox(&joined).is_err(), "{}", joined);
            }
            for given in [joined.as_str(), text.as_str()] {
                if let Ok(Some(b)) = bbox(given) {
                    prop_assert!(b.south <= b.north && b.south >= -90.0 && b.north <= 90.0, "{}", given);
                    prop_assert!(b.west.abs() <= 180.0 && b.east.abs() <= 180.0, "{}", given);
                }
            }
        }
    }

    #[test]
    fn nan_and_exponents_are_not_degrees() {
        for text in [
            "NaN,0,1,1",
            "0,NaN,1,1",
            "1e1,0,20,1",
            "0,0,1",
            "0,0,1,1,1",
            "",
            "181,0,1,1",
        ] {
            assert!(bbox(text).is_err(), "{text}");
        }
    }
}
