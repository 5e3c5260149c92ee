//! `mcp-tray probe` end to end against real servers (tests/peers): FastMCP over stdio,
//! server-everything over Streamable HTTP and legacy SSE through the bridge, a config entry, and
//! the failures it must explain.

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{BIN, Peers};
use serde_json::Value;

fn probe(home: &std::path::Path, args: &[&str]) -> (Value, Option<i32>) {
    let out = Command::new(BIN)
        .args(["probe", "--json", "--timeout", "30"])
        .args(args)
        .env("MCP_TRAY_HOME", home)
        .output()
        .expect("run probe");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "probe --json printed {stdout:?}: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out.status.code())
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command(port)` (quiet) on a free port and waits up to `within` until it listens there
/// (see [`common::serve_on_free_port`]): the server and its port.
fn listening(what: &str, within: Duration, command: impl Fn(u16) -> Command) -> (Server, u16) {
    let start = |port| {
        command(port)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {what}: {e}"))
    };
    let (child, port) = common::serve_on_free_port(what, start, within);
    (Server(child), port)
}

fn everything(p: &Peers, mode: &str) -> (Server, u16) {
    listening("server-everything", Duration::from_secs(30), |port| {
        let mut cmd = Command::new(p.node());
        cmd.arg(p.npm_bin("mcp-server-everything"))
            .arg(mode)
            .env("PORT", port.to_string());
        cmd
    })
}

fn tool_names(report: &Value) -> Vec<String> {
    report["tools"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn probe_reports_a_fastmcp_stdio_server_step_by_step() {
    let p = require_peers!();
    let home = tempfile::tempdir().unwrap();
    let py = p.python();
    let script = p.script("fastmcp_server.py");
    let (r, code) = probe(
        home.path(),
        &[
            "--",
            py.to_str().unwrap(),
            script.to_str().unwrap(),
            "stdio",
        ],
    );
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["ok"], true);
    assert_eq!(r["server_name"], "tiny");
    assert!(tool_names(&r).contains(&"add".to_owned()), "{r}");
    let steps: Vec<&str> = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["step"].as_str())
        .collect();
    assert_eq!(steps[..3], ["start", "initialize", "tools/list"]);
    assert!(r["steps"][1]["ms"].as_f64().unwrap() > 0.0);
}

#[test]
fn probe_reaches_server_everything_over_both_http_transports() {
    let p = require_peers!();
    let home = tempfile::tempdir().unwrap();
    for (mode, path, transport) in [
        ("streamableHttp", "mcp", "streamable-http"),
        ("sse", "sse", "sse"),
    ] {
        let (_server, port) = everything(&p, mode);
        let url = format!("http://127.0.0.1:{port}/{path}");
        let (r, code) = probe(home.path(), &["--url", &url]);
        assert_eq!(code, Some(0), "{mode}: {r}");
        assert_eq!(r["transport"], transport, "{r}");
        assert!(tool_names(&r).contains(&"get-sum".to_owned()), "{r}");
        assert!(r["resources"].as_u64().unwrap() > 0, "{r}");
    }
}

#[test]
fn probe_starts_a_config_entry_as_claude_would() {
    let p = require_peers!();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("claude_desktop_config.json");
    let entry = serde_json::json!({"mcpServers": {"tiny": {
        "command": p.python(), "args": [p.script("fastmcp_server.py"), "stdio"], "env": {"X": "1"}}}});
    std::fs::write(&config, entry.to_string()).unwrap();
    let (r, code) = probe(home.path(), &["--config", config.to_str().unwrap(), "tiny"]);
    assert_eq!(code, Some(0), "{r}");
    assert!(r["target"].as_str().unwrap().starts_with("tiny ("), "{r}");
}

/// An entry's server starts where Claude's do (not in the folder the probe is run from): a
/// relative path that happens to resolve from there must not pass the probe while Claude, started
/// from the Dock or a launcher, cannot find it. A command given on probe's own line runs where
/// the probe runs, as a shell's would.
#[test]
fn probe_of_an_entry_with_a_relative_path_fails_as_claude_would_wherever_it_is_run() {
    let p = require_peers!();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("claude_desktop_config.json");
    let entry = serde_json::json!({"mcpServers": {"rel": {
        "command": p.python(), "args": ["fastmcp_server.py", "stdio"]}}});
    std::fs::write(&config, entry.to_string()).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(["probe", "--json", "--timeout", "30"])
            .args(args)
            .current_dir(&p.dir)
            .env("MCP_TRAY_HOME", home.path())
            .output()
            .expect("run probe");
        let r: Value = serde_json::from_slice(&out.stdout).expect("probe JSON");
        (r, out.status.code())
    };
    let (r, code) = run(&["--config", config.to_str().unwrap(), "rel"]);
    assert_eq!(code, Some(4), "{r}");
    assert_eq!(r["diagnosis"]["code"], "exited-early", "{r}");
    let python = p.python();
    let (r, code) = run(&["--", python.to_str().unwrap(), "fastmcp_server.py", "stdio"]);
    assert_eq!(code, Some(0), "{r}");
}

#[test]
fn probe_of_a_tapped_entry_whose_command_is_missing_says_the_tap_s_fix_once_as_the_fix() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("claude_desktop_config.json");
    let entry = serde_json::json!({"mcpServers": {"gone": {
        "command": BIN, "args": ["wrap", "--name", "gone", "--", "mcp-tray-no-such-command-xyz"]}}});
    std::fs::write(&config, entry.to_string()).unwrap();
    let (r, code) = probe(home.path(), &["--config", config.to_str().unwrap(), "gone"]);
    assert_eq!(code, Some(4), "{r}");
    // Named by the server's own command, as `list` shows it, not by MCP Tray's wrap around it.
    assert_eq!(
        r["target"], "gone (mcp-tray-no-such-command-xyz, through MCP Tray's tap)",
        "{r}"
    );
    let d = &r["diagnosis"];
    assert_eq!(d["code"], "command-not-found", "{r}");
    let summary = d["summary"].as_str().unwrap();
    assert!(
        !summary.contains("Fix:"),
        "the fix is not in the summary: {summary}"
    );
    assert!(
        summary.contains("mcp-tray-no-such-command-xyz"),
        "{summary}"
    );
    let fix = d["fix"].as_str().unwrap();
    assert!(
        fix.contains("mcp-tray-no-such-command-xyz"),
        "the tap's own fix: {fix}"
    );
}

#[test]
fn probe_explains_a_missing_command() {
    let home = tempfile::tempdir().unwrap();
    let (r, code) = probe(home.path(), &["--", "mcp-tray-no-such-command-xyz"]);
    assert_eq!(code, Some(4));
    assert_eq!(r["diagnosis"]["code"], "command-not-found", "{r}");
    assert!(r["diagnosis"]["fix"].as_str().is_some());
}

#[test]
fn probe_explains_a_server_that_exits_at_start_with_its_stderr() {
    let home = tempfile::tempdir().unwrap();
    let (r, code) = probe(
        home.path(),
        &[
            "--",
            "sh",
            "-c",
            "echo 'Error: API_KEY is missing' >&2; exit 2",
        ],
    );
    assert_eq!(code, Some(4));
    assert_eq!(r["diagnosis"]["code"], "exited-early", "{r}");
    assert!(
        r["diagnosis"]["detail"]
            .as_str()
            .unwrap()
            .contains("API_KEY is missing"),
        "{r}"
    );
    assert!(
        r["diagnosis"]["summary"]
            .as_str()
            .unwrap()
            .contains("exit code 2"),
        "{r}"
    );
}

/// What `probe ARGS` prints as text (stdout, then stderr).
fn probe_text(home: &std::path::Path, args: &[&str]) -> String {
    let text = Command::new(BIN)
        .args(["probe", "--timeout", "30"])
        .args(args)
        .env("MCP_TRAY_HOME", home)
        .output()
        .expect("run probe");
    format!(
        "{}{}",
        String::from_utf8_lossy(&text.stdout),
        String::from_utf8_lossy(&text.stderr)
    )
}

/// A server that fails often prints the credential it was given: the probe's report (as text
/// and `--json`, the app's Test and `doctor` too) quotes its stderr with the credential masked.
#[test]
fn probe_quotes_a_failing_server_s_stderr_with_its_secrets_masked() {
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let script = format!("echo 'Error: GITHUB_TOKEN={token} is invalid' >&2; exit 3");
    let home = tempfile::tempdir().unwrap();
    let (r, code) = probe(home.path(), &["--", "sh", "-c", &script]);
    assert_eq!(code, Some(4));
    assert_eq!(r["diagnosis"]["code"], "exited-early", "{r}");
    let report = r.to_string();
    assert!(
        report.contains("GITHUB_TOKEN="),
        "the line is quoted: {report}"
    );
    assert!(!report.contains(token), "{report}");
    let shown = probe_text(home.path(), &["--", "sh", "-c", &script]);
    assert!(shown.contains("GITHUB_TOKEN="), "{shown}");
    assert!(!shown.contains(token), "{shown}");
}

/// A value named a secret only by its variable (`MY_TOKEN`), not by its own format: the entry's
/// probe (and `doctor`, the app's Test) masks it wherever the server repeats it, as `traffic` and
/// `logs` do, in the report as text and `--json`, tapped or not.
#[test]
fn probe_of_an_entry_masks_the_credentials_it_is_started_with() {
    let secret = "tok_ABCDEF1234567890";
    let script = "echo \"starting with $MY_TOKEN\" >&2; echo \"$MY_TOKEN is not MCP\"; exit 3";
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("claude_desktop_config.json");
    let entry = |command: serde_json::Value, args: serde_json::Value| serde_json::json!({"command": command, "args": args, "env": {"MY_TOKEN": secret}});
    let doc = serde_json::json!({"mcpServers": {
        "leak": entry("sh".into(), serde_json::json!(["-c", script])),
        "tapped": entry(
            BIN.into(),
            serde_json::json!(["wrap", "--name", "tapped", "--", "sh", "-c", script]),
        ),
    }});
    std::fs::write(&config, doc.to_string()).unwrap();
    for name in ["leak", "tapped"] {
        let (r, code) = probe(home.path(), &["--config", config.to_str().unwrap(), name]);
        assert_eq!(code, Some(4), "{r}");
        let report = r.to_string();
        assert!(
            report.contains("starting with"),
            "the line is quoted: {report}"
        );
        assert!(!report.contains(secret), "{report}");
        let shown = probe_text(home.path(), &["--config", config.to_str().unwrap(), name]);
        assert!(shown.contains("starting with"), "{shown}");
        assert!(!shown.contains(secret), "{name}: {shown}");
    }
}

/// A stdio server that answers everything, its name holding a byte that is not UTF-8 (a fault no
/// real peer produces on purpose).
const NOT_UTF8_SERVER: &str = r#"
import json, sys
out = sys.stdout.buffer
for line in sys.stdin:
    msg = json.loads(line)
    if "id" not in msg:
        continue
    if msg["method"] == "initialize":
        result = {"protocolVersion": msg["params"]["protocolVersion"], "capabilities": {"tools": {}},
                  "serverInfo": {"name": "odd-NAME", "version": "1"}}
    else:
        result = {"tools": []}
    reply = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}).encode()
    out.write(reply.replace(b"NAME", b"\xff") + b"\n")
    out.flush()
"#;

#[test]
fn probe_reads_a_reply_that_is_not_utf8_as_claude_does_instead_of_calling_the_server_dead() {
    let home = tempfile::tempdir().unwrap();
    let (r, code) = probe(home.path(), &["--", "python3", "-c", NOT_UTF8_SERVER]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["server_name"], "odd-\u{fffd}", "{r}");
}

/// A server whose stderr holds bytes that are not UTF-8 (a Windows console's code page, a
/// localized message), then more lines as it works.
const NOT_UTF8_STDERR_SERVER: &str = r#"
import json, sys, time
err = sys.stderr.buffer
err.write(b"d\xe9marrage du serveur\n")
err.flush()
time.sleep(0.3)
for line in sys.stdin:
    msg = json.loads(line)
    err.write(("handling " + msg["method"] + "\n").encode())
    err.flush()
    if "id" not in msg:
        continue
    if msg["method"] == "initialize":
        result = {"protocolVersion": msg["params"]["protocolVersion"], "capabilities": {"tools": {}},
                  "serverInfo": {"name": "latin1", "version": "1"}}
    else:
        result = {"tools": []}
    print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}), flush=True)
"#;

/// The probe reads a server's stderr to its end whatever its bytes: it stopped at the first one
/// not UTF-8, and the server's next line of stderr then met a closed pipe (Python's
/// BrokenPipeError, a shell's SIGPIPE) and killed it: a working server reported dead.
#[test]
fn probe_keeps_reading_a_stderr_that_is_not_utf8_and_the_server_lives() {
    let home = tempfile::tempdir().unwrap();
    let (r, code) = probe(
        home.path(),
        &["--", "python3", "-c", NOT_UTF8_STDERR_SERVER],
    );
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["server_name"], "latin1", "{r}");
}

#[test]
fn probe_explains_a_refused_connection_and_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let (_held, port) = common::refused_port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (r, code) = probe(home.path(), &["--url", &url]);
    assert_eq!(code, Some(4));
    assert_eq!(r["diagnosis"]["code"], "connection-refused", "{r}");
    assert!(
        r["diagnosis"]["fix"]
            .as_str()
            .is_some_and(|f| f.contains("Start the server")),
        "{r}"
    );
    // Someone is waiting: the probed bridge retries once, not the six times it does for Claude.
    let retries = r["stderr_tail"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l.as_str().is_some_and(|l| l.contains("trying once more")))
        .count();
    assert_eq!(retries, 1, "{r}");
}

#[test]
fn probe_of_a_url_the_bridge_would_refuse_says_why_without_starting_it() {
    let home = tempfile::tempdir().unwrap();
    for (url, says, fix) in [
        ("not-a-url", "is not a URL", "Give the server's full URL"),
        (
            "wss://mcp.example.com/mcp",
            "WebSocket",
            "Streamable HTTP URL",
        ),
        ("http://mcp.example.com/mcp", "plain HTTP", "https://"),
    ] {
        let out = Command::new(BIN)
            .args(["probe", "--url", url])
            .env("MCP_TRAY_HOME", home.path())
            .output()
            .expect("run probe");
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{url}: {said}");
        assert!(said.contains(says) && said.contains(fix), "{url}: {said}");
        assert!(!said.contains("exited"), "not the bridge's exit: {said}");
    }
}

#[test]
fn probe_of_an_entry_claude_cannot_load_says_why_and_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        r#"{"mcpServers": {"web": {"command": "sh", "args": ["-c", "exec true"], "env": {"PORT": 8080}}}}"#,
    )
    .unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["probe", "web"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .expect("run probe");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(
            "\"web\" is not an entry Claude can start: the value of \"PORT\" in \"env\" is a number"
        ),
        "{said}"
    );
}

#[test]
fn probe_explains_stdout_garbage() {
    let home = tempfile::tempdir().unwrap();
    let (r, code) = probe(
        home.path(),
        &[
            "--",
            "sh",
            "-c",
            "echo 'Server listening... api_key=sk-live-0123456789abcdef'; sleep 5",
        ],
    );
    assert_eq!(code, Some(4));
    assert_eq!(r["diagnosis"]["code"], "stdout-pollution", "{r}");
    // The line itself, which the user has to find in their server, credentials masked.
    let detail = r["diagnosis"]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("it wrote: Server listening..."), "{r}");
    assert!(!detail.contains("sk-live-0123456789abcdef"), "{r}");
    // A server given by its command is in no config: the fix says how to add it captured, not
    // to tap a server called "probe".
    let fix = r["diagnosis"]["fix"].as_str().unwrap_or_default();
    assert!(fix.contains("`mcp-tray add NAME --capture -- CMD…`"), "{r}");
    assert!(!fix.contains("tap probe"), "{r}");
    assert!(r["diagnosis"]["server"].is_null(), "{r}");
}

/// `tests/peers/refusing_server.py` in one of its modes (403, none, basic), on a free port.
fn refusing(p: &Peers, mode: &str) -> (Server, u16) {
    listening("refusing_server.py", Duration::from_secs(20), |port| {
        let mut cmd = Command::new(p.python());
        cmd.arg(p.script("refusing_server.py"))
            .args([&port.to_string(), mode]);
        cmd
    })
}

/// The paths the refusing server was asked for.
fn asked_for(port: u16) -> Vec<String> {
    common::refusing_server_asked(port)
}

/// `probe --url` of a refusing server in `mode` (with `extra` flags), which must fail with
/// `auth-required`: the server (kept running), its port, the diagnosis's summary and fix.
fn refused_probe(p: &Peers, mode: &str, extra: &[&str]) -> (Server, u16, String, String) {
    let (server, port) = refusing(p, mode);
    let home = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (r, code) = probe(home.path(), &[&["--url", url.as_str()], extra].concat());
    assert_eq!(code, Some(4), "{mode}: {r}");
    let d = &r["diagnosis"];
    assert_eq!(d["code"], "auth-required", "{mode}: {r}");
    let text = |key: &str| d[key].as_str().expect(key).to_owned();
    (server, port, text("summary"), text("fix"))
}

#[test]
fn probe_shows_a_403_to_a_request_without_a_token_in_the_servers_words_without_sign_in_advice() {
    let p = require_peers!();
    let (_server, _, summary, fix) = refused_probe(&p, "403", &[]);
    // The server's own reason, its first line only; nothing about a sign-in that never happened.
    assert!(
        summary.contains("server refused access (HTTP 403): forbidden: your IP is blocked"),
        "{summary}"
    );
    assert!(!summary.contains("second line"), "{summary}");
    assert!(!summary.contains("signed in"), "{summary}");
    assert!(!fix.to_lowercase().contains("sign in"), "{fix}");
}

#[test]
fn probe_of_a_server_that_wants_an_api_key_or_a_password_says_to_pass_it_as_a_header() {
    let p = require_peers!();
    for mode in ["none", "basic"] {
        let (_server, port, summary, fix) = refused_probe(&p, mode, &[]);
        assert!(
            summary.contains("needs credentials it offers no sign-in for (HTTP 401)"),
            "{mode}: {summary}"
        );
        assert!(
            summary.contains("API key required: pass X-API-Key"),
            "{mode}: {summary}"
        );
        assert!(
            summary.contains("--header 'Name: value'"),
            "{mode}: {summary}"
        );
        assert!(!summary.contains("register"), "{mode}: {summary}");
        assert!(!summary.contains("auth login"), "{mode}: {summary}");
        assert!(fix.contains("--header"), "{mode}: {fix}");
        // No sign-in was tried: nothing registered, and a `Basic` challenge is not even looked
        // up (only a server without any challenge has its OAuth metadata looked for).
        let asked = asked_for(port);
        assert!(
            !asked.iter().any(|a| a.contains("/register")),
            "{mode}: {asked:?}"
        );
        if mode == "basic" {
            assert!(
                asked.iter().all(|a| a.contains(" /mcp")),
                "{mode}: {asked:?}"
            );
        }
    }
}

#[test]
fn probe_of_a_bearer_server_without_any_sign_in_says_to_pass_a_token() {
    let p = require_peers!();
    let (_server, port, summary, fix) = refused_probe(&p, "bearer", &[]);
    assert!(
        summary.contains(&format!(
            "remote server at http://127.0.0.1:{port}/mcp asks for a token but offers no sign-in MCP Tray can use (HTTP 401): token required: ask the admin for one; pass a token with --header 'Authorization: Bearer …'"
        )),
        "{summary}"
    );
    assert!(!summary.contains("regist"), "{summary}");
    assert!(
        fix.contains("--header 'Authorization: Bearer TOKEN'"),
        "{fix}"
    );
    assert!(!fix.to_lowercase().contains("sign in"), "{fix}");
    let asked = asked_for(port);
    assert!(!asked.iter().any(|a| a.contains("/register")), "{asked:?}");
}

#[test]
fn probe_with_a_refused_authorization_header_says_so_and_not_to_add_one() {
    let p = require_peers!();
    let header = ["--header", "Authorization: Bearer old-4716"];
    let (_server, _, summary, fix) = refused_probe(&p, "bearer", &header);
    assert!(
        summary.contains("refused the credentials given with --header (HTTP 401)"),
        "{summary}"
    );
    assert!(!summary.contains("pass a token"), "{summary}");
    assert!(!summary.contains("old-4716"), "{summary}");
    assert!(
        fix.starts_with("Replace the credentials given with --header"),
        "{fix}"
    );
    // This server offers no sign-in: leaving the header out would not help.
    assert!(!fix.contains("sign"), "{fix}");
}

#[test]
fn probe_with_a_refused_api_key_header_gets_advice_about_that_header() {
    let p = require_peers!();
    let header = ["--header", "X-API-Key: wrong-4716"];
    let (_server, _, summary, fix) = refused_probe(&p, "none", &header);
    assert!(
        summary.contains("refused the credentials given with --header (HTTP 401)"),
        "{summary}"
    );
    assert_eq!(
        fix,
        "Replace the credentials given with --header with valid ones."
    );
    // A server whose challenge asks for a token: the advice is the token, not a sign-in.
    let (_server, _, _, fix) = refused_probe(&p, "bearer", &header);
    assert!(
        fix.contains("pass it with --header 'Authorization: Bearer TOKEN'"),
        "{fix}"
    );
    assert!(!fix.contains("sign"), "{fix}");
}

#[test]
fn probe_url_trusts_a_private_ca_given_with_ca_cert() {
    let p = require_peers!();
    let server = common::fastmcp_over_tls(&p, true);
    let url = server.url.clone();
    let home = tempfile::tempdir().unwrap();
    // Without it: the TLS failure, whose fix names --ca-cert…
    let (r, code) = probe(home.path(), &["--url", &url]);
    assert_eq!(code, Some(4), "{r}");
    assert_eq!(r["diagnosis"]["code"], "tls-error", "{r}");
    assert!(
        r["diagnosis"]["fix"]
            .as_str()
            .is_some_and(|f| f.contains("--ca-cert")),
        "{r}"
    );
    // …which probe takes, by a path relative to where it runs.
    let out = Command::new(BIN)
        .args(["probe", "--json", "--timeout", "30", "--url", &url])
        .args(["--ca-cert", "cert.pem"])
        .current_dir(server.dir.path())
        .env("MCP_TRAY_HOME", home.path())
        .output()
        .expect("run probe");
    let r: Value = serde_json::from_slice(&out.stdout).expect("probe JSON");
    assert_eq!(out.status.code(), Some(0), "{r}");
    assert!(tool_names(&r).contains(&"add".to_owned()), "{r}");
    // A file that is no certificate is said before any bridge starts.
    let junk = server.dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let out = Command::new(BIN)
        .args(["probe", "--url", &url, "--ca-cert"])
        .arg(&junk)
        .env("MCP_TRAY_HOME", home.path())
        .output()
        .expect("run probe");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("holds no certificate"), "{said}");
}

#[test]
fn probe_of_a_url_given_as_a_name_probes_that_url() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    // A server really named like a URL is still that server (its probe fails: exit 4).
    std::fs::write(
        &config,
        r#"{"mcpServers": {"http://named.example": {"command": "sh", "args": ["-c", "exit 3"]}}}"#,
    )
    .unwrap();
    let run = |target: &str| {
        Command::new(BIN)
            .arg("--config")
            .arg(&config)
            .args(["probe", target])
            .env("MCP_TRAY_HOME", dir.path().join("home"))
            .output()
            .expect("run probe")
    };
    // Probed as with --url: nothing listens on port 9 here.
    let out = run("http://127.0.0.1:9/mcp");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(4), "{stdout}\n{stderr}");
    assert!(stderr.starts_with("probing "), "{stderr}");
    assert!(stdout.contains("[connection-refused]"), "{stdout}");
    // A WebSocket URL is told what `--url` would tell of it.
    let out = run("ws://mcp.example.com/mcp");
    assert_eq!(out.status.code(), Some(1));
    let explained = "mcp-tray: ws://mcp.example.com/mcp is a WebSocket URL, but MCP has no WebSocket transport\n\
                     MCP servers are reached over Streamable HTTP (usually a URL ending in /mcp) or the older HTTP+SSE (ending in /sse).\n\
                     fix: Look in the server's documentation for its Streamable HTTP URL (https://…/mcp) and use that instead\n";
    assert_eq!(String::from_utf8_lossy(&out.stderr), explained);
    let with_url = Command::new(BIN)
        .args(["probe", "--url", "ws://mcp.example.com/mcp"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .expect("run probe");
    assert_eq!(with_url.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&with_url.stderr), explained);

    let out = run("http://named.example");
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("[exited-early]"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn probe_of_an_entry_in_a_config_with_a_byte_order_mark_warns_and_probes_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        "\u{feff}{\"mcpServers\": {\"quits\": {\"command\": \"sh\", \"args\": [\"-c\", \"exit 3\"]}}}",
    )
    .unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["probe", "quits"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .expect("run probe");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{said}");
    assert!(
        said.starts_with(&format!(
            "warning: {} starts with a UTF-8 byte-order mark (BOM), which Claude Desktop cannot read: it starts no server from this file. `mcp-tray doctor --fix` removes the mark (or edit it with --keep-bom)\nprobing quits",
            config.display()
        )),
        "{said}"
    );
}

/// `tests/peers/websocket_server.py`, a WebSocket-only endpoint, on a free port.
fn websocket_only(p: &Peers) -> (Server, u16) {
    listening("websocket_server.py", Duration::from_secs(20), |port| {
        let mut cmd = Command::new(p.python());
        cmd.arg(p.script("websocket_server.py"))
            .arg(port.to_string());
        cmd
    })
}

#[test]
fn probe_of_an_http_url_of_a_websocket_endpoint_says_mcp_has_no_websocket_transport() {
    let p = require_peers!();
    let (_server, port) = websocket_only(&p);
    let home = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/ws");
    let (r, code) = probe(home.path(), &["--url", &url]);
    assert_eq!(code, Some(4), "{r}");
    let d = &r["diagnosis"];
    assert_eq!(d["code"], "websocket-url", "{r}");
    let summary = d["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("is a WebSocket endpoint") && summary.contains("no WebSocket transport"),
        "{r}"
    );
    let fix = d["fix"].as_str().unwrap_or_default();
    assert!(
        fix.contains("Streamable HTTP URL") && fix.contains("/mcp"),
        "{r}"
    );
}

#[test]
fn a_remote_probe_that_times_out_says_the_server_did_not_answer_not_that_packages_download() {
    // A listener that takes the connection and never answers: a hung remote server.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _holder = std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(8).collect();
        std::thread::sleep(Duration::from_secs(30));
        drop(held);
    });
    let home = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let out = Command::new(BIN)
        .args(["probe", "--json", "--timeout", "2", "--url", &url])
        .env("MCP_TRAY_HOME", home.path())
        .output()
        .expect("run probe");
    let r: Value = serde_json::from_slice(&out.stdout).expect("probe --json");
    assert_eq!(out.status.code(), Some(4), "{r}");
    let d = &r["diagnosis"];
    assert_eq!(d["code"], "timeout", "{r}");
    let fix = d["fix"].as_str().unwrap_or_default();
    assert!(!fix.contains("npx") && !fix.contains("download"), "{r}");
    assert!(fix.contains("did not answer within 2 s"), "{r}");
    assert!(fix.contains("--timeout"), "{r}");
}

// A stand-in `npx` shell script, and `sleep`.
#[cfg(unix)]
#[test]
fn a_local_probe_that_times_out_speaks_of_downloads_only_for_a_package_runner() {
    let home = tempfile::tempdir().unwrap();
    let timed_out = |command: &[&str]| {
        let out = Command::new(BIN)
            .args(["probe", "--json", "--timeout", "1", "--"])
            .args(command)
            .env("MCP_TRAY_HOME", home.path())
            .output()
            .expect("run probe");
        let r: Value = serde_json::from_slice(&out.stdout).expect("probe --json");
        assert_eq!(r["diagnosis"]["code"], "timeout", "{r}");
        r["diagnosis"]["fix"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    // A command that just waits: no package to download, so no such advice.
    let fix = timed_out(&["sleep", "30"]);
    assert!(!fix.contains("download"), "{fix}");
    assert!(fix.contains("run its command in a terminal"), "{fix}");
    // A package runner may be downloading its server (a stand-in named npx that waits).
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let npx = bin.join("npx");
    std::fs::write(&npx, "#!/bin/sh\nexec sleep 30\n").unwrap();
    let mut perms = std::fs::metadata(&npx).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&npx, perms).unwrap();
    let fix = timed_out(&[npx.to_str().unwrap(), "-y", "some-server"]);
    assert!(fix.contains("may download packages"), "{fix}");
}

/// A server given by its command is in no config: it is named by its command line alone (its
/// credentials masked), on the terminal and in `--json`, never by a placeholder name.
#[cfg(unix)]
#[test]
fn a_probe_of_a_command_names_it_by_its_command_line() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "probe",
            "--",
            "sh",
            "-c",
            "exit 2",
            "--api-key",
            "sk-live-0123456789abcdef",
        ])
        .env("MCP_TRAY_HOME", home.path())
        .output()
        .expect("run probe");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{said}");
    assert_eq!(
        said.lines().next(),
        Some("probing sh -c \"exit 2\" --api-key •••••• …"),
        "{said}"
    );
    let (r, _) = probe(home.path(), &["--", "sh", "-c", "exit 2"]);
    assert_eq!(r["target"], "sh -c \"exit 2\"", "{r}");
}

/// A tapped server that ignores SIGTERM and never answers: the probe's timeout stops the tap
/// gently enough that the tap's own shutdown ends its server (which runs in a group of its own,
/// and which a SIGKILLed tap would leave running, orphaned).
#[cfg(target_os = "linux")]
#[test]
fn a_probe_that_times_out_on_a_tapped_server_leaves_nothing_running() {
    let home = tempfile::tempdir().expect("home");
    let pid_file = home.path().join("server.pid");
    let script = format!(
        "trap '' TERM; echo $$ > '{}'; exec sleep 300",
        pid_file.display()
    );
    let out = Command::new(BIN)
        .args(["probe", "--json", "--timeout", "1", "--"])
        .args([BIN, "wrap", "--name", "stubborn", "--", "sh", "-c", &script])
        .env("MCP_TRAY_HOME", home.path())
        .output()
        .expect("run probe");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["diagnosis"]["code"], "timeout", "{report}");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .expect("the server started")
        .trim()
        .parse()
        .expect("a pid");
    let alive = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| !stat.contains(") Z "))
    };
    // The tap may finish its server just after the probe returns.
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while alive() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if alive() {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        panic!("the tapped server {pid} outlived the probe");
    }
}

/// A plain web server (Python's `http.server`, a real one) at the URL: the probe says it is not
/// an MCP endpoint, not only that it answered an HTTP error.
#[test]
fn probe_of_a_plain_web_server_says_it_is_not_an_mcp_endpoint() {
    let home = tempfile::tempdir().unwrap();
    let site = tempfile::tempdir().unwrap();
    let (_server, port) = listening("http.server", Duration::from_secs(20), |port| {
        let mut cmd = Command::new("python3");
        cmd.args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
        ])
        .current_dir(site.path());
        cmd
    });
    let (r, code) = probe(
        home.path(),
        &["--url", &format!("http://127.0.0.1:{port}/mcp")],
    );
    assert_eq!(code, Some(4), "{r}");
    let summary = r["diagnosis"]["summary"].as_str().unwrap_or_default();
    assert!(
        summary.contains("a web server that does not take MCP's requests, not an MCP endpoint"),
        "{r}"
    );
}

/// An https:// URL to a server that answers in plain HTTP (FastMCP over http): the TLS handshake
/// meets an HTTP answer. That is a TLS problem whose fix is the http:// URL, not a server to start.
#[test]
fn probe_of_https_to_a_plain_http_server_says_to_use_http() {
    let p = require_peers!();
    let home = tempfile::tempdir().unwrap();
    let (_server, port) = listening("fastmcp_server.py", Duration::from_secs(30), |port| {
        let mut cmd = Command::new(p.python());
        cmd.arg(p.script("fastmcp_server.py"))
            .args(["streamable-http", &port.to_string()]);
        cmd
    });
    let (r, code) = probe(
        home.path(),
        &["--url", &format!("https://127.0.0.1:{port}/mcp")],
    );
    assert_eq!(code, Some(4), "{r}");
    assert_eq!(r["diagnosis"]["code"], "tls-error", "{r}");
    let summary = r["diagnosis"]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("did not answer in TLS"), "{r}");
    let fix = r["diagnosis"]["fix"].as_str().unwrap_or_default();
    assert!(fix.contains("http://"), "{r}");
    assert!(!fix.contains("Start the server"), "{r}");
}

/// A redirect loop (tests/peers/garbage_server.py's /loop/a ↔ /loop/b): no address to move to,
/// so the fix is about the URL or the server, not "use the address it redirects to".
#[test]
fn probe_of_a_redirect_loop_gives_advice_for_a_loop() {
    let p = require_peers!();
    let home = tempfile::tempdir().unwrap();
    let (_server, port) = listening("garbage_server.py", Duration::from_secs(20), |port| {
        let mut cmd = Command::new(p.python());
        cmd.arg(p.script("garbage_server.py")).arg(port.to_string());
        cmd
    });
    let (r, code) = probe(
        home.path(),
        &["--url", &format!("http://127.0.0.1:{port}/loop/a")],
    );
    assert_eq!(code, Some(4), "{r}");
    assert_eq!(r["diagnosis"]["code"], "redirected", "{r}");
    let summary = r["diagnosis"]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("redirects in a loop"), "{r}");
    let fix = r["diagnosis"]["fix"].as_str().unwrap_or_default();
    assert!(!fix.contains("the address the server redirects to"), "{r}");
    assert!(fix.contains("trailing slash"), "{r}");
}

/// Ctrl-C during a probe stops the server it started, and that server's children, even one that
/// ignores SIGTERM and the end of its input: the server runs in a process group of its own, which
/// the terminal's Ctrl-C does not reach, and the probe used to die at once, leaving it running.
#[test]
#[cfg(target_os = "linux")] // /proc tells a process from a zombie
fn ctrl_c_during_a_probe_stops_the_server_and_its_children() {
    let p = require_peers!();
    let home = tempfile::tempdir().unwrap();
    let pidfile = home.path().join("pids");
    // Never answers initialize, ignores SIGTERM and its input's end, and has a child that ignores
    // SIGTERM too: the probe waits its timeout out.
    let probe = Command::new(BIN)
        .args(["probe", "--json", "--timeout", "60", "--"])
        .arg(p.python())
        .args(["-c", common::HUNG_SERVER])
        .arg(&pidfile)
        .env("MCP_TRAY_HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start probe");
    let pids = common::pids_written(&pidfile, 2);
    let status = Command::new("kill")
        .args(["-INT", &probe.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = probe.wait_with_output().expect("probe exits");
    let left = common::left_running(&pids);
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("probe stopped"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        left.is_empty(),
        "still running after Ctrl-C: {left:?} of {pids:?}"
    );
}
