//! `mcp-tray bridge` end to end: the real binary between real MCP clients and real MCP servers
//! (tests/peers: the Python SDK, server-everything, the Inspector CLI), on loopback ports the
//! tests pick and servers the tests start.
//!
//! Without installed peers (`tests/peers/install.sh`) these tests skip with a message, and fail
//! when `MCP_TRAY_REQUIRE_PEERS=1` is set, so CI cannot pass by skipping.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;

use common::{BIN, Peers};

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

/// A server process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How long a peer may take to listen.
const START: Duration = Duration::from_secs(20);

/// Starts a server with `start(port)` on a free port, once that server itself listens there (see
/// [`common::serve_on_free_port`]): the server and its port.
fn serve(what: &str, start: impl FnMut(u16) -> Child) -> (Server, u16) {
    let (child, port) = common::serve_on_free_port(what, start, START);
    (Server(child), port)
}

fn fastmcp(p: &Peers, transport: &str) -> (Server, u16) {
    serve("FastMCP", |port| fastmcp_child(p, transport, port))
}

/// FastMCP started again on `port`, where a test stopped it: a restart at the same address.
fn fastmcp_again(p: &Peers, transport: &str, port: u16) -> Server {
    let child = fastmcp_child(p, transport, port);
    Server(common::serve_again_on("FastMCP", child, port, START))
}

fn fastmcp_child(p: &Peers, transport: &str, port: u16) -> Child {
    Command::new(p.python())
        .arg(p.script("fastmcp_server.py"))
        .args([transport, &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start FastMCP")
}

fn everything(p: &Peers, mode: &str) -> (Server, u16) {
    serve("server-everything", |port| everything_child(p, mode, port))
}

/// server-everything started again on `port`, where a test stopped it.
fn everything_again(p: &Peers, mode: &str, port: u16) -> Server {
    let child = everything_child(p, mode, port);
    Server(common::serve_again_on(
        "server-everything",
        child,
        port,
        START,
    ))
}

fn everything_child(p: &Peers, mode: &str, port: u16) -> Child {
    Command::new(p.node())
        .arg(p.dir.join("node_modules/.bin/mcp-server-everything"))
        .arg(mode)
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server-everything")
}

/// One of the fault servers of tests/peers (`SCRIPT PORT ARGS…`), once it listens.
fn fault_server(p: &Peers, script: &str, args: &[&str]) -> (Server, u16) {
    serve(script, |port| {
        Command::new(p.python())
            .arg(p.script(script))
            .arg(port.to_string())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {script}: {e}"))
    })
}

fn garbage_server(p: &Peers) -> (Server, u16) {
    fault_server(p, "garbage_server.py", &[])
}

/// Runs the Python SDK's stdio client (driver.py) against `mcp-tray bridge ARGS…`.
fn drive(p: &Peers, scenario: &str, home: &Path, bridge_args: &[&str]) -> (Value, String) {
    let mut driver = Command::new(p.python());
    driver.arg(p.script("driver.py")).arg(scenario);
    run_driver(driver, home, bridge_args)
}

/// Runs a driver (`… -- mcp-tray bridge ARGS…`) and reads the JSON object it prints last.
fn run_driver(mut driver: Command, home: &Path, bridge_args: &[&str]) -> (Value, String) {
    let out = driver
        .args(["--", BIN, "bridge"])
        .args(bridge_args)
        .env("MCP_TRAY_HOME", home)
        .output()
        .expect("run the driver");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "driver failed: {}\nstdout: {stdout}\nstderr: {stderr}",
        out.status
    );
    let line = stdout.lines().last().unwrap_or_default();
    let value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("driver printed no JSON ({e}): {stdout}"));
    (value, stderr)
}

// ---------------------------------------------------------------------------------------------
// A bridge driven line by line
// ---------------------------------------------------------------------------------------------

struct Bridge {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    stderr: Arc<Mutex<String>>,
    /// Every line seen on stdout, for the exactly-one-reply count.
    seen: Vec<Value>,
    /// Replies read while [`Bridge::reply`] waited for another one: replies to requests in
    /// flight together come in any order.
    unclaimed: Vec<Value>,
    /// Ids of the requests sent.
    requests: Vec<Value>,
    home: tempfile::TempDir,
}

impl Bridge {
    fn start(args: &[&str]) -> Bridge {
        Bridge::start_with_env(args, &[])
    }

    /// [`Bridge::start`] with more environment variables.
    fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Bridge {
        let home = tempfile::tempdir().expect("temp home");
        let mut child = Command::new(BIN)
            .arg("bridge")
            .args(args)
            .env("MCP_TRAY_HOME", home.path())
            // A credential for `--header 'X-Api-Key: ${MCP_TRAY_TEST_KEY}'`.
            .env("MCP_TRAY_TEST_KEY", "env-key-4714")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mcp-tray bridge");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&line);
                    s.push('\n');
                }
            }
        });
        Bridge {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
            seen: Vec::new(),
            unclaimed: Vec::new(),
            requests: Vec::new(),
            home,
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write to bridge");
        stdin.write_all(b"\n").expect("write to bridge");
        stdin.flush().expect("flush");
    }

    fn send(&mut self, msg: &Value) {
        if msg.get("method").is_some()
            && let Some(id) = msg.get("id")
        {
            self.requests.push(id.clone());
        }
        self.send_raw(msg.to_string().as_bytes());
    }

    fn next(&mut self, within: Duration) -> Option<Value> {
        let line = self.lines.recv_timeout(within).ok()?;
        let value: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("bridge wrote a non-JSON line ({e}): {line}"));
        self.seen.push(value.clone());
        Some(value)
    }

    /// Waits for the reply to `id` (or takes it from those read meanwhile), passing over other
    /// messages and keeping other replies for their own `reply`.
    fn reply(&mut self, id: &Value, within: Duration) -> Value {
        if let Some(at) = self.unclaimed.iter().position(|v| v.get("id") == Some(id)) {
            return self.unclaimed.remove(at);
        }
        let deadline = Instant::now() + within;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next(left) {
                Some(v) if v.get("method").is_none() && v.get("id") == Some(id) => return v,
                Some(v) if v.get("method").is_none() => self.unclaimed.push(v),
                Some(_) => {}
                None => break,
            }
        }
        panic!(
            "no reply to id {id} within {within:?}; stderr:\n{}",
            self.stderr()
        );
    }

    fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.reply(&json!(id), Duration::from_secs(30))
    }

    fn call(&mut self, id: i64, tool: &str, args: Value) -> Value {
        self.request(id, "tools/call", json!({"name": tool, "arguments": args}))
    }

    fn initialize(&mut self) -> Value {
        let reply = self.request(
            0,
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "raw-test", "version": "1"}
            }),
        );
        self.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        reply
    }

    fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Closes stdin, reads stdout to its end, and checks the exactly-one-reply rule.
    fn finish(mut self) -> (std::process::ExitStatus, String, tempfile::TempDir) {
        drop(self.stdin.take());
        while self.next(Duration::from_secs(15)).is_some() {}
        let status = self.child.wait().expect("bridge exits");
        let mut replies: HashMap<String, usize> = HashMap::new();
        for v in &self.seen {
            if v.get("method").is_none()
                && let Some(id) = v.get("id").filter(|id| !id.is_null())
            {
                *replies.entry(id.to_string()).or_default() += 1;
            }
        }
        for id in &self.requests {
            let n = replies.get(&id.to_string()).copied().unwrap_or(0);
            assert_eq!(
                n,
                1,
                "request {id} got {n} replies; stderr:\n{}",
                self.stderr()
            );
        }
        let stderr = self.stderr();
        (status, stderr, self.home)
    }
}

/// Every journal under an MCP Tray home, as one text.
fn read_journals(home: &Path) -> String {
    let mut journal = String::new();
    for entry in std::fs::read_dir(home.join("journal")).expect("journal dir") {
        let path = entry.expect("entry").path();
        journal.push_str(&std::fs::read_to_string(path).expect("read journal"));
    }
    journal
}

fn text_of(reply: &Value) -> String {
    reply["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn error_message(reply: &Value) -> String {
    reply["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// Real clients and servers, both transports
// ---------------------------------------------------------------------------------------------

#[test]
fn python_client_round_trips_every_feature_to_fastmcp_over_streamable_http() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let home = tempfile::tempdir().expect("home");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (out, stderr) = drive(&p, "fastmcp", home.path(), &[&url, "--name", "fm"]);
    assert_eq!(out["server"], "tiny");
    assert_eq!(out["add"], "5");
    assert_eq!(
        out["client_name"], "bridge-driver",
        "clientInfo must pass untouched"
    );
    assert_eq!(out["count"], "counted 3");
    assert_eq!(out["progress"], json!([1.0, 2.0, 3.0]));
    assert_eq!(out["logs"], json!(["counted"]));
    assert_eq!(out["sampled"], "hello");
    assert_eq!(out["ask_llm"], "sampled-reply");
    assert_eq!(out["ask_user"], "accept:Ada");
    assert_eq!(out["roots"], "file:///tmp/root-a");
    assert!(stderr.contains("Streamable HTTP"), "stderr: {stderr}");
}

// ---------------------------------------------------------------------------------------------
// The stateless revision (2026-07-28)
// ---------------------------------------------------------------------------------------------

/// The Python SDK 2.x's server (tests/peers/modern/server.py), which speaks 2026-07-28 and the
/// revisions with a handshake at one URL.
fn modern_server(p: &Peers) -> (Server, u16) {
    serve("the SDK 2.x server", |port| {
        Command::new(p.modern_python())
            .arg(p.script("modern/server.py"))
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the SDK 2.x server")
    })
}

/// Runs the Python SDK 2.x's stdio client (modern/driver.py: `server/discover` first, then
/// `initialize` when refused) against `mcp-tray bridge ARGS…`.
fn drive_modern(p: &Peers, home: &Path, bridge_args: &[&str]) -> (Value, String) {
    let mut driver = Command::new(p.modern_python());
    driver.arg(p.script("modern/driver.py"));
    run_driver(driver, home, bridge_args)
}

#[test]
fn a_client_of_the_stateless_revision_talks_it_through_the_bridge_with_its_routing_headers() {
    let p = require_peers!();
    let (_server, port) = modern_server(&p);
    let home = tempfile::tempdir().expect("home");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (out, stderr) = drive_modern(&p, home.path(), &[&url, "--name", "modern"]);
    // No session: the server took `server/discover` and every request after it as they came.
    assert_eq!(out["connected"], "discover", "{out}\nstderr: {stderr}");
    assert_eq!(
        out["tools"],
        json!(["add", "announce", "deploy", "slow_marked"])
    );
    assert_eq!(out["add"], "5");
    // `deploy` marks `region` with x-mcp-header: the server refuses the call unless the
    // `Mcp-Param-Region` header says what the body says (here non-ASCII, so base64-wrapped).
    assert_eq!(out["deploy"], "api deployed to eu-west ✓", "{out}");
    assert_eq!(out["deploy_error"], false);
    assert!(
        stderr.contains("(Streamable HTTP, MCP 2026-07-28)"),
        "stderr: {stderr}"
    );
    assert!(!stderr.contains("error"), "stderr: {stderr}");
    let journal = read_journals(home.path());
    assert!(
        journal.contains(r#""method":"server/discover""#),
        "{journal}"
    );
    assert!(!journal.contains(r#""method":"initialize""#), "{journal}");
}

#[test]
fn a_server_of_the_stateless_revision_answers_the_client_itself_when_it_refuses_a_request() {
    let p = require_peers!();
    let (_server, port) = modern_server(&p);
    let mut bridge = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "modern"]);
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    // 404 with the server's JSON-RPC error: the client gets that error, its own code included.
    let unknown = bridge.request(1, "no/such-method", json!({"_meta": meta}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    // A version the server does not speak: 400 with the versions it does, for the client to pick.
    let old = json!({
        "io.modelcontextprotocol/protocolVersion": "2099-01-01",
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    let refused = bridge.request(2, "server/discover", json!({"_meta": old}));
    assert_eq!(refused["error"]["code"], -32022, "{refused}");
    assert!(
        refused["error"]["data"]["supported"]
            .as_array()
            .is_some_and(|v| v.contains(&json!("2026-07-28"))),
        "{refused}"
    );
    // Without `_meta` a call is of the revisions with a handshake, and this client opened no
    // session: the server refuses it, and the client is told.
    let sessionless = bridge.call(3, "add", json!({"a": 2, "b": 3}));
    assert!(sessionless["error"]["message"].is_string(), "{sessionless}");
    let added = bridge.request(
        4,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 2, "b": 3}, "_meta": meta}),
    );
    assert_eq!(text_of(&added), "5", "{added}");
    let (status, stderr, _home) = bridge.finish();
    assert!(status.success(), "stderr: {stderr}");
}

#[test]
fn a_call_of_a_tool_the_client_did_not_list_through_the_bridge_still_gets_its_param_headers() {
    // A client of this revision may keep a server's tool list between connections, and call
    // straight away: the bridge, which learns the `x-mcp-header` arguments from listings, lists
    // the tools itself first, and that reply is not the client's.
    let p = require_peers!();
    let (_server, port) = modern_server(&p);
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "modern"]);
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    let deployed = b.request(
        1,
        "tools/call",
        json!({"name": "deploy", "arguments": {"region": "eu-west ✓", "service": "api"}, "_meta": meta}),
    );
    assert_eq!(
        text_of(&deployed),
        "api deployed to eu-west ✓",
        "{deployed}"
    );
    assert_ne!(deployed["result"]["isError"], true, "{deployed}");
    // Once listed, a second call needs no listing; a tool the server does not have is its error.
    let again = b.request(
        2,
        "tools/call",
        json!({"name": "deploy", "arguments": {"region": "us", "service": "web"}, "_meta": meta}),
    );
    assert_eq!(text_of(&again), "web deployed to us", "{again}");
    let unknown = b.request(
        3,
        "tools/call",
        json!({"name": "no_such_tool", "arguments": {}, "_meta": meta}),
    );
    assert!(
        unknown.get("error").is_some() || unknown["result"]["isError"] == true,
        "{unknown}"
    );
    let (status, stderr, home) = b.finish();
    assert!(status.success(), "stderr: {stderr}");
    // The client saw only its own replies, and the journal only its own requests.
    let journal = read_journals(home.path());
    assert!(!journal.contains("mcp-tray-tools-list"), "{journal}");
}

#[test]
fn a_request_of_the_stateless_revision_is_cancelled_by_closing_its_stream() {
    let p = require_peers!();
    let (_server, port) = modern_server(&p);
    let dir = tempfile::tempdir().expect("tmp");
    let marker = dir.path().join("cancelled");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "modern"]);
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    let discovered = b.request(0, "server/discover", json!({"_meta": meta}));
    assert!(discovered.get("result").is_some(), "{discovered}");
    // Not tracked for a reply: the client cancels it.
    b.send_raw(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"_meta": meta,
            "name": "slow_marked", "arguments": {"seconds": 30, "marker": marker.to_string_lossy()}}})
        .to_string()
        .as_bytes(),
    );
    std::thread::sleep(Duration::from_millis(500));
    // The way SDK clients spell a cancel on stdio: a notification without the revision's `_meta`.
    b.send(
        &json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 1, "reason": "user pressed stop"}}),
    );
    wait_until(
        Duration::from_secs(10),
        "the server to see the request cancelled",
        || marker.exists(),
    );
    let added = b.request(
        2,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 2, "b": 3}, "_meta": meta}),
    );
    assert_eq!(text_of(&added), "5", "{added}");
    let (status, stderr, _home) = b.finish();
    assert!(status.success(), "stderr: {stderr}");
    // The notification has no place on this wire: it is not sent, and no failure is said.
    assert!(!stderr.contains("error"), "stderr: {stderr}");
}

#[test]
fn a_listen_stream_of_the_stateless_revision_stays_open_past_the_timeout_and_carries_notifications()
{
    let p = require_peers!();
    let (_server, port) = modern_server(&p);
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--name", "modern", "--timeout", "1"]);
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    // Not tracked for a reply: a listen's only reply is the server ending it.
    b.send_raw(
        json!({"jsonrpc": "2.0", "id": "listen-1", "method": "subscriptions/listen",
            "params": {"_meta": meta, "notifications": {"toolsListChanged": true}}})
        .to_string()
        .as_bytes(),
    );
    /// What the bridge writes within `within`: the methods of the notifications, and any reply
    /// to the listen.
    fn read_for(b: &mut Bridge, within: Duration) -> (Vec<String>, Vec<Value>) {
        let (mut methods, mut replies) = (Vec::new(), Vec::new());
        let deadline = Instant::now() + within;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match b.next(left) {
                Some(v) if v["id"] == "listen-1" => replies.push(v),
                Some(v) if v.get("method").is_some() => {
                    methods.push(v["method"].as_str().unwrap_or_default().to_owned())
                }
                Some(_) => {}
                None => break,
            }
        }
        (methods, replies)
    }
    // Three times the bridge's --timeout: no timeout is made up for it.
    let (methods, replies) = read_for(&mut b, Duration::from_secs(3));
    assert_eq!(
        methods,
        ["notifications/subscriptions/acknowledged"],
        "{}",
        b.stderr()
    );
    assert!(replies.is_empty(), "{replies:?}");
    let announced = b.request(
        2,
        "tools/call",
        json!({"name": "announce", "arguments": {}, "_meta": meta}),
    );
    assert_eq!(text_of(&announced), "announced", "{announced}");
    let (_, replies) = read_for(&mut b, Duration::from_secs(2));
    assert!(replies.is_empty(), "{replies:?}");
    // Everything written so far, the call's reply awaited in between included.
    let methods: Vec<&str> = b.seen.iter().filter_map(|v| v["method"].as_str()).collect();
    assert_eq!(
        methods,
        [
            "notifications/subscriptions/acknowledged",
            "notifications/tools/list_changed"
        ],
        "{}",
        b.stderr()
    );
    let (status, stderr, _home) = b.finish();
    assert!(status.success(), "stderr: {stderr}");
    assert!(!stderr.contains("did not answer"), "stderr: {stderr}");
}

