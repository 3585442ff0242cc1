//! Web-map zoom levels: the one rule for what a client may ask and what geometry answers it.
//!
//! A client may ask for any zoom a web map has (0 to [`MAX_ZOOM`]); geometry is generalised only up
//! to [`MAX_GENERALISED_ZOOM`], past which it is already finer than the source data, so higher zooms
//! share that zoom's geometry (and its cached answers).

use std::fmt;

/// The highest zoom a client may ask for: tiles, layers, labels, the simulator and exports.
pub const MAX_ZOOM: u8 = 22;
/// The finest generalisation kept: the source data's simplification is coarser than zoom 12's.
pub const MAX_GENERALISED_ZOOM: u8 = 12;

/// A zoom level from 0 to [`MAX_ZOOM`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Zoom(u8);

/// A zoom beyond [`MAX_ZOOM`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`zoom` must be a whole number from 0 to {MAX_ZOOM}, got {0}")]
pub struct ZoomOutOfRange(pub u64);

impl Zoom {
    pub fn new(zoom: u64) -> Result<Zoom, ZoomOutOfRange> {
        u8::try_from(zoom)
            .ok()
            .filter(|&z| z <= MAX_ZOOM)
            .map(Zoom)
            .ok_or(ZoomOutOfRange(zoom))
    }

    /// The level asked.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The zoom whose generalised geometry answers this one.
    pub fn generalisation(self) -> u8 {
        self.0.min(MAX_GENERALISED_ZOOM)
    }
}

impl fmt::Display for Zoom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for Zoom {
    type Err = String;

    /// For command-line flags: a whole number from 0 to [`MAX_ZOOM`].
    fn from_str(text: &str) -> Result<Zoom, String> {
        let zoom: u64 = text
            .trim()
            .parse()
            .map_err(|_| format!("`zoom` must be a whole number from 0 to {MAX_ZOOM}, got `{text}`"))?;
        Zoom::new(zoom).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zooms_past_the_finest_generalisation_share_it() {
        assert_eq!(Zoom::new(6).unwrap().generalisation(), 6);
        assert_eq!(Zoom::new(18).unwrap().generalisation(), MAX_GENERALISED_ZOOM);
        assert_eq!(Zoom::new(22).unwrap().get(), 22);
    }

    #[test]
    fn a_zoom_past_the_last_is_refused() {
        assert_eq!(Zoom::new(23), Err(ZoomOutOfRange(23)));
        assert!("x".parse::<Zoom>().is_err());
        assert!("300".parse::<Zoom>().is_err());
    }
}
