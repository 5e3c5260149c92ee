//! "Sign in to NAME": the sign-ins bridges hand to the app, shown as a banner and a tray line,
//! and run here, in the long-lived app, when the person asks.
//!
//! Thin over `mcp_tray_core::auth`: core owns the app's presence lock, the request files, their
//! watch and the OAuth flow (browser, loopback callback on 127.0.0.1). This module claims the
//! presence at start-up, forwards the pending requests to the window ([`SignInRequestsChanged`])
//! and the tray, and starts a flow on request. It must never send a token or secret to the
//! window, and never start two flows for one server at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mcp_tray_core::auth::handoff::{self, AppPresence, RequestWatch, SignInRequest};
use mcp_tray_core::auth::{Auth, AuthOptions, Url, flow};
use mcp_tray_core::claude_restart;
use mcp_tray_core::config::EntryKind;
use mcp_tray_core::diagnose::{Audience, message_in};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_specta::Event;

use crate::commands::off_main;
use crate::error::CommandError;

/// A server waiting for the person to sign in. `server_url` is its identity (what a sign-in is
/// asked for); `shown_url` is what the window shows of it, a credential in it (`?token=…`, a
/// password) masked as the Servers row masks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SignInRequestView {
    pub name: String,
    pub server_url: String,
    pub shown_url: String,
}

impl From<&SignInRequest> for SignInRequestView {
    fn from(r: &SignInRequest) -> Self {
        SignInRequestView {
            name: r.name.clone(),
            server_url: r.server_url.clone(),
            shown_url: mcp_tray_core::redact::mask_url(&r.server_url),
        }
    }
}

/// The pending sign-ins changed (a bridge asked, or someone signed in).
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub struct SignInRequestsChanged {
    pub requests: Vec<SignInRequestView>,
}

/// Where a sign-in of the app is, pushed to the window wherever it was started (banner or tray),
/// so that the banner shows it waiting, and why it failed.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct SignInPhaseChanged {
    pub server_url: String,
    pub phase: SignInPhase,
}

/// A sign-in's phase, as the banner shows it (a cancelled one is back to `idle`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum SignInPhase {
    Idle,
    SigningIn {
        /// A browser was opened at the sign-in page (when the sign-in started, by Open the browser
        /// again, or by hand: it answered from the page). Until then no browser was opened (the
        /// page is not known yet, or none could be opened): nothing can be opened *again*.
        // `default` after `skip_serializing_if`: the bindings then read it as optional, as the
        // window's own `{state: "signing-in"}` is.
        #[serde(
            rename = "browserOpened",
            skip_serializing_if = "std::ops::Not::not",
            default
        )]
        browser_opened: bool,
        /// The sign-in page, once no browser could be opened at it (none here, or its opener
        /// failed): the window shows it to be opened by hand, and the sign-in finishes when it
        /// is. It holds the request's PKCE challenge and state, no secret.
        #[serde(
            rename = "unopenedPage",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        unopened_page: Option<String>,
    },
    Failed {
        message: String,
    },
}

/// A sign-in of the window that worked: the tokens are stored. Claude Desktop, which may have given
/// up on the server when its bridge answered "sign-in required", tries it again only once
/// restarted: the window says so, with a Restart button where the app can restart it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    /// Whether MCP Tray can restart Claude Desktop here (else the person restarts it).
    pub restart_supported: bool,
}

/// A sign-in started from the tray worked. The window comes forward and says so, as after a
/// sign-in of its own: a menu has no place for "restart Claude Desktop", and the browser's page
/// is closed by then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct SignedInFromTray {
    pub name: String,
    pub server_url: String,
    /// Whether MCP Tray can restart Claude Desktop here (else the person restarts it).
    pub restart_supported: bool,
}

/// The app's sign-in state: its presence claim, the folder watch, the flows under way.
pub struct SignIns {
    _presence: Option<AppPresence>,
    _watch: Mutex<Option<RequestWatch>>,
    running: Arc<Mutex<HashMap<String, Flight>>>,
    /// Tells the window a sign-in's phase.
    tell: Tell,
    /// Tells the servers' status a sign-in to the server named worked.
    signed_in: Box<dyn Fn(&str) + Send + Sync>,
}

