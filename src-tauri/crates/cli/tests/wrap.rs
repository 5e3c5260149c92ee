//! `mcp-tray wrap` end to end: the real binary between a real MCP client (the Python SDK, the
//! Inspector CLI) and real local servers (FastMCP over stdio, server-everything through npx), plus
//! the failures the tap exists to explain: stdout pollution, a crash at start, a missing command,
//! and a grandchild process that must not outlive the session.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

#[cfg(target_os = "linux")]
use common::alive;
use common::{BIN, Peers};
use serde_json::{Value, json};

/// Runs the Python SDK driver (tests/peers/driver.py) against `mcp-tray wrap … -- server`.
fn drive(p: &Peers, scenario: &str, home: &Path, name: &str, server: &[&str]) -> (Value, String) {
    let out = Command::new(p.python())
        .arg(p.script("driver.py"))
        .arg(scenario)
        .arg("--")
        .arg(BIN)
        .args(["wrap", "--name", name, "--"])
        .args(server)
        .env("MCP_TRAY_HOME", home)
        .output()
        .expect("run the driver");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "driver failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    let last = stdout.lines().last().unwrap_or_default();
    let value =
        serde_json::from_str(last).unwrap_or_else(|e| panic!("driver output {last:?}: {e}"));
    (value, stderr)
}

fn journal(home: &Path, name: &str) -> Vec<Value> {
    let path = home.join("journal").join(format!("{name}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).expect("journal lines are JSON"))
        .collect()
}

/// A tap driven by hand: raw lines in, raw lines out.
struct Tap {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
    home: tempfile::TempDir,
}

impl Tap {
    fn start(home: tempfile::TempDir, name: &str, server: &[&str]) -> Tap {
        let mut child = Command::new(BIN)
            .args(["wrap", "--name", name, "--grace", "1", "--"])
            .args(server)
            .env("MCP_TRAY_HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mcp-tray wrap");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Tap {
            child,
            stdin,
            lines,
            home,
        }
    }

    fn send(&mut self, msg: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{msg}").expect("write to the tap");
        stdin.flush().expect("flush");
    }

    fn next(&self, within: Duration) -> Value {
        let line = self
            .lines
            .recv_timeout(within)
            .expect("a line from the tap");
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("tap stdout is not JSON-RPC: {line:?}: {e}"))
    }

    /// Closes stdin and returns (exit status, everything on stderr, extra stdout lines).
    fn finish(&mut self) -> (std::process::ExitStatus, String, Vec<String>) {
        drop(self.stdin.take());
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
        }
        let status = self.child.wait().expect("wait for the tap");
        let rest = self.lines.try_iter().collect();
        (status, stderr, rest)
    }
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "wrap-test", "version": "1"}}})
}

#[test]
fn python_client_round_trips_every_feature_through_the_tap_to_fastmcp_stdio() {
    let p = require_peers!();
    let home = tempfile::tempdir().expect("home");
    let py = p.python();
    let server = p.script("fastmcp_server.py");
    let (out, _stderr) = drive(
        &p,
        "fastmcp",
        home.path(),
        "fm",
        &[py.to_str().unwrap(), server.to_str().unwrap(), "stdio"],
    );
    assert_eq!(out["add"], "5");
    assert_eq!(
        out["client_name"], "bridge-driver",
        "clientInfo passes untouched"
    );
    assert_eq!(out["progress"], json!([1.0, 2.0, 3.0]));
    assert_eq!(out["ask_llm"], "sampled-reply", "sampling round-trips");
    assert_eq!(out["ask_user"], "accept:Ada", "elicitation round-trips");
    assert_eq!(out["roots"], "file:///tmp/root-a", "roots round-trip");

    // Every message is journaled, paired with its reply in both directions.
    let entries = journal(home.path(), "fm");
    let init = entries
        .iter()
        .find(|e| e["dir"] == "s2c" && e["method"] == "initialize")
        .expect("initialize reply journaled");
    assert!(init["latency_ms"].as_f64().is_some());
    let sampled = entries
        .iter()
        .find(|e| {
            e["dir"] == "c2s" && e["kind"] == "response" && e["method"] == "sampling/createMessage"
        })
        .expect("the client's sampling answer is paired with the server's request");
    assert!(sampled["latency_ms"].as_f64().is_some());
    assert!(entries.iter().any(|e| e["code"] == "started"));
}

#[test]
fn inspector_cli_lists_server_everything_tools_through_the_tap_and_npx() {
    let p = require_peers!();
    let home = tempfile::tempdir().expect("home");
    let out = Command::new(p.node())
        .arg(p.npm_bin("mcp-inspector"))
        // The Inspector ends its target at the first `--`, so the tap is given none.
        .arg("--cli")
        // The Inspector starts its target with a minimal environment unless told.
        .arg("-e")
        .arg(format!("MCP_TRAY_HOME={}", home.path().display()))
        .args([BIN, "wrap", "--name", "ev"])
        // npx as in a real entry: it runs node as a grandchild, from tests/peers' node_modules.
        .args(["npx", "--no-install", "mcp-server-everything"])
        .args(["--method", "tools/call", "--tool-name", "get-sum"])
        .args(["--tool-arg", "a=2", "--tool-arg", "b=40"])
        .env("MCP_TRAY_HOME", home.path())
        .current_dir(&p.dir)
        .output()
        .expect("run the inspector");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "inspector failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("The sum of 2 and 40 is 42."), "{stdout}");
    assert!(
        journal(home.path(), "ev")
            .iter()
            .any(|e| e["method"] == "tools/call")
    );
}

#[test]
fn stdout_pollution_is_kept_off_the_clients_stdout_and_diagnosed() {
    let p = require_peers!();
    let home = tempfile::tempdir().expect("home");
    let py = p.python();
    let server = p.script("polluting_server.py");
    let (out, stderr) = drive(
        &p,
        "basic",
        home.path(),
        "polluter",
        &[py.to_str().unwrap(), server.to_str().unwrap()],
    );
    // The client (strict JSON parsing) worked, and the stray lines went to stderr instead.
    assert_eq!(out["call"], "5", "{out}");
    assert!(
        stderr.contains("[stdout-pollution]") && stderr.contains("Weather MCP server v1.2"),
        "{stderr}"
    );
    assert!(stderr.contains("DEBUG add called with 2 3"), "{stderr}");
    let events: Vec<Value> = journal(home.path(), "polluter")
        .into_iter()
        .filter(|e| e["code"] == "stdout-pollution")
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
}

