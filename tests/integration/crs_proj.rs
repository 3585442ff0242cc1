//! Our conversions to WGS84 against PROJ itself, through GDAL's `gdaltransform` (Debian's gdal-bin,
//! installed by `make tools`): to 1 cm, on points all over metropolitan France and Corsica, for
//! every supported system.
//!
//! For each system, PROJ projects a grid of WGS84 points (those inside the system's area), then
//! PROJ and we take the projected points back to WGS84, and the two answers are compared in metres.

use crate::common::gdaltransform;

use territoires_geo::crs::{Crs, supported};

/// Distance in metres between two nearby WGS84 points (a local flat approximation, fine at cm).
fn metres((lon0, lat0): (f64, f64), (lon1, lat1): (f64, f64)) -> f64 {
    let r = 6_371_000.0_f64;
    let dx = (lon1 - lon0).to_radians() * lat0.to_radians().cos() * r;
    let dy = (lat1 - lat0).to_radians() * r;
    dx.hypot(dy)
}

/// A grid over metropolitan France every 0.25°, plus its corners and Corsica.
fn france() -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    for i in 0..=60 {
        for j in 0..=40 {
            points.push((-5.2 + 0.25 * f64::from(i), 41.35 + 0.25 * f64::from(j)));
        }
    }
    // Brest, Dunkerque, Strasbourg, Menton, Perpignan, Hendaye, Bastia, Ajaccio, Bonifacio.
    points.extend([
        (-4.486, 48.390),
        (2.377, 51.034),
        (7.752, 48.573),
        (7.497, 43.775),
        (2.895, 42.699),
        (-1.774, 43.359),
        (9.450, 42.697),
        (8.738, 41.919),
        (9.159, 41.387),
    ]);
    points
}

#[test]
fn conversions_agree_with_proj_to_a_centimetre() {
    let mut report = Vec::new();
    for code in supported() {
        let crs = Crs::parse(&code).expect("supported");
        if crs.is_wgs84() {
            continue;
        }
        // PROJ's own projected points, kept where our system accepts them (its area).
        let projected = gdaltransform("EPSG:4326", &code, &france());
        let inside: Vec<(f64, f64)> = projected
            .into_iter()
            .filter(|&(x, y)| crs.to_wgs84(x, y).is_ok())
            .collect();
        assert!(inside.len() >= 50, "{code}: only {} points inside", inside.len());
        let theirs = gdaltransform(&code, "EPSG:4326", &inside);
        let mut worst = (0.0_f64, (0.0, 0.0));
        for (&(x, y), &expected) in inside.iter().zip(&theirs) {
            let ours = crs.to_wgs84(x, y).expect("inside");
            let error = metres(expected, (ours.x, ours.y));
            if error > worst.0 {
                worst = (error, (x, y));
            }
        }
        report.push(format!(
            "{code}: {} points, largest difference from PROJ {:.2e} m at x {:.3} y {:.3}",
            inside.len(),
            worst.0,
            worst.1.0,
            worst.1.1
        ));
        assert!(worst.0 < 0.01, "{}", report.last().expect("pushed"));
    }
    println!("{}", report.join("\n"));
}

#[test]
fn degrees_given_as_lambert_93_are_refused() {
    let l93 = Crs::parse("EPSG:2154").expect("supported");
    // Clermont-Ferrand in degrees, and the same in Lambert-93 as PROJ gives it.
    let clermont = (3.087, 45.777);
    assert!(l93.to_wgs84(clermont.0, clermont.1).is_err());
    let projected = gdaltransform("EPSG:4326", "EPSG:2154", &[clermont])[0];
    let back = l93.to_wgs84(projected.0, projected.1).expect("inside France");
    assert!(metres(clermont, (back.x, back.y)) < 0.01);
}
