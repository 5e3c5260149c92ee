//! A server kept running by the supervisor, with the client session the app holds to it
//! (`probe::keep_session`): the real FastMCP stdio server from tests/peers, and a command that
//! never answers. Linux only: the server's process is looked up in /proc.
#![cfg(target_os = "linux")]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use mcp_tray_core::diagnose::{Diagnosis, codes};
use mcp_tray_core::probe::{SessionReady, keep_session};
use mcp_tray_core::supervise::{
    CommandResolver, LoginShellPath, Restart, RunState, ServerCommand, Supervisor, SupervisorConfig,
};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

fn supervisor() -> Supervisor {
    Supervisor::new(
        Arc::new(CommandResolver::new(LoginShellPath::Never)),
        SupervisorConfig {
            grace: Duration::from_secs(6),
            ..SupervisorConfig::default()
        },
        CancellationToken::new(),
    )
}

/// Starts `spec`, holds a session to its first incarnation; answers what `on_ready` got.
async fn kept(
    sup: &Supervisor,
    spec: ServerCommand,
    timeout: Duration,
) -> Result<SessionReady, Diagnosis> {
    let name = spec.name.clone();
    let mut rx = sup.start(spec, Restart::Always).await.expect("started");
    let pipes = rx.recv().await.expect("pipes");
    let (tx, ready) = oneshot::channel();
    tokio::spawn(async move {
        keep_session(&name, pipes, timeout, move |r| {
            let _ = tx.send(r);
        })
        .await;
    });
    ready.await.expect("on_ready was called")
}

#[tokio::test]
async fn a_kept_fastmcp_server_lists_its_tools_and_stays_up_with_the_session_open() {
    let peers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/peers");
    let python = peers.join(".venv/bin/python");
    assert!(python.is_file(), "run tests/peers/install.sh first");
    let script = peers.join("fastmcp_server.py");
    let sup = supervisor();
    let spec = ServerCommand::new(
        "tiny",
        python.to_string_lossy(),
        &[script.to_string_lossy().as_ref(), "stdio"],
    );
    let ready = kept(&sup, spec, Duration::from_secs(30))
        .await
        .expect("it answered");
    assert_eq!(ready.server_name.as_deref(), Some("tiny"));
    assert!(ready.tools >= 3, "{ready:?}");
    // The session holds the server's stdin: it is still the same running process afterwards.
    let status = sup.status("tiny").expect("supervised");
    assert_eq!(status.state, RunState::Running);
    assert_eq!(status.restarts, 0);
    let pid = status.pid.expect("a pid");
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    let report = sup.stop("tiny").await.expect("stopped");
    assert_eq!(report.pid, pid);
}

#[tokio::test]
async fn a_server_that_never_answers_initialize_is_a_timeout_and_is_left_running() {
    let sup = supervisor();
    let spec = ServerCommand::new("mute", "sh", &["-c", "exec sleep 1000"]);
    let err = kept(&sup, spec, Duration::from_millis(300))
        .await
        .expect_err("no answer");
    assert_eq!(err.code, codes::TIMEOUT);
    assert_eq!(err.server.as_deref(), Some("mute"));
    assert!(err.summary.contains("initialize"), "{}", err.summary);
    assert_eq!(sup.status("mute").map(|s| s.state), Some(RunState::Running));
    sup.shutdown().await;
}

#[tokio::test]
async fn a_server_that_exits_during_initialize_is_reported_as_exited_early() {
    let sup = supervisor();
    let spec = ServerCommand::new("dies", "sh", &["-c", "echo 'no API key' >&2; exit 3"]);
    let err = kept(&sup, spec, Duration::from_secs(10))
        .await
        .expect_err("it died");
    assert_eq!(err.code, codes::EXITED_EARLY);
    sup.shutdown().await;
}