#[test]
fn wrap_takes_its_command_with_or_without_a_double_dash() {
    let with_dash: &[&str] = &["wrap", "--strict", "--name", "a", "--", "echo", "--x"];
    let without: &[&str] = &["wrap", "--strict", "--name", "a", "echo", "--x"];
    for args in [with_dash, without] {
        let home = tempfile::tempdir().expect("home");
        let out = Command::new(BIN)
            .args(args)
            .env("MCP_TRAY_HOME", home.path())
            .stdin(Stdio::null())
            .output()
            .expect("run");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "--x\n", "{args:?}");
    }
}

#[test]
fn a_server_named_like_an_option_is_wrapped_under_its_own_name() {
    // A tapped entry is `wrap --name NAME -- CMD`: a server called `--help` or `--` must not turn
    // into the option or the separator, else Claude's server fails to start.
    for name in ["--help", "--", "--strict", "-x"] {
        let home = tempfile::tempdir().expect("home");
        let out = Command::new(BIN)
            .args(["wrap", "--strict", "--name", name, "--", "echo", "--x"])
            .env("MCP_TRAY_HOME", home.path())
            .stdin(Stdio::null())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "--x\n",
            "{name}: {stderr}"
        );
        let mut servers = Vec::new();
        for file in std::fs::read_dir(home.path().join("journal")).expect("a journal") {
            let text = std::fs::read_to_string(file.expect("entry").path()).expect("read");
            for line in text.lines() {
                let line: Value = serde_json::from_str(line).expect("JSON");
                servers.push(line["server"].as_str().unwrap_or_default().to_owned());
            }
        }
        assert!(!servers.is_empty(), "{name}: nothing journaled");
        assert!(servers.iter().all(|s| s == name), "{name}: {servers:?}");
    }
}

#[test]
fn a_reply_with_a_stray_byte_in_a_string_is_forwarded_as_it_is() {
    // Claude's parser reads such a byte as U+FFFD and takes the reply; so must the tap, unchanged.
    let home = tempfile::tempdir().expect("home");
    let mut child = Command::new(BIN)
        .args(["wrap", "--name", "bytes", "--grace", "1", "--", "sh", "-c"])
        .arg(r#"read line; printf '{"jsonrpc":"2.0","id":2,"result":{"text":"\377\376 raw"}}\n'; cat >/dev/null"#)
        .env("MCP_TRAY_HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{}}\n")
        .expect("request");
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.stdout, b"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"text\":\"\xff\xfe raw\"}}\n",
        "the reply, byte for byte, and nothing else (no 'ended before answering'); stderr: {stderr}"
    );
    assert!(!stderr.contains("stdout-pollution"), "{stderr}");
    let reply = journal(home.path(), "bytes")
        .into_iter()
        .find(|e| e["dir"] == "s2c")
        .expect("the reply is journaled");
    assert_eq!(
        reply["method"], "tools/call",
        "paired with its request: {reply}"
    );
}

#[test]
fn a_reply_over_the_limit_is_dropped_and_its_request_answered_at_once() {
    // The TypeScript SDK's order (result first, id last), then the Python SDK's (id first).
    let script = r#"
        read line; printf '{"result":{"text":"'; head -c 10500000 /dev/zero | tr '\0' a; printf '"},"jsonrpc":"2.0","id":2}\n'
        read line; printf '{"jsonrpc":"2.0","id":3,"result":{"text":"'; head -c 10500000 /dev/zero | tr '\0' b; printf '"}}\n'
        read line; printf '{"jsonrpc":"2.0","id":4,"result":{}}\n'
        cat >/dev/null"#;
    let mut tap = Tap::start(
        tempfile::tempdir().expect("home"),
        "big",
        &["sh", "-c", script],
    );
    for id in [2, 3] {
        tap.send(
            &json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "big"}}),
        );
        let reply = tap.next(Duration::from_secs(30));
        assert_eq!(reply["id"], id, "{reply}");
        let message = reply["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("more than 9.9 MiB") && message.contains("tools/call"),
            "{reply}"
        );
    }
    // The server goes on, and so does the tap.
    tap.send(&json!({"jsonrpc": "2.0", "id": 4, "method": "ping"}));
    assert_eq!(tap.next(Duration::from_secs(10))["id"], 4);
    let (_, stderr, rest) = tap.finish();
    assert!(rest.is_empty(), "one answer per request: {rest:?}");
    assert!(
        stderr.contains("its reply to tools/call (id 2) over 9.9 MiB"),
        "{stderr}"
    );
    let dropped: Vec<Value> = journal(tap.home.path(), "big")
        .into_iter()
        .filter(|e| e["code"] == "message-too-large")
        .collect();
    assert_eq!(dropped.len(), 2, "each drop is journaled");
    // Each request got an error for it: failed, as the bridge says of its own.
    assert!(dropped.iter().all(|e| e["level"] == "error"), "{dropped:?}");
}

#[test]
fn strict_mode_forwards_pollution_unchanged() {
    let home = tempfile::tempdir().expect("home");
    let mut child = Command::new(BIN)
        .args([
            "wrap",
            "--strict",
            "--name",
            "s",
            "--",
            "sh",
            "-c",
            "echo 'hello banner'; cat",
        ])
        .env("MCP_TRAY_HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start");
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello banner\n");
}

#[test]
fn a_server_that_crashes_at_start_gets_its_request_answered_with_its_last_words() {
    let home = tempfile::tempdir().expect("home");
    let mut tap = Tap::start(
        home,
        "crasher",
        &[
            "sh",
            "-c",
            "echo 'Error: GITHUB_TOKEN is not set' >&2; read line; exit 3",
        ],
    );
    tap.send(&initialize());
    let reply = tap.next(Duration::from_secs(10));
    assert_eq!(reply["id"], 1);
    let message = reply["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("exit code 3") && message.contains("GITHUB_TOKEN is not set"),
        "{reply}"
    );
    assert_eq!(reply["error"]["data"]["diagnosis"], "exited-early");
    let (status, stderr, rest) = tap.finish();
    assert_eq!(
        status.code(),
        Some(3),
        "the tap ends with the server's code"
    );
    assert!(stderr.contains("[exited-early]"), "{stderr}");
    assert!(rest.is_empty(), "exactly one response: {rest:?}");
    // Written out although the client's thread was still waiting on stdin when the tap ended.
    let entries = journal(tap.home.path(), "crasher");
    assert!(
        entries.iter().any(|e| e["code"] == "exited-early"),
        "{entries:?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["dir"] == "s2c" && e["msg"]["error"]["data"]["diagnosis"] == "exited-early"),
        "the tap's own reply is journaled: {entries:?}"
    );
}

