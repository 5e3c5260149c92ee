//! Where sign-ins are kept between runs: one record per server and client in
//! `<data dir>/auth/<key>.json` (what was discovered, the client registration, when the token
//! expires; [`sign_in_id`] says what the key is made of) and its secrets (access
//! and refresh token, client secret) in the OS keychain (macOS Keychain, Windows Credential
//! Manager, the Secret Service on Linux, via the `keyring` crate), or in the same file (mode
//! 0600) where no keychain answers. A sign-in stored in the file stays readable and moves to the
//! keychain the next time it is saved (a refresh, a new sign-in).
//! Also the cross-process sign-in lock, so two bridges for one server share one sign-in.
//!
//! It must never print, log or journal a secret, and never leave a secret-bearing file readable
//! by other users.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::paths;

/// A lock older than this is taken over even when its process looks alive (pid reuse).
const STALE_LOCK: Duration = Duration::from_secs(15 * 60);

/// Secrets of one sign-in.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Secrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(hidden)")
    }
}

/// How this client is known to the authorization server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClientRegistration {
    pub client_id: String,
    /// `client_secret_basic`, `client_secret_post` or `none`.
    pub auth_method: String,
    /// `pre-registered`, `metadata-document` or `dynamic`.
    pub source: String,
    /// The redirect URI registered (dynamic registration) or used.
    pub redirect_uri: String,
    /// The token endpoint it was registered for.
    pub token_endpoint: String,
}

/// One server's sign-in, without its secrets.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Record {
    pub server_url: String,
    /// The client it was made for, when one was given (see [`sign_in_id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_given: Option<String>,
    /// What it asked for besides the server's defaults, when anything (see [`sign_in_id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_for: Option<String>,
    pub name: String,
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
    #[serde(default)]
    pub client: Option<ClientRegistration>,
    #[serde(default)]
    pub scope: Option<String>,
    /// Unix seconds when the access token expires.
    #[serde(default)]
    pub expires_at: Option<u64>,
    /// Seconds the access token was issued for (`expires_in`): a short-lived one is refreshed
    /// closer to its expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<u64>,
    /// Unix milliseconds of the last change; tells waiting bridges a sign-in finished.
    #[serde(default)]
    pub updated_ms: u64,
    /// Where the secrets live: `file` or `keychain`.
    #[serde(default)]
    pub secrets_in: String,
    /// Only when `secrets_in == "file"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Secrets>,
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The folder of sign-in records.
pub fn auth_dir() -> PathBuf {
    paths::data_dir().join("auth")
}

impl Record {
    /// What this record is stored under.
    pub fn id(&self) -> String {
        sign_in_id(
            &self.server_url,
            self.client_given.as_deref(),
            self.asked_for.as_deref(),
        )
    }
}

/// What a sign-in is stored under: the server's canonical URL (the `resource` is that URL or
/// a prefix of it), plus the client when one is given (`--oauth-client-id`, or a metadata
/// document URL), so that two clients of one server keep their own tokens, plus what it asked for
/// besides the server's defaults (`resource=…` and extra authorization parameters), so that two
/// entries asking for different resources or audiences do too. A dynamically registered client
/// is the server's own: the URL alone.
pub fn sign_in_id(server_url: &str, client_given: Option<&str>, asked_for: Option<&str>) -> String {
    let mut id = server_url.to_owned();
    if let Some(client) = client_given {
        id.push_str(&format!(" client={client}"));
    }
    if let Some(asked) = asked_for {
        id.push_str(&format!(" asking {asked}"));
    }
    id
}

/// The store key of a sign-in id or a server URL: a hash of it (names files, keychain entries,
/// locks and sign-in requests).
pub fn key_of(id: &str) -> String {
    let digest = Sha256::digest(id.as_bytes());
    digest[..10].iter().map(|b| format!("{b:02x}")).collect()
}

fn record_path(key: &str) -> PathBuf {
    auth_dir().join(format!("{key}.json"))
}

/// Whether secrets go to the OS keychain: macOS, Windows and Linux (Secret Service), unless
/// `MCP_TRAY_TOKEN_STORE=file`.
fn use_keychain() -> bool {
    cfg!(any(target_os = "macos", windows, target_os = "linux"))
        && std::env::var("MCP_TRAY_TOKEN_STORE").as_deref() != Ok("file")
}

