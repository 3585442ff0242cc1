//! The coordinate systems points may come in, and their conversion to WGS84 lon/lat.
//!
//! French GIS teams keep points in Lambert-93 (EPSG:2154), a conic zone (CC42–CC50), UTM or Web
//! Mercator. The projection arithmetic is `proj4rs`'s, with each system's parameters taken from
//! `crs-definitions` (the EPSG registry as PROJ strings): nothing here computes a projection.
//!
//! Features go out the other way ([`Crs::from_wgs84`], [`Reproject`]): OGC API – Features Part 2
//! and the GIS files write them in the team's own system. [`CrsRef`] is a system as an OGC client
//! names it, with its axis order (`EPSG:4326` by URI is latitude first).
//!
//! Each system also has the area it is meant for, and from it its bounds: the rectangle, in the
//! system's own units, that holds the area once projected. A point outside the bounds is an error,
//! not a far-away answer: that is how a file of WGS84 degrees sent as Lambert-93 (or the reverse)
//! shows. Bounds rather than the area itself, so that the API can state in its OpenAPI document
//! exactly which `x` and `y` it takes.

use std::sync::OnceLock;

use geo::Coord;
use proj4rs::Proj;

use crate::lonlat::lon_lat;

/// One supported system: its EPSG code, its name, its parameters and its area of use (WGS84
/// degrees, west, south, east, north).
struct Def {
    code: u16,
    name: &'static str,
    proj4: &'static str,
    /// As the GeoPackage's `gpkg_spatial_ref_sys` and FlatGeobuf's header carry it.
    wkt: &'static str,
    area: [f64; 4],
}

/// Metropolitan France with Corsica and its waters: EPSG's area of use of Lambert-93.
const FRANCE: [f64; 4] = [-9.86, 41.15, 10.38, 51.56];

/// A conic zone CC`lat`: a band of latitude 1° either side of its centre, across France.
const fn cc(lat: f64) -> [f64; 4] {
    [FRANCE[0], lat - 1.0, FRANCE[2], lat + 1.0]
}

/// A UTM zone of the northern hemisphere, 9° either side of its central meridian (many teams keep
/// the whole of France in zone 31), between the latitudes of North Africa and Scandinavia: far
/// from its meridian, near the pole, the inverse projection is no longer well behaved.
const fn utm(central: f64) -> [f64; 4] {
    [central - 9.0, 30.0, central + 9.0, 62.0]
}

macro_rules! def {
    ($code:literal, $name:literal, $area:expr) => {
        Def {
            code: $code,
            name: $name,
            proj4: crs_definitions::from_code_const::<$code>().proj4,
            wkt: crs_definitions::from_code_const::<$code>().wkt,
            area: $area,
        }
    };
}

const WGS84_CODE: u16 = 4326;

/// Every supported system, WGS84 first.
static DEFS: [Def; 15] = [
    Def {
        code: WGS84_CODE,
        name: "WGS 84 (degrees)",
        proj4: crs_definitions::EPSG_4326.proj4,
        wkt: crs_definitions::EPSG_4326.wkt,
        area: [-180.0, -90.0, 180.0, 90.0],
    },
    def!(2154, "RGF93 / Lambert-93", FRANCE),
    Def {
        code: 3857,
        name: "Web Mercator",
        // The definition PROJ itself follows (`from_code` gives proj4js's older one).
        proj4: crs_definitions::EPSG_3857_WEBMERC.proj4,
        wkt: crs_definitions::EPSG_3857.wkt,
        area: [-180.0, -85.06, 180.0, 85.06],
    },
    def!(3942, "RGF93 / CC42", cc(42.0)),
    def!(3943, "RGF93 / CC43", cc(43.0)),
    def!(3944, "RGF93 / CC44", cc(44.0)),
    def!(3945, "RGF93 / CC45", cc(45.0)),
    def!(3946, "RGF93 / CC46", cc(46.0)),
    def!(3947, "RGF93 / CC47", cc(47.0)),
    def!(3948, "RGF93 / CC48", cc(48.0)),
    def!(3949, "RGF93 / CC49", cc(49.0)),
    def!(3950, "RGF93 / CC50", cc(50.0)),
    def!(32630, "WGS 84 / UTM zone 30N", utm(-3.0)),
    def!(32631, "WGS 84 / UTM zone 31N", utm(3.0)),
    def!(32632, "WGS 84 / UTM zone 32N", utm(9.0)),
];