type Tell = Arc<dyn Fn(SignInPhaseChanged) + Send + Sync>;

/// A sign-in under way, by server URL: how to stop it, and the page the browser was opened at.
#[derive(Default)]
struct Flight {
    abort: Option<tokio::task::AbortHandle>,
    auth_url: Option<String>,
}

/// Claims the sign-ins for this app and starts watching for requests. Failing either is not
/// fatal: bridges then sign in by themselves, as when the app is not running.
pub(crate) fn start<R: Runtime>(app: &AppHandle<R>) {
    let presence = handoff::claim_app_presence()
        .map_err(|err| eprintln!("mcp-tray-app: bridges will sign in by themselves: {err}"))
        .ok();
    let handle = app.clone();
    let watch = handoff::watch_requests(move |requests| {
        crate::tray::refresh_servers(&handle);
        let event = SignInRequestsChanged {
            requests: requests.iter().map(SignInRequestView::from).collect(),
        };
        if let Err(err) = event.emit(&handle) {
            eprintln!("mcp-tray-app: could not tell the window about sign-ins: {err}");
        }
    })
    .map_err(|err| eprintln!("mcp-tray-app: not watching sign-in requests: {err}"))
    .ok();
    app.manage(SignIns {
        _presence: presence,
        _watch: Mutex::new(watch),
        running: Arc::new(Mutex::new(HashMap::new())),
        tell: Arc::new({
            let handle = app.clone();
            move |event: SignInPhaseChanged| {
                if let Err(err) = event.emit(&handle) {
                    eprintln!("mcp-tray-app: could not tell the window about a sign-in: {err}");
                }
            }
        }),
        signed_in: Box::new({
            let handle = app.clone();
            move |name: &str| {
                if let Some(watch) = handle.try_state::<crate::server_status::ServerWatch>() {
                    watch.signed_in(name);
                }
            }
        }),
    });
}

/// The pending sign-ins, oldest first (the tray's lines).
pub(crate) fn pending() -> Vec<SignInRequestView> {
    handoff::pending()
        .iter()
        .map(SignInRequestView::from)
        .collect()
}

/// The servers waiting for a sign-in.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_requests() -> Result<Vec<SignInRequestView>, CommandError> {
    off_main(|| Ok(pending())).await
}

/// Signs in to a server in the app: the browser opens, the answer comes back to 127.0.0.1, the
/// tokens are stored (where waiting bridges adopt them) and the request is cleared. Uses the
/// options of the bridge's request when there is one.
#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    state: State<'_, SignIns>,
    name: String,
    server_url: String,
) -> Result<SignedIn, CommandError> {
    run(&state, name, server_url).await?;
    Ok(SignedIn {
        restart_supported: claude_restart::restart_supported(),
    })
}

