//! Where the person signs in: the authorization request (PKCE S256, `state`, `resource`, scope)
//! and the three ways its answer comes back: `browser` (system browser, loopback callback on
//! 127.0.0.1 at a stable per-server port, another free port if that one is taken; when no browser
//! comes up, the caller is told and the person opens the address themselves), `manual`
//! (print the URL, read the pasted redirect URL from the terminal) and `headless` (follow the
//! authorization URL over HTTP and take the code from the redirect, for servers that approve at
//! once). `client-credentials` has no person and no authorization request: the client's own id
//! and secret get a token at the token endpoint (OAuth client credentials grant, MCP's SEP-1046),
//! for servers used by a machine rather than on a person's behalf.
//!
//! It must never read the pasted URL from stdin (that is the JSON-RPC pipe of a bridge), never
//! accept a callback whose `state` differs, never print a code or token, and never send the
//! browser to a page that is not https (or http on this computer): [`check_sign_in_page`].

use std::time::Duration;

use base64::Engine as _;
use reqwest::Url;
use reqwest::header::LOCATION;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// How long a browser sign-in may take before it is abandoned.
const BROWSER_LIMIT: Duration = Duration::from_secs(10 * 60);

/// Where the person signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Browser,
    Manual,
    Headless,
    /// No person signs in: the client credentials grant ([`Flow::needs_person`] is false).
    ClientCredentials,
}

impl Flow {
    pub fn parse(s: &str) -> Option<Flow> {
        match s {
            "browser" => Some(Flow::Browser),
            "manual" => Some(Flow::Manual),
            "headless" => Some(Flow::Headless),
            "client-credentials" => Some(Flow::ClientCredentials),
            _ => None,
        }
    }

    /// Whether a person takes part (an authorization request in a browser).
    pub fn needs_person(self) -> bool {
        self != Flow::ClientCredentials
    }
}

/// PKCE verifier and the `state` of one authorization request.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
    pub state: String,
}

fn random_token(bytes: usize) -> Result<String, String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| format!("no randomness available: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

impl Pkce {
    pub fn new() -> Result<Pkce, String> {
        let verifier = random_token(32)?;
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes()));
        Ok(Pkce {
            verifier,
            challenge,
            state: random_token(16)?,
        })
    }
}

/// The code that came back, after `state` was checked.
pub struct Callback {
    pub code: String,
    /// RFC 9207: the authorization server that answered, when it says.
    pub iss: Option<String>,
}

/// Reads the authorization response from a redirect URL: `code` with a matching `state`, or the
/// server's `error` in words.
pub fn read_redirect(url: &Url, state: &str) -> Result<Callback, String> {
    let mut code = None;
    let mut got_state = None;
    let mut error = None;
    let mut description = None;
    let mut iss = None;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "code" => code = Some(v.into_owned()),
            "iss" => iss = Some(v.into_owned()),
            "state" => got_state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = Some(v.into_owned()),
            _ => {}
        }
    }
    // The state first, also for an error: the authorization server sends it back with either
    // (RFC 6749 §4.1.2.1), and any page the browser opens meanwhile could load this address
    // with an `error=` of its own, which would end the sign-in with its words.
    if got_state.as_deref() != Some(state) {
        return Err(
            "the sign-in answer carried the wrong state; ignored it (possible forgery)".into(),
        );
    }
    if let Some(error) = error {
        let why = description.map(|d| format!(": {d}")).unwrap_or_default();
        return Err(if error == "access_denied" {
            format!("the sign-in was denied (access_denied{why})")
        } else {
            format!("the authorization server refused the sign-in ({error}{why})")
        });
    }
    code.map(|code| Callback { code, iss })
        .ok_or_else(|| "the sign-in answer carried no authorization code".into())
}

/// The stable loopback port of a server (`MCP_TRAY_OAUTH_PORT` overrides it).
pub fn stable_port(server_key: &str) -> u16 {
    if let Some(p) = std::env::var("MCP_TRAY_OAUTH_PORT")
        .ok()
        .and_then(|p| p.parse::<u16>().ok())
    {
        return p;
    }
    let n = u16::from_str_radix(server_key.get(..4).unwrap_or("0"), 16).unwrap_or(0);
    33400 + n % 600
}

