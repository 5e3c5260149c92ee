//! Servers a supervisor left running when its process died without stopping them (the app was
//! killed, or crashed). A stdio server normally exits when its stdin closes with our end of the
//! pipe, but what it started may not (`npx` leaves `node`; a server may ignore the end of its
//! input), and the next start of the app would start the server a second time.
//!
//! Linux and macOS. Every process a supervisor starts carries a marker in its environment,
//! `MCP_TRAY_RUN=<token>`, random per supervisor and inherited by everything the server starts.
//! While a server runs, a record in a folder names its process group, the token, the boot it ran
//! in, and the process that started it. [`reap`], called before the next supervisor starts
//! anything, signals exactly the processes of each recorded group that carry the record's token,
//! when the process that started them is gone and the machine was not restarted since. A pid or
//! a group number reused by another program is never touched: it cannot carry the token. Only the
//! recorded group's members have their environment read, and only to look for the marker.
//!
//! Windows needs none of it: the Job Object takes the tree down with the app. What differs
//! between Linux and macOS is in `sys`: which boot this is, when a process started, its group
//! and environment (`/proc` on Linux; `sysctl` through sysinfo and `getpgid` on macOS).

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The environment variable that marks the processes of one supervisor.
pub const MARKER_ENV: &str = "MCP_TRAY_RUN";

/// A fresh token for a supervisor's marker.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // Unique enough to tell this run's processes apart from others'.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = (now ^ u128::from(std::process::id())).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
mod imp {
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use serde::{Deserialize, Serialize};

    use super::{MARKER_ENV, sys};

    #[derive(Debug, Serialize, Deserialize)]
    struct Record {
        server: String,
        /// The server's process group (its pid: it leads its group).
        pgid: u32,
        token: String,
        /// Which boot of the machine it was recorded in ([`sys::boot`]).
        boot: String,
        /// The process that started it, and when that one started ([`sys::started`]).
        owner: u32,
        #[serde(rename = "owner_ticks")]
        owner_started: u64,
    }

    fn own_start() -> u64 {
        static STARTED: OnceLock<u64> = OnceLock::new();
        *STARTED.get_or_init(|| sys::started(std::process::id()).unwrap_or(0))
    }

    fn boot() -> &'static str {
        static BOOT: OnceLock<String> = OnceLock::new();
        BOOT.get_or_init(sys::boot)
    }

    fn record_path(dir: &Path, pid: u32) -> PathBuf {
        dir.join(format!("{pid}.json"))
    }

    pub(crate) fn record(dir: &Path, server: &str, pid: u32, token: &str) {
        let record = Record {
            server: server.to_owned(),
            pgid: pid,
            token: token.to_owned(),
            boot: boot().to_owned(),
            owner: std::process::id(),
            owner_started: own_start(),
        };
        let Ok(text) = serde_json::to_vec(&record) else {
            return;
        };
        // Written whole or not at all: a half-written record would be dropped unread.
        let path = record_path(dir, pid);
        let tmp = dir.join(format!(".{pid}.json.tmp"));
        if std::fs::create_dir_all(dir).is_ok() && std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }

    pub(crate) fn forget(dir: &Path, pid: u32) {
        let _ = std::fs::remove_file(record_path(dir, pid));
    }

    fn signal(pids: &[u32], sig: Signal) {
        for &pid in pids {
            if let Ok(raw) = i32::try_from(pid) {
                let _ = kill(Pid::from_raw(raw), sig);
            }
        }
    }

    pub(crate) fn reap(dir: &Path, grace: Duration) -> Vec<(String, u32)> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let me = std::process::id();
        let my_group = u32::try_from(nix::unistd::getpgrp().as_raw()).unwrap_or(0);
        let mut stopped = Vec::new();
        let mut targets = Vec::new();
        let mut done = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "json") {
                if path.extension().is_some_and(|e| e == "tmp") {
                    done.push(path);
                }
                continue;
            }
            let Some(record) = std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Record>(&b).ok())
            else {
                done.push(path);
                continue;
            };
            // A killed app its parent has not reaped yet is a zombie: still in the process table
            // with its start time, but it runs nothing, and its servers are leftovers.
            if sys::running(record.owner)
                && sys::started(record.owner) == Some(record.owner_started)
            {
                continue; // its app still runs: its servers are its own
            }
            done.push(path);
            if record.boot != boot()
                || record.pgid <= 1
                || record.pgid == me
                || record.pgid == my_group
                || record.token.is_empty()
            {
                continue;
            }
            let marker = format!("{MARKER_ENV}={}", record.token);
            let members = sys::marked_members(record.pgid, &marker);
            if !members.is_empty() {
                stopped.push((record.server, record.pgid));
                targets.extend(members);
            }
        }
        // Everything gets SIGTERM at once and the same grace, then SIGKILL.
        signal(&targets, Signal::SIGTERM);
        let deadline = Instant::now() + grace;
        while targets.iter().any(|&p| sys::running(p)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let left: Vec<u32> = targets.into_iter().filter(|&p| sys::running(p)).collect();
        signal(&left, Signal::SIGKILL);
        for path in done {
            let _ = std::fs::remove_file(path);
        }
        stopped
    }
}

/// What [`imp`] asks of the system, read from `/proc`.
#[cfg(target_os = "linux")]
mod sys {
    /// This boot of the machine: `/proc/sys/kernel/random/boot_id`.
    pub(super) fn boot() -> String {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    }

