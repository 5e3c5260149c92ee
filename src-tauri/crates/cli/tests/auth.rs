//! Sign-in (OAuth) through the bridge, end to end.
//!
//! The conformance suite's client auth scenarios run with the real bridge in the loop, driven by
//! the Python SDK's stdio client (`tests/peers/auth_driver.py`). The faults its servers cannot
//! produce (short-lived, revoked and unrefreshable tokens, a denied or slow consent, a taken
//! callback port) use `tests/peers/auth_server.py`: a real FastMCP resource server whose tokens
//! come from a small local authorization server.

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, Peers};
use serde_json::Value;

/// Every stable client auth scenario of the conformance suite (`list --client`, 2025-03-26 …
/// 2025-11-25; drafts and extensions left out).
const STABLE_AUTH_SCENARIOS: &[&str] = &[
    "auth/metadata-default",
    "auth/metadata-var1",
    "auth/metadata-var2",
    "auth/metadata-var3",
    "auth/basic-cimd",
    "auth/scope-from-www-authenticate",
    "auth/scope-from-scopes-supported",
    "auth/scope-omitted-when-undefined",
    "auth/scope-step-up",
    "auth/scope-retry-limit",
    "auth/token-endpoint-auth-basic",
    "auth/token-endpoint-auth-post",
    "auth/token-endpoint-auth-none",
    "auth/pre-registration",
    "auth/2025-03-26-oauth-metadata-backcompat",
    "auth/2025-03-26-oauth-endpoint-fallback",
];

/// The conformance suite's newer client auth scenarios: the draft revision's, and the client
/// credentials extension (SEP-1046) with `client_secret_basic`, which auth_driver.py runs with
/// `--oauth-flow client-credentials` as a machine's entry would be written.
const NEWER_AUTH_SCENARIOS: &[&str] = &[
    "auth/resource-mismatch",
    "auth/offline-access-scope",
    "auth/offline-access-not-supported",
    "auth/client-credentials-basic",
];

#[test]
fn every_stable_conformance_auth_scenario_passes_with_the_bridge_in_the_loop() {
    let p = require_peers!();
    let failed = failed_auth_scenarios(&p, STABLE_AUTH_SCENARIOS);
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn the_draft_auth_scenarios_and_client_credentials_pass_with_the_bridge_in_the_loop() {
    let p = require_peers!();
    let failed = failed_auth_scenarios(&p, NEWER_AUTH_SCENARIOS);
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// Runs each scenario with the bridge as the client; the reports of those that failed.
fn failed_auth_scenarios(p: &Peers, scenarios: &[&str]) -> Vec<String> {
    let command = format!(
        "{} {} -- {BIN} bridge --oauth-flow headless --oauth-client-metadata-url https://conformance-test.local/client-metadata.json",
        p.python().display(),
        p.script("auth_driver.py").display()
    );
    let mut failed = Vec::new();
    for scenario in scenarios {
        // A fresh data dir per scenario: no sign-in carries over.
        let home = tempfile::tempdir().expect("home");
        let out = Command::new(p.node())
            .arg(
                p.dir
                    .join("node_modules/@modelcontextprotocol/conformance/dist/index.js"),
            )
            .args(["client", "--command", &command, "--scenario", scenario])
            .arg("-o")
            .arg(home.path().join("results"))
            .env("MCP_TRAY_HOME", home.path())
            // Never the developer's own keyring: the Secret Service tests use a private one.
            .env("MCP_TRAY_TOKEN_STORE", "file")
            .env("NO_COLOR", "1")
            .output()
            .expect("run the conformance suite");
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let passed = out.status.success()
            && report.contains("OVERALL: PASSED")
            && !report.contains("FAILURE");
        eprintln!("{scenario}: {}", if passed { "passed" } else { "FAILED" });
        if !passed {
            failed.push(format!("--- {scenario} ({}):\n{report}", out.status));
        }
    }
    failed
}

// ---------------------------------------------------------------------------------------------
// Faults, with a FastMCP resource server and a local authorization server (auth_server.py)
// ---------------------------------------------------------------------------------------------

struct Protected {
    child: Child,
    as_port: u16,
    url: String,
}

impl Drop for Protected {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Protected {
    /// Started on two free ports, once it listens on both (see [`common::serve_on_free_ports`]:
    /// started again on others when a test running beside this one took one of them first).
    fn start(p: &Peers, flags: &[&str]) -> Protected {
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
        let (child, [as_port, mcp_port]) =
            common::serve_on_free_ports("auth_server.py", start, Duration::from_secs(20));
        Protected {
            child,
            as_port,
            url: format!("http://127.0.0.1:{mcp_port}/mcp"),
        }
    }

    /// Both servers over https with a self-signed certificate for 127.0.0.1 (a private CA's):
    /// the server, and the folder holding `cert.pem`. Its control requests ([`Protected::stats`])
    /// are plain HTTP, so not for this one.
    fn start_tls(p: &Peers, flags: &[&str]) -> (Protected, tempfile::TempDir) {
        let (dir, cert, key) = common::self_signed(true);
        let (cert, key) = (cert.to_string_lossy(), key.to_string_lossy());
        let mut server = Protected::start(p, &[flags, &["--tls", &cert, &key]].concat());
        server.url = server.url.replacen("http://", "https://", 1);
        (server, dir)
    }

    fn http(&self, method: &str, path: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.as_port)).expect("connect");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut text = String::new();
        s.read_to_string(&mut text).expect("read");
        text.split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default()
    }

    fn stats(&self) -> Value {
        serde_json::from_str(&self.http("GET", "/stats")).expect("stats JSON")
    }

    fn revoke(&self) {
        self.http("POST", "/revoke");
    }
}

fn count(stats: &Value, key: &str) -> u64 {
    stats[key].as_u64().unwrap_or(0)
}

/// Runs the Python SDK client through `mcp-tray bridge URL --name prot --oauth-flow …`.
fn drive(p: &Peers, home: &Path, url: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(p.python());
    cmd.arg(p.script("driver.py"))
        .args(["basic", "--", BIN, "bridge", url, "--name", "prot"])
        .args(extra)
        .env("MCP_TRAY_HOME", home)
        .env("MCP_TRAY_TOKEN_STORE", "file");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run driver.py")
}

fn ok_call(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "driver failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("driver JSON");
    assert_eq!(v["call"], "5", "{v}");
    v
}

/// One bridge run that signs in headless (or uses the stored sign-in) and calls the tool.
fn headless_call(p: &Peers, home: &Path, url: &str) -> Value {
    ok_call(&drive(p, home, url, &["--oauth-flow", "headless"], &[]))
}

/// The `$BROWSER` that approves at once: auth_browser.py.
fn browser_command(p: &Peers) -> String {
    format!(
        "{} {}",
        p.python().display(),
        p.script("auth_browser.py").display()
    )
}

#[test]
fn a_protected_legacy_sse_server_signs_in_too() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--transport", "sse"]);
    let home = tempfile::tempdir().expect("home");
    let url = server.url.replace("/mcp", "/sse");
    for transport in ["auto", "sse"] {
        ok_call(&drive(
            &p,
            home.path(),
            &url,
            &["--oauth-flow", "headless", "--transport", transport],
            &[],
        ));
    }
    assert_eq!(
        count(&server.stats(), "authorize"),
        1,
        "the second run reuses the sign-in"
    );
}

/// A legacy SSE stream lost while no request waits, with its sign-in no longer good (the tokens
/// revoked, no refresh): the bridge reopens it in the background without starting a browser
/// sign-in nobody asked for (a browser opening by itself, at night), and signs in when the
/// client's next request needs the stream; that request waits for the sign-in, longer than it
/// waits for a stream coming back by itself (a person takes a while to consent: 8 s here).
#[test]
fn a_lost_legacy_stream_is_reopened_without_a_sign_in_nobody_asked_for() {
    let p = require_peers!();
    let server = Protected::start(
        &p,
        &[
            "--transport",
            "sse",
            "--refresh",
            "invalid_grant",
            "--authorize-delay",
            "8",
        ],
    );
    let home = tempfile::tempdir().expect("home");
    let url = server.url.replace("/mcp", "/sse");
    let browser = browser_command(&p);
    let env = [("BROWSER", browser.as_str())];
    let flags = ["--oauth-flow", "browser", "--transport", "sse"];
    // Signed in by an earlier run (a bridge that just signed in would not sign in again soon).
    ok_call(&drive(&p, home.path(), &url, &flags, &env));
    let mut bridge = OpenBridge::start(&url, home.path(), &flags, &env);
    let init = bridge.initialize(1);
    assert!(init["result"].is_object(), "{init}");
    writeln!(
        bridge.stdin,
        r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#
    )
    .expect("write");
    let add = serde_json::json!({"name": "add", "arguments": {"a": 2, "b": 3}});
    let call = bridge.request(2, "tools/call", add.clone());
    assert_eq!(call["result"]["content"][0]["text"], "5", "{call}");
    assert_eq!(count(&server.stats(), "authorize"), 1);

    server.revoke();
    let opened = count(&server.stats(), "streams");
    server.http("POST", "/cut");
    // The bridge tries to reopen the stream meanwhile, again and again.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while count(&server.stats(), "streams") < opened + 3 {
        assert!(std::time::Instant::now() < deadline, "{}", server.stats());
        std::thread::sleep(Duration::from_millis(100));
    }
    let stats = server.stats();
    assert_eq!(
        count(&stats, "authorize"),
        1,
        "a sign-in nobody asked for: {stats}"
    );

    // The client's next request needs the stream: a sign-in is in order now.
    let call = bridge.request(3, "tools/call", add);
    assert_eq!(call["result"]["content"][0]["text"], "5", "{call}");
    assert_eq!(count(&server.stats(), "authorize"), 2);
}

#[test]
fn over_legacy_sse_too_a_token_about_to_expire_is_refreshed_before_it_is_used() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--transport", "sse", "--expires-in", "3600"]);
    let home = tempfile::tempdir().expect("home");
    let url = server.url.replace("/mcp", "/sse");
    let flags = ["--oauth-flow", "headless", "--transport", "sse"];
    ok_call(&drive(&p, home.path(), &url, &flags, &[]));
    // The stored hour-long token now has 30 s left (< the minute's margin): the next bridge
    // refreshes before it opens the stream, not after a 401.
    time_passes_until_expiry_in(home.path(), 30);
    ok_call(&drive(&p, home.path(), &url, &flags, &[]));
    let stats = server.stats();
    assert_eq!(count(&stats, "authorize"), 1, "{stats}");
    assert!(count(&stats, "token_refresh") >= 1, "{stats}");
}

#[test]
fn a_token_about_to_expire_is_refreshed_before_it_is_used() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--expires-in", "3600"]);
    let home = tempfile::tempdir().expect("home");
    headless_call(&p, home.path(), &server.url);
    // A second bridge with an hour left uses the token as it is.
    headless_call(&p, home.path(), &server.url);
    assert_eq!(count(&server.stats(), "token_refresh"), 0);
    // With 30 s left (< the minute's margin), the next bridge refreshes first.
    time_passes_until_expiry_in(home.path(), 30);
    headless_call(&p, home.path(), &server.url);
    let stats = server.stats();
    assert_eq!(count(&stats, "authorize"), 1, "{stats}");
    assert!(count(&stats, "token_refresh") >= 1, "{stats}");
}

