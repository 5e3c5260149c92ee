//! A sign-in opens the browser only at a web page: a protected server whose authorization server
//! metadata names a `file:` or `javascript:` authorization endpoint gets no browser, no
//! registration and no token request, and the sign-in says why in words naming the scheme (and,
//! for a bridge, that no browser was opened, so that its fix sends nobody to one).
//!
//! The server is real and on loopback (the MCP endpoint answers 401 with a `Bearer` challenge,
//! the protected resource and authorization server metadata are served at their well-known
//! places); the browser is the hook a sign-in tells each page it opens.
//!
//! This file sets process-wide variables (the data dir): it holds one test, in its own process.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcp_tray_core::auth::{Auth, AuthOptions, Flow, Refusal, Url};
use mcp_tray_core::diagnose::{Audience, codes, fix_in};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// A protected MCP server on 127.0.0.1 that is its own authorization server, whose metadata names
/// `authorization_endpoint`; answers its base URL and the paths it was asked for so far.
async fn protected_server(authorization_endpoint: &str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let asked = Arc::new(Mutex::new(Vec::new()));
    let prm = serde_json::json!({
        "resource": format!("{base}/mcp"),
        "authorization_servers": [base],
    })
    .to_string();
    let metadata = serde_json::json!({
        "issuer": base,
        "authorization_endpoint": authorization_endpoint,
        "token_endpoint": format!("{base}/token"),
        "registration_endpoint": format!("{base}/register"),
        "code_challenge_methods_supported": ["S256"],
        "response_types_supported": ["code"],
    })
    .to_string();
    let challenge =
        format!("Bearer resource_metadata=\"{base}/.well-known/oauth-protected-resource/mcp\"");
    let log = Arc::clone(&asked);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (prm, metadata, challenge, log) = (
                prm.clone(),
                metadata.clone(),
                challenge.clone(),
                Arc::clone(&log),
            );
            tokio::spawn(async move {
                let Some((method, path)) = read_request(&mut sock).await else {
                    return;
                };
                log.lock().expect("log").push(path.clone());
                let (status, extra, body) = match (method.as_str(), path.as_str()) {
                    ("POST", "/mcp") => (
                        "401 Unauthorized",
                        format!("WWW-Authenticate: {challenge}\r\n"),
                        String::new(),
                    ),
                    ("GET", "/.well-known/oauth-protected-resource/mcp") => {
                        ("200 OK", String::new(), prm)
                    }
                    ("GET", "/.well-known/oauth-authorization-server") => {
                        ("200 OK", String::new(), metadata)
                    }
                    _ => ("404 Not Found", String::new(), String::new()),
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (base, asked)
}

/// The method and path of one HTTP request, its body read (and dropped).
async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut words = head.split_whitespace();
    Some((words.next()?.to_owned(), words.next()?.to_owned()))
}

fn options(server_url: &str) -> AuthOptions {
    AuthOptions {
        server_url: Url::parse(server_url).expect("url"),
        name: "evil".to_owned(),
        flow: Flow::Browser,
        // Pre-registered: nothing stands between discovery and the browser.
        client_id: Some("pre-1".to_owned()),
        client_secret: None,
        client_metadata_url: None,
        no_resource: false,
        resource: None,
        authorize_params: Vec::new(),
        scope: None,
        wait: Duration::from_secs(5),
        hand_off: false,
        own_authorization: false,
        own_credentials: false,
        ca_cert: None,
    }
}

#[tokio::test]
async fn an_authorization_endpoint_that_is_not_a_web_page_is_never_opened() {
    let home = tempfile::tempdir().expect("home");
    // SAFETY: the only test of this binary; nothing reads these meanwhile. Should a browser be
    // started all the same, it is `true`, which opens nothing.
    unsafe {
        std::env::set_var("MCP_TRAY_HOME", home.path());
        std::env::set_var("MCP_TRAY_TOKEN_STORE", "file");
        std::env::set_var("BROWSER", "true");
    }
    for (endpoint, scheme) in [
        ("file:///etc/passwd", "file"),
        ("javascript:alert(document.cookie)", "javascript"),
        ("smb://attacker.example/share", "smb"),
    ] {
        let (base, asked) = protected_server(endpoint).await;
        let opts = options(&format!("{base}/mcp"));
        let auth = Auth::new(opts.clone(), opts.http_client().expect("client"));
        let opened = Arc::new(Mutex::new(Vec::new()));
        auth.on_browser_opened({
            let opened = Arc::clone(&opened);
            move |url| opened.lock().expect("opened").push(url.to_string())
        });
        // Without the check, the flow would wait for a browser that never comes back.
        let outcome = tokio::time::timeout(Duration::from_secs(30), auth.login()).await;
        let opened = opened.lock().expect("opened").clone();
        assert!(
            opened.is_empty(),
            "{endpoint}: the browser was sent to {opened:?}"
        );
        let err = outcome
            .unwrap_or_else(|_| panic!("{endpoint}: the sign-in still waits"))
            .expect_err(endpoint);
        assert!(
            err.contains(&format!("`{scheme}:` URL"))
                && err.contains("authorization endpoint")
                && err.contains("refusing to open it in the browser"),
            "{endpoint}: {err}"
        );
        assert!(!err.contains("/etc/passwd"), "{err}");
        let asked = asked.lock().expect("asked").clone();
        assert!(
            asked.contains(&"/.well-known/oauth-authorization-server".to_owned()),
            "the metadata was read: {asked:?}"
        );
        assert!(
            !asked.iter().any(|p| p == "/register" || p == "/token"),
            "{asked:?}"
        );

        // A bridge's request refused with 401 signs in the same way, and fails the same way: its
        // answer says no browser was opened, and what to do sends nobody to a browser page.
        let auth = Auth::new(opts.clone(), opts.http_client().expect("client"));
        let mut headers = reqwest::header::HeaderMap::new();
        let challenge =
            format!("Bearer resource_metadata=\"{base}/.well-known/oauth-protected-resource/mcp\"");
        headers.insert(
            reqwest::header::WWW_AUTHENTICATE,
            challenge.parse().expect("header"),
        );
        let refused = tokio::time::timeout(
            Duration::from_secs(30),
            auth.on_rejected(401, &headers, auth.generation(), true),
        )
        .await
        .unwrap_or_else(|_| panic!("{endpoint}: the bridge's sign-in still waits"));
        let Err(Refusal::SignIn(said)) = refused else {
            panic!("{endpoint}: {refused:?}");
        };
        assert!(
            said.contains(mcp_tray_core::auth::BEFORE_ANY_BROWSER),
            "{said}"
        );
        for audience in [Audience::Cli, Audience::App] {
            let fix = fix_in(audience, codes::AUTH_REQUIRED, &said).expect("a fix");
            assert!(
                !fix.contains("in the browser") && !fix.contains("browser again"),
                "{endpoint}: {fix}"
            );
        }
    }
}