/// A supported coordinate system: its place in [`DEFS`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Crs(usize);

impl std::fmt::Debug for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EPSG:{}", self.def().code)
    }
}

impl Default for Crs {
    fn default() -> Self {
        Crs::WGS84
    }
}

impl std::fmt::Display for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EPSG:{} ({})", self.def().code, self.def().name)
    }
}

/// A `crs` that is not one of ours.
#[derive(Debug, thiserror::Error)]
#[error("unsupported crs `{given}`: use one of {}", supported().join(", "))]
pub struct UnsupportedCrs {
    pub given: String,
}

/// The supported systems as `EPSG:CODE`, WGS84 first.
pub fn supported() -> Vec<String> {
    DEFS.iter().map(|d| format!("EPSG:{}", d.code)).collect()
}

/// The parameters of every system, made once: building a `Proj` parses its string.
fn projs() -> &'static [Proj] {
    static PROJS: OnceLock<Vec<Proj>> = OnceLock::new();
    PROJS.get_or_init(|| {
        DEFS.iter()
            .map(|d| Proj::from_proj_string(d.proj4).expect("a built-in CRS definition parses"))
            .collect()
    })
}

/// Each system's bounds (west, south, east, north in its own units): the bounding box of its area
/// projected, sampled along its edges finely enough that their bulges are within a metre.
fn all_bounds() -> &'static [[f64; 4]] {
    static BOUNDS: OnceLock<Vec<[f64; 4]>> = OnceLock::new();
    BOUNDS.get_or_init(|| {
        DEFS.iter()
            .zip(projs())
            .map(|(d, proj)| {
                if d.code == WGS84_CODE {
                    return d.area;
                }
                // On the area's edge only: in these projections x grows with the longitude and y
                // with the latitude, so neither has an extreme inside.
                const STEPS: usize = 400;
                let [w, s, e, n] = d.area;
                let mut bounds = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
                let along = |k: usize, from: f64, to: f64| from + (to - from) * k as f64 / STEPS as f64;
                let edge = (0..=STEPS).flat_map(|k| {
                    let (lon, lat) = (along(k, w, e), along(k, s, n));
                    [(lon, s), (lon, n), (w, lat), (e, lat)]
                });
                for (lon, lat) in edge {
                    let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
                    if proj4rs::transform::transform(&projs()[0], proj, &mut p).is_ok()
                        && p.0.is_finite()
                        && p.1.is_finite()
                    {
                        bounds = [
                            bounds[0].min(p.0),
                            bounds[1].min(p.1),
                            bounds[2].max(p.0),
                            bounds[3].max(p.1),
                        ];
                    }
                }
                // Whole metres inward: the document states them, and every point inside converts.
                [
                    bounds[0].ceil(),
                    bounds[1].ceil(),
                    bounds[2].floor(),
                    bounds[3].floor(),
                ]
            })
            .collect()
    })
}

impl Crs {
    pub const WGS84: Crs = Crs(0);

    /// Every supported system, WGS84 first.
    pub fn all() -> impl Iterator<Item = Crs> {
        (0..DEFS.len()).map(Crs)
    }

    /// The spellings the API's `crs` parameter takes: `EPSG:CODE` and the OGC URI (and CRS84's
    /// names for WGS84). The parameter is exact so that its OpenAPI enum is the whole truth.
    pub fn api_names(self) -> Vec<String> {
        let code = self.def().code;
        let mut names = vec![
            format!("EPSG:{code}"),
            format!("http://www.opengis.net/def/crs/EPSG/0/{code}"),
        ];
        if self.is_wgs84() {
            names.extend([
                "CRS84".into(),
                "http://www.opengis.net/def/crs/OGC/1.3/CRS84".into(),
            ]);
        }
        names
    }

    /// The system one of [`Crs::api_names`] names.
    pub fn from_api_name(text: &str) -> Result<Crs, UnsupportedCrs> {
        Crs::all()
            .find(|c| c.api_names().iter().any(|n| n == text))
            .ok_or_else(|| UnsupportedCrs {
                given: text.to_string(),
            })
    }

