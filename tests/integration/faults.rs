//! Faults that lose nothing. A command killed at any moment (`SIGKILL`: no handler runs) or a disk
//! that fills up leaves the previous output whole, never part of a file under the final name; a
//! server reloading its dataset while 1,000 connections keep asking drops none of their requests;
//! 10,000 connections at once are all answered.
//!
//! The two server tests take one turn at a time ([`heavy_turn`]): each wants both cores and
//! thousands of file descriptors.

use crate::common::{self, path_text as text};

use std::io::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::process::ServeProcess;
use territoires_core::dataset::{FILE_NAME, sha256_hex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_territoires")
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("faults", name)
}

fn short(bytes: &[u8]) -> String {
    sha256_hex(bytes)[..12].to_string()
}

/// Runs `command` to its end; it must succeed. Returns how long it took.
fn run_ok(command: &mut Command) -> Duration {
    let started = Instant::now();
    let output = command.stdin(Stdio::null()).output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    started.elapsed()
}

/// Whether `name` is an atomic writer's temporary (`core::fs::AtomicFile`).
fn is_temporary(name: &str) -> bool {
    name.starts_with(".territoires-") && name.ends_with(".tmp")
}

/// The names in `dir` other than `keep`; each must be a temporary, never another file.
fn temporaries(dir: &Path, keep: &str) -> Vec<String> {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != keep)
        .collect();
    for name in &names {
        assert!(is_temporary(name), "{}: {name} is no temporary", dir.display());
    }
    names
}

// ---- SIGKILL ----------------------------------------------------------------------------------------

/// When to kill.
#[derive(Clone, Copy, Debug)]
enum Kill {
    After(Duration),
    /// As soon as a temporary shows in the output's directory: in the middle of writing.
    OnTemporary,
}

/// What one killed run left behind.
struct Killed {
    at: Duration,
    /// The run was killed while its temporary existed.
    mid_write: bool,
    /// The run had ended by itself before the kill came.
    finished: bool,
    /// The final path still holds the previous output (otherwise a whole new one).
    previous_kept: bool,
    /// The temporaries left beside it (a killed process removes nothing), with their sizes.
    leaked: Vec<(String, u64)>,
}