/// Whether a browser may be sent to `page`, a sign-in page named by the metadata of `server`'s
/// authorization server: only an `https` page, or an `http` one on this computer (loopback) or of
/// a server reached over plain HTTP anyway (`--allow-http`). Anything else (`file:`, `smb:`,
/// `javascript:`, an app's own scheme) would be handed to whatever program the system opens it
/// with, chosen by whoever serves the metadata; it is refused, in words naming its scheme.
pub fn check_sign_in_page(page: &Url, server: &Url) -> Result<(), String> {
    if reached_safely(page, server) {
        return Ok(());
    }
    let scheme = page.scheme();
    let what = if scheme == "http" {
        "a plain `http:` page on another computer".to_owned()
    } else {
        format!("a `{scheme}:` URL, not a web page")
    };
    Err(format!(
        "its authorization endpoint is {what}; refusing to open it in the browser (a sign-in page must be https, or http on this computer)"
    ))
}

/// Whether a sign-in's page or endpoint is as safe to reach as it must be: https, http on this
/// computer, or http for a server the user reaches over plain http anyway (`--allow-http`).
pub(crate) fn reached_safely(url: &Url, server: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => crate::bridge::is_loopback(url) || server.scheme() == "http",
        _ => false,
    }
}

pub fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}/callback")
}

/// A bound callback listener (browser flow) and the redirect URI it answers.
pub struct Listener {
    listener: TcpListener,
    pub redirect_uri: String,
}

/// Binds 127.0.0.1 at the stable port, or any free port when it is taken.
pub async fn bind_callback(stable: u16) -> Result<Listener, String> {
    let listener = match TcpListener::bind(("127.0.0.1", stable)).await {
        Ok(l) => l,
        Err(_) => TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| format!("cannot listen for the sign-in callback: {e}"))?,
    };
    let port = listener
        .local_addr()
        .map_err(|e| format!("cannot listen for the sign-in callback: {e}"))?
        .port();
    Ok(Listener {
        listener,
        redirect_uri: redirect_uri(port),
    })
}