#[test]
fn a_short_lived_token_is_not_refreshed_before_every_request() {
    let p = require_peers!();
    // 30-second tokens: all of their life is inside the minute's margin. They are refreshed in
    // their last quarter, not on every use.
    let server = Protected::start(&p, &["--expires-in", "30"]);
    let home = tempfile::tempdir().expect("home");
    for _ in 0..2 {
        headless_call(&p, home.path(), &server.url);
    }
    let stats = server.stats();
    assert_eq!(count(&stats, "authorize"), 1, "{stats}");
    assert_eq!(count(&stats, "token_refresh"), 0, "{stats}");
}

/// Moves every sign-in stored under `home` forward in time: its token now expires in `secs`.
fn time_passes_until_expiry_in(home: &Path, secs: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let mut moved = 0;
    for entry in std::fs::read_dir(home.join("auth")).expect("the auth folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let mut record: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("record JSON");
        if record.get("expires_at").is_some_and(|v| !v.is_null()) {
            record["expires_at"] = (now + secs).into();
            std::fs::write(&path, serde_json::to_vec(&record).expect("JSON")).expect("write");
            moved += 1;
        }
    }
    assert!(
        moved > 0,
        "no stored sign-in with an expiry under {}",
        home.display()
    );
}

#[test]
fn a_revoked_token_is_refreshed_after_the_401_and_no_token_is_ever_shown() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    let first = drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "headless"],
        &[],
    );
    ok_call(&first);
    server.revoke();
    let second = drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "headless"],
        &[],
    );
    ok_call(&second);
    let stats = server.stats();
    assert_eq!(count(&stats, "authorize"), 1, "no second sign-in: {stats}");
    assert_eq!(count(&stats, "token_refresh"), 1, "{stats}");

    // Tokens never reach the journal, the bridge's stderr, or `traffic --json`.
    let traffic = Command::new(BIN)
        .args(["traffic", "prot", "--json", "-n", "0"])
        .env("MCP_TRAY_HOME", home.path())
        .output()
        .expect("traffic");
    assert!(traffic.status.success());
    let mut seen = String::new();
    for out in [&first, &second, &traffic] {
        seen.push_str(&String::from_utf8_lossy(&out.stdout));
        seen.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    for entry in std::fs::read_dir(home.path().join("journal")).expect("journal dir") {
        let path = entry.expect("entry").path();
        seen.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
    }
    assert!(seen.contains("tools/call"), "the journal was read");
    // Sign-in events are journaled (without secrets), so the app and `logs` can show them.
    assert!(seen.contains("\"code\":\"signed-in\""), "sign-in journaled");
    assert!(
        seen.contains("\"code\":\"token-refreshed\""),
        "refresh journaled"
    );
    let issued = stats["issued"].as_array().expect("issued tokens");
    assert!(issued.len() >= 4);
    for token in issued {
        let token = token.as_str().expect("token");
        assert!(!seen.contains(token), "a token leaked: {token}");
    }
    assert!(!seen.contains("Bearer "), "an Authorization header leaked");
}

#[test]
fn a_client_credentials_token_is_fetched_again_when_refused_and_no_person_is_asked() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--cc-client", "m2m:s3cret-cc"]);
    let home = tempfile::tempdir().expect("home");
    let flags = [
        "--oauth-flow",
        "client-credentials",
        "--oauth-client-id",
        "m2m",
        "--oauth-client-secret",
        "${M2M_SECRET}",
    ];
    let env = [("M2M_SECRET", "s3cret-cc")];
    let first = drive(&p, home.path(), &server.url, &flags, &env);
    ok_call(&first);
    server.revoke();
    let second = drive(&p, home.path(), &server.url, &flags, &env);
    ok_call(&second);
    let stats = server.stats();
    assert_eq!(
        count(&stats, "token_cc"),
        2,
        "a token, then another: {stats}"
    );
    assert_eq!(count(&stats, "authorize"), 0, "no browser sign-in: {stats}");
    assert_eq!(count(&stats, "register"), 0, "{stats}");
    let mut seen = String::new();
    for out in [&first, &second] {
        seen.push_str(&String::from_utf8_lossy(&out.stdout));
        seen.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    for entry in std::fs::read_dir(home.path().join("journal")).expect("journal dir") {
        seen.push_str(&std::fs::read_to_string(entry.expect("entry").path()).unwrap_or_default());
    }
    assert!(!seen.contains("s3cret-cc"), "the client secret was shown");
    assert!(!seen.contains("at-SECRET"), "a token was shown");

    // A wrong secret is the authorization server's refusal, said as such.
    let wrong = drive(
        &p,
        tempfile::tempdir().expect("home").path(),
        &server.url,
        &flags,
        &[("M2M_SECRET", "wrong")],
    );
    let said = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        said.contains("refused client m2m and its secret (invalid_client)"),
        "{said}"
    );
    assert!(
        !said.contains("auth login"),
        "no sign-in can mend it: {said}"
    );
}

#[test]
fn a_refused_refresh_token_leads_to_a_new_sign_in() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--refresh", "invalid_grant"]);
    let home = tempfile::tempdir().expect("home");
    ok_call(&drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "headless"],
        &[],
    ));
    server.revoke();
    let again = drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "headless"],
        &[],
    );
    ok_call(&again);
    let stats = server.stats();
    assert_eq!(count(&stats, "refused_refresh"), 1, "{stats}");
    assert_eq!(count(&stats, "authorize"), 2, "{stats}");
    // The refusal is said before the sign-in it leads to (the journal showed only the sign-in).
    let said = String::from_utf8_lossy(&again.stderr);
    let refused = said
        .find("the access token could not be refreshed: the authorization server refused the grant (invalid_grant)")
        .unwrap_or_else(|| panic!("{said}"));
    assert!(said[refused..].contains("signed in (client"), "{said}");
}

#[test]
fn a_server_that_refuses_fresh_tokens_gets_no_sign_in_loop() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--reject-all", "--refresh", "invalid_grant"]);
    let home = tempfile::tempdir().expect("home");
    let (msg, took) = headless_sign_in_error(&server, home.path());
    assert!(msg.contains("refused the token"), "{msg}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(
        count(&server.stats(), "authorize"),
        1,
        "one sign-in, no loop"
    );
}

#[test]
fn sign_in_follows_the_redirects_of_moved_metadata() {
    let p = require_peers!();
    // The authorization server's metadata URL answers 301 to another origin (localhost, with a
    // trailing slash), which answers 302 to where the document now is.
    let server = Protected::start(&p, &["--moved-metadata"]);
    let home = tempfile::tempdir().expect("home");
    headless_call(&p, home.path(), &server.url);
    let stats = server.stats();
    assert_eq!(count(&stats, "authorize"), 1, "{stats}");
    assert_eq!(count(&stats, "token_code"), 1, "{stats}");
}

#[test]
fn resource_and_scope_follow_the_flags() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    ok_call(&drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "headless"],
        &[],
    ));
    let stats = server.stats();
    assert_eq!(stats["resources"][0], server.url.as_str(), "{stats}");
    assert_eq!(stats["scopes"][0], "mcp", "from scopes_supported: {stats}");
    let home = tempfile::tempdir().expect("home");
    let flags = [
        "--oauth-flow",
        "headless",
        "--oauth-no-resource",
        "--oauth-scope",
        "mcp extra",
    ];
    ok_call(&drive(&p, home.path(), &server.url, &flags, &[]));
    let stats = server.stats();
    assert_eq!(stats["resources"][1], Value::Null, "{stats}");
    assert_eq!(stats["scopes"][1], "mcp extra", "{stats}");
}

#[test]
fn a_resource_and_authorization_parameters_asked_for_go_on_the_sign_in() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    let resource = "https://api.example.com/tenant-1";
    let audience = "https://api.example.com/v1?tier=a=b";
    let flags = [
        "--oauth-flow",
        "headless",
        "--oauth-resource",
        resource,
        "--oauth-authorize-param",
        &format!("audience={audience}"),
        "--oauth-authorize-param",
        "prompt=login",
        // The later of two with one name wins, as with mcp-remote.
        "--oauth-authorize-param",
        "prompt=consent",
    ];
    ok_call(&drive(&p, home.path(), &server.url, &flags, &[]));
    let stats = server.stats();
    let query = &stats["authorize_queries"][0];
    assert_eq!(query["resource"], resource, "{stats}");
    assert_eq!(query["audience"], audience, "{stats}");
    assert_eq!(query["prompt"], "consent", "{stats}");
    assert_eq!(
        stats["token_resources"][0],
        serde_json::json!(["authorization_code", resource]),
        "{stats}"
    );
    // The same server without them is another sign-in, not that one's tokens.
    headless_call(&p, home.path(), &server.url);
    let stats = server.stats();
    assert_eq!(count(&stats, "authorize"), 2, "{stats}");
    assert_eq!(stats["resources"][1], server.url.as_str(), "{stats}");
    assert_eq!(
        stats["authorize_queries"][1].get("audience"),
        None,
        "{stats}"
    );
    // Parameters the sign-in sets itself, or not KEY=VALUE, are refused at the start.
    for (bad, said) in [
        (
            "state=x",
            "`state` cannot be set: the sign-in sets it itself",
        ),
        ("=x", "`=x` is not KEY=VALUE"),
    ] {
        let out = Command::new(BIN)
            .args(["bridge", &server.url, "--oauth-authorize-param", bad])
            .env("MCP_TRAY_HOME", home.path())
            .stdin(Stdio::null())
            .output()
            .expect("run the bridge");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        assert!(
            stderr.contains(&format!("--oauth-authorize-param: {said}")),
            "{stderr}"
        );
    }
}

#[test]
fn resource_goes_on_the_token_and_refresh_requests_unless_turned_off() {
    let p = require_peers!();
    // Hour-long tokens, with the clock moved to their last 30 s: a second bridge refreshes
    // before its first request.
    let server = Protected::start(&p, &["--expires-in", "3600"]);
    let url = server.url.as_str();
    let with = tempfile::tempdir().expect("home");
    let without = tempfile::tempdir().expect("home");
    for (home, extra) in [
        (with.path(), &["--oauth-flow", "headless"][..]),
        (
            without.path(),
            &["--oauth-flow", "headless", "--oauth-no-resource"][..],
        ),
    ] {
        ok_call(&drive(&p, home, url, extra, &[]));
        time_passes_until_expiry_in(home, 30);
        ok_call(&drive(&p, home, url, extra, &[]));
    }
    // One entry per kind of request and setting is what counts.
    let stats = server.stats();
    let mut requests = stats["token_resources"]
        .as_array()
        .expect("token requests")
        .clone();
    requests.dedup();
    assert_eq!(
        requests,
        [
            serde_json::json!(["authorization_code", url]),
            serde_json::json!(["refresh_token", url]),
            serde_json::json!(["authorization_code", null]),
            serde_json::json!(["refresh_token", null]),
        ],
        "{stats}"
    );
}

/// The `Location` a GET of `url` is redirected to (the authorization server's answer).
#[cfg(target_os = "linux")]
fn redirect_of(url: &str) -> String {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').expect("path");
    let mut s = TcpStream::connect(host).expect("connect");
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    text.lines()
        .find_map(|l| {
            l.strip_prefix("Location: ")
                .or_else(|| l.strip_prefix("location: "))
        })
        .expect("a redirect")
        .trim()
        .to_owned()
}