#[test]
fn a_client_of_the_stateless_revision_falls_back_to_initialize_with_an_earlier_server() {
    let p = require_peers!();
    for (server, name) in [("fastmcp", "fm"), ("everything", "ev")] {
        let (_server, port) = match server {
            "fastmcp" => fastmcp(&p, "streamable-http"),
            _ => everything(&p, "streamableHttp"),
        };
        let home = tempfile::tempdir().expect("home");
        let url = format!("http://127.0.0.1:{port}/mcp");
        let (out, stderr) = drive_modern(&p, home.path(), &[&url, "--name", name]);
        assert_eq!(out["connected"], "initialize", "{server}: {out}");
        assert!(
            out["tools"].as_array().is_some_and(|t| !t.is_empty()),
            "{out}"
        );
        // The SDK's refusal of `server/discover` is news, said once; no transport is guessed
        // from it (legacy SSE) and no error is reported.
        assert!(
            stderr.contains("takes no MCP 2026-07-28 requests (HTTP 400 to server/discover)"),
            "{server}: {stderr}"
        );
        assert!(!stderr.contains("legacy HTTP+SSE"), "{server}: {stderr}");
        assert!(!stderr.contains("error"), "{server}: {stderr}");
        let journal = read_journals(home.path());
        let levels: Vec<Value> = journal
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|e| e["code"] == "handshake-only")
            .map(|e| e["level"].clone())
            .collect();
        assert_eq!(levels, vec![json!("info")], "{server}: {journal}");
    }
}

#[test]
fn python_client_reaches_fastmcp_legacy_sse_by_autodetection() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "sse");
    let home = tempfile::tempdir().expect("home");
    let url = format!("http://127.0.0.1:{port}/sse");
    let (out, stderr) = drive(&p, "fastmcp", home.path(), &[&url, "--name", "fm-sse"]);
    assert_eq!(out["add"], "5");
    assert_eq!(out["client_name"], "bridge-driver");
    assert_eq!(out["progress"], json!([1.0, 2.0, 3.0]));
    assert_eq!(out["ask_llm"], "sampled-reply");
    assert_eq!(out["ask_user"], "accept:Ada");
    assert_eq!(out["roots"], "file:///tmp/root-a");
    assert!(stderr.contains("HTTP 405"), "stderr: {stderr}");
    assert!(stderr.contains("legacy HTTP+SSE"), "stderr: {stderr}");
}

#[test]
fn a_relative_sse_endpoint_resolves_against_where_a_redirect_led() {
    let p = require_peers!();
    // /old/sse answers 307 to /v2/sse, whose endpoint event names `messages/?session_id=…`:
    // /v2/messages/ from where the stream came, /old/messages/ (404) from the entry's URL.
    let (_server, port) = fastmcp(&p, "sse-moved");
    let mut b = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/old/sse"),
        "--transport",
        "sse",
    ]);
    let init = b.initialize();
    assert_eq!(init["result"]["serverInfo"]["name"], "tiny", "{init}");
    let sum = b.call(1, "add", json!({"a": 2, "b": 3}));
    assert_eq!(text_of(&sum), "5", "{sum}");
    let (status, stderr, _) = b.finish();
    assert!(status.success(), "{stderr}");
}

#[test]
fn python_client_round_trips_server_everything_over_streamable_http() {
    let p = require_peers!();
    let (_server, port) = everything(&p, "streamableHttp");
    let home = tempfile::tempdir().expect("home");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (out, _) = drive(&p, "everything", home.path(), &[&url, "--name", "se"]);
    assert_eq!(out["echo"], "Echo: über ✓");
    assert_eq!(out["sum"], "The sum of 2 and 3 is 5.");
    assert_eq!(out["progress"], json!([1.0, 2.0, 3.0]));
    assert!(
        out["sampling"]
            .as_str()
            .is_some_and(|s| s.contains("sampled-reply"))
    );
    assert!(
        out["elicitation"]
            .as_str()
            .is_some_and(|s| s.contains("decline"))
    );
    assert!(
        out["roots"]
            .as_str()
            .is_some_and(|s| s.contains("file:///tmp/root-a"))
    );
}

#[test]
fn python_client_reaches_server_everything_legacy_sse_by_autodetection() {
    let p = require_peers!();
    let (_server, port) = everything(&p, "sse");
    let home = tempfile::tempdir().expect("home");
    let url = format!("http://127.0.0.1:{port}/sse");
    let (out, stderr) = drive(&p, "everything", home.path(), &[&url, "--name", "se-sse"]);
    assert_eq!(out["sum"], "The sum of 2 and 3 is 5.");
    assert_eq!(out["progress"], json!([1.0, 2.0, 3.0]));
    assert!(
        out["sampling"]
            .as_str()
            .is_some_and(|s| s.contains("sampled-reply"))
    );
    assert!(stderr.contains("HTTP 404"), "stderr: {stderr}");
}

#[test]
fn pinned_transport_skips_probing() {
    let p = require_peers!();
    let (_server, port) = everything(&p, "sse");
    let home = tempfile::tempdir().expect("home");
    let url = format!("http://127.0.0.1:{port}/sse");
    let (out, stderr) = drive(
        &p,
        "basic",
        home.path(),
        &[&url, "--name", "pinned", "--transport", "sse"],
    );
    assert_eq!(out["call"], "The sum of 2 and 3 is 5.");
    assert!(!stderr.contains("trying legacy"), "stderr: {stderr}");
}

#[test]
fn inspector_cli_calls_a_tool_through_the_bridge() {
    let p = require_peers!();
    for (mode, path) in [("streamableHttp", "mcp"), ("sse", "sse")] {
        let (_server, port) = everything(&p, mode);
        let home = tempfile::tempdir().expect("home");
        let url = format!("http://127.0.0.1:{port}/{path}");
        let out = Command::new(p.node())
            .arg(p.dir.join("node_modules/.bin/mcp-inspector"))
            .args(["--cli", BIN, "bridge", &url, "--name", "insp", "--"])
            .args(["--method", "tools/call", "--tool-name", "get-sum"])
            .args(["--tool-arg", "a=2", "--tool-arg", "b=40"])
            .env("MCP_TRAY_HOME", home.path())
            .output()
            .expect("run the inspector");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "inspector failed on {mode}: {stdout}");
        assert!(
            stdout.contains("The sum of 2 and 40 is 42."),
            "{mode}: {stdout}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Raw forwarding, bad input, journal
// ---------------------------------------------------------------------------------------------

#[test]
fn a_forced_transport_the_server_does_not_speak_says_auto_tries_both() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--name", "forced", "--transport", "sse"]);
    let init = b.request(
        0,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
    );
    let message = error_message(&init);
    assert!(
        message
            .contains("with --transport sse the bridge speaks only the legacy HTTP+SSE transport")
            && message.contains("leave --transport out (auto tries both)"),
        "{message}"
    );
    let (status, _, _) = b.finish();
    assert!(status.success());
}

#[test]
fn bridge_answers_bad_lines_with_parse_errors_and_goes_on() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "bad"]);
    b.initialize();
    b.send_raw(b"this is not json");
    let e = b.next(Duration::from_secs(5)).expect("parse error");
    assert_eq!(e["error"]["code"], -32700);
    assert!(e["id"].is_null());
    b.send_raw(b"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"\xff\xfe\"}");
    let e = b.next(Duration::from_secs(5)).expect("utf-8 error");
    assert_eq!(e["error"]["code"], -32700);
    // An empty batch is one invalid request (JSON-RPC 2.0), answered once.
    b.send_raw(b"[]");
    let e = b.next(Duration::from_secs(5)).expect("invalid request");
    assert_eq!(e["error"]["code"], -32600);
    assert!(e["id"].is_null());
    let ok = b.call(1, "add", json!({"a": 40, "b": 2}));
    assert_eq!(text_of(&ok), "42");
    let (status, _, _) = b.finish();
    assert!(status.success());
}

#[test]
fn bridge_journals_raw_messages_and_traffic_reads_them() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let mut b = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/mcp"),
        "--name",
        "journaled",
    ]);
    b.initialize();
    // Unknown fields and _meta must reach the server byte for byte.
    let raw = r#"{"jsonrpc":"2.0","id":"call-1","method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2},"_meta":{"x-custom":[1, 2]}},"x-extra":true}"#;
    b.requests.push(json!("call-1"));
    b.send_raw(raw.as_bytes());
    let reply = b.reply(&json!("call-1"), Duration::from_secs(20));
    assert_eq!(text_of(&reply), "3");
    let (status, _, home) = b.finish();
    assert!(status.success());

    let out = Command::new(BIN)
        .args(["traffic", "journaled", "--json", "--last", "0"])
        .env("MCP_TRAY_HOME", home.path())
        .output()
        .expect("traffic");
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let sent = lines
        .iter()
        .find(|l| l["dir"] == "c2s" && l["id"] == "call-1")
        .expect("request journaled");
    assert_eq!(
        sent["msg"].to_string(),
        serde_json::from_str::<Value>(raw).expect("raw").to_string()
    );
    assert_eq!(sent["bytes"], raw.len());
    let answered = lines
        .iter()
        .find(|l| l["dir"] == "s2c" && l["id"] == "call-1")
        .expect("reply journaled");
    assert_eq!(answered["method"], "tools/call");
    assert!(answered["latency_ms"].as_f64().is_some_and(|ms| ms > 0.0));
    assert!(
        lines
            .iter()
            .any(|l| l["kind"] == "event" && l["code"] == "connected")
    );
    for l in &lines {
        for key in ["ts", "server", "session", "pid", "dir", "kind"] {
            assert!(l.get(key).is_some(), "journal line without {key}: {l}");
        }
    }

    let table = Command::new(BIN)
        .args(["traffic", "journaled"])
        .env("MCP_TRAY_HOME", home.path())
        .output()
        .expect("traffic table");
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("tools/call") && table.contains("LATENCY"),
        "{table}"
    );
}

#[test]
fn ignored_tools_are_hidden_and_refused() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--ignore-tool", "delete_*"]);
    b.initialize();
    let list = b.request(1, "tools/list", json!({}));
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        names.contains(&"add") && !names.contains(&"delete_everything"),
        "{names:?}"
    );
    let refused = b.call(2, "delete_everything", json!({}));
    assert!(
        error_message(&refused).contains("--ignore-tool"),
        "{refused}"
    );
    b.finish();
}

#[test]
fn ignored_tools_are_hidden_and_refused_inside_batches() {
    // Batches exist in 2025-03-26 only; server-everything takes them.
    let p = require_peers!();
    let (_server, port) = everything(&p, "streamableHttp");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--ignore-tool", "ech*", "--timeout", "10"]);
    let init = b.request(
        0,
        "initialize",
        json!({"protocolVersion": "2025-03-26", "capabilities": {},
               "clientInfo": {"name": "raw-test", "version": "1"}}),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-03-26", "{init}");
    b.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    b.send_raw(
        json!([
            {"jsonrpc":"2.0","id": 1,"method":"tools/list"},
            {"jsonrpc":"2.0","id": 2,"method":"tools/call",
                "params":{"name":"echo","arguments":{"message":"must not run"}}},
            {"jsonrpc":"2.0","id": 3,"method":"tools/call",
                "params":{"name":"get-sum","arguments":{"a": 2, "b": 3}}}
        ])
        .to_string()
        .as_bytes(),
    );
    b.requests.extend([json!(1), json!(2), json!(3)]);
    let mut replies = HashMap::new();
    while replies.len() < 3 {
        let Some(v) = b.next(Duration::from_secs(10)) else {
            panic!("replies to the batch: {replies:?}; stderr:\n{}", b.stderr());
        };
        if v.get("method").is_none() {
            replies.insert(v["id"].to_string(), v);
        }
    }
    let names: Vec<&str> = replies["1"]["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{replies:?}"))
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(
        names.contains(&"get-sum") && !names.contains(&"echo"),
        "{names:?}"
    );
    assert!(
        error_message(&replies["2"]).contains("--ignore-tool"),
        "{:?}",
        replies["2"]
    );
    assert_eq!(text_of(&replies["3"]), "The sum of 2 and 3 is 5.");
    // A batch of nothing but refused calls is not sent at all.
    b.send_raw(
        json!([{"jsonrpc":"2.0","id": 4,"method":"tools/call",
            "params":{"name":"echo","arguments":{"message":"must not run"}}}])
        .to_string()
        .as_bytes(),
    );
    b.requests.push(json!(4));
    let refused = b.reply(&json!(4), Duration::from_secs(5));
    assert!(
        error_message(&refused).contains("--ignore-tool"),
        "{refused}"
    );
    // finish() checks each got one reply: a refused call that reached the server would get two.
    let (status, stderr, _) = b.finish();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("dropped a reply"), "{stderr}");
}

#[test]
fn protocol_version_override_is_sent_as_the_header() {
    // FastMCP answers 400 to an MCP-Protocol-Version it does not know: proof the header is ours.
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--protocol-version", "1999-01-01", "--retries", "0"]);
    b.initialize();
    let reply = b.call(1, "add", json!({"a": 1, "b": 1}));
    assert!(error_message(&reply).contains("HTTP 400"), "{reply}");
    assert!(error_message(&reply).contains("1999-01-01"), "{reply}");
    b.finish();
}

#[test]
fn traffic_says_why_a_server_has_no_journal_and_only_an_unknown_name_is_a_mistake() {
    let home = tempfile::tempdir().expect("home");
    let config = home.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        r#"{"mcpServers": {
            "plain": {"command": "/bin/true"},
            "far": {"command": "mcp-tray", "args": ["bridge", "https://example.com/mcp", "--name", "far"]}
        }}"#,
    )
    .expect("config");
    let traffic = |name: &str| {
        let out = Command::new(BIN)
            .args(["traffic", name])
            .env("MCP_TRAY_HOME", home.path())
            .env("MCP_TRAY_CLAUDE_CONFIG", &config)
            .output()
            .expect("traffic");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, said) = traffic("never-ran");
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("no traffic recorded for `never-ran`"),
        "{said}"
    );
    assert!(said.contains("holds no server of that name"), "{said}");
    // A local server Claude starts directly: nothing is recorded until it is tapped.
    let (code, said) = traffic("plain");
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("`mcp-tray tap plain`"), "{said}");
    // A bridged one that has not run yet: recorded from Claude Desktop's next start.
    let (code, said) = traffic("far");
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("from the next time Claude Desktop starts it"),
        "{said}"
    );
    // Renamed after it ran: its traffic so far is under the name it had, which is said.
    let journal_dir = home.path().join("journal");
    std::fs::create_dir_all(&journal_dir).expect("journal dir");
    std::fs::write(
        journal_dir.join("far.jsonl"),
        "{\"ts\":\"2026-12-05T06:00:00.000Z\",\"server\":\"far\",\"kind\":\"event\",\"level\":\"info\",\"code\":\"connected\",\"text\":\"connected\"}\n",
    )
    .expect("journal");
    let renamed = Command::new(BIN)
        .args(["rename", "far", "near"])
        .env("MCP_TRAY_HOME", home.path())
        .env("MCP_TRAY_CLAUDE_CONFIG", &config)
        .output()
        .expect("rename");
    assert!(renamed.status.success());
    let (code, said) = traffic("near");
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains(
            "what it said before it was renamed is under its former name: `mcp-tray traffic far`"
        ),
        "{said}"
    );
    // The rename undone, and another server added under the name: not its history.
    for args in [
        &["undo"][..],
        &["add", "near", "--url", "https://example.com/other/mcp"],
    ] {
        let out = Command::new(BIN)
            .args(args)
            .env("MCP_TRAY_HOME", home.path())
            .env("MCP_TRAY_CLAUDE_CONFIG", &config)
            .output()
            .expect("mcp-tray");
        assert!(out.status.success(), "{args:?}: {out:?}");
    }
    let (_, said) = traffic("near");
    assert!(!said.contains("former name"), "{said}");
    // A config that cannot be read says nothing of which names are in it.
    std::fs::write(
        &config,
        "{\n  \"mcpServers\": {\n    \"github\": {\"command\": \"/bin/true\"},\n  }\n}\n",
    )
    .expect("config");
    let (code, said) = traffic("github");
    assert_eq!(code, Some(0), "{said}");
    assert!(!said.contains("holds no server of that name"), "{said}");
    assert!(
        said.contains(
            "whether the config holds a server of that name is not known, as it cannot be read: "
        ),
        "{said}"
    );
    assert!(said.contains("trailing comma"), "{said}");
}