const SUCCESS_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Signed in · MCP Tray</title>\
<style>body{font:16px system-ui,sans-serif;display:flex;align-items:center;justify-content:center;height:90vh;color:#222}\
main{text-align:center}h1{font-size:22px}</style></head><body><main><h1>Signed in to {NAME}</h1>\
<p>You can close this tab. If Claude Desktop shows {NAME} as failed, restart Claude Desktop: it does not try a server again by itself.</p>\
</main></body></html>";

const FAILURE_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign-in failed · MCP Tray</title></head>\
<body style=\"font:16px system-ui,sans-serif;text-align:center;padding-top:20vh\"><h1>Sign-in to {NAME} did not finish</h1>\
<p>{WHY}</p><p>Run <code>mcp-tray auth login {NAME}</code> to try again.</p></body></html>";

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Whether a browser came up at a sign-in page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opened {
    Yes,
    /// The opener failed: no browser installed, `$BROWSER` not a program that runs.
    Failed,
    /// No browser may be started here ([`may_open_browser`]).
    NoBrowserHere,
}

/// Starts the system browser at `url` (blocks while the opener starts).
fn open_system_browser(url: &str) -> Opened {
    if !may_open_browser() {
        return Opened::NoBrowserHere;
    }
    match webbrowser::open(url) {
        Ok(()) => Opened::Yes,
        Err(_) => Opened::Failed,
    }
}

impl Listener {
    /// Opens the browser at `auth_url` and waits for the callback. `who` starts each line said
    /// (`mcp-tray`, or a bridge's `mcp-tray bridge [NAME]`, as its other lines do). `told` hears
    /// whether a browser came up, at once: `true`, or `false` when none did (the app shows the
    /// address, as stderr does) and the wait goes on for the person to open the address in a
    /// browser themselves; then `true` once a browser answers from it. Nothing is told of a page
    /// refused before any browser.
    pub async fn browser(
        self,
        auth_url: &Url,
        state: &str,
        name: &str,
        who: &str,
        told: impl Fn(bool),
    ) -> Result<Callback, String> {
        self.browser_with(open_system_browser, auth_url, state, name, who, told)
            .await
    }

    /// [`Listener::browser`] with the opener given (tests stand in for the system's).
    async fn browser_with(
        self,
        open: fn(&str) -> Opened,
        auth_url: &Url,
        state: &str,
        name: &str,
        who: &str,
        told: impl Fn(bool),
    ) -> Result<Callback, String> {
        // Checked by the sign-in already ([`check_sign_in_page`]); whatever else calls this, no
        // URL the system would hand to another program goes to the opener.
        if !matches!(auth_url.scheme(), "http" | "https") {
            return Err(format!(
                "refusing to open a `{}:` URL in the browser",
                auth_url.scheme()
            ));
        }
        // Each line in one write: Claude's log would take the pieces of an `eprintln!` apart.
        let say = |line: String| crate::transport::say_on_stderr(&(line + "\n"));
        say(format!(
            "{who}: sign in to {name} in your browser; if it did not open, visit:\n{auth_url}"
        ));
        let port = self.listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let url = auth_url.to_string();
        let opened = tokio::task::spawn_blocking(move || open(&url))
            .await
            .unwrap_or(Opened::Failed);
        match opened {
            Opened::Yes => told(true),
            Opened::Failed => {
                say(format!(
                    "{who}: could not open a browser; open the address above yourself, in a browser on this machine"
                ));
                told(false);
            }
            Opened::NoBrowserHere => {
                // Only this machine reaches its own 127.0.0.1, where the answer comes back.
                say(format!(
                    "{who}: no graphical browser here; open the address above in a browser on this machine, or on another one after forwarding its port here (`ssh -L {port}:127.0.0.1:{port} THIS-MACHINE`), or run `mcp-tray auth login {name} --oauth-flow manual`"
                ));
                told(false);
            }
        }
        // A person at a terminal is told the wait has an end, and how to stop it sooner.
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            say(format!(
                "{who}: waiting for the sign-in to finish in the browser (at most {} minutes; Ctrl-C stops waiting) …",
                BROWSER_LIMIT.as_secs() / 60
            ));
        }
        let minutes = BROWSER_LIMIT.as_secs() / 60;
        match tokio::time::timeout(BROWSER_LIMIT, self.accept(state, name)).await {
            Ok(answer) => {
                // The person opened the address by hand: a browser answered from it.
                if opened != Opened::Yes {
                    told(true);
                }
                answer
            }
            Err(_) if opened == Opened::Yes => Err(format!(
                "nobody finished the sign-in in the browser within {minutes} minutes"
            )),
            Err(_) => Err(format!(
                "no browser could be started here, and nobody opened the sign-in address within {minutes} minutes"
            )),
        }
    }

    async fn accept(self, state: &str, name: &str) -> Result<Callback, String> {
        // Each connection is read on its own task: one that sends nothing (a web page holding
        // the port) does not keep the browser's redirect waiting behind it.
        let mut reading = tokio::task::JoinSet::new();
        loop {
            let request = tokio::select! {
                accepted = self.listener.accept() => {
                    let (sock, _) =
                        accepted.map_err(|e| format!("sign-in callback listener failed: {e}"))?;
                    // Past this many at once, a new connection is closed at once.
                    if reading.len() < MAX_CALLBACK_CONNECTIONS {
                        reading.spawn(read_request(sock));
                    }
                    continue;
                }
                Some(read) = reading.join_next() => read,
            };
            let Ok(Some((mut sock, url))) = request else {
                continue;
            };
            if url.path() != "/callback" {
                let _ = sock
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    )
                    .await;
                continue;
            }
            let result = read_redirect(&url, state);
            let page = match &result {
                Ok(_) => SUCCESS_PAGE.replace("{NAME}", &html_escape(name)),
                Err(why) => FAILURE_PAGE
                    .replace("{NAME}", &html_escape(name))
                    .replace("{WHY}", &html_escape(why)),
            };
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{page}",
                page.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
            let _ = sock.shutdown().await;
            // A forged callback (wrong state) does not end the wait for the real one.
            match result {
                Err(why) if why.contains("wrong state") => continue,
                other => return other,
            }
        }
    }
}

/// Connections to the sign-in callback read at once.
const MAX_CALLBACK_CONNECTIONS: usize = 32;

/// The request line's target of one connection to the callback, read within 5 s (`None`: it sent
/// no request in time, or not one that reads).
async fn read_request(mut sock: tokio::net::TcpStream) -> Option<(tokio::net::TcpStream, Url)> {
    let mut buf = vec![0u8; 8192];
    let mut len = 0;
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        while len < buf.len() {
            let n = sock.read(&mut buf[len..]).await?;
            if n == 0 {
                break;
            }
            len += n;
            if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        std::io::Result::Ok(())
    })
    .await;
    if !matches!(read, Ok(Ok(()))) {
        return None;
    }
    let head = String::from_utf8_lossy(&buf[..len]);
    let target = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/");
    let url = Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
    Some((sock, url))
}