#[cfg(target_os = "linux")]
#[test]
fn manual_sign_in_reads_the_pasted_address_from_the_terminal_not_stdin() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    // `script` gives the login a terminal; what we write to its stdin is typed there.
    let login = format!("{BIN} auth login {} --oauth-flow manual", server.url);
    let mut child = Command::new("script")
        .args(["-qfec", &login, "/dev/null"])
        .env("MCP_TRAY_HOME", home.path())
        .env("MCP_TRAY_TOKEN_STORE", "file")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut auth_url = None;
    let mut line = String::new();
    while out.read_line(&mut line).expect("read") > 0 {
        if let Some(start) = line.find("http://127.0.0.1")
            && line.contains("/authorize?")
        {
            auth_url = Some(line[start..].trim().to_owned());
            break;
        }
        line.clear();
    }
    let auth_url = auth_url.expect("the login printed the address to open");
    let pasted = redirect_of(&auth_url);
    assert!(pasted.contains("code="), "{pasted}");
    writeln!(stdin, "{pasted}").expect("paste");
    let mut rest = String::new();
    let _ = out.read_to_string(&mut rest);
    let status = child.wait().expect("wait");
    assert!(status.success(), "{rest}");
    assert!(rest.contains("signed in to"), "{rest}");
    ok_call(&drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "headless"],
        &[],
    ));
    assert_eq!(count(&server.stats(), "authorize"), 1);
}

#[test]
fn a_forgotten_client_registers_again() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--forget-clients"]);
    let home = tempfile::tempdir().expect("home");
    ok_call(&drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "headless"],
        &[],
    ));
    server.revoke(); // tokens and the registration are gone: the refresh meets invalid_client
    ok_call(&drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "headless"],
        &[],
    ));
    let stats = server.stats();
    assert_eq!(count(&stats, "unknown_client"), 1, "{stats}");
    assert_eq!(count(&stats, "register"), 2, "{stats}");
    assert_eq!(count(&stats, "authorize"), 2, "{stats}");
}

/// Two bridges (each driven by the Python SDK's client, headless sign-in) started at once.
fn two_headless_calls_at_once(p: &Peers, home: &Path, url: &str) -> (Output, Output) {
    std::thread::scope(|s| {
        let call = || drive(p, home, url, &["--oauth-flow", "headless"], &[]);
        let a = s.spawn(call);
        let b = s.spawn(call);
        (a.join().expect("a"), b.join().expect("b"))
    })
}

#[test]
fn two_bridges_started_together_share_one_sign_in() {
    let p = require_peers!();
    // A slow consent makes sure both bridges meet the 401 while the sign-in is under way.
    let server = Protected::start(&p, &["--authorize-delay", "1.5"]);
    let home = tempfile::tempdir().expect("home");
    let (a, b) = two_headless_calls_at_once(&p, home.path(), &server.url);
    ok_call(&a);
    ok_call(&b);
    let stats = server.stats();
    assert_eq!(
        count(&stats, "authorize"),
        1,
        "one sign-in for both: {stats}"
    );
    assert_eq!(count(&stats, "register"), 1, "{stats}");
}

/// Two bridges of one sign-in that both find its token about to expire refresh one at a time,
/// and the second takes the first's new tokens: sent twice, the refresh token would make a
/// provider that detects reuse (OAuth 2.1's rotation) revoke every token of the sign-in, and
/// both bridges would need a new sign-in.
#[test]
fn two_bridges_refreshing_together_send_the_refresh_token_once() {
    let p = require_peers!();
    // A slow refresh makes sure both meet the expiry while the first refresh is under way.
    let server = Protected::start(&p, &["--refresh-delay", "1.5", "--reuse-revokes"]);
    let home = tempfile::tempdir().expect("home");
    headless_call(&p, home.path(), &server.url);
    time_passes_until_expiry_in(home.path(), 30);
    let (a, b) = two_headless_calls_at_once(&p, home.path(), &server.url);
    ok_call(&a);
    ok_call(&b);
    let stats = server.stats();
    assert_eq!(count(&stats, "reuse_detected"), 0, "{stats}");
    assert_eq!(
        count(&stats, "token_refresh"),
        1,
        "one refresh for both: {stats}"
    );
    assert_eq!(count(&stats, "authorize"), 1, "no new sign-in: {stats}");
}

/// A request given up on while the token it waits for is being refreshed (its deadline passed,
/// or the client cancelled it) does not cut the refresh, nor does the bridge's end right after
/// (the client closed its input): the server has rotated the refresh token by then, and a
/// sign-in left with the old one would send it again (taken as stolen by a provider that detects
/// reuse, which revokes every token) and need a new sign-in.
#[test]
fn a_request_given_up_on_during_a_refresh_does_not_cut_the_refresh() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--refresh-delay", "2", "--reuse-revokes"]);
    let home = tempfile::tempdir().expect("home");
    headless_call(&p, home.path(), &server.url);
    time_passes_until_expiry_in(home.path(), 30);
    let mut child = Command::new(BIN)
        .args([
            "bridge",
            &server.url,
            "--name",
            "prot",
            "--oauth-flow",
            "headless",
        ])
        .args(["--timeout", "1"])
        .env("MCP_TRAY_HOME", home.path())
        .env("MCP_TRAY_TOKEN_STORE", "file")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the bridge");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut ask = |id: u32| -> Value {
        let init = serde_json::json!({"jsonrpc":"2.0","id":id,"method":"initialize","params":{
            "protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}});
        writeln!(stdin, "{init}").expect("write");
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    };
    // Its deadline (1 s) passes while the refresh (2 s) is under way; then the client goes.
    let first = ask(1);
    assert!(first.get("error").is_some(), "{first}");
    drop(stdin);
    let _ = child.wait();
    // The next bridge finds the refreshed sign-in.
    headless_call(&p, home.path(), &server.url);
    let stats = server.stats();
    assert_eq!(count(&stats, "reuse_detected"), 0, "{stats}");
    assert_eq!(count(&stats, "token_refresh"), 1, "{stats}");
    assert_eq!(count(&stats, "authorize"), 1, "no new sign-in: {stats}");
}

#[test]
fn a_pre_registered_client_comes_before_a_metadata_document() {
    let p = require_peers!();
    // The server advertises metadata-document support and also knows the pre-registered id.
    let server = Protected::start(&p, &["--client", "pre-1", "--cimd"]);
    let home = tempfile::tempdir().expect("home");
    let flags = [
        "--oauth-flow",
        "headless",
        "--oauth-client-metadata-url",
        "https://client.example/mcp-tray.json",
        "--oauth-client-id",
        "pre-1",
    ];
    ok_call(&drive(&p, home.path(), &server.url, &flags, &[]));
    let stats = server.stats();
    assert_eq!(stats["client_ids"], serde_json::json!(["pre-1"]), "{stats}");
    assert_eq!(count(&stats, "register"), 0, "{stats}");
}

#[test]
fn two_clients_of_one_server_keep_their_own_sign_ins() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--client", "pre-1"]);
    let home = tempfile::tempdir().expect("home");
    let pre_registered = ["--oauth-flow", "headless", "--oauth-client-id", "pre-1"];
    // Two config entries for one URL: one registers itself, one has a pre-registered client.
    // Each signs in once; neither run replaces the other's tokens.
    for _ in 0..2 {
        headless_call(&p, home.path(), &server.url);
        ok_call(&drive(&p, home.path(), &server.url, &pre_registered, &[]));
    }
    let stats = server.stats();
    assert_eq!(count(&stats, "authorize"), 2, "{stats}");
    assert_eq!(count(&stats, "register"), 1, "{stats}");
    let run = |args: &[&str]| file_store_cli(home.path(), args);
    let list: Value =
        serde_json::from_slice(&run(&["auth", "status", "--json"]).stdout).expect("status JSON");
    let mut clients: Vec<&str> = list
        .as_array()
        .expect("sign-ins")
        .iter()
        .filter_map(|s| s["client"].as_str())
        .collect();
    clients.sort_unstable();
    assert_eq!(
        clients,
        ["client-1 (dynamic)", "pre-1 (pre-registered)"],
        "{list}"
    );
    // Signing out of the server forgets both.
    assert!(run(&["auth", "logout", &server.url]).status.success());
    let after: Value =
        serde_json::from_slice(&run(&["auth", "status", "--json"]).stdout).expect("JSON");
    assert_eq!(after, serde_json::json!([]));
}

#[test]
fn a_sign_in_lock_left_by_a_dead_process_is_taken_over() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--refresh", "invalid_grant"]);
    let home = tempfile::tempdir().expect("home");
    headless_call(&p, home.path(), &server.url);
    // A bridge killed in the middle of a sign-in leaves its lock (`<key>.lock` beside the
    // server's `<key>.json`): the pid of a process that has exited, taken a moment ago.
    let auth = home.path().join("auth");
    let record = std::fs::read_dir(&auth)
        .expect("auth dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a sign-in record");
    let lock = record.with_extension("lock");
    let mut gone = Command::new("true").spawn().expect("a short-lived process");
    let dead_pid = gone.id();
    gone.wait().expect("wait");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    std::fs::write(&lock, format!("{dead_pid} {now}")).expect("write the lock");
    // The next bridge needs a new sign-in (the refresh token is refused) and must not wait for
    // the dead holder.
    server.revoke();
    headless_call(&p, home.path(), &server.url);
    assert_eq!(count(&server.stats(), "authorize"), 2);
    assert!(!lock.exists(), "the lock is released after the sign-in");
}

#[test]
fn a_server_gets_the_same_callback_port_each_time_so_its_registration_is_kept() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--refresh", "invalid_grant"]);
    let home = tempfile::tempdir().expect("home");
    let browser = browser_command(&p);
    let env = [("BROWSER", browser.as_str())];
    ok_call(&drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "browser"],
        &env,
    ));
    server.revoke(); // the refresh is refused: a second browser sign-in
    ok_call(&drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "browser"],
        &env,
    ));
    let stats = server.stats();
    assert_eq!(count(&stats, "authorize"), 2, "{stats}");
    let uris = &stats["redirect_uris"];
    assert_eq!(uris[0], uris[1], "{stats}");
    assert!(
        uris[0]
            .as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:")),
        "{stats}"
    );
    // Dynamic registration binds the redirect URI: the same one keeps the registration.
    assert_eq!(count(&stats, "register"), 1, "{stats}");
}

#[test]
fn a_taken_callback_port_falls_back_to_a_free_one() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    let held = TcpListener::bind("127.0.0.1:0").expect("hold a port");
    let held_port = held.local_addr().expect("addr").port().to_string();
    let shown = browser_sign_in(
        &p,
        &server,
        home.path(),
        &[("MCP_TRAY_OAUTH_PORT", &held_port)],
    );
    assert!(shown.contains("Signed in to prot"), "{shown}");
    // Claude Desktop gave up on the server when it answered "sign-in required": the page says
    // what brings it back, rather than to go back to Claude.
    assert!(
        shown.contains("If Claude Desktop shows prot as failed, restart Claude Desktop"),
        "{shown}"
    );
    let stats = server.stats();
    let redirect = stats["redirect_uris"][0].as_str().expect("redirect uri");
    assert!(redirect.starts_with("http://127.0.0.1:"), "{redirect}");
    assert!(
        !redirect.contains(&format!(":{held_port}/")),
        "used the taken port: {redirect}"
    );
    drop(held);
}