    /// West, south, east, north in the system's units: the `x` and `y` [`Crs::to_wgs84`] takes.
    pub fn bounds(self) -> [f64; 4] {
        all_bounds()[self.0]
    }

    fn def(self) -> &'static Def {
        &DEFS[self.0]
    }

    /// `EPSG:2154`, `2154`, `urn:ogc:def:crs:EPSG::2154`, `EPSG:4326`, `CRS84`, `WGS84`…
    pub fn parse(text: &str) -> Result<Crs, UnsupportedCrs> {
        let unsupported = || UnsupportedCrs {
            given: text.to_string(),
        };
        let t = text.trim().to_ascii_uppercase();
        if matches!(
            t.as_str(),
            "CRS84" | "WGS84" | "OGC:CRS84" | "URN:OGC:DEF:CRS:OGC:1.3:CRS84" | "URN:OGC:DEF:CRS:OGC::CRS84"
        ) {
            return Ok(Crs::WGS84);
        }
        let code = t
            .strip_prefix("URN:OGC:DEF:CRS:EPSG:")
            .map(|rest| rest.rsplit(':').next().unwrap_or(""))
            .or_else(|| t.strip_prefix("EPSG:"))
            .or_else(|| t.strip_prefix("HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/0/"))
            .unwrap_or(&t);
        let code: u16 = code.trim().parse().map_err(|_| unsupported())?;
        DEFS.iter()
            .position(|d| d.code == code)
            .map(Crs)
            .ok_or_else(unsupported)
    }

    pub fn code(self) -> u16 {
        self.def().code
    }

    /// The system's name, as EPSG gives it.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// The system's definition in OGC WKT 1, for the files that carry one.
    pub fn wkt(self) -> &'static str {
        self.def().wkt
    }

    /// Metres, or degrees for WGS84: the decimals that keep a coordinate to the millimetre.
    pub fn millimetre_decimals(self) -> u32 {
        if self.is_wgs84() { 8 } else { 3 }
    }

    /// This system's `x`, `y` of the WGS84 point `lon_lat`: the way out, for features written in it.
    pub fn from_wgs84(self, lon_lat: Coord<f64>) -> Result<Coord<f64>, NotProjectable> {
        if self.is_wgs84() {
            return Ok(lon_lat);
        }
        let fail = || NotProjectable {
            crs: self,
            lon: lon_lat.x,
            lat: lon_lat.y,
        };
        let mut point = (lon_lat.x.to_radians(), lon_lat.y.to_radians(), 0.0);
        proj4rs::transform::transform(&projs()[0], &projs()[self.0], &mut point).map_err(|_| fail())?;
        if !(point.0.is_finite() && point.1.is_finite()) {
            return Err(fail());
        }
        Ok(Coord {
            x: point.0,
            y: point.1,
        })
    }

    /// Degrees, lon/lat: no conversion.
    pub fn is_wgs84(self) -> bool {
        self.0 == 0
    }

    /// WGS84 lon/lat of the point (`x`, `y`): easting and northing, or lon and lat for WGS84.
    /// An error says why, in words for the person who sent the point.
    pub fn to_wgs84(self, x: f64, y: f64) -> Result<Coord<f64>, String> {
        if self.is_wgs84() {
            return lon_lat(x, y).map_err(|e| {
                let projected = x.abs() > 180.0 || y.abs() > 90.0;
                if projected && x.is_finite() && y.is_finite() {
                    format!(
                        "{e}: are these projected coordinates? Say which system with crs= \
                         (Lambert-93 is EPSG:2154)"
                    )
                } else {
                    e.to_string()
                }
            });
        }
        let not_valid = || format!("x {x}, y {y} are not valid coordinates in {self}");
        if !(x.is_finite() && y.is_finite()) {
            return Err(not_valid());
        }
        let [w, s, e, n] = self.bounds();
        if !(w..=e).contains(&x) || !(s..=n).contains(&y) {
            let [aw, as_, ae, an] = self.def().area;
            return Err(format!(
                "x {x}, y {y} are outside {self}'s bounds (x {w}…{e}, y {s}…{n}, the area it is \
                 meant for: lon {aw}…{ae}, lat {as_}…{an}): check the crs and which column is x and which y"
            ));
        }
        let mut point = (x, y, 0.0);
        proj4rs::transform::transform(&projs()[self.0], &projs()[0], &mut point).map_err(|_| not_valid())?;
        let (lon, lat) = (point.0.to_degrees(), point.1.to_degrees());
        if !(lon.is_finite() && lat.is_finite()) {
            return Err(not_valid());
        }
        lon_lat(lon, lat).map_err(|e| e.to_string())
    }
}

