//! Geometry and membership must tell the same story: wherever a commune is found, the EPCI,
//! département, région and Pays found by their dissolved polygons are the commune's by membership.

use crate::common;

use geo::Coord;
use territoires_core::dataset::{FeatureIx, LayerIx};
use territoires_geo::sample::{METROPOLE_BOX, uniform_points};
use territoires_query::locate::{LocateOptions, locate};

/// Features of `layer` whose polygon holds `p`, by geometry alone.
fn by_geometry(layer: LayerIx, p: Coord<f64>) -> Vec<FeatureIx> {
    let mut found = Vec::new();
    common::indexed().features_at(layer, p, |f| {
        found.push(f);
        true
    });
    found
}

#[test]
fn ten_thousand_random_points_agree_with_memberships() {
    let ix = common::indexed();
    let data = &ix.dataset;
    let [epci, departements, regions, pays] =
        ["epci", "departements", "regions", "pays"].map(|l| common::layer(ix, l));
    let options = LocateOptions::default();
    let mut in_a_commune = 0;
    let mut in_a_pays = 0;
    for (lon, lat) in uniform_points(10_000, 20_261_128, METROPOLE_BOX) {
        let location = locate(ix, lon, lat, &options).unwrap();
        let Some(c) = location.commune else { continue };
        in_a_commune += 1;
        let commune = &data.communes[c];
        let p = Coord { x: lon, y: lat };
        let ids = |layer: LayerIx, found: &[FeatureIx]| -> Vec<String> {
            found
                .iter()
                .map(|&f| data.layers[layer].features[f].id.to_string())
                .collect()
        };
        let at = format!("({lat}, {lon}) in commune {}", commune.code);

        // EPCI: by geometry = the commune's EPCI in epci.json.
        assert_eq!(
            ids(epci, &by_geometry(epci, p)),
            commune.epci.iter().cloned().collect::<Vec<_>>(),
            "{at}"
        );
        assert_eq!(
            ids(departements, &by_geometry(departements, p)),
            std::slice::from_ref(&commune.departement),
            "{at}"
        );
        assert_eq!(
            ids(regions, &by_geometry(regions, p)),
            std::slice::from_ref(&commune.region),
            "{at}"
        );

        // Pays: by geometry = the Pays holding that EPCI (or the commune itself).
        let by_membership: Vec<FeatureIx> = data.layers[pays].membership.features_of(c).to_vec();
        assert_eq!(by_geometry(pays, p), by_membership, "{at}");
        in_a_pays += usize::from(!by_membership.is_empty());
    }
    // The sample must actually exercise both cases.
    assert!(in_a_commune > 3_000, "{in_a_commune}");
    assert!(in_a_pays > 500, "{in_a_pays}");
}

#[test]
fn the_pays_of_a_commune_is_the_pays_of_its_epci() {
    let ix = common::indexed();
    let data = &ix.dataset;
    let pays = data.layer("pays").unwrap();
    for f in &pays.features {
        let members = f
            .properties
            .iter()
            .find(|(k, _)| k == "members")
            .map(|(_, v)| v.to_string())
            .unwrap();
        let members: Vec<&str> = members.split(';').collect();
        for &c in &f.communes {
            let commune = &data.communes[c];
            let held = members.contains(&commune.code.as_str())
                || commune.epci.as_deref().is_some_and(|e| members.contains(&e));
            assert!(
                held,
                "{} in {} but neither it nor its EPCI is a member",
                commune.code, f.id
            );
        }
    }
}

fn all_at(layer: LayerIx, p: Coord<f64>, exactly: bool) -> Vec<FeatureIx> {
    let ix = common::indexed();
    let mut found = Vec::new();
    let push = |f| {
        found.push(f);
        true
    };
    if exactly {
        ix.features_at_exactly(layer, p, push);
    } else {
        ix.features_at(layer, p, push);
    }
    found
}

#[test]
fn the_grid_agrees_with_exact_polygon_tests() {
    let ix = common::indexed();
    for layer in ["communes", "contrats-ruralite-2016-2017"].map(|l| common::layer(ix, l)) {
        for (lon, lat) in uniform_points(100_000, 7, METROPOLE_BOX) {
            let p = Coord { x: lon, y: lat };
            assert_eq!(
                all_at(layer, p, false),
                all_at(layer, p, true),
                "layer {layer} at {p:?}"
            );
        }
        // Vertices lie on borders, where the grid's crossing rules are most fragile.
        let data = &ix.dataset.layers[layer];
        for (f, _) in data.indexed_features().step_by(97) {
            for &c in data.polygons(f).0[0].exterior().0.iter().step_by(3) {
                assert_eq!(
                    all_at(layer, c, false),
                    all_at(layer, c, true),
                    "layer {layer} at vertex {c:?}"
                );
            }
        }
    }
}