#[test]
fn a_callback_with_the_wrong_state_is_refused_and_the_real_one_still_signs_in() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    let forged_page = home.path().join("forged.html");
    let browser = browser_command(&p);
    ok_call(&drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "browser"],
        &[
            ("BROWSER", &browser),
            ("AUTH_BROWSER_FORGED_PAGE", &forged_page.to_string_lossy()),
        ],
    ));
    let shown = std::fs::read_to_string(&forged_page).expect("the forger got a page");
    assert!(shown.contains("did not finish"), "{shown}");
    assert!(shown.contains("wrong state"), "{shown}");
    // Only the real code was exchanged.
    let stats = server.stats();
    assert_eq!(count(&stats, "token_code"), 1, "{stats}");
    assert_eq!(count(&stats, "authorize"), 1, "{stats}");
}

/// Connections to the callback port that send nothing (a web page can open them) do not keep the
/// browser's redirect waiting: each connection is read on its own, and the person sees the
/// success page. Read one at a time, 5 s each, 8 of them held the redirect 40 s: the browser
/// (10 s here) gave up and showed an error, though the sign-in went through behind it.
#[test]
fn idle_connections_to_the_callback_port_do_not_hold_up_the_sign_in() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    let shown = browser_sign_in(
        &p,
        &server,
        home.path(),
        &[("AUTH_BROWSER_IDLE_CONNECTIONS", "8")],
    );
    assert!(shown.contains("Signed in to prot"), "{shown}");
    assert_eq!(count(&server.stats(), "token_code"), 1);
}

/// A browser sign-in through a bridge (`auth_browser.py` approving, with `env` besides), which
/// must succeed: the page the browser was shown at its end.
fn browser_sign_in(p: &Peers, server: &Protected, home: &Path, env: &[(&str, &str)]) -> String {
    let page = home.join("page.html");
    let page_arg = page.to_string_lossy().into_owned();
    let browser = browser_command(p);
    let mut all = vec![
        ("BROWSER", browser.as_str()),
        ("AUTH_BROWSER_PAGE", &page_arg),
    ];
    all.extend_from_slice(env);
    ok_call(&drive(
        p,
        home,
        &server.url,
        &["--oauth-flow", "browser"],
        &all,
    ));
    std::fs::read_to_string(&page).expect("the browser got a page")
}

/// Starts a bridge, sends `initialize`, returns its reply line and how long it took.
fn initialize_through(
    url: &str,
    home: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Value, Duration) {
    let mut bridge = OpenBridge::start(url, home, extra, env);
    let started = Instant::now();
    let reply = bridge.initialize(1);
    (reply, started.elapsed())
}

/// A bridge's answer to `initialize` when a headless sign-in cannot succeed: its error message,
/// and how long it took.
fn headless_sign_in_error(server: &Protected, home: &Path) -> (String, Duration) {
    let (reply, took) = initialize_through(&server.url, home, &["--oauth-flow", "headless"], &[]);
    let msg = reply["error"]["message"].as_str().expect("an error reply");
    (msg.to_owned(), took)
}

#[test]
fn a_denied_consent_answers_the_request_with_an_error_at_once() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--deny"]);
    let home = tempfile::tempdir().expect("home");
    let (msg, took) = headless_sign_in_error(&server, home.path());
    assert!(msg.contains("denied"), "{msg}");
    assert!(msg.contains("mcp-tray auth login prot"), "{msg}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // Tried again (a new bridge: another process), the client registered the first time is used:
    // a turned-down sign-in does not register one more client each time.
    let (again, _) = headless_sign_in_error(&server, home.path());
    assert!(again.contains("denied"), "{again}");
    let stats = server.stats();
    assert_eq!(count(&stats, "register"), 1, "{stats}");
    assert_eq!(count(&stats, "authorize"), 2, "{stats}");
}

#[test]
fn an_authorization_server_without_pkce_s256_is_refused() {
    let p = require_peers!();
    // Its metadata has no code_challenge_methods_supported; it would approve at once otherwise.
    let server = Protected::start(&p, &["--no-pkce"]);
    let home = tempfile::tempdir().expect("home");
    let (msg, _) = headless_sign_in_error(&server, home.path());
    assert!(msg.contains("does not offer PKCE S256"), "{msg}");
    assert!(msg.contains("refusing to sign in"), "{msg}");
    let stats = server.stats();
    assert_eq!(count(&stats, "register"), 0, "{stats}");
    assert_eq!(count(&stats, "authorize"), 0, "{stats}");
    assert_eq!(count(&stats, "token_code"), 0, "{stats}");
}

#[test]
fn metadata_naming_another_issuer_gets_no_sign_in() {
    let p = require_peers!();
    // Its metadata says it is another authorization server (RFC 8414 §3.3): a mix-up.
    let server = Protected::start(&p, &["--issuer", "https://as.evil.example"]);
    let home = tempfile::tempdir().expect("home");
    let (msg, _) = headless_sign_in_error(&server, home.path());
    assert!(
        msg.contains("another issuer (https://as.evil.example)"),
        "{msg}"
    );
    assert!(msg.contains("refusing to sign in"), "{msg}");
    let stats = server.stats();
    assert_eq!(count(&stats, "register"), 0, "{stats}");
    assert_eq!(count(&stats, "authorize"), 0, "{stats}");
}

#[test]
fn an_authorization_response_from_another_issuer_is_not_exchanged() {
    let p = require_peers!();
    for (iss, refused) in [
        (
            "wrong",
            Some("from another authorization server (https://as.evil.example"),
        ),
        (
            "missing",
            Some("did not say which authorization server sent it"),
        ),
        ("right", None),
    ] {
        let server = Protected::start(&p, &["--iss-param", iss]);
        let home = tempfile::tempdir().expect("home");
        let (reply, _) =
            initialize_through(&server.url, home.path(), &["--oauth-flow", "headless"], &[]);
        let stats = server.stats();
        match refused {
            Some(why) => {
                let msg = reply["error"]["message"].as_str().unwrap_or_default();
                assert!(msg.contains(why), "{iss}: {reply}");
                assert_eq!(count(&stats, "token_code"), 0, "{iss}: {stats}");
            }
            None => {
                assert_eq!(
                    reply["result"]["serverInfo"]["name"], "protected",
                    "{reply}"
                );
                assert_eq!(count(&stats, "token_code"), 1, "{stats}");
            }
        }
    }
}

#[test]
fn a_sign_in_wait_longer_than_the_timeout_is_honoured() {
    let p = require_peers!();
    // Consent takes 3 s; a request may take 1 s, but may wait 20 s for a sign-in.
    let server = Protected::start(&p, &["--authorize-delay", "3"]);
    let home = tempfile::tempdir().expect("home");
    let (reply, took) = initialize_through(
        &server.url,
        home.path(),
        &[
            "--oauth-flow",
            "headless",
            "--timeout",
            "1",
            "--oauth-wait",
            "20",
        ],
        &[],
    );
    assert_eq!(
        reply["result"]["serverInfo"]["name"], "protected",
        "{reply}"
    );
    assert!(took >= Duration::from_secs(3), "took {took:?}");
    assert_eq!(count(&server.stats(), "token_code"), 1);
}

#[test]
fn a_sign_in_nobody_finishes_gets_a_clear_error_after_the_bounded_wait() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    // A "browser" that never opens the page.
    let (reply, took) = initialize_through(
        &server.url,
        home.path(),
        &["--oauth-flow", "browser", "--oauth-wait", "1"],
        &[("BROWSER", "true")],
    );
    let msg = reply["error"]["message"].as_str().expect("an error reply");
    assert!(
        msg.starts_with(
            "sign-in required for prot: open MCP Tray or run mcp-tray auth login prot; a sign-in is waiting: open http://127.0.0.1:"
        ),
        "{msg}"
    );
    assert!(took < Duration::from_secs(8), "took {took:?}");
}

/// `mcp-tray auth login prot --oauth-flow headless`, where `prot` is the entry
/// `mcp-tray bridge URL --name prot EXTRA…` of a Claude config written in `home`: what it did, and
/// the config's path.
fn login_by_name(home: &Path, url: &str, extra: &[&str]) -> (Output, String) {
    let config = home.join("claude_desktop_config.json");
    let args = [&["bridge", url, "--name", "prot"], extra].concat();
    std::fs::write(
        &config,
        serde_json::json!({"mcpServers": {"prot": {"command": BIN, "args": args}}}).to_string(),
    )
    .expect("config");
    let config = config.to_string_lossy().into_owned();
    let login = file_store_cli(
        home,
        &[
            "--config",
            &config,
            "auth",
            "login",
            "prot",
            "--oauth-flow",
            "headless",
        ],
    );
    (login, config)
}

#[test]
fn auth_login_by_name_signs_in_as_the_entry_asks_so_its_bridge_needs_no_other_sign_in() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--client", "pre-1"]);
    let home = tempfile::tempdir().expect("home");
    // The entry's bridge signs in with a pre-registered client, for an audience.
    let asks = [
        "--oauth-client-id",
        "pre-1",
        "--oauth-authorize-param",
        "audience=https://api.example.com",
    ];
    let (login, _config) = login_by_name(home.path(), &server.url, &asks);
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let stats = server.stats();
    assert_eq!(stats["client_ids"], serde_json::json!(["pre-1"]), "{stats}");
    assert_eq!(count(&stats, "register"), 0, "{stats}");
    assert_eq!(
        stats["authorize_queries"][0]["audience"], "https://api.example.com",
        "{stats}"
    );
    // That bridge finds the tokens under the identity it looks for: no second authorization.
    ok_call(&drive(
        &p,
        home.path(),
        &server.url,
        &[&["--oauth-flow", "headless"][..], &asks].concat(),
        &[],
    ));
    assert_eq!(count(&server.stats(), "authorize"), 1);
}

