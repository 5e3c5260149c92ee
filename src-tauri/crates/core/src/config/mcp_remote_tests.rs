use std::path::Path;

use serde_json::{Value, json};

use super::*;

const EXE: &str = "/opt/mcp-tray/mcp-tray";
const URL: &str = "https://mcp.example.com/sse";

fn args(words: &[&str]) -> Vec<String> {
    ["-y", "mcp-remote@0.15.1", URL]
        .iter()
        .chain(words)
        .map(|w| (*w).to_owned())
        .collect()
}

fn migrated(words: &[&str], env: Option<Value>) -> Migration {
    migrate("ex", URL, &args(words), env.as_ref(), Path::new(EXE))
        .unwrap_or_else(|e| panic!("{words:?} refused: {e}"))
}

/// The bridge arguments after `bridge URL --name ex`.
fn bridge_args(m: &Migration) -> Vec<String> {
    m.entry["args"].as_array().unwrap()[4..]
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

fn refused(words: &[&str], env: Option<Value>) -> String {
    match migrate("ex", URL, &args(words), env.as_ref(), Path::new(EXE)) {
        Ok(m) => panic!("{words:?} was replaced by {}", m.entry),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_rich_mcp_remote_entry_becomes_the_bridge_entry_doing_the_same() {
    let ca_dir = tempfile::tempdir().unwrap();
    let ca = ca_dir.path().join("corp-ca.pem");
    std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
    let ca = ca.to_string_lossy().into_owned();
    let m = migrated(
        &[
            "--header",
            "Authorization: Bearer sk-live-1234",
            "--header",
            "X-Team: ${TEAM}",
            "--transport",
            "sse-only",
            "--ignore-tool",
            "delete*",
            "--ignore-tool",
            "admin_?",
            "--static-oauth-client-info",
            r#"{"client_id": "mcp-tray-test", "client_secret": "cs-9876"}"#,
            "--static-oauth-client-metadata",
            r#"{"scope": "read write"}"#,
            "--disable-resource-parameter",
            "--auth-timeout",
            "90",
            "--enable-proxy",
            "--debug",
            "--silent",
        ],
        Some(
            json!({"TEAM": "core", "NODE_EXTRA_CA_CERTS": ca, "HTTPS_PROXY": "http://proxy:3128"}),
        ),
    );
    assert_eq!(m.entry["command"], EXE);
    assert_eq!(
        m.entry["args"],
        json!([
            "bridge",
            URL,
            "--name",
            "ex",
            "--transport",
            "sse",
            "--header",
            "Authorization: ${MCP_TRAY_HEADER_AUTHORIZATION}",
            "--header",
            "X-Team: ${TEAM}",
            "--ignore-tool",
            "delete*",
            "--ignore-tool",
            "admin_[?]",
            "--oauth-client-id",
            "mcp-tray-test",
            "--oauth-client-secret",
            "${MCP_TRAY_OAUTH_CLIENT_SECRET}",
            "--oauth-scope",
            "read write",
            "--oauth-wait",
            "90",
            "--oauth-no-resource",
            "--ca-cert",
            ca,
        ])
    );
    // Secrets in env, the entry's own env kept (its CA and proxy too).
    assert_eq!(
        m.entry["env"],
        json!({
            "MCP_TRAY_HEADER_AUTHORIZATION": "Bearer sk-live-1234",
            "MCP_TRAY_OAUTH_CLIENT_SECRET": "cs-9876",
            "TEAM": "core",
            "NODE_EXTRA_CA_CERTS": ca,
            "HTTPS_PROXY": "http://proxy:3128",
        })
    );
    assert_eq!(m.own, ["--debug", "--silent"]);
    // A pre-registered client: its redirect URIs must know the bridge's.
    assert_eq!(m.changes.len(), 1, "{:?}", m.changes);
    let redirect = crate::auth::redirect_uri_for(URL);
    assert!(
        m.changes[0].contains(&format!("add {redirect} to the redirect URIs")),
        "{:?}",
        m.changes
    );
    let said = m.said();
    for secret in ["sk-live-1234", "cs-9876"] {
        assert!(!said.contains(secret), "{said}");
    }
}

#[test]
fn a_resource_and_authorization_parameters_carry_over() {
    let m = migrated(
        &[
            "--resource",
            " https://tenant1.atlassian.net/ ",
            "--authorize-param",
            "audience=https://api.example.com/v1?x=1",
            "--resource",
            "https://ignored.example.com/",
            "--authorize-param",
            "prompt=consent",
        ],
        None,
    );
    // mcp-remote reads the first --resource, trimmed, and every --authorize-param, in order.
    assert_eq!(
        bridge_args(&m),
        [
            "--oauth-authorize-param",
            "audience=https://api.example.com/v1?x=1",
            "--oauth-authorize-param",
            "prompt=consent",
            "--oauth-resource",
            "https://tenant1.atlassian.net/",
        ]
    );
    assert!(m.changes.is_empty() && m.own.is_empty(), "{m:?}");
    // Without the resource parameter, mcp-remote drops --resource (with a warning).
    let m = migrated(
        &[
            "--resource",
            "https://tenant1.atlassian.net/",
            "--disable-resource-parameter",
        ],
        None,
    );
    assert_eq!(bridge_args(&m), ["--oauth-no-resource"]);
}

#[test]
fn the_transport_strategies_map_to_the_bridges() {
    let transport = |s: &str| {
        let m = migrated(&["--transport", s], None);
        (bridge_args(&m), m.changes)
    };
    assert_eq!(transport("http-only").0, ["--transport", "http"]);
    assert_eq!(transport("sse-only").0, ["--transport", "sse"]);
    // http-first is what the bridge does by itself.
    assert_eq!(transport("http-first"), (vec![], vec![]));
    let (sse_first, said) = transport("sse-first");
    assert!(sse_first.is_empty());
    assert!(said[0].contains("--transport sse-first"), "{said:?}");
    // mcp-remote ignores a strategy it does not know, and so does the replacement.
    assert_eq!(transport("quic").0, Vec::<String>::new());
}

#[test]
fn ignored_tool_patterns_hide_in_the_bridge_what_they_hid_in_mcp_remote() {
    // mcp-remote: `*` is the only wildcard, the rest literal, letter case ignored (patternToRegex).
    let hides = |pattern: &str, tool: &str| {
        globset::GlobBuilder::new(&bridge_glob(pattern))
            .case_insensitive(true)
            .build()
            .unwrap()
            .compile_matcher()
            .is_match(tool)
    };
    assert!(hides("delete*", "deleteTask"));
    assert!(hides("delete*", "DeleteTask"));
    assert!(hides("*account", "getAccount"));
    assert!(!hides("delete*", "undelete"));
    assert!(hides("a?b", "a?b") && !hides("a?b", "axb"));
    assert!(hides("x[1]", "x[1]") && !hides("x[1]", "x1"));
    assert!(hides("{a,b}", "{a,b}") && !hides("{a,b}", "a"));
    assert!(hides(r"a\b", r"a\b"));
}

#[test]
fn a_static_client_given_inline_carries_over_with_its_secret_in_env() {
    // A secret already read from the environment stays a reference.
    let m = migrated(
        &[
            "9696",
            "--static-oauth-client-info",
            r#"{"client_id":"${CID}","client_secret":"${MCP_CLIENT_SECRET}","redirect_uris":["http://localhost:9696/oauth/callback"]}"#,
        ],
        Some(json!({"CID": "tray-client", "MCP_CLIENT_SECRET": "s3"})),
    );
    assert_eq!(
        bridge_args(&m),
        [
            "--oauth-client-id",
            "tray-client",
            "--oauth-client-secret",
            "${MCP_CLIENT_SECRET}"
        ]
    );
    assert_eq!(
        m.entry["env"],
        json!({"CID": "tray-client", "MCP_CLIENT_SECRET": "s3"})
    );
    let said = m.said();
    assert!(
        said.contains("redirect_uris of --static-oauth-client-info"),
        "{said}"
    );
    assert!(said.contains("callback port 9696"), "{said}");
    assert!(
        said.contains("not to mcp-remote's http://localhost:9696/oauth/callback")
            || said.contains("not to mcp-remote's http://127.0.0.1:9696/oauth/callback"),
        "{said}"
    );
    // An id from a variable nobody sets cannot be written out.
    let why = refused(
        &["--static-oauth-client-info", r#"{"client_id":"${NOPE}"}"#],
        None,
    );
    assert!(
        why.contains("${NOPE}") && why.contains("does not set"),
        "{why}"
    );
}

#[test]
fn a_client_credentials_entry_carries_over_as_the_bridges_client_credentials_flow() {
    let m = migrated(
        &[
            "--client-credentials",
            "--static-oauth-client-info",
            r#"{"client_id":"m2m","client_secret":"${M2M_SECRET}"}"#,
        ],
        Some(json!({"M2M_SECRET": "s3"})),
    );
    assert_eq!(
        bridge_args(&m),
        [
            "--oauth-client-id",
            "m2m",
            "--oauth-client-secret",
            "${M2M_SECRET}",
            "--oauth-flow",
            "client-credentials"
        ]
    );
    // No browser comes back: nothing is said about redirect URIs.
    let said = m.said();
    assert!(!said.contains("redirect"), "{said}");
}

#[test]
fn what_the_bridge_cannot_do_refuses_the_replacement_with_the_reason() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--header-file", "/etc/mcp/headers.txt"],
            "/etc/mcp/headers.txt (--header-file)",
        ),
        (
            &["--resource", "tenant1.atlassian.net"],
            "mcp-remote itself refuses its --resource and does not start: `tenant1.atlassian.net` is not an absolute URI",
        ),
        (
            &["--authorize-param", "state=x"],
            "mcp-remote itself refuses its --authorize-param and does not start: `state` cannot be set",
        ),
        (
            &["--authorize-param", "audience"],
            "`audience` is not KEY=VALUE",
        ),
        (
            &["--client-credentials"],
            "--client-credentials without a client secret",
        ),
        (
            &["--token-endpoint", "https://auth/t"],
            "(--token-endpoint)",
        ),
        (&["--device-code"], "--device-code"),
        (&["--use-id-token"], "--use-id-token"),
        (&["--protocol", "auto"], "--protocol auto"),
        (
            &["--static-oauth-client-info", "@/home/ana/client.json"],
            "from the file /home/ana/client.json",
        ),
        (
            &["--static-oauth-client-metadata", "@/home/ana/meta.json"],
            "from the file /home/ana/meta.json",
        ),
        (
            &["--static-oauth-client-info", "{client_id: x}"],
            "not a JSON object",
        ),
        (
            &[
                "--static-oauth-client-info",
                r#"{"client_secret": "cs-hidden"}"#,
            ],
            "has no client_id",
        ),
        (&["--frobnicate"], "does not know mcp-remote's --frobnicate"),
    ];
    for (words, said) in cases {
        let why = refused(words, None);
        assert!(why.contains(said), "{words:?}: {why}");
        assert!(!why.contains("cs-hidden"), "{why}");
    }
    let why = refused(&[], Some(json!({"NODE_EXTRA_CA_CERTS": "/nowhere/ca.pem"})));
    assert!(
        why.contains("/nowhere/ca.pem") && why.contains("not a file"),
        "{why}"
    );
}

#[test]
fn options_the_bridge_does_differently_are_named_and_mcp_remotes_own_are_left_out() {
    let m = migrated(
        &[
            "4567",
            "--host",
            "127.0.0.1",
            "--callback-path",
            "/cb",
            "--auth-success-url",
            "https://app.example.com/ok",
            "--connect-timeout",
            "30",
            "--body-timeout",
            "0",
            "--keep-alive",
            "--ping-interval",
            "60",
            "--ipv4",
            "--disable-cookies",
            "--protocol",
            "legacy",
            "--resource",
            "",
        ],
        Some(json!({"MCP_REMOTE_CONFIG_DIR": "/tmp/auth", "HTTPS_PROXY": "http://p:1"})),
    );
    // `--resource ""` is mcp-remote's other way to leave the resource out; its cookies stay off;
    // its keep-alive pings go on.
    assert_eq!(
        bridge_args(&m),
        [
            "--no-cookies",
            "--oauth-no-resource",
            "--ping-interval",
            "60"
        ]
    );
    let changes = m.changes.join(" | ");
    for said in [
        "callback port 4567, --host 127.0.0.1, --callback-path /cb (a sign-in comes back to http://127.0.0.1:",
        "not to mcp-remote's http://127.0.0.1:4567/cb)",
        "--auth-success-url (",
        "--connect-timeout, --body-timeout (the bridge's own timeouts",
        "--ipv4 (",
        "HTTPS_PROXY in \"env\" (the bridge goes through that proxy; mcp-remote ignored it without --enable-proxy)",
    ] {
        assert!(changes.contains(said), "{said:?} in {changes}");
    }
    assert!(
        !changes.contains("add http"),
        "no pre-registered client: {changes}"
    );
    assert!(!changes.contains("keep-alive"), "carried over: {changes}");
    assert_eq!(
        m.own,
        ["MCP_REMOTE_CONFIG_DIR (mcp-remote's sign-in store: the bridge keeps its own)"]
    );
    // The entry's env is kept as it was.
    assert_eq!(
        m.entry["env"],
        json!({"MCP_REMOTE_CONFIG_DIR": "/tmp/auth", "HTTPS_PROXY": "http://p:1"})
    );
}

#[test]
fn a_plain_entry_says_nothing_more_and_headers_before_the_url_count() {
    let m = migrate(
        "ex",
        URL,
        &[
            "mcp-remote".to_owned(),
            "--header".to_owned(),
            "X-Api-Key:k-1".to_owned(),
            URL.to_owned(),
            "--allow-http".to_owned(),
        ],
        None,
        Path::new(EXE),
    )
    .unwrap();
    assert_eq!(
        m.entry,
        json!({
            "command": EXE,
            "args": ["bridge", URL, "--name", "ex", "--header", "X-Api-Key: ${MCP_TRAY_HEADER_X_API_KEY}"],
            "env": {"MCP_TRAY_HEADER_X_API_KEY": "k-1"}
        })
    );
    assert_eq!(m.said(), "");
    // Client metadata by URL carries over (an https URL with a path; mcp-remote ignores others).
    let m = migrated(
        &[
            "--client-metadata-url",
            "https://client.example.com/meta.json",
        ],
        None,
    );
    assert_eq!(
        bridge_args(&m),
        [
            "--oauth-client-metadata-url",
            "https://client.example.com/meta.json"
        ]
    );
    assert!(
        m.said().contains("redirect URIs registered"),
        "{}",
        m.said()
    );
    assert!(
        bridge_args(&migrated(
            &["--client-metadata-url", "https://x.dev/"],
            None
        ))
        .is_empty()
    );
}

#[test]
fn keep_alive_pings_carry_over_at_mcp_remotes_period() {
    let ping = |words: &[&str]| -> Vec<String> {
        let m = migrated(words, None);
        assert!(
            !m.said().contains("keep-alive") && !m.said().contains("ping"),
            "{words:?}: {}",
            m.said()
        );
        bridge_args(&m)
    };
    // --keep-alive alone: mcp-remote's 30 s.
    assert_eq!(ping(&["--keep-alive"]), ["--ping-interval", "30"]);
    // --ping-interval turns it on by itself, and sets the period with --keep-alive.
    assert_eq!(ping(&["--ping-interval", "60"]), ["--ping-interval", "60"]);
    assert_eq!(
        ping(&["--ping-interval", "1.5", "--keep-alive"]),
        ["--ping-interval", "1.5"]
    );
    // The bridge pings at most once a second.
    assert_eq!(ping(&["--ping-interval", "0.2"]), ["--ping-interval", "1"]);
    // mcp-remote reads the first, and ignores a period that is not a positive number of seconds.
    assert_eq!(
        ping(&["--ping-interval", "45", "--ping-interval", "10"]),
        ["--ping-interval", "45"]
    );
    assert_eq!(
        ping(&["--keep-alive", "--ping-interval", "0"]),
        ["--ping-interval", "30"]
    );
    assert_eq!(
        ping(&["--keep-alive", "--ping-interval", "soon"]),
        ["--ping-interval", "30"]
    );
    assert!(ping(&["--ping-interval", "0"]).is_empty());
    assert!(ping(&["--ping-interval", "-5"]).is_empty());
    // A value-less --ping-interval at the end is not given, as mcp-remote reads it.
    assert!(ping(&["--ping-interval"]).is_empty());
    assert!(ping(&[]).is_empty());
}
