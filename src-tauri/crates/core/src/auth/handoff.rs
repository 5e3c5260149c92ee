//! The hand-off of interactive sign-ins from a bridge to the running MCP Tray app.
//!
//! Claude Desktop may start a bridge twice and kill either at any moment, so a browser sign-in
//! is better run by the long-lived app. While the app runs it holds [`AppPresence`], an
//! exclusive lock on `<data dir>/auth/app.lock` that the OS releases when the app exits or
//! crashes. A bridge that needs a browser sign-in and sees the app running ([`app_running`])
//! posts a [`SignInRequest`] as `<data dir>/auth/requests/<key>.json` and waits for the store
//! to hold new tokens; the app watches that folder ([`watch_requests`]), shows "Sign in to NAME"
//! and runs the flow itself. Whoever stores the tokens clears the request ([`clear`]).
//!
//! A request must never hold a secret: a bridge given a client secret signs in by itself. This
//! module never runs a flow and never touches tokens.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{AuthOptions, Flow, Url, discovery, store};

/// A running app's claim on sign-ins, held for its lifetime (the OS drops the lock at exit).
pub struct AppPresence {
    _file: fs::File,
}

fn presence_path() -> PathBuf {
    store::auth_dir().join("app.lock")
}

fn requests_dir() -> PathBuf {
    store::auth_dir().join("requests")
}

fn open_presence() -> Result<fs::File, String> {
    let path = presence_path();
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))
}

/// Claims sign-ins for this process (the app). Retries briefly: a bridge checking for the app
/// holds the lock shared for an instant.
pub fn claim_app_presence() -> Result<AppPresence, String> {
    let file = open_presence()?;
    for _ in 0..40 {
        match file.try_lock() {
            Ok(()) => return Ok(AppPresence { _file: file }),
            Err(fs::TryLockError::WouldBlock) => std::thread::sleep(Duration::from_millis(25)),
            Err(fs::TryLockError::Error(e)) => {
                return Err(format!("cannot lock {}: {e}", presence_path().display()));
            }
        }
    }
    Err("another MCP Tray app already takes the sign-ins".into())
}

/// Whether an MCP Tray app (another process) is running and takes sign-ins.
pub fn app_running() -> bool {
    let Ok(file) = fs::File::open(presence_path()) else {
        return false;
    };
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(fs::TryLockError::WouldBlock) => true,
        Err(fs::TryLockError::Error(_)) => false,
    }
}

/// A bridge's request that the app signs in to a server: how it was told to sign in, no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInRequest {
    /// The server's name in Claude's config (`--name`).
    pub name: String,
    /// The server URL the bridge was started with.
    pub server_url: String,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_metadata_url: Option<String>,
    #[serde(default)]
    pub no_resource: bool,
    /// `--oauth-resource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// `--oauth-authorize-param`s.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorize_params: Vec<(String, String)>,
    /// The scopes to ask for (`--oauth-scope`, or a step-up's union).
    #[serde(default)]
    pub scope: Option<String>,
    /// Unix milliseconds when it was posted.
    #[serde(default)]
    pub requested_ms: u64,
    /// The CA file the bridge trusts (`--ca-cert`, by an absolute path): the app's sign-in
    /// trusts it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
}

impl SignInRequest {
    /// The request for a bridge's options (`scope` overrides the options' scopes).
    pub(crate) fn from_options(opts: &AuthOptions, scope: Option<String>) -> SignInRequest {
        SignInRequest {
            name: opts.name.clone(),
            server_url: opts.server_url.to_string(),
            client_id: opts.client_id.clone(),
            client_metadata_url: opts.client_metadata_url.clone(),
            no_resource: opts.no_resource,
            resource: opts.resource.clone(),
            authorize_params: opts.authorize_params.clone(),
            scope: scope.or_else(|| opts.scope.clone()),
            requested_ms: store::now_ms(),
            ca_cert: opts.ca_cert.clone(),
        }
    }

    /// Options to run this sign-in in the app: browser flow, no hand-off, as long as it takes.
    pub fn options(&self) -> Result<AuthOptions, String> {
        let server_url = Url::parse(&self.server_url)
            .map_err(|_| format!("the sign-in request for {} has no valid URL", self.name))?;
        Ok(AuthOptions {
            server_url,
            name: self.name.clone(),
            flow: Flow::Browser,
            client_id: self.client_id.clone(),
            client_secret: None,
            client_metadata_url: self.client_metadata_url.clone(),
            no_resource: self.no_resource,
            resource: self.resource.clone(),
            authorize_params: self.authorize_params.clone(),
            scope: self.scope.clone(),
            wait: Duration::from_secs(11 * 60),
            hand_off: false,
            own_authorization: false,
            own_credentials: false,
            ca_cert: self.ca_cert.clone(),
        })
    }

    fn key(&self) -> Option<String> {
        Url::parse(&self.server_url)
            .ok()
            .map(|u| store::key_of(&discovery::canonical_resource(&u)))
    }
}

fn request_path(key: &str) -> PathBuf {
    requests_dir().join(format!("{key}.json"))
}

/// Posts (or renews) the request for its server.
pub(crate) fn post(request: &SignInRequest) -> Result<(), String> {
    let key = request
        .key()
        .ok_or_else(|| format!("{} has no valid URL", request.name))?;
    let json = serde_json::to_vec_pretty(request).map_err(|e| e.to_string())?;
    store::write_private(&request_path(&key), &json)
}

