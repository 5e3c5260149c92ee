//! Tests the window can stop. A test (probe) of a server the user is adding or editing starts
//! that server as Claude would, which can take up to the probe's timeouts; Cancel in the window
//! ends it at once: the probe is dropped, and with it the server's whole process tree (its child
//! is killed with its process group when dropped).
//!
//! The window names each test with a run number of its own choosing (several servers of one
//! pasted text share one); `cancel_test` stops every test under that number, also one whose
//! command has not reached here yet.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Duration;

use mcp_tray_core::config::ServerEntry;
use mcp_tray_core::probe::{ProbeTarget, probe_observed};
use tokio_util::sync::CancellationToken;

use crate::add_server::ProbeView;
use crate::error::CommandError;
use crate::in_use::command_resolver;
use crate::server_status::ServerWatch;

/// How long each step of a test (start, initialize, each list) may take.
const PROBE_STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// Run number → its token and how many tests use it now (0: cancelled before any started).
static RUNS: LazyLock<Mutex<HashMap<u32, (CancellationToken, usize)>>> =
    LazyLock::new(Mutex::default);

/// Cancelled runs that no test picked up are forgotten past this many.
const FORGET_AFTER: usize = 64;

fn runs() -> std::sync::MutexGuard<'static, HashMap<u32, (CancellationToken, usize)>> {
    RUNS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The error a cancelled test ends with (the window has moved on and drops it).
fn cancelled() -> CommandError {
    CommandError {
        code: "cancelled".to_owned(),
        message: "the test was cancelled".to_owned(),
    }
}

/// Runs `test` under run number `run` (none: it cannot be cancelled). Cancelling the run drops
/// it and gives [`cancelled`].
pub async fn cancellable<T>(
    run: Option<u32>,
    test: impl Future<Output = T>,
) -> Result<T, CommandError> {
    let Some(run) = run else {
        return Ok(test.await);
    };
    let token = {
        let mut runs = runs();
        let (token, users) = runs.entry(run).or_default();
        *users += 1;
        token.clone()
    };
    let _done = Leave(run);
    tokio::select! {
        biased;
        () = token.cancelled() => Err(cancelled()),
        value = test => Ok(value),
    }
}

/// Leaves a run when its test ends, however it ends; the last one out forgets it.
struct Leave(u32);

impl Drop for Leave {
    fn drop(&mut self) {
        let mut runs = runs();
        if let Some((_, users)) = runs.get_mut(&self.0) {
            *users = users.saturating_sub(1);
            if *users == 0 {
                runs.remove(&self.0);
            }
        }
    }
}

/// Tests `target` as Claude would start it, under `run`.
pub async fn test(run: Option<u32>, target: &ProbeTarget) -> Result<ProbeView, CommandError> {
    test_observed(run, target, |_| {}).await
}

/// Tests `target` as the server `name` of the Servers view: its process shows in that row while
/// the test runs, and the result is the row's last test, kept for the next start as the test of
/// `entry` (the entry under that name in the config, or to be written there). A cancelled test
/// records no result: the server was stopped, not tested.
pub async fn test_as(
    run: Option<u32>,
    target: &ProbeTarget,
    name: &str,
    entry: &ServerEntry,
    watch: &ServerWatch,
) -> Result<ProbeView, CommandError> {
    let view = test_observed(run, target, |pid| watch.board().ran(name, pid)).await?;
    watch.tested(name, Some(entry), &view);
    Ok(view)
}

async fn test_observed(
    run: Option<u32>,
    target: &ProbeTarget,
    started: impl FnOnce(u32) + Send,
) -> Result<ProbeView, CommandError> {
    // The first lookup of a command may ask the login shell for its PATH (up to 3 s, holding the
    // resolver meanwhile): done here on a blocking thread, so that the probe's own lookup, on an
    // async worker, finds it known.
    let (command, cwd) = (target.command.command.clone(), target.command.cwd.clone());
    let _ = tauri::async_runtime::spawn_blocking(move || {
        command_resolver().resolve(&command, cwd.as_deref())
    })
    .await;
    let probe = probe_observed(target, command_resolver(), PROBE_STEP_TIMEOUT, started);
    Ok(ProbeView::from(cancellable(run, probe).await?))
}

/// Stops every test of run `run`, and any that starts under it later.
pub fn cancel(run: u32) {
    let mut runs = runs();
    if runs.len() >= FORGET_AFTER {
        runs.retain(|_, (_, users)| *users > 0);
    }
    runs.entry(run).or_default().0.cancel();
}

/// Stops the test (or tests) the window started under `run`: their servers are stopped now,
/// not when the test would have timed out.
#[tauri::command]
#[specta::specta]
pub fn cancel_test(run: u32) {
    cancel(run);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_cancelled_run_ends_its_tests_and_is_forgotten() {
        let run = 9_001;
        let slow = cancellable(Some(run), tokio::time::sleep(Duration::from_secs(60)));
        let canceller = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            cancel(run);
        };
        let (result, ()) = tokio::join!(slow, canceller);
        assert_eq!(result.expect_err("cancelled").code, "cancelled");
        assert!(!runs().contains_key(&run), "an ended run is forgotten");
    }

    #[tokio::test]
    async fn a_cancel_that_arrives_first_stops_the_test_when_it_starts() {
        let run = 9_002;
        cancel(run);
        let result = cancellable(Some(run), std::future::pending::<()>()).await;
        assert_eq!(result.expect_err("cancelled").code, "cancelled");
    }

    #[tokio::test]
    async fn other_runs_and_uncancellable_tests_go_on() {
        cancel(9_003);
        assert_eq!(cancellable(Some(9_004), async { 7 }).await.expect("ran"), 7);
        assert_eq!(cancellable(None, async { 8 }).await.expect("ran"), 8);
    }
}
