//! The `territoires serve` process itself: it starts, answers, reloads its dataset on SIGHUP (refusing
//! a damaged one), closes connections of clients too slow to finish, and stops cleanly on SIGTERM.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::process::ServeProcess;
use serde_json::Value as Json;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

fn get_json(runtime: &tokio::runtime::Runtime, url: &str) -> Json {
    runtime
        .block_on(async { reqwest::get(url).await?.error_for_status()?.json().await })
        .unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// The value of an unlabelled counter in the Prometheus text.
fn counter(runtime: &tokio::runtime::Runtime, server: &ServeProcess, name: &str) -> u64 {
    let text = runtime
        .block_on(async { reqwest::get(server.url("/metrics")).await?.text().await })
        .expect("metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no counter {name} in\n{text}"))
}

/// Waits until `name` reaches `value`: reloads happen off the request path.
fn await_counter(runtime: &tokio::runtime::Runtime, server: &ServeProcess, name: &str, value: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while counter(runtime, server, name) < value {
        assert!(Instant::now() < deadline, "{name} never reached {value}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(counter(runtime, server, name), value);
}

/// Writes `bytes` as the dataset of `dir` the way `territoires build` does: a temporary file renamed.
fn replace_dataset(dir: &Path, bytes: &[u8]) {
    let tmp = dir.join("incoming.tmp");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, dir.join(territoires_core::dataset::FILE_NAME)).unwrap();
}

#[test]
fn serve_answers_then_shuts_down_gracefully_on_sigterm() {
    let data = common::data_dir();
    let mut server = ServeProcess::start(&["--data", data.to_str().unwrap()]);
    let health = get_json(&runtime(), &server.url("/healthz"));
    assert_eq!(health["status"], "ok");

    server.signal("TERM");
    let exit = server.wait_exit(Duration::from_secs(10));
    assert!(exit.success(), "{exit:?}");
    let logs: Vec<String> = server.logs.try_iter().collect();
    assert!(logs.iter().any(|l| l.contains("stopped")), "{logs:?}");
}

#[test]
fn sighup_swaps_in_a_good_dataset_and_keeps_serving_through_a_damaged_one() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reload");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let original = std::fs::read(common::data_dir().join(territoires_core::dataset::FILE_NAME)).unwrap();
    replace_dataset(&dir, &original);
    let server = ServeProcess::start(&["--data", dir.to_str().unwrap()]);
    let rt = runtime();

    // The server answers as soon as the file is mapped; `/healthz` names its SHA-256 once the
    // check in the background has found it whole.
    let mut health = get_json(&rt, &server.url("/healthz"));
    let checked_by = Instant::now() + Duration::from_secs(10);
    while health["dataset"]["sha256"].is_null() && Instant::now() < checked_by {
        std::thread::sleep(Duration::from_millis(20));
        health = get_json(&rt, &server.url("/healthz"));
    }
    let first_sha = territoires_core::dataset::sha256_hex(&original);
    assert_eq!(health["dataset"]["sha256"], first_sha.as_str());
    assert!(
        health["dataset"]["written"]
            .as_str()
            .is_some_and(|w| w.ends_with('Z'))
    );
    let dataset = &common::indexed().dataset;
    for layer in &dataset.layers {
        assert_eq!(
            health["dataset"]["vintages"][&layer.id],
            layer.source.vintage.as_str()
        );
    }
    let vervins = server.url("/api/locate?lat=49.835&lon=3.907&layers=communes");
    let before = get_json(&rt, &vervins);
    let vervins_code = before["layers"][0]["features"][0]["id"]
        .as_str()
        .expect("a commune")
        .to_string();

    // A request under way when the dataset changes ends on the dataset it started with: a batch
    // whose body is still arriving while the reload happens.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let batch = rt.spawn({
        let url = server.url("/api/locate?layers=communes");
        async move {
            let body = reqwest::Body::wrap_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
            let response = reqwest::Client::new()
                .post(url)
                .header("content-type", "text/csv")
                .body(body)
                .send()
                .await?;
            response.error_for_status()?.text().await
        }
    });
    rt.block_on(tx.send(Ok(b"name,lat,lon\nvervins,49.835,3.907\n".to_vec())))
        .unwrap();

    // Damaged: truncated, then one flipped byte. Each is refused; the first dataset keeps serving.
    let mut failures = 0;
    for damaged in [original[..original.len() / 2].to_vec(), {
        let mut flipped = original.clone();
        flipped[original.len() / 3] ^= 0x5a;
        flipped
    }] {
        replace_dataset(&dir, &damaged);
        server.signal("HUP");
        failures += 1;
        await_counter(&rt, &server, "territoires_reload_failures_total", failures);
        let health = get_json(&rt, &server.url("/healthz"));
        assert_eq!(health["dataset"]["sha256"], first_sha.as_str());
        assert_eq!(get_json(&rt, &vervins)["layers"], before["layers"]);
    }
    assert_eq!(counter(&rt, &server, "territoires_reloads_total"), 0);

    // Good, and different: the same dataset with one more build warning.
    let mut changed = dataset.clone();
    changed.warnings.push("reload test: a second dataset".into());
    let new_bytes = changed.to_bytes().unwrap();
    replace_dataset(&dir, &new_bytes);
    server.signal("HUP");
    await_counter(&rt, &server, "territoires_reloads_total", 1);
    let health = get_json(&rt, &server.url("/healthz"));
    let new_sha = territoires_core::dataset::sha256_hex(&new_bytes);
    assert_ne!(new_sha, first_sha);
    assert_eq!(health["dataset"]["sha256"], new_sha.as_str());
    assert_eq!(get_json(&rt, &vervins)["layers"], before["layers"]);

    rt.block_on(tx.send(Ok(b"nowhere,0,0\n".to_vec()))).unwrap();
    drop(tx);
    let answer = rt
        .block_on(batch)
        .unwrap()
        .expect("the batch begun before the reload");
    let lines: Vec<&str> = answer.lines().collect();
    assert_eq!(lines.len(), 3, "{answer}");
    assert!(lines[1].starts_with("vervins,"), "{answer}");
    assert!(lines[1].contains(&format!(",{vervins_code},")), "{answer}");
    assert!(lines[2].starts_with("nowhere,"), "{answer}");
}