#[test]
fn auth_login_status_and_logout_manage_a_stored_sign_in() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    let run = |args: &[&str]| file_store_cli(home.path(), args);
    // By name, through Claude's config entry for the bridge.
    let (login, config) = login_by_name(home.path(), &server.url, &[]);
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let status = run(&["auth", "status", "--json"]);
    let list: Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    assert_eq!(list[0]["server_url"], server.url.as_str(), "{list}");
    assert_eq!(list[0]["name"], "prot", "{list}");
    assert_eq!(list[0]["signed_in"], true, "{list}");
    assert!(!String::from_utf8_lossy(&status.stdout).contains("SECRET"));
    let list: Value =
        serde_json::from_slice(&run(&["--config", &config, "auth", "status", "--json"]).stdout)
            .expect("status JSON");
    assert_eq!(
        list[0]["config_names"],
        serde_json::json!(["prot"]),
        "{list}"
    );
    let table =
        String::from_utf8_lossy(&run(&["--config", &config, "auth", "status"]).stdout).into_owned();
    assert!(!table.contains("in Claude's config as"), "{table}");
    // The table: name, URL, state; the client and where its secrets are.
    let table = String::from_utf8_lossy(&run(&["auth", "status"]).stdout).into_owned();
    assert!(
        table.starts_with(&format!("prot\t{}\tsigned in, token valid ", server.url)),
        "{table}"
    );
    assert!(table.contains("\tscope: mcp\n"), "{table}");
    assert!(table.contains("(dynamic); secrets in the file"), "{table}");
    assert!(!table.contains("SECRET"), "{table}");
    // A bridge uses the stored sign-in without a new authorization.
    ok_call(&drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "headless"],
        &[],
    ));
    assert_eq!(count(&server.stats(), "authorize"), 1);
    #[cfg(unix)]
    for entry in std::fs::read_dir(home.path().join("auth")).expect("auth dir") {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = entry.expect("entry").metadata().expect("meta");
        assert_eq!(
            meta.permissions().mode() & 0o777,
            0o600,
            "token file is private"
        );
    }
    let logout = run(&["--config", &config, "auth", "logout", "prot"]);
    assert!(logout.status.success());
    assert!(String::from_utf8_lossy(&logout.stderr).contains("signed out of prot"));
    let after: Value =
        serde_json::from_slice(&run(&["auth", "status", "--json"]).stdout).expect("JSON");
    assert_eq!(after, serde_json::json!([]));
    assert_eq!(
        String::from_utf8_lossy(&run(&["auth", "status"]).stdout),
        "no stored sign-ins\n"
    );

    // By URL: login and logout.
    let login = run(&["auth", "login", &server.url, "--oauth-flow", "headless"]);
    assert!(login.status.success());
    // Made under the URL's host, the sign-in is still shown with the config's name for it.
    let table =
        String::from_utf8_lossy(&run(&["--config", &config, "auth", "status"]).stdout).into_owned();
    assert!(table.starts_with("127.0.0.1"), "{table}");
    assert!(table.contains("\tin Claude's config as: prot\n"), "{table}");
    let list: Value =
        serde_json::from_slice(&run(&["--config", &config, "auth", "status", "--json"]).stdout)
            .expect("JSON");
    assert_eq!(
        list[0]["config_names"],
        serde_json::json!(["prot"]),
        "{list}"
    );
    let elsewhere = tempfile::tempdir().expect("dir");
    let other = elsewhere.path().join("claude_desktop_config.json");
    std::fs::write(&other, "{}").expect("config");
    let table = String::from_utf8_lossy(
        &run(&["--config", other.to_str().expect("utf-8"), "auth", "status"]).stdout,
    )
    .into_owned();
    assert!(
        table.contains("\tno server in Claude's config uses it\n"),
        "{table}"
    );
    // A config that cannot be read says nothing either way.
    std::fs::write(&other, "{\"mcpServers\": {},}").expect("config");
    let other = other.to_str().expect("utf-8");
    let table =
        String::from_utf8_lossy(&run(&["--config", other, "auth", "status"]).stdout).into_owned();
    assert!(!table.contains("Claude's config"), "{table}");
    let list: Value =
        serde_json::from_slice(&run(&["--config", other, "auth", "status", "--json"]).stdout)
            .expect("JSON");
    assert_eq!(list[0]["config_names"], Value::Null, "{list}");
    let logout = run(&["auth", "logout", &server.url]);
    assert!(logout.status.success());
    let said = String::from_utf8_lossy(&logout.stderr).into_owned();
    assert!(said.contains("signed out of 127.0.0.1"), "{said}");
    let after: Value =
        serde_json::from_slice(&run(&["auth", "status", "--json"]).stdout).expect("JSON");
    assert_eq!(after, serde_json::json!([]));
    let again = run(&["auth", "logout", &server.url]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("no stored sign-in for 127.0.0.1"));
}

// ---------------------------------------------------------------------------------------------
// Hand-off to the app: a running MCP Tray app holds `<data dir>/auth/app.lock`; this test holds
// that same lock to stand for the app, and signs in the way the app does (core's browser flow).
// ---------------------------------------------------------------------------------------------

/// A bridge kept open between requests.
struct OpenBridge {
    child: Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

impl OpenBridge {
    fn start(url: &str, home: &Path, extra: &[&str], env: &[(&str, &str)]) -> OpenBridge {
        let mut cmd = Command::new(BIN);
        cmd.args(["bridge", url, "--name", "prot"])
            .args(extra)
            .env("MCP_TRAY_HOME", home)
            .env("MCP_TRAY_TOKEN_STORE", "file")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("bridge");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        OpenBridge {
            child,
            stdin,
            stdout,
        }
    }

    fn request(&mut self, id: u32, method: &str, params: Value) -> Value {
        let msg =
            serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        writeln!(self.stdin, "{msg}").expect("write");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read reply");
        serde_json::from_str(&line).expect("JSON-RPC reply")
    }

    fn initialize(&mut self, id: u32) -> Value {
        self.request(
            id,
            "initialize",
            serde_json::json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
        )
    }
}

impl Drop for OpenBridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sign_in_requests(home: &Path) -> Vec<Value> {
    let Ok(dir) = std::fs::read_dir(home.join("auth").join("requests")) else {
        return Vec::new();
    };
    dir.flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| serde_json::from_slice(&std::fs::read(e.path()).expect("read")).expect("JSON"))
        .collect()
}

/// The bridge's `reply` says the sign-in waits for the app, and the one request it posted.
fn handed_to_the_app(reply: &Value, home: &Path) -> Value {
    assert_eq!(
        reply["error"]["message"],
        "sign-in required for prot: open MCP Tray or run mcp-tray auth login prot",
        "{reply}"
    );
    let mut requests = sign_in_requests(home);
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.remove(0)
}

#[test]
fn a_running_app_takes_the_browser_sign_in_over_and_the_bridge_adopts_its_tokens() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    std::fs::create_dir_all(home.path().join("auth")).expect("auth dir");
    let app_lock = std::fs::File::create(home.path().join("auth").join("app.lock")).expect("lock");
    app_lock.lock().expect("hold the app's lock");
    // A bridge must not open a browser itself: this one would fail the test by signing in.
    let browser = browser_command(&p);

    let mut bridge = OpenBridge::start(
        &server.url,
        home.path(),
        &["--oauth-flow", "browser"],
        &[("BROWSER", &browser)],
    );
    let request = handed_to_the_app(&bridge.initialize(1), home.path());
    assert_eq!(request["name"], "prot");
    assert_eq!(request["server_url"], server.url.as_str());
    assert_eq!(
        count(&server.stats(), "authorize"),
        0,
        "the bridge signed in itself"
    );

    // The app's part: the browser flow in another process, which stores the tokens.
    let login = Command::new(BIN)
        .args(["auth", "login", &server.url, "--oauth-flow", "browser"])
        .env("MCP_TRAY_HOME", home.path())
        .env("MCP_TRAY_TOKEN_STORE", "file")
        .env("BROWSER", &browser)
        .output()
        .expect("sign in");
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    assert!(
        sign_in_requests(home.path()).is_empty(),
        "storing the tokens clears the request"
    );

    // The same bridge's next request goes through with the adopted token.
    let second = bridge.initialize(2);
    assert!(second["result"]["serverInfo"].is_object(), "{second}");
    drop(bridge);
    // A bridge started later finds the tokens too; nobody authorized twice.
    ok_call(&drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "browser"],
        &[("BROWSER", "false")],
    ));
    assert_eq!(count(&server.stats(), "authorize"), 1);
}

#[test]
fn without_the_app_the_bridge_signs_in_itself_and_posts_no_request() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    // An app that has quit leaves its lock file, unlocked.
    std::fs::create_dir_all(home.path().join("auth")).expect("auth dir");
    std::fs::write(home.path().join("auth").join("app.lock"), "").expect("lock file");
    let browser = browser_command(&p);
    let out = drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "browser"],
        &[("BROWSER", &browser)],
    );
    ok_call(&out);
    assert!(sign_in_requests(home.path()).is_empty());
    assert_eq!(count(&server.stats(), "authorize"), 1);
    // Its lines about the sign-in name the bridge, as its other lines do (Claude's log mixes many).
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(
            "mcp-tray bridge [prot]: sign in to prot in your browser; if it did not open, visit:\n"
        ),
        "{said}"
    );
}

// ---------------------------------------------------------------------------------------------
// Where tokens live on Linux: the Secret Service (a real gnome-keyring-daemon on a private
// D-Bus session, unlocked with a test password), else the 0600 file.
// ---------------------------------------------------------------------------------------------

/// Starts the keyring in the foreground (so it can be stopped), waits until it owns the Secret
/// Service name, runs the command, stops the keyring.
#[cfg(target_os = "linux")]
const KEYRING_SESSION: &str = r#"
printf test-password | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
keyring=$!
tries=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; do
  tries=$((tries + 1)); [ "$tries" -gt 200 ] && break; sleep 0.05
done
"$@"; status=$?
kill "$keyring" 2>/dev/null; wait "$keyring" 2>/dev/null
exit "$status"
"#;

/// Runs `cmd` on a private session bus whose Secret Service is a fresh, unlocked GNOME Keyring
/// kept under `home` (the same keyring again for the same `home`).
#[cfg(target_os = "linux")]
fn in_keyring_session(cmd: &Command, home: &Path) -> Output {
    assert!(
        Command::new("gnome-keyring-daemon")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "gnome-keyring-daemon is missing: install gnome-keyring (make deps does)"
    );
    let mut session = Command::new("dbus-run-session");
    session
        .args(["--", "sh", "-c"])
        .arg(KEYRING_SESSION)
        .arg("sh")
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", home)
        .env_remove("MCP_TRAY_TOKEN_STORE");
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => session.env(k, v),
            None => session.env_remove(k),
        };
    }
    session.output().expect("dbus-run-session")
}

/// The one sign-in record of a store, as stored.
#[cfg(target_os = "linux")]
fn stored_record(mcp_home: &Path) -> (Value, String) {
    let auth = mcp_home.join("auth");
    let path = std::fs::read_dir(&auth)
        .expect("auth dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a sign-in record");
    let text = std::fs::read_to_string(path).expect("read record");
    (serde_json::from_str(&text).expect("record JSON"), text)
}

fn mcp_tray(mcp_home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env("MCP_TRAY_HOME", mcp_home);
    cmd
}

/// Runs `mcp-tray ARGS` on a data dir whose secrets go to the file.
fn file_store_cli(mcp_home: &Path, args: &[&str]) -> Output {
    mcp_tray(mcp_home, args)
        .env("MCP_TRAY_TOKEN_STORE", "file")
        .output()
        .expect("mcp-tray")
}

#[cfg(target_os = "linux")]
#[test]
fn tokens_land_in_the_secret_service_and_not_in_the_file() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    let store = home.path().join("mcp-tray");
    let login = in_keyring_session(
        &mcp_tray(
            &store,
            &["auth", "login", &server.url, "--oauth-flow", "headless"],
        ),
        home.path(),
    );
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let (record, text) = stored_record(&store);
    assert_eq!(record["secrets_in"], "keychain", "{text}");
    let issued = server.stats()["issued"].clone();
    let issued: Vec<&str> = issued
        .as_array()
        .expect("issued")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!issued.is_empty());
    for token in issued {
        assert!(!text.contains(token), "a token is in the record file");
    }
    // Read back from the keyring in a later session: still signed in.
    let status = in_keyring_session(
        &mcp_tray(&store, &["auth", "status", "--json"]),
        home.path(),
    );
    let list: Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    assert_eq!(list[0]["signed_in"], true, "{list}");
    assert_eq!(list[0]["secrets_in"], "keychain", "{list}");
}

