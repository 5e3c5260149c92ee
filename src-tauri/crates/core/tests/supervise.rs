//! The supervisor against real processes: shells, `sleep`, `yes`, and the reference MCP server
//! (server-everything, started through `npx` as Claude starts it, from tests/peers). Linux only:
//! processes, their CPU time and their names are read from /proc.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mcp_tray_core::diagnose::codes;
use mcp_tray_core::supervise::{
    CommandResolver, LoginShellPath, PathOrigin, Restart, RunState, ServerCommand, StatsSampler,
    StdioPipes, StopStep, Supervisor, SupervisorConfig, SupervisorEvent,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;

fn quick_config() -> SupervisorConfig {
    SupervisorConfig {
        grace: Duration::from_millis(500),
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        stable_after: Duration::from_secs(30),
        crash_loop_exits: 3,
        crash_loop_window: Duration::from_secs(10),
        stderr_lines: 50,
        leftovers: None,
    }
}

fn supervisor(config: SupervisorConfig) -> Supervisor {
    let resolver = Arc::new(CommandResolver::new(LoginShellPath::Never));
    Supervisor::new(resolver, config, CancellationToken::new())
}

fn sh(name: &str, script: &str) -> ServerCommand {
    ServerCommand::new(name, "sh", &["-c", script])
}

/// Gone, or a zombie waiting for a reaper (it no longer runs).
fn pid_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .map(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X'))
            .unwrap_or(false),
    }
}

/// Field `n` (1-based over the whole line) of `/proc/<pid>/stat`.
fn stat_field(pid: u32, n: usize) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let (_, rest) = stat.rsplit_once(") ").expect("stat fields");
    // After the name, the first field is field 3.
    rest.split(' ').nth(n - 3).expect("field").to_owned()
}

/// utime + stime of `pid` (fields 14 and 15), in clock ticks, from /proc.
fn cpu_ticks(pid: u32) -> u64 {
    let field = |n: usize| stat_field(pid, n).parse::<u64>().unwrap_or(0);
    field(14) + field(15)
}

fn clock_ticks_per_second() -> f32 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

async fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn first_line(pipes: &mut StdioPipes) -> String {
    let mut reader = BufReader::new(&mut pipes.stdout);
    let mut line = String::new();
    tokio::time::timeout(Duration::from_secs(20), reader.read_line(&mut line))
        .await
        .expect("a line within 20 s")
        .expect("readable stdout");
    line.trim().to_owned()
}

#[tokio::test]
async fn stop_closes_stdin_first_and_a_polite_server_exits_cleanly() {
    let sup = supervisor(quick_config());
    let mut rx = sup
        .start(ServerCommand::new("cat", "cat", &[]), Restart::Never)
        .await
        .expect("started");
    let mut pipes = rx.recv().await.expect("pipes");
    pipes.stdin.write_all(b"hello\n").await.expect("write");
    assert_eq!(first_line(&mut pipes).await, "hello");
    drop(pipes.stdin); // the pipes' owner closes stdin: the server exits on its own
    wait_until("cat to exit", Duration::from_secs(5), || {
        sup.status("cat")
            .is_some_and(|s| s.state == RunState::Exited)
    })
    .await;
    let report = sup
        .status("cat")
        .and_then(|s| s.last_exit)
        .expect("an exit report");
    assert_eq!(report.code, Some(0));
    assert_eq!(report.stopped_by, StopStep::ExitedOnItsOwn);

    let _rx = sup
        .start(ServerCommand::new("cat", "cat", &[]), Restart::Never)
        .await
        .expect("started");
    let report = sup.stop("cat").await.expect("stopped");
    assert_eq!(report.stopped_by, StopStep::ClosedStdin);
    assert_eq!(report.code, Some(0));
}

#[tokio::test]
async fn stop_leaves_no_grandchild_behind() {
    let sup = supervisor(quick_config());
    let mut rx = sup
        .start(sh("tree", "sleep 1000 & echo $!; exec cat"), Restart::Never)
        .await
        .expect("started");
    let mut pipes = rx.recv().await.expect("pipes");
    let grandchild: u32 = first_line(&mut pipes).await.parse().expect("a pid");
    assert!(!pid_gone(grandchild), "the grandchild runs before the stop");
    let report = sup.stop("tree").await.expect("stopped");
    assert_eq!(report.stopped_by, StopStep::ClosedStdin);
    assert!(
        report.leftovers_signalled,
        "the sleep left in the group was signalled"
    );
    wait_until("the grandchild to be gone", Duration::from_secs(3), || {
        pid_gone(grandchild)
    })
    .await;
}

#[tokio::test]
async fn a_server_that_ignores_stdin_gets_sigterm() {
    let sup = supervisor(quick_config());
    let _rx = sup
        .start(
            ServerCommand::new("sleeper", "sleep", &["1000"]),
            Restart::Never,
        )
        .await
        .expect("started");
    let report = sup.stop("sleeper").await.expect("stopped");
    assert_eq!(report.stopped_by, StopStep::Terminated);
    assert_eq!(report.signal_name.as_deref(), Some("SIGTERM"));
    assert_eq!(report.code, None);
}