#[test]
fn a_server_that_fails_after_its_client_sent_its_request_and_closed_is_an_early_exit() {
    // A client that writes its request and closes its side at once (`echo … | mcp-tray wrap`):
    // the server then fails before answering. Not a session that ended: a failure, journaled.
    let home = tempfile::tempdir().expect("home");
    let mut child = Command::new(BIN)
        .args(["wrap", "--name", "crash2", "--grace", "1", "--"])
        .args([
            "sh",
            "-c",
            "sleep 0.3; echo 'Error: API_KEY missing' >&2; exit 2",
        ])
        .env("MCP_TRAY_HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wrap");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, "{}", initialize()).expect("write");
    drop(stdin);
    let out = child.wait_with_output().expect("wrap ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[exited-early]"), "{stderr}");
    // The server failed on its own: the tap ends with its code, as when the client's input is
    // still open, not with the 0 of a session the client ended.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let reply: Value = serde_json::from_slice(&out.stdout).expect("one reply");
    assert_eq!(
        reply["error"]["data"]["diagnosis"], "exited-early",
        "{reply}"
    );
    let entries = journal(home.path(), "crash2");
    let failed = entries
        .iter()
        .find(|e| e["code"] == "exited-early" && e["level"] == "error")
        .unwrap_or_else(|| panic!("no exited-early error journaled: {entries:?}"));
    assert!(
        failed["text"]
            .as_str()
            .unwrap_or_default()
            .contains("API_KEY missing"),
        "{failed}"
    );
}

#[test]
fn a_missing_command_is_explained_to_the_client_and_on_stderr() {
    let home = tempfile::tempdir().expect("home");
    let mut tap = Tap::start(home, "ghost", &["mcp-tray-no-such-command-xyz", "--flag"]);
    tap.send(&initialize());
    tap.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    tap.send(&json!({"jsonrpc": "2.0", "id": "two", "method": "tools/list"}));
    let first = tap.next(Duration::from_secs(10));
    let second = tap.next(Duration::from_secs(10));
    assert_eq!(
        (first["id"].clone(), second["id"].clone()),
        (json!(1), json!("two"))
    );
    assert_eq!(first["error"]["data"]["diagnosis"], "command-not-found");
    let (status, stderr, rest) = tap.finish();
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("[command-not-found]"), "{stderr}");
    assert!(rest.is_empty(), "notifications get no answer: {rest:?}");
}

#[cfg(target_os = "linux")] // /proc tells a process from a zombie
#[test]
fn no_grandchild_outlives_the_session() {
    let p = require_peers!();
    let home = tempfile::tempdir().expect("home");
    let pidfile = home.path().join("grandchild.pid");
    let script = format!(
        "sleep 1000 & echo $! > '{}'; exec '{}' '{}' stdio",
        pidfile.display(),
        p.python().display(),
        p.script("fastmcp_server.py").display()
    );
    let mut tap = Tap::start(
        tempfile::tempdir().expect("home"),
        "leaky",
        &["sh", "-c", &script],
    );
    tap.send(&initialize());
    let reply = tap.next(Duration::from_secs(30));
    assert!(reply["result"]["serverInfo"].is_object(), "{reply}");
    let pid = running_grandchild(&pidfile);
    let (status, _stderr, _) = tap.finish();
    assert_eq!(status.code(), Some(0), "the client ended the session");
    assert_gone_soon(pid);
}

/// The pid a test server wrote for its `sleep` grandchild, checked to be running.
#[cfg(target_os = "linux")] // /proc tells a process from a zombie
fn running_grandchild(pidfile: &Path) -> i32 {
    let pid = std::fs::read_to_string(pidfile)
        .expect("the grandchild's pid")
        .trim()
        .parse()
        .expect("a pid");
    assert!(alive(pid), "the grandchild runs during the session");
    pid
}

/// The process is gone within 10 s (the tap's shutdown takes at most two graces of 1 s).
#[cfg(target_os = "linux")] // /proc tells a process from a zombie
fn assert_gone_soon(pid: i32) {
    let started = std::time::Instant::now();
    while alive(pid) && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(pid), "sleep (pid {pid}) outlived the session");
}

/// Starts `mcp-tray wrap` around `sh -c script` with raw pipes on every side.
fn raw_tap(home: &Path, name: &str, script: &str) -> std::process::Child {
    Command::new(BIN)
        .args([
            "wrap", "--name", name, "--grace", "1", "--", "sh", "-c", script,
        ])
        .env("MCP_TRAY_HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mcp-tray wrap")
}

#[test]
fn a_burst_passes_both_ways_as_the_exact_bytes_sent_and_every_message_is_journaled() {
    let home = tempfile::tempdir().expect("home");
    // `cat` as the server: each message comes back, so both directions carry the same bytes.
    // Notifications and responses only: nothing is left waiting for an answer at the end.
    let mut burst = Vec::new();
    let count = 2_000;
    for i in 0..count {
        let line = match i % 4 {
            0 => format!(
                r#"{{"jsonrpc":"2.0","method":"notifications/progress","params":{{"n":{i},"_meta":{{"k":[1.50,2e3]}}}}}}"#
            ),
            1 => format!(
                r#"{{ "id" : {i} , "jsonrpc":"2.0", "result" : {{"text":"Zoë \u00e9 \"q\" 🦀"}} }}"#
            ),
            2 => format!("{{\"jsonrpc\":\"2.0\",\"id\":\"s-{i}\",\"result\":{{}}}}\r"),
            _ => format!(
                r#"{{"jsonrpc":"2.0","id":{i},"result":{{"blob":"{}"}}}}"#,
                // Sizes vary, but the whole burst stays under the journal's queue cap (4 MiB)
                // even if its writer gets no CPU meanwhile: past it, drops are by design.
                "x".repeat((i * 7) % 3_000)
            ),
        };
        burst.extend_from_slice(line.as_bytes());
        burst.push(b'\n');
    }
    through_cat(home.path(), "echo", burst, Duration::ZERO);

    let entries = journal(home.path(), "echo");
    let c2s = entries.iter().filter(|e| e["dir"] == "c2s").count();
    let s2c = entries.iter().filter(|e| e["dir"] == "s2c").count();
    assert_eq!((c2s, s2c), (count, count), "every message once each way");
    let crab = entries
        .iter()
        .find(|e| e["dir"] == "s2c" && e["id"] == 1)
        .expect("message 1 journaled");
    assert_eq!(crab["msg"]["result"]["text"], "Zoë é \"q\" 🦀");
}