#[cfg(target_os = "linux")]
#[test]
fn without_a_secret_service_tokens_go_to_the_private_file() {
    use std::os::unix::fs::PermissionsExt as _;
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    let store = home.path().join("mcp-tray");
    let no_bus = format!("unix:path={}", home.path().join("no-bus").display());
    let run = |args: &[&str]| {
        mcp_tray(&store, args)
            .env("DBUS_SESSION_BUS_ADDRESS", &no_bus)
            .env("XDG_RUNTIME_DIR", home.path())
            .env_remove("MCP_TRAY_TOKEN_STORE")
            .output()
            .expect("mcp-tray")
    };
    let login = run(&["auth", "login", &server.url, "--oauth-flow", "headless"]);
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let (record, _) = stored_record(&store);
    assert_eq!(record["secrets_in"], "file");
    assert!(record["secrets"]["access_token"].is_string());
    let auth = store.join("auth");
    for entry in std::fs::read_dir(&auth).expect("auth dir").flatten() {
        if entry.path().extension().is_some_and(|x| x == "json") {
            let mode = entry.metadata().expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
    let status: Value =
        serde_json::from_slice(&run(&["auth", "status", "--json"]).stdout).expect("JSON");
    assert_eq!(status[0]["signed_in"], true, "{status}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_stored_sign_in_is_kept_and_moves_to_the_keyring_at_its_next_refresh() {
    let p = require_peers!();
    // Hour-long tokens, with the clock then moved to their last 30 s: the next bridge refreshes
    // before its first request, and so saves again.
    let server = Protected::start(&p, &["--expires-in", "3600"]);
    let home = tempfile::tempdir().expect("home");
    let store = home.path().join("mcp-tray");
    let login = mcp_tray(
        &store,
        &["auth", "login", &server.url, "--oauth-flow", "headless"],
    )
    .env("MCP_TRAY_TOKEN_STORE", "file")
    .output()
    .expect("login");
    assert!(login.status.success());
    assert_eq!(stored_record(&store).0["secrets_in"], "file");
    time_passes_until_expiry_in(&store, 30);

    // A Secret Service appears: the file's sign-in is still read …
    let status = in_keyring_session(
        &mcp_tray(&store, &["auth", "status", "--json"]),
        home.path(),
    );
    let list: Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    assert_eq!(list[0]["signed_in"], true, "{list}");
    // … and a bridge's refresh moves it to the keyring, without a new sign-in.
    let mut driver = Command::new(p.python());
    driver
        .arg(p.script("driver.py"))
        .args(["basic", "--", BIN, "bridge", &server.url, "--name", "prot"])
        .args(["--oauth-flow", "headless"])
        .env("MCP_TRAY_HOME", &store);
    ok_call(&in_keyring_session(&driver, home.path()));
    let (record, text) = stored_record(&store);
    assert_eq!(record["secrets_in"], "keychain", "{text}");
    assert!(record.get("secrets").is_none(), "{text}");
    let stats = server.stats();
    assert_eq!(count(&stats, "authorize"), 1, "{stats}");
    assert!(count(&stats, "token_refresh") >= 1, "{stats}");
}

/// `tests/peers/refusing_server.py MODE` on a free port; its MCP URL.
fn refusing_server(p: &Peers, mode: &str) -> (KillOnDrop, String) {
    python_server(p, "refusing_server.py", &[mode])
}

/// `tests/peers/SCRIPT PORT ARGS…` on a free port, once it takes connections; its `/mcp` URL.
fn python_server(p: &Peers, script: &str, args: &[&str]) -> (KillOnDrop, String) {
    let start = |port: u16| {
        Command::new(p.python())
            .arg(p.script(script))
            .arg(port.to_string())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {script}: {e}"))
    };
    let (child, port) = common::serve_on_free_port(script, start, Duration::from_secs(20));
    (KillOnDrop(child), format!("http://127.0.0.1:{port}/mcp"))
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn auth_login_to_a_server_that_offers_no_sign_in_says_to_pass_its_credentials_as_headers() {
    let p = require_peers!();
    for mode in ["none", "basic"] {
        let (_server, url) = refusing_server(&p, mode);
        let home = tempfile::tempdir().expect("home");
        let out = file_store_cli(
            home.path(),
            &["auth", "login", &url, "--oauth-flow", "headless"],
        );
        let said = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "{mode}: {said}");
        assert!(
            said.contains("needs credentials it offers no sign-in for (HTTP 401)"),
            "{mode}: {said}"
        );
        assert!(
            said.contains("API key required: pass X-API-Key"),
            "{mode}: {said}"
        );
        assert!(said.contains("--header 'Name: value'"), "{mode}: {said}");
        assert!(!said.contains("register"), "{mode}: {said}");
    }
}

#[test]
fn auth_login_to_a_server_that_needs_no_sign_in_says_so_and_registers_nothing() {
    let p = require_peers!();
    // FastMCP takes its transport first: `fastmcp_server.py streamable-http PORT`.
    let start = |port: u16| {
        Command::new(p.python())
            .arg(p.script("fastmcp_server.py"))
            .args(["streamable-http", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start FastMCP")
    };
    let (child, port) = common::serve_on_free_port("FastMCP", start, Duration::from_secs(20));
    let _server = KillOnDrop(child);
    let url = format!("http://127.0.0.1:{port}/mcp");
    let home = tempfile::tempdir().expect("home");
    let out = file_store_cli(
        home.path(),
        &["auth", "login", &url, "--oauth-flow", "headless"],
    );
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("does not ask for a sign-in: it answered without one (HTTP 200)"),
        "{said}"
    );
    assert!(!said.contains("registration"), "{said}");
}

#[test]
fn a_bridge_not_signed_in_shows_a_403_as_the_servers_refusal_not_as_a_signed_in_one() {
    let p = require_peers!();
    let (_server, url) = refusing_server(&p, "403");
    let home = tempfile::tempdir().expect("home");
    let (reply, _) = initialize_through(&url, home.path(), &["--oauth-flow", "headless"], &[]);
    let msg = reply["error"]["message"].as_str().expect("an error reply");
    assert_eq!(
        msg,
        "server refused access (HTTP 403): forbidden: your IP is blocked"
    );
    assert_eq!(
        reply["error"]["data"]["diagnosis"], "auth-required",
        "{reply}"
    );
}

#[test]
fn auth_status_says_less_than_a_minute_for_a_token_about_to_expire() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    let run = |args: &[&str]| file_store_cli(home.path(), args);
    let login = run(&["auth", "login", &server.url, "--oauth-flow", "headless"]);
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let table = String::from_utf8_lossy(&run(&["auth", "status"]).stdout).into_owned();
    assert!(
        table.contains("signed in, token valid 59 min\n")
            || table.contains("signed in, token valid 60 min\n"),
        "{table}"
    );
    time_passes_until_expiry_in(home.path(), 40);
    let table = String::from_utf8_lossy(&run(&["auth", "status"]).stdout).into_owned();
    assert!(
        table.contains("\tsigned in, token valid less than a minute\n"),
        "{table}"
    );
    assert!(!table.contains("0 min"), "{table}");
}

#[test]
fn sign_ins_made_by_probe_are_named_by_their_server_not_probe() {
    let p = require_peers!();
    let (a, b) = (Protected::start(&p, &[]), Protected::start(&p, &[]));
    let home = tempfile::tempdir().expect("home");
    let browser = browser_command(&p);
    for server in [&a, &b] {
        let out = mcp_tray(home.path(), &["probe", "--sign-in", "--url", &server.url])
            .env("MCP_TRAY_TOKEN_STORE", "file")
            .env("BROWSER", &browser)
            .output()
            .expect("probe");
        let said = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{said}");
        let port = server
            .url
            .split(':')
            .nth(2)
            .and_then(|s| s.split('/').next());
        let name = format!("127.0.0.1:{}", port.expect("port"));
        assert!(
            said.starts_with(&format!("probing {name} (remote: ")),
            "{said}"
        );
    }
    let list: Value =
        serde_json::from_slice(&file_store_cli(home.path(), &["auth", "status", "--json"]).stdout)
            .expect("status JSON");
    let mut names: Vec<(String, String)> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().expect("name").to_owned(),
                s["server_url"].as_str().expect("url").to_owned(),
            )
        })
        .collect();
    names.sort();
    let mut want: Vec<(String, String)> = [&a, &b]
        .iter()
        .map(|s| {
            let host_port = s.url.trim_start_matches("http://").trim_end_matches("/mcp");
            (host_port.to_owned(), s.url.clone())
        })
        .collect();
    want.sort();
    assert_eq!(names, want, "{list}");
    // Nothing is stored as "probe".
    let empty = home.path().join("empty.json");
    std::fs::write(&empty, r#"{"mcpServers": {}}"#).expect("config");
    let out = file_store_cli(
        home.path(),
        &[
            "--config",
            &empty.to_string_lossy(),
            "auth",
            "logout",
            "probe",
        ],
    );
    assert!(!out.status.success());
    // One server's sign-in goes by its name; the other stays.
    let out = file_store_cli(home.path(), &["auth", "logout", &want[0].0]);
    assert!(out.status.success());
    let left: Value =
        serde_json::from_slice(&file_store_cli(home.path(), &["auth", "status", "--json"]).stdout)
            .expect("JSON");
    assert_eq!(left.as_array().map(Vec::len), Some(1), "{left}");
    assert_eq!(left[0]["server_url"], want[1].1.as_str(), "{left}");
}

#[test]
fn a_probe_or_doctor_reports_a_sign_in_needed_and_starts_none() {
    // A check must not open a browser, nor hand the app a sign-in Claude did not ask for.
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    let opened = home.path().join("browser-opened");
    let browser = format!("touch {}", opened.display());
    let config = home.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"mcpServers": {{"docs": {{"command": "{}", "args": ["bridge", "{}", "--name", "docs"]}}}}}}"#,
            env!("CARGO_BIN_EXE_mcp-tray"),
            server.url
        ),
    )
    .expect("config");
    let config = config.to_string_lossy();
    for args in [
        &["--config", &config, "probe", "docs"][..],
        &["--config", &config, "doctor", "docs"],
    ] {
        let out = mcp_tray(home.path(), args)
            .env("MCP_TRAY_TOKEN_STORE", "file")
            .env("BROWSER", &browser)
            .env("MCP_TRAY_CLAUDE_LOGS", home.path().join("no-logs"))
            .output()
            .expect("run");
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {said}");
        assert!(
            said.contains("sign-in required for docs"),
            "{args:?}: {said}"
        );
        // Run as printed, it acts on this file (`--config`), as every command the CLI prints.
        assert!(
            said.contains(&format!(
                "fix: Sign in: run `mcp-tray --config {config} auth login docs`"
            )),
            "{args:?}: {said}"
        );
        assert!(!opened.exists(), "{args:?} opened the browser");
        assert!(
            sign_in_requests(home.path()).is_empty(),
            "{args:?} handed a sign-in over"
        );
    }
    assert_eq!(count(&server.stats(), "authorize"), 0);
}

#[cfg(target_os = "linux")]
#[test]
fn auth_login_at_a_terminal_says_how_long_it_waits_and_how_to_stop() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    // `script` gives the command a terminal; a browser that never comes back.
    let line = format!("{BIN} auth login {}", server.url);
    let Ok(mut child) = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("MCP_TRAY_HOME", home.path())
        .env("MCP_TRAY_TOKEN_STORE", "file")
        .env("BROWSER", "true")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        eprintln!("skipped: no `script` to give the command a terminal");
        return;
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let out = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut said = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        let done = line.contains("waiting for");
        said.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let said = said.join("\n");
    assert!(
        said.contains(
            "mcp-tray: waiting for the sign-in to finish in the browser (at most 10 minutes; Ctrl-C stops waiting)"
        ),
        "{said}"
    );
}