/// The communes' grid answers for the contrats de ruralité where their answer is the same all over
/// a cell: it must give the exact tests' answer wherever it answers, at random points and on the
/// borders of communes and of contrats, and answer most points in France (or it is not used).
#[test]
fn the_communes_grid_answers_for_its_companion_as_the_exact_tests_do() {
    use territoires_query::locate::{Location, locate_into};
    let ix = common::indexed();
    let [communes, contrats] = ["communes", "contrats-ruralite-2016-2017"].map(|l| common::layer(ix, l));
    let companion = ix
        .communes_companion()
        .expect("a companion of the communes' grid");
    assert_eq!(companion.layer, contrats);
    let mut points: Vec<Coord<f64>> = uniform_points(100_000, 23, METROPOLE_BOX)
        .into_iter()
        .map(|(x, y)| Coord { x, y })
        .collect();
    for layer in [communes, contrats] {
        let data = &ix.dataset.layers[layer];
        for (f, _) in data.indexed_features().step_by(53) {
            points.extend(data.polygons(f).0[0].exterior().0.iter().step_by(2));
        }
    }
    let options = LocateOptions {
        layers: Some(vec![contrats]),
        ..LocateOptions::default()
    };
    let (mut in_a_commune, mut answered) = (0, 0);
    let mut location = Location::default();
    for p in points {
        let Some(cell) = ix.cell_at(communes, p) else {
            continue;
        };
        let exact = all_at(contrats, p, true);
        locate_into(ix, p, &options, &mut location);
        let located: Vec<FeatureIx> = location.hits.iter().map(|h| h.feature).collect();
        assert_eq!(located, exact, "located at {p:?}");
        let stand_in = companion.stand_in(cell);
        if let Some(stand_in) = stand_in {
            let mut answer = Vec::new();
            ix.features_in(contrats, Some(stand_in), p, |f| {
                answer.push(f);
                true
            });
            assert_eq!(answer, exact, "companion answer at {p:?}");
        }
        if location.commune.is_some() {
            in_a_commune += 1;
            answered += usize::from(stand_in.is_some());
        }
    }
    assert!(
        answered * 10 > in_a_commune * 8,
        "{answered} answered of {in_a_commune} in a commune"
    );
}

/// A batch lookup keeps many points in flight; it must answer each as a lookup of that point
/// alone does: at random points, on borders (the vertices of communes and of the contrats de
/// ruralité), at sea within a tolerance, for every layer and for a few.
#[test]
fn points_located_together_get_the_answers_they_get_alone() {
    use territoires_query::locate::{Location, locate_each, locate_into};
    let ix = common::indexed();
    let mut points: Vec<Coord<f64>> = uniform_points(50_000, 11, METROPOLE_BOX)
        .into_iter()
        .map(|(x, y)| Coord { x, y })
        .collect();
    for layer in ["communes", "contrats-ruralite-2016-2017"].map(|l| common::layer(ix, l)) {
        let data = &ix.dataset.layers[layer];
        for (f, _) in data.indexed_features().step_by(211) {
            points.extend(data.polygons(f).0[0].exterior().0.iter().step_by(5));
        }
    }
    // Outside every grid's extent: the exact tests answer those.
    points.extend([Coord { x: -20.0, y: 40.0 }, Coord { x: 55.5, y: -21.1 }]);
    let some_layers = ["pays", "contrats-ruralite-2016-2017", "communes"].map(|l| common::layer(ix, l));
    let choices = [
        LocateOptions::default(),
        LocateOptions {
            tolerance_m: Some(2_000.0),
            layers: None,
        },
        LocateOptions {
            tolerance_m: None,
            layers: Some(some_layers.to_vec()),
        },
        LocateOptions {
            tolerance_m: Some(500.0),
            layers: Some(vec![common::layer(ix, "contrats-ruralite-2016-2017")]),
        },
    ];
    for options in &choices {
        // An odd length, so that the last batch is a short one.
        let points = &points[..points.len() / 2 * 2 - 1];
        let mut together = vec![Location::default(); points.len()];
        locate_each(ix, points, options, &mut together);
        let mut alone = Location::default();
        let mut with_hits = 0;
        for (&p, together) in points.iter().zip(&together) {
            locate_into(ix, p, options, &mut alone);
            assert_eq!(together.commune, alone.commune, "{p:?} with {options:?}");
            assert_eq!(together.hits, alone.hits, "{p:?} with {options:?}");
            with_hits += usize::from(!alone.hits.is_empty());
        }
        assert!(
            with_hits > points.len() / 5,
            "{with_hits} of {} points found something",
            points.len()
        );
    }
    // Fewer batches than are on their way at once, down to none.
    for n in [0, 1, 31, 32, 33, 65, 97, 129] {
        let points = &points[1_000..1_000 + n];
        let mut together = vec![Location::default(); n];
        locate_each(ix, points, &LocateOptions::default(), &mut together);
        for (&p, together) in points.iter().zip(&together) {
            let alone = locate(ix, p.x, p.y, &LocateOptions::default()).unwrap();
            assert_eq!(
                (together.commune, &together.hits),
                (alone.commune, &alone.hits),
                "{p:?} of {n}"
            );
        }
    }
}