async fn run(state: &SignIns, name: String, server_url: String) -> Result<(), CommandError> {
    let failed = |message: String| CommandError {
        code: "sign-in-failed".to_owned(),
        message,
    };
    let pending = handoff::pending()
        .into_iter()
        .find(|r| r.server_url == server_url);
    // What the server's bridge entry asks of a sign-in: without it, the tokens would be stored
    // under another identity than the one its bridge looks for.
    let entry = entry_sign_in(&name, &server_url);
    // A server Claude starts (not one being added): its row says what the sign-in changed.
    let for_claude = pending.is_some() || entry.is_some();
    let opts = match (pending, entry) {
        (Some(request), entry) => {
            let mut opts = request.options().map_err(failed)?;
            // A bridge's request carries no secret, and no CA when it came from an older one.
            if let Some(Ok(entry)) = entry {
                if opts.client_id.is_some() && opts.client_id == entry.client_id {
                    opts.client_secret = entry.client_secret;
                }
                opts.ca_cert = opts.ca_cert.or(entry.ca_cert);
            }
            opts
        }
        (None, Some(entry)) => entry.map_err(failed)?,
        (None, None) => SignInRequest {
            name: name.clone(),
            server_url: server_url.clone(),
            client_id: None,
            client_metadata_url: None,
            no_resource: false,
            resource: None,
            authorize_params: Vec::new(),
            scope: None,
            requested_ms: 0,
            ca_cert: None,
        }
        .options()
        .map_err(failed)?,
    };
    {
        let mut running = lock(&state.running);
        if running.contains_key(&server_url) {
            return Err(CommandError {
                code: "sign-in-running".to_owned(),
                message: format!("a sign-in to {name} is already under way in your browser"),
            });
        }
        running.insert(server_url.clone(), Flight::default());
    }
    let tell = |phase| {
        (state.tell)(SignInPhaseChanged {
            server_url: server_url.clone(),
            phase,
        });
    };
    tell(SignInPhase::SigningIn {
        browser_opened: false,
        unopened_page: None,
    });
    let page_of = page_keeper(&state.running, &server_url);
    let opened = opened_browser_teller(&state.tell, &server_url);
    let unopened = unopened_page_teller(&state.tell, &server_url);
    // The flow runs as a task of its own, so that Cancel can stop it (and close its listener).
    let task = tokio::spawn(async move {
        let client = opts.http_client()?;
        // Reading the stored tokens may wait on the keychain (a locked keyring, a prompt): up to
        // 3 s, so this worker hands its other tasks on meanwhile.
        let auth = tokio::task::block_in_place(|| Auth::new(opts.clone(), client));
        // The page is kept either way: Open the browser again opens it, or tries once more.
        let keep = page_of.clone();
        auth.on_browser_opened(move |url| {
            keep(url.as_str());
            opened();
        });
        auth.on_browser_failed(move |url| {
            page_of(url.as_str());
            unopened(url.as_str());
        });
        auth.login().await
    });
    if let Some(flight) = lock(&state.running).get_mut(&server_url) {
        flight.abort = Some(task.abort_handle());
    }
    let result = task.await;
    lock(&state.running).remove(&server_url);
    let result = match result {
        // In the window's words: the command line's advice becomes the app's.
        Ok(done) => done.map_err(|err| {
            failed(message_in(
                Audience::App,
                &format!("sign-in to {name} failed: {err}"),
            ))
        }),
        Err(err) if err.is_cancelled() => Err(CommandError {
            code: "sign-in-cancelled".to_owned(),
            message: format!("the sign-in to {name} was cancelled"),
        }),
        Err(err) => Err(failed(format!("sign-in to {name} failed: {err}"))),
    };
    if result.is_ok() && for_claude {
        (state.signed_in)(&name);
    }
    tell(match &result {
        Err(err) if err.code != "sign-in-cancelled" => SignInPhase::Failed {
            message: err.message.clone(),
        },
        _ => SignInPhase::Idle,
    });
    result
}

/// Stops a sign-in under way (the browser page then leads nowhere); the request stays offered.
#[tauri::command]
#[specta::specta]
pub fn cancel_sign_in(state: State<'_, SignIns>, server_url: String) {
    if let Some(abort) = lock(&state.running)
        .get(&server_url)
        .and_then(|f| f.abort.as_ref())
    {
        abort.abort();
    }
}

/// Opens the browser again at the page of a sign-in under way: only a web page (the opener hands
/// any other scheme to whatever program the system has for it). When no browser opens, the window
/// is told the page to open by hand, as when the sign-in's own browser did not come up; the
/// command does not fail then, which would show the sign-in as failed while it still waits.
#[tauri::command]
#[specta::specta]
pub async fn open_sign_in_page(
    state: State<'_, SignIns>,
    server_url: String,
) -> Result<(), CommandError> {
    let url = {
        let running = lock(&state.running);
        let flight = running.get(&server_url);
        flight
            .and_then(|f| f.auth_url.clone())
            .ok_or_else(|| no_sign_in_page(flight.is_some()))?
    };
    sign_in_page_allowed(&url, &server_url)?;
    let page = url.clone();
    let opened = off_main(move || {
        tauri_plugin_opener::open_url(&url, None::<&str>).map_err(|err| CommandError {
            code: "browser-failed".to_owned(),
            message: format!("could not open the browser: {err}"),
        })
    })
    .await;
    match opened {
        Ok(()) => opened_browser_teller(&state.tell, &server_url)(),
        Err(err) => {
            eprintln!(
                "mcp-tray-app: {}; the window shows the sign-in address",
                err.message
            );
            unopened_page_teller(&state.tell, &server_url)(&page);
        }
    }
    Ok(())
}

