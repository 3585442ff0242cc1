//! Real places, answered as a citizen would ask.

use crate::common;

use territoires_core::dataset::FeatureIx;
use territoires_query::QueryError;
use territoires_query::locate::{LocateOptions, Location, locate};

fn at(lat: f64, lon: f64) -> Location {
    locate(common::indexed(), lon, lat, &LocateOptions::default()).expect("valid point")
}

/// The ids found in one layer.
fn ids(location: &Location, layer: &str) -> Vec<String> {
    let ix = common::indexed();
    let l = common::layer(ix, layer);
    location
        .hits_in(l)
        .map(|h| ix.dataset.layers[l].features[h.feature].id.to_string())
        .collect()
}

#[test]
fn clermont_ferrand_is_in_the_petr_grand_clermont() {
    let here = at(45.7772, 3.0870);
    assert_eq!(ids(&here, "communes"), ["63113"]);
    assert_eq!(ids(&here, "epci"), ["246300701"]);
    assert_eq!(ids(&here, "pays"), ["200048171"]);
    assert_eq!(ids(&here, "departements"), ["63"]);
    assert_eq!(ids(&here, "regions"), ["84"]);
    let ix = common::indexed();
    let pays = &ix.dataset.layer("pays").unwrap().features;
    assert_eq!(
        pays.iter().find(|f| f.id == "200048171").unwrap().name,
        "PETR Grand Clermont"
    );
}

#[test]
fn vervins_is_in_the_petr_du_pays_de_thierache() {
    let here = at(49.8350, 3.9070);
    assert_eq!(ids(&here, "communes"), ["02789"]);
    assert_eq!(ids(&here, "epci"), ["240200444"]);
    assert_eq!(ids(&here, "pays"), ["200051118"]);
}

#[test]
fn paris_has_no_pays() {
    let here = at(48.8566, 2.3522);
    assert_eq!(ids(&here, "communes"), ["75056"]);
    assert!(ids(&here, "pays").is_empty());
}

#[test]
fn the_atlantic_is_nowhere() {
    let here = at(46.0, -5.0);
    assert!(here.hits.is_empty(), "{:?}", here.hits);
    assert_eq!(here.commune, None);
}

#[test]
fn overseas_communes_are_located_outside_the_grid() {
    // Cayenne, Guyane.
    assert_eq!(ids(&at(4.9372, -52.3260), "communes"), ["97302"]);
}

#[test]
fn a_tolerance_finds_the_nearest_commune_and_marks_it_approximate() {
    let ix = common::indexed();
    // At sea, about 2 km off the Île d'Aix.
    let options = LocateOptions {
        tolerance_m: Some(5_000.0),
        layers: None,
    };
    let here = locate(ix, -1.2, 46.0, &options).unwrap();
    let communes: Vec<_> = here.hits_in(common::layer(ix, "communes")).collect();
    assert_eq!(communes.len(), 1);
    assert!(communes[0].approximate);
    assert!(
        communes[0].distance_m > 1_000.0 && communes[0].distance_m < 5_000.0,
        "{:?}",
        communes[0]
    );
    // EPCI and région follow the approximate commune, marked approximate too.
    let epci: Vec<_> = here.hits_in(common::layer(ix, "epci")).collect();
    assert!(epci.len() == 1 && epci[0].approximate);
    // Without a tolerance, nothing.
    assert!(at(46.0, -1.2).hits.is_empty());
}

#[test]
fn a_point_on_a_shared_border_belongs_to_the_smallest_insee_code() {
    let ix = common::indexed();
    let communes = common::layer(ix, "communes");
    let features = &ix.dataset.layers[communes].features;
    // A vertex of Clermont-Ferrand's border that another commune shares.
    let clermont = features.iter().position(|f| f.id == "63113").unwrap();
    let polygons = ix.dataset.layers[communes].polygons(FeatureIx::at(clermont));
    let shared = polygons.0[0]
        .exterior()
        .0
        .iter()
        .find(|c| {
            let mut owners = 0;
            ix.features_at(communes, **c, |_| {
                owners += 1;
                true
            });
            owners >= 2
        })
        .expect("a shared vertex");
    let mut owners = Vec::new();
    ix.features_at(communes, *shared, |f| {
        owners.push(features[f].id.clone());
        true
    });
    let here = at(shared.y, shared.x);
    let smallest = owners.iter().min().unwrap().clone();
    assert_eq!(ids(&here, "communes"), [smallest]);
}

#[test]
fn bad_coordinates_are_errors() {
    let ix = common::indexed();
    let options = LocateOptions::default();
    for (lon, lat, name) in [
        (0.0, 91.0, "lat"),
        (181.0, 45.0, "lon"),
        (f64::NAN, 45.0, "lon"),
        (2.0, f64::INFINITY, "lat"),
    ] {
        match locate(ix, lon, lat, &options) {
            Err(QueryError::CoordinateOutOfRange { name: n, .. }) => assert_eq!(n, name),
            other => panic!("{lon},{lat}: {other:?}"),
        }
    }
    let negative = LocateOptions {
        tolerance_m: Some(-1.0),
        layers: None,
    };
    assert!(matches!(
        locate(ix, 2.0, 45.0, &negative),
        Err(QueryError::BadTolerance { .. })
    ));
}