/// Clears the request of a server (by its canonical URL, the store's key), if any.
pub(crate) fn clear(canonical_url: &str) {
    let _ = fs::remove_file(request_path(&store::key_of(canonical_url)));
}

/// Clears the request a person dismissed.
pub fn dismiss(server_url: &str) {
    if let Ok(url) = Url::parse(server_url) {
        clear(&discovery::canonical_resource(&url));
    }
}

/// The pending requests, oldest first; unreadable files are skipped.
pub fn pending() -> Vec<SignInRequest> {
    read_requests(&requests_dir())
}

fn read_requests(dir: &Path) -> Vec<SignInRequest> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<SignInRequest> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .filter_map(|p| fs::read(p).ok())
        .filter_map(|bytes| serde_json::from_slice::<SignInRequest>(&bytes).ok())
        .collect();
    out.sort_by(|a, b| {
        a.requested_ms
            .cmp(&b.requested_ms)
            .then(a.name.cmp(&b.name))
    });
    out
}

/// Watches the requests folder; dropping it stops watching.
pub struct RequestWatch {
    _watcher: notify::RecommendedWatcher,
}

/// Calls `on_change` with the pending requests whenever they change.
pub fn watch_requests(
    on_change: impl Fn(Vec<SignInRequest>) + Send + 'static,
) -> Result<RequestWatch, String> {
    watch_dir(requests_dir(), on_change)
}

fn watch_dir(
    dir: PathBuf,
    on_change: impl Fn(Vec<SignInRequest>) + Send + 'static,
) -> Result<RequestWatch, String> {
    use notify::Watcher as _;
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let watched = dir.clone();
    let mut last: Vec<SignInRequest> = Vec::new();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reading the folder is an access event itself: only changes count, and only a
        // different list is news.
        let Ok(event) = event else { return };
        if event.kind.is_access() {
            return;
        }
        let now = read_requests(&watched);
        if now != last {
            last = now.clone();
            on_change(now);
        }
    })
    .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    watcher
        .watch(&dir, notify::RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    Ok(RequestWatch { _watcher: watcher })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str, at: u64) -> SignInRequest {
        SignInRequest {
            name: name.into(),
            server_url: format!("http://127.0.0.1:1/{name}"),
            client_id: None,
            client_metadata_url: None,
            no_resource: false,
            resource: None,
            authorize_params: Vec::new(),
            scope: None,
            requested_ms: at,
            ca_cert: None,
        }
    }

    #[test]
    fn requests_are_read_oldest_first_and_half_written_files_are_skipped() {
        let dir = tempfile::tempdir().expect("dir");
        for (file, req) in [("b.json", request("b", 2)), ("a.json", request("a", 1))] {
            fs::write(
                dir.path().join(file),
                serde_json::to_vec(&req).expect("json"),
            )
            .expect("write");
        }
        fs::write(dir.path().join(".c.json.1.tmp"), "{").expect("write");
        fs::write(dir.path().join("d.json"), "{not json").expect("write");
        let names: Vec<String> = read_requests(dir.path())
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn the_watch_reports_each_new_list_of_requests_once() {
        let dir = tempfile::tempdir().expect("dir");
        let (tx, rx) = std::sync::mpsc::channel();
        let _watch = watch_dir(dir.path().to_owned(), move |list| {
            let _ = tx.send(list.into_iter().map(|r| r.name).collect::<Vec<_>>());
        })
        .expect("watch");
        let file = dir.path().join("a.json");
        store::write_private(&file, &serde_json::to_vec(&request("a", 1)).expect("json"))
            .expect("write");
        let wait = Duration::from_secs(10);
        assert_eq!(rx.recv_timeout(wait).expect("news"), ["a"]);
        fs::remove_file(&file).expect("remove");
        // Next comes the removal, not a repeat of the same list (reading the folder is itself
        // an event: without the filter the watch would feed itself).
        assert_eq!(rx.recv_timeout(wait).expect("news"), Vec::<String>::new());
    }

    #[test]
    fn a_request_never_carries_a_client_secret() {
        let opts = AuthOptions {
            server_url: Url::parse("https://example.com/mcp").expect("url"),
            name: "ex".into(),
            flow: Flow::Browser,
            client_id: Some("id".into()),
            client_secret: Some("s3cr3t-value".into()),
            client_metadata_url: None,
            no_resource: false,
            resource: None,
            authorize_params: Vec::new(),
            scope: None,
            wait: Duration::from_secs(1),
            hand_off: true,
            own_authorization: false,
            own_credentials: false,
            ca_cert: Some(PathBuf::from("/etc/corp/ca.pem")),
        };
        let json = serde_json::to_string(&SignInRequest::from_options(&opts, None)).expect("json");
        assert!(!json.contains("s3cr3t-value"), "{json}");
        assert!(json.contains("\"client_id\":\"id\""), "{json}");
        // The app's sign-in trusts the CA the bridge does.
        let back: SignInRequest = serde_json::from_str(&json).expect("read back");
        assert_eq!(
            back.options().expect("options").ca_cert,
            Some(PathBuf::from("/etc/corp/ca.pem"))
        );
    }
}