#[test]
fn auth_logout_of_a_name_several_sign_ins_share_asks_for_the_url() {
    let p = require_peers!();
    let (a, b) = (Protected::start(&p, &[]), Protected::start(&p, &[]));
    let home = tempfile::tempdir().expect("home");
    for server in [&a, &b] {
        // Stored under one name, as `--name same` bridges (or older probes, "probe") do.
        let url = server.url.clone();
        let config = home.path().join("c.json");
        std::fs::write(
            &config,
            serde_json::json!({"mcpServers": {"same": {"command": BIN, "args": ["bridge", &url, "--name", "same"]}}}).to_string(),
        )
        .expect("config");
        let login = file_store_cli(
            home.path(),
            &[
                "--config",
                &config.to_string_lossy(),
                "auth",
                "login",
                "same",
                "--oauth-flow",
                "headless",
            ],
        );
        assert!(
            login.status.success(),
            "{}",
            String::from_utf8_lossy(&login.stderr)
        );
    }
    // A config without "same": the name is looked for among stored sign-ins.
    let empty = home.path().join("empty.json");
    std::fs::write(&empty, r#"{"mcpServers": {}}"#).expect("config");
    let out = file_store_cli(
        home.path(),
        &[
            "--config",
            &empty.to_string_lossy(),
            "auth",
            "logout",
            "same",
        ],
    );
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("several stored sign-ins are named \"same\""),
        "{said}"
    );
    assert!(said.contains(&a.url) && said.contains(&b.url), "{said}");
    let list: Value =
        serde_json::from_slice(&file_store_cli(home.path(), &["auth", "status", "--json"]).stdout)
            .expect("JSON");
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
}

/// One `initialize` through `mcp-tray bridge URL --name prot EXTRA…`, then end of input: the
/// reply and everything the bridge wrote to stderr.
fn initialize_once(url: &str, home: &Path, extra: &[&str]) -> (Value, String) {
    initialize_once_in(None, url, home, extra)
}

/// [`initialize_once`] with the bridge run in `dir` (else here), without a `$BROWSER`.
fn initialize_once_in(
    dir: Option<&Path>,
    url: &str,
    home: &Path,
    extra: &[&str],
) -> (Value, String) {
    let mut cmd = Command::new(BIN);
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let mut child = cmd
        .args(["bridge", url, "--name", "prot"])
        .args(extra)
        .env("MCP_TRAY_HOME", home)
        .env("MCP_TRAY_TOKEN_STORE", "file")
        .env("BROWSER", "false")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bridge");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"2025-11-25","capabilities":{{}},"clientInfo":{{"name":"t","version":"1"}}}}}}"#
    )
    .expect("write");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read reply");
    drop(stdin);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    let _ = child.wait();
    (serde_json::from_str(&line).expect("JSON-RPC reply"), stderr)
}

/// The paths `refusing_server.py` was asked for.
fn refusing_server_asked(url: &str) -> Vec<String> {
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/mcp")
        .parse()
        .expect("port");
    common::refusing_server_asked(port)
}

#[test]
fn a_bearer_server_without_any_sign_in_says_to_pass_a_token_not_that_registration_failed() {
    let p = require_peers!();
    let (_server, url) = refusing_server(&p, "bearer");
    let home = tempfile::tempdir().expect("home");
    let said = format!(
        "remote server at {url} asks for a token but offers no sign-in MCP Tray can use (HTTP 401): token required: ask the admin for one; pass a token with --header 'Authorization: Bearer …'"
    );
    // The bridge: its JSON-RPC error and its stderr.
    let (reply, stderr) = initialize_once(&url, home.path(), &["--oauth-flow", "headless"]);
    let msg = reply["error"]["message"].as_str().expect("an error reply");
    assert!(msg.starts_with(&said), "{msg}");
    assert_eq!(
        reply["error"]["data"]["diagnosis"], "auth-required",
        "{reply}"
    );
    assert!(stderr.contains(&said), "{stderr}");
    for text in [msg, &stderr] {
        assert!(!text.contains("regist"), "{text}");
        assert!(!text.contains("auth login"), "{text}");
    }
    // `auth login`.
    let out = file_store_cli(
        home.path(),
        &["auth", "login", &url, "--oauth-flow", "headless"],
    );
    let login = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{login}");
    let name = url.trim_start_matches("http://").trim_end_matches("/mcp");
    assert!(
        login.contains(&format!(
            "sign-in to {name} failed: {name} asks for a token but offers no sign-in MCP Tray can use (HTTP 401): token required: ask the admin for one; pass a token with --header 'Authorization: Bearer …'"
        )),
        "{login}"
    );
    assert!(!login.contains("regist"), "{login}");
    // Its metadata and the 2025-03-26 default endpoint were looked for; nothing was registered
    // and no sign-in was started.
    let asked = refusing_server_asked(&url);
    assert!(asked.contains(&"GET /authorize".to_owned()), "{asked:?}");
    assert!(
        !asked
            .iter()
            .any(|a| a.starts_with("POST /register") || a.starts_with("POST /token")),
        "{asked:?}"
    );
}

#[test]
fn a_401_to_the_users_own_authorization_header_says_it_was_refused_and_starts_no_sign_in() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    // A sign-in is stored: its token must not stand in for the user's header either.
    headless_call(&p, home.path(), &server.url);
    let stored = server.stats();
    let header = ["--header", "Authorization: Bearer expired-4715"];
    let (reply, stderr) = initialize_once(
        &server.url,
        home.path(),
        &[header[0], header[1], "--oauth-flow", "headless"],
    );
    let msg = reply["error"]["message"].as_str().expect("an error reply");
    let refused = format!(
        "remote server at {} refused the credentials given with --header (HTTP 401)",
        server.url
    );
    assert!(msg.starts_with(&refused), "{msg}");
    assert!(msg.contains("they may have expired or be wrong"), "{msg}");
    // This server offers a sign-in: leaving the header out is the other way.
    assert!(
        msg.contains("or leave the Authorization header out and MCP Tray signs in"),
        "{msg}"
    );
    assert!(!msg.contains("pass --header"), "{msg}");
    assert!(!msg.contains("sign-in required"), "{msg}");
    assert_eq!(
        reply["error"]["data"]["diagnosis"], "auth-required",
        "{reply}"
    );
    assert!(stderr.contains(&refused), "{stderr}");
    assert!(!stderr.contains("expired-4715"), "{stderr}");
    assert!(!msg.contains("expired-4715"), "{msg}");
    // No sign-in, registration or refresh over the user's header.
    let stats = server.stats();
    for key in ["register", "authorize", "token_code", "token_refresh"] {
        assert_eq!(count(&stats, key), count(&stored, key), "{key}: {stats}");
    }
    // A server with no sign-in at all: no advice to leave the header out.
    let (_plain, url) = refusing_server(&p, "bearer");
    let (reply, _) = initialize_once(&url, home.path(), &header);
    let msg = reply["error"]["message"].as_str().expect("an error reply");
    assert!(
        msg.starts_with(&format!(
            "remote server at {url} refused the credentials given with --header (HTTP 401): token required: ask the admin for one; they may have expired or be wrong"
        )),
        "{msg}"
    );
    assert!(!msg.contains("leave the Authorization header out"), "{msg}");
}

#[test]
fn a_default_authorization_endpoint_without_registration_asks_for_a_registered_client() {
    let p = require_peers!();
    let (_server, url) = refusing_server(&p, "bearer-authorize");
    let home = tempfile::tempdir().expect("home");
    let (reply, _) = initialize_once(&url, home.path(), &["--oauth-flow", "headless"]);
    let msg = reply["error"]["message"].as_str().expect("an error reply");
    let register = url.replace("/mcp", "/register");
    assert!(
        msg.contains(&format!(
            "the authorization server has no client registration at {register} (HTTP 404); pass --oauth-client-id"
        )),
        "{msg}"
    );
    assert!(!msg.contains("refused to register"), "{msg}");
}

// ---------------------------------------------------------------------------------------------
// A server behind a private CA: `--ca-cert` reaches every request of the sign-in
// ---------------------------------------------------------------------------------------------

/// The one stored sign-in's token expiry (Unix seconds).
fn stored_expiry(home: &Path) -> u64 {
    let list: Value =
        serde_json::from_slice(&file_store_cli(home, &["auth", "status", "--json"]).stdout)
            .expect("status JSON");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["signed_in"], true, "{list}");
    list[0]["expires_at"].as_u64().expect("an expiry")
}

#[test]
fn auth_login_signs_in_to_a_server_behind_a_private_ca_given_with_ca_cert() {
    let p = require_peers!();
    let (server, tls) = Protected::start_tls(&p, &["--expires-in", "3600"]);
    let home = tempfile::tempdir().expect("home");
    let name = server
        .url
        .trim_start_matches("https://")
        .trim_end_matches("/mcp");
    // Without it: the certificate is not trusted, and the fix is named.
    let out = file_store_cli(
        home.path(),
        &["auth", "login", &server.url, "--oauth-flow", "headless"],
    );
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!("sign-in to {name} failed: secure connection to")),
        "{said}"
    );
    assert!(said.contains("pass --ca-cert FILE"), "{said}");
    // With it (a path relative to where it runs): discovery, registration, the authorization and
    // the token request all go to the https servers.
    let out = mcp_tray(
        home.path(),
        &[
            "auth",
            "login",
            &server.url,
            "--oauth-flow",
            "headless",
            "--ca-cert",
            "cert.pem",
        ],
    )
    .env("MCP_TRAY_TOKEN_STORE", "file")
    .current_dir(tls.path())
    .output()
    .expect("mcp-tray");
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{said}");
    assert!(said.contains(&format!("signed in to {name}")), "{said}");
    let expiry = stored_expiry(home.path());
    // A bridge given the same CA uses that sign-in, and refreshes it over https too.
    time_passes_until_expiry_in(home.path(), 30);
    let cert = tls.path().join("cert.pem");
    let cert = cert.to_string_lossy();
    ok_call(&drive(
        &p,
        home.path(),
        &server.url,
        &["--oauth-flow", "headless", "--ca-cert", &cert],
        &[],
    ));
    assert!(
        stored_expiry(home.path()) >= expiry,
        "the token was not refreshed"
    );
    // A file that is no certificate is said as such.
    let junk = tls.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").expect("junk");
    let out = file_store_cli(
        home.path(),
        &[
            "auth",
            "login",
            &server.url,
            "--ca-cert",
            &junk.to_string_lossy(),
        ],
    );
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("holds no certificate"), "{said}");
}