/// A client that writes everything before it reads, through a server that writes back everything
/// it reads: every pipe on the way fills up at once, both ways. Nothing may wait on anything else
/// (each direction is forwarded on its own), nothing is lost or reordered, and the session ends
/// normally once the client reads.
#[test]
fn both_directions_full_at_once_lose_nothing_and_the_session_ends() {
    let home = tempfile::tempdir().expect("home");
    let mut sent = Vec::new();
    let mut i = 0;
    // Far more than the pipes and the tap's queues (1 MiB a direction) hold together.
    while sent.len() < 12 << 20 {
        let line = format!(
            r#"{{"jsonrpc":"2.0","method":"notifications/message","params":{{"n":{i},"data":"{}"}}}}"#,
            "y".repeat(i % 5_000)
        );
        sent.extend_from_slice(line.as_bytes());
        sent.push(b'\n');
        i += 1;
    }
    // Read only once every pipe has had the time to fill.
    through_cat(home.path(), "full", sent, Duration::from_secs(1));
}

/// Writes `sent` through a tap whose server is `cat`, reading its output (from `read_after` on)
/// meanwhile: everything comes back as the exact bytes sent, and the session ends well.
fn through_cat(home: &Path, name: &str, sent: Vec<u8>, read_after: Duration) {
    let mut tap = raw_tap(home, name, "exec cat");
    let mut stdin = tap.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        stdin.write_all(&sent).expect("write everything");
        sent
    });
    std::thread::sleep(read_after);
    let mut stdout = tap.stdout.take().expect("stdout");
    let mut got = Vec::new();
    std::io::Read::read_to_end(&mut stdout, &mut got).expect("read the tap's output");
    let sent = writer.join().expect("writer");
    let status = tap.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    assert!(
        got == sent,
        "the output differs from the input ({} bytes sent, {} received)",
        sent.len(),
        got.len()
    );
}

/// A client that waits for each reply before its next request (as Claude does for a tool call)
/// finds, in the journal, each reply before the request it sent after it: the order things
/// happened in, which the Traffic view and `mcp-tray traffic` show.
#[test]
fn a_reply_is_journaled_before_the_request_its_client_sent_after_reading_it() {
    let home = tempfile::tempdir().expect("home");
    let server = home.path().join("answer.py");
    std::fs::write(
        &server,
        "import sys, json\nfor line in sys.stdin:\n    m = json.loads(line)\n    \
         sys.stdout.write(json.dumps({'jsonrpc': '2.0', 'id': m['id'], 'result': {}}) + '\\n')\n    \
         sys.stdout.flush()\n",
    )
    .expect("server script");
    let mut tap = raw_tap(
        home.path(),
        "answers",
        &format!("exec python3 -u '{}'", server.display()),
    );
    let mut stdin = tap.stdin.take().expect("stdin");
    let mut stdout = std::io::BufReader::new(tap.stdout.take().expect("stdout"));
    let rounds = 300;
    for id in 0..rounds {
        writeln!(stdin, r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#).expect("send");
        let mut reply = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut reply).expect("reply");
        assert!(reply.contains(&format!(r#""id": {id}"#)), "{reply}");
    }
    drop(stdin);
    assert!(tap.wait().expect("wait").success());
    let entries = journal(home.path(), "answers");
    let at = |dir: &str, id: i64| {
        entries
            .iter()
            .position(|e| e["dir"] == dir && e["id"] == id)
            .unwrap_or_else(|| panic!("{dir} {id} journaled"))
    };
    let misplaced: Vec<i64> = (0..rounds - 1)
        .filter(|&id| at("s2c", id) > at("c2s", id + 1))
        .collect();
    assert!(
        misplaced.is_empty(),
        "replies journaled after the next request: {misplaced:?}"
    );
}

/// Claude's 10 MiB limit is on what it reads: a larger request (a document passed to a tool)
/// reaches a server that takes it (here one that answers with the size it read).
#[test]
fn a_request_past_the_replies_limit_reaches_the_server() {
    let p = require_peers!();
    let python = p.python();
    let script = "import sys, json\nfor l in sys.stdin:\n    m = json.loads(l)\n    print(json.dumps({'jsonrpc': '2.0', 'id': m['id'], 'result': {'read': len(l)}}), flush=True)\n";
    let mut tap = Tap::start(
        tempfile::tempdir().expect("home"),
        "reader",
        &[python.to_str().expect("utf-8"), "-c", script],
    );
    let text = "d".repeat(12 * 1024 * 1024);
    tap.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "summarize", "arguments": {"text": text}}}));
    let reply = tap.next(Duration::from_secs(30));
    assert_eq!(reply["id"], 1, "{reply}");
    assert!(
        reply["result"]["read"]
            .as_u64()
            .is_some_and(|n| n > 12 * 1024 * 1024),
        "{reply}"
    );
    tap.finish();
}

#[test]
fn lines_over_the_limit_are_refused_both_ways_and_the_session_goes_on() {
    let home = tempfile::tempdir().expect("home");
    // The server first writes a 10.5 MB line of its own, then echoes.
    let mut tap = raw_tap(
        home.path(),
        "huge",
        "head -c 10500000 /dev/zero | tr '\\0' x; echo; exec cat",
    );
    let mut stdin = tap.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let mut huge = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":""#.to_vec();
        // The client's limit is higher (64 MiB): Claude's 10 MiB is on what it reads.
        huge.resize(huge.len() + 65 * 1024 * 1024, b'a');
        huge.extend_from_slice(b"\"}\n");
        stdin.write_all(&huge).expect("write the huge line");
        stdin
            .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/after\"}\n")
            .expect("write");
    });
    let stdout = tap.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let refusal: Value =
        serde_json::from_str(&lines.next().expect("a line").expect("read")).expect("JSON");
    // The refused request's id is read from its first bytes: the client knows which one it was.
    assert_eq!(refusal["id"], 1, "{refusal}");
    assert_eq!(refusal["error"]["code"], -32600, "{refusal}");
    let after: Value =
        serde_json::from_str(&lines.next().expect("a line").expect("read")).expect("JSON");
    assert_eq!(
        after["method"], "notifications/after",
        "the next message passes"
    );
    writer.join().expect("writer");
    let mut stderr = String::new();
    let mut err = tap.stderr.take().expect("stderr");
    // The writer has dropped stdin: the session ends and stderr closes.
    std::io::Read::read_to_string(&mut err, &mut stderr).expect("stderr");
    assert!(
        stderr
            .contains("the server wrote a line over 9.9 MiB, more than MCP Tray forwards; dropped"),
        "{stderr}"
    );
    assert!(lines.next().is_none(), "nothing else on stdout");
    assert!(tap.wait().expect("wait").success());
}

