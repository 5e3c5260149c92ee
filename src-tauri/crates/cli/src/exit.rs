//! Exit codes and how errors are printed.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | user error: bad arguments (a `--ca-cert` file that cannot be read or holds no certificate among them), unknown server, name already taken |
//! | 2 | file problem: the config does not parse, cannot be read or written |
//! | 3 | conflict: someone else changed the file and our edit no longer applies (or undo would throw their change away) |
//! | 4 | findings: the server failed `probe`, or `doctor` found errors |
//! | 130 | `probe` or `doctor` stopped by Ctrl-C or a signal (the servers they started stopped with them) |
//!
//! Errors go to stderr as `mcp-tray: <message>`, one cause per line. A command picks the code by
//! returning a [`Failure`]; any other error is a user error (1).

use std::fmt;
use std::process::ExitCode;

pub const USER: u8 = 1;
pub const FILE: u8 = 2;
pub const CONFLICT: u8 = 3;
pub const FINDINGS: u8 = 4;

/// An error with the exit code it should end the process with.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl Failure {
    pub fn new(code: u8, error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code,
            error: error.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for Failure {}

/// Ends the process: prints the error, if any, and returns its exit code.
pub fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) => {
            let code = err.downcast_ref::<Failure>().map_or(USER, |f| f.code);
            let text = match err.downcast_ref::<Failure>() {
                Some(f) => format!("{:#}", f.error),
                None => format!("{err:#}"),
            };
            mcp_tray_core::transport::say_on_stderr(&format!("mcp-tray: {text}\n"));
            ExitCode::from(code)
        }
    }
}