/// Reads the record of a sign-in id ([`sign_in_id`]) and its secrets.
pub fn load(id: &str) -> Option<(Record, Secrets)> {
    let key = key_of(id);
    let bytes = fs::read(record_path(&key)).ok()?;
    let mut record: Record = serde_json::from_slice(&bytes).ok()?;
    if record.id() != id {
        return None;
    }
    let secrets = match record.secrets.take() {
        Some(s) => s,
        None if record.secrets_in == "keychain" => keychain::get(&key).unwrap_or_default(),
        None => Secrets::default(),
    };
    Some((record, secrets))
}

/// When the record of a sign-in id last changed (ms), read without its secrets.
pub fn updated_ms(id: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Stamp {
        server_url: String,
        #[serde(default)]
        client_given: Option<String>,
        #[serde(default)]
        asked_for: Option<String>,
        #[serde(default)]
        updated_ms: u64,
    }
    let bytes = fs::read(record_path(&key_of(id))).ok()?;
    let stamp: Stamp = serde_json::from_slice(&bytes).ok()?;
    let stamped = sign_in_id(
        &stamp.server_url,
        stamp.client_given.as_deref(),
        stamp.asked_for.as_deref(),
    );
    (stamped == id).then_some(stamp.updated_ms)
}

/// Every record in the store (for `mcp-tray auth status`), without secrets.
pub fn all() -> Vec<(Record, bool)> {
    let mut out = Vec::new();
    let Ok(dir) = fs::read_dir(auth_dir()) else {
        return out;
    };
    for entry in dir.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json")
            && let Ok(bytes) = fs::read(&path)
            && let Ok(record) = serde_json::from_slice::<Record>(&bytes)
            && let Some((record, secrets)) = load(&record.id())
        {
            out.push((record, secrets.access_token.is_some()));
        }
    }
    out.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    out
}

/// Writes a record and its secrets (atomically; the file is 0600 before any byte is written).
pub fn save(record: &Record, secrets: &Secrets) -> Result<(), String> {
    let key = key_of(&record.id());
    let mut record = record.clone();
    record.updated_ms = now_ms();
    if use_keychain() && keychain::set(&key, secrets).is_ok() {
        record.secrets_in = "keychain".into();
        record.secrets = None;
    } else {
        if use_keychain() {
            // What the keychain held for it before (an older token) goes: the file has the new.
            keychain::delete(&key);
        }
        record.secrets_in = "file".into();
        record.secrets = Some(secrets.clone());
    }
    let json = serde_json::to_vec_pretty(&record).map_err(|e| e.to_string())?;
    write_private(&record_path(&key), &json)
}

/// Forgets a server's sign-ins, of every client. True when there was one.
pub fn remove(server_url: &str) -> bool {
    let mut ids: Vec<String> = all()
        .into_iter()
        .map(|(record, _)| record)
        .filter(|record| record.server_url == server_url)
        .map(|record| record.id())
        .collect();
    ids.push(server_url.to_owned()); // also the URL's own record when it cannot be read
    ids.sort();
    ids.dedup();
    let mut removed = false;
    for id in ids {
        let key = key_of(&id);
        keychain::delete(&key);
        removed |= fs::remove_file(record_path(&key)).is_ok();
    }
    removed
}

pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("record"),
        std::process::id()
    ));
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut file = opts
        .open(&tmp)
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    drop(file);
    fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Holds the cross-process refresh lock of one sign-in until dropped: an OS file lock, which the
/// OS lets go of when its process dies, however it dies.
pub struct RefreshLock {
    _file: fs::File,
}

/// Waits up to `wait` for the refresh lock of sign-in `id` ([`sign_in_id`]): two processes of one
/// sign-in (two bridges of a server, a bridge and the app's test) refresh one at a time, and the
/// one that waited takes what the other stored. A provider that detects a refresh token used
/// twice (OAuth 2.1's rotation) revokes every token of the sign-in. `None` when the lock cannot
/// be had (no folder, a file system without locks, a holder past `wait`): the caller refreshes
/// anyway, as it did before locks. Blocks: for a blocking thread.
pub fn refresh_lock(id: &str, wait: Duration) -> Option<RefreshLock> {
    let dir = auth_dir();
    fs::create_dir_all(&dir).ok()?;
    let file = fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(dir.join(format!("{}.refresh.lock", key_of(id))))
        .ok()?;
    let deadline = std::time::Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Some(RefreshLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(_) => return None,
        }
    }
}

/// Holds the cross-process sign-in lock of one server until dropped.
pub struct SignInLock {
    path: PathBuf,
}