/// Starts `command`, which writes `out` (holding `previous` now), and SIGKILLs it as `when` says.
/// Then `out` must hold `previous`, or a whole new output (`whole`), and nothing but temporaries may
/// sit beside it. Leaves `out` with `previous` again and removes the temporaries, for the next run.
fn kill_once(
    command: &mut Command,
    out: &Path,
    previous: &[u8],
    whole: &dyn Fn(&[u8]) -> bool,
    when: Kill,
) -> Killed {
    let dir = out.parent().unwrap();
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut mid_write = false;
    let mut finished = false;
    loop {
        if child.try_wait().unwrap().is_some() {
            finished = true;
            break;
        }
        let temporary = !temporaries(dir, &name).is_empty();
        let due = match when {
            Kill::After(after) => started.elapsed() >= after,
            Kill::OnTemporary => temporary,
        };
        if due {
            mid_write = temporary;
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "{command:?}: still running, no temporary seen"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
    let at = started.elapsed();
    if !finished {
        child.kill().unwrap();
    }
    let status = child.wait().unwrap();
    // It may have ended between the last look and the kill.
    finished |= status.signal() != Some(9);
    if finished {
        assert!(status.success(), "{command:?} failed by itself: {status:?}");
    }

    let now =
        std::fs::read(out).unwrap_or_else(|e| panic!("{}: nothing at the final path: {e}", out.display()));
    let previous_kept = now == previous;
    assert!(
        previous_kept || whole(&now),
        "{}: after a kill at {at:?} ({when:?}), {} bytes ({}) that are neither the previous output nor a whole new one",
        out.display(),
        now.len(),
        short(&now)
    );
    let leaked: Vec<(String, u64)> = temporaries(dir, &name)
        .into_iter()
        .map(|temp| {
            let path = dir.join(&temp);
            let size = std::fs::metadata(&path).unwrap().len();
            std::fs::remove_file(&path).unwrap();
            (temp, size)
        })
        .collect();
    if !previous_kept {
        std::fs::write(out, previous).unwrap();
    }
    Killed {
        at,
        mid_write,
        finished,
        previous_kept,
        leaked,
    }
}

/// Kills `command` once for each of `kills`, checks every outcome, prints them, and returns them.
fn kill_each(
    what: &str,
    command: &dyn Fn() -> Command,
    out: &Path,
    previous: &[u8],
    whole: &dyn Fn(&[u8]) -> bool,
    kills: &[Kill],
) -> Vec<Killed> {
    let mut kills = kills.to_vec();
    let mut outcomes: Vec<Killed> = kills
        .iter()
        .map(|&when| kill_once(&mut command(), out, previous, whole, when))
        .collect();
    // A loaded machine may miss a short write: look for it a few more times.
    while !outcomes.iter().any(|k| k.mid_write) && outcomes.len() < kills.len() + 5 {
        outcomes.push(kill_once(&mut command(), out, previous, whole, Kill::OnTemporary));
    }
    kills.resize(outcomes.len(), Kill::OnTemporary);
    for (when, k) in kills.iter().zip(&outcomes) {
        println!(
            "{what}: {when:?}: killed at {:?}{}{}; final path holds {}; {} temporary file(s) left{}",
            k.at,
            if k.mid_write { ", mid-write" } else { "" },
            if k.finished { " (had already finished)" } else { "" },
            if k.previous_kept {
                "the previous output"
            } else {
                "a whole new output"
            },
            k.leaked.len(),
            if k.leaked.is_empty() {
                String::new()
            } else {
                let sizes: Vec<String> = k.leaked.iter().map(|(n, b)| format!("{n} ({b} bytes)")).collect();
                format!(": {}", sizes.join(", "))
            },
        );
    }
    assert!(
        outcomes.iter().any(|k| k.mid_write && k.previous_kept),
        "{what}: no kill came while the output was being written"
    );
    assert!(std::fs::read(out).unwrap() == previous);
    outcomes
}

/// The moments to kill a run that takes `whole_run` when left alone: early, spread over the run,
/// and as soon as its temporary appears (twice: the write is short).
fn moments(whole_run: Duration) -> Vec<Kill> {
    let mut kills: Vec<Kill> = [5, 50, 200]
        .into_iter()
        .map(|ms| Kill::After(Duration::from_millis(ms)))
        .chain([0.5, 0.9].into_iter().map(|f| Kill::After(whole_run.mul_f64(f))))
        .collect();
    kills.extend([Kill::OnTemporary, Kill::OnTemporary]);
    kills
}

fn export(layer: &str, zoom: Option<&str>, out: &Path) -> Command {
    let mut c = Command::new(bin());
    c.args([
        "export",
        layer,
        "--out",
        text(out),
        "--data",
        text(&common::data_dir()),
    ]);
    if let Some(z) = zoom {
        c.args(["--zoom", z]);
    }
    c
}

/// The previous output: a small layer, generalised. The new one: every commune at full resolution,
/// so that writing it takes a while.
const EXPORT_PREVIOUS: (&str, Option<&str>) = ("pays", Some("6"));
const EXPORT_NEW: (&str, Option<&str>) = ("communes", None);

#[test]
fn sigkill_during_export_leaves_the_previous_file_whole() {
    let dir = scratch("kill-export");
    let out = dir.join("layer.fgb");
    run_ok(&mut export(EXPORT_PREVIOUS.0, EXPORT_PREVIOUS.1, &out));
    let previous = std::fs::read(&out).unwrap();
    let reference = scratch("kill-export-reference").join("layer.fgb");
    let whole_run = run_ok(&mut export(EXPORT_NEW.0, EXPORT_NEW.1, &reference));
    let new = std::fs::read(&reference).unwrap();
    assert_ne!(previous, new);
    println!(
        "export: previous {} bytes ({}), new {} bytes ({}) in {whole_run:?}",
        previous.len(),
        short(&previous),
        new.len(),
        short(&new)
    );
    kill_each(
        "export",
        &|| export(EXPORT_NEW.0, EXPORT_NEW.1, &out),
        &out,
        &previous,
        &|bytes| bytes == new,
        &moments(whole_run),
    );
}

const UPSTREAM: &str = "upstream/banatic-perimetres-syndicats-petr-pays-2026-01.csv";

fn import_banatic(status: &str, out: &Path) -> Command {
    let mut c = Command::new(bin());
    c.arg("import-banatic")
        .arg(common::geodata_dir().join(UPSTREAM))
        .args(["--cache", text(&common::cache_dir())])
        .args([
            "--status",
            status,
            "--vintage",
            "2026-01",
            "--source",
            "fault test",
        ])
        .args(["--out", text(out)]);
    c
}

#[test]
fn sigkill_during_import_banatic_leaves_the_previous_file_whole() {
    let dir = scratch("kill-import");
    let out = dir.join("pays-petr.csv");
    run_ok(&mut import_banatic("previous-run", &out));
    let previous = std::fs::read(&out).unwrap();
    let reference = scratch("kill-import-reference").join("pays-petr.csv");
    let whole_run = run_ok(&mut import_banatic("new-run", &reference));
    let new = std::fs::read(&reference).unwrap();
    assert_ne!(previous, new);
    println!(
        "import-banatic: previous {} bytes, new {} bytes in {whole_run:?}",
        previous.len(),
        new.len()
    );
    kill_each(
        "import-banatic",
        &|| import_banatic("new-run", &out),
        &out,
        &previous,
        &|bytes| bytes == new,
        &moments(whole_run),
    );
}

fn build(out: &Path) -> Command {
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut c = Command::new(bin());
    c.arg("build")
        .args(["--catalogue", text(&project.join("geodata/layers.toml"))])
        .args(["--indicators", text(&project.join("geodata/indicators.toml"))])
        .args(["--geodata", text(&common::geodata_dir())])
        .args(["--cache", text(&common::cache_dir())])
        .args(["--out", text(out)]);
    c
}

/// A valid dataset that no build of these inputs gives: the real one with one more warning.
fn distinct_dataset() -> Vec<u8> {
    let mut dataset = common::indexed().dataset.clone();
    dataset.warnings.push("fault test: the previous dataset".into());
    dataset.to_bytes().unwrap()
}

/// Three kills only: a build takes seconds.
#[test]
fn sigkill_during_build_leaves_the_previous_dataset_whole() {
    let dir = scratch("kill-build");
    let out = dir.join(FILE_NAME);
    let previous = distinct_dataset();
    std::fs::write(&out, &previous).unwrap();
    let whole = |bytes: &[u8]| territoires_core::Dataset::from_bytes(bytes, Path::new(FILE_NAME)).is_ok();
    kill_each(
        "build",
        &|| build(&dir),
        &out,
        &previous,
        &whole,
        &[
            Kill::After(Duration::from_millis(300)),
            Kill::After(Duration::from_secs(2)),
            Kill::OnTemporary,
        ],
    );
}

// ---- A full disk ------------------------------------------------------------------------------------

/// A small tmpfs mounted on a directory for the length of a test, unmounted when dropped (on failure
/// too).
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None` when mounting is not allowed here (not root, or a container without the capability), or
    /// when `TERRITOIRES_FAULTS_NO_MOUNT` is set, to try the stand-in.
    fn mount(dir: &Path, bytes: u64) -> Option<Tmpfs> {
        if std::env::var_os("TERRITOIRES_FAULTS_NO_MOUNT").is_some_and(|v| !v.is_empty()) {
            return None;
        }
        let kib = bytes.div_ceil(4096) * 4;
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k,mode=0755"), "tmpfs"])
            .arg(dir)
            .output()
            .ok()?;
        if !output.status.success() {
            println!(
                "cannot mount a tmpfs ({}): a file size limit stands in for a full disk",
                String::from_utf8_lossy(&output.stderr).trim()
            );
            return None;
        }
        Some(Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let status = Command::new("umount").arg(&self.0).status();
        if !status.is_ok_and(|s| s.success()) {
            // Busy (a child still holds a file): detach it now, it goes when the file is closed.
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

/// Runs `command`, which writes `out` (`new_len` bytes when it succeeds), where it cannot fit: on a
/// tmpfs with room for `previous` and half the new file or, where mounting is refused, under a file
/// size limit one byte short of it (`prlimit`, with SIGXFSZ ignored so that the write fails with
/// EFBIG rather than killing the process; a writer's scratch files, smaller than its output, fit).
/// It must fail cleanly: exit code 1, the file named with the cause, no panic, the previous output
/// intact and no temporary left.
fn write_to_full_disk(
    what: &str,
    command: &dyn Fn(&Path) -> Command,
    out_name: &str,
    previous: &[u8],
    new_len: u64,
) {
    let dir = scratch(&format!("full-{what}"));
    let tmpfs = Tmpfs::mount(&dir, previous.len() as u64 + new_len / 2);
    let out = dir.join(out_name);
    std::fs::write(&out, previous).unwrap();
    let command = command(&out);
    let (mut command, cause) = if tmpfs.is_some() {
        (command, "No space left on device")
    } else {
        let mut limited = Command::new("sh");
        limited
            .args(["-c", r#"trap "" XFSZ; exec prlimit --fsize="$0" -- "$@""#])
            .arg((new_len - 1).to_string())
            .arg(command.get_program())
            .args(command.get_args());
        (limited, "File too large")
    };
    let started = Instant::now();
    let output = command.stdin(Stdio::null()).output().unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default();
    println!(
        "{what} on a full disk ({}): {:?} after {took:?}: {message}",
        if tmpfs.is_some() {
            "tmpfs"
        } else {
            "file size limit"
        },
        output.status
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{what}: {:?}\n{stderr}",
        output.status
    );
    assert!(!stderr.contains("panicked"), "{what}:\n{stderr}");
    assert!(
        message.starts_with(&format!("error: {}: ", out.display())) && message.contains(cause),
        "{what}: the error must name the file, then the cause:\n{stderr}"
    );
    assert!(
        !message.contains(".territoires-") && message.matches(cause).count() == 1,
        "{what}: the cause once, and no temporary's name:\n{stderr}"
    );
    assert!(
        std::fs::read(&out).unwrap() == previous,
        "{what}: the previous output changed"
    );
    assert_eq!(
        temporaries(&dir, out_name),
        Vec::<String>::new(),
        "{what}: temporaries left"
    );
    drop(tmpfs);
}

#[test]
fn a_full_disk_gives_a_clear_error_and_keeps_the_old_file() {
    let reference = scratch("full-export-reference");
    run_ok(&mut export(
        EXPORT_PREVIOUS.0,
        EXPORT_PREVIOUS.1,
        &reference.join("old.fgb"),
    ));
    run_ok(&mut export(
        EXPORT_NEW.0,
        EXPORT_NEW.1,
        &reference.join("new.fgb"),
    ));
    let previous = std::fs::read(reference.join("old.fgb")).unwrap();
    let new_len = std::fs::metadata(reference.join("new.fgb")).unwrap().len();
    write_to_full_disk(
        "export",
        &|out| export(EXPORT_NEW.0, EXPORT_NEW.1, out),
        "layer.fgb",
        &previous,
        new_len,
    );

    // import-banatic: a CSV of some kB.
    let reference = scratch("full-import-reference").join("pays-petr.csv");
    run_ok(&mut import_banatic("new-run", &reference));
    let new_len = std::fs::metadata(&reference).unwrap().len();
    write_to_full_disk(
        "import-banatic",
        &|out| import_banatic("new-run", out),
        "pays-petr.csv",
        b"id,name\nprevious,run\n",
        new_len,
    );

    // build: the dataset a server reloads from.
    let previous = distinct_dataset();
    // As big as the real one, give or take a warning.
    let new_len = std::fs::metadata(common::data_dir().join(FILE_NAME))
        .unwrap()
        .len();
    write_to_full_disk(
        "build",
        &|out| build(out.parent().unwrap()),
        FILE_NAME,
        &previous,
        new_len,
    );
}

// ---- Many connections ---------------------------------------------------------------------------

/// One server test at a time.
fn heavy_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// This process's open-file limits (soft, hard), read with util-linux's `prlimit`.
fn nofile() -> (u64, u64) {
    let output = Command::new("prlimit")
        .args(["--pid", &std::process::id().to_string(), "--nofile"])
        .args(["--raw", "--noheadings", "--output", "SOFT,HARD"])
        .output()
        .expect("prlimit (util-linux)");
    let text = String::from_utf8_lossy(&output.stdout);
    let limits: Vec<u64> = text.split_whitespace().map(|v| v.parse().unwrap()).collect();
    (limits[0], limits[1])
}

/// Raises this process's open-file limit to at least `want` (the hard limit too if it is lower,
/// which root may do), so that the test and the servers it starts, which inherit it, can hold that
/// many connections. With `prlimit` on our own pid: the tests forbid `unsafe`, so no `setrlimit`.
fn raise_nofile(want: u64) {
    let (soft, hard) = nofile();
    if soft >= want {
        return;
    }
    let hard = hard.max(want);
    let status = Command::new("prlimit")
        .args(["--pid", &std::process::id().to_string()])
        .arg(format!("--nofile={want}:{hard}"))
        .status()
        .unwrap();
    assert!(
        status.success(),
        "cannot raise the open-file limit from {soft} to {want}"
    );
    assert!(nofile().0 >= want);
}

/// A server on a quiet log (no line a request), killed when dropped.
fn quiet_server(data: &Path) -> ServeProcess {
    ServeProcess::start_with_log(&["--data", text(data)], "info,territoires::access=warn")
}

/// Points in France, the Alps to Brittany.
const POINTS: [(f64, f64); 8] = [
    (49.835, 3.907),
    (48.8566, 2.3522),
    (45.764, 4.8357),
    (43.2965, 5.3698),
    (47.2184, -1.5536),
    (48.1173, -1.6778),
    (44.8378, -0.5792),
    (45.9237, 6.8694),
];

fn locate_request(i: usize, close: bool) -> Vec<u8> {
    let (lat, lon) = POINTS[i % POINTS.len()];
    format!(
        "GET /api/locate?lat={lat}&lon={lon} HTTP/1.1\r\nHost: test\r\n{}\r\n",
        if close { "Connection: close\r\n" } else { "" }
    )
    .into_bytes()
}

/// Sends `request` and reads one answer: its status and body (by length or chunked).
async fn exchange(conn: &mut BufReader<TcpStream>, request: &[u8]) -> Result<(u16, Vec<u8>), String> {
    conn.get_mut()
        .write_all(request)
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut line = String::new();
    let read = conn
        .read_line(&mut line)
        .await
        .map_err(|e| format!("status line: {e}"))?;
    if read == 0 {
        return Err("closed before an answer".into());
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {line:?}"))?;
    let (mut length, mut chunked) = (None, false);
    loop {
        line.clear();
        conn.read_line(&mut line)
            .await
            .map_err(|e| format!("headers: {e}"))?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| format!("bad header {header:?}"))?;
        let (name, value) = (name.to_ascii_lowercase(), value.trim());
        if name == "content-length" {
            length = value.parse::<usize>().ok();
        } else if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            conn.read_line(&mut line)
                .await
                .map_err(|e| format!("chunk: {e}"))?;
            let size =
                usize::from_str_radix(line.trim(), 16).map_err(|_| format!("bad chunk size {line:?}"))?;
            let start = body.len();
            body.resize(start + size, 0);
            conn.read_exact(&mut body[start..])
                .await
                .map_err(|e| format!("chunk: {e}"))?;
            line.clear();
            conn.read_line(&mut line)
                .await
                .map_err(|e| format!("chunk end: {e}"))?;
            if size == 0 {
                break;
            }
        }
    } else {
        body.resize(length.ok_or("no length")?, 0);
        conn.read_exact(&mut body)
            .await
            .map_err(|e| format!("body: {e}"))?;
    }
    Ok((status, body))
}

/// A good locate answer: 200, and JSON with the point's layers.
fn check_locate(answer: Result<(u16, Vec<u8>), String>) -> Result<(), String> {
    let (status, body) = answer?;
    if status != 200 {
        return Err(format!("status {status}: {}", String::from_utf8_lossy(&body)));
    }
    if !body.starts_with(b"{") || !body.windows(9).any(|w| w == b"\"layers\":") {
        return Err(format!("not a locate answer: {}", String::from_utf8_lossy(&body)));
    }
    Ok(())
}

/// What the clients saw: answers, failures and the first few failures' words.
#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    failed: AtomicU64,
    first_failures: Mutex<Vec<String>>,
}

impl Tally {
    fn count(&self, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => {
                self.ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                let mut first = self.first_failures.lock().unwrap();
                if first.len() < 10 {
                    first.push(e);
                }
            }
        }
    }
}

fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The value of an unlabelled counter of `/metrics`, on a connection of its own.
fn counter(server: &ServeProcess, name: &str) -> u64 {
    let text = plain::get_text(&server.url("/metrics"));
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no counter {name} in\n{text}"))
}

/// Minimal blocking GET on a plain socket, for the metrics: the clients' runtime is busy.
mod plain {
    use std::io::{Read, Write};

    pub fn get_text(url: &str) -> String {
        let rest = url.strip_prefix("http://").unwrap();
        let (addr, path) = rest.split_at(rest.find('/').unwrap());
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{url}: {answer}");
        answer.split_once("\r\n\r\n").unwrap().1.to_string()
    }
}

/// Writes the dataset of `dir` again, the way `territoires build` does (a temporary renamed over
/// it), with the same bytes: a reload that really reads and swaps a new file.
fn rewrite_dataset(dir: &Path, bytes: &[u8]) {
    let tmp = dir.join(".territoires-rewrite.tmp");
    let mut file = std::fs::File::create(&tmp).unwrap();
    file.write_all(bytes).unwrap();
    file.sync_all().unwrap();
    std::fs::rename(&tmp, dir.join(FILE_NAME)).unwrap();
}

/// One client of the race: connects, then asks on the same connection until `stop`, or until an
/// answer fails. Returns how many answers it got.
async fn keep_asking(
    addr: String,
    i: usize,
    tally: Arc<Tally>,
    stop: Arc<AtomicBool>,
    connected: Arc<AtomicUsize>,
) -> u64 {
    let request = locate_request(i, false);
    let mut conn = match TcpStream::connect(&addr).await {
        Ok(stream) => BufReader::new(stream),
        Err(e) => {
            tally.count(Err(format!("connect: {e}")));
            return 0;
        }
    };
    connected.fetch_add(1, Ordering::Relaxed);
    let mut answered = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let outcome = check_locate(exchange(&mut conn, &request).await);
        let failed = outcome.is_err();
        tally.count(outcome.map_err(|e| format!("connection {i}, request {answered}: {e}")));
        if failed {
            break;
        }
        answered += 1;
    }
    answered
}

const RACE_CONNECTIONS: usize = 1_000;
const RELOADS: u64 = 3;

#[test]
fn a_reload_racing_1000_connections_drops_none() {
    let _turn = heavy_turn();
    raise_nofile(2 * RACE_CONNECTIONS as u64 + 1_024);
    let dir = scratch("reload-race");
    let bytes = std::fs::read(common::data_dir().join(FILE_NAME)).unwrap();
    rewrite_dataset(&dir, &bytes);
    let server = quiet_server(&dir);
    let addr = server.addr.clone();
    let before = counter(&server, "territoires_reloads_total");

    let runtime = client_runtime();
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let connected = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let clients: Vec<_> = (0..RACE_CONNECTIONS)
        .map(|i| {
            runtime.spawn(keep_asking(
                addr.clone(),
                i,
                tally.clone(),
                stop.clone(),
                connected.clone(),
            ))
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(60);
    while connected.load(Ordering::Relaxed) + (tally.failed.load(Ordering::Relaxed) as usize)
        < RACE_CONNECTIONS
        || tally.ok.load(Ordering::Relaxed) < 2 * RACE_CONNECTIONS as u64
    {
        assert!(Instant::now() < deadline, "the clients never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    println!(
        "reload race: {} connections open and answered in {:?}",
        connected.load(Ordering::Relaxed),
        started.elapsed()
    );
    for reload in 1..=RELOADS {
        rewrite_dataset(&dir, &bytes);
        let ok_before = tally.ok.load(Ordering::Relaxed);
        let signalled = Instant::now();
        server.signal("HUP");
        while counter(&server, "territoires_reloads_total") < before + reload {
            assert!(
                signalled.elapsed() < Duration::from_secs(60),
                "reload {reload} never happened"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let during = tally.ok.load(Ordering::Relaxed) - ok_before;
        println!(
            "reload {reload}: done {:?} after SIGHUP; {during} requests answered meanwhile",
            signalled.elapsed()
        );
        assert!(during > 0, "no request was answered during reload {reload}");
        assert_eq!(tally.failed.load(Ordering::Relaxed), 0);
    }
    // A little more traffic on the last dataset, then stop.
    let ok_after = tally.ok.load(Ordering::Relaxed);
    while tally.ok.load(Ordering::Relaxed) < ok_after + RACE_CONNECTIONS as u64 {
        std::thread::sleep(Duration::from_millis(10));
    }
    stop.store(true, Ordering::Relaxed);
    let per_connection: Vec<u64> = runtime.block_on(async {
        let mut counts = Vec::new();
        for client in clients {
            counts.push(client.await.unwrap());
        }
        counts
    });
    let elapsed = started.elapsed();
    let (ok, failed) = (
        tally.ok.load(Ordering::Relaxed),
        tally.failed.load(Ordering::Relaxed),
    );
    println!(
        "reload race: {} reloads, {ok} requests answered, {failed} failed, in {elapsed:?} ({:.0} req/s); \
         per connection {} to {}",
        counter(&server, "territoires_reloads_total") - before,
        ok as f64 / elapsed.as_secs_f64(),
        per_connection.iter().min().unwrap(),
        per_connection.iter().max().unwrap()
    );
    let failures = tally.first_failures.lock().unwrap();
    assert_eq!(failed, 0, "first failures: {failures:#?}");
    assert_eq!(counter(&server, "territoires_reloads_total"), before + RELOADS);
    assert_eq!(counter(&server, "territoires_reload_failures_total"), 0);
}

const AT_ONCE: usize = 10_000;

/// The kernel's count of connections dropped because a listen queue was full (all sockets).
fn listen_overflows() -> u64 {
    let netstat = std::fs::read_to_string("/proc/net/netstat").unwrap_or_default();
    let mut tcp_ext = netstat.lines().filter(|l| l.starts_with("TcpExt:"));
    let (Some(names), Some(values)) = (tcp_ext.next(), tcp_ext.next()) else {
        return 0;
    };
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(name, _)| *name == "ListenOverflows")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0)
}

#[test]
fn ten_thousand_connections_at_once_all_get_answers() {
    let _turn = heavy_turn();
    raise_nofile(AT_ONCE as u64 + 1_024);
    let server = quiet_server(&common::data_dir());
    let addr = server.addr.clone();
    let runtime = client_runtime();
    let tally = Arc::new(Tally::default());
    let connected = Arc::new(AtomicUsize::new(0));
    let (go, _) = tokio::sync::watch::channel(false);
    let overflows = listen_overflows();
    let started = Instant::now();
    let clients: Vec<_> = (0..AT_ONCE)
        .map(|i| {
            let (addr, tally, connected) = (addr.clone(), tally.clone(), connected.clone());
            let mut go = go.subscribe();
            runtime.spawn(async move {
                let mut conn = match TcpStream::connect(&addr).await {
                    Ok(stream) => BufReader::new(stream),
                    Err(e) => return tally.count(Err(format!("connect {i}: {e}"))),
                };
                connected.fetch_add(1, Ordering::Relaxed);
                // Every connection open before any asks.
                if go.wait_for(|go| *go).await.is_err() {
                    return tally.count(Err("never told to go".into()));
                }
                let outcome = check_locate(exchange(&mut conn, &locate_request(i, true)).await);
                tally.count(outcome.map_err(|e| format!("connection {i}: {e}")));
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while connected.load(Ordering::Relaxed) + (tally.failed.load(Ordering::Relaxed) as usize) < AT_ONCE {
        assert!(Instant::now() < deadline, "connections still pending after 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    let connecting = started.elapsed();
    go.send_replace(true);
    runtime.block_on(async {
        for client in clients {
            client.await.unwrap();
        }
    });
    let elapsed = started.elapsed();
    let (ok, failed) = (
        tally.ok.load(Ordering::Relaxed),
        tally.failed.load(Ordering::Relaxed),
    );
    let overflows = listen_overflows() - overflows;
    println!(
        "{AT_ONCE} connections at once: {} open after {connecting:?}; {ok} answered, {failed} failed, \
         all done in {elapsed:?}; {overflows} handshakes dropped by a full listen queue",
        connected.load(Ordering::Relaxed)
    );
    let failures = tally.first_failures.lock().unwrap();
    assert_eq!(failed, 0, "first failures: {failures:#?}");
    assert_eq!(ok, AT_ONCE as u64);
    // Dropped handshakes are retried, after a second and then longer: with tokio's default backlog
    // of 1,024 some clients took a minute.
    assert!(
        elapsed < Duration::from_secs(30),
        "{AT_ONCE} connections took {elapsed:?}"
    );
}
