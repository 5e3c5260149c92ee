//! Which servers run on Node.js, and the version of the Node.js they would get: the one the
//! command resolver finds (the login shell's PATH, as `npx` itself would find `node`).
//!
//! The version is asked of the binary (`node --version`) once per binary, its path, size and
//! modification time, for [`ASK_AGAIN_AFTER`]: the app checks its servers after every change of
//! the config, and a new Node.js installed meanwhile (a new file, or the same path replaced) is
//! asked again at once. A version manager's shim (Volta, asdf, mise, nodenv) stays the same file
//! while the Node.js it runs changes: that is what the time limit is for.
//! The call blocks for as long as Node.js takes to start (tens of ms), at most [`ASK_LIMIT`]:
//! callers run it off any async worker or UI thread.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::config::{EntryKind, ServerEntry};
use crate::diagnose::{Diagnosis, Severity, codes};
use crate::supervise::CommandResolver;

/// How long `node --version` may take before it is given up on (and not reported).
pub const ASK_LIMIT: Duration = Duration::from_secs(10);

/// How long a binary's answer is taken as its version: a shim may run another Node.js after
/// `volta install node@22` or `asdf global nodejs 22`, unchanged itself.
pub const ASK_AGAIN_AFTER: Duration = Duration::from_secs(60);

/// A binary as it is on disk: path, size, modification time.
type BinaryKey = (PathBuf, u64, SystemTime);

/// The Node.js a command would run on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFound {
    pub program: PathBuf,
    /// As it prints it: `v16.20.2`.
    pub version: String,
    pub major: u32,
}

/// Whether the entry's command (for a tapped entry, the wrapped one) is Node.js or one of its
/// launchers (`npx`, `npm`), found by name. Not one given with its folder (`/opt/node22/bin/npx`)
/// nor one whose entry sets its own `PATH`: those run on another Node.js than the one [`find`]
/// asks, so nothing is said of them.
pub fn runs_on_node(server: &ServerEntry) -> bool {
    let command = match &server.kind {
        EntryKind::Tapped { command, .. } => command.as_str(),
        _ => server.command.as_deref().unwrap_or(""),
    };
    if command.contains(['/', '\\']) || crate::config::sets_own_path(server) {
        return false;
    }
    let file = command;
    matches!(
        file.to_ascii_lowercase().as_str(),
        "npx" | "npx.cmd" | "node" | "node.exe" | "npm" | "npm.cmd"
    )
}

/// The Node.js `resolver` finds, with its version; `None` when there is none, or it does not say.
pub fn find(resolver: &CommandResolver) -> Option<NodeFound> {
    find_within(resolver, ASK_AGAIN_AFTER)
}

/// [`find`], taking a binary's answer for `max_age`.
fn find_within(resolver: &CommandResolver, max_age: Duration) -> Option<NodeFound> {
    let node = resolver.resolve("node", None).ok()?;
    let meta = std::fs::metadata(&node.program).ok()?;
    let key = (
        node.program.clone(),
        meta.len(),
        meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
    );
    // A binary that did not say (it failed, or hung for ASK_LIMIT) is not asked again either
    // for a while: the checks run after every change of the config.
    static ASKED: Mutex<Vec<(BinaryKey, Instant, Option<String>)>> = Mutex::new(Vec::new());
    let known = ASKED.lock().ok().and_then(|asked| {
        asked
            .iter()
            .find(|(k, at, _)| k == &key && at.elapsed() < max_age)
            .map(|(_, _, v)| v.clone())
    });
    let version = match known {
        Some(v) => v?,
        None => {
            let v = ask_version(&node.program, &node.search_path);
            if let Ok(mut asked) = ASKED.lock() {
                asked.retain(|(k, _, _)| k.0 != key.0);
                asked.push((key, Instant::now(), v.clone()));
            }
            v?
        }
    };
    Some(NodeFound {
        major: parse_major(&version)?,
        program: node.program,
        version,
    })
}

/// The oldest Node.js major version current MCP servers (and `npx mcp-remote`) run on.
pub const MIN_MAJOR: u32 = 18;