/// A WGS84 point that has no place in a system (beyond a pole of a conic projection, say).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("lon {lon}, lat {lat} has no coordinates in {crs}")]
pub struct NotProjectable {
    pub crs: Crs,
    pub lon: f64,
    pub lat: f64,
}

/// A system as a client names it, with the order of its axes. OGC API – Features Part 2 follows
/// the EPSG registry: `http://www.opengis.net/def/crs/EPSG/0/4326` is latitude first, CRS84
/// longitude first, and the projected systems here are all easting first. GIS files and the
/// command line keep GDAL's "traditional" order: always x (or longitude) first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CrsRef {
    pub crs: Crs,
    /// Latitude first (EPSG:4326 by URI), rather than longitude or easting.
    pub lat_first: bool,
}

impl CrsRef {
    /// OGC's CRS84: WGS84, longitude first, the default of every collection.
    pub const CRS84: CrsRef = CrsRef {
        crs: Crs::WGS84,
        lat_first: false,
    };

    /// `crs` with x (or longitude) first.
    pub fn traditional(crs: Crs) -> CrsRef {
        CrsRef {
            crs,
            lat_first: false,
        }
    }

    /// Every reference an OGC client may name: CRS84, EPSG:4326 (latitude first), then the
    /// projected systems.
    pub fn all_ogc() -> impl Iterator<Item = CrsRef> {
        let epsg_4326 = CrsRef {
            crs: Crs::WGS84,
            lat_first: true,
        };
        [CrsRef::CRS84, epsg_4326]
            .into_iter()
            .chain(Crs::all().skip(1).map(CrsRef::traditional))
    }

    /// Its URI: CRS84's, or `http://www.opengis.net/def/crs/EPSG/0/CODE`.
    pub fn uri(self) -> String {
        if self == CrsRef::CRS84 {
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84".into()
        } else {
            format!("http://www.opengis.net/def/crs/EPSG/0/{}", self.crs.code())
        }
    }

    /// The reference a URI names, exactly: the API's enum of URIs is the whole truth.
    pub fn from_uri(text: &str) -> Result<CrsRef, UnsupportedCrs> {
        CrsRef::all_ogc()
            .find(|r| r.uri() == text)
            .ok_or_else(|| UnsupportedCrs {
                given: text.to_string(),
            })
    }

    /// The WGS84 lon/lat of a point given in this reference's axis order.
    pub fn to_wgs84(self, first: f64, second: f64) -> Result<Coord<f64>, String> {
        let (x, y) = if self.lat_first {
            (second, first)
        } else {
            (first, second)
        };
        self.crs.to_wgs84(x, y)
    }

    /// A WGS84 point in this reference's axis order.
    pub fn from_wgs84(self, lon_lat: Coord<f64>) -> Result<Coord<f64>, NotProjectable> {
        let c = self.crs.from_wgs84(lon_lat)?;
        Ok(if self.lat_first {
            Coord { x: c.y, y: c.x }
        } else {
            c
        })
    }

