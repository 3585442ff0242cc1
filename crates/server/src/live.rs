//! The dataset being served, and its replacement in one swap.
//!
//! Each dataset gets its own router (the router owns the [`AppState`] and its caches). A request takes
//! the current router when it arrives and keeps it to the end, so requests under way finish on the
//! dataset they started with, and the old one is freed when its last request ends. A reload loads and
//! checks the new file away from the runtime's threads, its checksum included, while the old one
//! serves; anything wrong leaves the old dataset serving. At start there is no old one: the server
//! serves as soon as the file is mapped, and stops if the checksum check then fails.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::{AppState, Served, StateOptions};
use territoires_core::Indexed;
use territoires_core::dataset::InputKind;
use territoires_core::file::Verification;
use territoires_query::locate::self_check;

/// Builds what serves one dataset's state, its router and its direct answers: the same routes and
/// layers for every reload.
pub type MakeServed = Box<dyn Fn(Arc<AppState>) -> Served + Send + Sync>;

pub struct Live {
    data: PathBuf,
    /// The same for every dataset's state: the metrics, so counts survive reloads.
    options: StateOptions,
    make_served: MakeServed,
    current: RwLock<Arc<Served>>,
    /// One reload at a time: a second SIGHUP during a reload waits its turn.
    reloading: tokio::sync::Mutex<()>,
}

impl Live {
    /// Loads the dataset at `data` (a directory holding `territoires.bin`) and prepares its router.
    /// The file's checksum is still being checked: the caller waits on the [`Verification`].
    pub async fn start(
        data: &Path,
        options: StateOptions,
        make_served: MakeServed,
    ) -> anyhow::Result<(Self, Verification)> {
        let (state, verification) = open_state(data.to_path_buf(), options.clone()).await?;
        warm(state.clone());
        let live = Live {
            current: RwLock::new(Arc::new(make_served(state))),
            data: data.to_path_buf(),
            options,
            make_served,
            reloading: tokio::sync::Mutex::new(()),
        };
        Ok((live, verification))
    }

    /// The dataset being served now, as its router and its direct answers.
    pub fn served(&self) -> Arc<Served> {
        // A poisoned lock still holds a whole router: the swap is a single assignment.
        match self.current.read() {
            Ok(served) => served.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Loads `--data` again and swaps it in if it passes the checks; otherwise keeps serving the old
    /// dataset. Either way the outcome is logged and counted.
    pub async fn reload(&self) -> Result<(), String> {
        let _turn = self.reloading.lock().await;
        let started = std::time::Instant::now();
        match load_state(self.data.clone(), self.options.clone()).await {
            Ok(state) => {
                let file = state.ix.dataset.file.clone();
                warm(state.clone());
                let served = Arc::new((self.make_served)(state));
                match self.current.write() {
                    Ok(mut current) => *current = served,
                    Err(poisoned) => *poisoned.into_inner() = served,
                }
                self.options.metrics.reloaded(true);
                tracing::info!(
                    sha256 = file.as_ref().and_then(|f| f.checksum.get()).unwrap_or(""),
                    seconds = started.elapsed().as_secs_f64(),
                    "dataset reloaded"
                );
                Ok(())
            }
            Err(e) => {
                self.options.metrics.reloaded(false);
                let reason = territoires_core::error::describe(e.as_ref());
                tracing::error!(reason = %reason, "reload refused; still serving the previous dataset");
                Err(reason)
            }
        }
    }
}

/// Maps, checks and indexes a dataset on a blocking thread, then makes its state; the checksum
/// check goes on on its own thread.
async fn open_state(data: PathBuf, options: StateOptions) -> anyhow::Result<(Arc<AppState>, Verification)> {
    let started = std::time::Instant::now();
    let (state, verification) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let (ix, verification) = Indexed::open(&data)?;
        let checked =
            self_check(&ix).map_err(|e| anyhow::anyhow!("{}: self-check failed: {e}", data.display()))?;
        tracing::debug!(points = checked, "self-check passed");
        Ok((AppState::with_options(ix, options), verification))
    })
    .await??;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "dataset loaded");
    Ok((Arc::new(state), verification))
}

/// [`open_state`], then waits for the checksum check.
async fn load_state(data: PathBuf, options: StateOptions) -> anyhow::Result<Arc<AppState>> {
    let (state, verification) = open_state(data, options).await?;
    tokio::task::spawn_blocking(move || verification.wait()).await??;
    Ok(state)
}

/// Builds every layer's topology and its default zoom in the background, so the map's first
/// requests find them ready.
fn warm(state: Arc<AppState>) {
    tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        for layer in territoires_core::dataset::LayerIx::all(state.ix.dataset.layers.len()) {
            state.ix.generalised(layer, 6);
        }
        if let Some(epci) = state.ix.dataset.layer_from(InputKind::Epci) {
            state.ix.neighbours(epci);
        }
        tracing::info!(
            seconds = started.elapsed().as_secs_f64(),
            "generalised layers ready"
        );
    });
}
