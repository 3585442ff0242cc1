//! Strict query-string parsing: every parameter is known, given at most once, and well-formed; anything
//! else is a 400 naming the parameter, so that a typo never silently changes an answer.

use super::error::ApiError;

pub struct Params {
    pairs: Vec<(String, String)>,
    used: Vec<bool>,
}

impl Params {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let used = vec![false; pairs.len()];
        Params { pairs, used }
    }

    /// The parameter's value, if given.
    pub fn text(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        let mut found = None;
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            if k == name {
                if found.is_some() {
                    return Err(ApiError::bad_parameter(
                        name,
                        format!("`{name}` is given more than once"),
                    ));
                }
                found = Some(v.clone());
                self.used[i] = true;
            }
        }
        Ok(found)
    }

    pub fn required_text(&mut self, name: &str) -> Result<String, ApiError> {
        match self.text(name)? {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => Err(ApiError::bad_parameter(name, format!("`{name}` is required"))),
        }
    }

    pub fn number(&mut self, name: &str) -> Result<Option<f64>, ApiError> {
        self.text(name)?
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

    pub fn flag(&mut self, name: &str) -> Result<bool, ApiError> {
        match self.text(name)?.as_deref() {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") | Some("") => Ok(true),
            Some(other) => Err(ApiError::bad_parameter(
                name,
                format!("`{name}` must be true or false, got `{other}`"),
            )),
        }
    }

    /// A whole number of at least `min`.
    pub fn whole(&mut self, name: &str, min: usize) -> Result<Option<usize>, ApiError> {
        match self.number(name)? {
            None => Ok(None),
            Some(n) if n >= min as f64 && n.fract() == 0.0 && n < 1e15 => Ok(Some(n as usize)),
            Some(n) => Err(ApiError::bad_parameter(
                name,
                format!("`{name}` must be a whole number ≥ {min}, got {n}"),
            )),
        }
    }

    /// `minlon,minlat,maxlon,maxlat` (CRS84), as `[min_x, min_y, max_x, max_y]`.
    pub fn bbox(&mut self, name: &str) -> Result<Option<[f64; 4]>, ApiError> {
        let Some(text) = self.text(name)? else {
            return Ok(None);
        };
        let numbers: Vec<f64> = text.split(',').filter_map(|v| v.trim().parse().ok()).collect();
        match numbers.as_slice() {
            [x0, y0, x1, y1]
                if numbers.iter().all(|v| v.is_finite())
                    && x0 < x1
                    && y0 < y1
                    && *y0 >= -90.0
                    && *y1 <= 90.0 =>
            {
                Ok(Some([*x0, *y0, *x1, *y1]))
            }
            _ => Err(ApiError::bad_parameter(
                name,
                format!("`{name}` must be minlon,minlat,maxlon,maxlat with min < max, got `{text}`"),
            )),
        }
    }

    /// A comma-separated list.
    pub fn list(&mut self, name: &str) -> Result<Option<Vec<String>>, ApiError> {
        Ok(self.text(name)?.map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        }))
    }

    /// `crs=EPSG:CODE`, one of [`crate::crs::supported`].
    pub fn crs(&mut self) -> Result<Option<crate::crs::Crs>, ApiError> {
        self.text("crs")?
            .map(|v| {
                crate::crs::Crs::parse(&v).map_err(|e| ApiError {
                    supported: crate::crs::supported(),
                    ..ApiError::bad_parameter("crs", e.to_string())
                })
            })
            .transpose()
    }

    /// Refuses any parameter not read so far.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.pairs.iter().zip(&self.used).find(|(_, used)| !**used) {
            None => Ok(()),
            Some(((k, _), _)) => Err(ApiError::bad_parameter(k, format!("unknown parameter `{k}`"))),
        }
    }
}