#[test]
fn auth_login_of_a_config_entry_trusts_the_ca_the_entry_gives_its_bridge() {
    let p = require_peers!();
    let (server, tls) = Protected::start_tls(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    let cert = tls.path().join("cert.pem");
    let (out, _) = login_by_name(
        home.path(),
        &server.url,
        &["--ca-cert", &cert.to_string_lossy()],
    );
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{said}");
    assert!(said.contains("signed in to prot"), "{said}");
    // The entry's bridge finds the sign-in.
    let (reply, _) = initialize_once(
        &server.url,
        home.path(),
        &[
            "--ca-cert",
            &cert.to_string_lossy(),
            "--oauth-flow",
            "headless",
        ],
    );
    assert!(reply["result"]["serverInfo"].is_object(), "{reply}");
}

#[test]
fn a_bridge_behind_a_private_ca_hands_the_app_its_ca_with_the_sign_in() {
    let p = require_peers!();
    let (server, tls) = Protected::start_tls(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    std::fs::create_dir_all(home.path().join("auth")).expect("auth dir");
    let app_lock = std::fs::File::create(home.path().join("auth").join("app.lock")).expect("lock");
    app_lock.lock().expect("hold the app's lock");
    // The bridge runs where its CA file is, and names it by a relative path.
    let (reply, _) = initialize_once_in(
        Some(tls.path()),
        &server.url,
        home.path(),
        &["--ca-cert", "cert.pem"],
    );
    // The request the app signs in from names the CA file, by its absolute path.
    let request = handed_to_the_app(&reply, home.path());
    let cert = tls.path().join("cert.pem");
    assert_eq!(
        request["ca_cert"],
        cert.to_string_lossy().as_ref(),
        "{request}"
    );
}

/// The bridge's error `reply` says the server at `url` refused the credentials given with
/// `--header`, then `rest`: the message.
fn refused_header(reply: &Value, url: &str, rest: &str) -> String {
    let msg = reply["error"]["message"].as_str().expect("an error reply");
    let said = format!(
        "remote server at {url} refused the credentials given with --header (HTTP 401): {rest}"
    );
    assert!(msg.starts_with(&said), "{msg}");
    msg.to_owned()
}

#[test]
fn a_401_to_the_users_own_api_key_header_says_it_was_refused_not_to_pass_one() {
    let p = require_peers!();
    let home = tempfile::tempdir().expect("home");
    for mode in ["none", "basic"] {
        let (_server, url) = refusing_server(&p, mode);
        let (reply, stderr) = initialize_once(
            &url,
            home.path(),
            &[
                "--header",
                "X-API-Key: wrong-4716",
                "--oauth-flow",
                "headless",
            ],
        );
        let msg = refused_header(
            &reply,
            &url,
            "API key required: pass X-API-Key; they may have expired or be wrong: give valid ones (in the app: the Edit form's headers)",
        );
        assert!(!msg.contains("pass them with --header"), "{mode}: {msg}");
        assert!(
            !msg.contains("leave the Authorization header out"),
            "{mode}: {msg}"
        );
        assert_eq!(
            reply["error"]["data"]["diagnosis"], "auth-required",
            "{reply}"
        );
        assert!(
            stderr.contains("refused the credentials given with --header"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("wrong-4716") && !msg.contains("wrong-4716"),
            "{stderr}"
        );
    }
    // A Bearer server without a sign-in: the key was refused, and what it asks for is a token.
    let (_server, url) = refusing_server(&p, "bearer");
    let (reply, _) = initialize_once(&url, home.path(), &["--header", "X-API-Key: wrong-4716"]);
    refused_header(
        &reply,
        &url,
        "token required: ask the admin for one; they may have expired or be wrong: give valid ones (in the app: the Edit form's headers); it asks for a token: pass one with --header 'Authorization: Bearer …'",
    );
    assert!(
        !refusing_server_asked(&url)
            .iter()
            .any(|a| a.starts_with("POST /register")),
        "no registration"
    );
    // A header that carries no credentials changes nothing: the server wants some.
    let (_server, url) = refusing_server(&p, "none");
    let (reply, _) = initialize_once(&url, home.path(), &["--header", "X-Request-Id: 7"]);
    let msg = reply["error"]["message"].as_str().expect("an error reply");
    assert!(
        msg.contains("needs credentials it offers no sign-in for (HTTP 401)"),
        "{msg}"
    );
    assert!(msg.contains("pass them with --header"), "{msg}");
}

// ---------------------------------------------------------------------------------------------
// A sign-in nobody finished, a refused refresh, and what the sign-in says
// ---------------------------------------------------------------------------------------------

/// The authorization address a "sign-in required" answer names, when it names one.
fn address_in(message: &str) -> Option<String> {
    let at = message.find("http://127.0.0.1:")?;
    message[at..]
        .split_whitespace()
        .map(str::to_owned)
        .find(|a| a.contains("/authorize?"))
}

/// A person on this machine opens the sign-in `address` in a browser and approves.
fn approve_in_a_browser_here(p: &Peers, address: &str) {
    let done = Command::new(p.python())
        .arg(p.script("auth_browser.py"))
        .arg(address)
        .output()
        .expect("auth_browser.py");
    assert!(done.status.success(), "{done:?}");
}

#[test]
fn a_sign_in_nobody_finishes_is_answered_before_claude_gives_up_then_at_once_until_it_is_done() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    // Claude Desktop starts the bridge with the default --timeout and --oauth-wait; its own
    // requests (the TypeScript SDK's) give up after 60 s. The "browser" never opens the page.
    let mut bridge = OpenBridge::start(
        &server.url,
        home.path(),
        &["--oauth-flow", "browser"],
        &[("BROWSER", "true")],
    );
    let started = Instant::now();
    let first = bridge.initialize(1);
    let took = started.elapsed();
    assert!(
        took <= Duration::from_secs(50),
        "answered after {took:?}: the client gave up at 60 s"
    );
    let msg = first["error"]["message"].as_str().expect("an error reply");
    assert!(
        msg.starts_with("sign-in required for prot: open MCP Tray or run mcp-tray auth login prot"),
        "{msg}"
    );
    let address = address_in(msg).unwrap_or_else(|| panic!("no address in {msg}"));
    assert!(msg.contains("on this machine"), "{msg}");
    // The next request does not wait the whole time again: the same answer, at once.
    let started = Instant::now();
    let second = bridge.initialize(2);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(second["error"]["message"].as_str(), Some(msg), "{second}");
    // The pending sign-in is still open: finished at that address, the next request goes through.
    approve_in_a_browser_here(&p, &address);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut id = 3;
    loop {
        let reply = bridge.initialize(id);
        if reply["result"]["serverInfo"]["name"] == "protected" {
            break;
        }
        assert!(Instant::now() < deadline, "still not signed in: {reply}");
        std::thread::sleep(Duration::from_millis(200));
        id += 1;
    }
    assert_eq!(count(&server.stats(), "authorize"), 1);
}

#[test]
fn a_refused_refresh_token_is_tried_once_and_said_once_while_the_token_still_serves() {
    let p = require_peers!();
    let server = Protected::start(&p, &["--refresh", "invalid_grant"]);
    let home = tempfile::tempdir().expect("home");
    headless_call(&p, home.path(), &server.url);
    // The hour-long token has 30 s left: each request would refresh it first.
    time_passes_until_expiry_in(home.path(), 30);
    let refused = "the access token could not be refreshed: the authorization server refused the grant (invalid_grant)";
    // Each bridge run (initialize, tools/list, a call) says it this many times: once, then, the
    // refresh token forgotten for good, never again, in this bridge or the next.
    for said_times in [1, 0] {
        let out = drive(
            &p,
            home.path(),
            &server.url,
            &["--oauth-flow", "headless"],
            &[],
        );
        ok_call(&out);
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(said.matches(refused).count(), said_times, "{said}");
        let stats = server.stats();
        assert_eq!(count(&stats, "refused_refresh"), 1, "{stats}");
        assert_eq!(
            count(&stats, "authorize"),
            1,
            "no sign-in while the token serves: {stats}"
        );
    }
}

#[test]
fn the_sign_in_lines_reach_claudes_log_in_one_write_each() {
    let p = require_peers!();
    // Which write() carried what: only strace sees it (a reader of the pipe may join pieces).
    if Command::new("strace")
        .args(["-qq", "-o", "/dev/null", "true"])
        .status()
        .map_or(true, |s| !s.success())
    {
        eprintln!("skipped: strace cannot run here");
        return;
    }
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    let trace = home.path().join("writes.txt");
    let out = Command::new(p.python())
        .arg(p.script("driver.py"))
        .args([
            "basic",
            "--",
            "strace",
            "-f",
            "-qq",
            "-s",
            "65536",
            "-e",
            "trace=write",
            "-o",
        ])
        .arg(&trace)
        .args([
            BIN,
            "bridge",
            &server.url,
            "--name",
            "prot",
            "--oauth-flow",
            "browser",
        ])
        .env("MCP_TRAY_HOME", home.path())
        .env("MCP_TRAY_TOKEN_STORE", "file")
        .env("BROWSER", browser_command(&p))
        .output()
        .expect("run driver.py");
    ok_call(&out);
    let writes = std::fs::read_to_string(&trace).expect("the trace");
    let told = writes
        .lines()
        .filter(|l| l.contains("write(2, "))
        .find(|l| l.contains("sign in to prot in your browser"))
        .unwrap_or_else(|| panic!("no write holds the whole line:\n{writes}"));
    assert!(
        told.contains(
            "\"mcp-tray bridge [prot]: sign in to prot in your browser; if it did not open, visit:\\nhttp://127.0.0.1:"
        ) && told.contains("/authorize?")
            && told.contains("\\n\","),
        "{told}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn auth_login_without_a_browser_says_to_open_the_address_here_or_forward_its_port() {
    let p = require_peers!();
    let server = Protected::start(&p, &[]);
    let home = tempfile::tempdir().expect("home");
    // No display and no $BROWSER: no graphical browser here.
    let mut login = mcp_tray(
        home.path(),
        &["auth", "login", &server.url, "--oauth-flow", "browser"],
    )
    .env("MCP_TRAY_TOKEN_STORE", "file")
    .env_remove("BROWSER")
    .env_remove("DISPLAY")
    .env_remove("WAYLAND_DISPLAY")
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("mcp-tray auth login");
    let mut err = BufReader::new(login.stderr.take().expect("stderr"));
    let mut said = String::new();
    let mut address = None;
    while !said.contains("no graphical browser here") {
        let mut line = String::new();
        if err.read_line(&mut line).expect("read stderr") == 0 {
            panic!("auth login ended: {said}");
        }
        if line.starts_with("http://127.0.0.1:") {
            address = Some(line.trim().to_owned());
        }
        said.push_str(&line);
    }
    let address = address.unwrap_or_else(|| panic!("no address: {said}"));
    // The callback's port, from the address's redirect_uri (http://127.0.0.1:PORT/callback).
    let port: String = address
        .split("redirect_uri=http%3A%2F%2F127.0.0.1%3A")
        .nth(1)
        .unwrap_or_else(|| panic!("no redirect_uri in {address}"))
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(
        said.contains("open the address above in a browser on this machine")
            && said.contains(&format!("ssh -L {port}:127.0.0.1:{port}")),
        "{said}"
    );
    assert!(!said.contains("any machine"), "{said}");
    // Opened by hand here, it signs in; that is said in one line.
    approve_in_a_browser_here(&p, &address);
    let mut rest = String::new();
    err.read_to_string(&mut rest).expect("read stderr");
    assert!(login.wait().expect("exit").success(), "{said}{rest}");
    let name = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp");
    let signed: Vec<&str> = rest.lines().filter(|l| l.contains("signed in")).collect();
    assert_eq!(signed.len(), 1, "{rest}");
    assert!(
        signed[0].starts_with(&format!("mcp-tray: signed in to {name} (client ")),
        "{rest}"
    );
    assert!(signed[0].ends_with(", dynamic)"), "{rest}");
}