/// Whether a browser may be started from here. A text browser would run in the foreground on
/// the bridge's own stdin/stdout (the JSON-RPC pipe), so none is started on a Unix without a
/// display unless `$BROWSER` names a graphical one.
fn may_open_browser() -> bool {
    if cfg!(any(target_os = "macos", windows)) {
        return true;
    }
    const TEXT_BROWSERS: [&str; 6] = ["lynx", "links", "elinks", "w3m", "www-browser", "browsh"];
    match std::env::var("BROWSER") {
        Ok(b) if !b.trim().is_empty() => !b
            .split([':', ' ', '/'])
            .any(|part| TEXT_BROWSERS.contains(&part)),
        _ => ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty())),
    }
}

/// Follows the authorization URL over HTTP and takes the code from the redirect to
/// `redirect_uri` (servers that approve at once, such as the conformance suite's).
pub async fn headless(
    http: &reqwest::Client,
    auth_url: &Url,
    redirect_uri: &str,
    state: &str,
) -> Result<Callback, String> {
    let mut url = auth_url.clone();
    for _ in 0..8 {
        // The error without its URL: after a redirect it may be one holding a code (a callback
        // address spelled differently from ours), which must not reach a log.
        let resp = http
            .get(url.clone())
            .timeout(super::AUTH_HTTP_WAIT)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "the authorization endpoint did not answer: {}",
                    e.without_url()
                )
            })?;
        if resp.status().is_redirection() {
            let location = resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or("the authorization endpoint redirected nowhere")?;
            let next = url
                .join(location)
                .map_err(|_| "the authorization endpoint redirected to a bad URL".to_owned())?;
            if next.as_str().starts_with(redirect_uri) {
                return read_redirect(&next, state);
            }
            url = next;
            continue;
        }
        return Err(format!(
            "the authorization server wants a person to sign in (HTTP {}); use --oauth-flow browser or manual",
            resp.status().as_u16()
        ));
    }
    Err("the authorization endpoint redirected too often".into())
}

/// Prints the URL and reads the pasted redirect URL from the terminal (never stdin).
pub async fn manual(auth_url: &Url, state: &str, name: &str) -> Result<Callback, String> {
    let prompt = format!(
        "mcp-tray: to sign in to {name}, open this address in any browser:\n{auth_url}\n\
         then paste the address the browser ends up at (it starts with http://127.0.0.1) and press Enter:"
    );
    let state = state.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::BufRead as _;
        let tty_in = open_terminal_for_reading()?;
        crate::transport::say_on_stderr(&format!("{prompt}\n"));
        let mut line = String::new();
        std::io::BufReader::new(tty_in)
            .read_line(&mut line)
            .map_err(|e| format!("cannot read from the terminal: {e}"))?;
        let url = Url::parse(line.trim())
            .map_err(|_| "that is not the address the browser was sent to".to_owned())?;
        read_redirect(&url, &state)
    })
    .await
    .map_err(|e| format!("sign-in prompt failed: {e}"))?
}

#[cfg(unix)]
fn open_terminal_for_reading() -> Result<std::fs::File, String> {
    std::fs::File::open("/dev/tty").map_err(|_| {
        "--oauth-flow manual needs a terminal (stdin is the JSON-RPC pipe); run `mcp-tray auth login NAME` in a terminal instead".to_owned()
    })
}

