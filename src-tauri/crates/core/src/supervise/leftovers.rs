//! Servers a supervisor left running when its process died without stopping them (the app was
//! killed, or crashed). A stdio server normally exits when its stdin closes with our end of the
//! pipe, but one that never reads it (or ignores its end) would run on, and the next start of the
//! app would start it a second time.
//!
//! While a server runs, a small record in a folder names it: its pid and the time that process
//! started. A clean exit or stop removes it. [`reap`], called when the next supervisor starts,
//! stops the process group of every record left whose process still runs and started at the
//! recorded time (a pid reused by another program since is left alone), or whose process is gone
//! while its group is not (what the server started, still running). On Windows the Job Object
//! already takes the tree down with the app; a record left there is only cleaned up.

use std::path::{Path, PathBuf};
use std::time::Duration;
#[cfg(unix)]
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    server: String,
    pid: u32,
    /// The process's start time, seconds since the epoch, as the system reports it.
    started: u64,
    /// The process that started it (the app) and its start time: while it runs, its servers are
    /// its own business (a second instance that could not tell it is one must not stop them).
    #[serde(default)]
    owner: u32,
    #[serde(default)]
    owner_started: u64,
}

fn record_path(dir: &Path, server: &str) -> PathBuf {
    dir.join(format!("{}.json", crate::journal::file_stem(server)))
}

/// When `pid` started, if it runs.
fn start_time(pid: u32) -> Option<u64> {
    let mut system = System::new().ok()?;
    let pid = Pid::from_u32(pid);
    system.refresh_processes_specifics(
        ProcessesToUpdate::Some(&[pid]),
        true,
        ProcessRefreshKind::nothing(),
    );
    system.process(pid).map(|p| p.start_time())
}

/// Notes that `server` runs as `pid` (best effort: a record that cannot be written only means a
/// crash would leave this one to its own devices, as before).
pub(crate) fn record(dir: &Path, server: &str, pid: u32) {
    let Some(started) = start_time(pid) else {
        return;
    };
    let owner = std::process::id();
    let record = Record {
        server: server.to_owned(),
        pid,
        started,
        owner,
        owner_started: start_time(owner).unwrap_or(0),
    };
    if std::fs::create_dir_all(dir).is_ok()
        && let Ok(text) = serde_json::to_vec(&record)
    {
        let _ = std::fs::write(record_path(dir, server), text);
    }
}

/// `server`'s process `pid` is gone (or stopped by us): its record goes, unless a newer one
/// replaced it.
pub(crate) fn forget(dir: &Path, server: &str, pid: u32) {
    let path = record_path(dir, server);
    let ours = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Record>(&b).ok())
        .is_some_and(|r| r.pid == pid);
    if ours {
        let _ = std::fs::remove_file(path);
    }
}

/// Stops what an earlier supervisor left running (see the module doc) and clears its records;
/// the records of a supervisor whose process still runs are left alone.
/// Answers the servers stopped and their pids. Blocks up to `grace` per server still running
/// after SIGTERM, then kills it.
pub fn reap(dir: &Path, grace: Duration) -> Vec<(String, u32)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut stopped = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let record = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Record>(&b).ok());
        if let Some(r) = &record
            && r.owner != 0
            && start_time(r.owner).is_some_and(|t| t == r.owner_started)
        {
            continue; // its app still runs
        }
        let _ = std::fs::remove_file(&path);
        let Some(record) = record else { continue };
        let ours = match start_time(record.pid) {
            Some(started) => started == record.started,
            // The server itself is gone (it read the end of its stdin), but what it started may
            // still run in its group (`npx` leaves `node`). A pid stays taken while a group goes
            // by its number, so a group that still exists under it is the one it led.
            None => group_exists(record.pid),
        };
        if ours {
            stop_tree(record.pid, grace);
            stopped.push((record.server, record.pid));
        }
    }
    stopped
}

/// Whether any process is left in the process group numbered `pgid`.
#[cfg(unix)]
fn group_exists(pgid: u32) -> bool {
    i32::try_from(pgid)
        .is_ok_and(|raw| nix::sys::signal::killpg(nix::unistd::Pid::from_raw(raw), None).is_ok())
}

/// Windows: the Job Object ended the tree with the app.
#[cfg(windows)]
fn group_exists(_pgid: u32) -> bool {
    false
}

/// The group `pid` leads: SIGTERM, up to `grace` for it to go, then SIGKILL.
#[cfg(unix)]
fn stop_tree(pid: u32, grace: Duration) {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid as NixPid;
    let Ok(raw) = i32::try_from(pid) else { return };
    let group = NixPid::from_raw(raw);
    if killpg(group, Signal::SIGTERM).is_err() {
        return;
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        // No signal: only asks whether any process of the group is left.
        if killpg(group, None).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = killpg(group, Signal::SIGKILL);
}

#[cfg(windows)]
fn stop_tree(pid: u32, _grace: Duration) {
    let Ok(mut system) = System::new() else {
        return;
    };
    let pid = Pid::from_u32(pid);
    system.refresh_processes_specifics(
        ProcessesToUpdate::Some(&[pid]),
        true,
        ProcessRefreshKind::nothing(),
    );
    if let Some(process) = system.process(pid) {
        process.kill();
    }
}
