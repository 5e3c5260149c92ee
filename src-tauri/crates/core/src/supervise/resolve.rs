//! Command resolution: turning the `command` of a config entry into the program to start.
//!
//! Owns the search PATH a server is started with. Desktop launchers (Finder, the Dock, GNOME's
//! launcher) start apps with a bare PATH such as `/usr/bin:/bin`, so `npx` installed by nvm or
//! Homebrew is not found: the reason for Claude's `spawn npx ENOENT`. When we were not started
//! from a terminal we ask the user's login shell for its PATH once (`$SHELL -lic`, with markers
//! around the value and a timeout), cache it in the resolver, and search it before our own PATH.
//! On Windows the lookup goes through PATHEXT (`npx` → `npx.cmd`) via the `which` crate.
//!
//! Shims are short-lived, and an rc file that loads nvm can take most of a second: with
//! [`CommandResolver::with_cache_file`] the login PATH is kept in a small file in the data dir
//! and reused while it is young; a command not found on a cached PATH triggers one fresh query
//! (the user may just have installed Node.js).
//!
//! Never: run anything but the login shell query, write anything but that cache file, or modify
//! the process's own environment.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use crate::diagnose::{Diagnosis, Severity, codes};

/// When to ask the login shell for its PATH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginShellPath {
    /// Never: search only this process's PATH.
    Never,
    /// Only when neither stdin nor stderr is a terminal (started by a launcher or by Claude).
    WhenNoTerminal,
    /// Always (tests; the app, which is always started by a launcher).
    Always,
}

/// Where the PATH that was searched came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PathOrigin {
    /// This process's own PATH.
    Process,
    /// The login shell's PATH, followed by this process's entries it lacked.
    LoginShell,
}

/// A program ready to be started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedCommand {
    /// Absolute path of the program (on Windows with its extension, e.g. `npx.cmd`).
    pub program: PathBuf,
    /// The PATH the server should be started with, so its own children (`node` under `npx`)
    /// are found the same way.
    pub search_path: OsString,
    pub origin: PathOrigin,
}

/// Resolves commands against the right PATH; one per app or shim, shared by reference.
#[derive(Debug)]
pub struct CommandResolver {
    policy: LoginShellPath,
    shell: Option<PathBuf>,
    shell_env: Vec<(OsString, OsString)>,
    timeout: Duration,
    process_path: OsString,
    cache: Option<(PathBuf, Duration)>,
    login_path: Mutex<Option<LoginPath>>,
}

/// What the login shell said, once asked (or read from the cache file).
#[derive(Debug, Clone)]
struct LoginPath {
    path: Option<OsString>,
    /// Asked in this process (not read from the cache file).
    fresh: bool,
}

/// The cache file's content.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct CachedPath {
    shell: String,
    path: String,
    /// Unix seconds.
    written: u64,
}

/// Markers around the PATH printed by the login shell: rc files may print banners.
#[cfg(unix)]
const MARK: &str = "__MCP_TRAY_PATH_7f3a__";

impl CommandResolver {
    /// A resolver over this process's PATH, asking the login shell per `policy`.
    pub fn new(policy: LoginShellPath) -> Self {
        CommandResolver {
            policy,
            shell: None,
            shell_env: Vec::new(),
            timeout: Duration::from_secs(3),
            process_path: std::env::var_os("PATH").unwrap_or_default(),
            cache: None,
            login_path: Mutex::new(None),
        }
    }

    /// Keeps the login shell's PATH in `file` (in the data dir) and reuses it for `max_age`.
    pub fn with_cache_file(mut self, file: impl Into<PathBuf>, max_age: Duration) -> Self {
        self.cache = Some((file.into(), max_age));
        self
    }

    /// Replaces the PATH this process is taken to have (tests: a launcher's bare PATH).
    pub fn with_process_path(mut self, path: impl Into<OsString>) -> Self {
        self.process_path = path.into();
        self
    }

    /// Uses this shell instead of `$SHELL`.
    pub fn with_shell(mut self, shell: impl Into<PathBuf>) -> Self {
        self.shell = Some(shell.into());
        self
    }

