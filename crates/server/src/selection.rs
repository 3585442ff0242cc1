//! The parameters that choose a layer's features, read the same way for the OGC items and the
//! downloads: `filter` with `filter-lang` and `filter-crs` (CQL2, OGC API – Features Part 3),
//! `sortby` and `properties`. The filtering itself is `territoires_query`'s.

use super::error::ApiError;
use super::params::Params;
use territoires_core::dataset::LayerIx;
use territoires_geo::CrsRef;
use territoires_query::filter::{
    Filter, FilterError, FilterLang, Queryables, parse_properties, parse_sortby,
};
use territoires_query::select::{Region, Selection, select};

/// A [`FilterError`] as a 400 on `parameter`; an unknown property lists the queryables.
fn refused(parameter: &str, e: FilterError) -> ApiError {
    let supported = match &e {
        FilterError::UnknownProperty { queryables, .. } => queryables.clone(),
        _ => Vec::new(),
    };
    ApiError {
        supported,
        ..ApiError::bad_parameter(parameter, e.to_string())
    }
}

/// `filter`, `filter-lang`, `filter-crs` and `sortby` with the region already read.
pub fn read_selection(
    p: &mut Params,
    queryables: &Queryables,
    region: Option<Region>,
) -> Result<Selection, ApiError> {
    let lang = match p.text("filter-lang")? {
        None => FilterLang::Cql2Text,
        Some(name) => FilterLang::parse(&name).ok_or_else(|| ApiError {
            supported: FilterLang::NAMES.map(String::from).to_vec(),
            ..ApiError::bad_parameter(
                "filter-lang",
                format!("unknown filter-lang `{name}`: use cql2-text (the default) or cql2-json"),
            )
        })?,
    };
    let filter_crs = p.crs_ref("filter-crs")?.unwrap_or(CrsRef::CRS84);
    let filter = p
        .text("filter")?
        .map(|text| Filter::parse(&text, lang, queryables, filter_crs))
        .transpose()
        .map_err(|e| refused("filter", e))?;
    let sortby = p
        .text("sortby")?
        .map(|text| parse_sortby(&text, queryables))
        .transpose()
        .map_err(|e| refused("sortby", e))?
        .unwrap_or_default();
    Ok(Selection {
        region,
        filter,
        sortby,
    })
}

/// `properties`: the property names to return, each a queryable; `None` for all of them.
pub fn read_properties(p: &mut Params, queryables: &Queryables) -> Result<Option<Vec<String>>, ApiError> {
    p.text("properties")?
        .map(|text| parse_properties(&text, queryables))
        .transpose()
        .map_err(|e| refused("properties", e))
}

/// What a download asks besides its box: the features a filter or a sort chooses, in order
/// (`None`: every feature, in layer order, the cached whole file), and the properties to keep.
#[derive(Debug, Clone, Default)]
pub struct DownloadChoice {
    pub features: Option<Vec<usize>>,
    pub properties: Option<Vec<String>>,
}

impl DownloadChoice {
    /// Reads `filter`, `filter-lang`, `filter-crs`, `sortby` and `properties` for layer `l`.
    pub fn read(p: &mut Params, state: &crate::AppState, l: LayerIx) -> Result<DownloadChoice, ApiError> {
        let queryables = &state.queryables[l.index()];
        let selection = read_selection(p, queryables, None)?;
        let properties = read_properties(p, queryables)?;
        let features = (selection.filter.is_some() || !selection.sortby.is_empty()).then(|| {
            select(
                &state.ix.dataset.layers[l],
                &state.feature_boxes[l.index()],
                queryables,
                &selection,
            )
        });
        Ok(DownloadChoice { features, properties })
    }

    /// Whether this is the whole layer as it is: the answer the cache keeps.
    pub fn is_whole(&self) -> bool {
        self.features.is_none() && self.properties.is_none()
    }
}
