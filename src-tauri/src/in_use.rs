//! What the app's commands act on: the Claude config file in use (read and written only through
//! core's config engine) and one command resolver for the app's run, so the login shell is asked
//! for its PATH once, not at every probe, form check or findings refresh. It holds no other state.

use std::sync::OnceLock;

use mcp_tray_core::clients;
use mcp_tray_core::config::ConfigFile;
use mcp_tray_core::paths;
use mcp_tray_core::supervise::{CommandResolver, LoginShellPath};

/// The config file Claude Desktop reads (or the one the environment names), with our data dir for
/// its backups and history.
pub(crate) fn config_file() -> ConfigFile {
    ConfigFile::new(&clients::claude_config(None).path, paths::data_dir())
}

/// The resolver the app's short-lived commands share (kept servers have their own).
pub(crate) fn command_resolver() -> &'static CommandResolver {
    static RESOLVER: OnceLock<CommandResolver> = OnceLock::new();
    RESOLVER.get_or_init(|| CommandResolver::new(LoginShellPath::WhenNoTerminal))
}