    /// Adds an environment variable for the login shell query only (tests: `HOME`).
    pub fn with_shell_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.shell_env.push((key.into(), value.into()));
        self
    }

    /// How long the login shell may take before we give up on it.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The PATH servers are searched in and started with, and where it came from.
    pub fn search_path(&self) -> (OsString, PathOrigin) {
        self.search_path_with(false)
    }

    fn search_path_with(&self, fresh: bool) -> (OsString, PathOrigin) {
        match self.login_shell_path(fresh).path {
            Some(login) => (
                merge_paths(&login, &self.process_path),
                PathOrigin::LoginShell,
            ),
            None => (self.process_path.clone(), PathOrigin::Process),
        }
    }

    /// Finds `command` (a bare name, or a path relative to `cwd`, or absolute).
    ///
    /// A command that cannot be found gives a `command-not-found` [`Diagnosis`] naming the
    /// folders searched and the fix.
    pub fn resolve(
        &self,
        command: &str,
        cwd: Option<&Path>,
    ) -> Result<ResolvedCommand, Box<Diagnosis>> {
        let cwd = cwd
            .map(Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let (mut search_path, mut origin) = self.search_path_with(false);
        let mut found = which::which_in(command, Some(&search_path), &cwd);
        if found.is_err() && !self.login_shell_path(false).fresh {
            // The cached login PATH may predate the install: ask the shell again, once.
            (search_path, origin) = self.search_path_with(true);
            found = which::which_in(command, Some(&search_path), &cwd);
        }
        match found {
            Ok(program) => Ok(ResolvedCommand {
                program,
                search_path,
                origin,
            }),
            Err(_) => Err(Box::new(not_found(command, &search_path, origin))),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<LoginPath>> {
        self.login_path.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The login shell's PATH per the policy: known, cached, or asked now (`fresh` forces it).
    fn login_shell_path(&self, fresh: bool) -> LoginPath {
        let none = LoginPath {
            path: None,
            fresh: true,
        };
        let wanted = match self.policy {
            LoginShellPath::Never => false,
            LoginShellPath::Always => true,
            LoginShellPath::WhenNoTerminal => {
                use std::io::IsTerminal;
                !std::io::stdin().is_terminal() && !std::io::stderr().is_terminal()
            }
        };
        if !wanted {
            return none;
        }
        let mut known = self.lock();
        if let Some(k) = known.as_ref()
            && (k.fresh || !fresh)
        {
            return k.clone();
        }
        let Some(shell) = self.shell.clone().or_else(|| {
            std::env::var_os("SHELL")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
        }) else {
            *known = Some(none.clone());
            return none;
        };
        if !fresh && let Some(path) = self.read_cache(&shell) {
            let k = LoginPath {
                path: Some(path),
                fresh: false,
            };
            *known = Some(k.clone());
            return k;
        }
        let path = query_login_shell(&shell, &self.shell_env, self.timeout).ok();
        if let Some(path) = &path {
            self.write_cache(&shell, path);
        }
        let k = LoginPath { path, fresh: true };
        *known = Some(k.clone());
        k
    }

    fn read_cache(&self, shell: &Path) -> Option<OsString> {
        let (file, max_age) = self.cache.as_ref()?;
        let cached: CachedPath = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .ok()?
            .as_secs();
        let young = now.saturating_sub(cached.written) <= max_age.as_secs();
        (young && Path::new(&cached.shell) == shell && !cached.path.is_empty())
            .then(|| OsString::from(cached.path))
    }

    /// Best effort: a cache that cannot be written only costs the next shim a query.
    fn write_cache(&self, shell: &Path, path: &OsStr) {
        let Some((file, _)) = &self.cache else {
            return;
        };
        let (Some(shell), Some(path)) = (shell.to_str(), path.to_str()) else {
            return;
        };
        let written = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let Ok(bytes) = serde_json::to_vec(&CachedPath {
            shell: shell.to_owned(),
            path: path.to_owned(),
            written,
        }) else {
            return;
        };
        let Some(dir) = file.parent() else {
            return;
        };
        let _ = std::fs::create_dir_all(dir);
        // Atomic: a shim starting at the same moment reads the old file or the new one.
        if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) {
            use std::io::Write;
            if tmp.write_all(&bytes).is_ok() {
                let _ = tmp.persist(file);
            }
        }
    }
}

/// Login shell entries first (that is what the user's terminal sees), then ours it lacked.
fn merge_paths(first: &OsStr, then: &OsStr) -> OsString {
    let mut seen = Vec::new();
    for dir in std::env::split_paths(first).chain(std::env::split_paths(then)) {
        if !dir.as_os_str().is_empty() && !seen.contains(&dir) {
            seen.push(dir);
        }
    }
    std::env::join_paths(seen).unwrap_or_else(|_| first.to_os_string())
}

/// Runs `SHELL -l -i -c 'printf …'` and returns the PATH between the markers.
#[cfg(unix)]
fn query_login_shell(
    shell: &Path,
    env: &[(OsString, OsString)],
    timeout: Duration,
) -> Result<OsString, String> {
    use std::io::Read;
    use std::os::unix::ffi::OsStringExt;
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    let script = format!("printf '%s%s%s' '{MARK}' \"$PATH\" '{MARK}'");
    let mut child = Command::new(shell)
        .args(["-l", "-i", "-c", &script])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", shell.display()))?;
    let pid = child.id();
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    // Done at the closing marker, not at the end of the output: a job an rc file starts in the
    // background (an agent, a version check) can hold the shell's stdout open long after.
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match stdout.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
            }
            if find(&out, MARK.as_bytes())
                .is_some_and(|at| find(&out[at + MARK.len()..], MARK.as_bytes()).is_some())
            {
                break;
            }
        }
        let _ = tx.send(out);
    });
    let started = std::time::Instant::now();
    let out = rx.recv_timeout(timeout);
    // Whatever happened, leave nothing of the shell behind (rc files may start background jobs).
    if let Ok(pgid) = i32::try_from(pid) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pgid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let _ = child.wait();
    let out =
        out.map_err(|_| format!("{} took more than {:?}", shell.display(), started.elapsed()))?;
    let text = out;
    let start =
        find(&text, MARK.as_bytes()).ok_or("no PATH marker in the shell's output")? + MARK.len();
    let len = find(&text[start..], MARK.as_bytes()).ok_or("no closing PATH marker")?;
    let path = text[start..start + len].to_vec();
    if path.is_empty() {
        return Err("the login shell has an empty PATH".into());
    }
    Ok(OsString::from_vec(path))
}

