//! One stdio server process: spawned in its own process group (a Job Object on Windows) with
//! piped stdin/stdout/stderr, and stopped with the MCP spec's shutdown sequence.
//!
//! Shutdown (PROTOCOL.md §1): close the child's stdin → wait → SIGTERM the group → wait →
//! SIGKILL the group. After the server itself has exited, whatever it left in its group (the
//! `node` under `npx`, a `sleep &` from a shell script) gets SIGTERM, then SIGKILL: no orphan
//! survives a stop. On Windows there is no SIGTERM: stdin closes, then the job is terminated.
//!
//! Never: read or write the child's stdio (callers own the pipes), or leave the group running
//! when dropped (the wrapper kills it on drop).

use std::io;
use std::time::{Duration, Instant};

use process_wrap::tokio::{ChildWrapper, CommandWrap};
use serde::Serialize;
use tokio::process::{ChildStderr, ChildStdin, ChildStdout};
use tokio::sync::mpsc;

use super::resolve::ResolvedCommand;

/// What to start: the fields of a config entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ServerCommand {
    /// The server's name (the config entry's key).
    pub name: String,
    pub command: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub cwd: Option<std::path::PathBuf>,
}

/// `command arg…` as one line for people to read and to paste into a POSIX shell (a fix says "run
/// `…` in a terminal"): a word that is empty or holds anything but letters, digits and
/// `_@%+=:,./-` (or the mask `•`) (a space, a quote, a URL's `?` or `&`, a `~` or `*` the shell would expand) is put
/// in double quotes, with `\` before the `"`, `\`, `$` and backquotes inside it.
pub fn shell_line(command: &str, args: &[String]) -> String {
    std::iter::once(command)
        .chain(args.iter().map(String::as_str))
        .map(shell_word)
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_word(word: &str) -> String {
    let special = |c: char| matches!(c, '"' | '\\' | '$' | '`');
    // `•` is the mask put in place of a secret (`--token ••••••`), to be typed over, not quoted.
    let plain = |c: char| c.is_alphanumeric() || "_@%+=:,./-•".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_owned();
    }
    let mut quoted = String::with_capacity(word.len() + 2);
    quoted.push('"');
    for c in word.chars() {
        if special(c) {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

impl ServerCommand {
    /// The command and its arguments as one line for people to read.
    pub fn shell_line(&self) -> String {
        shell_line(&self.command, &self.args)
    }

    pub fn new(name: impl Into<String>, command: impl Into<String>, args: &[&str]) -> Self {
        ServerCommand {
            name: name.into(),
            command: command.into(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: std::collections::BTreeMap::new(),
            cwd: None,
        }
    }
}

/// Which step of the shutdown ended the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopStep {
    /// It exited without being asked (crash, or end of work).
    ExitedOnItsOwn,
    /// It exited after its stdin was closed: the polite way.
    ClosedStdin,
    /// It needed SIGTERM (Windows: never).
    Terminated,
    /// It needed SIGKILL (Windows: the job was terminated).
    Killed,
}

/// How a server process ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExitReport {
    pub pid: u32,
    /// Exit code, when it exited normally.
    pub code: Option<i32>,
    /// Signal number, when a signal ended it (Unix).
    pub signal: Option<i32>,
    /// `SIGTERM`, `SIGKILL`, …
    pub signal_name: Option<String>,
    pub stopped_by: StopStep,
    pub uptime_ms: u64,
    /// Processes it left in its group that had to be signalled after it exited.
    pub leftovers_signalled: bool,
}

impl ExitReport {
    /// "exit code 1", "signal SIGKILL", "unknown status".
    pub fn describe(&self) -> String {
        match (self.code, &self.signal_name, self.signal) {
            (Some(code), _, _) => format!("exit code {code}"),
            (None, Some(name), _) => format!("signal {name}"),
            (None, None, Some(sig)) => format!("signal {sig}"),
            _ => "unknown status".to_owned(),
        }
    }

    /// True when the server ended with code 0 or because we stopped it.
    pub fn is_clean(&self) -> bool {
        self.code == Some(0) || self.stopped_by != StopStep::ExitedOnItsOwn
    }
}

/// A running stdio server and its process group.
#[derive(Debug)]
pub struct StdioChild {
    child: Box<dyn ChildWrapper>,
    pid: u32,
    started: Instant,
    exited: Option<ExitReport>,
    /// It is MCP Tray's tap (`mcp-tray wrap`, a tapped entry), which stops a server of its own:
    /// how long that takes it at most, after SIGTERM.
    tap: Option<Duration>,
}

impl StdioChild {
    /// Starts `cmd` as resolved, in a new process group, with all three stdio streams piped.
    pub fn spawn(cmd: &ServerCommand, resolved: &ResolvedCommand) -> io::Result<StdioChild> {
        Self::spawn_with(cmd, resolved, false)
    }

    /// As [`StdioChild::spawn`], and on Linux the server is sent SIGTERM if the calling thread
    /// ends without stopping it: the process was SIGKILLed, or died of a crash, and had no time
    /// for the shutdown (a server that ignores the end of its input would be left running). For
    /// the tap, which starts its server on its main thread; never from a thread that may end
    /// before the server should (a pool's: the kernel ties the signal to the thread, not the
    /// process). Elsewhere the same as `spawn` (on Windows the Job Object does this already).
    pub fn spawn_tied(cmd: &ServerCommand, resolved: &ResolvedCommand) -> io::Result<StdioChild> {
        Self::spawn_with(cmd, resolved, true)
    }

    fn spawn_with(
        cmd: &ServerCommand,
        resolved: &ResolvedCommand,
        tied: bool,
    ) -> io::Result<StdioChild> {
        let mut wrap = CommandWrap::with_new(&resolved.program, |c| {
            c.args(&cmd.args)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            if !cmd.env.iter().any(|(k, _)| k.eq_ignore_ascii_case("PATH")) {
                c.env("PATH", &resolved.search_path);
            }
            c.envs(&cmd.env);
            if let Some(dir) = &cmd.cwd {
                c.current_dir(dir);
            }
            #[cfg(target_os = "linux")]
            if tied {
                platform::end_with_this_thread(c);
            }
        });
        #[cfg(not(target_os = "linux"))]
        let _ = tied;
        platform::isolate(&mut wrap);
        // On Windows the Job Object ends the tree when the child is dropped. On Unix the drop
        // ends the group itself ([`StdioChild`]'s `Drop`), signalling before it kills.
        #[cfg(windows)]
        wrap.wrap(process_wrap::tokio::KillOnDrop);
        let child = wrap.spawn()?;
        let pid = child
            .id()
            .ok_or_else(|| io::Error::other("the server exited before its pid could be read"))?;
        Ok(StdioChild {
            tap: tap_shutdown(cmd),
            child,
            pid,
            started: Instant::now(),
            exited: None,
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn take_stdin(&mut self) -> Option<ChildStdin> {
        self.child.stdin().take()
    }

    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.child.stdout().take()
    }

    pub fn take_stderr(&mut self) -> Option<ChildStderr> {
        self.child.stderr().take()
    }

    /// Waits until the server exits on its own, then clears its group. Cancel-safe.
    pub async fn wait(&mut self, grace: Duration) -> io::Result<ExitReport> {
        if let Some(report) = &self.exited {
            return Ok(report.clone());
        }
        let status = self.child.wait().await?;
        Ok(self
            .finish(status, StopStep::ExitedOnItsOwn, grace, &mut Hurry::none())
            .await)
    }

    /// The spec's shutdown: close stdin, wait `grace`, SIGTERM the group, wait `grace`, SIGKILL.
    ///
    /// A tap (`mcp-tray wrap`: a tapped entry under test or kept running) has [`DROP_GRACE`]
    /// after SIGTERM, which outlasts its own shutdown of its server: it runs that server in a
    /// group of its own, and SIGKILLed before it is done, it would leave a server that ignores
    /// SIGTERM running, orphaned.
    pub async fn shutdown(&mut self, grace: Duration) -> io::Result<ExitReport> {
        self.shutdown_hurried(grace, None, false).await
    }

    /// [`Self::shutdown`], which a message on `hurry` cuts short: the step under way ends at once
    /// (closing stdin is followed by SIGTERM without waiting), and whatever is left of the tree is
    /// SIGKILLed [`HURRIED_STOP`] after the message at the latest. `signalled`: the stop itself
    /// comes from a signal, which a client may follow with SIGKILL 2 s later: each step then waits
    /// at most a third of [`SIGNALLED_STOP`], and the tree is gone within it.
    pub async fn shutdown_hurried(
        &mut self,
        grace: Duration,
        hurry: Option<&mut mpsc::UnboundedReceiver<()>>,
        signalled: bool,
    ) -> io::Result<ExitReport> {
        let (grace, kill_by) = match signalled {
            true => (
                grace.min(SIGNALLED_STOP / 3),
                Some(tokio::time::Instant::now() + SIGNALLED_STOP),
            ),
            false => (grace, None),
        };
        let mut hurry = Hurry { rx: hurry, kill_by };
        let after_term = match self.tap {
            Some(tap) if !signalled => grace.max(tap),
            _ => grace,
        };
        if let Some(report) = &self.exited {
            return Ok(report.clone());
        }
        if let Ok(Some(status)) = self.child.try_wait() {
            // Gone before we asked: say so, and still clear its group.
            return Ok(self
                .finish(status, StopStep::ExitedOnItsOwn, grace, &mut hurry)
                .await);
        }
        drop(self.child.stdin().take());
        let closed_until = tokio::time::Instant::now() + grace;
        if let Waited::Done(status) = hurry.within(self.child.wait(), closed_until).await {
            return Ok(self
                .finish(status?, StopStep::ClosedStdin, grace, &mut hurry)
                .await);
        }
        if platform::terminate(self.child.as_mut()) {
            let term_until = tokio::time::Instant::now() + after_term;
            loop {
                match hurry.within(self.child.wait(), term_until).await {
                    Waited::Done(status) => {
                        return Ok(self
                            .finish(status?, StopStep::Terminated, grace, &mut hurry)
                            .await);
                    }
                    Waited::Hurried => {}
                    Waited::TimedOut => break,
                }
            }
        }
        self.child.start_kill()?;
        let status = self.child.wait().await?;
        Ok(self
            .finish(status, StopStep::Killed, grace, &mut hurry)
            .await)
    }

    async fn finish(
        &mut self,
        status: std::process::ExitStatus,
        step: StopStep,
        grace: Duration,
        hurry: &mut Hurry<'_>,
    ) -> ExitReport {
        let leftovers_signalled =
            platform::clear_group(self.pid, grace, hurry, self.child.as_mut()).await;
        let (signal, signal_name) = platform::signal_of(&status);
        let report = ExitReport {
            pid: self.pid,
            code: status.code(),
            signal,
            signal_name,
            stopped_by: step,
            uptime_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            leftovers_signalled,
        };
        self.exited = Some(report.clone());
        report
    }
}

impl Drop for StdioChild {
    /// A server dropped while it runs (a test cancelled, a task aborted) takes its whole tree
    /// with it: on Unix its group gets SIGTERM at once and SIGKILL after [`DROP_GRACE`] if
    /// anything is left ([`platform::end_group`]); on Windows the Job Object is closed with it.
    /// The signal first lets a server that stops a tree of its own do so: `mcp-tray wrap` (a
    /// tapped entry under test) runs its server in a group of its own, which a SIGKILL of the tap
    /// would leave running.
    fn drop(&mut self) {
        if self.exited.is_none() {
            platform::end_group(self.pid);
        }
    }
}

/// For `cmd` a tap (`mcp-tray wrap [--grace S] …`): how long it may take to stop its server once
/// told to (its two graces, then its last output read), and never less than [`DROP_GRACE`].
fn tap_shutdown(cmd: &ServerCommand) -> Option<Duration> {
    if !crate::config::document::is_mcp_tray_command(&cmd.command)
        || cmd.args.first().is_none_or(|a| a != "wrap")
    {
        return None;
    }
    let options = cmd.args.iter().take_while(|a| *a != "--");
    let mut grace = 2.0_f64;
    let mut next_is_grace = false;
    for a in options {
        if next_is_grace {
            grace = a.parse().unwrap_or(grace);
            next_is_grace = false;
        } else if a == "--grace" {
            next_is_grace = true;
        } else if let Some(v) = a.strip_prefix("--grace=") {
            grace = v.parse().unwrap_or(grace);
        }
    }
    let grace = Duration::try_from_secs_f64(grace.max(0.0)).unwrap_or(DROP_GRACE);
    Some(DROP_GRACE.max(grace * 2 + Duration::from_secs(2)))
}

/// Once a stop under way is hurried, whatever is left of the tree is SIGKILLed within this long.
/// A client that stops its server in stages gives it 2 s between its SIGTERM and its SIGKILL (the
/// MCP SDK's `close()`: end of input, 2 s, SIGTERM, 2 s, SIGKILL); a tap that took longer to stop
/// its own server would be killed first, and leave a server that ignores SIGTERM running.
pub const HURRIED_STOP: Duration = Duration::from_secs(1);

/// How long a stop that a signal started takes at most, the tree SIGKILLed by then: less than
/// the 2 s a client that signals gives before its SIGKILL, which would leave the tree orphaned.
pub const SIGNALLED_STOP: Duration = Duration::from_millis(1500);

/// A shutdown's hurry: a message on `rx` sets the time by which the tree is SIGKILLed.
struct Hurry<'a> {
    rx: Option<&'a mut mpsc::UnboundedReceiver<()>>,
    kill_by: Option<tokio::time::Instant>,
}

enum Waited<T> {
    Done(T),
    TimedOut,
    /// The hurry came (only the first time): the step under way ends.
    Hurried,
}

impl Hurry<'_> {
    fn none() -> Self {
        Hurry {
            rx: None,
            kill_by: None,
        }
    }

    /// Waits for `fut` until `until`, or [`Self::kill_by`] if sooner.
    async fn within<F: std::future::Future>(
        &mut self,
        fut: F,
        until: tokio::time::Instant,
    ) -> Waited<F::Output> {
        let until = self.kill_by.map_or(until, |k| k.min(until));
        let waiting = self.kill_by.is_none();
        let rx = &mut self.rx;
        tokio::select! {
            out = fut => Waited::Done(out),
            () = tokio::time::sleep_until(until) => Waited::TimedOut,
            Some(()) = async { rx.as_mut()?.recv().await }, if waiting => {
                self.kill_by = Some(tokio::time::Instant::now() + HURRIED_STOP);
                Waited::Hurried
            }
        }
    }

    /// Whether `done` comes by `until` (sooner once hurried): what is left of a tree after its
    /// leader exited, given its grace.
    async fn came_by(
        &mut self,
        done: impl std::future::Future<Output = ()>,
        until: tokio::time::Instant,
    ) -> bool {
        tokio::pin!(done);
        loop {
            match self.within(&mut done, until).await {
                Waited::Done(()) => return true,
                Waited::Hurried => {}
                Waited::TimedOut => return false,
            }
        }
    }
}

/// How long a dropped server's group has after SIGTERM before SIGKILL: enough for a tap's own
/// shutdown of its server (close stdin, wait, SIGTERM, wait: 4 s at its default grace).
#[cfg_attr(not(unix), allow(dead_code))]
const DROP_GRACE: Duration = Duration::from_secs(5);

#[cfg(unix)]
mod platform {
    use std::os::unix::process::ExitStatusExt;
    use std::time::Duration;

    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;
    use process_wrap::tokio::{ChildWrapper, CommandWrap, ProcessGroup};

    pub fn isolate(wrap: &mut CommandWrap) {
        wrap.wrap(ProcessGroup::leader());
    }

    /// The started process gets SIGTERM when the thread starting it ends (Linux's parent-death
    /// signal). Npx and uv pass a SIGTERM on to the server they started.
    #[cfg(target_os = "linux")]
    pub fn end_with_this_thread(c: &mut tokio::process::Command) {
        use nix::sys::prctl::set_pdeathsig;
        use nix::unistd::{getpid, getppid};
        let parent = getpid();
        // SAFETY: between fork and exec the closure makes two system calls (prctl, getppid) and
        // returns an error made of an errno: no allocation, no lock.
        unsafe {
            c.pre_exec(move || {
                set_pdeathsig(Signal::SIGTERM)?;
                // The parent died before the signal was asked for: nothing would send it.
                if getppid() != parent {
                    return Err(nix::errno::Errno::ESRCH.into());
                }
                Ok(())
            });
        }
    }

    /// Sends SIGTERM to the whole group; false when that was impossible.
    pub fn terminate(child: &mut dyn ChildWrapper) -> bool {
        child.signal(Signal::SIGTERM as i32).is_ok()
    }

    fn group_alive(pgid: Pid) -> bool {
        killpg(pgid, None::<Signal>).is_ok()
    }

    /// SIGTERM to the whole group at once, then, on a thread of its own (the caller is being
    /// dropped), SIGKILL to what is left of it after [`super::DROP_GRACE`].
    pub fn end_group(pid: u32) {
        let Ok(raw) = i32::try_from(pid) else {
            return;
        };
        let pgid = Pid::from_raw(raw);
        if killpg(pgid, Signal::SIGTERM).is_err() {
            return;
        }
        let _ = std::thread::Builder::new()
            .name("end-group".into())
            .spawn(move || {
                let deadline = std::time::Instant::now() + super::DROP_GRACE;
                while std::time::Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                    if !group_alive(pgid) {
                        return;
                    }
                }
                let _ = killpg(pgid, Signal::SIGKILL);
            });
    }

    /// After the leader exited: SIGTERM what is left in its group, wait (no later than a hurry
    /// allows), then SIGKILL. Returns whether anything was left.
    pub async fn clear_group(
        pid: u32,
        grace: Duration,
        hurry: &mut super::Hurry<'_>,
        _child: &mut dyn ChildWrapper,
    ) -> bool {
        let Ok(raw) = i32::try_from(pid) else {
            return false;
        };
        let pgid = Pid::from_raw(raw);
        if !group_alive(pgid) {
            return false;
        }
        let _ = killpg(pgid, Signal::SIGTERM);
        let gone = async {
            while group_alive(pgid) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        if !hurry
            .came_by(gone, tokio::time::Instant::now() + grace)
            .await
        {
            let _ = killpg(pgid, Signal::SIGKILL);
        }
        true
    }

    pub fn signal_of(status: &std::process::ExitStatus) -> (Option<i32>, Option<String>) {
        let sig = status.signal();
        let name = sig
            .and_then(|s| Signal::try_from(s).ok())
            .map(|s| s.as_str().to_owned());
        (sig, name)
    }
}

#[cfg(windows)]
mod platform {
    use std::time::Duration;

    use process_wrap::tokio::{ChildWrapper, CommandWrap, CreationFlags, JobObject};
    use windows::Win32::System::Threading::CREATE_NO_WINDOW;

    /// A Job Object holds the whole tree; CREATE_NO_WINDOW keeps consoles from flashing.
    /// `.cmd`/`.bat` programs (npx.cmd) are run by std through `cmd.exe /c` with each argument
    /// escaped, so arguments containing spaces are not split.
    pub fn isolate(wrap: &mut CommandWrap) {
        wrap.wrap(CreationFlags(CREATE_NO_WINDOW));
        wrap.wrap(JobObject);
    }

    /// Windows has no SIGTERM for console-less processes: go straight to terminating the job.
    pub fn terminate(_child: &mut dyn ChildWrapper) -> bool {
        false
    }

    /// Nothing to do: the Job Object, opened with kill-on-close (`KillOnDrop`), ends every
    /// process in it when the child is dropped.
    pub fn end_group(_pid: u32) {}

    /// The processes still running that the leader `pid` started (a `node` under `cmd.exe`):
    /// the job's wait returns once the leader has exited (process-wrap stops at the job's first
    /// message), not once the job is empty. Their parent stays recorded after the leader's exit.
    fn left_of(system: &mut sysinfo::System, pid: u32) -> bool {
        system.refresh_processes_specifics(
            sysinfo::ProcessesToUpdate::All,
            true,
            sysinfo::ProcessRefreshKind::nothing().without_tasks(),
        );
        crate::supervise::stats::descendants(system, sysinfo::Pid::from_u32(pid)).len() > 1
    }

    /// After the leader exited: what it started gets the grace to end (no later than a hurry
    /// allows), then the job is terminated. Returns whether anything was left.
    pub async fn clear_group(
        pid: u32,
        grace: Duration,
        hurry: &mut super::Hurry<'_>,
        child: &mut dyn ChildWrapper,
    ) -> bool {
        let Ok(mut system) = sysinfo::System::new() else {
            return false;
        };
        if !left_of(&mut system, pid) {
            return false;
        }
        let gone = async {
            while left_of(&mut system, pid) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        if !hurry
            .came_by(gone, tokio::time::Instant::now() + grace)
            .await
        {
            // TerminateJobObject: whatever is left in the job, the leader being gone.
            let _ = child.start_kill();
        }
        true
    }

    pub fn signal_of(_status: &std::process::ExitStatus) -> (Option<i32>, Option<String>) {
        (None, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(command: &str, args: &[&str]) -> String {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        shell_line(command, &args)
    }

    #[test]
    fn plain_words_stay_as_they_are_and_spaced_ones_are_quoted() {
        assert_eq!(
            line("npx", &["-y", "@scope/server", "/home/ana/My Notes", ""]),
            r#"npx -y @scope/server "/home/ana/My Notes" """#
        );
    }

    #[test]
    fn a_word_holding_quotes_or_shell_specials_reads_back_as_the_same_word() {
        let got = line(
            "sh",
            &["-c", r#"echo "API_KEY missing: $HOME" >&2; exit 2"#],
        );
        assert_eq!(
            got,
            r#"sh -c "echo \"API_KEY missing: \$HOME\" >&2; exit 2""#
        );
        assert_eq!(line("echo", &["it's", r"a\b"]), r#"echo "it's" "a\\b""#);
        assert_eq!(
            line(
                "mcp-tray",
                &[
                    "add",
                    "x",
                    "--url",
                    "http://h/mcp?k=1&v=2",
                    "--token",
                    "••••••"
                ]
            ),
            r#"mcp-tray add x --url "http://h/mcp?k=1&v=2" --token ••••••"#
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_line_run_by_a_shell_passes_the_same_arguments() {
        let args = [
            "-c",
            r#"printf '%s|' "$@""#,
            "sh",
            "two words",
            "",
            r#"q"u`o$te\s"#,
            "it's",
            "https://h.example/mcp?a=1&b=2",
            "~/notes",
            "*.md",
            "a;b|c",
            "#x",
        ];
        let shown = line("sh", &args);
        let out = std::process::Command::new("sh")
            .args(["-c", &shown])
            .output()
            .expect("run sh");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            r#"two words||q"u`o$te\s|it's|https://h.example/mcp?a=1&b=2|~/notes|*.md|a;b|c|#x|"#,
            "{shown}"
        );
    }
}