impl Drop for SignInLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Takes the sign-in lock of a server, or `None` while another live process holds it.
/// A lock whose process is gone, or older than 15 minutes, is stale and taken over.
pub fn try_lock(server_url: &str) -> Option<SignInLock> {
    let dir = auth_dir();
    let _ = fs::create_dir_all(&dir);
    let path = dir.join(format!("{}.lock", key_of(server_url)));
    for _ in 0..2 {
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                let _ = write!(f, "{} {}", std::process::id(), now_secs());
                return Some(SignInLock { path });
            }
            Err(_) if lock_is_stale(&path) => {
                let _ = fs::remove_file(&path);
            }
            Err(_) => return None,
        }
    }
    None
}

fn lock_is_stale(path: &Path) -> bool {
    let Ok(text) = fs::read_to_string(path) else {
        return false; // being written right now
    };
    let mut parts = text.split_whitespace();
    let pid = parts.next().and_then(|p| p.parse::<u32>().ok());
    let since = parts.next().and_then(|t| t.parse::<u64>().ok());
    let (Some(pid), Some(since)) = (pid, since) else {
        // Half-written or garbage: stale once it is old enough to not be mid-write.
        return fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(5));
    };
    if now_secs().saturating_sub(since) > STALE_LOCK.as_secs() {
        return true;
    }
    !process_alive(pid)
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    use nix::errno::Errno;
    use nix::sys::signal::kill;
    use nix::unistd::Pid;
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    match kill(Pid::from_raw(raw), None) {
        Ok(()) => true,
        Err(Errno::EPERM) => true,
        Err(_) => false,
    }
}

#[cfg(windows)]
fn process_alive(pid: u32) -> bool {
    use windows::Win32::Foundation::{CloseHandle, ERROR_ACCESS_DENIED, STILL_ACTIVE};
    use windows::Win32::System::Threading::{
        GetExitCodeProcess, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
    };
    // SAFETY: plain Win32 calls on a handle this function opens and closes.
    unsafe {
        match OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, false, pid) {
            Ok(handle) => {
                let mut code = 0u32;
                let alive =
                    GetExitCodeProcess(handle, &mut code).is_ok() && code == STILL_ACTIVE.0 as u32;
                let _ = CloseHandle(handle);
                alive
            }
            // Someone else's process: it exists.
            Err(err) => err.code() == ERROR_ACCESS_DENIED.to_hresult(),
        }
    }
}

#[cfg(not(any(unix, windows)))]
fn process_alive(_pid: u32) -> bool {
    // Without a cheap liveness check the age limit decides.
    true
}

/// The OS keychain: macOS Keychain, Windows Credential Manager, the Secret Service on Linux
/// (GNOME Keyring, KWallet; pure-Rust D-Bus). Every call runs on its own thread and is given
/// [`KEYCHAIN_WAIT`]: a keychain that does not answer (no session bus, a locked keyring waiting
/// for a prompt nobody sees) counts as absent for the rest of the process, so the secrets go to
/// the 0600 file instead and nothing hangs. Elsewhere every call fails.
mod keychain {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use super::Secrets;

    /// How long one keychain call may take before the keychain counts as absent.
    const KEYCHAIN_WAIT: Duration = Duration::from_secs(3);

    static ABSENT: AtomicBool = AtomicBool::new(false);