#[test]
fn bridge_keeps_pipelined_requests_paired() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp")]);
    b.initialize();
    for i in 1..=40 {
        b.send(&json!({"jsonrpc":"2.0","id": i,"method":"tools/call",
            "params":{"name":"add","arguments":{"a": i, "b": 1000}}}));
    }
    let mut sums = HashMap::new();
    while sums.len() < 40 {
        let v = b.next(Duration::from_secs(30)).expect("a reply");
        if let Some(id) = v["id"].as_i64() {
            sums.insert(id, text_of(&v));
        }
    }
    for i in 1..=40 {
        assert_eq!(sums[&i], (i + 1000).to_string());
    }
    b.finish();
}

// ---------------------------------------------------------------------------------------------
// Keep-alive: the bridge's own pings (--ping-interval, --keep-alive)
// ---------------------------------------------------------------------------------------------

/// FastMCP writing the SDK's own log line for each request it handles to `log`
/// (`MCP_TEST_REQUEST_LOG`): what really reached the server.
fn fastmcp_logging(p: &Peers, transport: &str, log: &Path) -> (Server, u16) {
    serve("FastMCP", |port| {
        Command::new(p.python())
            .arg(p.script("fastmcp_server.py"))
            .args([transport, &port.to_string()])
            .env("MCP_TEST_REQUEST_LOG", log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start FastMCP")
    })
}

/// The `ping` requests the server handled, by its own log.
fn pings_received(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches("PingRequest")
        .count()
}

/// The journal's lines (under an MCP Tray home) that are keep-alive pings or their replies.
fn keepalive_lines(home: &Path) -> Vec<Value> {
    read_journals(home)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| {
            l["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("mcp-tray-keepalive-"))
        })
        .collect()
}

fn an_idle_session_is_pinged_and_the_client_sees_none_of_it(transport: &str, path: &str) {
    let p = require_peers!();
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("requests.log");
    let (_server, port) = fastmcp_logging(&p, transport, &log);
    let url = format!("http://127.0.0.1:{port}/{path}");
    let mut b = Bridge::start(&[&url, "--name", "idle", "--ping-interval", "1"]);
    let init = b.initialize();
    assert_eq!(init["result"]["serverInfo"]["name"], "tiny", "{init}");

    // The client says nothing more (its stdin stays open): the bridge pings about every second.
    std::thread::sleep(Duration::from_millis(3500));
    let pings = pings_received(&log);
    assert!(
        pings >= 2,
        "the server handled {pings} pings in 3.5 s; stderr:\n{}",
        b.stderr()
    );
    assert!(
        b.next(Duration::from_millis(200)).is_none(),
        "the client got more than its initialize result: {:?}",
        b.seen
    );
    assert_eq!(b.seen.len(), 1, "{:?}", b.seen);

    // The client's own requests get their own answers, ids intact; its own ping too.
    let sum = b.call(7, "add", json!({"a": 2, "b": 3}));
    assert_eq!(
        (text_of(&sum).as_str(), &sum["id"]),
        ("5", &json!(7)),
        "{sum}"
    );
    let own = json!({"jsonrpc": "2.0", "id": "ping-1", "method": "ping"});
    b.send(&own);
    let pong = b.reply(&json!("ping-1"), Duration::from_secs(20));
    assert_eq!(pong["result"], json!({}), "{pong}");
    // One more idle second: another ping, and still nothing of it on stdout.
    std::thread::sleep(Duration::from_millis(1600));
    assert!(b.next(Duration::from_millis(200)).is_none(), "{:?}", b.seen);
    assert!(
        !b.seen
            .iter()
            .any(|v| v.to_string().contains("mcp-tray-keepalive")),
        "a ping's reply reached the client: {:?}",
        b.seen
    );
    assert!(
        pings_received(&log) > pings,
        "pinging goes on after client traffic"
    );
    let (status, stderr, home) = b.finish();
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("keep-alive on: a ping to the server after 1 s"),
        "{stderr}"
    );

    // The journal has the pings and their answers as traffic, told apart by their ids.
    let lines = keepalive_lines(home.path());
    let sent: Vec<&Value> = lines
        .iter()
        .filter(|l| l["dir"] == "c2s" && l["kind"] == "request" && l["method"] == "ping")
        .collect();
    let answered: Vec<&Value> = lines
        .iter()
        .filter(|l| l["dir"] == "s2c" && l["kind"] == "response" && l["method"] == "ping")
        .collect();
    assert!(sent.len() >= 3, "{lines:?}");
    assert!(answered.len() >= sent.len() - 1, "{lines:?}");
    for reply in answered {
        assert!(
            sent.iter().any(|s| s["id"] == reply["id"]),
            "a reply to a ping never sent: {reply}"
        );
        assert_eq!(reply["msg"]["result"], json!({}), "{reply}");
        assert!(reply["latency_ms"].is_number(), "{reply}");
    }
}

#[test]
fn an_idle_streamable_http_session_is_pinged_and_the_client_sees_none_of_it() {
    an_idle_session_is_pinged_and_the_client_sees_none_of_it("streamable-http", "mcp");
}

#[test]
fn an_idle_legacy_sse_session_is_pinged_and_the_client_sees_none_of_it() {
    an_idle_session_is_pinged_and_the_client_sees_none_of_it("sse", "sse");
}

#[test]
fn a_busy_session_is_not_pinged_until_it_falls_quiet() {
    let p = require_peers!();
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("requests.log");
    let (_server, port) = fastmcp_logging(&p, "streamable-http", &log);
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--name", "busy", "--ping-interval", "1"]);
    b.initialize();
    let started = Instant::now();
    let mut i = 0;
    while started.elapsed() < Duration::from_millis(2500) {
        i += 1;
        let sum = b.call(i, "add", json!({"a": i, "b": 1}));
        assert_eq!(text_of(&sum), (i + 1).to_string(), "{sum}");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(
        pings_received(&log),
        0,
        "a session with traffic every 250 ms was pinged"
    );
    std::thread::sleep(Duration::from_millis(1700));
    assert!(pings_received(&log) >= 1, "not pinged once quiet");
    let (status, stderr, _) = b.finish();
    assert!(status.success(), "{stderr}");
}

#[test]
fn no_pings_are_sent_without_ping_interval_or_with_0() {
    let p = require_peers!();
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("requests.log");
    let (_server, port) = fastmcp_logging(&p, "streamable-http", &log);
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut plain = Bridge::start(&[&url, "--name", "plain"]);
    let mut zero = Bridge::start(&[
        &url,
        "--name",
        "zero",
        "--keep-alive",
        "--ping-interval",
        "0",
    ]);
    plain.initialize();
    zero.initialize();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(pings_received(&log), 0);
    for b in [plain, zero] {
        let (status, stderr, home) = b.finish();
        assert!(status.success(), "{stderr}");
        assert!(!stderr.contains("keep-alive"), "{stderr}");
        assert!(keepalive_lines(home.path()).is_empty());
        assert!(!read_journals(home.path()).contains(r#""method":"ping""#));
    }
}

#[test]
fn keep_alive_pings_every_30_s_as_mcp_remotes_does() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--name", "ka", "--keep-alive"]);
    b.initialize();
    let (status, stderr, _) = b.finish();
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("keep-alive on: a ping to the server after 30 s"),
        "{stderr}"
    );
    // A period that is not a number of seconds, or under a second (a flood of pings), is refused
    // at the start, in words.
    for bad in ["--ping-interval=-1", "--ping-interval=0.001"] {
        let out = Command::new(BIN)
            .args(["bridge", &url, bad])
            .stdin(Stdio::null())
            .output()
            .expect("run the bridge");
        assert_eq!(out.status.code(), Some(1), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--ping-interval must be"),
            "{bad}: {stderr}"
        );
    }
}

#[test]
fn a_failing_ping_is_said_once_and_the_bridge_goes_on() {
    let p = require_peers!();
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("requests.log");
    let (server, port) = fastmcp_logging(&p, "streamable-http", &log);
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--name", "down", "--ping-interval", "1"]);
    b.initialize();
    // Once a ping was answered (and the client's messages before it delivered), the server dies:
    // the next pings are refused.
    let up = Instant::now();
    while pings_received(&log) == 0 {
        assert!(
            up.elapsed() < Duration::from_secs(20),
            "no ping reached the server"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
    let refused = "warning (connection-refused): keep-alive ping failed: remote server refused the connection";
    let down = Instant::now();
    while !b.stderr().contains(refused) {
        assert!(
            down.elapsed() < Duration::from_secs(20),
            "no refused ping said: {}",
            b.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // About three more pings are refused in the next 3 s: not said again. (A ping in flight when
    // the server died may have failed first in its own way, "lost": said once too.)
    std::thread::sleep(Duration::from_millis(3000));
    let stderr = b.stderr();
    assert_eq!(stderr.matches(refused).count(), 1, "{stderr}");
    assert!(
        stderr.matches("keep-alive ping failed").count() <= 2,
        "{stderr}"
    );
    // A ping is not retried (the next one is its retry), so nothing says it tries again.
    assert!(
        !stderr.contains("trying again") && !stderr.contains("trying once more"),
        "{stderr}"
    );
    assert!(b.next(Duration::from_millis(100)).is_none(), "{:?}", b.seen);

    // The server is back: the next ping renews the lost session, and the client's call works.
    let _server = fastmcp_again(&p, "streamable-http", port);
    let back = Instant::now();
    while !b.stderr().contains("keep-alive ping answered again") {
        assert!(
            back.elapsed() < Duration::from_secs(20),
            "no ping answered after the restart: {}",
            b.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(text_of(&b.call(1, "add", json!({"a": 2, "b": 2}))), "4");
    let (status, stderr, home) = b.finish();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("the server lost our session"), "{stderr}");
    let warned: Vec<Value> = read_journals(home.path())
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| {
            l["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("keep-alive ping failed"))
        })
        .collect();
    assert!((1..=2).contains(&warned.len()), "{warned:?}");
    // Refused, and maybe first "lost" for the ping in flight when the server died (as on stderr).
    assert!(
        warned.iter().any(|w| w["code"] == "connection-refused"),
        "{warned:?}"
    );
    for w in &warned {
        assert_eq!(w["level"], "warn", "{w}");
        assert!(
            w["code"] == "connection-refused" || w["code"] == "connection-lost",
            "{w}"
        );
    }
    // Behind those warnings, the journal has each ping sent, and most found no answer.
    let lines = keepalive_lines(home.path());
    let answered = |id: &Value| lines.iter().any(|l| l["dir"] == "s2c" && &l["id"] == id);
    let unanswered = lines
        .iter()
        .filter(|l| l["dir"] == "c2s" && !answered(&l["id"]))
        .count();
    assert!(unanswered >= 2, "{unanswered} failed pings: {lines:?}");
}

/// POST to a loopback control path (`/forget`, `/revoke`), without a body.
fn control_post(port: u16, path: &str) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
}

/// Waits until `done` holds, at most `within`; `what` says what was awaited.
fn wait_until(within: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// auth_server.py with `flags` (a FastMCP resource server and its authorization server): the
/// server, its MCP URL and the authorization server's port (its /stats and /revoke).
fn protected(p: &Peers, flags: &[&str]) -> (Server, String, u16) {
    let start = |[as_port, mcp_port]: [u16; 2]| {
        Command::new(p.python())
            .arg(p.script("auth_server.py"))
            .args([as_port.to_string(), mcp_port.to_string()])
            .args(flags)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start auth_server.py")
    };
    let (child, [as_port, mcp_port]) = common::serve_on_free_ports("auth_server.py", start, START);
    (
        Server(child),
        format!("http://127.0.0.1:{mcp_port}/mcp"),
        as_port,
    )
}

/// A bridge that pings every second, signed in (headless) by an earlier bridge of the same home
/// (that one's own sign-in would hold another back for a minute), once its client's first
/// messages are through. Tokens go to a file, never the developer's keyring.
fn signed_in_pinging(url: &str) -> (Bridge, tempfile::TempDir) {
    let home = tempfile::tempdir().expect("temp home");
    let home_path = home.path().to_string_lossy().into_owned();
    let env = [
        ("MCP_TRAY_TOKEN_STORE", "file"),
        ("MCP_TRAY_HOME", home_path.as_str()),
    ];
    let args = [url, "--name", "prot", "--oauth-flow", "headless"];
    let mut first = Bridge::start_with_env(&args, &env);
    let init = first.initialize();
    assert_eq!(init["result"]["serverInfo"]["name"], "protected", "{init}");
    let (status, stderr, _) = first.finish();
    assert!(status.success(), "{stderr}");
    let mut b = Bridge::start_with_env(&[&args[..], &["--ping-interval", "1"]].concat(), &env);
    b.initialize();
    assert_eq!(text_of(&b.call(1, "add", json!({"a": 1, "b": 1}))), "2");
    (b, home)
}

#[test]
fn a_ping_refreshes_a_refused_token_silently_but_never_opens_a_sign_in() {
    let p = require_peers!();
    // The token is revoked while the client is quiet: the next ping gets 401, and its refresh
    // token gets a new one, with nobody asked. The ping is answered.
    let (_server, url, as_port) = protected(&p, &[]);
    let (mut b, _home) = signed_in_pinging(&url);
    control_post(as_port, "/revoke");
    wait_until(Duration::from_secs(10), "a refresh", || {
        b.stderr().contains("access token refreshed")
    });
    std::thread::sleep(Duration::from_millis(1500));
    let stats = control_json(as_port, "/stats");
    assert_eq!(stats["authorize"], 1, "{stats}");
    assert!(
        !b.stderr().contains("keep-alive ping failed"),
        "{}",
        b.stderr()
    );
    assert_eq!(text_of(&b.call(2, "add", json!({"a": 2, "b": 3}))), "5");
    let (status, stderr, _) = b.finish();
    assert!(status.success(), "{stderr}");

    // The refresh token is refused too (invalid_grant): only a sign-in would do, and a ping
    // opens none. It fails as one warning, and the client sees nothing of it…
    let (_server, url, as_port) = protected(&p, &["--refresh", "invalid_grant"]);
    let (mut b, _home) = signed_in_pinging(&url);
    control_post(as_port, "/revoke");
    wait_until(Duration::from_secs(10), "a refused refresh", || {
        control_json(as_port, "/stats")["refused_refresh"]
            .as_u64()
            .is_some_and(|n| n >= 1)
    });
    std::thread::sleep(Duration::from_millis(2500));
    let stats = control_json(as_port, "/stats");
    assert_eq!(stats["authorize"], 1, "a ping opened a sign-in: {stats}");
    let stderr = b.stderr();
    let warned = "warning (auth-required): keep-alive ping failed: sign-in required for prot";
    assert_eq!(stderr.matches(warned).count(), 1, "{stderr}");
    assert!(b.next(Duration::from_millis(100)).is_none(), "{:?}", b.seen);
    // …whose next request signs in.
    assert_eq!(text_of(&b.call(2, "add", json!({"a": 2, "b": 3}))), "5");
    let stats = control_json(as_port, "/stats");
    assert_eq!(stats["authorize"], 2, "{stats}");
    let (status, stderr, _) = b.finish();
    assert!(status.success(), "{stderr}");
}

#[test]
fn a_session_renewal_started_by_a_ping_finishes_although_the_ping_times_out() {
    let p = require_peers!();
    // Every session after the first takes 2 s to open: longer than a ping waits (--timeout 1).
    let (_server, port) = fault_server(&p, "forgetful_server.py", &["2"]);
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[
        &url,
        "--name",
        "slow",
        "--ping-interval",
        "1",
        "--timeout",
        "1",
    ]);
    b.initialize();
    // Its client's messages are through (the session is initialized) before the server forgets.
    assert_eq!(text_of(&b.call(1, "add", json!({"a": 1, "b": 1}))), "2");
    control_post(port, "/forget");
    // The next ping meets the lost session (404) and starts renewing it, then gives up on its
    // own reply while the new session is still opening.
    wait_until(Duration::from_secs(10), "a ping timing out", || {
        b.stderr().contains("keep-alive ping failed")
    });
    // The renewal goes on without it: the client's next call finds the new session ready.
    std::thread::sleep(Duration::from_millis(2500));
    let sum = b.call(2, "add", json!({"a": 2, "b": 3}));
    assert_eq!(text_of(&sum), "5", "{sum}; stderr:\n{}", b.stderr());
    let stats = control_json(port, "/stats");
    assert_eq!(stats["initialize"], 2, "one renewal: {stats}");
    assert_eq!(stats["initialized"], json!(["s-1", "s-2"]), "{stats}");
    let sessionless = stats["answered"]
        .as_array()
        .expect("answered")
        .iter()
        .filter(|a| a[2] == 400)
        .count();
    assert_eq!(sessionless, 0, "messages went without a session: {stats}");
    let (status, stderr, _) = b.finish();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("new session ready"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Faults: every request still gets exactly one reply
// ---------------------------------------------------------------------------------------------

#[test]
fn bridge_renews_the_session_when_the_server_restarts_mid_session() {
    let p = require_peers!();
    let (server, port) = fastmcp(&p, "streamable-http");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "restart"]);
    b.initialize();
    assert_eq!(text_of(&b.call(1, "add", json!({"a": 1, "b": 1}))), "2");
    drop(server); // killed: its sessions are gone
    let _server = fastmcp_again(&p, "streamable-http", port);
    // The old session id now gets 404: the bridge must replay initialize and retry, unseen,
    // also when several requests hit the dead session at once.
    for i in 2..=11 {
        b.send(&json!({"jsonrpc":"2.0","id": i,"method":"tools/call",
            "params":{"name":"add","arguments":{"a": i, "b": i}}}));
    }
    let mut sums = HashMap::new();
    while sums.len() < 10 {
        let v = b.next(Duration::from_secs(30)).expect("a reply");
        if let Some(id) = v["id"].as_i64().filter(|_| v.get("method").is_none()) {
            sums.insert(id, text_of(&v));
        }
    }
    for i in 2..=11 {
        assert_eq!(sums[&i], (2 * i).to_string(), "reply to {i}");
    }
    assert_eq!(text_of(&b.call(12, "add", json!({"a": 3, "b": 3}))), "6");
    let (status, stderr, _) = b.finish();
    assert!(status.success());
    assert!(stderr.contains("session"), "stderr: {stderr}");
}

/// GET of a loopback control path (`/__stats`), its JSON body.
fn control_json(port: u16, path: &str) -> Value {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
}

#[test]
fn a_session_behind_a_sticky_load_balancer_stays_on_its_backend() {
    let p = require_peers!();
    let (_backend_a, a) = fastmcp(&p, "streamable-http");
    let (_backend_b, b) = fastmcp(&p, "streamable-http");
    let (_proxy, lb) = fault_server(&p, "sticky_proxy.py", &[&a.to_string(), &b.to_string()]);
    let url = format!("http://127.0.0.1:{lb}/mcp");

    // The cookie the balancer sets on the first answer keeps every later request on its backend.
    let mut bridge = Bridge::start(&[&url, "--name", "sticky"]);
    bridge.initialize();
    for i in 1..=6 {
        assert_eq!(
            text_of(&bridge.call(i, "add", json!({"a": i, "b": 1}))),
            (i + 1).to_string()
        );
    }
    let (status, stderr, _) = bridge.finish();
    assert!(status.success(), "{stderr}");
    let stats = control_json(lb, "/__stats");
    assert_eq!(stats["without_cookie"], 1, "{stats}\n{stderr}");
    let backends = stats["backends"].as_array().expect("backends");
    assert!(
        backends.iter().any(|n| n == 0),
        "one backend never asked: {stats}"
    );
    assert!(!stderr.contains("lost our session"), "{stderr}");

    // Without cookies (mcp-remote's --disable-cookies), requests land on both and the session
    // is lost again and again: what the cookies prevent.
    let mut bridge = Bridge::start(&[&url, "--name", "sticky", "--no-cookies"]);
    bridge.initialize();
    for i in 1..=6 {
        bridge.send(&json!({"jsonrpc":"2.0","id": i,"method":"tools/call",
            "params":{"name":"add","arguments":{"a": i, "b": 1}}}));
        bridge.next(Duration::from_secs(30)).expect("a reply");
    }
    let (_, stderr, _) = bridge.finish();
    let after = control_json(lb, "/__stats");
    assert!(after["without_cookie"].as_u64() > Some(2), "{after}");
    assert!(stderr.contains("lost our session"), "{stderr}");
}

#[test]
fn bridge_reconnects_legacy_sse_and_replays_the_handshake_after_a_restart() {
    let p = require_peers!();
    let (server, port) = fastmcp(&p, "sse");
    let mut b = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/sse"),
        "--name",
        "sse-restart",
    ]);
    let init = b.initialize();
    assert_eq!(init["result"]["serverInfo"]["name"], "tiny");
    assert_eq!(text_of(&b.call(1, "add", json!({"a": 1, "b": 1}))), "2");
    drop(server);
    let _server = fastmcp_again(&p, "sse", port);
    let reply = b.call(2, "add", json!({"a": 2, "b": 2}));
    assert_eq!(text_of(&reply), "4", "{reply}");
    let (status, stderr, _) = b.finish();
    assert!(status.success());
    assert!(stderr.contains("reopened"), "stderr: {stderr}");
}

#[test]
fn legacy_sse_says_why_when_the_server_stays_down() {
    // Streamable HTTP gives up after its retries (about 7 s) and says each; a legacy SSE
    // request sent while the event stream cannot be reopened must not wait 30 s in silence.
    let p = require_peers!();
    let (server, port) = fastmcp(&p, "sse");
    let mut b = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/sse"),
        "--name",
        "sse-down",
    ]);
    b.initialize();
    assert_eq!(text_of(&b.call(1, "add", json!({"a": 1, "b": 1}))), "2");
    drop(server);
    std::thread::sleep(Duration::from_millis(500));
    let asked = Instant::now();
    b.send(&json!({"jsonrpc":"2.0","id": 7,"method":"tools/call",
        "params":{"name":"add","arguments":{"a": 1, "b": 1}}}));
    let reply = b.reply(&json!(7), Duration::from_secs(40));
    let waited = asked.elapsed();
    assert!(
        error_message(&reply).contains("refused the connection at"),
        "{reply}"
    );
    assert_eq!(reply["error"]["data"]["diagnosis"], "connection-refused");
    assert!(
        waited < Duration::from_secs(12),
        "answered after {waited:?}"
    );
    assert!(error_message(&reply).contains("not sent"), "{reply}");
    let (_, stderr, _) = b.finish();
    // The outage is said as it starts, once, not at every attempt to reopen the stream.
    assert_eq!(
        stderr.matches("cannot reopen the event stream").count(),
        1,
        "stderr: {stderr}"
    );
}

#[test]
fn bridge_renews_a_server_everything_session_lost_to_a_restart() {
    // server-everything answers an unknown session with 400 (not 404) and says why.
    let p = require_peers!();
    let (server, port) = everything(&p, "streamableHttp");
    let mut b = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/mcp"),
        "--name",
        "se-restart",
    ]);
    b.initialize();
    let sum = b.call(1, "get-sum", json!({"a": 1, "b": 1}));
    assert_eq!(text_of(&sum), "The sum of 1 and 1 is 2.");
    drop(server);
    let _server = everything_again(&p, "streamableHttp", port);
    let reply = b.call(2, "get-sum", json!({"a": 2, "b": 2}));
    assert_eq!(text_of(&reply), "The sum of 2 and 2 is 4.", "{reply}");
    let (status, stderr, _) = b.finish();
    assert!(status.success());
    assert!(stderr.contains("lost our session"), "stderr: {stderr}");
}

