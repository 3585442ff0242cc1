//! Progress bars on a terminal; plain "done" lines with timings otherwise, so CI logs show the steps.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    enabled: bool,
}

pub struct Step {
    bar: Option<ProgressBar>,
    name: String,
    started: Instant,
}

impl Progress {
    pub fn new(enabled: bool) -> Self {
        Progress { enabled }
    }

    /// A step of unknown length: a spinner.
    pub fn step(&self, name: &str) -> Step {
        let bar = self.enabled.then(|| {
            let bar = ProgressBar::new_spinner().with_message(name.to_string());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Step {
            bar,
            name: name.to_string(),
            started: Instant::now(),
        }
    }

    /// A step of `len` units: a bar.
    pub fn bar(&self, name: &str, len: u64) -> Step {
        let bar = self.enabled.then(|| {
            let bar = ProgressBar::new(len).with_message(name.to_string());
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Step {
            bar,
            name: name.to_string(),
            started: Instant::now(),
        }
    }
}

impl Step {
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    pub fn done(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!(
            "  done: {} ({:.2} s)",
            self.name,
            self.started.elapsed().as_secs_f64()
        );
    }
}
