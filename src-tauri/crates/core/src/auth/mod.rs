//! Sign-in to protected remote servers: the OAuth 2.1 client of the bridge (MCP authorization,
//! 2025-11-25, with the 2025-06-18 and 2025-03-26 fallbacks).
//!
//! It owns discovery ([`discovery`]), client identity (pre-registered › Client ID Metadata
//! Document › dynamic registration), the PKCE S256 authorization-code flow with `state`,
//! `resource` (RFC 8707, with an opt-out) and scope selection ([`flow`]), step-up on
//! `403 insufficient_scope` (bounded), refresh before expiry and after a 401, `invalid_grant` →
//! sign in again, `invalid_client` → register again ([`token`]), and the token store with its
//! cross-process lock ([`store`]). The transport calls [`Auth::bearer`] for every request and
//! [`Auth::on_rejected`] on a 401/403, then retries once.
//!
//! It must never write a token, a code, a client secret or an `Authorization` header to stderr, a
//! journal or an error message, and never keep a client request waiting longer than
//! [`AuthOptions::wait`]: a sign-in that takes longer goes on in the background while the request
//! gets "sign-in required for NAME…".
//!
//! A running MCP Tray app takes browser sign-ins over from bridges ([`handoff`]), so a sign-in
//! survives Claude killing the bridge: the bridge posts a request, answers "sign-in required" at
//! once, and adopts the tokens the app stores. Without the app, the bridge signs in by itself.

pub mod challenge;
pub mod discovery;
pub mod flow;
pub mod handoff;
pub mod store;
pub mod token;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};

pub use challenge::Challenge;
pub use flow::Flow;
pub use reqwest::Url;
use store::{ClientRegistration, Record, Secrets};
use token::TokenError;

/// Why [`Auth::on_rejected`] gives up on a refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A sign-in is pending, failed or gave up: these words, for the client.
    SignIn(String),
    /// These words, followed by the start of the server's answer (it may say why).
    WithBody(String),
    /// Not a matter for OAuth: a 401 from a server that offers no sign-in (another scheme, or no
    /// OAuth metadata at all), or a 403 to a request that carried no token. The transport reports
    /// it as the server's own refusal, with its answer.
    NotOAuth,
    /// What happened, then the start of the server's answer, then what to do ([`explained`]): a
    /// `Bearer` server with no sign-in MCP Tray can use, credentials given with `--header` refused.
    Explained { what: String, then: String },
}

/// How a `Bearer` 401 from a server without any sign-in (no OAuth metadata, no 2025-03-26
/// endpoints) reads (the diagnosis's fix keys on it).
pub const NO_TOKEN_SIGN_IN: &str = "asks for a token but offers no sign-in MCP Tray can use";
/// How a 401 to a request that carried the user's own `Authorization` header reads (the
/// diagnosis's fix keys on it).
pub const GIVEN_REFUSED: &str = "refused the credentials given with --header";
/// How a [`GIVEN_REFUSED`] message goes on when the refused header was `Authorization` and the
/// server offers a sign-in MCP Tray can do (the diagnosis's fix keys on it).
pub const SIGN_IN_INSTEAD: &str = "leave the Authorization header out and MCP Tray signs in";
/// How a [`GIVEN_REFUSED`] message goes on when the refused header was another one (`X-API-Key`)
/// and the server's challenge asks for a token it offers no sign-in for (the diagnosis's fix keys
/// on it).
pub const TOKEN_INSTEAD: &str =
    "it asks for a token: pass one with --header 'Authorization: Bearer …'";

/// The most one request of the sign-in's own (metadata, a registration, a token) may take, from
/// connecting to the end of its answer: a server that takes the connection and never answers
/// would otherwise hold a refresh, and every request waiting for it, for good.
pub(crate) const AUTH_HTTP_WAIT: Duration = Duration::from_secs(30);
/// The most a refresh waits for another process's refresh of the same sign-in (which is bounded
/// by its token request's [`AUTH_HTTP_WAIT`]) before it refreshes anyway.
const REFRESH_LOCK_WAIT: Duration = Duration::from_secs(35);
/// The largest answer of an authorization server's read (metadata, a registration, tokens):
/// each is a small JSON object.
pub(crate) const MAX_AUTH_BODY: usize = 1024 * 1024;

/// The body of an authorization server's answer, or `None` when it breaks off or runs past
/// [`MAX_AUTH_BODY`] (read no further).
pub(crate) async fn small_body(resp: reqwest::Response) -> Option<Vec<u8>> {
    crate::transport::body_up_to(resp, MAX_AUTH_BODY).await.ok()
}

/// What to do about [`GIVEN_REFUSED`], as the bridge says it (the app shows its own fix).
pub const GIVE_VALID: &str = "give valid ones (in the app: the Edit form's headers)";
/// What to do about [`NO_TOKEN_SIGN_IN`], as the bridge says it (the app shows its own fix).
pub const PASS_TOKEN: &str =
    "pass a token with --header 'Authorization: Bearer …' (in the app: the Edit form's headers)";
/// How a bridge waiting for a sign-in says what to do, in Claude's log (the app, where the sign-in
/// is done, shows its own Sign in button instead).
pub const OPEN_APP_OR_LOGIN: &str = "open MCP Tray or run mcp-tray auth login";
/// How a message says a sign-in is needed and not done yet (`sign-in required for NAME`; the
/// diagnosis's fix keys on it).
pub const SIGN_IN_REQUIRED: &str = "sign-in required for";
/// How a bridge whose sign-in failed says what to do, in Claude's log.
pub const RUN_LOGIN: &str = "run mcp-tray auth login";
/// How a bridge's failed browser sign-in says that no browser was ever opened at its page (it
/// stopped before the page, or no browser could be started): the diagnosis's fix keys on it, and
/// sends nobody to finish the sign-in in a browser.
pub const BEFORE_ANY_BROWSER: &str = "before any browser was opened";

/// `WHAT: the server's answer; THEN` (no answer: `WHAT; THEN`).
pub fn explained(what: &str, body: &str, then: &str) -> String {
    if body.is_empty() {
        format!("{what}; {then}")
    } else {
        format!("{what}: {body}; {then}")
    }
}

/// The most a request waits for a sign-in by default ([`default_wait`]). Claude Desktop, like
/// every client of the MCP TypeScript SDK, gives up on a request after 60 s; the wait starts only
/// after the server's 401 and its metadata lookups, and the answer must still reach the client:
/// 45 s leaves a quarter of the client's minute for those, so the client reads "sign-in required"
/// rather than "Request timed out".
pub const DEFAULT_WAIT_CAP: Duration = Duration::from_secs(45);

/// How long a request waits for a sign-in when `--oauth-wait` is not given: 80 % of the request's
/// `timeout`, at most [`DEFAULT_WAIT_CAP`].
pub fn default_wait(timeout: Duration) -> Duration {
    timeout.mul_f64(0.8).min(DEFAULT_WAIT_CAP)
}

/// Re-authorizations for the same scope set after `403 insufficient_scope`.
const MAX_STEP_UPS: u32 = 2;
/// A token this close to its expiry is refreshed before it is used (a quarter of its lifetime
/// when that is shorter: a 30-second token is not refreshed before every request).
const REFRESH_MARGIN_SECS: u64 = 60;
/// A 401 this soon after our own sign-in does not start another one.
const SIGN_IN_COOLDOWN: Duration = Duration::from_secs(60);
/// How long a bridge waits on another process's sign-in before giving up on the lock.
const LOCK_WAIT: Duration = Duration::from_secs(11 * 60);

/// Whether a token with this record's expiry is refreshed before use, at `now` (Unix seconds):
/// within a minute of expiring, or a quarter of its lifetime when that is shorter.
fn refresh_due(record: &Record, now: u64) -> bool {
    let margin = record
        .lifetime
        .map_or(REFRESH_MARGIN_SECS, |l| (l / 4).min(REFRESH_MARGIN_SECS));
    record.expires_at.is_some_and(|at| at <= now + margin)
}