/// A `node-too-old` diagnosis for each of `servers` that runs on Node.js, when the Node.js they
/// would get is older than [`MIN_MAJOR`]; none when it is recent enough or cannot be found (a
/// missing command is reported on its own).
pub fn too_old(servers: &[&ServerEntry], resolver: &CommandResolver) -> Vec<Diagnosis> {
    let on_node: Vec<&str> = servers
        .iter()
        .filter(|s| runs_on_node(s))
        .map(|s| s.name.as_str())
        .collect();
    if on_node.is_empty() {
        return Vec::new();
    }
    let Some(node) = find(resolver).filter(|n| n.major < MIN_MAJOR) else {
        return Vec::new();
    };
    on_node
        .into_iter()
        .map(|name| {
            Diagnosis::new(
                codes::NODE_TOO_OLD,
                Severity::Error,
                format!("Node.js {} is too old for {name}", node.version),
            )
            .server(name)
            .detail(format!(
                "found {}; servers need Node.js {MIN_MAJOR} or newer",
                node.program.display()
            ))
            .fix("install a current Node.js LTS from nodejs.org (or with your version manager), then restart Claude Desktop")
        })
        .collect()
}

/// `program --version`'s first line, waited for at most [`ASK_LIMIT`].
fn ask_version(program: &Path, search_path: &std::ffi::OsStr) -> Option<String> {
    let mut cmd = Command::new(program);
    cmd.arg("--version")
        .env("PATH", search_path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        cmd.creation_flags(CREATE_NO_WINDOW);
    }
    let mut child = cmd.spawn().ok()?;
    let deadline = Instant::now() + ASK_LIMIT;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut out).ok()?;
    let line = out.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_owned())
}

/// `v16.20.2` → 16.
pub fn parse_major(version: &str) -> Option<u32> {
    version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(json: &str) -> ServerEntry {
        let value: serde_json::Value = serde_json::from_str(json).expect("json");
        ServerEntry::from_value("x".into(), value, json.into())
    }

    #[test]
    fn node_launchers_are_recognised_by_name_also_when_tapped() {
        assert!(runs_on_node(&entry(
            r#"{"command": "npx", "args": ["-y", "x"]}"#
        )));
        assert!(runs_on_node(&entry(
            r#"{"command": "NPX.CMD", "args": []}"#
        )));
        assert!(runs_on_node(&entry(
            r#"{"command": "/opt/mcp-tray", "args": ["wrap", "--name", "x", "--", "node", "s.js"]}"#
        )));
        assert!(!runs_on_node(&entry(
            r#"{"command": "uvx", "args": ["x"]}"#
        )));
        assert!(!runs_on_node(&entry(r#"{"command": "nodemon"}"#)));
        // Another Node.js than the login shell's: its own folder, or its own PATH.
        assert!(!runs_on_node(&entry(
            r#"{"command": "/opt/node22/bin/npx", "args": ["-y", "x"]}"#
        )));
        assert!(!runs_on_node(&entry(
            r#"{"command": "C:\\Program Files\\nodejs\\npx.cmd", "args": []}"#
        )));
        assert!(!runs_on_node(&entry(
            r#"{"command": "npx", "args": ["x"], "env": {"PATH": "/home/me/.nvm/versions/node/v22/bin:/usr/bin"}}"#
        )));
    }

    #[test]
    fn a_version_s_major_is_read_with_or_without_its_v() {
        assert_eq!(parse_major("v16.20.2\n"), Some(16));
        assert_eq!(parse_major("22.1.0"), Some(22));
        assert_eq!(parse_major("node"), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_version_manager_s_shim_is_asked_again_once_its_answer_is_old() {
        // A shim is the same file whatever Node.js it runs: like Volta's or asdf's, this one
        // prints the version its "global setting" names.
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let setting = dir.path().join("global");
        let shim = dir.path().join("node");
        std::fs::write(&setting, "v16.20.2\n").expect("setting");
        std::fs::write(
            &shim,
            format!("#!/bin/sh\nexec /bin/cat '{}'\n", setting.display()),
        )
        .expect("shim");
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never)
            .with_process_path(dir.path().as_os_str());
        let major = |max_age| find_within(&resolver, max_age).map(|n| n.major);
        assert_eq!(major(ASK_AGAIN_AFTER), Some(16));

        std::fs::write(&setting, "v22.11.0\n").expect("the user switches");
        assert_eq!(major(ASK_AGAIN_AFTER), Some(16), "a fresh answer is kept");
        assert_eq!(major(Duration::ZERO), Some(22), "an old one is asked again");
        assert_eq!(major(ASK_AGAIN_AFTER), Some(22));
    }

    #[cfg(unix)]
    #[test]
    fn the_machine_s_node_is_found_with_the_version_it_prints() {
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never);
        let Some(found) = find(&resolver) else {
            panic!("Node.js is on this machine's PATH (tests/peers need it)");
        };
        let printed = Command::new(&found.program)
            .arg("--version")
            .output()
            .expect("node --version");
        assert_eq!(
            found.version,
            String::from_utf8_lossy(&printed.stdout).trim()
        );
        assert!(found.major >= 18, "{found:?}");
        assert_eq!(find(&resolver), Some(found));
    }
}