#[tokio::test]
async fn a_server_that_ignores_sigterm_is_killed_with_its_whole_group() {
    let sup = supervisor(quick_config());
    let mut rx = sup
        .start(
            sh(
                "stubborn",
                "trap '' TERM; sleep 1000 & echo $!; while :; do sleep 0.05; done",
            ),
            Restart::Never,
        )
        .await
        .expect("started");
    let mut pipes = rx.recv().await.expect("pipes");
    let grandchild: u32 = first_line(&mut pipes).await.parse().expect("a pid");
    let started = Instant::now();
    let report = sup.stop("stubborn").await.expect("stopped");
    assert_eq!(report.stopped_by, StopStep::Killed);
    assert_eq!(report.signal_name.as_deref(), Some("SIGKILL"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "two grace periods, not more"
    );
    wait_until("the grandchild to be gone", Duration::from_secs(3), || {
        pid_gone(grandchild)
    })
    .await;
}

#[tokio::test]
async fn exit_code_and_stderr_are_reported_when_a_server_dies() {
    let sup = supervisor(quick_config());
    let _rx = sup
        .start(
            sh("dies", "echo 'Error: API_KEY is not set' >&2; exit 7"),
            Restart::Never,
        )
        .await
        .expect("started");
    wait_until("the exit", Duration::from_secs(5), || {
        sup.status("dies")
            .is_some_and(|s| s.state == RunState::Exited)
    })
    .await;
    let status = sup.status("dies").expect("status");
    assert_eq!(status.last_exit.as_ref().and_then(|r| r.code), Some(7));
    let diag = status.diagnosis.expect("a diagnosis");
    assert_eq!(diag.code, codes::EXITED_EARLY);
    assert!(diag.summary.contains("exit code 7"), "{}", diag.summary);
    assert!(
        diag.detail.contains("API_KEY is not set"),
        "{}",
        diag.detail
    );
}

#[tokio::test]
async fn a_crashing_server_is_restarted_with_backoff_then_stopped_as_a_crash_loop() {
    let sup = supervisor(quick_config());
    let mut events = sup.subscribe();
    let _rx = sup
        .start(
            sh("crashy", "echo 'boom: cannot open database' >&2; exit 3"),
            Restart::Always,
        )
        .await
        .expect("started");
    let mut delays = Vec::new();
    let diagnosis = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.recv().await {
                Ok(SupervisorEvent::Restarting { delay_ms, .. }) => delays.push(delay_ms),
                Ok(SupervisorEvent::CrashLoop { diagnosis, .. }) => return diagnosis,
                Ok(_) => {}
                Err(e) => panic!("event stream ended: {e}"),
            }
        }
    })
    .await
    .expect("a crash loop within 10 s");
    assert_eq!(
        delays,
        vec![20, 40],
        "exponential backoff between the 3 runs"
    );
    assert_eq!(diagnosis.code, codes::EXITED_EARLY);
    assert!(
        diagnosis.summary.contains("keeps exiting"),
        "{}",
        diagnosis.summary
    );
    assert!(
        diagnosis.detail.contains("cannot open database"),
        "{}",
        diagnosis.detail
    );
    let status = sup.status("crashy").expect("status");
    assert_eq!(status.state, RunState::CrashLoop);
    assert_eq!(status.restarts, 2);
}

#[tokio::test]
async fn a_restarted_server_keeps_how_its_last_process_ended_and_when() {
    let dir = tempfile::tempdir().expect("dir");
    let mark = dir.path().join("ran");
    let script = format!(
        "if [ -e '{0}' ]; then exec sleep 30; else touch '{0}'; exit 1; fi",
        mark.display()
    );
    let sup = supervisor(quick_config());
    let before = std::time::SystemTime::now();
    let _rx = sup
        .start(sh("flaky", &script), Restart::Always)
        .await
        .expect("started");
    wait_until("the restart", Duration::from_secs(10), || {
        sup.status("flaky")
            .is_some_and(|s| s.restarts == 1 && s.state == RunState::Running)
    })
    .await;
    let status = serde_json::to_value(sup.status("flaky").expect("status")).expect("json");
    let last = &status["last_restart"];
    assert_eq!(last["exit"]["code"], 1, "{status}");
    assert_eq!(last["code"], codes::EXITED_EARLY, "{status}");
    // RFC 3339 UTC to the millisecond, as the journals' stamps: they compare as text.
    let at = last["at"].as_str().expect("when it exited");
    let since = mcp_tray_core::journal::rfc3339_ms(before);
    assert!(at.len() == since.len() && at >= since.as_str(), "{status}");
    sup.shutdown().await;
}

#[tokio::test]
async fn each_restart_hands_out_the_new_process_pipes() {
    let sup = supervisor(quick_config());
    let mut rx = sup
        .start(
            sh("echoer", "read x; echo \"got $x\"; exit 1"),
            Restart::OnFailure,
        )
        .await
        .expect("started");
    let mut first = rx.recv().await.expect("first pipes");
    first.stdin.write_all(b"one\n").await.expect("write");
    assert_eq!(first_line(&mut first).await, "got one");
    let mut second = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("restarted in time")
        .expect("second pipes");
    assert_ne!(first.pid, second.pid);
    second.stdin.write_all(b"two\n").await.expect("write");
    assert_eq!(first_line(&mut second).await, "got two");
    sup.shutdown().await;
}