#[cfg(not(unix))]
fn query_login_shell(
    _shell: &Path,
    _env: &[(OsString, OsString)],
    _timeout: Duration,
) -> Result<OsString, String> {
    // Windows launchers pass the full user PATH; there is no login shell to ask.
    Err("no login shell on this platform".into())
}

#[cfg(unix)]
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn not_found(command: &str, search_path: &OsStr, origin: PathOrigin) -> Diagnosis {
    let dirs: Vec<String> = std::env::split_paths(search_path)
        .map(|d| d.display().to_string())
        .collect();
    let from = match origin {
        PathOrigin::Process => "this process's PATH",
        PathOrigin::LoginShell => "your login shell's PATH",
    };
    let detail = if Path::new(command).components().count() > 1 {
        format!("`{command}` does not exist or is not an executable file.")
    } else {
        format!("Looked for `{command}` in {from}:\n  {}", dirs.join("\n  "))
    };
    Diagnosis::new(
        codes::COMMAND_NOT_FOUND,
        Severity::Error,
        format!("The command `{command}` was not found"),
    )
    .detail(detail)
    .fix(fix_for_missing(command))
}

/// Where a missing command's path goes, in the command line's words ([`crate::diagnose::message_in`]
/// names the app's Command field instead).
pub const ENTRY_COMMAND: &str = "the entry's \"command\"";

/// Where a tapped entry's server command is, in the command line's words: its "command" is
/// MCP Tray's own (`mcp-tray wrap`), and the server's command follows `--` in its args.
pub const TAPPED_COMMAND: &str =
    "the entry's \"args\" after \"--\" (the command MCP Tray's tap starts)";