#[test]
fn bridge_rides_out_a_short_outage_with_retries() {
    let p = require_peers!();
    let (server, port) = fastmcp(&p, "streamable-http");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "outage"]);
    b.initialize();
    drop(server);
    // Ask twice while the server is down, start it while the bridge is retrying.
    for id in [5, 6] {
        b.send(&json!({"jsonrpc":"2.0","id": id,"method":"tools/call",
            "params":{"name":"add","arguments":{"a": id, "b": 5}}}));
    }
    std::thread::sleep(Duration::from_millis(700));
    let _server = fastmcp_again(&p, "streamable-http", port);
    let reply = b.reply(&json!(5), Duration::from_secs(30));
    assert_eq!(text_of(&reply), "10", "{reply}");
    let reply = b.reply(&json!(6), Duration::from_secs(30));
    assert_eq!(text_of(&reply), "11", "{reply}");
    let (_, stderr, home) = b.finish();
    // The outage is said once for both requests and all their attempts, and so is its end.
    // (The first attempt may meet the pooled connection closing, the next a refused one.)
    assert_eq!(
        stderr
            .matches("; trying again, up to 6 times over about 6 s")
            .count(),
        1,
        "stderr: {stderr}"
    );
    assert_eq!(
        stderr.matches("the server answers again").count(),
        1,
        "stderr: {stderr}"
    );
    let journal = read_journals(home.path());
    assert!(journal.contains("\"reached-again\""), "{journal}");
}

#[test]
fn bridge_answers_every_request_when_the_server_dies() {
    let p = require_peers!();
    let (server, port) = fastmcp(&p, "streamable-http");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--retries", "1"]);
    b.initialize();
    // A slow call in flight when the server dies.
    b.send(&json!({"jsonrpc":"2.0","id": 1,"method":"tools/call",
        "params":{"name":"slow","arguments":{"seconds": 30}}}));
    std::thread::sleep(Duration::from_millis(500));
    drop(server);
    let in_flight = b.reply(&json!(1), Duration::from_secs(20));
    assert!(in_flight.get("error").is_some(), "{in_flight}");
    let after = b.call(2, "add", json!({"a": 1, "b": 1}));
    assert!(
        error_message(&after).contains("refused the connection at"),
        "{after}"
    );
    assert_eq!(after["error"]["data"]["diagnosis"], "connection-refused");
    // A notification cannot be answered, and is not.
    b.send(&json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId": 1}}));
    let (status, _, _) = b.finish();
    assert!(status.success());
}

#[test]
fn bridge_times_out_a_slow_request_and_drops_its_late_reply() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--timeout", "1"]);
    b.initialize();
    let started = Instant::now();
    let slow = b.call(1, "slow", json!({"seconds": 2.5}));
    let waited = started.elapsed();
    assert!(
        error_message(&slow).contains("did not answer tools/call within 1 s"),
        "{slow}"
    );
    assert_eq!(slow["error"]["data"]["diagnosis"], "timeout");
    assert!(waited < Duration::from_millis(2_000), "took {waited:?}");
    assert_eq!(text_of(&b.call(2, "add", json!({"a": 1, "b": 2}))), "3");
    // Let the late reply to id 1 arrive; finish() checks it was not passed on.
    std::thread::sleep(Duration::from_secs(2));
    b.finish();
}

#[test]
fn a_timed_out_request_is_cancelled_at_the_server() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let dir = tempfile::tempdir().expect("tmp");
    let marker = dir.path().join("cancelled");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--timeout", "1"]);
    b.initialize();
    let reply = b.call(
        1,
        "slow_marked",
        json!({"seconds": 30, "marker": marker.to_string_lossy()}),
    );
    assert_eq!(reply["error"]["data"]["diagnosis"], "timeout", "{reply}");
    // MCP's RequestTimeout, which a client reads as a timeout (as its own).
    assert_eq!(reply["error"]["code"], -32001, "{reply}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !marker.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        marker.exists(),
        "the server never saw notifications/cancelled"
    );
    b.finish();
}

#[test]
fn a_request_the_client_cancelled_gets_no_made_up_reply() {
    // server-everything (TypeScript SDK) sends nothing for a cancelled request: the bridge must
    // not invent a timeout error for it either (the client stopped waiting).
    let p = require_peers!();
    let (_server, port) = everything(&p, "streamableHttp");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--timeout", "1.5"]);
    b.initialize();
    b.send_raw(
        json!({"jsonrpc":"2.0","id": 1,"method":"tools/call","params":{
            "name":"trigger-long-running-operation","arguments":{"duration": 30, "steps": 3}}})
        .to_string()
        .as_bytes(),
    );
    std::thread::sleep(Duration::from_millis(300));
    b.send(&json!({"jsonrpc":"2.0","method":"notifications/cancelled",
        "params":{"requestId": 1, "reason": "user pressed stop"}}));
    // Past the timeout: whatever arrives for id 1 must come from the server, not the bridge.
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut for_one = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match b.next(left) {
            Some(v) if v["id"] == 1 && v.get("method").is_none() => for_one.push(v),
            Some(_) => {}
            None => break,
        }
    }
    assert!(
        for_one
            .iter()
            .all(|v| v["error"]["data"]["diagnosis"] != "timeout"),
        "the bridge made up a timeout for a cancelled request: {for_one:?}"
    );
    let sum = b.call(2, "get-sum", json!({"a": 1, "b": 1}));
    assert_eq!(text_of(&sum), "The sum of 1 and 1 is 2.");
    b.finish();
}

/// On a legacy event stream the server still answers a request the client cancelled (FastMCP:
/// an error "Request cancelled"); the client no longer knows that id (the TypeScript SDK logs
/// "Received a response for an unknown message ID"): not passed on, but journaled.
#[test]
fn a_reply_to_a_cancelled_request_on_a_legacy_stream_is_not_passed_on() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "sse");
    let mut b = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/sse"),
        "--name",
        "legacy",
        "--transport",
        "sse",
    ]);
    b.initialize();
    b.send_raw(
        json!({"jsonrpc":"2.0","id": 1,"method":"tools/call","params":{
            "name":"slow","arguments":{"seconds": 5}}})
        .to_string()
        .as_bytes(),
    );
    std::thread::sleep(Duration::from_millis(300));
    b.send(&json!({"jsonrpc":"2.0","method":"notifications/cancelled",
        "params":{"requestId": 1, "reason": "user pressed stop"}}));
    assert_eq!(text_of(&b.call(2, "add", json!({"a": 1, "b": 1}))), "2");
    let deadline = Instant::now() + Duration::from_secs(2);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if b.next(left).is_none() {
            break;
        }
    }
    let for_one: Vec<&Value> = b
        .seen
        .iter()
        .filter(|v| v["id"] == 1 && v.get("method").is_none())
        .collect();
    assert!(for_one.is_empty(), "passed on: {for_one:?}");
    let (status, _, home) = b.finish();
    assert!(status.success());
    let journal = read_journals(home.path());
    assert!(
        journal
            .lines()
            .any(|l| l.contains("\"s2c\"") && l.contains("\"id\":1,")),
        "the server's answer is journaled: {journal}"
    );
}

#[test]
fn requests_the_client_cancelled_free_their_places_at_once() {
    // The bridge sends 16 requests at a time. Cancelled ones must not keep their places until
    // the timeout: the client stopped waiting, and the requests after them must not wait either.
    let p = require_peers!();
    let (_server, port) = everything(&p, "streamableHttp");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--timeout", "60"]);
    b.initialize();
    for i in 1..=16 {
        b.send_raw(
            json!({"jsonrpc":"2.0","id": i,"method":"tools/call","params":{
                "name":"trigger-long-running-operation","arguments":{"duration": 60, "steps": 60}}})
            .to_string()
            .as_bytes(),
        );
    }
    std::thread::sleep(Duration::from_millis(500));
    for i in 1..=16 {
        b.send(&json!({"jsonrpc":"2.0","method":"notifications/cancelled",
            "params":{"requestId": i, "reason": "user pressed stop"}}));
    }
    let started = Instant::now();
    b.send(&json!({"jsonrpc":"2.0","id": 100,"method":"ping"}));
    let pong = b.reply(&json!(100), Duration::from_secs(5));
    assert!(pong.get("result").is_some(), "{pong}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        text_of(&b.call(101, "get-sum", json!({"a": 1, "b": 1}))),
        "The sum of 1 and 1 is 2."
    );
    // Nor do they hold the bridge up at the end of input.
    let started = Instant::now();
    let (status, stderr, _home) = b.finish();
    assert!(status.success(), "{status}; stderr:\n{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// server-everything's long-running tool, asking for progress: a report every `duration / steps` s.
fn long_call_with_progress(b: &mut Bridge, id: i64, duration: f64, steps: u32) {
    b.send(
        &json!({"jsonrpc":"2.0","id": id,"method":"tools/call","params":{
        "name":"trigger-long-running-operation",
        "arguments":{"duration": duration, "steps": steps},
        "_meta":{"progressToken": format!("p{id}")}}}),
    );
}

#[test]
fn progress_reports_keep_a_long_call_from_timing_out() {
    // Per the spec, progress for a request resets its timeout: a 3 s call that reports every
    // 0.5 s is not cut by a 1 s timeout.
    let p = require_peers!();
    let (_server, port) = everything(&p, "streamableHttp");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--timeout", "1"]);
    b.initialize();
    long_call_with_progress(&mut b, 1, 3.0, 6);
    let mut progress = 0;
    let reply = loop {
        let v = b
            .next(Duration::from_secs(10))
            .unwrap_or_else(|| panic!("no reply; stderr:\n{}", b.stderr()));
        if v["method"] == "notifications/progress" {
            assert_eq!(v["params"]["progressToken"], "p1", "{v}");
            progress += 1;
        } else if v["id"] == 1 {
            break v;
        }
    };
    assert_eq!(
        text_of(&reply),
        "Long running operation completed. Duration: 3 seconds, Steps: 6.",
        "{reply}"
    );
    assert!(progress >= 5, "{progress} progress reports");
    // Without progress the timeout still holds.
    let quiet = b.call(
        2,
        "trigger-long-running-operation",
        json!({"duration": 2, "steps": 1}),
    );
    assert_eq!(quiet["error"]["data"]["diagnosis"], "timeout", "{quiet}");
    let (status, stderr, _) = b.finish();
    assert!(status.success(), "{stderr}");
}

#[test]
fn progress_reports_do_not_extend_a_call_past_max_timeout() {
    let p = require_peers!();
    let (_server, port) = everything(&p, "streamableHttp");
    let mut b = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/mcp"),
        "--timeout",
        "1",
        "--max-timeout",
        "2.5",
    ]);
    b.initialize();
    let started = Instant::now();
    long_call_with_progress(&mut b, 1, 6.0, 12);
    let reply = b.reply(&json!(1), Duration::from_secs(10));
    let waited = started.elapsed();
    assert_eq!(reply["error"]["data"]["diagnosis"], "timeout", "{reply}");
    let message = error_message(&reply);
    assert!(
        message.contains("after 2.5 s") && message.contains("--max-timeout"),
        "{message}"
    );
    assert!(
        waited >= Duration::from_millis(2_400) && waited < Duration::from_millis(4_000),
        "took {waited:?}"
    );
    b.finish();
}

