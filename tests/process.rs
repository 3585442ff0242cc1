//! The `territoires serve` process itself: it starts, answers, and stops cleanly on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn serve_answers_then_shuts_down_gracefully_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_territoires"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(common::data_dir())
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start territoires serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // The log line `serving addr=127.0.0.1:PORT` gives the port.
    let started = Instant::now();
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("a `serving` log line");
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().unwrap_or_default().to_string();
        }
        assert!(started.elapsed() < Duration::from_secs(30));
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let health: serde_json::Value = runtime
        .block_on(async { reqwest::get(format!("http://{addr}/healthz")).await?.json().await })
        .expect("healthz");
    assert_eq!(health["status"], "ok");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "still running 10 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let logs: Vec<String> = rx.try_iter().collect();
    assert!(logs.iter().any(|l| l.contains("stopped")), "{logs:?}");
}
