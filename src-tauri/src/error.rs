//! The one error every command returns: a stable `code` for the UI's logic and a `message` a
//! person can act on. Codes reuse the diagnosis codes where one fits (`bad-json-config`).
//! This module only translates core's errors; it must never decide anything about them.

use mcp_tray_core::config::ConfigError;
use mcp_tray_core::diagnose::{Audience, codes, message_in};
use serde::Serialize;
use specta::Type;

/// A failed command, as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct CommandError {
    /// Stable kebab-case word: `bad-json-config`, `config-backslashes` (not JSON because of a
    /// Windows path typed with single backslashes), `config-bom`, `config-utf16`, `io-error`,
    /// `changed-since`, `config-error`.
    pub code: String,
    /// What happened, with the file and position when there is one.
    pub message: String,
}

impl From<ConfigError> for CommandError {
    fn from(err: ConfigError) -> Self {
        let code = match &err {
            ConfigError::Parse {
                invalid_escape: true,
                ..
            } => "config-backslashes",
            ConfigError::Parse { .. } | ConfigError::NotUtf8 { .. } => codes::BAD_JSON_CONFIG,
            ConfigError::ByteOrderMark { .. } => "config-bom",
            ConfigError::Utf16 { .. } => "config-utf16",
            ConfigError::Io { .. } => "io-error",
            ConfigError::ChangedSince(_) => "changed-since",
            _ => "config-error",
        };
        let message = match &err {
            // Core's wording names the CLI's way round it (a flag); the window has none.
            ConfigError::ByteOrderMark { path } => format!(
                "{} starts with a UTF-8 byte-order mark (BOM), which Claude Desktop cannot read, \
                 so it starts none of its servers. Remove the mark takes it away (Undo puts it \
                 back), or save the file as UTF-8 without a BOM.",
                path.display()
            ),
            ConfigError::Utf16 { path } => format!(
                "{} is saved as UTF-16 (as Windows PowerShell's > and Notepad's \"Unicode\" save \
                 files), which Claude Desktop cannot read, so it starts none of its servers. \
                 Convert to UTF-8 converts it (Undo puts it back), or save the file as UTF-8 in \
                 your editor.",
                path.display()
            ),
            // Core's wording names the CLI's doctor --fix: the window's button instead.
            ConfigError::Parse {
                path,
                line,
                column,
                message,
                invalid_escape: true,
            } => format!(
                "{}:{line}:{column}: {message}. Double the backslashes does that for you (Undo \
                 puts them back).",
                path.display()
            ),
            // Core's wording points at the CLI's history and --force.
            ConfigError::ChangedSince(_) => "Nothing was undone: the config file was changed \
                 elsewhere after this change, and undoing it would lose that."
                .to_owned(),
            // Core's wording may name the CLI's way (a merge of "mcpServers" copies): the app's.
            _ => message_in(Audience::App, &err.to_string()),
        };
        CommandError {
            code: code.to_owned(),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn a_parse_error_keeps_its_position_and_gets_the_bad_json_code() {
        let err = CommandError::from(ConfigError::Parse {
            path: PathBuf::from("/c/claude_desktop_config.json"),
            line: 3,
            column: 7,
            message: "expected a comma".into(),
            invalid_escape: false,
        });
        assert_eq!(err.code, "bad-json-config");
        assert!(
            err.message.contains("/c/claude_desktop_config.json:3:7"),
            "{}",
            err.message
        );
    }
}
