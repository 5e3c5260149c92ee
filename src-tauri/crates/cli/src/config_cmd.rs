//! Config subcommands: `list`, `show`, `add`, `remove`, `rename`, `enable`, `disable`, `import`,
//! `path`, `history`, `undo`. Adapters over `mcp_tray_core::config`; all behaviour lives there.

use std::process::ExitCode;

use clap::Subcommand;
use mcp_tray_core::clients;

use crate::Context;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the path of the Claude Desktop config file in use, and why it was chosen.
    Path,
}

pub fn run(cmd: ConfigCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    match cmd {
        ConfigCommand::Path => {
            let loc = clients::claude_config(ctx.config.as_deref());
            println!("{}", loc.path.display());
            for other in &loc.also_present {
                eprintln!("note: another config file also exists: {}", other.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