/// What comes right after a refused line, in the same read, passes at once: the tap does not
/// wait for more to arrive before it forwards what it already holds, either way.
#[test]
fn what_follows_a_refused_line_in_the_same_read_passes_at_once() {
    // The server writes its 10.5 MB line and a notification in one write, then waits.
    let script = r#"python3 -c 'import sys; sys.stdout.buffer.write(b"x" * 10500000 + b"\n" + b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/after\"}\n")'; exec cat"#;
    let mut tap = Tap::start(
        tempfile::tempdir().expect("home"),
        "after-huge",
        &["sh", "-c", script],
    );
    let after = tap.next(Duration::from_secs(20));
    assert_eq!(after["method"], "notifications/after", "{after}");

    // The client does the same: its 65 MiB line and a request in one write, then waits.
    let mut both = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":""#.to_vec();
    both.resize(both.len() + 65 * 1024 * 1024, b'a');
    both.extend_from_slice(b"\"}\n{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}\n");
    let stdin = tap.stdin.as_mut().expect("stdin");
    stdin.write_all(&both).expect("write");
    stdin.flush().expect("flush");
    let refusal = tap.next(Duration::from_secs(20));
    assert_eq!(refusal["error"]["code"], -32600, "{refusal}");
    // `cat` sends the ping back: it reached the server without anything more from the client.
    let ping = tap.next(Duration::from_secs(20));
    assert_eq!(
        (&ping["method"], &ping["id"]),
        (&json!("ping"), &json!(7)),
        "{ping}"
    );
    let (status, _, _) = tap.finish();
    assert!(status.success(), "{status:?}");
}

#[test]
fn the_servers_stderr_passes_through_and_is_journaled() {
    let home = tempfile::tempdir().expect("home");
    let mut tap = raw_tap(
        home.path(),
        "talker",
        "echo 'warming up: cache at /tmp/x' >&2; printf 'no newline at the end' >&2; exec cat",
    );
    drop(tap.stdin.take());
    let out = tap.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("warming up: cache at /tmp/x\nno newline at the end\n"),
        "{stderr}"
    );
    let texts: Vec<Value> = journal(home.path(), "talker")
        .into_iter()
        .filter(|e| e["code"] == "stderr")
        .map(|e| e["text"].clone())
        .collect();
    assert_eq!(
        texts,
        [
            json!("warming up: cache at /tmp/x"),
            json!("no newline at the end")
        ]
    );
}

#[cfg(target_os = "linux")] // /proc tells a process from a zombie
#[test]
fn a_signal_to_the_tap_stops_the_whole_tree() {
    let home = tempfile::tempdir().expect("home");
    let pidfile = home.path().join("grandchild.pid");
    let script = format!("sleep 1000 & echo $! > '{}'; exec cat", pidfile.display());
    let mut tap = raw_tap(home.path(), "signalled", &script);
    let mut stdin = tap.stdin.take().expect("stdin");
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","method":"notifications/ping"}}"#
    )
    .expect("write");
    let mut first = String::new();
    BufReader::new(tap.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("the echo");
    assert!(first.contains("notifications/ping"), "{first}");
    let pid = running_grandchild(&pidfile);
    let killed = Command::new("kill")
        .args(["-TERM", &tap.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    // stdin stays open: the signal alone ends the session.
    let status = tap.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "a signal is a normal end");
    assert_gone_soon(pid);
    drop(stdin);
}

/// A tap SIGKILLed (the OOM killer, `kill -9`, a crash) has no time to stop its server: on Linux
/// the server still gets its SIGTERM, from the kernel. Here it ignores the end of its input
/// (`sleep`), which alone would leave it running for good.
#[cfg(target_os = "linux")]
#[test]
fn a_server_outlives_no_sigkilled_tap() {
    let home = tempfile::tempdir().expect("home");
    let pidfile = home.path().join("server.pid");
    let script = format!("echo $$ > '{}'; exec sleep 1000", pidfile.display());
    let mut tap = raw_tap(home.path(), "killed", &script);
    let pid = common::pids_written(&pidfile, 1)[0];
    assert!(alive(pid), "the server runs during the session");
    tap.kill().expect("SIGKILL the tap");
    tap.wait().expect("wait");
    let started = std::time::Instant::now();
    while alive(pid) && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left = common::left_running(&[pid]);
    assert!(
        left.is_empty(),
        "the server (pid {pid}) outlived its SIGKILLed tap"
    );
}

#[test]
fn a_test_of_an_unsaved_entry_journals_nothing_under_the_saved_servers_name() {
    let message = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
    let run = |no_journal: bool| {
        let home = tempfile::tempdir().expect("home");
        let mut cmd = Command::new(BIN);
        cmd.args(["wrap", "--name", "fs", "--grace", "1", "--", "cat"])
            .env("MCP_TRAY_HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if no_journal {
            cmd.env(mcp_tray_core::probe::NO_JOURNAL_ENV, "1");
        }
        let mut child = cmd.spawn().expect("start mcp-tray wrap");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(message.as_bytes()).expect("write");
        drop(stdin);
        let out = child.wait_with_output().expect("wait");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            message,
            "passed through"
        );
        home.path().join("journal").join("fs.jsonl").exists()
    };
    assert!(run(false), "Claude's own start journals");
    assert!(!run(true), "a test of an unsaved entry journaled");
}

/// The journal's `started` event names the command, but no credential given on its command line.
#[cfg(unix)]
#[test]
fn the_started_event_masks_a_credential_on_the_server_s_command_line() {
    let home = tempfile::tempdir().expect("home");
    let out = Command::new(BIN)
        .args([
            "wrap",
            "--name",
            "quiet",
            "--",
            "sh",
            "-c",
            "exit 0",
            "--token",
            "sk-live-77",
        ])
        .env("MCP_TRAY_HOME", home.path())
        .stdin(Stdio::null())
        .output()
        .expect("run the tap");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries = journal(home.path(), "quiet");
    let started = entries
        .iter()
        .find(|e| e["code"] == "started")
        .expect("a started event");
    let text = started["text"].as_str().unwrap_or_default();
    assert!(text.contains("--token ••••••"), "{text}");
    let all = serde_json::to_string(&entries).expect("json");
    assert!(!all.contains("sk-live-77"), "{all}");
}