#[test]
fn every_request_in_a_batch_gets_one_reply_and_the_bridge_goes_on() {
    // JSON-RPC batches exist in 2025-03-26 only. server-everything answers each request of a
    // batch as an event of its own on the POST's stream, then keeps a resumed stream open.
    let p = require_peers!();
    let (_server, port) = everything(&p, "streamableHttp");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--timeout", "10"]);
    let init = b.request(
        0,
        "initialize",
        json!({
            "protocolVersion": "2025-03-26",
            "capabilities": {},
            "clientInfo": {"name": "raw-test", "version": "1"}
        }),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-03-26", "{init}");
    b.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    b.send_raw(
        json!([
            {"jsonrpc":"2.0","id": 11,"method":"ping"},
            {"jsonrpc":"2.0","method":"notifications/roots/list_changed"},
            {"jsonrpc":"2.0","id": 12,"method":"tools/call",
                "params":{"name":"echo","arguments":{"message":"in a batch"}}}
        ])
        .to_string()
        .as_bytes(),
    );
    b.requests.extend([json!(11), json!(12)]);
    let mut replies = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while replies.len() < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(v) = b.next(left) else {
            panic!("replies to the batch: {replies:?}; stderr:\n{}", b.stderr());
        };
        if v.get("method").is_none() {
            replies.insert(v["id"].to_string(), v);
        }
    }
    assert!(replies["11"].get("result").is_some(), "{replies:?}");
    assert_eq!(text_of(&replies["12"]), "Echo: in a batch");
    // The bridge is not stuck on the batch's stream.
    let started = Instant::now();
    b.send(&json!({"jsonrpc":"2.0","id": 13,"method":"ping"}));
    let pong = b.reply(&json!(13), Duration::from_secs(5));
    assert!(pong.get("result").is_some(), "{pong}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let (status, stderr, _home) = b.finish();
    assert!(status.success(), "{status}; stderr:\n{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(!stderr.contains("dropped a reply"), "{stderr}");
}

#[test]
fn requests_that_time_out_do_not_hold_the_bridge_up() {
    // More hung requests than the bridge sends at once: after they time out, it must still work.
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--timeout", "1"]);
    b.initialize();
    for i in 1..=40 {
        b.send(&json!({"jsonrpc":"2.0","id": i,"method":"tools/call",
            "params":{"name":"slow","arguments":{"seconds": 20}}}));
    }
    let mut timed_out = 0;
    while timed_out < 40 {
        let reply = b
            .next(Duration::from_secs(10))
            .expect("a timeout error for each");
        if reply.get("method").is_none() {
            assert_eq!(reply["error"]["data"]["diagnosis"], "timeout", "{reply}");
            timed_out += 1;
        }
    }
    let started = Instant::now();
    assert_eq!(text_of(&b.call(100, "add", json!({"a": 1, "b": 2}))), "3");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    b.finish();
}

/// A reply just under MCP Tray's limit (9.9 MiB: what a client of the MCP TypeScript SDK reads
/// in one message) passes whole.
#[test]
fn bridge_carries_a_reply_just_under_the_limit() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp")]);
    b.initialize();
    // FastMCP sends a tool's text twice (as content and as structured content): 10.3 MB.
    let size = 5_150_000;
    let reply = b.call(1, "big", json!({"size": size}));
    assert_eq!(text_of(&reply).len(), size);
    assert_eq!(text_of(&b.call(2, "add", json!({"a": 1, "b": 2}))), "3");
    b.finish();
}

/// The MCP TypeScript SDK's stdio client (Claude Desktop's) closes the connection to a server
/// whose message passes 10 MiB. Through the bridge, FastMCP's 10.5 MB reply is refused with an
/// error for that call alone, and the client's next call is answered.
#[test]
fn a_reply_too_large_for_the_sdk_costs_one_call_through_the_bridge_not_the_connection() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let home = tempfile::tempdir().expect("home");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let args: Vec<&std::ffi::OsStr> = ["10500000", BIN, "bridge", &url, "--name", "files"]
        .into_iter()
        .map(std::ffi::OsStr::new)
        .collect();
    let through = p.sdk_client("sdk_big.mjs", &args, home.path());
    let refused = through["big"]["error"].as_str().unwrap_or_default();
    assert!(
        refused.contains("was larger than 9.9 MiB") && refused.contains("ask for less at a time"),
        "{through}"
    );
    assert_eq!(through["add"]["text"], "3", "{through}");
    assert_eq!(through["errors"], json!([]), "{through}");
}

/// Peak resident memory of a process in bytes, where the system tells it (Linux).
fn peak_memory(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[test]
fn sse_events_past_the_limit_are_refused_on_every_stream() {
    // tests/peers/big_event_server.py answers with one 10.5 MB SSE event: on the POST stream
    // (`big`), on the GET stream after a 202 (`later`), and on the legacy event stream.
    let p = require_peers!();
    let (_server, port) = fault_server(&p, "big_event_server.py", &["10500000"]);
    let refused = |reply: &Value| {
        // Only the start: a reply that got through would be 10.5 MB.
        let shown: String = reply.to_string().chars().take(400).collect();
        // MCP Tray's own limit, said as such: not the server's breach of MCP.
        let message = error_message(reply);
        assert!(
            message.contains("was larger than 9.9 MiB, the most MCP Tray's bridge passes on")
                && message.contains("dropped it and sent this error in its place"),
            "{shown}"
        );
        assert_eq!(
            reply["error"]["data"]["diagnosis"], "message-too-large",
            "{shown}"
        );
    };
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "big"]);
    b.initialize();
    refused(&b.call(1, "big", json!({})));
    refused(&b.call(2, "later", json!({})));
    assert_eq!(text_of(&b.call(3, "small", json!({}))), "small");
    let mut legacy = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/sse"),
        "--name",
        "big-sse",
        "--transport",
        "sse",
    ]);
    legacy.initialize();
    refused(&legacy.call(1, "big", json!({})));
    assert_eq!(text_of(&legacy.call(2, "small", json!({}))), "small");
    // Dropped as it arrived: never held whole (10.5 MB, and more again as a line).
    for bridge in [&b, &legacy] {
        if let Some(peak) = peak_memory(bridge.child.id()) {
            assert!(peak < 120 * 1024 * 1024, "peak memory {} MiB", peak >> 20);
        }
    }
    // Each dropped reply said once (b: `big` and `later`; legacy: `big`), as its request's error.
    for (bridge, refusals) in [(b, 2), (legacy, 1)] {
        let (status, stderr, home) = bridge.finish();
        assert!(status.success());
        assert_eq!(
            stderr.matches("larger than 9.9 MiB").count(),
            refusals,
            "stderr: {stderr}"
        );
        assert!(!stderr.contains("protocol-error"), "stderr: {stderr}");
        let journal = read_journals(home.path());
        assert!(!journal.contains("protocol-error"), "{journal}");
        assert_eq!(
            journal.matches("\"code\":\"message-too-large\"").count(),
            refusals,
            "{journal}"
        );
    }
}

#[test]
fn legacy_sse_calls_in_flight_fail_at_once_when_the_server_restarts() {
    // The session lives on the event stream: once it is lost, no reply can come, so the bridge
    // must not wait out --timeout.
    let p = require_peers!();
    let (server, port) = everything(&p, "sse");
    let mut b = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/sse"),
        "--name",
        "sse-lost",
        "--timeout",
        "15",
    ]);
    b.initialize();
    b.send(
        &json!({"jsonrpc":"2.0","id": 1,"method":"tools/call","params":{
        "name":"trigger-long-running-operation","arguments":{"duration": 6, "steps": 3}}}),
    );
    std::thread::sleep(Duration::from_secs(1));
    let killed = Instant::now();
    drop(server);
    let _server = everything_again(&p, "sse", port);
    let reply = b.reply(&json!(1), Duration::from_secs(20));
    let waited = killed.elapsed();
    assert!(
        error_message(&reply).contains("closed the connection while answering"),
        "{reply}"
    );
    assert_eq!(reply["error"]["data"]["diagnosis"], "connection-lost");
    assert!(waited < Duration::from_secs(8), "answered after {waited:?}");
    let sum = b.call(2, "get-sum", json!({"a": 2, "b": 2}));
    assert_eq!(text_of(&sum), "The sum of 2 and 2 is 4.", "{sum}");
    let (status, stderr, _) = b.finish();
    assert!(status.success());
    assert!(stderr.contains("reopened"), "stderr: {stderr}");
}

#[test]
fn a_server_killed_before_its_reply_began_is_a_lost_connection_not_a_refused_one() {
    // In JSON mode the server sends nothing, not even headers, until the reply is ready: killed
    // while the tool runs, it closes a connection it had taken.
    let p = require_peers!();
    let (server, port) = fastmcp(&p, "streamable-http-json");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--name", "killed-early"]);
    b.initialize();
    b.send(&json!({"jsonrpc":"2.0","id": 1,"method":"tools/call",
        "params":{"name":"slow","arguments":{"seconds": 5}}}));
    std::thread::sleep(Duration::from_secs(1));
    drop(server);
    let reply = b.reply(&json!(1), Duration::from_secs(10));
    let message = error_message(&reply);
    assert_eq!(
        reply["error"]["data"]["diagnosis"], "connection-lost",
        "{reply}"
    );
    assert!(
        message.contains("closed the connection before answering"),
        "{reply}"
    );
    // Not resent: the server may have acted on it before it died.
    assert!(message.contains("tools/call not sent again"), "{reply}");
    assert!(!message.contains("message completed"), "{reply}");
    let (status, stderr, _) = b.finish();
    assert!(status.success());
    assert!(!stderr.contains("connection-refused"), "stderr: {stderr}");
}

#[test]
fn a_server_killed_mid_call_is_a_lost_connection_not_a_protocol_error() {
    let p = require_peers!();
    let (server, port) = fastmcp(&p, "streamable-http");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--name", "killed"]);
    b.initialize();
    b.send(&json!({"jsonrpc":"2.0","id": 1,"method":"tools/call",
        "params":{"name":"slow","arguments":{"seconds": 5}}}));
    std::thread::sleep(Duration::from_secs(1));
    drop(server);
    let reply = b.reply(&json!(1), Duration::from_secs(10));
    let message = error_message(&reply);
    // Connected, then lost: not a refusal ("start the server"), and said in plain words.
    assert!(
        message.contains("closed the connection while answering"),
        "{reply}"
    );
    assert!(
        !message.contains("EOF") && !message.contains("chunk"),
        "{reply}"
    );
    assert_eq!(reply["error"]["data"]["diagnosis"], "connection-lost");
    let (status, stderr, home) = b.finish();
    assert!(status.success());
    assert!(!stderr.contains("protocol-error"), "stderr: {stderr}");
    assert!(!stderr.contains("connection-refused"), "stderr: {stderr}");
    // Said once: no warning about the same loss before the error.
    assert_eq!(
        stderr
            .matches("closed the connection while answering")
            .count(),
        1,
        "stderr: {stderr}"
    );
    assert!(!stderr.contains("warning"), "stderr: {stderr}");
    // The doctor tells it as a lost connection, with the HTTP client's words as its detail.
    let (report, _) = doctor_of(
        home.path(),
        "killed",
        &format!("http://127.0.0.1:{port}/mcp"),
    );
    let finding = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["server"] == "killed")
        .unwrap_or_else(|| panic!("no finding for killed: {report}"));
    assert_eq!(finding["code"], "connection-lost", "{finding}");
    let summary = finding["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("closed the connection while answering") && !summary.contains("EOF"),
        "{finding}"
    );
    assert!(
        finding["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("technical detail:"),
        "{finding}"
    );
    let fix = finding["fix"].as_str().unwrap_or_default();
    assert!(
        fix.contains("still running") && !fix.contains("Start the server"),
        "{finding}"
    );
}

#[test]
fn a_json_reply_cut_short_is_a_lost_connection_in_plain_words() {
    let p = require_peers!();
    let (_server, port) = fault_server(&p, "cut_reply_server.py", &[]);
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "cut"]);
    b.initialize();
    let reply = b.call(1, "anything", json!({}));
    let message = error_message(&reply);
    assert!(
        message.contains("closed the connection while answering"),
        "{reply}"
    );
    assert_eq!(
        reply["error"]["data"]["diagnosis"], "connection-lost",
        "{reply}"
    );
    let (status, stderr, _) = b.finish();
    assert!(status.success());
    assert_eq!(
        stderr
            .matches("closed the connection while answering")
            .count(),
        1,
        "stderr: {stderr}"
    );
    assert!(stderr.contains("technical detail:"), "stderr: {stderr}");
}

/// `mcp-tray doctor --no-probe --json` of a config holding one bridge entry, `name` for `url`,
/// reading the journals of MCP Tray home `home` (and no Claude log): its report and exit code.
fn doctor_of(home: &Path, name: &str, url: &str) -> (Value, Option<i32>) {
    let dir = tempfile::tempdir().expect("config dir");
    let config = dir.path().join("claude_desktop_config.json");
    let entry =
        json!({"mcpServers": {name: {"command": BIN, "args": ["bridge", url, "--name", name]}}});
    std::fs::write(&config, entry.to_string()).expect("write config");
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["doctor", "--no-probe", "--json"])
        .env("MCP_TRAY_HOME", home)
        .env("MCP_TRAY_CLAUDE_LOGS", dir.path().join("no-logs"))
        .output()
        .expect("run doctor");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json printed {:?}: {e}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (report, out.status.code())
}

#[test]
fn bridge_answers_when_the_server_sends_garbage() {
    let p = require_peers!();
    let (_server, port) = garbage_server(&p);
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "garbage"]);
    let init = b.initialize();
    assert_eq!(init["result"]["serverInfo"]["name"], "garbage");
    let reply = b.call(1, "anything", json!({}));
    // Its garbage is an HTML error page sent as 200: told by its title, not its markup, and
    // not as a wrong URL (initialize was answered there).
    assert!(
        error_message(&reply).contains("answered tools/call with a web page (\"502 Bad Gateway"),
        "{reply}"
    );
    assert_eq!(reply["error"]["data"]["diagnosis"], "protocol-error");
    let (status, _, _) = b.finish();
    assert!(status.success());
}

#[test]
fn a_web_site_s_page_is_named_by_its_title_once_with_the_url_to_check() {
    let p = require_peers!();
    let (_server, port) = garbage_server(&p);
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/site"), "--name", "site"]);
    let init = b.request(
        0,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
    );
    let message = error_message(&init);
    assert!(
        message.contains("answered with a web page, not MCP (\"Welcome to nginx!\")"),
        "{message}"
    );
    assert!(!message.contains('<'), "no markup: {message}");
    assert_eq!(init["error"]["data"]["diagnosis"], "protocol-error");
    // As a client goes on after a failed initialize: a notification is not a connection either.
    b.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    std::thread::sleep(Duration::from_millis(500));
    let (status, stderr, _) = b.finish();
    assert!(status.success());
    assert_eq!(
        stderr.matches("Welcome to nginx!").count(),
        1,
        "said once: {stderr}"
    );
    assert!(!stderr.contains("connected to"), "{stderr}");

    // The probe says what to do about it.
    let out = Command::new(BIN)
        .args([
            "probe",
            "--json",
            "--url",
            &format!("http://127.0.0.1:{port}/site"),
        ])
        .env("MCP_TRAY_HOME", tempfile::tempdir().expect("home").path())
        .output()
        .expect("probe");
    let report: Value = serde_json::from_slice(&out.stdout).expect("probe --json");
    let fix = report["diagnosis"]["fix"].as_str().unwrap_or_default();
    assert!(
        fix.starts_with("Check the URL: a web site answered"),
        "{report}"
    );
}