/// Why there is no sign-in page to open: the sign-in under way (`under_way`) has not reached it
/// yet (no browser was opened so far: it opens by itself once the page is known), or no sign-in
/// is under way at all.
fn no_sign_in_page(under_way: bool) -> CommandError {
    CommandError {
        code: "no-sign-in-page".to_owned(),
        message: if under_way {
            "no browser was opened yet: MCP Tray is still finding out where to sign in, and opens the browser there itself".to_owned()
        } else {
            "no sign-in to this server is under way; sign in again".to_owned()
        },
    }
}

/// Keeps the sign-in page of the sign-in to `server_url` under way, for Open the browser again.
fn page_keeper(
    running: &Arc<Mutex<HashMap<String, Flight>>>,
    server_url: &str,
) -> Arc<dyn Fn(&str) + Send + Sync> {
    let running = Arc::clone(running);
    let server_url = server_url.to_owned();
    Arc::new(move |page: &str| {
        if let Some(flight) = lock(&running).get_mut(&server_url) {
            flight.auth_url = Some(page.to_owned());
        }
    })
}

/// Tells the window, for the sign-in to `server_url` under way, that a browser was opened at its
/// page: Open the browser again opens it again.
fn opened_browser_teller(tell: &Tell, server_url: &str) -> impl Fn() + Send + Sync + 'static {
    let tell = Arc::clone(tell);
    let server_url = server_url.to_owned();
    move || {
        tell(SignInPhaseChanged {
            server_url: server_url.clone(),
            phase: SignInPhase::SigningIn {
                browser_opened: true,
                unopened_page: None,
            },
        })
    }
}

/// Tells the window, for the sign-in to `server_url` under way, the page no browser could be
/// opened at: it shows the address, with Copy, for the person to open by hand.
fn unopened_page_teller(tell: &Tell, server_url: &str) -> impl Fn(&str) + Send + Sync + 'static {
    let tell = Arc::clone(tell);
    let server_url = server_url.to_owned();
    move |page: &str| {
        tell(SignInPhaseChanged {
            server_url: server_url.clone(),
            phase: SignInPhase::SigningIn {
                browser_opened: false,
                unopened_page: Some(page.to_owned()),
            },
        })
    }
}

/// Refuses a page the core's sign-in would not have opened ([`flow::check_sign_in_page`]).
fn sign_in_page_allowed(page: &str, server_url: &str) -> Result<(), CommandError> {
    let refused = |message: String| CommandError {
        code: "sign-in-page-refused".to_owned(),
        message,
    };
    let (Ok(page), Ok(server)) = (Url::parse(page), Url::parse(server_url)) else {
        return Err(refused(
            "the sign-in page is not a URL; sign in again".to_owned(),
        ));
    };
    flow::check_sign_in_page(&page, &server).map_err(|e| refused(format!("{server_url}: {e}")))
}

/// The sign-in the bridge entry `name` in Claude's config asks for
/// ([`mcp_tray_core::auth::entry_sign_in`]), when it is the entry for `server_url`.
fn entry_sign_in(name: &str, server_url: &str) -> Option<Result<AuthOptions, String>> {
    let doc = crate::in_use::config_file().read().ok()?;
    let entry = doc.server(name)?;
    match &entry.kind {
        EntryKind::Remote { url } if url == server_url => {
            let url = Url::parse(url).ok()?;
            Some(mcp_tray_core::auth::entry_sign_in(
                name,
                &url,
                &entry.args,
                &entry.env,
            ))
        }
        _ => None,
    }
}

/// Forgets a request the person does not want to act on now (a bridge started later asks again).
#[tauri::command]
#[specta::specta]
pub async fn dismiss_sign_in(server_url: String) -> Result<(), CommandError> {
    off_main(move || {
        handoff::dismiss(&server_url);
        Ok(())
    })
    .await
}