    /// The region a rectangle of this reference covers, in WGS84: its edges followed point by
    /// point (a straight edge in Lambert-93 is a curve in degrees), so that a feature is selected
    /// by a `bbox-crs` box exactly where it meets the box.
    pub fn rectangle_to_wgs84(self, [x0, y0, x1, y1]: [f64; 4]) -> Result<geo::Polygon<f64>, String> {
        const STEPS: usize = 32;
        let along = |k: usize, from: f64, to: f64| from + (to - from) * k as f64 / STEPS as f64;
        let mut ring = Vec::with_capacity(4 * STEPS + 1);
        for k in 0..STEPS {
            ring.push((along(k, x0, x1), y0));
        }
        for k in 0..STEPS {
            ring.push((x1, along(k, y0, y1)));
        }
        for k in 0..STEPS {
            ring.push((along(k, x1, x0), y1));
        }
        for k in 0..STEPS {
            ring.push((x0, along(k, y1, y0)));
        }
        let ring = ring
            .into_iter()
            .map(|(a, b)| self.to_wgs84(a, b))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(geo::Polygon::new(geo::LineString::from(ring), vec![]))
    }
}

/// WGS84 geometry written in another reference: georust's way, a trait on the plain types.
pub trait Reproject: Sized {
    /// The same geometry, every coordinate taken from WGS84 lon/lat to `to`.
    fn reproject(&self, to: CrsRef) -> Result<Self, NotProjectable>;
}

impl Reproject for geo::LineString<f64> {
    fn reproject(&self, to: CrsRef) -> Result<Self, NotProjectable> {
        self.0
            .iter()
            .map(|&c| to.from_wgs84(c))
            .collect::<Result<Vec<_>, _>>()
            .map(geo::LineString)
    }
}

impl Reproject for geo::Polygon<f64> {
    fn reproject(&self, to: CrsRef) -> Result<Self, NotProjectable> {
        let interiors = self
            .interiors()
            .iter()
            .map(|r| r.reproject(to))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(geo::Polygon::new(self.exterior().reproject(to)?, interiors))
    }
}

impl Reproject for geo::MultiPolygon<f64> {
    fn reproject(&self, to: CrsRef) -> Result<Self, NotProjectable> {
        self.0
            .iter()
            .map(|p| p.reproject(to))
            .collect::<Result<Vec<_>, _>>()
            .map(geo::MultiPolygon)
    }
}

/// A point as a person gives it: WGS84 `lat` and `lon` by name, or `x` and `y` in a system. The one
/// rule for the command line and the API, so that both refuse the same points in the same words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PointInput {
    Wgs84 { lat: f64, lon: f64 },
    Projected { x: f64, y: f64, crs: Crs },
}