    /// The fields of `/proc/<pid>/stat` after the command name (the first is the state).
    fn stat_fields(pid: u32) -> Option<Vec<String>> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (_, rest) = stat.rsplit_once(") ")?;
        Some(rest.split(' ').map(str::to_owned).collect())
    }

    /// When `pid` started, in clock ticks since boot (exact, unlike a wall-clock start time).
    pub(super) fn started(pid: u32) -> Option<u64> {
        stat_fields(pid)?.get(19)?.parse().ok()
    }

    /// The processes of group `pgid` whose environment holds `marker` (`NAME=value`); only the
    /// group's members have their environment read.
    pub(super) fn marked_members(pgid: u32, marker: &str) -> Vec<u32> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|&pid| {
                stat_fields(pid)
                    .and_then(|f| f.get(2)?.parse::<u32>().ok())
                    .is_some_and(|group| group == pgid)
            })
            .filter(|&pid| {
                std::fs::read(format!("/proc/{pid}/environ"))
                    .is_ok_and(|env| env.split(|&b| b == 0).any(|v| v == marker.as_bytes()))
            })
            .collect()
    }

    /// Whether `pid` still runs (a zombie does not).
    pub(super) fn running(pid: u32) -> bool {
        stat_fields(pid).is_some_and(|f| f.first().is_some_and(|s| s != "Z" && s != "X"))
    }
}

/// What [`imp`] asks of the system, through `sysctl` (sysinfo) and `getpgid`. Compile-checked
/// from Linux; not yet run on a Mac.
#[cfg(target_os = "macos")]
mod sys {
    use sysinfo::{Pid, ProcessRefreshKind, ProcessStatus, ProcessesToUpdate, System, UpdateKind};

    /// This boot of the machine: `kern.boottime`, in seconds.
    pub(super) fn boot() -> String {
        System::boot_time()
            .map(|t| t.to_string())
            .unwrap_or_default()
    }

    fn with_processes(pids: &[Pid], kind: ProcessRefreshKind) -> Option<System> {
        let mut system = System::new().ok()?;
        let which = if pids.is_empty() {
            ProcessesToUpdate::All
        } else {
            ProcessesToUpdate::Some(pids)
        };
        system.refresh_processes_specifics(which, true, kind);
        Some(system)
    }

    /// When `pid` started, in seconds since the epoch.
    pub(super) fn started(pid: u32) -> Option<u64> {
        let pid = Pid::from_u32(pid);
        let system = with_processes(&[pid], ProcessRefreshKind::nothing())?;
        system.process(pid).map(sysinfo::Process::start_time)
    }

    fn group_of(pid: Pid) -> Option<u32> {
        let raw = i32::try_from(pid.as_u32()).ok()?;
        let group = nix::unistd::getpgid(Some(nix::unistd::Pid::from_raw(raw))).ok()?;
        u32::try_from(group.as_raw()).ok()
    }

    /// The processes of group `pgid` whose environment holds `marker` (`NAME=value`); only the
    /// group's members have their environment read.
    pub(super) fn marked_members(pgid: u32, marker: &str) -> Vec<u32> {
        let Some(all) = with_processes(&[], ProcessRefreshKind::nothing()) else {
            return Vec::new();
        };
        let members: Vec<Pid> = all
            .processes()
            .keys()
            .copied()
            .filter(|&pid| group_of(pid) == Some(pgid))
            .collect();
        if members.is_empty() {
            return Vec::new();
        }
        let Some(read) = with_processes(
            &members,
            ProcessRefreshKind::nothing().with_environ(UpdateKind::Always),
        ) else {
            return Vec::new();
        };
        members
            .into_iter()
            .filter(|pid| {
                read.process(*pid)
                    .is_some_and(|p| p.environ().iter().any(|v| v == marker))
            })
            .map(Pid::as_u32)
            .collect()
    }

    /// Whether `pid` still runs (a zombie does not).
    pub(super) fn running(pid: u32) -> bool {
        let pid = Pid::from_u32(pid);
        with_processes(&[pid], ProcessRefreshKind::nothing()).is_some_and(|s| {
            s.process(pid)
                .is_some_and(|p| p.status() != ProcessStatus::Zombie)
        })
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
mod imp {
    use std::path::Path;
    use std::time::Duration;

    pub(crate) fn record(_dir: &Path, _server: &str, _pid: u32, _token: &str) {}

    pub(crate) fn forget(_dir: &Path, _pid: u32) {}

    pub(crate) fn reap(_dir: &Path, _grace: Duration) -> Vec<(String, u32)> {
        Vec::new()
    }
}

/// Notes that `server` runs as the group led by `pid`, its processes marked with `token`
/// (best effort: without a record a crash leaves this one to its own devices, as before).
pub(crate) fn record(dir: &Path, server: &str, pid: u32, token: &str) {
    imp::record(dir, server, pid, token);
}

/// The server that ran as `pid` is gone or stopped: its record goes.
pub(crate) fn forget(dir: &Path, pid: u32) {
    imp::forget(dir, pid);
}

/// Stops what an earlier supervisor left running (see the module doc) and clears its records;
/// the records of a supervisor whose process still runs are left alone. Answers each server
/// stopped with its process group. Waits up to `grace` in all for SIGTERM to work, then kills.
pub fn reap(dir: &Path, grace: Duration) -> Vec<(String, u32)> {
    imp::reap(dir, grace)
}

/// Where a data folder keeps the records.
pub fn records_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("running")
}