/// `d`, a failure to find or start a server's command, for an entry started through MCP Tray's
/// tap: where the command goes is its args after `--`, not the entry's "command".
pub fn in_tapped_entry(mut d: Diagnosis) -> Diagnosis {
    d.summary = d.summary.replace(ENTRY_COMMAND, TAPPED_COMMAND);
    d.detail = d.detail.replace(ENTRY_COMMAND, TAPPED_COMMAND);
    d.fix = d.fix.map(|fix| fix.replace(ENTRY_COMMAND, TAPPED_COMMAND));
    d
}

/// The command that names where a program is, on this system.
const LOOKUP: &str = if cfg!(windows) { "where" } else { "which" };

/// What to do when `command` cannot be found; shared with the Claude log parser.
pub fn fix_for_missing(command: &str) -> String {
    let name = Path::new(command)
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match name.as_str() {
        "npx" | "node" | "npm" => format!(
            "Install Node.js (https://nodejs.org), or put the absolute path of `{name}` in \
             {ENTRY_COMMAND} (run `which {name}`, or `where {name}` on Windows, in a terminal to get it)."
        ),
        "uvx" | "uv" => format!(
            "Install uv (https://docs.astral.sh/uv/), or put the absolute path of `{name}` in \
             {ENTRY_COMMAND} (run `{LOOKUP} {name}` in a terminal; it is often ~/.local/bin/{name})."
        ),
        "python" | "python3" | "py" => format!(
            "Install Python, or put the absolute path of the interpreter in {ENTRY_COMMAND} \
             (run `{LOOKUP} {name}` in a terminal; on macOS `python` may not exist, use `python3`)."
        ),
        "docker" => {
            "Install Docker Desktop and start it, or use the absolute path of `docker`.".to_owned()
        }
        // A path that leads nowhere: searching PATH for it would not help.
        _ if Path::new(command).components().count() > 1 => format!(
            "Check the path in {ENTRY_COMMAND}: `{command}` must be an executable file, \
             given by its absolute path. Is there a typo, or was the program moved or never built?"
        ),
        _ => format!(
            "Install `{command}`, or put its absolute path in {ENTRY_COMMAND} \
             (run `{LOOKUP} {command}` in a terminal to get it)."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_command_given_as_a_path_gets_told_to_check_the_path_not_to_search_for_it() {
        let fix = fix_for_missing("/nonexistent/ghost-mcp-server");
        assert!(fix.starts_with("Check the path"), "{fix}");
        assert!(!fix.contains("which"), "{fix}");
        let fix = fix_for_missing("ghost-mcp-server");
        assert!(
            fix.contains(&format!("run `{LOOKUP} ghost-mcp-server`")),
            "{fix}"
        );
        // A known tool keeps its own advice, wherever it was looked for.
        assert!(fix_for_missing("/opt/node/bin/npx").starts_with("Install Node.js"));
    }

    /// An rc file that leaves a job running in the background with the shell's stdout (macOS
    /// users' agents, version checks): the PATH is read at its closing marker, not when the
    /// output ends, which would be past the time limit.
    #[cfg(unix)]
    #[test]
    fn a_background_job_holding_the_shells_output_does_not_hold_the_path() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("dir");
        let shell = dir.path().join("login-shell");
        std::fs::write(
            &shell,
            format!("#!/bin/sh\nsleep 30 &\nprintf '%s%s%s' '{MARK}' '/opt/tools/bin:/usr/bin' '{MARK}'\n"),
        )
        .expect("write");
        std::fs::set_permissions(&shell, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        // Before the change, the read waited for the end of the output: past the time limit.
        let path = query_login_shell(&shell, &[], Duration::from_secs(5)).expect("the PATH");
        assert_eq!(path, OsStr::new("/opt/tools/bin:/usr/bin"));
    }

    #[cfg(unix)]
    #[test]
    fn merge_keeps_login_order_and_appends_missing_process_entries() {
        let merged = merge_paths(OsStr::new("/a:/b"), OsStr::new("/b:/c"));
        assert_eq!(merged, OsString::from("/a:/b:/c"));
    }

    #[test]
    fn missing_npx_fix_mentions_node() {
        assert!(fix_for_missing("npx").contains("Node.js"));
        assert!(fix_for_missing("uvx").contains("uv"));
        assert!(fix_for_missing("my-server").contains("absolute path"));
    }
}