#[test]
fn a_secret_the_server_prints_to_stderr_is_masked_in_the_journal_but_passes_through() {
    let script =
        "echo 'GITHUB_TOKEN=ghp_stderrsecret1 Authorization: Bearer sk-stderr-2' >&2; exit 3";
    let run = |redact: bool| {
        let home = tempfile::tempdir().expect("home");
        if !redact {
            std::fs::write(home.path().join("settings.json"), r#"{"redact": false}"#)
                .expect("settings");
        }
        let mut tap = raw_tap(home.path(), "leaky", script);
        drop(tap.stdin.take());
        let out = tap.wait_with_output().expect("wait");
        // Claude's log gets the server's own words, unchanged.
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("ghp_stderrsecret1"),
            "passes through"
        );
        let lines = journal(home.path(), "leaky");
        serde_json::to_string(&lines).expect("json")
    };
    let masked = run(true);
    assert!(
        !masked.contains("ghp_stderrsecret1") && !masked.contains("sk-stderr-2"),
        "{masked}"
    );
    assert!(
        masked.contains("GITHUB_TOKEN="),
        "the line is still there: {masked}"
    );
    // Hide secrets off: recorded as printed.
    let kept = run(false);
    assert!(kept.contains("ghp_stderrsecret1"), "{kept}");
}

/// A client that stops reading (closes its end of the tap's stdout) while its input stays open:
/// the session is over, and the tap stops its server rather than running on with it.
#[cfg(target_os = "linux")]
#[test]
fn a_client_that_stops_reading_ends_the_session() {
    let home = tempfile::tempdir().expect("home");
    let pidfile = home.path().join("server.pid");
    let script = format!(
        "echo $$ > '{}'; while :; do echo '{{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{{}}}}'; sleep 0.05; done",
        pidfile.display()
    );
    let mut tap = raw_tap(home.path(), "chatty", &script);
    let stdin = tap.stdin.take();
    {
        let mut stdout = tap.stdout.take().expect("stdout");
        let mut first = [0u8; 16];
        std::io::Read::read_exact(&mut stdout, &mut first).expect("the server speaks");
    } // closed here: nobody reads the tap any more
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .expect("pid")
        .trim()
        .parse()
        .expect("a pid");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = tap.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(10) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(stdin);
    if status.is_none() {
        let _ = tap.kill();
        let _ = tap.wait();
    }
    assert!(
        status.is_some(),
        "the tap ran on after its client stopped reading"
    );
    assert_gone_soon(pid);
}

/// The MCP TypeScript SDK's `close()`, which Claude Desktop's stdio client is, ends the tap's
/// input, sends SIGTERM 2 s later and SIGKILL 2 s after that. A server that ignores both the end
/// of its input and SIGTERM, and its child that ignores SIGTERM too, were left running when the
/// SDK's SIGKILL came before the tap's own (both 4 s after the end of input): the SDK's SIGTERM
/// now hurries the tap's shutdown, and both are gone by the time `close()` returns.
#[test]
#[cfg(target_os = "linux")] // /proc tells a process from a zombie
fn the_sdk_s_staged_close_leaves_no_server_behind() {
    let p = require_peers!();
    let home = tempfile::tempdir().expect("home");
    let pidfile = home.path().join("pids");
    let out = Command::new(p.node())
        .arg(p.script("sdk_close.mjs"))
        .arg(BIN)
        .args(["wrap", "--name", "stubborn", "--"])
        .arg(p.python())
        .arg(p.script("stubborn_server.py"))
        .arg(&pidfile)
        .env("MCP_TRAY_HOME", home.path())
        .output()
        .expect("run the SDK's client");
    let pids: Vec<i32> = std::fs::read_to_string(&pidfile)
        .expect("the server's pids")
        .split_whitespace()
        .map(|p| p.parse().expect("a pid"))
        .collect();
    let left = common::left_running(&pids);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let closed: Value = serde_json::from_str(stdout.trim()).expect("the client's line");
    assert_eq!(closed["server"], "stubborn", "{closed}");
    assert_eq!(pids.len(), 2, "the server and its child");
    assert!(
        left.is_empty(),
        "still running after close(): {left:?} of {pids:?}"
    );
    // The tap finished its own shutdown (it was not SIGKILLed half-way) and journaled the end.
    let stopped = journal(home.path(), "stubborn")
        .into_iter()
        .find(|e| e["code"] == "stopped")
        .expect("a stopped event");
    assert!(
        stopped["text"]
            .as_str()
            .unwrap_or_default()
            .contains("SIGKILL"),
        "{stopped}"
    );
}

/// A request the client cancelled (`notifications/cancelled`) is not answered by the tap when the
/// session ends: the client no longer knows its id (the TypeScript SDK logs "Received a response
/// for an unknown message ID"). One it did not cancel is, without blaming the server: the client
/// ended the session.
#[test]
fn a_cancelled_request_is_not_answered_at_the_end_and_a_waiting_one_is_said_to_be_the_clients_end()
{
    let home = tempfile::tempdir().expect("home");
    // Reads everything, answers nothing, leaves at the end of its input.
    let mut tap = Tap::start(home, "silent", &["sh", "-c", "cat > /dev/null"]);
    tap.send(&json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "hang", "arguments": {}}}));
    tap.send(
        &json!({"jsonrpc": "2.0", "id": "eight", "method": "tools/call",
        "params": {"name": "hang", "arguments": {}}}),
    );
    tap.send(
        &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 7, "reason": "user cancelled"}}),
    );
    let (status, _stderr, rest) = tap.finish();
    assert_eq!(status.code(), Some(0), "the client ended the session");
    let replies: Vec<Value> = rest
        .iter()
        .map(|l| serde_json::from_str(l).expect("JSON-RPC"))
        .collect();
    assert_eq!(
        replies.len(),
        1,
        "only the request still waited: {replies:?}"
    );
    assert_eq!(replies[0]["id"], "eight");
    assert_eq!(replies[0]["error"]["data"]["diagnosis"], "tap-stopped");
    let message = replies[0]["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("session ended before local server silent answered tools/call"),
        "{message}"
    );
}