/// Sends `head`, then `trickle` every 200 ms, until the server closes the connection; returns how
/// long it stayed open. Gives up (returns `None`) after `limit`.
fn held_open(addr: &str, head: &[u8], trickle: &[u8], limit: Duration) -> Option<Duration> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let started = Instant::now();
    stream.write_all(head).unwrap();
    let mut buffer = [0u8; 4096];
    while started.elapsed() < limit {
        if stream.write_all(trickle).is_err() {
            return Some(started.elapsed());
        }
        match stream.read(&mut buffer) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {} // an error answer; the close follows
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Some(started.elapsed()),
        }
    }
    None
}

#[test]
fn slow_clients_cannot_hold_a_connection() {
    let data = common::data_dir();
    let server = ServeProcess::start(&[
        "--data",
        data.to_str().unwrap(),
        "--idle-timeout-s",
        "1",
        "--request-timeout-s",
        "3",
    ]);
    let rt = runtime();
    let limit = Duration::from_secs(20);
    let cases: [(&str, &[u8], &[u8], Duration); 4] = [
        (
            "headers sent a line at a time (slowloris)",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
            b"X-Slow: 1\r\n",
            Duration::from_secs(1),
        ),
        (
            "a body sent a byte at a time",
            b"POST /api/simulate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n[",
            b" ",
            Duration::from_secs(3),
        ),
        (
            "a batch body that stalls",
            b"POST /api/locate HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\nlat,lon\n",
            b"",
            Duration::from_secs(1),
        ),
        ("a connection that sends nothing", b"", b"", Duration::from_secs(1)),
    ];
    std::thread::scope(|scope| {
        let held: Vec<_> = cases
            .iter()
            .map(|(what, head, trickle, _)| {
                let addr = server.addr.clone();
                (*what, scope.spawn(move || held_open(&addr, head, trickle, limit)))
            })
            .collect();
        // Meanwhile, everyone else is answered.
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(get_json(&rt, &server.url("/healthz"))["status"], "ok");
        for ((what, handle), (_, _, _, timeout)) in held.into_iter().zip(&cases) {
            let open = handle
                .join()
                .unwrap()
                .unwrap_or_else(|| panic!("{what}: still open after {limit:?}"));
            println!("{what}: closed after {open:?} (timeout {timeout:?})");
            assert!(
                open >= *timeout - Duration::from_millis(100),
                "{what}: closed early, after {open:?}"
            );
            assert!(
                open < *timeout + Duration::from_secs(5),
                "{what}: closed late, after {open:?}"
            );
        }
    });
    assert!(counter(&rt, &server, "territoires_connections_timed_out_total") >= 1);
}