#[test]
fn a_notification_answered_with_a_web_page_is_no_connection() {
    let p = require_peers!();
    let (_server, port) = garbage_server(&p);
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/site"), "--name", "site"]);
    // A message that needs no answer opens the session (a client that skipped initialize).
    b.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    std::thread::sleep(Duration::from_millis(500));
    let (_, stderr, _) = b.finish();
    assert!(!stderr.contains("connected to"), "{stderr}");
    assert!(
        stderr.contains("answered with a web page, not MCP (\"Welcome to nginx!\")"),
        "{stderr}"
    );
}

#[test]
fn a_web_page_after_the_server_answered_as_mcp_is_not_blamed_on_the_url() {
    // garbage_server.py's /mcp answers initialize as MCP, then tools/list with a 502 page: a
    // gateway's error page stood in for a server whose URL is right.
    let p = require_peers!();
    let (_server, port) = garbage_server(&p);
    let out = Command::new(BIN)
        .args(["probe", "--url", &format!("http://127.0.0.1:{port}/mcp")])
        .env("MCP_TRAY_HOME", tempfile::tempdir().expect("home").path())
        .output()
        .expect("probe");
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(4), "{said}");
    // The step that failed has its row, as the steps that worked have theirs.
    let rows: Vec<&str> = said
        .lines()
        .take_while(|l| !l.starts_with("transport:"))
        .collect();
    assert!(rows[1].starts_with("ok    initialize"), "{said}");
    assert!(
        rows[2].starts_with("FAIL  tools/list") && rows[2].ends_with("[protocol-error]"),
        "{said}"
    );
    assert!(
        said.contains("answered tools/list with a web page (\"502 Bad Gateway"),
        "{said}"
    );
    let fix = said
        .lines()
        .find(|l| l.starts_with("fix: "))
        .unwrap_or_default();
    assert!(fix.starts_with("fix: The URL is right"), "{said}");
    assert!(!fix.contains("Check the URL"), "{said}");
}

#[test]
fn a_pretty_printed_reply_reaches_the_client_as_one_line() {
    let p = require_peers!();
    let (_server, port) = garbage_server(&p);
    let mut b = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/pretty"),
        "--name",
        "pretty",
    ]);
    // Each reply is read as one line of JSON: a body over several lines would break this.
    let init = b.initialize();
    assert_eq!(init["result"]["serverInfo"]["name"], "pretty");
    let reply = b.call(1, "anything", json!({}));
    assert_eq!(text_of(&reply), "two\nlines", "escapes inside strings stay");
    let (status, _, _) = b.finish();
    assert!(status.success());
}

/// A server (tests/peers/flaky_server.py) whose first answer to each method is HTTP `status`.
fn flaky_server(p: &Peers, status: u16) -> (Server, u16) {
    fault_server(p, "flaky_server.py", &[&status.to_string()])
}

/// The body of the flaky server's answer to `GET path`.
fn flaky_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .expect("ask");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned()
}

/// How many times the flaky server was sent each method.
fn flaky_seen(port: u16) -> Value {
    let body = flaky_get(port, "/seen");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("/seen is not JSON ({e}): {body}"))
}

/// Once one request has used up its retries on a server that is down, the next ones are sent
/// once each (Claude's every request would otherwise wait the retries out too) until the server
/// answers again, which is said once.
#[test]
fn while_an_outage_lasts_requests_after_the_first_are_sent_once() {
    let p = require_peers!();
    let (_server, port) = fault_server(&p, "flaky_server.py", &["503", "outage"]);
    let mut b = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/mcp"),
        "--name",
        "down",
        "--retries",
        "2",
    ]);
    b.initialize();
    let first = b.request(1, "tools/list", json!({}));
    assert_eq!(first["error"]["data"]["diagnosis"], "http-error", "{first}");
    let next = b.request(2, "resources/list", json!({}));
    assert_eq!(next["error"]["data"]["diagnosis"], "http-error", "{next}");
    let seen = flaky_seen(port);
    assert_eq!(
        seen["tools/list"], 3,
        "the first: sent and retried twice: {seen}"
    );
    assert_eq!(seen["resources/list"], 1, "the next: sent once: {seen}");
    // Back up: the next request finds it at its one try.
    assert_eq!(flaky_get(port, "/up"), "up");
    let call = b.call(3, "anything", json!({}));
    assert_eq!(text_of(&call), "done", "{call}");
    let (status, stderr, _) = b.finish();
    assert!(status.success());
    assert_eq!(
        stderr.matches("trying again").count(),
        1,
        "stderr: {stderr}"
    );
    assert_eq!(
        stderr.matches("the server answers again").count(),
        1,
        "stderr: {stderr}"
    );
}

/// A server that takes a notification's POST and never answers it (a hung handler, a proxy
/// holding the request) holds the client's next lines only for a while: notifications go in
/// order, one at a time, but each gets at most `--timeout` (10 s at most), and the failure is said.
#[test]
fn a_notification_the_server_never_takes_holds_the_next_request_only_for_a_while() {
    let p = require_peers!();
    let (_server, port) = fault_server(&p, "flaky_server.py", &["500", "stall-notifications"]);
    let mut b = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/mcp"),
        "--name",
        "stalls",
        "--timeout",
        "2",
    ]);
    b.initialize();
    let list = b.request(1, "tools/list", json!({}));
    assert!(list["result"]["tools"].is_array(), "{list}");
    let (status, stderr, _) = b.finish();
    assert!(status.success());
    assert!(
        stderr.contains("could not deliver notification notifications/initialized")
            && stderr.contains("gave no answer to notifications/initialized within 2 s"),
        "stderr: {stderr}"
    );
}

/// A resumption of the server's stream refused (a replica, or an event store, that no longer has
/// the event: 400) opens the stream again from now, once, instead of giving it up for the rest
/// of the session with every notification the server sends.
#[test]
fn a_refused_resumption_opens_the_event_stream_again_from_now() {
    let p = require_peers!();
    let (_server, port) = fault_server(&p, "flaky_server.py", &["400", "resume-refused"]);
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "resume"]);
    b.initialize();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut notes = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match b.next(left) {
            Some(v) if v["method"] == "notifications/message" => {
                notes.push(v["params"]["data"].as_str().unwrap_or_default().to_owned());
                if notes.len() == 2 {
                    break;
                }
            }
            Some(_) => {}
            None => break,
        }
    }
    assert_eq!(notes, ["stream 1", "stream 3"], "stderr:\n{}", b.stderr());
    assert_eq!(flaky_seen(port)["GET-resume"], 1);
    let (exit, stderr, _) = b.finish();
    assert!(exit.success());
    assert!(
        stderr.contains("could not resume its event stream"),
        "{stderr}"
    );
}

/// The stream of the server's own messages is opened again after a 409 (a server that allows
/// one stream per session and still holds one) or a 429 (a rate limit), after the server's
/// `Retry-After`: neither means the server has no stream, and the bridge used to give it up for
/// the rest of the session, losing every notification the server sent.
#[test]
fn the_event_stream_is_opened_again_after_a_409_or_a_429() {
    let p = require_peers!();
    for status in ["409", "429"] {
        let (_server, port) = fault_server(&p, "flaky_server.py", &[status, "get"]);
        let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "get"]);
        b.initialize();
        let asked = Instant::now();
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut note = None;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match b.next(left) {
                Some(v) if v["method"] == "notifications/message" => {
                    note = Some(v);
                    break;
                }
                Some(_) => {}
                None => break,
            }
        }
        let note = note.unwrap_or_else(|| {
            panic!(
                "HTTP {status}: no notification from the reopened stream; stderr:\n{}",
                b.stderr()
            )
        });
        assert_eq!(note["params"]["data"], "stream 2", "HTTP {status}: {note}");
        // Not before the server's `Retry-After: 2` (the back-off alone would be half a second).
        assert!(
            asked.elapsed() >= Duration::from_secs(2),
            "HTTP {status}: reopened after {:?}",
            asked.elapsed()
        );
        let (exit, _, _) = b.finish();
        assert!(exit.success(), "HTTP {status}");
    }
}

/// A server (or a gateway before it) that refuses the stream's GET whatever the token gets one
/// try at a fresh token, not a refresh and a GET every few seconds for the rest of the session:
/// refused again, or with no token to be had, the stream is given up, and the requests go on.
#[test]
fn an_event_stream_refused_with_401_is_not_asked_for_again_and_again() {
    let p = require_peers!();
    let (_server, port) = fault_server(&p, "flaky_server.py", &["401", "get-always"]);
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "noget"]);
    b.initialize();
    // Long enough for three more GETs at the back-off's pace (0.5, 1, 2 s) had it gone on.
    std::thread::sleep(Duration::from_secs(4));
    let list = b.request(1, "tools/list", json!({}));
    assert!(list["result"]["tools"].is_array(), "{list}");
    assert_eq!(flaky_seen(port)["GET"], 1, "{}", flaky_seen(port));
    let (status, _, _) = b.finish();
    assert!(status.success());
}

#[test]
fn a_tool_call_that_may_have_run_is_not_sent_again_after_a_500() {
    let p = require_peers!();
    let (_server, port) = flaky_server(&p, 500);
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "flaky"]);
    b.initialize();
    // Listing changes nothing on the server: sent again, and answered.
    let list = b.request(1, "tools/list", json!({}));
    assert!(list["result"]["tools"].is_array(), "{list}");
    // A tool call may have acted before the server failed: the client gets the failure.
    let call = b.call(2, "send_email", json!({"to": "someone"}));
    let message = error_message(&call);
    assert!(message.contains("HTTP 500"), "{call}");
    assert!(message.contains("tools/call not sent again"), "{call}");
    assert_eq!(call["error"]["data"]["diagnosis"], "http-error");
    let seen = flaky_seen(port);
    assert_eq!(seen["tools/list"], 2, "{seen}");
    assert_eq!(seen["tools/call"], 1, "{seen}");
    let (status, stderr, _) = b.finish();
    assert!(status.success());
    // Said once, with the error (it was said as a warning first, then as the error).
    assert_eq!(
        stderr.matches("not sent again").count(),
        1,
        "stderr: {stderr}"
    );
}

#[test]
fn a_tool_call_declined_with_503_and_retry_after_is_sent_again() {
    let p = require_peers!();
    let (_server, port) = fault_server(&p, "flaky_server.py", &["503", "retry-after"]);
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "flaky"]);
    b.initialize();
    // 503 with Retry-After: the server declined the call, so sending it again is safe.
    let call = b.call(1, "send_email", json!({"to": "someone"}));
    assert_eq!(text_of(&call), "done", "{call}");
    assert_eq!(flaky_seen(port)["tools/call"], 2);
    let (status, _, _) = b.finish();
    assert!(status.success());
}

/// A bare 503 may be a gateway's (Heroku's router after 30 s, Envoy after an upstream reset)
/// for a call the server still runs: sent again, an email would go twice.
#[test]
fn a_tool_call_failed_with_a_bare_503_is_not_sent_again() {
    let p = require_peers!();
    let (_server, port) = flaky_server(&p, 503);
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "flaky"]);
    b.initialize();
    let call = b.call(1, "send_email", json!({"to": "someone"}));
    let message = error_message(&call);
    assert!(message.contains("HTTP 503"), "{call}");
    assert!(message.contains("tools/call not sent again"), "{call}");
    // A request that changes nothing still is.
    let list = b.request(2, "tools/list", json!({}));
    assert!(list["result"]["tools"].is_array(), "{list}");
    let seen = flaky_seen(port);
    assert_eq!(seen["tools/call"], 1, "{seen}");
    assert_eq!(seen["tools/list"], 2, "{seen}");
    let (status, _, _) = b.finish();
    assert!(status.success());
}