/// Why a point's parts do not make one point.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PointError {
    #[error("`lat` and `lon` are WGS84 degrees: give `x` and `y` for a point in {0}")]
    LatLonWithProjectedCrs(Crs),
    #[error("give either `lat` and `lon`, or `x` and `y` (`{other}` stands for `{name}`), not both")]
    BothForms { name: &'static str, other: &'static str },
    #[error("`{0}` is required")]
    Missing(&'static str),
    #[error("`{0}` is required with `x` or `y`")]
    MissingCoordinate(&'static str),
    #[error(transparent)]
    OutOfRange(#[from] crate::lonlat::OutOfRange),
    /// Outside the system's bounds, or not numbers: the words say which.
    #[error("{0}")]
    NotInSystem(String),
}

impl PointError {
    /// The parameter (or flag, without its dashes) the person should look at.
    pub fn parameter(&self) -> &'static str {
        match self {
            PointError::LatLonWithProjectedCrs(_) => "crs",
            PointError::BothForms { name, .. } => name,
            PointError::Missing(name) | PointError::MissingCoordinate(name) => name,
            PointError::OutOfRange(e) => e.name,
            PointError::NotInSystem(_) => "x",
        }
    }
}

impl PointInput {
    /// Which of the two forms the given parts make; `crs` defaults to WGS84 for `x`/`y`.
    pub fn from_parts(
        lat: Option<f64>,
        lon: Option<f64>,
        x: Option<f64>,
        y: Option<f64>,
        crs: Option<Crs>,
    ) -> Result<PointInput, PointError> {
        if x.is_none() && y.is_none() {
            if let Some(crs) = crs.filter(|c| !c.is_wgs84()) {
                return Err(PointError::LatLonWithProjectedCrs(crs));
            }
            let lat = lat.ok_or(PointError::Missing("lat"))?;
            let lon = lon.ok_or(PointError::Missing("lon"))?;
            return Ok(PointInput::Wgs84 { lat, lon });
        }
        for (given, name, other) in [(lat, "lat", "y"), (lon, "lon", "x")] {
            if given.is_some() {
                return Err(PointError::BothForms { name, other });
            }
        }
        match (x, y) {
            (Some(x), Some(y)) => Ok(PointInput::Projected {
                x,
                y,
                crs: crs.unwrap_or_default(),
            }),
            (None, _) => Err(PointError::MissingCoordinate("x")),
            (_, None) => Err(PointError::MissingCoordinate("y")),
        }
    }

    /// The point in WGS84, checked to lie on the globe (and, projected, within its system's bounds).
    pub fn to_wgs84(self) -> Result<Coord<f64>, PointError> {
        match self {
            PointInput::Wgs84 { lat, lon } => Ok(lon_lat(lon, lat)?),
            PointInput::Projected { x, y, crs } => crs.to_wgs84(x, y).map_err(PointError::NotInSystem),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// WGS84 degrees to `crs`, by `proj4rs` from the same definition: the forward half of a round
    /// trip, which the crate itself never needs.
    fn forward(crs: Crs, lon: f64, lat: f64) -> (f64, f64) {
        let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
        proj4rs::transform::transform(&projs()[0], &projs()[crs.0], &mut p).expect("projects");
        (p.0, p.1)
    }

    /// A system other than WGS84, and a point in metropolitan France within its area of use.
    fn projected_point() -> impl Strategy<Value = (Crs, f64, f64)> {
        (1..DEFS.len(), 0.0..=1.0f64, 0.0..=1.0f64).prop_map(|(i, u, v)| {
            // Inset from the area's edges: there the bounds, rounded inward to the metre, may cut.
            let [w, s, e, n] = DEFS[i].area;
            let (w, s, e, n) = (
                w.max(-5.5) + 0.01,
                s.max(41.0) + 0.01,
                e.min(10.0) - 0.01,
                n.min(51.5) - 0.01,
            );
            (Crs(i), w + (e - w) * u, s + (n - s) * v)
        })
    }

    proptest! {
        /// Every system takes a point of France back to where it was, within 1e-7 degrees (a cm).
        #[test]
        fn a_point_of_france_comes_back_from_every_system((crs, lon, lat) in projected_point()) {
            let (x, y) = forward(crs, lon, lat);
            let back = crs.to_wgs84(x, y).map_err(TestCaseError::fail)?;
            prop_assert!(
                (back.x - lon).abs() < 1e-7 && (back.y - lat).abs() < 1e-7,
                "{crs}: {lon}, {lat} -> {x}, {y} -> {}, {}", back.x, back.y
            );
        }

        /// Lambert-93 and Web Mercator over the whole of metropolitan France, the two systems most
        /// points come in: from Ouessant to Menton, Corsica's south cape (41.37° N) to Dunkirk.
        #[test]
        fn lambert_93_and_web_mercator_round_trip(lon in -5.5..10.0f64, lat in 41.3..51.5f64) {
            for code in ["EPSG:2154", "EPSG:3857"] {
                let crs = Crs::parse(code).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let (x, y) = forward(crs, lon, lat);
                let back = crs.to_wgs84(x, y).map_err(TestCaseError::fail)?;
                prop_assert!((back.x - lon).abs() < 1e-7 && (back.y - lat).abs() < 1e-7, "{code}: {back:?}");
            }
        }

        /// Any pair of numbers in any system is a point or an error, never a panic; a point is on the
        /// globe.
        #[test]
        fn any_numbers_convert_or_are_refused(i in 0..DEFS.len(), x in any::<f64>(), y in any::<f64>()) {
            if let Ok(p) = Crs(i).to_wgs84(x, y) {
                prop_assert!(p.x.abs() <= 180.0 && p.y.abs() <= 90.0, "{p:?}");
            }
        }
    }

    proptest! {
        /// The way out is the way in reversed: a point of France projected by `from_wgs84` comes
        /// back by `to_wgs84` within 1e-8 degrees, and agrees with proj4rs's own forward step.
        #[test]
        fn from_wgs84_undoes_to_wgs84((crs, lon, lat) in projected_point()) {
            let out = crs.from_wgs84(Coord { x: lon, y: lat }).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!((out.x, out.y), forward(crs, lon, lat));
            let back = crs.to_wgs84(out.x, out.y).map_err(TestCaseError::fail)?;
            prop_assert!((back.x - lon).abs() < 1e-8 && (back.y - lat).abs() < 1e-8, "{crs}: {back:?}");
        }
    }

    #[test]
    fn an_ogc_reference_names_its_axis_order() {
        let uris: Vec<String> = CrsRef::all_ogc().map(CrsRef::uri).collect();
        assert_eq!(uris[0], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
        assert_eq!(uris[1], "http://www.opengis.net/def/crs/EPSG/0/4326");
        assert_eq!(uris.len(), DEFS.len() + 1);
        for r in CrsRef::all_ogc() {
            assert_eq!(CrsRef::from_uri(&r.uri()).unwrap(), r);
        }
        let epsg_4326 = CrsRef::from_uri("http://www.opengis.net/def/crs/EPSG/0/4326").unwrap();
        assert!(epsg_4326.lat_first);
        let p = epsg_4326.from_wgs84(Coord { x: 3.0, y: 46.5 }).unwrap();
        assert_eq!((p.x, p.y), (46.5, 3.0));
        assert_eq!(epsg_4326.to_wgs84(46.5, 3.0).unwrap(), Coord { x: 3.0, y: 46.5 });
        let l93 = CrsRef::from_uri("http://www.opengis.net/def/crs/EPSG/0/2154").unwrap();
        assert_eq!(l93.crs.code(), 2154);
        assert!(!l93.lat_first);
        assert!(
            CrsRef::from_uri("EPSG:2154").is_err(),
            "the API names systems by URI"
        );
        assert!(CrsRef::from_uri("http://www.opengis.net/def/crs/EPSG/0/27572").is_err());
    }

    #[test]
    fn a_lambert_93_rectangle_is_a_curved_region_in_degrees() {
        let l93 = CrsRef::from_uri("http://www.opengis.net/def/crs/EPSG/0/2154").unwrap();
        let region = l93
            .rectangle_to_wgs84([600_000.0, 6_500_000.0, 800_000.0, 6_700_000.0])
            .unwrap();
        let ring = &region.exterior().0;
        assert_eq!(ring.len(), 4 * 32 + 1);
        // The origin (3°E, 46.5°N) is its centre.
        use geo::Contains;
        assert!(region.contains(&geo::Point::new(3.0, 46.5)));
        assert!(
            l93.rectangle_to_wgs84([0.0, 0.0, 1.0, 1.0]).is_err(),
            "outside Lambert-93's bounds"
        );
    }

    #[test]
    fn geometry_reprojects_vertex_by_vertex() {
        let square = geo::MultiPolygon(vec![geo::Polygon::new(
            geo::LineString::from(vec![(2.0, 46.0), (3.0, 46.0), (3.0, 47.0), (2.0, 46.0)]),
            vec![],
        )]);
        let l93 = CrsRef::traditional(Crs::parse("EPSG:2154").unwrap());
        let out = square.reproject(l93).unwrap();
        let first = out.0[0].exterior().0[1];
        assert_eq!(first, l93.from_wgs84(Coord { x: 3.0, y: 46.0 }).unwrap());
        assert!(
            (first.x - 700_000.0).abs() < 1e-6,
            "3°E is Lambert-93's central meridian: {first:?}"
        );
        assert_eq!(square.reproject(CrsRef::CRS84).unwrap(), square);
    }

    #[test]
    fn parses_the_usual_spellings() {
        for text in [
            "EPSG:2154",
            "epsg:2154",
            "2154",
            " EPSG:2154 ",
            "urn:ogc:def:crs:EPSG::2154",
            "http://www.opengis.net/def/crs/EPSG/0/2154",
        ] {
            assert_eq!(Crs::parse(text).unwrap().code(), 2154, "{text}");
        }
        for text in ["CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "WGS84"] {
            assert!(Crs::parse(text).unwrap().is_wgs84(), "{text}");
        }
        let e = Crs::parse("EPSG:27572").unwrap_err().to_string();
        assert!(
            e.contains("EPSG:27572") && e.contains("EPSG:2154") && e.contains("EPSG:32632"),
            "{e}"
        );
        assert!(Crs::parse("lambert").is_err());
        assert_eq!(supported().len(), 15);
    }

    #[test]
    fn the_api_takes_exactly_its_names() {
        for crs in Crs::all() {
            for name in crs.api_names() {
                assert_eq!(Crs::from_api_name(&name).unwrap(), crs, "{name}");
            }
        }
        for name in ["epsg:2154", "2154", " EPSG:2154", "urn:ogc:def:crs:EPSG::2154"] {
            assert!(Crs::from_api_name(name).is_err(), "{name}");
        }
    }

    /// The bounds are a promise: every point inside them converts, corners included.
    #[test]
    fn every_point_within_the_bounds_converts() {
        const STEPS: usize = 60;
        for crs in Crs::all() {
            let [w, s, e, n] = crs.bounds();
            assert!(w < e && s < n, "{crs}: {:?}", crs.bounds());
            for i in 0..=STEPS {
                for j in 0..=STEPS {
                    let x = w + (e - w) * i as f64 / STEPS as f64;
                    let y = s + (n - s) * j as f64 / STEPS as f64;
                    let converted = crs.to_wgs84(x.clamp(w, e), y.clamp(s, n));
                    assert!(converted.is_ok(), "{crs} x {x} y {y}: {converted:?}");
                }
            }
            let outside = crs.to_wgs84(e + 1.0, n);
            assert!(outside.is_err(), "{crs}: east of the bounds");
        }
    }

    #[test]
    fn every_definition_parses_and_its_origin_converts() {
        for (d, proj) in DEFS.iter().zip(projs()) {
            assert!(proj.has_inverse(), "EPSG:{}", d.code);
        }
        // Lambert-93's false origin is at 3°E, 46.5°N by definition.
        let p = Crs::parse("EPSG:2154")
            .unwrap()
            .to_wgs84(700_000.0, 6_600_000.0)
            .unwrap();
        assert!((p.x - 3.0).abs() < 1e-9 && (p.y - 46.5).abs() < 1e-9, "{p:?}");
    }

    #[test]
    fn points_outside_the_area_are_refused() {
        let l93 = Crs::parse("EPSG:2154").unwrap();
        // Degrees sent as Lambert-93 land in the ocean far south-west.
        let e = l93.to_wgs84(3.08, 45.77).unwrap_err();
        assert!(e.contains("outside") && e.contains("bounds"), "{e}");
        let e = Crs::WGS84.to_wgs84(652_000.0, 6_862_000.0).unwrap_err();
        assert!(e.contains("EPSG:2154"), "{e}");
        assert!(l93.to_wgs84(f64::NAN, 1.0).is_err());
        assert!(
            Crs::parse("EPSG:3950")
                .unwrap()
                .to_wgs84(1_700_000.0, 1_200_000.0)
                .is_err()
        );
    }

    #[test]
    fn a_point_is_given_one_way_or_the_other() {
        let lambert = Crs::parse("EPSG:2154").unwrap();
        let wgs84 = PointInput::from_parts(Some(45.0), Some(4.0), None, None, None).unwrap();
        assert_eq!(wgs84, PointInput::Wgs84 { lat: 45.0, lon: 4.0 });
        let projected = PointInput::from_parts(None, None, Some(652_000.0), Some(6_862_000.0), Some(lambert));
        assert!(matches!(projected, Ok(PointInput::Projected { .. })));
        let mixed = PointInput::from_parts(Some(45.0), None, Some(4.0), Some(45.0), None).unwrap_err();
        assert_eq!(mixed.parameter(), "lat");
        let lat_in_lambert =
            PointInput::from_parts(Some(45.0), Some(4.0), None, None, Some(lambert)).unwrap_err();
        assert_eq!(lat_in_lambert.parameter(), "crs");
        let half = PointInput::from_parts(None, None, None, Some(45.0), None).unwrap_err();
        assert_eq!(half, PointError::MissingCoordinate("x"));
    }

    #[test]
    fn a_point_off_the_globe_names_its_coordinate() {
        let err = PointInput::Wgs84 { lat: 95.0, lon: 4.0 }.to_wgs84().unwrap_err();
        assert_eq!(err.parameter(), "lat");
    }
}
