//! The typed IPC surface: the commands the UI may call, the events it may listen to, and the
//! TypeScript bindings generated from their Rust signatures (`ui/src/lib/bindings.ts`).
//!
//! The bindings file is generated, never edited by hand: the test in this module regenerates it
//! and fails when the checked-in file differs (`MCP_TRAY_UPDATE_BINDINGS=1` rewrites it). This
//! module must never hold command logic; commands live in [`crate::commands`].

use tauri_specta::{Builder, collect_commands, collect_events};

use crate::{
    add_server, commands, config_watch, kept_servers, logs, server_actions, server_edit,
    server_findings, server_status, settings, sign_in, test_runs, traffic, tray,
};

/// The bindings file, relative to the repository root.
#[cfg(test)]
const BINDINGS_PATH: &str = "ui/src/lib/bindings.ts";

/// Every command the UI may call, with its types.
pub(crate) fn builder<R: tauri::Runtime>() -> Builder<R> {
    Builder::<R>::new()
        .commands(collect_commands![
            commands::app_paths,
            commands::list_servers,
            commands::use_claude_config,
            add_server::preview_add,
            add_server::probe_add,
            add_server::add_servers,
            add_server::restart_claude,
            traffic::stream_traffic,
            traffic::export_traffic,
            logs::stream_logs,
            server_actions::set_server_enabled,
            server_actions::remove_server,
            server_actions::undo_last_change,
            server_actions::remove_config_bom,
            server_actions::convert_config_to_utf8,
            server_actions::double_config_backslashes,
            server_actions::set_server_captured,
            server_actions::test_server,
            server_findings::server_findings,
            server_findings::fix_server_finding,
            server_status::server_overview,
            kept_servers::kept_servers,
            kept_servers::set_server_kept,
            kept_servers::restart_kept_server,
            server_edit::server_details,
            server_edit::reveal_env_value,
            server_edit::reveal_header_value,
            server_edit::edit_server,
            server_edit::test_server_edit,
            server_edit::add_local_server,
            test_runs::cancel_test,
            settings::get_start_at_login,
            settings::set_start_at_login,
            settings::journal_settings,
            settings::set_redaction,
            settings::set_journal_retention,
            settings::open_folder,
            sign_in::sign_in_requests,
            sign_in::sign_in,
            sign_in::dismiss_sign_in,
            sign_in::cancel_sign_in,
            sign_in::open_sign_in_page,
        ])
        .events(collect_events![
            config_watch::ConfigChanged,
            tray::TrayNavigate,
            tray::TrayActionFailed,
            sign_in::SignInRequestsChanged,
            sign_in::SignInPhaseChanged,
            sign_in::SignedInFromTray,
            kept_servers::KeptServersChanged
        ])
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use specta_typescript::Typescript;

    use super::*;

    fn language() -> Typescript {
        Typescript::default()
            .header(concat!(
                "// @ts-nocheck: generated code keeps helpers it may not use; ipc.ts is the typed door.\n",
                "// Generated from the Rust command signatures by tauri-specta. Do not edit: run\n",
                "// `MCP_TRAY_UPDATE_BINDINGS=1 cargo test -p mcp-tray-app bindings` instead.\n",
            ))
    }

    #[test]
    fn bindings_ts_matches_the_rust_command_signatures() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fresh_path = dir.path().join("bindings.ts");
        builder::<tauri::Wry>()
            .export(language(), &fresh_path)
            .expect("tauri-specta exports the bindings");
        let fresh = std::fs::read_to_string(&fresh_path).expect("read fresh bindings");

        let checked_in_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH);
        if std::env::var_os("MCP_TRAY_UPDATE_BINDINGS").is_some() {
            std::fs::write(&checked_in_path, &fresh).expect("write bindings");
            return;
        }
        let checked_in = std::fs::read_to_string(&checked_in_path).unwrap_or_default();
        assert!(
            checked_in == fresh,
            "{BINDINGS_PATH} is out of date with the Rust commands; regenerate it with \
             `MCP_TRAY_UPDATE_BINDINGS=1 cargo test -p mcp-tray-app bindings` and commit it"
        );
    }
}