/// A list of layers keeps exactly the hits of those layers that every layer gives, in the same
/// order, whichever layers are left out between them (the memberships of several layers are copied
/// as one step), one point at a time and in batches.
#[test]
fn a_layer_list_keeps_exactly_its_layers_hits() {
    use territoires_query::locate::{Location, locate_each};
    let ix = common::indexed();
    let points: Vec<Coord<f64>> = uniform_points(3_000, 7, METROPOLE_BOX)
        .into_iter()
        .map(|(x, y)| Coord { x, y })
        .collect();
    let every: Vec<Location> = points
        .iter()
        .map(|p| locate(ix, p.x, p.y, &LocateOptions::default()).unwrap())
        .collect();
    let all: Vec<LayerIx> = LayerIx::all(ix.dataset.layers.len()).collect();
    let mut lists: Vec<Vec<LayerIx>> = all.iter().map(|&l| vec![l]).collect();
    lists.push(all.iter().copied().step_by(2).collect());
    lists.push(all.iter().copied().skip(1).step_by(2).collect());
    lists.push(all.iter().copied().filter(|l| l.index() % 3 != 0).collect());
    lists.push(
        ["epci", "crte", "contrats-ruralite-2016-2017"]
            .map(|l| common::layer(ix, l))
            .to_vec(),
    );
    let mut in_batches = vec![Location::default(); points.len()];
    for list in lists {
        let options = LocateOptions {
            tolerance_m: None,
            layers: Some(list.clone()),
        };
        locate_each(ix, &points, &options, &mut in_batches);
        for ((p, every), together) in points.iter().zip(&every).zip(&in_batches) {
            let alone = locate(ix, p.x, p.y, &options).unwrap();
            let kept: Vec<_> = every
                .hits
                .iter()
                .filter(|h| list.contains(&h.layer))
                .copied()
                .collect();
            assert_eq!(alone.hits, kept, "{p:?} with layers {list:?}");
            assert_eq!(together.hits, kept, "{p:?} in a batch with layers {list:?}");
        }
    }
}

/// Each feature of the communes layer reads, from its row, its commune and every membership of that
/// commune in the commune-set layers, in layer order: short rows on their line and long ones
/// elsewhere alike.
#[test]
fn every_communes_row_holds_its_communes_memberships() {
    use territoires_core::dataset::LayerKind;
    let ix = common::indexed();
    let communes = ix.communes_layer().expect("a communes layer");
    let set_layers: Vec<_> = ix
        .dataset
        .indexed_layers()
        .filter(|(_, layer)| layer.kind == LayerKind::CommuneSets)
        .collect();
    let (mut rows, mut longest) = (0, 0);
    for (f, feature) in ix.dataset.layers[communes].indexed_features() {
        let c = feature.communes[0];
        let expected: Vec<(LayerIx, FeatureIx)> = set_layers
            .iter()
            .flat_map(|&(l, layer)| layer.membership.features_of(c).iter().map(move |&g| (l, g)))
            .collect();
        let (commune, memberships) = ix.commune_row(f).expect("a row");
        assert_eq!((commune, memberships), (c, &expected[..]), "feature {f}");
        rows += 1;
        longest = longest.max(expected.len());
    }
    // Every commune with an outline has its feature (a few have none in the source).
    assert!(rows > ix.dataset.communes.len() * 99 / 100, "{rows} rows");
    // Rows longer than a line holds are in the data, so both kinds were read.
    assert!(longest > 6, "the longest row has {longest} memberships");
}