    /// Why a keychain call failed.
    #[cfg_attr(
        not(any(target_os = "macos", windows, target_os = "linux")),
        allow(dead_code)
    )]
    pub(super) enum Failed {
        /// No keychain to be had (none, no session bus, locked with nobody to unlock it): the
        /// rest of the process keeps its secrets in the file.
        Unavailable,
        /// This call alone: a secret too long for Windows' Credential Manager (2,560 bytes, less
        /// than an access token and a refresh token often take), an entry that cannot be read.
        /// That record goes to the file; the others stay in the keychain, read and deleted there.
        ThisCall,
    }

    #[cfg(any(target_os = "macos", windows, target_os = "linux"))]
    impl From<keyring::Error> for Failed {
        fn from(e: keyring::Error) -> Self {
            match e {
                keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
                    Failed::Unavailable
                }
                _ => Failed::ThisCall,
            }
        }
    }

    /// Runs `op` with the time limit; `None` when it failed, or the keychain is absent or did
    /// not answer (then it counts as absent from now on).
    #[cfg_attr(
        not(any(target_os = "macos", windows, target_os = "linux")),
        allow(dead_code)
    )]
    pub(super) fn bounded<T: Send + 'static>(
        op: impl FnOnce() -> Result<T, Failed> + Send + 'static,
    ) -> Option<T> {
        if ABSENT.load(Ordering::Relaxed) {
            return None;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        // Its own thread: the Secret Service client must not run on a tokio worker.
        let spawned = std::thread::Builder::new()
            .name("keychain".into())
            .spawn(move || {
                let _ = tx.send(op());
            });
        let answer = spawned
            .ok()
            .and_then(|_| rx.recv_timeout(KEYCHAIN_WAIT).ok());
        match answer {
            Some(Ok(value)) => Some(value),
            Some(Err(Failed::ThisCall)) => None,
            Some(Err(Failed::Unavailable)) | None => {
                ABSENT.store(true, Ordering::Relaxed);
                None
            }
        }
    }

    /// Whether the keychain counts as absent for the rest of the process.
    #[cfg(test)]
    pub(super) fn absent() -> bool {
        ABSENT.load(Ordering::Relaxed)
    }

    /// Counts the keychain as present again (a test's start, whatever ran before it).
    #[cfg(test)]
    pub(super) fn reset_absent() {
        ABSENT.store(false, Ordering::Relaxed);
    }

    #[cfg(any(target_os = "macos", windows, target_os = "linux"))]
    fn entry(key: &str) -> Result<keyring::Entry, Failed> {
        Ok(keyring::Entry::new("mcp-tray", key)?)
    }

    #[cfg(any(target_os = "macos", windows, target_os = "linux"))]
    pub fn set(key: &str, secrets: &Secrets) -> Result<(), String> {
        let json = serde_json::to_string(secrets).map_err(|e| e.to_string())?;
        let key = key.to_owned();
        bounded(move || Ok(entry(&key)?.set_password(&json)?))
            .ok_or_else(|| "the OS keychain did not keep it".to_owned())
    }

    #[cfg(any(target_os = "macos", windows, target_os = "linux"))]
    pub fn get(key: &str) -> Option<Secrets> {
        let key = key.to_owned();
        let json = bounded(move || match entry(&key)?.get_password() {
            Ok(json) => Ok(Some(json)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        })??;
        serde_json::from_str(&json).ok()
    }

    #[cfg(any(target_os = "macos", windows, target_os = "linux"))]
    pub fn delete(key: &str) {
        let key = key.to_owned();
        let _ = bounded(move || match entry(&key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        });
    }

    #[cfg(not(any(target_os = "macos", windows, target_os = "linux")))]
    pub fn set(_key: &str, _secrets: &Secrets) -> Result<(), String> {
        Err("no OS keychain on this platform".into())
    }

    #[cfg(not(any(target_os = "macos", windows, target_os = "linux")))]
    pub fn get(_key: &str) -> Option<Secrets> {
        None
    }

    #[cfg(not(any(target_os = "macos", windows, target_os = "linux")))]
    pub fn delete(_key: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_of_a_dead_process_is_stale() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("x.lock");
        fs::write(&path, format!("{} {}", u32::MAX - 7, now_secs())).expect("write");
        assert!(lock_is_stale(&path));
        fs::write(&path, format!("{} {}", std::process::id(), now_secs())).expect("write");
        assert!(!lock_is_stale(&path));
        fs::write(&path, format!("{} {}", std::process::id(), 1)).expect("write");
        assert!(lock_is_stale(&path), "too old");
    }

    /// A call that fails on its own (Windows refuses a secret over 2,560 bytes) sends that record
    /// to the file and leaves the keychain in use for the others; only a keychain that cannot be
    /// reached (or does not answer) counts as absent for the rest of the process.
    #[test]
    fn a_refused_secret_leaves_the_keychain_in_use_and_an_unreachable_one_does_not() {
        use keychain::{Failed, absent, bounded, reset_absent};
        reset_absent();
        assert_eq!(bounded(|| Err::<(), _>(Failed::ThisCall)), None);
        assert!(!absent(), "one record refused is not the keychain gone");
        assert_eq!(bounded(|| Ok(7)), Some(7));
        assert_eq!(bounded(|| Err::<(), _>(Failed::Unavailable)), None);
        assert!(absent());
        assert_eq!(bounded(|| Ok(7)), None, "absent from now on");
        reset_absent(); // for the tests after it in this process
    }

    #[cfg(unix)]
    #[test]
    fn secret_files_are_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("r.json");
        write_private(&path, b"{}").expect("write");
        let mode = fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