/// Live processes in process group `pgid`.
fn group_members(pgid: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                stat.rsplit_once(") ").is_some_and(|(_, rest)| {
                    let f: Vec<&str> = rest.split(' ').collect();
                    f[0] != "Z" && f[2].parse::<u32>().ok() == Some(pgid)
                })
            })
        })
        .collect()
}

async fn reap(records: &Path) -> Vec<(String, u32)> {
    // Off this thread: a forgotten supervisor's task still reaps its exited children here.
    let folder = records.to_owned();
    tokio::task::spawn_blocking(move || {
        mcp_tray_core::supervise::leftovers::reap(&folder, Duration::from_secs(2))
    })
    .await
    .expect("reaped")
}

#[tokio::test]
async fn what_a_dead_supervisor_left_running_is_stopped_by_the_next_one_and_nothing_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    let records = dir.path().join("running");
    let sup = supervisor(SupervisorConfig {
        leftovers: Some(records.clone()),
        ..quick_config()
    });
    // `sleep` never reads its stdin: a closed pipe would not end it; it also starts a child.
    let mut rx = sup
        .start(sh("mute", "sleep 1000 & exec sleep 1000"), Restart::Never)
        .await
        .expect("started");
    let pid = rx.recv().await.expect("pipes").pid;
    let record_path = records.join(format!("{pid}.json"));
    let recorded = std::fs::read(&record_path).expect("a running server is recorded");
    let deadline = Instant::now() + Duration::from_secs(5);
    while group_members(pid).len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let tree = group_members(pid);
    assert_eq!(tree.len(), 2, "{tree:?}");

    // While the process that started it runs, its servers are its own (a second instance of the
    // app must not stop them).
    assert!(reap(&records).await.is_empty());
    assert!(record_path.exists() && !pid_gone(pid));

    // The app dies: nothing of the supervisor runs its shutdown. (Its record now names an owner
    // that is gone, as after a crash; the test process itself cannot die here.)
    std::mem::forget(sup);
    let mut record: serde_json::Value = serde_json::from_slice(&recorded).expect("json");
    let mut gone = std::process::Command::new("true").spawn().expect("true");
    record["owner"] = gone.id().into();
    gone.wait().expect("exited");

    // Recorded in another boot: whatever runs under that number now is not ours.
    let mut other_boot = record.clone();
    other_boot["boot"] = "another-boot".into();
    std::fs::write(&record_path, other_boot.to_string()).expect("write");
    assert!(reap(&records).await.is_empty());
    assert!(tree.iter().all(|&p| !pid_gone(p)), "nothing is signalled");
    assert!(!record_path.exists(), "the stale record is cleared");

    // A group whose leader is gone, of a program that has nothing to do with us, under a record
    // that names its number: it carries no marker, so it is left alone.
    let mut shell = std::process::Command::new("sh");
    std::os::unix::process::CommandExt::process_group(&mut shell, 0);
    let mut leader = shell
        .args(["-c", "sleep 1000 </dev/null >/dev/null 2>&1 & exit 0"])
        .spawn()
        .expect("sh");
    let stranger_group = leader.id();
    leader.wait().expect("sh exited");
    let strangers = group_members(stranger_group);
    assert_eq!(strangers.len(), 1, "the stranger's sleep runs on");
    let mut stranger = record.clone();
    stranger["server"] = "stranger".into();
    stranger["pgid"] = stranger_group.into();
    std::fs::write(
        records.join(format!("{stranger_group}.json")),
        stranger.to_string(),
    )
    .expect("write");

    std::fs::write(&record_path, record.to_string()).expect("write");
    let stopped = reap(&records).await;
    assert_eq!(stopped, vec![("mute".to_owned(), pid)]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !tree.iter().all(|&p| pid_gone(p)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        tree.iter().all(|&p| pid_gone(p)),
        "the leftover tree was stopped: {tree:?}"
    );
    assert!(!pid_gone(strangers[0]), "an unmarked group is left alone");
    assert_eq!(
        std::fs::read_dir(&records).expect("folder").count(),
        0,
        "every record is cleared"
    );
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(strangers[0] as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
}

#[tokio::test]
async fn an_app_killed_but_not_yet_reaped_by_its_parent_no_longer_owns_its_servers() {
    // A killed app stays a zombie until whatever started it reaps it: its pid and start time
    // are still in /proc, but it runs nothing. Its servers are leftovers all the same.
    let dir = tempfile::tempdir().expect("temp dir");
    let records = dir.path().join("running");
    std::fs::create_dir_all(&records).expect("records folder");
    let token = "0123456789abcdef0123456789abcdef";
    let mut server = std::process::Command::new("sleep");
    std::os::unix::process::CommandExt::process_group(&mut server, 0);
    let mut server = server
        .arg("1000")
        .env(mcp_tray_core::supervise::leftovers::MARKER_ENV, token)
        .spawn()
        .expect("sleep");
    let pgid = server.id();

    // The "app": started, then ended, and not waited for (so a zombie).
    let mut app = std::process::Command::new("sh")
        .args(["-c", "read line"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("sh");
    let owner = app.id();
    let owner_ticks: u64 = stat_field(owner, 22).parse().expect("start ticks");
    drop(app.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(5);
    while stat_field(owner, 3) != "Z" && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(stat_field(owner, 3), "Z", "the app is a zombie");

    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").expect("boot id");
    let record = serde_json::json!({
        "server": "kept",
        "pgid": pgid,
        "token": token,
        "boot": boot.trim(),
        "owner": owner,
        "owner_ticks": owner_ticks,
    });
    std::fs::write(records.join(format!("{pgid}.json")), record.to_string()).expect("record");

    let stopped = reap(&records).await;
    assert_eq!(stopped, vec![("kept".to_owned(), pgid)]);
    let status = tokio::task::spawn_blocking(move || server.wait())
        .await
        .expect("joined")
        .expect("waited");
    assert!(!status.success(), "the leftover was signalled: {status:?}");
    assert_eq!(std::fs::read_dir(&records).expect("folder").count(), 0);
    app.wait().expect("the app is reaped at last");
}

#[tokio::test]
async fn a_server_that_stops_takes_its_record_with_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let records = dir.path().join("running");
    let sup = supervisor(SupervisorConfig {
        leftovers: Some(records.clone()),
        ..quick_config()
    });
    let mut rx = sup
        .start(sh("cat", "exec cat"), Restart::Never)
        .await
        .expect("started");
    let _pipes = rx.recv().await.expect("pipes");
    assert_eq!(std::fs::read_dir(&records).expect("a record").count(), 1);
    sup.stop("cat").await.expect("stopped");
    assert_eq!(std::fs::read_dir(&records).expect("folder").count(), 0);
    assert!(reap(&records).await.is_empty());
}

#[tokio::test]
async fn stderr_ring_keeps_only_the_last_lines() {
    let config = SupervisorConfig {
        stderr_lines: 3,
        ..quick_config()
    };
    let sup = supervisor(config);
    let _rx = sup
        .start(
            sh(
                "chatty",
                "for i in 1 2 3 4 5; do echo line$i >&2; done; exec cat",
            ),
            Restart::Never,
        )
        .await
        .expect("started");
    wait_until("line5", Duration::from_secs(5), || {
        sup.stderr_tail("chatty", 10).last().map(String::as_str) == Some("line5")
    })
    .await;
    assert_eq!(
        sup.stderr_tail("chatty", 10),
        vec!["line3", "line4", "line5"]
    );
    sup.stop("chatty").await;
}

#[tokio::test]
async fn stats_sum_cpu_and_memory_over_the_process_tree() {
    let sup = supervisor(quick_config());
    let mut rx = sup
        .start(
            sh("busy", "yes > /dev/null & echo $!; exec cat"),
            Restart::Never,
        )
        .await
        .expect("started");
    let mut pipes = rx.recv().await.expect("pipes");
    let yes_pid: u32 = first_line(&mut pipes).await.parse().expect("a pid");
    // CPU % is measured between two samples, and sysinfo computes none while the earlier one
    // read no CPU time at all (it takes that for a first sample). On a loaded machine a `yes`
    // just started may not have run yet, so the earlier sample is taken once the kernel has
    // counted a tick for it. The kernel's own count of `yes`'s CPU time over the same interval
    // is the reference (on a loaded machine `yes` gets far less than a core).
    wait_until("yes to have run", Duration::from_secs(10), || {
        cpu_ticks(yes_pid) > 0
    })
    .await;
    let _ = sup.stats("busy");
    let (ticks0, t0) = (cpu_ticks(yes_pid), Instant::now());
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let stats = sup.stats("busy").expect("running");
    let (ticks1, t1) = (cpu_ticks(yes_pid), Instant::now());
    let expected =
        (ticks1 - ticks0) as f32 / clock_ticks_per_second() / (t1 - t0).as_secs_f32() * 100.0;
    println!(
        "tree of {} processes: {:.0} % CPU (kernel says {expected:.0} % for yes), {} KiB RSS",
        stats.pids.len(),
        stats.cpu_percent,
        stats.rss_bytes / 1024
    );
    assert!(stats.alive);
    assert!(
        stats.pids.contains(&yes_pid),
        "the busy grandchild is counted: {:?}",
        stats.pids
    );
    assert!(expected > 1.0, "yes ran: {expected}");
    assert!(
        (stats.cpu_percent - expected).abs() <= (expected * 0.5).max(3.0),
        "sampled {} %, the kernel counted {expected} %",
        stats.cpu_percent
    );
    assert!(stats.rss_bytes > 100 * 1024);
    drop(pipes);
    sup.stop("busy").await;
    wait_until("yes to be gone", Duration::from_secs(3), || {
        pid_gone(yes_pid)
    })
    .await;
    assert!(sup.stats("busy").is_none(), "no stats for a stopped server");
}

#[tokio::test]
async fn watch_pid_tells_a_live_process_from_a_dead_one() {
    let sup = supervisor(quick_config());
    let mut child = std::process::Command::new("sleep")
        .arg("1000")
        .spawn()
        .expect("spawn");
    let live = sup.watch_pid(child.id());
    assert!(live.alive);
    assert!(live.rss_bytes > 0);
    child.kill().expect("kill");
    child.wait().expect("reaped");
    let dead = sup.watch_pid(child.id());
    assert!(!dead.alive);
    assert_eq!(dead.rss_bytes, 0);
}

#[test]
fn sample_trees_answers_each_root_in_order_with_its_children_and_start_time() {
    let mut sampler = StatsSampler::new().expect("sysinfo reads processes here");
    // A shell that waits for its `sleep` child: the tree has two processes.
    let mut parent = std::process::Command::new("sh")
        .args(["-c", "sleep 1000 & wait"])
        .spawn()
        .expect("spawn sh");
    let mut gone = std::process::Command::new("true")
        .spawn()
        .expect("spawn true");
    gone.wait().expect("reaped");
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let mut stats = Vec::new();
    for _ in 0..50 {
        stats = sampler.sample_trees(&[gone.id(), parent.id()]);
        if stats[1].pids.len() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(stats.len(), 2);
    assert_eq!(stats[0].pid, gone.id());
    assert!(!stats[0].alive, "an exited process is not running");
    assert_eq!(stats[1].pid, parent.id());
    assert!(stats[1].alive);
    assert_eq!(
        stats[1].pids.len(),
        2,
        "the shell and its sleep: {:?}",
        stats[1].pids
    );
    assert!(stats[1].rss_bytes > 0);
    let started = sampler.start_time(parent.id()).expect("a start time");
    assert!(
        started.abs_diff(before) <= 2,
        "started {started}, now {before}"
    );
    assert_eq!(sampler.start_time(gone.id()), None);
    let child = stats[1].pids[1];
    parent.kill().expect("kill sh");
    parent.wait().expect("reaped sh");
    let _ = std::process::Command::new("kill")
        .arg(child.to_string())
        .status();
    assert!(sampler.sample_trees(&[]).is_empty());
}

#[tokio::test]
async fn a_missing_command_is_diagnosed_with_where_we_looked() {
    let resolver = CommandResolver::new(LoginShellPath::Never)
        .with_process_path("/nonexistent-a:/nonexistent-b");
    let diag = resolver
        .resolve("npx", None)
        .expect_err("npx is not in those folders");
    assert_eq!(diag.code, codes::COMMAND_NOT_FOUND);
    assert!(
        diag.detail.contains("/nonexistent-a") && diag.detail.contains("/nonexistent-b"),
        "{}",
        diag.detail
    );
    assert!(diag.fix.as_deref().unwrap_or("").contains("Node.js"));

    let sup = supervisor(quick_config());
    let err = sup
        .start(
            ServerCommand::new("ghost", "definitely-not-a-command-4821", &[]),
            Restart::Always,
        )
        .await
        .expect_err("nothing to start");
    assert_eq!(err.code, codes::COMMAND_NOT_FOUND);
    assert_eq!(err.server.as_deref(), Some("ghost"));
    assert!(sup.status("ghost").is_none(), "nothing was started");
}

fn home_with_profile(profile: &str) -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().expect("tempdir");
    let bin = home.path().join("tools-bin");
    std::fs::create_dir(&bin).expect("mkdir");
    let tool = bin.join("my-mcp-server");
    std::fs::write(&tool, "#!/bin/sh\necho hi\n").expect("write tool");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(home.path().join(".bash_profile"), profile).expect("write profile");
    (home, tool)
}

#[test]
fn login_shell_path_finds_a_command_a_launcher_path_lacks() {
    let (home, tool) = home_with_profile(
        "echo 'Welcome to your shell!'\nexport PATH=\"$HOME/tools-bin:$PATH\"\necho 'Have a nice day'\n",
    );
    let bare = CommandResolver::new(LoginShellPath::Never).with_process_path("/usr/bin:/bin");
    assert!(
        bare.resolve("my-mcp-server", None).is_err(),
        "not on the launcher's PATH"
    );

    let resolver = CommandResolver::new(LoginShellPath::Always)
        .with_process_path("/usr/bin:/bin")
        .with_shell("/bin/bash")
        .with_shell_env("HOME", home.path());
    let started = Instant::now();
    let resolved = resolver
        .resolve("my-mcp-server", None)
        .expect("found through the login shell");
    println!("login shell PATH query: {:?}", started.elapsed());
    assert_eq!(resolved.program, tool);
    assert_eq!(resolved.origin, PathOrigin::LoginShell);
    let dirs: Vec<PathBuf> = std::env::split_paths(&resolved.search_path).collect();
    assert_eq!(
        dirs.first().map(PathBuf::as_path),
        Some(home.path().join("tools-bin").as_path())
    );
    assert!(
        dirs.iter().any(|d| d == Path::new("/usr/bin")),
        "the launcher's entries are kept"
    );

    // Asking the shell again would now take its whole timeout (3 s): the answer is kept.
    std::fs::write(home.path().join(".bash_profile"), "sleep 30\n").expect("rewrite profile");
    let again = Instant::now();
    let second = resolver
        .resolve("my-mcp-server", None)
        .expect("still found");
    assert_eq!(second.program, tool);
    assert!(
        again.elapsed() < Duration::from_millis(1500),
        "the login PATH is kept in the resolver: {:?}",
        again.elapsed()
    );
}

#[test]
fn a_login_shell_that_hangs_is_abandoned_after_the_timeout() {
    let (home, _tool) = home_with_profile("sleep 30\nexport PATH=\"$HOME/tools-bin:$PATH\"\n");
    let resolver = CommandResolver::new(LoginShellPath::Always)
        .with_process_path("/usr/bin:/bin")
        .with_shell("/bin/bash")
        .with_shell_env("HOME", home.path())
        .with_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let resolved = resolver
        .resolve("sh", None)
        .expect("sh is on the bare PATH");
    assert_eq!(resolved.origin, PathOrigin::Process);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

/// The reference server, started the way Claude starts it: `npx` → npm → node.
#[tokio::test]
async fn npx_server_everything_answers_and_leaves_no_node_process_after_stop() {
    let peers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/peers");
    assert!(
        peers
            .join("node_modules/@modelcontextprotocol/server-everything")
            .is_dir(),
        "run tests/peers/install.sh first"
    );
    let sup = supervisor(SupervisorConfig {
        grace: Duration::from_secs(2),
        ..quick_config()
    });
    let mut spec = ServerCommand::new(
        "everything",
        "npx",
        &["--no-install", "mcp-server-everything"],
    );
    spec.cwd = Some(peers);
    let mut rx = sup.start(spec, Restart::Never).await.expect("npx found");
    let mut pipes = rx.recv().await.expect("pipes");
    let started = Instant::now();
    pipes
        .stdin
        .write_all(
            br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"mcp-tray-test","version":"0"}}}"#,
        )
        .await
        .expect("write");
    pipes.stdin.write_all(b"\n").await.expect("write");
    let reply = first_line(&mut pipes).await;
    println!(
        "npx server-everything: initialize answered after {:?}",
        started.elapsed()
    );
    assert!(
        reply.contains(r#""id":1"#) && reply.contains("serverInfo"),
        "{reply}"
    );
    let stats = sup.stats("everything").expect("running");
    println!(
        "npx server-everything tree: {} processes, {} MiB RSS",
        stats.pids.len(),
        stats.rss_bytes / (1024 * 1024)
    );
    for pid in &stats.pids {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        println!("  {pid} {}", comm.trim());
    }
    assert!(
        stats.pids.len() >= 2,
        "npx runs node as a child: {:?}",
        stats.pids
    );
    let stopping = Instant::now();
    let report = sup.stop("everything").await.expect("stopped");
    println!(
        "stopped by {:?} in {:?}",
        report.stopped_by,
        stopping.elapsed()
    );
    for pid in &stats.pids {
        wait_until(
            &format!("pid {pid} to be gone"),
            Duration::from_secs(5),
            || pid_gone(*pid),
        )
        .await;
    }
}

/// The Python SDK's FastMCP server (tests/peers/.venv): answers through the pipes, and leaves on
/// the first shutdown step, a closed stdin.
#[tokio::test]
async fn fastmcp_server_answers_and_exits_when_its_stdin_closes() {
    let peers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/peers");
    let python = peers.join(".venv/bin/python");
    assert!(python.is_file(), "run tests/peers/install.sh first");
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("server.py");
    std::fs::write(
        &script,
        "from mcp.server.fastmcp import FastMCP\n\
         mcp = FastMCP(\"tiny\")\n\
         @mcp.tool()\n\
         def add(a: int, b: int) -> int:\n    return a + b\n\
         mcp.run(transport=\"stdio\")\n",
    )
    .expect("write server");
    // Python's teardown after EOF takes 1-2 s here, more on a loaded machine: a generous grace
    // keeps this about whether it leaves on a closed stdin, not about how fast.
    let sup = supervisor(SupervisorConfig {
        grace: Duration::from_secs(6),
        ..quick_config()
    });
    let spec = ServerCommand::new(
        "tiny",
        python.to_string_lossy(),
        &[script.to_string_lossy().as_ref()],
    );
    let started = Instant::now();
    let mut rx = sup.start(spec, Restart::Never).await.expect("started");
    let mut pipes = rx.recv().await.expect("pipes");
    pipes
        .stdin
        .write_all(
            b"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"0\"}}}\n",
        )
        .await
        .expect("write");
    let reply = first_line(&mut pipes).await;
    println!("FastMCP: initialize answered after {:?}", started.elapsed());
    assert!(
        reply.contains(r#""id":7"#) && reply.contains(r#""name":"tiny""#),
        "{reply}"
    );
    let stopping = Instant::now();
    let report = sup.stop("tiny").await.expect("stopped");
    println!(
        "FastMCP stopped by {:?} in {:?}",
        report.stopped_by,
        stopping.elapsed()
    );
    assert_eq!(report.stopped_by, StopStep::ClosedStdin);
    assert_eq!(report.code, Some(0));
}

#[tokio::test]
async fn restart_runs_the_same_command_in_a_new_process() {
    let sup = supervisor(quick_config());
    let mut rx = sup
        .start(sh("again", "echo $$; exec cat"), Restart::Never)
        .await
        .expect("started");
    let mut first = rx.recv().await.expect("pipes");
    let first_pid: u32 = first_line(&mut first).await.parse().expect("a pid");
    let mut rx = sup.restart("again").await.expect("restarted");
    let mut second = rx.recv().await.expect("pipes");
    let second_pid: u32 = first_line(&mut second).await.parse().expect("a pid");
    assert_ne!(first_pid, second_pid);
    assert!(pid_gone(first_pid), "the first process was stopped");
    let status = sup.status("again").expect("status");
    assert_eq!(status.state, RunState::Running);
    assert_eq!(status.pid, Some(second_pid));
    assert!(status.uptime_ms.is_some());
    sup.shutdown().await;
    assert_eq!(
        sup.status("again").map(|s| s.state),
        Some(RunState::Stopped)
    );
}

#[tokio::test]
async fn two_starts_of_one_name_at_once_leave_one_process_running() {
    let sup = supervisor(quick_config());
    let spec = sh("twice", "echo $$; exec cat");
    // Both calls are in flight together: the second must wait for the first and replace it.
    let (a, b) = tokio::join!(
        sup.start(spec.clone(), Restart::Never),
        sup.start(spec, Restart::Never)
    );
    let (mut a, mut b) = (a.expect("first start"), b.expect("second start"));
    let (mut pids, mut held) = (Vec::new(), Vec::new());
    for rx in [&mut a, &mut b] {
        let mut pipes = rx.recv().await.expect("pipes");
        pids.push(first_line(&mut pipes).await.parse::<u32>().expect("a pid"));
        // Held open: a server whose stdin closes would end by itself.
        held.push(pipes);
    }
    assert_ne!(pids[0], pids[1], "two processes were started");
    let current = sup.status("twice").and_then(|s| s.pid).expect("a pid");
    let replaced = pids
        .iter()
        .copied()
        .find(|p| *p != current)
        .expect("one replaced");
    wait_until(
        "the replaced process to be stopped",
        Duration::from_secs(5),
        || pid_gone(replaced),
    )
    .await;
    assert!(!pid_gone(current), "the server that holds the name runs");
    sup.shutdown().await;
    assert!(pid_gone(current));
}

#[tokio::test]
async fn cancelling_the_injected_token_stops_every_server() {
    let token = CancellationToken::new();
    let sup = Supervisor::new(
        Arc::new(CommandResolver::new(LoginShellPath::Never)),
        quick_config(),
        token.clone(),
    );
    let mut rx = sup
        .start(sh("a", "echo $$; exec cat"), Restart::Always)
        .await
        .expect("started");
    let pid: u32 = first_line(&mut rx.recv().await.expect("pipes"))
        .await
        .parse()
        .expect("pid");
    token.cancel();
    wait_until("the server to stop", Duration::from_secs(5), || {
        sup.status("a")
            .is_some_and(|s| s.state == RunState::Stopped)
    })
    .await;
    assert!(pid_gone(pid));
}

#[test]
fn the_login_path_cache_spares_the_shell_and_is_refreshed_when_a_command_is_missing() {
    let (home, tool) = home_with_profile("export PATH=\"$HOME/tools-bin:$PATH\"\n");
    let cache = home.path().join("data").join("login-shell-path.json");
    let resolver = |timeout: Duration| {
        CommandResolver::new(LoginShellPath::Always)
            .with_process_path("/usr/bin:/bin")
            .with_shell("/bin/bash")
            .with_shell_env("HOME", home.path())
            .with_timeout(timeout)
            .with_cache_file(&cache, Duration::from_secs(3600))
    };
    let first = resolver(Duration::from_secs(10))
        .resolve("my-mcp-server", None)
        .expect("found through the login shell");
    assert_eq!(first.program, tool);
    assert!(cache.is_file(), "the login PATH was cached");

    // A shell that would now hang (3 s timeout) is not asked: the next shim reads the cache.
    std::fs::write(
        home.path().join(".bash_profile"),
        "sleep 30\nexport PATH=\"$HOME/tools-bin:$PATH\"\n",
    )
    .expect("rewrite profile");
    let started = Instant::now();
    let cached = resolver(Duration::from_secs(3))
        .resolve("my-mcp-server", None)
        .expect("found through the cached PATH");
    assert_eq!(cached.program, tool);
    assert_eq!(cached.origin, PathOrigin::LoginShell);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        started.elapsed()
    );

    // A command installed since (into a folder the cached PATH lacks) triggers a fresh query.
    let newer = home.path().join("newer-bin");
    std::fs::create_dir(&newer).expect("mkdir");
    let fresh_tool = newer.join("fresh-tool");
    std::fs::copy(&tool, &fresh_tool).expect("copy tool");
    std::fs::write(
        home.path().join(".bash_profile"),
        "export PATH=\"$HOME/newer-bin:$HOME/tools-bin:$PATH\"\n",
    )
    .expect("rewrite profile");
    let refreshed = resolver(Duration::from_secs(10))
        .resolve("fresh-tool", None)
        .expect("found after asking the shell again");
    assert_eq!(refreshed.program, fresh_tool);
    let text = std::fs::read_to_string(&cache).expect("cache");
    assert!(text.contains("newer-bin"), "the cache was updated: {text}");
}

#[tokio::test]
async fn dropping_the_supervisor_stops_its_servers_but_not_the_apps_token() {
    let token = CancellationToken::new();
    let sup = Supervisor::new(
        Arc::new(CommandResolver::new(LoginShellPath::Never)),
        quick_config(),
        token.clone(),
    );
    let mut rx = sup
        .start(sh("b", "echo $$; exec cat"), Restart::Always)
        .await
        .expect("started");
    let pid: u32 = first_line(&mut rx.recv().await.expect("pipes"))
        .await
        .parse()
        .expect("pid");
    drop(sup);
    wait_until("the server to stop", Duration::from_secs(5), || {
        pid_gone(pid)
    })
    .await;
    assert!(
        !token.is_cancelled(),
        "the app's token is not ours to cancel"
    );
}

/// `StdioChild` alone, as `wrap` and `probe` use it: a server that already died is reported as
/// having exited on its own, with its code, and its leftovers are still cleared.
#[tokio::test]
async fn shutting_down_a_server_that_already_died_reports_its_own_exit() {
    let resolver = CommandResolver::new(LoginShellPath::Never);
    let spec = sh("gone", "sleep 1000 & echo $!; exit 4");
    let resolved = resolver.resolve(&spec.command, None).expect("sh");
    let mut child = mcp_tray_core::supervise::StdioChild::spawn(&spec, &resolved).expect("spawn");
    let mut out = BufReader::new(child.take_stdout().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).await.expect("read");
    let grandchild: u32 = line.trim().parse().expect("pid");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let report = child
        .shutdown(Duration::from_millis(500))
        .await
        .expect("report");
    assert_eq!(report.stopped_by, StopStep::ExitedOnItsOwn);
    assert_eq!(report.code, Some(4));
    assert!(report.leftovers_signalled);
    wait_until("the grandchild to be gone", Duration::from_secs(3), || {
        pid_gone(grandchild)
    })
    .await;
}

/// A `StdioChild` dropped while it runs (a test cancelled in the window, a task aborted) takes
/// its whole process group with it, not only the program it started.
#[cfg(unix)]
#[tokio::test]
async fn a_server_dropped_while_running_takes_its_group_with_it() {
    let resolver = CommandResolver::new(LoginShellPath::Never);
    let spec = sh("dropped", "sleep 1000 & echo $!; exec cat");
    let resolved = resolver.resolve(&spec.command, None).expect("sh");
    let mut child = mcp_tray_core::supervise::StdioChild::spawn(&spec, &resolved).expect("spawn");
    let leader = child.pid();
    let mut out = BufReader::new(child.take_stdout().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).await.expect("read");
    let grandchild: u32 = line.trim().parse().expect("pid");
    assert!(!pid_gone(grandchild));
    drop(child);
    wait_until("the leader to be gone", Duration::from_secs(3), || {
        pid_gone(leader)
    })
    .await;
    wait_until("the grandchild to be gone", Duration::from_secs(3), || {
        pid_gone(grandchild)
    })
    .await;
}

/// A shutdown hurried (the tap signalled again while it stops its server) does not sit out its
/// graces: a server that ignores the end of its input and SIGTERM, with a child that ignores
/// SIGTERM too, is SIGKILLed with that child about `HURRIED_STOP` after the hurry, however long
/// the grace.
#[tokio::test]
async fn a_hurried_shutdown_kills_a_stubborn_tree_without_sitting_out_its_graces() {
    let report = hurried_shutdown(
        "trap '' TERM; sleep 1000 & echo $!; while :; do sleep 1; done",
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(report.stopped_by, StopStep::Killed);
}

/// The same for what a server that left at the end of its input leaves behind: its child that
/// ignores SIGTERM is SIGKILLed after the hurry, not after the grace.
#[tokio::test]
async fn a_hurried_shutdown_kills_what_an_exited_server_left_without_its_grace() {
    let report = hurried_shutdown(
        "trap '' TERM; sleep 1000 & echo $!; cat > /dev/null",
        Duration::from_millis(500),
    )
    .await;
    assert_eq!(report.stopped_by, StopStep::ClosedStdin);
    assert!(report.leftovers_signalled);
}

/// Stops `sh -c script` (which prints its child's pid first) with graces of 60 s, hurried after
/// `after`; returns once its child is gone too, within 20 s.
async fn hurried_shutdown(script: &str, after: Duration) -> mcp_tray_core::supervise::ExitReport {
    let resolver = CommandResolver::new(LoginShellPath::Never);
    let spec = sh("stubborn", script);
    let resolved = resolver.resolve(&spec.command, None).expect("sh");
    let mut child = mcp_tray_core::supervise::StdioChild::spawn(&spec, &resolved).expect("spawn");
    let mut out = BufReader::new(child.take_stdout().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).await.expect("read");
    let grandchild: u32 = line.trim().parse().expect("pid");
    let (hurry, mut hurried) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        let _ = hurry.send(());
    });
    let stopping = std::time::Instant::now();
    let report = tokio::time::timeout(
        Duration::from_secs(20),
        child.shutdown_hurried(Duration::from_secs(60), Some(&mut hurried), false),
    )
    .await
    .expect("done long before its 60 s graces")
    .expect("report");
    // The hurry came `after` in, and everything is killed `HURRIED_STOP` (1 s) after it: well
    // under 5 s even on a loaded machine, against graces of 60 s.
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "{:?}",
        stopping.elapsed()
    );
    wait_until("the grandchild to be gone", Duration::from_secs(3), || {
        pid_gone(grandchild)
    })
    .await;
    report
}
