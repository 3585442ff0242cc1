//! A real `territoires serve` process on an ephemeral port, killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

pub struct ServeProcess {
    pub child: Child,
    /// `127.0.0.1:PORT`, read from the `serving` log line.
    pub addr: String,
    /// Every log line after the `serving` one.
    pub logs: Receiver<String>,
}

impl ServeProcess {
    /// Starts `territoires serve --addr 127.0.0.1:0 ARGS…` and waits for it to listen.
    pub fn start(args: &[&str]) -> Self {
        Self::start_with_log(args, "info")
    }

    /// As [`ServeProcess::start`], with `RUST_LOG` set to `filter` (it must keep the `serving` line).
    pub fn start_with_log(args: &[&str], filter: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_territoires"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", filter)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start territoires serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, logs) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let started = Instant::now();
        let addr = loop {
            let line = logs
                .recv_timeout(Duration::from_secs(60))
                .expect("a `serving` log line");
            if line.contains("serving")
                && let Some(rest) = line.split("addr=").nth(1)
            {
                break rest.split_whitespace().next().unwrap_or_default().to_string();
            }
            assert!(started.elapsed() < Duration::from_secs(60));
        };
        ServeProcess { child, addr, logs }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// The process's exit status, waiting at most `within`.
    pub fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(exit) = self.child.try_wait().expect("try_wait") {
                return exit;
            }
            assert!(
                Instant::now() < deadline,
                "still running {within:?} after the signal"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
