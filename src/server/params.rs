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

    /// A comma-separated list.
    pub fn list(&mut self, name: &str) -> Result<Option<Vec<String>>, ApiError> {
        Ok(self.text(name)?.map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        }))
    }

    /// Refuses any parameter not read so far.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.pairs.iter().zip(&self.used).find(|(_, used)| !**used) {
            None => Ok(()),
            Some(((k, _), _)) => Err(ApiError::bad_parameter(k, format!("unknown parameter `{k}`"))),
        }
    }
}
