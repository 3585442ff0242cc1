//! The one check every point goes through before it meets the data: a finite longitude and latitude
//! on the globe. The command line, the API and the batch all call it, so they refuse the same points
//! with the same words.

use geo::Coord;

/// A coordinate that is not a number, or beyond ±180° of longitude or ±90° of latitude.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{name}` must be a finite number between {min} and {max}, got {value}")]
pub struct OutOfRange {
    /// `lon` or `lat`: the name the caller gave it.
    pub name: &'static str,
    pub value: f64,
    pub min: f64,
    pub max: f64,
}

/// `lon`, `lat` in WGS84 degrees as a `Coord { x: lon, y: lat }`, or which of the two is off.
pub fn lon_lat(lon: f64, lat: f64) -> Result<Coord<f64>, OutOfRange> {
    let check = |name, value: f64, limit: f64| {
        if value.is_finite() && value.abs() <= limit {
            Ok(value)
        } else {
            Err(OutOfRange {
                name,
                value,
                min: -limit,
                max: limit,
            })
        }
    };
    Ok(Coord {
        x: check("lon", lon, 180.0)?,
        y: check("lat", lat, 90.0)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poles_and_the_antimeridian_are_on_the_globe() {
        assert!(lon_lat(180.0, 90.0).is_ok());
        assert!(lon_lat(-180.0, -90.0).is_ok());
    }

    #[test]
    fn the_first_coordinate_off_the_globe_is_named() {
        assert_eq!(lon_lat(2.0, 91.0).unwrap_err().name, "lat");
        assert_eq!(lon_lat(f64::NAN, 45.0).unwrap_err().name, "lon");
    }
}