#[cfg(windows)]
fn open_terminal_for_reading() -> Result<std::fs::File, String> {
    std::fs::File::open("CONIN$").map_err(|_| {
        "--oauth-flow manual needs a console; run `mcp-tray auth login NAME` in a terminal instead"
            .to_owned()
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    #[test]
    fn pkce_challenge_is_the_s256_of_the_verifier() {
        let p = Pkce::new().expect("pkce");
        let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(p.verifier.as_bytes()));
        assert_eq!(p.challenge, expected);
        assert!(p.verifier.len() >= 43);
        assert_ne!(Pkce::new().expect("pkce").state, p.state);
    }

    #[test]
    fn only_a_web_page_is_a_sign_in_page() {
        let url = |u: &str| Url::parse(u).expect("url");
        let https_server = url("https://mcp.example.com/mcp");
        for page in [
            "https://as.example.com/authorize",
            "http://127.0.0.1:9/authorize",
            "http://127.8.0.1/authorize",
            "http://[::1]:9/authorize",
            "http://localhost:9/authorize",
        ] {
            assert_eq!(
                check_sign_in_page(&url(page), &https_server),
                Ok(()),
                "{page}"
            );
        }
        // Plain HTTP elsewhere only for a server reached over plain HTTP anyway (--allow-http).
        let lan = url("http://10.0.0.7/authorize");
        let err = check_sign_in_page(&lan, &https_server).expect_err("plain http");
        assert!(err.contains("`http:`"), "{err}");
        assert_eq!(
            check_sign_in_page(&lan, &url("http://10.0.0.7/mcp")),
            Ok(())
        );
        for (page, scheme) in [
            ("file:///etc/passwd", "file"),
            ("javascript:alert(1)", "javascript"),
            ("smb://attacker.example/share", "smb"),
            ("ms-settings:privacy", "ms-settings"),
            ("vscode://x/y", "vscode"),
        ] {
            let http_server = url("http://127.0.0.1:9/mcp");
            let err = check_sign_in_page(&url(page), &http_server).expect_err(page);
            assert!(
                err.contains(&format!("a `{scheme}:` URL")) && err.contains("refusing"),
                "{err}"
            );
        }
    }

    /// The person's browser at the callback `redirect` (the authorization server approved at
    /// once): the page the sign-in shows it.
    async fn open_by_hand(redirect: &str, query: &str) -> String {
        let addr = redirect
            .trim_start_matches("http://")
            .trim_end_matches("/callback");
        let mut sock = tokio::net::TcpStream::connect(addr).await.expect("connect");
        sock.write_all(
            format!("GET /callback?{query} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes(),
        )
        .await
        .expect("write");
        let mut page = String::new();
        sock.read_to_string(&mut page).await.expect("read");
        page
    }

    #[tokio::test]
    async fn a_browser_that_did_not_open_is_told_at_once_and_the_address_opened_by_hand_signs_in() {
        let page = Url::parse("http://127.0.0.1:9/authorize?state=s1").expect("url");
        for (opener, said) in [
            ((|_| Opened::Failed) as fn(&str) -> Opened, true),
            (|_| Opened::NoBrowserHere, true),
            (|_| Opened::Yes, false),
        ] {
            let listener = bind_callback(0).await.expect("listen");
            let redirect = listener.redirect_uri.clone();
            let told = AtomicBool::new(false);
            let came_up = std::sync::Mutex::new(Vec::new());
            let sign_in = listener.browser_with(opener, &page, "s1", "demo", "mcp-tray", |up| {
                came_up.lock().expect("told").push(up);
                if !up {
                    told.store(true, Ordering::SeqCst);
                }
            });
            let person = async {
                if said {
                    // Told while the sign-in waits, before anybody opened the address.
                    let waited = tokio::time::timeout(Duration::from_secs(5), async {
                        while !told.load(Ordering::SeqCst) {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    })
                    .await;
                    assert!(waited.is_ok(), "not told that no browser opened");
                }
                open_by_hand(&redirect, "code=c1&state=s1").await
            };
            let (callback, shown) = tokio::join!(sign_in, person);
            assert_eq!(told.load(Ordering::SeqCst), said);
            // Whether a browser came up, then (opened by hand) that one answered from the page.
            let came_up = came_up.lock().expect("told").clone();
            assert_eq!(came_up, if said { vec![false, true] } else { vec![true] });
            assert_eq!(callback.expect("signed in").code, "c1");
            assert!(shown.contains("Signed in to demo"), "{shown}");
        }
    }

    #[test]
    fn redirect_with_wrong_state_or_denial_is_refused() {
        let ok = Url::parse("http://127.0.0.1:1/callback?code=c1&state=s").expect("url");
        assert_eq!(read_redirect(&ok, "s").expect("ok").code, "c1");
        assert!(read_redirect(&ok, "other").is_err());
        let denied =
            Url::parse("http://127.0.0.1:1/callback?error=access_denied&state=s").expect("url");
        let err = read_redirect(&denied, "s").err().expect("denied");
        assert!(err.contains("denied"), "{err}");
        // An error without the sign-in's state (another page loading the address) is a forgery,
        // which the wait for the real answer passes over, not the end of the sign-in.
        let forged = Url::parse(
            "http://127.0.0.1:1/callback?error=server_error&error_description=call%20us",
        )
        .expect("url");
        let err = read_redirect(&forged, "s").err().expect("forged");
        assert!(
            err.contains("wrong state") && !err.contains("call us"),
            "{err}"
        );
    }
}