/// How `mcp-tray bridge` / `mcp-tray auth login` was told to sign in.
#[derive(Clone)]
pub struct AuthOptions {
    pub server_url: Url,
    /// The server's name, for messages (`sign-in required for NAME`).
    pub name: String,
    pub flow: Flow,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// An https URL serving this client's metadata document (CIMD).
    pub client_metadata_url: Option<String>,
    /// Leave out `resource` (servers that reject RFC 8707, e.g. Entra).
    pub no_resource: bool,
    /// The RFC 8707 `resource` to sign in for instead of the server's own (`--oauth-resource`),
    /// on the authorization, token and refresh requests. Checked by [`resource_override`].
    pub resource: Option<String>,
    /// Extra parameters of the authorization request (`--oauth-authorize-param`), in order, each
    /// replacing one of the same name. Checked by [`authorize_param`].
    pub authorize_params: Vec<(String, String)>,
    /// Scopes to ask for instead of the server's.
    pub scope: Option<String>,
    /// How long a client request may wait for a sign-in.
    pub wait: Duration,
    /// A running MCP Tray app may take a browser sign-in over (bridges, not `auth login`).
    pub hand_off: bool,
    /// The user sends their own `Authorization` header (`--header`): it is never replaced by a
    /// token of ours and never signed in over; a 401 says the server refused it.
    pub own_authorization: bool,
    /// The user sends credentials of their own in other headers (`X-API-Key`, `Cookie`…,
    /// [`crate::redact::is_secret_header`]): a 401 from a server that offers no sign-in says the
    /// server refused them, not that some are needed.
    pub own_credentials: bool,
    /// A PEM file of CA certificates trusted besides the system's (`--ca-cert`), by an absolute
    /// path: every request of a sign-in trusts it ([`AuthOptions::http_client`]), and a hand-off
    /// carries it to the app.
    pub ca_cert: Option<std::path::PathBuf>,
}

impl AuthOptions {
    /// The HTTP client of a sign-in run on its own (`auth login`, the app): the transport's, with
    /// the CA of [`AuthOptions::ca_cert`] trusted too. A bridge's sign-in uses the bridge's client.
    pub fn http_client(&self) -> Result<reqwest::Client, String> {
        let pem =
            match &self.ca_cert {
                Some(path) => Some(crate::transport::read_ca_file(path).map_err(|e| {
                    format!("cannot read the CA certificate {}: {e}", path.display())
                })?),
                None => None,
            };
        crate::transport::build_client(pem.as_deref(), false).map_err(|e| match &self.ca_cert {
            Some(path) => format!("{}: {e}", path.display()),
            None => e,
        })
    }
}

impl std::fmt::Debug for AuthOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthOptions")
            .field("server_url", &shown(&self.server_url))
            .field("name", &self.name)
            .field("flow", &self.flow)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "hidden"),
            )
            .field("client_metadata_url", &self.client_metadata_url)
            .field("no_resource", &self.no_resource)
            .field("resource", &self.resource)
            .field("authorize_params", &self.authorize_params)
            .field("scope", &self.scope)
            .field("wait", &self.wait)
            .field("hand_off", &self.hand_off)
            .field("own_authorization", &self.own_authorization)
            .field("own_credentials", &self.own_credentials)
            .field("ca_cert", &self.ca_cert)
            .finish()
    }
}

#[derive(Default)]
struct State {
    record: Record,
    secrets: Secrets,
    /// Bumped whenever the access token changes.
    generation: u64,
    running: bool,
    /// The running sign-in was handed to the app: requests get their answer at once.
    handed_off: bool,
    /// A request has waited out [`AuthOptions::wait`] on the running sign-in and was told it is
    /// required: later requests get the same answer at once instead of a whole wait each, while
    /// the sign-in stays open until it is finished or abandoned.
    waited_out: bool,
    /// The address the running browser sign-in waits to be opened at (no secret: the request's
    /// PKCE challenge and state), for the answer that says a sign-in is required.
    waiting_at: Option<Url>,
    last_error: Option<String>,
    /// Whether a browser was opened at the page of this process's own browser sign-in, the last
    /// one run (`None`: none of its own, such as one handed to the app, or not a browser one).
    browser_came_up: Option<bool>,
    step_ups: HashMap<String, u32>,
    /// When this process last finished an interactive sign-in (no loops, no tab floods).
    last_sign_in: Option<std::time::Instant>,
}

/// One server's sign-in state in this process; shared by every request of a bridge.
pub struct Auth {
    opts: AuthOptions,
    http: reqwest::Client,
    /// The canonical server URL: one sign-in at a time per server (lock, hand-off, port).
    key: String,
    /// The client this bridge was told to be, if any (part of what the store keys on).
    client_given: Option<String>,
    /// What the sign-in is stored under ([`store::sign_in_id`]).
    store_id: String,
    state: Mutex<State>,
    /// Serialises refreshes in this process.
    refresh: tokio::sync::Mutex<()>,
    /// Where sign-in events go (the bridge's stderr lines and journal); never secrets.
    reporter: std::sync::OnceLock<crate::transport::Reporter>,
    /// Told the authorization URL each time a browser is opened at it, or answers from it (one
    /// opened by hand): the app's "Open the browser again".
    browser_opened: std::sync::OnceLock<BrowserHook>,
    /// Told the authorization URL when no browser could be opened at it (the app shows it).
    browser_failed: std::sync::OnceLock<BrowserHook>,
    /// A check runs this bridge (`probe`, `doctor`, the app's Test: [`crate::probe::NO_SIGN_IN_ENV`]):
    /// no sign-in that needs a person is started, as for a keep-alive ping; stored tokens and
    /// refreshes still serve.
    checking: bool,
}

type BrowserHook = Box<dyn Fn(&Url) + Send + Sync>;

pub(crate) fn shown(url: &Url) -> String {
    crate::transport::display_url(url)
}

impl Auth {
    /// Loads what the store knows about the server.
    pub fn new(opts: AuthOptions, http: reqwest::Client) -> Arc<Auth> {
        let key = discovery::canonical_resource(&opts.server_url);
        let client_given = opts
            .client_id
            .clone()
            .or_else(|| opts.client_metadata_url.clone());
        let asked_for = asked_for(&opts);
        let store_id = store::sign_in_id(&key, client_given.as_deref(), asked_for.as_deref());
        let mut state = State::default();
        // With the user's own Authorization header, no stored token is ever sent instead.
        let stored = (!opts.own_authorization)
            .then(|| store::load(&store_id))
            .flatten();
        match stored {
            Some((record, secrets)) if client_matches(&opts, &record) => {
                state.record = record;
                state.secrets = secrets;
            }
            _ => {
                state.record.server_url = key.clone();
                state.record.client_given = client_given.clone();
                state.record.asked_for = asked_for.clone();
            }
        }
        state.record.name = opts.name.clone();
        Arc::new(Auth {
            opts,
            http,
            key,
            client_given,
            store_id,
            state: Mutex::new(state),
            refresh: tokio::sync::Mutex::new(()),
            reporter: std::sync::OnceLock::new(),
            browser_opened: std::sync::OnceLock::new(),
            browser_failed: std::sync::OnceLock::new(),
            checking: crate::probe::sign_in_off(),
        })
    }

    /// Calls `hook` with the authorization URL whenever a browser sign-in opened a browser at it,
    /// or a browser answered from it (the person opened the address by hand).
    pub fn on_browser_opened(&self, hook: impl Fn(&Url) + Send + Sync + 'static) {
        let _ = self.browser_opened.set(Box::new(hook));
    }

    /// Calls `hook` with the authorization URL when a browser sign-in could not open a browser at
    /// it (none here, or its opener failed): the sign-in goes on waiting for the person to open
    /// the address themselves.
    pub fn on_browser_failed(&self, hook: impl Fn(&Url) + Send + Sync + 'static) {
        let _ = self.browser_failed.set(Box::new(hook));
    }

    /// Sends sign-in events (signed in, refreshed, failed) to the bridge's reporter.
    pub fn report_to(&self, reporter: crate::transport::Reporter) {
        let _ = self.reporter.set(reporter);
    }