/// A server that fails often prints the credential it was given. What the tap says of its end
/// (its reply in the server's place, stderr, the journal) quotes its last words masked.
#[test]
fn the_last_words_a_failing_server_printed_are_quoted_with_their_secrets_masked() {
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let home = tempfile::tempdir().expect("home");
    let script = format!("echo 'Error: GITHUB_TOKEN={token} is invalid' >&2; read line; exit 3");
    let mut tap = Tap::start(home, "leaky", &["sh", "-c", &script]);
    tap.send(&initialize());
    let reply = tap.next(Duration::from_secs(10));
    let message = reply["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("exit code 3") && message.contains("GITHUB_TOKEN="),
        "{reply}"
    );
    let (_status, stderr, _rest) = tap.finish();
    let journal = std::fs::read_to_string(tap.home.path().join("journal").join("leaky.jsonl"))
        .expect("the journal");
    // The server's own stderr passes through as it is (Claude's log gets it from the server
    // either way); the tap's lines there are its own.
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("mcp-tray wrap ["))
        .collect();
    assert!(!ours.is_empty(), "{stderr}");
    for (what, text) in [
        ("the reply", reply.to_string()),
        ("the tap's lines on stderr", ours.join("\n")),
        ("the journal", journal),
    ] {
        assert!(!text.contains(token), "{what} holds the token: {text}");
    }
}

/// A server that pretty-prints its replies (`json.dumps(…, indent=2)`) spreads each over several
/// lines, which Claude would read as as many broken messages. The tap puts each back on one line,
/// forwards it (pairing it, for the journal), and says so once; a line that is not JSON-RPC
/// around them is still kept off stdout.
#[test]
fn a_reply_pretty_printed_over_several_lines_is_forwarded_on_one() {
    let p = require_peers!();
    let script = r#"
import json, sys
print("Server starting...", flush=True)
for line in sys.stdin:
    msg = json.loads(line)
    if "id" not in msg:
        continue
    result = {"tools": [{"name": "echo", "description": "says {\"it\"} back ]", "inputSchema": {"type": "object"}}]}
    print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}, indent=2), flush=True)
"#;
    let home = tempfile::tempdir().expect("home");
    let python = p.python();
    let mut tap = Tap::start(
        home,
        "pretty",
        &[python.to_str().expect("utf-8 path"), "-c", script],
    );
    for id in [1, 2] {
        tap.send(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"}));
        let reply = tap.next(Duration::from_secs(20));
        assert_eq!(reply["id"], id, "{reply}");
        assert_eq!(
            reply["result"]["tools"][0]["description"], "says {\"it\"} back ]",
            "{reply}"
        );
    }
    let (status, stderr, rest) = tap.finish();
    assert_eq!(status.code(), Some(0));
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(
        stderr.matches("forwarded on one line").count(),
        1,
        "said once: {stderr}"
    );
    assert!(
        stderr.contains("not forwarded (stdout is for JSON-RPC only): Server starting..."),
        "{stderr}"
    );
    let entries = journal(tap.home.path(), "pretty");
    let replies: Vec<&Value> = entries
        .iter()
        .filter(|e| e["dir"] == "s2c" && e["kind"] == "response")
        .collect();
    assert_eq!(replies.len(), 2, "{entries:?}");
    assert!(
        replies
            .iter()
            .all(|r| r["method"] == "tools/list" && r["latency_ms"].is_number()),
        "{replies:?}"
    );
}

/// The journal has each request before its reply, however fast the server answers (the request
/// was recorded after it was written to the server, which could answer first).
#[test]
fn the_journal_has_each_request_before_its_reply() {
    let home = tempfile::tempdir().expect("home");
    let script = r#"while read -r line; do id=${line#*\"id\":}; id=${id%%,*}; echo "{\"jsonrpc\":\"2.0\",\"id\":$id,\"result\":{}}"; done"#;
    let mut tap = Tap::start(home, "quick", &["sh", "-c", script]);
    for id in 1..=200 {
        tap.send(&json!({"jsonrpc": "2.0", "id": id, "method": "ping"}));
        let reply = tap.next(Duration::from_secs(10));
        assert_eq!(reply["id"], id, "{reply}");
    }
    let _ = tap.finish();
    let entries = journal(tap.home.path(), "quick");
    let at = |dir: &str, id: i64| {
        entries
            .iter()
            .position(|e| e["dir"] == dir && e["id"] == id)
            .unwrap_or_else(|| panic!("{dir} {id} journaled"))
    };
    for id in 1..=200 {
        assert!(
            at("c2s", id) < at("s2c", id),
            "the reply to {id} came first"
        );
    }
}

/// A server that crashes after it answered (a signal, a code other than 0) failed: its client
/// lost it. The tap's reply in its place says how long the request waited.
#[test]
fn a_server_that_crashes_mid_session_is_an_error_and_the_request_it_left_has_its_latency() {
    let home = tempfile::tempdir().expect("home");
    let script = r#"read -r line; echo '{"jsonrpc":"2.0","id":1,"result":{}}'; read -r line; echo 'crashy ready' >&2; sleep 0.3; kill -9 $$"#;
    let mut tap = Tap::start(home, "crashy", &["sh", "-c", script]);
    tap.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}));
    assert_eq!(tap.next(Duration::from_secs(10))["id"], 1);
    tap.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "x", "arguments": {}}}));
    let reply = tap.next(Duration::from_secs(10));
    let message = reply["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("(signal SIGKILL) before answering tools/call")
            && message.ends_with("its last words on stderr: crashy ready"),
        "{message}"
    );
    let _ = tap.finish();
    let entries = journal(tap.home.path(), "crashy");
    let exited = entries
        .iter()
        .find(|e| e["code"] == "exited")
        .expect("the exit is journaled");
    assert_eq!(exited["level"], "error", "{exited}");
    let answered = entries
        .iter()
        .find(|e| e["dir"] == "s2c" && e["id"] == 2)
        .expect("the tap's reply is journaled");
    assert!(
        answered["latency_ms"]
            .as_f64()
            .is_some_and(|ms| ms >= 250.0),
        "{answered}"
    );
}