#[test]
fn after_a_failed_initialize_later_requests_fail_at_once_and_the_error_page_is_said_once() {
    let p = require_peers!();
    let (_server, port) = fault_server(&p, "flaky_server.py", &["500", "initialize"]);
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--name", "broken", "--retries", "2"]);
    b.send(
        &json!({"jsonrpc":"2.0","id": 0,"method":"initialize","params":{
        "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
    );
    let init = b.reply(&json!(0), Duration::from_secs(10));
    assert_eq!(
        error_message(&init),
        // The server's failure, its error page (which only says the status again) not quoted.
        format!("remote server at {url} failed with HTTP 500 (Internal Server Error)"),
        "{init}"
    );
    b.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let started = Instant::now();
    let list = b.request(1, "tools/list", json!({}));
    let call = b.call(2, "add", json!({"a": 1, "b": 2}));
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    for (reply, method) in [(&list, "tools/list"), (&call, "tools/call")] {
        assert_eq!(reply["error"]["data"]["diagnosis"], "http-error", "{reply}");
        let message = error_message(reply);
        assert!(
            message.starts_with(&format!(
                "remote server at {url} answered HTTP 500 to initialize, so {method} was not sent"
            )),
            "{message}"
        );
    }
    let seen = flaky_seen(port);
    assert_eq!(seen["initialize"], 3, "{seen}");
    assert!(
        seen.get("tools/list").is_none() && seen.get("tools/call").is_none(),
        "{seen}"
    );
    // The client initializing again is tried again.
    let again = b.request(
        3,
        "initialize",
        json!({"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}),
    );
    assert!(error_message(&again).contains("HTTP 500"), "{again}");
    assert_eq!(flaky_seen(port)["initialize"], 6);
    let (status, stderr, _) = b.finish();
    assert!(status.success());
    assert!(!stderr.contains('<'), "markup on stderr:\n{stderr}");
    // Said with each final error of initialize (two), never with the retries.
    assert_eq!(
        stderr.matches("Internal Server Error").count(),
        2,
        "stderr:\n{stderr}"
    );
}

#[test]
fn a_reply_with_bytes_that_are_not_utf8_reaches_the_client_repaired() {
    let p = require_peers!();
    let (_server, port) = garbage_server(&p);
    let mut b = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/not-utf8"),
        "--name",
        "latin1",
    ]);
    b.initialize();
    // A JSON body, then an SSE event: each replaced byte sequence reads as U+FFFD.
    let call = b.call(1, "anything", json!({}));
    assert_eq!(text_of(&call), "caf\u{fffd} \u{fffd} ok", "{call}");
    let list = b.request(2, "tools/list", json!({}));
    assert_eq!(list["result"]["tools"][0]["name"], "t\u{fffd}", "{list}");
    let (status, stderr, home) = b.finish();
    assert!(status.success());
    assert!(
        stderr.contains("the reply to id 1 from the server held bytes that are not UTF-8"),
        "{stderr}"
    );
    assert!(stderr.contains("the reply to id 2"), "{stderr}");
    let journal = read_journals(home.path());
    assert!(
        journal.contains("not UTF-8") && journal.contains("caf\u{fffd}"),
        "{journal}"
    );
}

#[test]
fn redirects_are_followed_only_on_the_same_origin() {
    let p = require_peers!();
    let (_server, port) = garbage_server(&p);
    let init = json!({"protocolVersion": "2025-06-18", "capabilities": {},
                      "clientInfo": {"name": "t", "version": "1"}});
    let mut same = Bridge::start(&[&format!("http://127.0.0.1:{port}/same-origin")]);
    let reply = same.request(0, "initialize", init.clone());
    assert_eq!(reply["result"]["serverInfo"]["name"], "garbage", "{reply}");
    same.finish();
    let mut other = Bridge::start(&[
        &format!("http://127.0.0.1:{port}/other-origin"),
        "--transport",
        "http",
        "--header",
        "X-Api-Key: must-not-travel",
    ]);
    let reply = other.request(0, "initialize", init);
    let message = error_message(&reply);
    assert!(
        message.starts_with(&format!(
            "remote server at http://127.0.0.1:{port}/other-origin redirects to http://localhost:{port}/mcp (HTTP 307)"
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "If http://localhost:{port}/mcp is the server's right address, use it as the entry's URL"
        )),
        "{message}"
    );
    assert_eq!(reply["error"]["data"]["diagnosis"], "redirected", "{reply}");
    let (_, stderr, _) = other.finish();
    assert!(!stderr.contains("must-not-travel"), "{stderr}");
}

#[test]
fn a_redirect_that_would_turn_a_post_into_a_get_says_where_it_goes() {
    let p = require_peers!();
    let (_server, port) = garbage_server(&p);
    let init = json!({"protocolVersion": "2025-06-18", "capabilities": {},
                      "clientInfo": {"name": "t", "version": "1"}});
    for status in [301, 302, 303] {
        let url = format!("http://127.0.0.1:{port}/moved/{status}");
        let mut b = Bridge::start(&[&url]);
        let reply = b.request(0, "initialize", init.clone());
        let message = error_message(&reply);
        assert!(
            message.starts_with(&format!(
                "remote server at {url} redirects to http://127.0.0.1:{port}/mcp (HTTP {status}); MCP Tray does not follow a 301, 302 or 303 redirect, which would turn the messages it sends into GETs and lose them."
            )),
            "{message}"
        );
        assert!(
            message.contains(&format!(
                "If http://127.0.0.1:{port}/mcp is the server's right address, use it as the entry's URL"
            )),
            "{message}"
        );
        assert_eq!(reply["error"]["data"]["diagnosis"], "redirected", "{reply}");
        b.finish();
    }
}

#[test]
fn a_redirect_loop_is_called_a_loop() {
    let p = require_peers!();
    let (_server, port) = garbage_server(&p);
    let init = json!({"protocolVersion": "2025-06-18", "capabilities": {},
                      "clientInfo": {"name": "t", "version": "1"}});
    for path in ["/loop/self", "/loop/a"] {
        let url = format!("http://127.0.0.1:{port}{path}");
        let mut b = Bridge::start(&[&url]);
        let reply = b.request(0, "initialize", init.clone());
        let message = error_message(&reply);
        assert_eq!(
            message,
            format!(
                "remote server at {url} redirects in a loop (an address it redirects to leads back to one already visited); check the entry's URL, and if it is right, tell whoever runs the server"
            ),
            "{reply}"
        );
        assert_eq!(reply["error"]["data"]["diagnosis"], "redirected", "{reply}");
        b.finish();
    }
}

/// One `initialize` through `mcp-tray bridge URL --retries 0` with these proxy variables (and no
/// others): its reply, and the bridge's stderr.
fn initialize_through_proxy(url: &str, proxy_env: &[(&str, &str)]) -> (Value, String) {
    let init = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    let mut cmd = Command::new(BIN);
    cmd.args(["bridge", url, "--retries", "0"])
        .env("MCP_TRAY_HOME", tempfile::tempdir().expect("home").path());
    for var in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"] {
        cmd.env_remove(var).env_remove(var.to_ascii_lowercase());
    }
    let out = cmd
        .envs(proxy_env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            if let Some(mut stdin) = child.stdin.take() {
                writeln!(stdin, "{init}")?;
            }
            child.wait_with_output()
        })
        .expect("run the bridge");
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let reply = serde_json::from_str(&line).expect("one JSON reply");
    (reply, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_failing_proxy_is_named_not_the_server() {
    let p = require_peers!();
    let through = |proxy: &str, url: &str| {
        let (reply, stderr) =
            initialize_through_proxy(url, &[("HTTP_PROXY", proxy), ("HTTPS_PROXY", proxy)]);
        assert!(!stderr.contains("s3cret"), "{stderr}");
        error_message(&reply)
    };
    // No server behind: the proxy never gets that far.
    let (http, https) = ("http://127.0.0.1:9/mcp", "https://127.0.0.1:9/mcp");
    let check = |via: &str| format!("check {via} (and NO_PROXY for addresses to reach directly)");
    let (_held, dead_port) = common::refused_port();
    let dead = format!("http://127.0.0.1:{dead_port}");
    assert_eq!(
        through(&dead, https),
        format!(
            "the proxy {dead}/ (from HTTPS_PROXY) cannot be reached, so {https} was not tried; {}, or start the proxy",
            check("HTTPS_PROXY")
        )
    );
    for mode in ["close", "407", "502"] {
        let (_proxy, port) = fault_server(&p, "broken_proxy.py", &[mode]);
        // Credentials in the proxy's URL are never shown.
        let proxy = format!("http://user:s3cret@127.0.0.1:{port}");
        let shown = format!("http://127.0.0.1:{port}/");
        for (url, via) in [(http, "HTTP_PROXY"), (https, "HTTPS_PROXY")] {
            let said = through(&proxy, url);
            let expected = match (mode, url) {
                ("close", _) => format!(
                    "the proxy {shown} (from {via}) closed the connection to {url} without an answer; {}, or ask whoever runs the proxy whether it lets this address through",
                    check(via)
                ),
                ("407", _) => format!(
                    "the proxy {shown} (from {via}) wants credentials (HTTP 407) before it lets anything through to {url}; put them in {via} as http://user:password@host:port, or ask whoever runs the proxy"
                ),
                // A forwarded request gets the proxy's own answer…
                (_, "http://127.0.0.1:9/mcp") => format!(
                    "the proxy {shown} (from {via}) answered HTTP 502 for {url} (502 Bad Gateway): it could not reach the server, or would not; {}",
                    check(via)
                ),
                // …a tunnel's refusal shows no status.
                _ => format!(
                    "the proxy {shown} (from {via}) refused to open a connection to {url}; {}, or ask whoever runs the proxy whether it lets this address through",
                    check(via)
                ),
            };
            assert_eq!(said, expected, "{mode} {url}");
        }
    }
}

#[test]
fn proxy_variables_are_honoured() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let (_held, dead_port) = common::refused_port();
    let dead_proxy = format!("http://127.0.0.1:{dead_port}");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let initialize = |no_proxy: &str| {
        initialize_through_proxy(&url, &[("HTTP_PROXY", &dead_proxy), ("NO_PROXY", no_proxy)]).0
    };
    // Through a proxy that is not there: refused, although the server itself is up.
    let through = initialize("");
    assert_eq!(
        through["error"]["data"]["diagnosis"], "connection-refused",
        "{through}"
    );
    // NO_PROXY exempts the host: straight to the server.
    let direct = initialize("127.0.0.1");
    assert_eq!(direct["result"]["serverInfo"]["name"], "tiny", "{direct}");
}

#[test]
fn bridge_answers_initialize_when_nothing_listens() {
    let (_held, port) = common::refused_port();
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--retries", "0"]);
    b.send(
        &json!({"jsonrpc":"2.0","id": 0,"method":"initialize","params":{
        "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
    );
    let reply = b.reply(&json!(0), Duration::from_secs(10));
    assert!(
        error_message(&reply).contains(&format!(
            "refused the connection at http://127.0.0.1:{port}/mcp"
        )),
        "{reply}"
    );
    let (status, _, _) = b.finish();
    assert!(status.success());
}

#[test]
fn a_message_without_a_method_that_cannot_be_delivered_is_said_without_a_blank() {
    let (_held, port) = common::refused_port();
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--retries", "0"]);
    // A response of the client's (to a request of the server's): no method, no id to answer.
    b.send(&json!({"jsonrpc":"2.0","id": 2,"result": {}}));
    let start = std::time::Instant::now();
    while !b.stderr().contains("could not deliver") && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, stderr, _) = b.finish();
    assert!(stderr.contains("could not deliver response: "), "{stderr}");
    assert!(!stderr.contains("response :"), "{stderr}");
}

#[test]
fn a_first_connect_refused_until_the_timeout_says_refused_not_timeout() {
    let (_held, port) = common::refused_port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    // The retries (about 7 s of them) outlast the timeout: the bridge answers after 1 s, with
    // what the attempts met.
    let mut b = Bridge::start(&[&url, "--name", "refused", "--timeout", "1"]);
    b.send(
        &json!({"jsonrpc":"2.0","id": 0,"method":"initialize","params":{
        "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
    );
    let reply = b.reply(&json!(0), Duration::from_secs(10));
    assert_eq!(
        reply["error"]["data"]["diagnosis"], "connection-refused",
        "{reply}"
    );
    assert_eq!(
        error_message(&reply),
        format!("remote server refused the connection at {url} (tried for 1 s)"),
        "{reply}"
    );
    let (status, stderr, _) = b.finish();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("gave no answer"), "{stderr}");
}

#[test]
fn credentials_never_reach_the_journal_or_stderr() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let secret = "s3cret-token-4711";
    let mut b = Bridge::start(&[
        &format!("http://user:pw-4712@127.0.0.1:{port}/mcp?api_key=q-4713"),
        "--name",
        "secretive",
        "--header",
        &format!("Authorization: Bearer {secret}"),
        "--header",
        "X-Api-Key: ${MCP_TRAY_TEST_KEY}",
    ]);
    b.initialize();
    assert_eq!(text_of(&b.call(1, "add", json!({"a": 1, "b": 1}))), "2");
    let (_, stderr, home) = b.finish();
    let journal = read_journals(home.path());
    assert!(journal.contains("\"connected\""), "{journal}");
    for leak in [secret, "pw-4712", "q-4713", "env-key-4714"] {
        assert!(!journal.contains(leak), "{leak} leaked into the journal");
        assert!(
            !stderr.contains(leak),
            "{leak} leaked into stderr: {stderr}"
        );
    }
}

#[test]
fn https_with_a_private_ca_needs_ca_cert_and_says_so() {
    let p = require_peers!();
    let server = common::fastmcp_over_tls(&p, true);
    let url = server.url.clone();

    let mut refused = Bridge::start(&[&url, "--retries", "0"]);
    let reply = refused.request(
        0,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "t", "version": "1"}}),
    );
    assert_eq!(reply["error"]["data"]["diagnosis"], "tls-error", "{reply}");
    assert!(error_message(&reply).contains("--ca-cert"), "{reply}");
    refused.finish();

    let cert_arg = server.cert.to_string_lossy().into_owned();
    let mut trusted = Bridge::start(&[&url, "--ca-cert", &cert_arg]);
    trusted.initialize();
    assert_eq!(
        text_of(&trusted.call(1, "add", json!({"a": 20, "b": 22}))),
        "42"
    );
    trusted.finish();
}

/// A `--ca-cert` that names something other than a file (a pipe nobody writes, `/dev/zero`) is
/// refused at once, in words, instead of a read that never ends or fills the memory.
#[cfg(unix)]
#[test]
fn a_ca_cert_that_is_not_a_file_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("dir");
    let fifo = dir.path().join("ca.pem");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    for path in [fifo.as_path(), Path::new("/dev/zero")] {
        let mut bridge = Command::new(BIN)
            .args(["bridge", "https://127.0.0.1:9/mcp", "--ca-cert"])
            .arg(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the bridge");
        // A shim that cannot start answers what it is sent, until its input ends.
        let mut stdin = bridge.stdin.take().expect("stdin");
        writeln!(
            stdin,
            r#"{{"jsonrpc":"2.0","id":0,"method":"initialize","params":{{}}}}"#
        )
        .expect("write");
        drop(stdin);
        let started = Instant::now();
        while bridge.try_wait().expect("wait").is_none() {
            if started.elapsed() > Duration::from_secs(10) {
                let _ = bridge.kill();
                panic!("the bridge still reads {}", path.display());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut stderr = String::new();
        bridge
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("stderr");
        assert!(
            stderr.contains("cannot read the CA certificate") && stderr.contains("not a file"),
            "{}: {stderr}",
            path.display()
        );
    }
}

#[test]
fn a_self_signed_ca_certificate_as_the_servers_own_is_explained_in_plain_words() {
    let p = require_peers!();
    // openssl req -x509's default: a CA certificate (CA:TRUE), which no --ca-cert makes usable.
    let server = common::fastmcp_over_tls(&p, false);
    let url = server.url.clone();
    let cert_arg = server.cert.to_string_lossy().into_owned();
    let mut bridge = Bridge::start(&[&url, "--ca-cert", &cert_arg, "--retries", "0"]);
    let reply = bridge.request(
        0,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "t", "version": "1"}}),
    );
    assert_eq!(reply["error"]["data"]["diagnosis"], "tls-error", "{reply}");
    let said = error_message(&reply);
    assert!(
        said.contains("the server presents a CA certificate as its own; it needs a leaf certificate (CA:FALSE) signed by a CA"),
        "{said}"
    );
    assert!(!said.contains("OtherError"), "{said}");
    bridge.finish();
}

// ---------------------------------------------------------------------------------------------
// URLs refused before anything starts
// ---------------------------------------------------------------------------------------------

#[test]
fn websocket_urls_are_refused_with_an_explanation() {
    let home = tempfile::tempdir().expect("home");
    let out = Command::new(BIN)
        .args(["bridge", "wss://example.com/ws"])
        .env("MCP_TRAY_HOME", home.path())
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "stdout carries only JSON-RPC");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no WebSocket transport"), "{stderr}");
    assert!(stderr.contains("/mcp"), "{stderr}");
}

#[test]
fn plain_http_to_a_remote_host_needs_allow_http() {
    let home = tempfile::tempdir().expect("home");
    let out = Command::new(BIN)
        .args(["bridge", "http://example.com/mcp"])
        .env("MCP_TRAY_HOME", home.path())
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-http"));
}