    fn say(&self, level: crate::journal::Level, code: &str, text: &str) {
        match self.reporter.get() {
            Some(r) => r.report(level, code, text),
            None => {
                crate::transport::say_on_stderr(&format!("mcp-tray [{}]: {text}\n", self.opts.name))
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The `Authorization` value for the next request, if signed in (marked sensitive).
    pub fn bearer(&self) -> Option<HeaderValue> {
        let st = self.lock();
        let token = st.secrets.access_token.as_deref()?;
        let mut v = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
        v.set_sensitive(true);
        Some(v)
    }

    /// While a sign-in runs in this process (not handed to the app): how long a request may wait
    /// for it ([`AuthOptions::wait`]). The bridge holds its requests' timeouts back meanwhile.
    pub fn sign_in_wait(&self) -> Option<Duration> {
        let st = self.lock();
        (st.running && !st.handed_off && !st.waited_out).then_some(self.opts.wait)
    }

    /// Changes whenever the token does; the transport passes it back to [`Auth::on_rejected`].
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Refreshes a token that expires within a minute. Failures are left to the next 401.
    pub async fn before_request(self: &Arc<Self>) {
        let due = {
            let st = self.lock();
            st.secrets.access_token.is_some()
                && st.secrets.refresh_token.is_some()
                && refresh_due(&st.record, store::now_secs())
        };
        if due {
            let seen = self.generation();
            let _ = self.refresh_once(seen).await;
        }
    }

    /// The server refused a request that carried the token of generation `seen`. Gets a usable
    /// token (another request's fresh one, the store's, a refresh, a new sign-in, a step-up) and
    /// returns `Ok` to retry, or says why not ([`Refusal`]). Without `interactive` (the bridge's
    /// keep-alive pings, which nobody is waiting on), no sign-in that needs a person is started
    /// nor waited for: the refusal says one is required, and the client's next request starts it.
    pub async fn on_rejected(
        self: &Arc<Self>,
        status: u16,
        headers: &reqwest::header::HeaderMap,
        seen: u64,
        interactive: bool,
    ) -> Result<(), Refusal> {
        let interactive = interactive && !self.checking;
        let values: Vec<&str> = headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let challenge = Challenge::parse(values.iter().copied());
        if self.opts.own_authorization {
            // The user's own credentials: never a sign-in over them, nor a step-up.
            if status == 401 {
                return Err(self.given_refused(&values, &challenge).await);
            }
            return Err(Refusal::NotOAuth);
        }
        if status == 403 {
            if !challenge.wants_more_scope() {
                if self.generation() != seen {
                    return Ok(()); // sent before another request got a token: try with it
                }
                if self.lock().secrets.access_token.is_none() {
                    // No token was sent: the server refuses for its own reasons.
                    return Err(Refusal::NotOAuth);
                }
                return Err(Refusal::WithBody(format!(
                    "{} refused this request (HTTP 403) even though MCP Tray is signed in",
                    self.opts.name
                )));
            }
            if !interactive && self.opts.flow.needs_person() {
                // A step-up is a sign-in too; nor does it use up one of the client's.
                return Err(self.left_to_client());
            }
            let wanted = union_scopes(
                self.lock().record.scope.as_deref(),
                challenge.scope.as_deref(),
            );
            let tries = {
                let mut st = self.lock();
                let n = st.step_ups.entry(wanted.clone()).or_insert(0);
                *n += 1;
                *n
            };
            if tries > MAX_STEP_UPS {
                return Err(Refusal::SignIn(format!(
                    "{} still refuses with insufficient_scope after {MAX_STEP_UPS} re-authorizations for `{wanted}`; giving up",
                    self.opts.name
                )));
            }
            return self
                .sign_in(Some(wanted), challenge)
                .await
                .map_err(Refusal::SignIn);
        }
        if !values.is_empty() && !challenge::offers_bearer(values.iter().copied()) {
            // `Basic`, `ApiKey`…: credentials OAuth cannot get.
            return Err(self.no_sign_in(status, None));
        }
        if self.generation() != seen {
            return Ok(()); // another request already got a new token
        }
        if self.adopt_stored(0) {
            return Ok(());
        }
        if self.lock().secrets.refresh_token.is_some() {
            match self.refresh_once(seen).await {
                Ok(()) => return Ok(()),
                Err(TokenError::InvalidClient) => self.forget_client(),
                Err(_) => {}
            }
        }
        let just_signed_in = self
            .lock()
            .last_sign_in
            .is_some_and(|at| at.elapsed() < SIGN_IN_COOLDOWN);
        if just_signed_in {
            return Err(Refusal::SignIn(format!(
                "{} refused the token of the sign-in that just finished; not signing in again so soon (if it rejects the resource indicator, add --oauth-no-resource)",
                self.opts.name
            )));
        }
        if values.is_empty() && !self.offers_sign_in(&challenge).await {
            return Err(self.no_sign_in(status, None));
        }
        if !values.is_empty() && !self.offers_token_sign_in(&challenge).await {
            let (what, then) = token_without_sign_in(&format!(
                "remote server at {}",
                shown(&self.opts.server_url)
            ));
            return Err(self.no_sign_in(status, Some(Refusal::Explained { what, then })));
        }
        if !interactive && self.opts.flow.needs_person() {
            return Err(self.left_to_client());
        }
        self.sign_in(None, challenge).await.map_err(Refusal::SignIn)
    }

    /// Why a request that may not involve a person (a keep-alive ping, a check's) gets no
    /// sign-in.
    fn left_to_client(&self) -> Refusal {
        if self.checking {
            return Refusal::SignIn(self.pending_message(None));
        }
        Refusal::SignIn(format!(
            "{SIGN_IN_REQUIRED} {}; the client's next request starts it (a keep-alive ping never does)",
            self.opts.name
        ))
    }

    /// Why a 401 to a request with the user's own `Authorization` header fails: the server
    /// refused those credentials. Leaving them out is suggested only where the server offers a
    /// sign-in MCP Tray can do.
    async fn given_refused(&self, values: &[&str], challenge: &Challenge) -> Refusal {
        let offers = challenge::offers_bearer(values.iter().copied())
            && discovery::publishes_metadata(&self.http, &self.opts.server_url, challenge).await;
        self.given_refused_then(&if offers {
            format!(", or {SIGN_IN_INSTEAD} to the server")
        } else {
            String::new()
        })
    }

    /// The server refused the credentials given with `--header`; `more` follows the advice to
    /// give valid ones.
    fn given_refused_then(&self, more: &str) -> Refusal {
        Refusal::Explained {
            what: format!(
                "remote server at {} {GIVEN_REFUSED} (HTTP 401)",
                shown(&self.opts.server_url)
            ),
            then: format!("they may have expired or be wrong: {GIVE_VALID}{more}"),
        }
    }

    /// Why a refused request gets no sign-in from a server that offers none: `otherwise`
    /// ([`Refusal::NotOAuth`] when `None`), unless it was a 401 to a request that carried the
    /// user's own credentials ([`AuthOptions::own_credentials`]): then the server refused those.
    fn no_sign_in(&self, status: u16, otherwise: Option<Refusal>) -> Refusal {
        if status == 401 && self.opts.own_credentials {
            let more = if otherwise.is_some() {
                // A `Bearer` challenge: what it wants is a token.
                format!("; {TOKEN_INSTEAD}")
            } else {
                String::new()
            };
            return self.given_refused_then(&more);
        }
        otherwise.unwrap_or(Refusal::NotOAuth)
    }

    /// Whether a server that asked for a `Bearer` token offers a sign-in: its OAuth metadata, or
    /// else (2025-03-26) the default endpoints at its origin.
    async fn offers_token_sign_in(&self, challenge: &Challenge) -> bool {
        self.offers_sign_in(challenge).await
            || discovery::fallback_endpoints_exist(&self.http, &self.opts.server_url).await
    }

    /// Whether a server that answered 401 without any `WWW-Authenticate` publishes OAuth metadata
    /// (a sign-in of ours or a stored one counts). Without it, it wants credentials of its own.
    async fn offers_sign_in(&self, challenge: &Challenge) -> bool {
        {
            let st = self.lock();
            if st.secrets.access_token.is_some() || st.secrets.refresh_token.is_some() {
                return true;
            }
        }
        discovery::publishes_metadata(&self.http, &self.opts.server_url, challenge).await
    }

    /// `mcp-tray auth login`: asks the server for its challenge, then signs in (waits for it).
    /// Says how it signed in as a sign-in event ([`Auth::report_to`], else stderr).
    pub async fn login(self: &Arc<Self>) -> Result<(), String> {
        if let Some(how) = self.login_as().await? {
            self.say(
                crate::journal::Level::Info,
                "signed-in",
                &format!("signed in ({how})"),
            );
        }
        Ok(())
    }

    /// [`Auth::login`], saying nothing: how it signed in (`client ID, dynamic`), or `None` when
    /// it took the sign-in another process made meanwhile. For a caller that says it in its own
    /// line (`auth login`).
    pub async fn login_as(self: &Arc<Self>) -> Result<Option<String>, String> {
        let probe = self
            .http
            .post(self.opts.server_url.clone())
            .header(ACCEPT, "application/json, text/event-stream")
            .header(CONTENT_TYPE, "application/json")
            .body(r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcp-tray","version":"0"}}}"#)
            .timeout(AUTH_HTTP_WAIT)
            .send()
            .await
            .map_err(|e| {
                // In the transport's words: a certificate from a private CA names --ca-cert.
                crate::transport::Fault::from_reqwest(&e, &self.opts.server_url).describe()
            })?;
        let status = probe.status().as_u16();
        let values: Vec<String> = probe
            .headers()
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let challenge = Challenge::parse(values.iter().map(String::as_str));
        // A 401 with another scheme (`Basic`…), or with no challenge and no OAuth metadata
        // anywhere: there is nothing to sign in to. (Any other answer: sign in anyway from the
        // metadata, if any.)
        if status == 401
            && ((!values.is_empty()
                && !challenge::offers_bearer(values.iter().map(String::as_str)))
                || (values.is_empty()
                    && !discovery::publishes_metadata(
                        &self.http,
                        &self.opts.server_url,
                        &challenge,
                    )
                    .await))
        {
            let body = crate::transport::first_line(probe).await;
            return Err(format!(
                "{} {} (HTTP 401){}; there is nothing to sign in to: {}",
                self.opts.name,
                crate::transport::NO_SIGN_IN,
                if body.is_empty() {
                    String::new()
                } else {
                    format!(": {body}")
                },
                crate::transport::PASS_HEADERS
            ));
        }
        // Not refused at all, and nothing to sign in with: a server that needs no sign-in (the
        // 2025-03-26 default endpoints count as something, for a server that predates metadata).
        if !matches!(status, 401 | 403)
            && !discovery::publishes_metadata(&self.http, &self.opts.server_url, &challenge).await
            && !discovery::fallback_endpoints_exist(&self.http, &self.opts.server_url).await
        {
            return Err(format!(
                "{} does not ask for a sign-in: it answered without one (HTTP {status}) and \
                 offers no OAuth sign-in, so there is nothing to sign in to; the bridge connects \
                 to it as it is",
                self.opts.name
            ));
        }
        if status == 401 && !values.is_empty() && !self.offers_token_sign_in(&challenge).await {
            let (what, then) = token_without_sign_in(&self.opts.name);
            let body = crate::transport::first_line(probe).await;
            return Err(explained(&what, &body, &then));
        }
        self.run_flow(self.opts.scope.clone(), challenge).await
    }

    /// Runs a sign-in (single-flight in this process) and waits at most `wait` for it.
    async fn sign_in(
        self: &Arc<Self>,
        scope: Option<String>,
        challenge: Challenge,
    ) -> Result<(), String> {
        let seen = {
            let mut st = self.lock();
            let seen = st.generation;
            if st.running && (st.handed_off || st.waited_out) {
                // Someone was told already; this sign-in is still open in the browser (or the app).
                return Err(self.pending_message(st.waiting_at.as_ref()));
            }
            if !st.running {
                st.running = true;
                st.last_error = None;
                st.browser_came_up = None;
                st.waited_out = false;
                st.waiting_at = None;
                st.handed_off = self.hands_off();
                let handed_off = st.handed_off;
                let this = Arc::clone(self);
                tokio::spawn(async move {
                    let result = if handed_off {
                        this.hand_off(scope, challenge).await
                    } else {
                        this.run_flow(scope, challenge).await
                    };
                    match &result {
                        Ok(Some(how)) => this.say(
                            crate::journal::Level::Info,
                            "signed-in",
                            &format!("signed in ({how})"),
                        ),
                        Ok(None) => {}
                        Err(e) => this.say(
                            crate::journal::Level::Error,
                            crate::diagnose::codes::AUTH_REQUIRED,
                            &format!("sign-in failed: {e}"),
                        ),
                    }
                    let mut st = this.lock();
                    st.running = false;
                    st.handed_off = false;
                    st.waited_out = false;
                    st.waiting_at = None;
                    if let Err(e) = result {
                        st.last_error = Some(e);
                    }
                });
            }
            seen
        };
        let deadline = tokio::time::Instant::now() + self.opts.wait;
        loop {
            {
                let st = self.lock();
                if st.generation != seen {
                    return Ok(());
                }
                if !st.running {
                    return Err(match &st.last_error {
                        // No person can do better: the entry's own credentials are wrong.
                        Some(e) if !self.opts.flow.needs_person() => {
                            format!("sign-in to {} failed: {e}", self.opts.name)
                        }
                        // Nothing waits in a browser: the fix must not send anyone to one.
                        Some(e) if st.browser_came_up == Some(false) => format!(
                            "sign-in to {} failed {BEFORE_ANY_BROWSER}: {e}; {RUN_LOGIN} {}",
                            self.opts.name, self.opts.name
                        ),
                        Some(e) => format!(
                            "sign-in to {} failed: {e}; {RUN_LOGIN} {}",
                            self.opts.name, self.opts.name
                        ),
                        None => self.pending_message(st.waiting_at.as_ref()),
                    });
                }
            }
            {
                let mut st = self.lock();
                if st.handed_off {
                    return Err(self.pending_message(st.waiting_at.as_ref()));
                }
                if tokio::time::Instant::now() >= deadline {
                    st.waited_out = true;
                    return Err(self.pending_message(st.waiting_at.as_ref()));
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// "sign-in required for NAME…", with the address a browser sign-in of this process waits
    /// at (`waiting_at`), if one does.
    fn pending_message(&self, waiting_at: Option<&Url>) -> String {
        let name = &self.opts.name;
        match waiting_at {
            Some(url) => format!(
                "{SIGN_IN_REQUIRED} {name}: {OPEN_APP_OR_LOGIN} {name}; a sign-in is waiting: open {url} in a browser on this machine to finish it"
            ),
            None => format!("{SIGN_IN_REQUIRED} {name}: {OPEN_APP_OR_LOGIN} {name}"),
        }
    }

    /// Whether this sign-in goes to the running app: a bridge's browser sign-in without a client
    /// secret (a request file never holds one).
    fn hands_off(&self) -> bool {
        self.opts.hand_off
            && self.opts.flow == Flow::Browser
            && self.opts.client_secret.is_none()
            && handoff::app_running()
    }

    /// Posts a sign-in request for the app and waits until the store holds new tokens. Should the
    /// app quit meanwhile, signs in here as if it had never run (then: how, as [`Auth::run_flow`]).
    async fn hand_off(
        self: &Arc<Self>,
        scope: Option<String>,
        challenge: Challenge,
    ) -> Result<Option<String>, String> {
        let started = store::now_ms();
        let request = handoff::SignInRequest::from_options(&self.opts, scope.clone());
        if let Err(e) = handoff::post(&request) {
            self.say(
                crate::journal::Level::Warn,
                crate::diagnose::codes::AUTH_REQUIRED,
                &format!("could not hand the sign-in to MCP Tray ({e}); signing in here"),
            );
            self.lock().handed_off = false;
            return self.run_flow(scope, challenge).await;
        }
        self.say(
            crate::journal::Level::Warn,
            crate::diagnose::codes::AUTH_REQUIRED,
            &format!(
                "sign-in required: handed to MCP Tray (\"Sign in to {}\")",
                self.opts.name
            ),
        );
        let since = tokio::time::Instant::now();
        loop {
            if self.adopt_stored(started) {
                return Ok(None);
            }
            if !handoff::app_running() {
                self.lock().handed_off = false;
                return self.run_flow(scope, challenge).await;
            }
            if since.elapsed() > LOCK_WAIT {
                return Err("nobody signed in from MCP Tray in time".into());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Takes the cross-process lock (or adopts what the holder stores), then runs the flow: how
    /// it signed in ([`Auth::authorize`]), or `None` when it adopted another process's sign-in.
    async fn run_flow(
        self: &Arc<Self>,
        scope: Option<String>,
        challenge: Challenge,
    ) -> Result<Option<String>, String> {
        let started = store::now_ms();
        let waited_since = tokio::time::Instant::now();
        let lock = loop {
            if let Some(lock) = store::try_lock(&self.key) {
                break lock;
            }
            if self.adopt_stored(started) {
                return Ok(None);
            }
            if waited_since.elapsed() > LOCK_WAIT {
                return Err("another MCP Tray process has been signing in for too long".into());
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        };
        if scope.is_none() && self.adopt_stored(started) {
            return Ok(None);
        }
        let result = self.authorize(scope, &challenge).await;
        drop(lock);
        result.map(Some)
    }

    /// Adopts the stored sign-in when it is newer than `since_ms` (ms) and holds another token.
    fn adopt_stored(&self, since_ms: u64) -> bool {
        // Cheap check first: the secrets may sit in the keychain.
        let known = self.lock().record.updated_ms;
        if store::updated_ms(&self.store_id).is_none_or(|at| at < since_ms || at <= known) {
            return false;
        }
        let Some((record, secrets)) = store::load(&self.store_id) else {
            return false;
        };
        if !client_matches(&self.opts, &record) {
            return false;
        }
        let mut st = self.lock();
        let newer = record.updated_ms >= since_ms && record.updated_ms > st.record.updated_ms;
        if newer
            && secrets.access_token.is_some()
            && secrets.access_token != st.secrets.access_token
        {
            st.record = record;
            st.record.name = self.opts.name.clone();
            st.secrets = secrets;
            st.generation += 1;
            return true;
        }
        false
    }

    /// Forgets a refresh token the authorization server refused (`invalid_grant`), here and in the
    /// store: it is never sent again, by this process or the next, and its refusal is said once.
    /// The access token serves until it expires or is refused; then a sign-in follows.
    fn forget_refresh_token(&self, refused: &str) {
        let (record, secrets) = {
            let mut st = self.lock();
            if st.secrets.refresh_token.as_deref() != Some(refused) {
                return; // already replaced by a newer one
            }
            st.secrets.refresh_token = None;
            (st.record.clone(), st.secrets.clone())
        };
        // Unless another process stored a sign-in of its own meanwhile.
        if store::load(&self.store_id)
            .is_some_and(|(_, stored)| stored.refresh_token.as_deref() != Some(refused))
        {
            return;
        }
        match store::save(&record, &secrets) {
            Ok(()) => {
                if let Some((stored, _)) = store::load(&self.store_id) {
                    self.lock().record.updated_ms = stored.updated_ms;
                }
            }
            Err(e) => self.say(
                crate::journal::Level::Warn,
                crate::diagnose::codes::AUTH_REQUIRED,
                &format!("the refused refresh token could not be removed from the store: {e}"),
            ),
        }
    }

    fn forget_client(&self) {
        let mut st = self.lock();
        st.record.client = None;
        st.secrets.client_secret = None;
    }

    /// Waits, up to `wait`, for a token refresh under way to end: the process is about to exit,
    /// which would cut it (the runtime stops its tasks) after the server rotated the refresh
    /// token and before the new one was kept.
    pub async fn settle(&self, wait: Duration) {
        let _ = tokio::time::timeout(wait, self.refresh.lock()).await;
    }

    /// One refresh at a time; a refresh someone else finished counts. It runs on a task of its
    /// own: the request that asked for it may be dropped midway (the client cancelled it, or its
    /// deadline passed), and a refresh cut after the server rotated the refresh token, before the
    /// new one was kept, would leave only the old one, which the server then refuses (or takes as
    /// stolen and revokes the whole sign-in): a browser sign-in nobody expected.
    async fn refresh_once(self: &Arc<Self>, seen: u64) -> Result<(), TokenError> {
        let this = Arc::clone(self);
        tokio::spawn(async move { this.refresh_whole(seen).await })
            .await
            .unwrap_or_else(|e| Err(TokenError::Other(format!("the token refresh stopped: {e}"))))
    }

    /// [`Auth::refresh_once`]'s work, never dropped midway.
    async fn refresh_whole(self: &Arc<Self>, seen: u64) -> Result<(), TokenError> {
        let _guard = self.refresh.lock().await;
        if self.generation() != seen {
            return Ok(());
        }
        // One refresh of this sign-in at a time across processes, and none after another
        // process's: its tokens are taken instead ([`store::refresh_lock`]).
        let id = self.store_id.clone();
        let _across =
            tokio::task::spawn_blocking(move || store::refresh_lock(&id, REFRESH_LOCK_WAIT))
                .await
                .ok()
                .flatten();
        // Another process's tokens, unless they are due themselves (stored long ago by a
        // process gone since): then refreshed with its refresh token.
        if self.adopt_stored(0) && !refresh_due(&self.lock().record, store::now_secs()) {
            return Ok(());
        }
        let (record, secrets) = {
            let st = self.lock();
            (st.record.clone(), st.secrets.clone())
        };
        let (Some(refresh_token), Some(client)) =
            (secrets.refresh_token.clone(), record.client.clone())
        else {
            return Err(TokenError::InvalidGrant);
        };
        let endpoint = record
            .token_endpoint
            .clone()
            .unwrap_or_else(|| client.token_endpoint.clone());
        // A sign-in kept from before endpoints were checked may name a plain `http:` one on
        // another computer: it gets no refresh token; a new sign-in finds the server's endpoints
        // as they are now (and refuses them if they still are).
        if !Url::parse(&endpoint).is_ok_and(|url| flow::reached_safely(&url, &self.opts.server_url))
        {
            self.say(
                crate::journal::Level::Info,
                "token-refresh-refused",
                "the access token was not refreshed: the kept sign-in's token endpoint is not \
                 https, and a refresh token is not sent over plain HTTP; signing in again",
            );
            return Err(TokenError::InvalidGrant);
        }
        let resource = self.resource_param(record.resource.as_deref());
        let refresh_token_sent = refresh_token.clone();
        let form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token),
        ];
        match token::request(
            &self.http,
            &endpoint,
            &client,
            &secrets,
            form,
            resource.as_deref(),
        )
        .await
        {
            Ok(tokens) => {
                self.keep(tokens, record, secrets)
                    .map_err(TokenError::Other)?;
                self.say(
                    crate::journal::Level::Info,
                    "token-refreshed",
                    "access token refreshed",
                );
                Ok(())
            }
            Err(e) => {
                // A bridge next door may have rotated the refresh token: use its result.
                if self.adopt_stored(0) {
                    return Ok(());
                }
                // Said, so that the sign-in that may follow is not a surprise in the journal.
                self.say(
                    crate::journal::Level::Info,
                    "token-refresh-refused",
                    &format!("the access token could not be refreshed: {}", e.describe()),
                );
                if e == TokenError::InvalidGrant {
                    self.forget_refresh_token(&refresh_token_sent);
                }
                Err(e)
            }
        }
    }

    fn resource_param(&self, resource: Option<&str>) -> Option<String> {
        if self.opts.no_resource {
            None
        } else {
            Some(
                self.opts
                    .resource
                    .as_deref()
                    .or(resource)
                    .map(str::to_owned)
                    .unwrap_or_else(|| self.key.clone()),
            )
        }
    }

    /// Stores new tokens and makes them current.
    fn keep(
        &self,
        tokens: token::Tokens,
        mut record: Record,
        mut secrets: Secrets,
    ) -> Result<(), String> {
        secrets.access_token = Some(tokens.access_token);
        if tokens.refresh_token.is_some() {
            secrets.refresh_token = tokens.refresh_token;
        }
        record.expires_at = tokens.expires_in.map(|s| store::now_secs() + s);
        record.lifetime = tokens.expires_in;
        if tokens.scope.is_some() {
            record.scope = tokens.scope;
        }
        record.name = self.opts.name.clone();
        record.server_url = self.key.clone();
        record.client_given = self.client_given.clone();
        record.asked_for = asked_for(&self.opts);
        let saved = store::save(&record, &secrets);
        if saved.is_ok() {
            handoff::clear(&self.key);
        }
        // Reload to carry `updated_ms` as written.
        if let Some((r, _)) = store::load(&self.store_id) {
            record.updated_ms = r.updated_ms;
        }
        let mut st = self.lock();
        st.record = record;
        st.secrets = secrets;
        st.generation += 1;
        drop(st);
        if let Err(e) = saved {
            self.say(
                crate::journal::Level::Warn,
                crate::diagnose::codes::AUTH_REQUIRED,
                &format!("signed in, but the sign-in could not be stored: {e}"),
            );
        }
        Ok(())
    }

    /// Discovery, client identity, the authorization request and the code exchange. Returns how
    /// it signed in, for the line that says so: `client ID, SOURCE`.
    async fn authorize(
        self: &Arc<Self>,
        scope: Option<String>,
        challenge: &Challenge,
    ) -> Result<String, String> {
        if self.opts.flow == Flow::Browser {
            self.lock().browser_came_up = Some(false);
        }
        let disc = discovery::discover(&self.http, &self.opts.server_url, challenge).await?;
        if self.opts.flow == Flow::ClientCredentials {
            return self.client_credentials(scope, challenge, &disc).await;
        }
        let meta = &disc.metadata;
        if disc.from_metadata
            && !meta
                .code_challenge_methods_supported
                .as_ref()
                .is_some_and(|m| m.iter().any(|x| x == "S256"))
        {
            return Err("its authorization server does not offer PKCE S256, which MCP requires; refusing to sign in".into());
        }
        // Whoever serves the metadata names this page: nothing but a web page is opened.
        let page = Url::parse(&meta.authorization_endpoint)
            .map_err(|_| "its authorization endpoint is not a URL".to_owned())?;
        flow::check_sign_in_page(&page, &self.opts.server_url)?;
        let scope = self.wanted_scope(scope, challenge, &disc);
        let resource = self.resource_param(Some(&disc.resource));
        let port = flow::stable_port(&store::key_of(&self.key));
        for attempt in 0..2 {
            let listener = match self.opts.flow {
                Flow::Browser => Some(flow::bind_callback(port).await?),
                _ => None,
            };
            let redirect = listener
                .as_ref()
                .map(|l| l.redirect_uri.clone())
                .unwrap_or_else(|| flow::redirect_uri(port));
            let (client, client_secret) = self.client_for(meta, &redirect).await?;
            self.remember_registration(&client, client_secret.as_deref());
            let pkce = flow::Pkce::new()?;
            let mut url = page.clone();
            {
                let mut q = url.query_pairs_mut();
                q.append_pair("response_type", "code")
                    .append_pair("client_id", &client.client_id)
                    .append_pair("redirect_uri", &redirect)
                    .append_pair("code_challenge", &pkce.challenge)
                    .append_pair("code_challenge_method", "S256")
                    .append_pair("state", &pkce.state);
                if let Some(s) = &scope {
                    q.append_pair("scope", s);
                }
                if let Some(r) = &resource {
                    q.append_pair("resource", r);
                }
            }
            with_params(&mut url, &self.opts.authorize_params);
            let callback = match (self.opts.flow, listener) {
                (Flow::Browser, Some(l)) => {
                    // A bridge's lines name it, as its other lines do.
                    let who = match self.reporter.get() {
                        Some(_) => format!("mcp-tray bridge [{}]", self.opts.name),
                        None => "mcp-tray".to_owned(),
                    };
                    let told = |opened: bool| {
                        if opened {
                            self.lock().browser_came_up = Some(true);
                        }
                        let hook = match opened {
                            true => self.browser_opened.get(),
                            false => self.browser_failed.get(),
                        };
                        if let Some(hook) = hook {
                            hook(&url);
                        }
                    };
                    // A request told the sign-in is required names where it waits.
                    self.lock().waiting_at = Some(url.clone());
                    let callback = l
                        .browser(&url, &pkce.state, &self.opts.name, &who, told)
                        .await;
                    self.lock().waiting_at = None;
                    callback?
                }
                (Flow::Manual, _) => flow::manual(&url, &pkce.state, &self.opts.name).await?,
                _ => flow::headless(&self.http, &url, &redirect, &pkce.state).await?,
            };
            discovery::check_response_issuer(meta, callback.iss.as_deref())?;
            let secrets = Secrets {
                client_secret: client_secret.clone(),
                ..self.lock().secrets.clone()
            };
            let form = vec![
                ("grant_type", "authorization_code".to_owned()),
                ("code", callback.code),
                ("redirect_uri", redirect.clone()),
                ("code_verifier", pkce.verifier),
            ];
            match token::request(
                &self.http,
                &meta.token_endpoint,
                &client,
                &secrets,
                form,
                resource.as_deref(),
            )
            .await
            {
                Ok(tokens) => {
                    let mut record = self.lock().record.clone();
                    record.resource = Some(disc.resource.clone());
                    record.token_endpoint = Some(meta.token_endpoint.clone());
                    let how = format!("client {}, {}", client.client_id, client.source);
                    record.client = Some(client);
                    record.scope = scope.clone();
                    self.keep(
                        tokens,
                        record,
                        Secrets {
                            refresh_token: None,
                            ..secrets
                        },
                    )?;
                    self.lock().last_sign_in = Some(std::time::Instant::now());
                    return Ok(how);
                }
                Err(TokenError::InvalidClient) if client.source == "dynamic" && attempt == 0 => {
                    self.forget_client();
                }
                Err(e) => return Err(e.describe()),
            }
        }
        Err(
            "the authorization server keeps refusing MCP Tray's registration (invalid_client)"
                .into(),
        )
    }

    /// The scopes a sign-in asks for: a step-up's, else `--oauth-scope`, else the challenge's,
    /// else the protected resource's `scopes_supported`.
    fn wanted_scope(
        &self,
        scope: Option<String>,
        challenge: &Challenge,
        disc: &discovery::Discovered,
    ) -> Option<String> {
        scope
            .or_else(|| self.opts.scope.clone())
            .or_else(|| challenge.scope.clone())
            .or_else(|| {
                disc.resource_scopes
                    .as_ref()
                    .filter(|s| !s.is_empty())
                    .map(|s| s.join(" "))
            })
    }

    /// The client credentials grant: the pre-registered client's id and secret get a token at the
    /// token endpoint, with the scope and resource a sign-in would ask for; no browser, no
    /// refresh token (a new token is asked for the same way when this one is refused). Returns
    /// how it signed in, as [`Auth::authorize`] does.
    async fn client_credentials(
        &self,
        scope: Option<String>,
        challenge: &Challenge,
        disc: &discovery::Discovered,
    ) -> Result<String, String> {
        let (Some(id), Some(secret)) = (&self.opts.client_id, &self.opts.client_secret) else {
            return Err(
                "a client credentials sign-in needs the client's --oauth-client-id and --oauth-client-secret"
                    .into(),
            );
        };
        let meta = &disc.metadata;
        let endpoint = Url::parse(&meta.token_endpoint)
            .map_err(|_| "its token endpoint is not a URL".to_owned())?;
        if endpoint.scheme() != "https" && !crate::bridge::is_loopback(&endpoint) {
            return Err(format!(
                "its token endpoint {} is not https: refusing to send the client secret over plain HTTP",
                shown(&endpoint)
            ));
        }
        let scope = self.wanted_scope(scope, challenge, disc);
        // The grant always authenticates the client: never `none`, whatever else the server
        // offers to clients without a secret.
        let auth_method = match token::auth_method_for(meta, true).as_str() {
            "none" => "client_secret_basic".to_owned(),
            method => method.to_owned(),
        };
        let client = ClientRegistration {
            client_id: id.clone(),
            auth_method,
            source: "client-credentials".into(),
            redirect_uri: String::new(),
            token_endpoint: meta.token_endpoint.clone(),
        };
        let secrets = Secrets {
            client_secret: Some(secret.clone()),
            ..self.lock().secrets.clone()
        };
        let mut form = vec![("grant_type", "client_credentials".to_owned())];
        if let Some(s) = &scope {
            form.push(("scope", s.clone()));
        }
        let resource = self.resource_param(Some(&disc.resource));
        let tokens = token::request(
            &self.http,
            &meta.token_endpoint,
            &client,
            &secrets,
            form,
            resource.as_deref(),
        )
        .await
        .map_err(|e| match e {
            TokenError::InvalidClient => format!(
                "the authorization server refused client {id} and its secret (invalid_client): check --oauth-client-id and --oauth-client-secret"
            ),
            e => e.describe(),
        })?;
        let mut record = self.lock().record.clone();
        record.resource = Some(disc.resource.clone());
        record.token_endpoint = Some(meta.token_endpoint.clone());
        record.client = Some(client);
        record.scope = scope;
        self.keep(tokens, record, secrets)?;
        self.lock().last_sign_in = Some(std::time::Instant::now());
        Ok(format!("client {id}, client credentials"))
    }

    /// Keeps a client registered just now (dynamic registration), in memory and in the store
    /// (signed out, no token yet): a sign-in turned down or abandoned in the browser, and tried
    /// again by this process or another (the app's next Sign in, `auth login`), uses it instead of
    /// registering one more client with the authorization server each time.
    fn remember_registration(&self, client: &ClientRegistration, secret: Option<&str>) {
        let (record, secrets) = {
            let mut st = self.lock();
            let known = st
                .record
                .client
                .as_ref()
                .is_some_and(|c| c.client_id == client.client_id);
            if client.source != "dynamic" || known {
                return;
            }
            st.record.client = Some(client.clone());
            st.secrets.client_secret = secret.map(str::to_owned);
            let mut record = st.record.clone();
            record.name = self.opts.name.clone();
            record.server_url = self.key.clone();
            record.client_given = self.client_given.clone();
            record.asked_for = asked_for(&self.opts);
            (record, st.secrets.clone())
        };
        if let Err(e) = store::save(&record, &secrets) {
            self.say(
                crate::journal::Level::Warn,
                crate::diagnose::codes::AUTH_REQUIRED,
                &format!("the client registration could not be stored: {e}"),
            );
        }
    }

    /// Client identity in the spec's order: pre-registered, metadata document, stored dynamic
    /// registration (same endpoint and redirect), new dynamic registration.
    async fn client_for(
        &self,
        meta: &discovery::ServerMetadata,
        redirect: &str,
    ) -> Result<(ClientRegistration, Option<String>), String> {
        if let Some(id) = &self.opts.client_id {
            let secret = self.opts.client_secret.clone();
            return Ok((
                ClientRegistration {
                    client_id: id.clone(),
                    auth_method: token::auth_method_for(meta, secret.is_some()),
                    source: "pre-registered".into(),
                    redirect_uri: redirect.into(),
                    token_endpoint: meta.token_endpoint.clone(),
                },
                secret,
            ));
        }
        if let Some(url) = &self.opts.client_metadata_url
            && meta.client_id_metadata_document_supported == Some(true)
        {
            return Ok((
                ClientRegistration {
                    client_id: url.clone(),
                    auth_method: "none".into(),
                    source: "metadata-document".into(),
                    redirect_uri: redirect.into(),
                    token_endpoint: meta.token_endpoint.clone(),
                },
                None,
            ));
        }
        {
            let st = self.lock();
            if let Some(c) = &st.record.client
                && c.source == "dynamic"
                && c.token_endpoint == meta.token_endpoint
                && c.redirect_uri == redirect
            {
                return Ok((c.clone(), st.secrets.client_secret.clone()));
            }
        }
        token::register(&self.http, meta, redirect).await
    }
}

/// What a `Bearer` 401 from `who` without any sign-in says, and what to do: pass a token.
fn token_without_sign_in(who: &str) -> (String, String) {
    (
        format!("{who} {NO_TOKEN_SIGN_IN} (HTTP 401)"),
        PASS_TOKEN.to_owned(),
    )
}

/// A stored sign-in belongs to the configured client (a pre-registered id must match).
/// What a sign-in asks for besides the server's defaults (`resource=…`, the extra authorization
/// parameters): part of what it is stored under, so that two entries for one server asking for
/// different things keep their own tokens.
fn asked_for(opts: &AuthOptions) -> Option<String> {
    let resource = opts.resource.iter().map(|r| format!("resource={r}"));
    let params = opts
        .authorize_params
        .iter()
        .map(|(k, v)| format!("{k}={v}"));
    let asked: Vec<String> = resource.chain(params).collect();
    (!asked.is_empty()).then(|| asked.join(" "))
}

/// `url` with each of `params` set: one of the same name already there is replaced.
fn with_params(url: &mut Url, params: &[(String, String)]) {
    if params.is_empty() {
        return;
    }
    let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    for (key, value) in params {
        pairs.retain(|(k, _)| k != key);
        pairs.push((key.clone(), value.clone()));
    }
    url.query_pairs_mut().clear().extend_pairs(pairs);
}

/// Parameters of the authorization request the flow sets itself, per request.
const FLOW_PARAMS: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// An extra authorization parameter as given (`KEY=VALUE`, as mcp-remote's `--authorize-param`
/// takes it: the key trimmed, the value as it is), or why it cannot be one.
pub fn authorize_param(raw: &str) -> Result<(String, String), String> {
    let Some((key, value)) = raw.split_once('=').filter(|(k, _)| !k.is_empty()) else {
        return Err(format!(
            "`{raw}` is not KEY=VALUE (for example audience=https://api.example.com)"
        ));
    };
    let key = key.trim();
    if FLOW_PARAMS.contains(&key) {
        return Err(format!(
            "`{key}` cannot be set: the sign-in sets it itself, for each sign-in"
        ));
    }
    Ok((key.to_owned(), value.to_owned()))
}

/// A resource to sign in for (`--oauth-resource`): an absolute URI, as RFC 8707 requires.
pub fn resource_override(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    match Url::parse(raw) {
        Ok(_) => Ok(raw.to_owned()),
        Err(_) => Err(format!(
            "`{raw}` is not an absolute URI (RFC 8707 asks for one, for example https://example.com/mcp)"
        )),
    }
}

fn client_matches(opts: &AuthOptions, record: &Record) -> bool {
    match (&opts.client_id, &record.client) {
        (Some(id), Some(c)) => &c.client_id == id,
        (Some(_), None) => true,
        (None, Some(c)) => c.source != "pre-registered",
        (None, None) => true,
    }
}

fn union_scopes(have: Option<&str>, want: Option<&str>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for s in have
        .unwrap_or("")
        .split_whitespace()
        .chain(want.unwrap_or("").split_whitespace())
    {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out.join(" ")
}

/// What `mcp-tray auth status` shows for one stored sign-in (no secrets).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignInStatus {
    pub name: String,
    pub server_url: String,
    pub signed_in: bool,
    pub expires_at: Option<u64>,
    pub scope: Option<String>,
    pub client: Option<String>,
    pub secrets_in: String,
}

/// Every stored sign-in.
pub fn status() -> Vec<SignInStatus> {
    store::all()
        .into_iter()
        .map(|(r, signed_in)| SignInStatus {
            name: r.name,
            server_url: r.server_url,
            signed_in,
            expires_at: r.expires_at,
            scope: r.scope,
            client: r.client.map(|c| format!("{} ({})", c.client_id, c.source)),
            secrets_in: r.secrets_in,
        })
        .collect()
}

/// The address a browser sign-in for `server_url` usually comes back to (the server's stable
/// loopback port; another one when that is taken), as an authorization server must know it.
pub fn redirect_uri_for(server_url: &str) -> String {
    let key = Url::parse(server_url)
        .map(|u| discovery::canonical_resource(&u))
        .unwrap_or_else(|_| server_url.to_owned());
    flow::redirect_uri(flow::stable_port(&store::key_of(&key)))
}

/// Forgets a server's sign-ins, of every client (tokens and registration). True when there was
/// one.
pub fn logout(server_url: &Url) -> bool {
    store::remove(&discovery::canonical_resource(server_url))
}

/// The stored server URLs whose records carry this name (several when sign-ins to different
/// servers were made under one name).
pub fn urls_of_name(name: &str) -> Vec<String> {
    store::all()
        .into_iter()
        .filter(|(r, _)| r.name == name)
        .map(|(r, _)| r.server_url)
        .collect()
}

/// The values an entry's `mcp-tray bridge URL …` arguments give an option (`--flag VALUE` or
/// `--flag=VALUE`), in order, up to a `--`.
fn bridge_option<'a>(args: &'a [String], flag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let mut it = args.iter().take_while(|a| *a != "--");
    std::iter::from_fn(move || {
        while let Some(arg) = it.next() {
            if arg == flag {
                return it.next().map(String::as_str);
            }
            if let Some(value) = arg.strip_prefix(flag).and_then(|v| v.strip_prefix('=')) {
                return Some(value);
            }
        }
        None
    })
}

/// The CA file an entry's `mcp-tray bridge URL …` arguments trust (`--ca-cert FILE` or
/// `--ca-cert=FILE`), if any.
pub fn ca_cert_in_bridge_args(args: &[String]) -> Option<std::path::PathBuf> {
    bridge_option(args, "--ca-cert").next().map(Into::into)
}

/// The sign-in a bridge entry (`mcp-tray bridge URL …`) makes when its server asks: its
/// `--oauth-client-id`, `--oauth-client-secret`, `--oauth-client-metadata-url`,
/// `--oauth-no-resource`, `--oauth-resource`, `--oauth-authorize-param`s, `--oauth-scope` and
/// `--ca-cert`, read as the bridge reads them. A sign-in made for the entry elsewhere (the app's
/// Sign in, `auth login NAME`) must use these, or its tokens are stored under another identity
/// than the one the bridge looks for. The secret's `${VAR}`s are read from the entry's `env`,
/// then from this process's environment (Claude starts the bridge with both).
pub fn entry_sign_in(
    name: &str,
    server_url: &Url,
    args: &[String],
    env: &std::collections::BTreeMap<String, String>,
) -> Result<AuthOptions, String> {
    let one = |flag| bridge_option(args, flag).next().map(str::to_owned);
    let client_secret = one("--oauth-client-secret")
        .map(|secret| {
            crate::transport::expand_env_with(&secret, |var| {
                env.get(var).cloned().or_else(|| std::env::var(var).ok())
            })
        })
        .transpose()
        .map_err(|e| format!("{name}'s --oauth-client-secret: {e}"))?;
    let resource = one("--oauth-resource")
        .map(|r| resource_override(&r))
        .transpose()
        .map_err(|e| format!("{name}'s --oauth-resource: {e}"))?;
    let authorize_params = bridge_option(args, "--oauth-authorize-param")
        .map(authorize_param)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{name}'s --oauth-authorize-param: {e}"))?;
    Ok(AuthOptions {
        server_url: server_url.clone(),
        name: name.to_owned(),
        // A client credentials entry gets its token the same way here: no browser.
        flow: one("--oauth-flow")
            .as_deref()
            .and_then(Flow::parse)
            .filter(|f| *f == Flow::ClientCredentials)
            .unwrap_or(Flow::Browser),
        client_id: one("--oauth-client-id"),
        client_secret,
        client_metadata_url: one("--oauth-client-metadata-url"),
        no_resource: args
            .iter()
            .take_while(|a| *a != "--")
            .any(|a| a == "--oauth-no-resource"),
        resource,
        authorize_params,
        scope: one("--oauth-scope"),
        wait: Duration::from_secs(11 * 60),
        hand_off: false,
        own_authorization: false,
        own_credentials: false,
        ca_cert: ca_cert_in_bridge_args(args),
    })
}

/// How a server known only by its URL is named in messages and stored sign-ins: its host, with
/// the port when the URL gives one (two servers on one host keep apart).
pub fn name_for_url(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => shown(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serves one answer of `body_chunks` chunks of 64 KiB (chunked) and `{}`, on loopback.
    async fn serve_once(body_chunks: usize) -> Url {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.expect("accept");
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if sock.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..body_chunks {
                let mut piece = format!("{:x}\r\n", chunk.len()).into_bytes();
                piece.extend_from_slice(&chunk);
                piece.extend_from_slice(b"\r\n");
                if sock.write_all(&piece).await.is_err() {
                    return;
                }
            }
            let _ = sock.write_all(b"2\r\n{}\r\n0\r\n\r\n").await;
        });
        Url::parse(&format!("http://127.0.0.1:{port}/token")).expect("url")
    }

    #[tokio::test]
    async fn an_authorization_servers_answer_is_read_up_to_a_mebibyte() {
        let http = reqwest::Client::new();
        let small = serve_once(2).await;
        let resp = http.get(small).send().await.expect("answer");
        let body = small_body(resp).await.expect("a small answer is read");
        assert_eq!(body.len(), 2 * 64 * 1024 + 2);
        // Endless JSON whitespace: read no further than the limit, whatever the sender says.
        let huge = serve_once(1000).await;
        let resp = http.get(huge).send().await.expect("answer");
        assert_eq!(small_body(resp).await, None);
    }

    #[test]
    fn the_ca_file_of_a_bridge_entry_is_found_in_either_spelling() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            ca_cert_in_bridge_args(&args(&["bridge", "https://x/mcp", "--ca-cert", "/ca.pem"])),
            Some("/ca.pem".into())
        );
        assert_eq!(
            ca_cert_in_bridge_args(&args(&["bridge", "https://x/mcp", "--ca-cert=/c a.pem"])),
            Some("/c a.pem".into())
        );
        assert_eq!(
            ca_cert_in_bridge_args(&args(&["bridge", "https://x/mcp", "--allow-http"])),
            None
        );
    }

    #[test]
    fn a_bridge_entry_s_sign_in_is_read_from_its_arguments_and_env() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let url = Url::parse("https://mcp.example.com/mcp").expect("url");
        let entry = args(&[
            "bridge",
            "https://mcp.example.com/mcp",
            "--name",
            "ex",
            "--oauth-client-id",
            "pre-1",
            "--oauth-client-secret=${EX_SECRET}",
            "--oauth-resource",
            "https://api.example.com",
            "--oauth-authorize-param",
            "audience=https://api.example.com",
            "--oauth-authorize-param=prompt=consent",
            "--oauth-scope",
            "read write",
            "--ca-cert",
            "/etc/ca.pem",
            "--",
            "--oauth-scope",
            "not-an-option",
        ]);
        let env = std::collections::BTreeMap::from([("EX_SECRET".to_owned(), "s3".to_owned())]);
        let opts = entry_sign_in("ex", &url, &entry, &env).expect("options");
        assert_eq!(opts.client_id.as_deref(), Some("pre-1"));
        assert_eq!(opts.client_secret.as_deref(), Some("s3"));
        assert_eq!(opts.resource.as_deref(), Some("https://api.example.com"));
        assert_eq!(
            opts.authorize_params,
            [
                ("audience".to_owned(), "https://api.example.com".to_owned()),
                ("prompt".to_owned(), "consent".to_owned())
            ]
        );
        assert_eq!(opts.scope.as_deref(), Some("read write"));
        assert_eq!(opts.ca_cert, Some("/etc/ca.pem".into()));
        assert!(!opts.no_resource);
        assert_eq!(opts.name, "ex");

        // Nothing asked: the server's defaults, as a bridge without options signs in.
        let plain = entry_sign_in(
            "ex",
            &url,
            &args(&["bridge", url.as_str()]),
            &Default::default(),
        )
        .expect("options");
        assert_eq!(
            (
                plain.client_id,
                plain.scope,
                plain.resource,
                plain.authorize_params.len()
            ),
            (None, None, None, 0)
        );
        assert_eq!(plain.flow, Flow::Browser);
        // A machine's entry gets its token the same way outside its bridge; any other flow of
        // the entry (headless, manual) is a browser sign-in when a person asks for one.
        let flow_of = |flow: &str| {
            let entry = args(&["bridge", url.as_str(), "--oauth-flow", flow]);
            entry_sign_in("ex", &url, &entry, &Default::default())
                .expect("options")
                .flow
        };
        assert_eq!(flow_of("client-credentials"), Flow::ClientCredentials);
        assert_eq!(flow_of("headless"), Flow::Browser);
        let no_resource = args(&["bridge", url.as_str(), "--oauth-no-resource"]);
        assert!(
            entry_sign_in("ex", &url, &no_resource, &Default::default())
                .expect("ok")
                .no_resource
        );

        // A secret whose variable is set nowhere, and a bad option, are said, with the server.
        let unset = args(&[
            "bridge",
            url.as_str(),
            "--oauth-client-id",
            "c",
            "--oauth-client-secret",
            "${MCP_TRAY_TEST_SURELY_UNSET_S}",
        ]);
        let err = entry_sign_in("ex", &url, &unset, &Default::default()).expect_err("unset");
        assert!(
            err.contains("ex's --oauth-client-secret")
                && err.contains("MCP_TRAY_TEST_SURELY_UNSET_S"),
            "{err}"
        );
        let bad = args(&["bridge", url.as_str(), "--oauth-authorize-param", "state=x"]);
        let err = entry_sign_in("ex", &url, &bad, &Default::default()).expect_err("state");
        assert!(err.contains("--oauth-authorize-param"), "{err}");
    }

    #[test]
    fn authorization_parameters_read_as_mcp_remote_reads_them() {
        assert_eq!(
            authorize_param(" audience =https://api/x?a=b "),
            Ok(("audience".into(), "https://api/x?a=b ".into()))
        );
        assert_eq!(authorize_param("empty="), Ok(("empty".into(), "".into())));
        for bad in ["novalue", "=x", ""] {
            assert!(authorize_param(bad).is_err(), "{bad}");
        }
        for own in FLOW_PARAMS {
            let err = authorize_param(&format!("{own}=x")).expect_err(own);
            assert!(err.contains("sets it itself"), "{err}");
        }
        assert_eq!(
            resource_override(" https://t1.example.com/ "),
            Ok("https://t1.example.com/".into())
        );
        assert!(resource_override("t1.example.com").is_err());
        let mut url = Url::parse("https://as.example/authorize?scope=a&prompt=none").expect("url");
        with_params(
            &mut url,
            &[
                ("prompt".into(), "login".into()),
                ("audience".into(), "x y".into()),
            ],
        );
        assert_eq!(
            url.as_str(),
            "https://as.example/authorize?scope=a&prompt=login&audience=x+y"
        );
    }

    #[test]
    fn step_up_asks_for_the_union_of_scopes() {
        assert_eq!(union_scopes(Some("a b"), Some("b c")), "a b c");
        assert_eq!(union_scopes(None, Some("x")), "x");
    }

    #[test]
    fn a_token_is_refreshed_a_minute_before_expiry_or_a_quarter_of_its_life_when_shorter() {
        let record = |lifetime: Option<u64>, expires_at: u64| Record {
            lifetime,
            expires_at: Some(expires_at),
            ..Record::default()
        };
        let now = 1_000_000;
        // An hour-long token: due in its last minute, not before.
        assert!(!refresh_due(&record(Some(3600), now + 61), now));
        assert!(refresh_due(&record(Some(3600), now + 60), now));
        // A 30-second token just issued is not refreshed before every request; in its last
        // 7 seconds it is.
        assert!(!refresh_due(&record(Some(30), now + 30), now));
        assert!(!refresh_due(&record(Some(30), now + 8), now));
        assert!(refresh_due(&record(Some(30), now + 7), now));
        // Stored by an older build (no lifetime): the minute, as before.
        assert!(refresh_due(&record(None, now + 60), now));
        assert!(!refresh_due(&record(None, now + 61), now));
        // No expiry given: never refreshed ahead.
        assert!(!refresh_due(&Record::default(), now));
    }
}