/// The credentials a server is started with (an `--api-key` argument, a token in its env) are
/// masked in the journal wherever they show up again: a server that echoes its key in a result
/// or prints its token on stderr, where no name says it is one. What is forwarded is untouched.
#[test]
fn a_servers_own_credentials_are_masked_in_the_journal_wherever_they_show_up() {
    let p = require_peers!();
    let (arg_secret, env_secret) = ("sk-ARG-SECRET987", "tok-ENV-SECRET-555");
    let script = r#"
import json, os, sys
key = sys.argv[sys.argv.index("--api-key") + 1]
print("started with token " + os.environ["API_TOKEN"], file=sys.stderr, flush=True)
for line in sys.stdin:
    msg = json.loads(line)
    text = "key is " + key + ", token is " + os.environ["API_TOKEN"]
    print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": {"text": text}}), flush=True)
"#;
    let home = tempfile::tempdir().expect("home");
    let mut tap = Command::new(BIN)
        .args(["wrap", "--name", "keyed", "--grace", "1", "--"])
        .arg(p.python())
        .args(["-c", script, "--api-key", arg_secret])
        .env("MCP_TRAY_HOME", home.path())
        .env("API_TOKEN", env_secret)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mcp-tray wrap");
    let mut stdin = tap.stdin.take().expect("stdin");
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"whoami"}}}}"#
    )
    .expect("write");
    let mut reply = String::new();
    BufReader::new(tap.stdout.take().expect("stdout"))
        .read_line(&mut reply)
        .expect("the reply");
    drop(stdin);
    tap.wait().expect("wait");
    assert!(
        reply.contains(arg_secret) && reply.contains(env_secret),
        "forwarded as it is: {reply}"
    );
    let journal = std::fs::read_to_string(home.path().join("journal").join("keyed.jsonl"))
        .expect("the journal");
    assert!(journal.contains("key is [redacted]"), "{journal}");
    assert!(
        journal.contains("started with token [redacted]"),
        "{journal}"
    );
    for secret in [arg_secret, env_secret] {
        assert!(
            !journal.contains(secret),
            "{secret} in the journal: {journal}"
        );
    }
}

/// A line that looks like the start of a message over several lines (a lone `{`), followed by
/// whole messages: they are forwarded, not taken into it.
#[test]
fn a_lone_bracket_line_does_not_swallow_the_messages_after_it() {
    let script = r#"echo '{'; while read -r line; do id=${line#*\"id\":}; id=${id%%,*}; echo "{\"jsonrpc\":\"2.0\",\"id\":$id,\"result\":{}}"; done"#;
    let home = tempfile::tempdir().expect("home");
    let mut tap = Tap::start(home, "stray", &["sh", "-c", script]);
    for id in 1..=3 {
        tap.send(&json!({"jsonrpc": "2.0", "id": id, "method": "ping"}));
        assert_eq!(tap.next(Duration::from_secs(10))["id"], id);
    }
    let (_status, stderr, rest) = tap.finish();
    assert!(rest.is_empty(), "{rest:?}");
    assert!(
        stderr.contains("not forwarded (stdout is for JSON-RPC only): {"),
        "{stderr}"
    );
}

/// A client that stops the tap with a signal, its input still open, and SIGKILLs it 2 s later
/// (as the MCP SDKs do after their own SIGTERM): the tap's stop after a signal takes at most
/// 1.5 s, so a server that ignores the end of its input and SIGTERM, and its child, are gone
/// before the SIGKILL could leave them running.
#[test]
#[cfg(target_os = "linux")] // /proc tells a process from a zombie
fn a_signal_then_sigkill_two_seconds_later_leaves_no_server_behind() {
    let p = require_peers!();
    let home = tempfile::tempdir().expect("home");
    let pidfile = home.path().join("pids");
    let mut tap = Command::new(BIN)
        .args(["wrap", "--name", "stubborn", "--"])
        .arg(p.python())
        .arg(p.script("stubborn_server.py"))
        .arg(&pidfile)
        .env("MCP_TRAY_HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mcp-tray wrap");
    let pids = common::pids_written(&pidfile, 2);
    let signal = |sig: &str| {
        Command::new("kill")
            .args([sig, &tap.id().to_string()])
            .status()
            .expect("kill")
    };
    assert!(signal("-TERM").success());
    std::thread::sleep(Duration::from_secs(2));
    let _ = signal("-KILL");
    let _ = tap.wait();
    let left = common::left_running(&pids);
    assert!(left.is_empty(), "still running: {left:?} of {pids:?}");
}

/// The MCP TypeScript SDK's stdio client (Claude Desktop's) reads at most 10 MiB of one message
/// and closes the connection past that: run directly, FastMCP's 10.5 MB reply costs the client
/// the server. Through the tap the reply is refused with an error for that call alone, and the
/// next call is answered.
#[test]
fn a_reply_too_large_for_the_sdk_costs_one_call_through_the_tap_not_the_connection() {
    let p = require_peers!();
    let home = tempfile::tempdir().expect("home");
    let sdk_big = |command: &[&std::ffi::OsStr]| -> Value {
        let mut args = vec!["10500000".as_ref()];
        args.extend(command);
        p.sdk_client("sdk_big.mjs", &args, home.path())
    };
    let python = p.python();
    let server = p.script("fastmcp_server.py");
    let fastmcp = [python.as_os_str(), server.as_os_str(), "stdio".as_ref()];

    // Without the tap: what the tap saves the client from (the SDK's limit, seen).
    let direct = sdk_big(&fastmcp);
    assert!(
        direct["errors"].to_string().contains("ReadBuffer exceeded"),
        "{direct}"
    );
    assert!(
        direct["add"]["error"].is_string(),
        "connection lost: {direct}"
    );

    let mut tapped: Vec<&std::ffi::OsStr> = vec![
        BIN.as_ref(),
        "wrap".as_ref(),
        "--name".as_ref(),
        "files".as_ref(),
        "--".as_ref(),
    ];
    tapped.extend(fastmcp);
    let through = sdk_big(&tapped);
    let refused = through["big"]["error"].as_str().unwrap_or_default();
    assert!(
        refused.contains("local server files answered tools/call with more than 9.9 MiB")
            && refused.contains("ask for less at a time"),
        "{through}"
    );
    assert_eq!(through["add"]["text"], "3", "{through}");
    assert_eq!(through["errors"], json!([]), "{through}");
    let dropped: Vec<Value> = journal(home.path(), "files")
        .into_iter()
        .filter(|e| e["code"] == "message-too-large")
        .collect();
    assert_eq!(dropped.len(), 1, "{dropped:?}");
}

/// A client that sends `initialize` and closes its input at once, and a server that then dies of
/// a signal (a crash) without answering: the server's early exit, not the end of a session,
/// whichever of the two ends the tap notices first.
#[test]
fn a_server_killed_by_a_signal_after_the_clients_end_is_an_early_exit() {
    let mut tap = Tap::start(
        tempfile::tempdir().expect("home"),
        "crash",
        &["sh", "-c", "cat > /dev/null; kill -SEGV $$"],
    );
    tap.send(&initialize());
    let (status, stderr, rest) = tap.finish();
    let replies: Vec<Value> = rest
        .iter()
        .map(|l| serde_json::from_str(l).expect("JSON-RPC"))
        .collect();
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(
        replies[0]["error"]["data"]["diagnosis"], "exited-early",
        "{replies:?}\n{stderr}"
    );
    assert!(!status.success(), "{status:?}");
}