/// A bridge that cannot start answers what Claude sends with the reason (not a silent exit, which
/// Claude shows as "server disconnected"), and tells the app through the server's journal.
/// `mcp-tray ARGS` with MCP Tray's home in `home`, `input` written to its stdin, then closed.
fn run_with_input(args: &[&str], home: &Path, input: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("MCP_TRAY_HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).expect("write");
    drop(stdin);
    child.wait_with_output().expect("wait")
}

#[test]
fn a_bridge_that_cannot_start_answers_each_request_with_why_and_journals_it() {
    let home = tempfile::tempdir().expect("home");
    let moved = home.path().join("moved-ca.pem");
    for (args, code, said) in [
        (
            vec!["bridge", "wss://example.com/ws", "--name", "ws"],
            "websocket-url",
            "no WebSocket transport",
        ),
        (
            vec![
                "bridge",
                "https://example.com/mcp",
                "--name",
                "notes",
                "--header",
                "Authorization: Bearer ${MCP_TRAY_TEST_NEVER_SET}",
            ],
            "invalid-entry",
            "environment variable MCP_TRAY_TEST_NEVER_SET is not set. Fix: set it in the entry's \"env\"",
        ),
        (
            vec![
                "bridge",
                "https://example.com/mcp",
                "--name",
                "corp",
                "--ca-cert",
                moved.to_str().expect("utf-8"),
            ],
            "tls-error",
            "cannot read the CA certificate",
        ),
    ] {
        let out = run_with_input(
            &args,
            home.path(),
            concat!(
                r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
                "\n",
                r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
                "\n",
                r#"{"jsonrpc":"2.0","id":"two","method":"tools/list"}"#,
                "\n",
            ),
        );
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let replies: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON-RPC only on stdout"))
            .collect();
        assert_eq!(replies.len(), 2, "one reply per request: {stdout}");
        assert_eq!(replies[0]["id"], 1);
        assert_eq!(replies[1]["id"], "two");
        for reply in &replies {
            assert!(error_message(reply).contains(said), "{reply}");
            assert_eq!(reply["error"]["data"]["diagnosis"], code, "{reply}");
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let name = args[3];
        assert!(
            stderr.starts_with(&format!("mcp-tray: bridge [{name}] did not start: ")),
            "{stderr}"
        );
        let first = said.split(". Fix: ").next().unwrap_or(said);
        assert!(stderr.contains(first), "{stderr}");
        let journal = read_journals(home.path());
        assert!(
            journal.lines().any(|l| l.contains(r#""dir":"event""#)
                && l.contains(&format!(r#""code":"{code}""#))
                && l.contains("the bridge did not start")),
            "{journal}"
        );
    }
}

/// A refusal said over several lines on stderr (what is wrong, why, the fix) reads as sentences
/// in the one-line JSON-RPC error Claude shows, as the tap words its own (`… . Fix: …`).
#[test]
fn a_refused_urls_reason_reads_as_sentences_in_the_json_rpc_error() {
    let home = tempfile::tempdir().expect("home");
    for (url, expected) in [
        (
            "ws://example.com/mcp",
            "ws://example.com/mcp is a WebSocket URL, but MCP has no WebSocket transport. MCP \
             servers are reached over Streamable HTTP (usually a URL ending in /mcp) or the older \
             HTTP+SSE (ending in /sse). Fix: Look in the server's documentation",
        ),
        (
            "http://example.com/mcp",
            "http://example.com/mcp is plain HTTP on a remote host; traffic and tokens would \
             travel unencrypted. Fix: Use the https:// URL, or pass --allow-http",
        ),
    ] {
        let out = run_with_input(
            &["bridge", url, "--name", "refused"],
            home.path(),
            concat!(
                r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
                "\n",
            ),
        );
        assert_eq!(out.status.code(), Some(1), "{url}");
        let reply: Value = serde_json::from_slice(&out.stdout).expect("one JSON-RPC reply");
        let said = error_message(&reply);
        assert!(said.starts_with(expected), "{said}");
        assert!(!said.contains("fix:"), "{said}");
    }
}

// ---------------------------------------------------------------------------------------------
// The official conformance suite, client side, with the bridge in the loop
// ---------------------------------------------------------------------------------------------

#[test]
fn conformance_client_scenarios_pass_with_the_bridge_in_the_loop() {
    let p = require_peers!();
    let home = tempfile::tempdir().expect("home");
    // The suite starts a scenario server and runs "<command> <serverUrl>".
    let command = format!(
        "{} {} conformance -- {BIN} bridge",
        p.python().display(),
        p.script("driver.py").display()
    );
    for scenario in ["initialize", "tools_call", "sse-retry"] {
        let out = Command::new(p.node())
            .arg(
                p.dir
                    .join("node_modules/@modelcontextprotocol/conformance/dist/index.js"),
            )
            .args(["client", "--command", &command, "--scenario", scenario])
            .arg("-o")
            .arg(home.path().join("results"))
            .env("MCP_TRAY_HOME", home.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("run the conformance suite");
        // The suite reports on stderr.
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success()
                && report.contains("OVERALL: PASSED")
                && !report.contains("FAILURE"),
            "conformance scenario {scenario} failed ({}):\n{report}",
            out.status
        );
    }
}

#[cfg(unix)]
#[test]
fn sigterm_deletes_the_session_and_exits_cleanly() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    // SIGHUP (the terminal the bridge ran in was closed) is a request to stop too.
    for signal in ["-TERM", "-HUP"] {
        stop_by_signal(port, signal);
    }
}

/// A client that closes its end of the bridge's stdout first (it crashed, or closes that end
/// before stdin): the bridge still ends the server's session (its DELETE) before it exits.
#[test]
fn a_client_that_stops_reading_first_still_gets_its_session_ended() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let home = tempfile::tempdir().expect("temp home");
    let mut child = Command::new(BIN)
        .args([
            "bridge",
            &format!("http://127.0.0.1:{port}/mcp"),
            "--name",
            "gone",
        ])
        .env("MCP_TRAY_HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mcp-tray bridge");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let init = json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
        "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}});
    writeln!(stdin, "{init}").expect("write");
    let mut reply = String::new();
    stdout.read_line(&mut reply).expect("read");
    assert!(reply.contains("\"result\""), "{reply}");
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#
    )
    .expect("write");
    // The client's end of stdout goes: the next reply meets a closed pipe, and the one after it
    // finds the bridge's writer gone.
    drop(stdout);
    writeln!(stdin, r#"{{"jsonrpc":"2.0","id":1,"method":"tools/list"}}"#).expect("write");
    std::thread::sleep(Duration::from_millis(300));
    let _ = writeln!(stdin, r#"{{"jsonrpc":"2.0","id":2,"method":"tools/list"}}"#);
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the bridge went on with nobody reading it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let journal = std::fs::read_to_string(home.path().join("journal/gone.jsonl")).expect("journal");
    assert!(
        journal.contains("\"text\":\"session ended\""),
        "the server's session was not ended: {journal}"
    );
    drop(stdin);
}

#[cfg(unix)]
fn stop_by_signal(port: u16, signal: &str) {
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "term"]);
    b.initialize();
    assert_eq!(text_of(&b.call(1, "add", json!({"a": 1, "b": 1}))), "2");
    let killed = Command::new("kill")
        .args([signal, &b.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = b.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "bridge ignored {signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{signal}: {status}");
    let journal =
        std::fs::read_to_string(b.home.path().join("journal/term.jsonl")).expect("journal");
    // In plain words: the server took the end of the session.
    assert!(
        journal.contains("\"text\":\"session ended\""),
        "{signal}: {journal}"
    );
    assert!(!journal.contains("DELETE"), "{journal}");
}

/// SIGTERM to a bridge while a slow `tools/call` runs at `url` (server `name`): the session ends,
/// the server closes the call's stream, and none of that is an error or the server's fault.
#[cfg(unix)]
fn signal_during_a_call(url: &str, name: &str, call: Value) {
    let mut b = Bridge::start(&[url, "--name", name]);
    b.initialize();
    b.send_raw(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": call})
            .to_string()
            .as_bytes(),
    );
    std::thread::sleep(Duration::from_millis(800));
    let pid = nix::unistd::Pid::from_raw(b.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("signal");
    let deadline = Instant::now() + Duration::from_secs(8);
    let status = loop {
        if let Some(status) = b.child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    // The call still waiting is answered: the bridge stopped before the server did.
    let reply = b.reply(&json!(1), Duration::from_secs(2));
    assert_eq!(
        reply["error"]["data"]["diagnosis"], "bridge-stopped",
        "{name}: {reply}"
    );
    // Let the stderr reader take the last lines.
    std::thread::sleep(Duration::from_millis(200));
    let stderr = b.stderr();
    assert!(!stderr.contains("error"), "{name}: {stderr}");
    assert!(!stderr.contains("warning"), "{name}: {stderr}");
    assert!(
        stderr.contains(
            "the bridge stopped, as its client asked, with 1 request unanswered (tools/call)"
        ),
        "{name}: {stderr}"
    );
    let journal = read_journals(b.home.path());
    // (A legacy HTTP+SSE session has no end to ask for: its stream just closes.)
    if !url.ends_with("/sse") {
        assert!(journal.contains("session ended"), "{name}: {journal}");
    }
    assert!(
        !journal.contains("\"level\":\"error\""),
        "{name}: {journal}"
    );
    assert!(!journal.contains("\"level\":\"warn\""), "{name}: {journal}");
    // Nothing for the doctor to find.
    let (report, code) = doctor_of(b.home.path(), name, url);
    let findings: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["server"] == name)
        .collect();
    assert!(findings.is_empty(), "{name}: {report}");
    assert_eq!(code, Some(0), "{name}: {report}");
}

#[cfg(unix)]
#[test]
fn a_signal_during_a_call_is_neither_an_error_nor_the_servers_fault() {
    let p = require_peers!();
    let (_fastmcp, port) = fastmcp(&p, "streamable-http");
    signal_during_a_call(
        &format!("http://127.0.0.1:{port}/mcp"),
        "fastmcp-term",
        json!({"name": "slow", "arguments": {"seconds": 30}}),
    );
    let (_everything, port) = everything(&p, "streamableHttp");
    signal_during_a_call(
        &format!("http://127.0.0.1:{port}/mcp"),
        "everything-term",
        json!({"name": "trigger-long-running-operation", "arguments": {"duration": 30, "steps": 3}}),
    );
    // Legacy HTTP+SSE: the answer would come on the session's one stream, which ends with it.
    let (_fastmcp_sse, port) = fastmcp(&p, "sse");
    signal_during_a_call(
        &format!("http://127.0.0.1:{port}/sse"),
        "fastmcp-sse-term",
        json!({"name": "slow", "arguments": {"seconds": 30}}),
    );
}

#[test]
fn an_http_url_of_a_websocket_endpoint_is_a_websocket_url_not_an_http_error() {
    let p = require_peers!();
    let (_server, port) = fault_server(&p, "websocket_server.py", &[]);
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/ws"), "--name", "ws-only"]);
    let init = b.request(
        0,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
    );
    assert_eq!(
        init["error"]["data"]["diagnosis"], "websocket-url",
        "{init}"
    );
    let message = error_message(&init);
    assert!(
        message.contains("is a WebSocket endpoint")
            && message.contains("MCP has no WebSocket transport"),
        "{message}"
    );
    let (status, stderr, home) = b.finish();
    assert!(status.success());
    assert_eq!(stderr.matches("WebSocket endpoint").count(), 1, "{stderr}");
    assert!(!stderr.contains("http-error"), "{stderr}");
    // The doctor says where to look instead.
    let (report, _) = doctor_of(
        home.path(),
        "ws-only",
        &format!("http://127.0.0.1:{port}/ws"),
    );
    let finding = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["server"] == "ws-only" && f["code"] == "websocket-url")
        .unwrap_or_else(|| panic!("no websocket-url finding: {report}"));
    let fix = finding["fix"].as_str().unwrap_or_default();
    assert!(
        fix.contains("Streamable HTTP URL") && fix.contains("/mcp"),
        "{finding}"
    );
}

#[test]
fn traffic_follow_shows_messages_as_they_pass() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let home = tempfile::tempdir().expect("home");
    // Follow before the server's journal exists: it must be picked up when it appears.
    let mut follow = Command::new(BIN)
        .args(["traffic", "--follow", "--json"])
        .env("MCP_TRAY_HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("traffic --follow");
    let stdout = follow.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (out, _) = drive(
        &p,
        "basic",
        home.path(),
        &[
            &format!("http://127.0.0.1:{port}/mcp"),
            "--name",
            "followed",
        ],
    );
    assert_eq!(out["call"], "5");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut saw_call_reply = false;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(line) = lines.recv_timeout(left) else {
            break;
        };
        let entry: Value = serde_json::from_str(&line).expect("json line");
        if entry["server"] == "followed" && entry["dir"] == "s2c" && entry["method"] == "tools/call"
        {
            saw_call_reply = true;
            break;
        }
    }
    let _ = follow.kill();
    let _ = follow.wait();
    assert!(
        saw_call_reply,
        "traffic --follow never showed the tools/call reply"
    );
}

/// A listener that takes connections and never answers: a server hung before it could reply to
/// anything (no real server does this on purpose, so the fault is made here).
fn black_hole() -> (u16, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().take(64) {
            match conn {
                Ok(c) => held.push(c),
                Err(_) => return,
            }
        }
    });
    (port, holder)
}

#[test]
fn a_server_that_never_answers_initialize_gets_every_request_answered_in_time_and_the_bridge_ends()
{
    let (port, _holder) = black_hole();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--name", "hole", "--timeout", "2"]);
    let started = Instant::now();
    b.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}));
    b.send(&json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}));
    let init = b.reply(&json!(1), Duration::from_secs(10));
    let list = b.reply(&json!(2), Duration::from_secs(10));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "both within the timeout: {:?}",
        started.elapsed()
    );
    for reply in [&init, &list] {
        assert_eq!(reply["error"]["data"]["diagnosis"], "timeout", "{reply}");
    }
    assert!(
        error_message(&list).contains("tools/list was not sent"),
        "{list}"
    );
    // Stdin closed: it ends (each request had its one reply).
    let (status, _, _) = b.finish();
    assert!(status.success(), "{status:?}");
}

#[cfg(unix)]
#[test]
fn a_signal_ends_the_bridge_while_it_waits_for_the_first_answer() {
    let (port, _holder) = black_hole();
    let url = format!("http://127.0.0.1:{port}/mcp");
    // The default timeout (120 s): only the signal can end the wait.
    let mut b = Bridge::start(&[&url, "--name", "hole"]);
    b.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}));
    std::thread::sleep(Duration::from_millis(500));
    let pid = nix::unistd::Pid::from_raw(b.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("signal");
    let deadline = Instant::now() + Duration::from_secs(5);
    while b.child.try_wait().expect("wait").is_none() {
        assert!(
            Instant::now() < deadline,
            "still running 5 s after SIGTERM; stderr:\n{}",
            b.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(unix)]
#[test]
fn a_signal_ends_the_bridge_while_it_waits_for_replies_after_stdin_closed() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let mut b = Bridge::start(&[&url, "--name", "slow"]);
    b.initialize();
    // Not tracked for a reply: the bridge is ended before it comes.
    b.send_raw(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "slow", "arguments": {"seconds": 60}}})
        .to_string()
        .as_bytes(),
    );
    std::thread::sleep(Duration::from_millis(300));
    // As Claude Desktop quits a server: stdin closed, then a signal after a grace.
    drop(b.stdin.take());
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        b.child.try_wait().expect("wait").is_none(),
        "the bridge waits for the call's reply after stdin closed"
    );
    let pid = nix::unistd::Pid::from_raw(b.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("signal");
    let deadline = Instant::now() + Duration::from_secs(5);
    while b.child.try_wait().expect("wait").is_none() {
        assert!(
            Instant::now() < deadline,
            "still running 5 s after SIGTERM; stderr:\n{}",
            b.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------------------------
// The client's answers to the server's requests, in the journal
// ---------------------------------------------------------------------------------------------

/// The journal's lines under an MCP Tray home, parsed.
fn journal_values(home: &Path) -> Vec<Value> {
    read_journals(home)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("journal line ({e}): {l}")))
        .collect()
}

/// Drives the Python SDK's client through sampling, elicitation and roots (the fastmcp scenario)
/// over `transport`, then checks that each of the client's answers to those requests of the
/// server is journaled with the request's method and the time the client took.
fn the_client_s_answers_to_server_requests_are_journaled_paired(transport: &str, path: &str) {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, transport);
    let home = tempfile::tempdir().expect("home");
    let url = format!("http://127.0.0.1:{port}{path}");
    let (out, stderr) = drive(&p, "fastmcp", home.path(), &[&url, "--name", "fm"]);
    assert_eq!(out["ask_llm"], "sampled-reply", "stderr: {stderr}");
    assert_eq!(out["ask_user"], "accept:Ada", "stderr: {stderr}");
    assert_eq!(out["roots"], "file:///tmp/root-a", "stderr: {stderr}");
    let lines = journal_values(home.path());
    let asked: Vec<&Value> = lines
        .iter()
        .filter(|l| l["dir"] == "s2c" && l["kind"] == "request")
        .collect();
    for method in ["sampling/createMessage", "elicitation/create", "roots/list"] {
        let request = asked
            .iter()
            .find(|l| l["method"] == method)
            .unwrap_or_else(|| panic!("no {method} from the server journaled: {lines:#?}"));
        let answer = lines
            .iter()
            .find(|l| l["dir"] == "c2s" && l["kind"] == "response" && l["id"] == request["id"])
            .unwrap_or_else(|| panic!("no answer to {request} journaled"));
        assert_eq!(answer["method"], method, "{answer}");
        assert!(
            answer["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
            "no latency: {answer}"
        );
    }
    // Every answer of the client's here is to a request of the server's: none is left blank.
    for answer in lines
        .iter()
        .filter(|l| l["dir"] == "c2s" && (l["kind"] == "response" || l["kind"] == "error"))
    {
        assert!(answer["method"].is_string(), "unpaired: {answer}");
        assert!(answer["latency_ms"].is_number(), "unpaired: {answer}");
    }
}

#[test]
fn the_client_s_answers_to_server_requests_are_journaled_with_their_method_and_latency() {
    the_client_s_answers_to_server_requests_are_journaled_paired("streamable-http", "/mcp");
}

#[test]
fn the_client_s_answers_to_server_requests_over_legacy_sse_are_journaled_with_their_method() {
    the_client_s_answers_to_server_requests_are_journaled_paired("sse", "/sse");
}

#[test]
fn a_client_s_error_for_a_server_request_is_journaled_with_the_request_s_method() {
    let p = require_peers!();
    let (_server, port) = fastmcp(&p, "streamable-http");
    let mut b = Bridge::start(&[&format!("http://127.0.0.1:{port}/mcp"), "--name", "refuser"]);
    b.request(
        0,
        "initialize",
        json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "raw-test", "version": "1"}
        }),
    );
    b.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    b.send(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "ask_user", "arguments": {}}}));
    let deadline = Instant::now() + Duration::from_secs(20);
    let asked = loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .unwrap_or_else(|| panic!("no elicitation/create; stderr:\n{}", b.stderr()));
        match b.next(left) {
            Some(v) if v["method"] == "elicitation/create" => break v,
            Some(_) => {}
            None => panic!("no elicitation/create; stderr:\n{}", b.stderr()),
        }
    };
    std::thread::sleep(Duration::from_millis(20));
    b.send(&json!({"jsonrpc": "2.0", "id": asked["id"],
        "error": {"code": -32601, "message": "no user here"}}));
    b.reply(&json!(1), Duration::from_secs(20));
    let (status, _, home) = b.finish();
    assert!(status.success());
    let lines = journal_values(home.path());
    let refused = lines
        .iter()
        .find(|l| l["dir"] == "c2s" && l["kind"] == "error" && l["id"] == asked["id"])
        .unwrap_or_else(|| panic!("the client's error not journaled: {lines:#?}"));
    assert_eq!(refused["method"], "elicitation/create", "{refused}");
    assert!(
        refused["latency_ms"].as_f64().is_some_and(|ms| ms >= 20.0),
        "{refused}"
    );
}

// ---------------------------------------------------------------------------------------------
// stderr
// ---------------------------------------------------------------------------------------------

#[test]
fn each_line_the_bridge_says_on_stderr_reaches_the_pipe_in_one_write() {
    // A reader of the pipe (Claude Desktop copies it into its log) gets what each write() put
    // there: a line written in pieces can be read in pieces, and interleave with other lines.
    // Many lines, read as they come: a line in pieces is then all but sure to be seen in pieces.
    let (_held, port) = common::refused_port();
    let home = tempfile::tempdir().expect("home");
    let mut child = Command::new(BIN)
        .arg("bridge")
        .arg(format!("http://127.0.0.1:{port}/mcp"))
        .args(["--name", "said", "--retries", "0"])
        .env("MCP_TRAY_HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mcp-tray bridge");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut chunks = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match err.read(&mut buf) {
                Ok(0) | Err(_) => return chunks,
                Ok(n) => chunks.push(buf[..n].to_vec()),
            }
        }
    });
    let mut stdin = child.stdin.take().expect("stdin");
    let init = json!({"jsonrpc":"2.0","id": 0,"method":"initialize","params":{
        "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}});
    writeln!(stdin, "{init}").expect("write");
    stdin.flush().expect("flush");
    // Each request after the failed initialize is refused at once, with a line on stderr.
    for id in 1..=300 {
        writeln!(
            stdin,
            "{}",
            json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"})
        )
        .expect("write");
        if id % 10 == 0 {
            stdin.flush().expect("flush");
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    drop(stdin);
    let status = child.wait().expect("bridge exits");
    assert!(status.success());
    let chunks = reader.join().expect("reader");
    let said: String = chunks
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    assert!(
        said.matches("error (connection-refused)").count() >= 300,
        "stderr:\n{said}"
    );
    for chunk in &chunks {
        let text = String::from_utf8_lossy(chunk);
        assert!(
            text.ends_with('\n') && text.starts_with("mcp-tray bridge [said]: "),
            "a read of stderr got part of a line ({} reads in all): {text:?}",
            chunks.len()
        );
    }
}