/// Starts the sign-in of a tray line; the window's banner follows it ([`SignInPhaseChanged`]).
/// Once it is over the window comes forward: signed in ([`SignedInFromTray`]: what to do next),
/// or the banner's reason it failed. A sign-in cancelled in the window leaves the window as it is.
pub(crate) fn start_from_tray<R: Runtime>(app: &AppHandle<R>, server_url: &str) {
    let Some(request) = handoff::pending()
        .into_iter()
        .find(|r| r.server_url == server_url)
    else {
        return;
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = app.state::<SignIns>();
        let name = request.name.clone();
        match run(&state, request.name, request.server_url.clone()).await {
            Ok(()) => {
                crate::window::show_main(&app);
                let event = SignedInFromTray {
                    name,
                    server_url: request.server_url,
                    restart_supported: claude_restart::restart_supported(),
                };
                if let Err(err) = event.emit(&app) {
                    eprintln!("mcp-tray-app: could not tell the window about a sign-in: {err}");
                }
            }
            Err(err) if err.code == "sign-in-cancelled" => {}
            Err(err) => {
                eprintln!("mcp-tray-app: {}", err.message);
                crate::window::show_main(&app);
            }
        }
    });
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_no_browser_opened_reaches_the_window_as_a_sign_in_still_under_way() {
        let told = Arc::new(Mutex::new(Vec::new()));
        let tell: Tell = Arc::new({
            let told = Arc::clone(&told);
            move |event: SignInPhaseChanged| lock(&told).push(event)
        });
        let page = "http://127.0.0.1:7101/authorize?response_type=code&code_challenge=x&state=s";
        unopened_page_teller(&tell, "http://127.0.0.1:7100/mcp")(page);
        let told = lock(&told).clone();
        let [event] = told.as_slice() else {
            panic!("told {told:?}");
        };
        assert_eq!(
            serde_json::to_value(event).expect("json"),
            serde_json::json!({
                "serverUrl": "http://127.0.0.1:7100/mcp",
                "phase": {"state": "signing-in", "unopenedPage": page},
            })
        );
        // Without a page, the phase is the one the window sets itself when it starts a sign-in.
        let waiting = SignInPhase::SigningIn {
            browser_opened: false,
            unopened_page: None,
        };
        assert_eq!(
            serde_json::to_value(&waiting).expect("json"),
            serde_json::json!({"state": "signing-in"})
        );
    }

    #[test]
    fn only_a_browser_opened_at_the_page_is_told_as_opened() {
        let told = Arc::new(Mutex::new(Vec::new()));
        let tell: Tell = Arc::new({
            let told = Arc::clone(&told);
            move |event: SignInPhaseChanged| lock(&told).push(event)
        });
        opened_browser_teller(&tell, "http://127.0.0.1:7100/mcp")();
        unopened_page_teller(&tell, "http://127.0.0.1:7100/mcp")("http://127.0.0.1:7101/a");
        let phases: Vec<serde_json::Value> = lock(&told)
            .iter()
            .map(|e| serde_json::to_value(&e.phase).expect("json"))
            .collect();
        assert_eq!(
            phases,
            [
                serde_json::json!({"state": "signing-in", "browserOpened": true}),
                // No browser came up: nothing to open *again*, the address to open by hand.
                serde_json::json!({"state": "signing-in", "unopenedPage": "http://127.0.0.1:7101/a"}),
            ]
        );
        // Asked to open the browser again before the page is known, the window hears none was
        // opened yet (not "sign in again": the sign-in goes on).
        let early = no_sign_in_page(true).message;
        assert!(early.starts_with("no browser was opened yet"), "{early}");
        assert!(!early.contains("again"), "{early}");
        assert!(no_sign_in_page(false).message.ends_with("sign in again"));
    }

    #[test]
    fn open_the_browser_again_refuses_a_page_that_is_not_a_web_page() {
        let server = "https://mcp.example.com/mcp";
        assert!(sign_in_page_allowed("https://as.example.com/authorize?x=1", server).is_ok());
        assert!(sign_in_page_allowed("http://127.0.0.1:9/authorize", server).is_ok());
        for page in [
            "file:///etc/passwd",
            "smb://host/share",
            "http://as.example.com/a",
        ] {
            let err = sign_in_page_allowed(page, server).expect_err(page);
            assert_eq!(err.code, "sign-in-page-refused", "{page}");
            let scheme = page.split(':').next().unwrap_or_default();
            assert!(
                err.message.contains(&format!("`{scheme}:`")),
                "{}",
                err.message
            );
        }
    }
}
