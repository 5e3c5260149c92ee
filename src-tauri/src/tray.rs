//! The tray icon: its menu, and the status it shows (ok, degraded, failing) tinted for the panel.
//!
//! The icons are PNGs from `icons/tray/`, embedded at build time, one per status and panel colour
//! (`<status>-<panel>.png`, drawn for a light or a dark panel). The panel colour follows the OS
//! theme as the main window sees it. This module must never work out a status itself: whoever
//! diagnoses the servers tells it with [`set_status`].

use std::collections::BTreeMap;
use std::sync::Mutex;

use mcp_tray_core::config::ConfigFile;
use mcp_tray_core::{claude_restart, clients, paths};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime, Theme};

use crate::server_status::ServerHealth;
use crate::window;

const TRAY_ID: &str = "mcp-tray";
const MENU_OPEN: &str = "open";
const MENU_QUIT: &str = "quit";
const MENU_ADD: &str = "add";
const MENU_RESTART: &str = "restart";
/// "Claude's config file has an error…": opens Servers, which says where.
const MENU_BROKEN_CONFIG: &str = "broken-config";
/// Per-server items are `<action>:<server name>`.
const ACTION_TRAFFIC: &str = "traffic";
const ACTION_LOGS: &str = "logs";
const ACTION_TOGGLE: &str = "toggle";
/// Restarts a server the app keeps running.
const ACTION_RESTART_SERVER: &str = "restart-server";
/// "Sign in to NAME" lines are `signin:<server url>`.
const ACTION_SIGN_IN: &str = "signin";

/// The tray asks the window to show a view (and, for a server's items, that server).
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct TrayNavigate {
    /// `servers`, `traffic` or `logs`; `add` opens Servers with the Add field focused.
    pub view: String,
    pub server: Option<String>,
}

/// A tray menu action failed (Disable, Enable, a kept server's Restart, Restart Claude Desktop):
/// the window opens on Servers and says why, since a menu has no place for words.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct TrayActionFailed {
    pub message: String,
}

/// What the tray icon tells at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrayStatus {
    /// Claude's config has no server, and MCP Tray keeps none aside: nothing to watch yet.
    NoServers,
    /// Every server of Claude's config is disabled (kept aside by MCP Tray).
    AllDisabled,
    /// Every server answers.
    Ok,
    /// Some server has a warning (slow, replaceable bridge, …).
    Degraded,
    /// Some server fails to start or to answer.
    Failing,
    /// Claude's config file cannot be read (it does not parse): Claude starts none of its servers.
    BrokenConfig,
}

impl TrayStatus {
    fn tooltip(self) -> &'static str {
        match self {
            TrayStatus::NoServers => "MCP Tray: no servers yet",
            TrayStatus::AllDisabled => "MCP Tray: every server is disabled",
            TrayStatus::Ok => "MCP Tray: all servers OK",
            TrayStatus::Degraded => "MCP Tray: a server needs attention",
            TrayStatus::Failing => "MCP Tray: a server is failing",
            TrayStatus::BrokenConfig => "MCP Tray: Claude's config file has an error",
        }
    }
}

/// The colour of the panel the icon sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Panel {
    Light,
    Dark,
}

impl Panel {
    fn from_theme(theme: Theme) -> Self {
        match theme {
            Theme::Dark => Panel::Dark,
            _ => Panel::Light,
        }
    }
}

/// The PNG bytes for a status on a panel.
fn icon_png(status: TrayStatus, panel: Panel) -> &'static [u8] {
    macro_rules! tray_icon {
        ($name:literal) => {
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/icons/tray/", $name))
        };
    }
    match (status, panel) {
        // Nothing to watch is nothing wrong.
        (TrayStatus::Ok | TrayStatus::NoServers | TrayStatus::AllDisabled, Panel::Light) => {
            tray_icon!("ok-light.png")
        }
        (TrayStatus::Ok | TrayStatus::NoServers | TrayStatus::AllDisabled, Panel::Dark) => {
            tray_icon!("ok-dark.png")
        }
        (TrayStatus::Degraded, Panel::Light) => tray_icon!("degraded-light.png"),
        (TrayStatus::Degraded, Panel::Dark) => tray_icon!("degraded-dark.png"),
        (TrayStatus::Failing | TrayStatus::BrokenConfig, Panel::Light) => {
            tray_icon!("failing-light.png")
        }
        (TrayStatus::Failing | TrayStatus::BrokenConfig, Panel::Dark) => {
            tray_icon!("failing-dark.png")
        }
    }
}

/// What the tray shows now; managed app state.
struct TrayState(Mutex<(TrayStatus, Panel)>);

/// Each server's status as the menu marks it (from [`crate::server_status`]); a server with none
/// (never started) is shown by its name alone.
#[derive(Default)]
struct ServerMarks(Mutex<BTreeMap<String, ServerHealth>>);

/// Creates the tray icon and its menu (`build_menu`): a line per server, then Add remote
/// server…, Open MCP Tray, Restart Claude Desktop (where MCP Tray can restart it) and Quit.
pub(crate) fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let panel = app
        .get_webview_window(window::MAIN)
        .and_then(|w| w.theme().ok())
        .map_or(Panel::Light, Panel::from_theme);
    // Until the status watcher's first look: calm, and no claim about servers.
    let status = TrayStatus::Ok;
    app.manage(TrayState(Mutex::new((status, panel))));
    app.manage(ServerMarks::default());

    let menu = build_menu(app, &config_servers())?;

    let mut builder = TrayIconBuilder::with_id(TRAY_ID);
    // Linux writes the icon to a file for the panel: in the private runtime dir when there is one,
    // else in our own data dir, never in the shared /tmp where another user could plant it.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        builder = builder.temp_dir_path(mcp_tray_core::paths::data_dir().join("tray-icon"));
    }
    builder
        .icon(Image::from_bytes(icon_png(status, panel))?)
        .tooltip(status.tooltip())
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                window::show_main(tray.app_handle());
            }
        })
        .build(app)?;
    start_menu_refresher(app);
    Ok(())
}

/// Asks the tray menu's own thread for a rebuild (see [`start_menu_refresher`]).
struct MenuRefresher(std::sync::mpsc::Sender<()>);

/// Starts the thread that rebuilds the menu. Rebuilds are asked from the status watcher, the
/// config watch, the sign-in watch and the kept servers' tasks, and each takes several round trips
/// to the main thread. On one thread they never overlap (so one that read older state cannot
/// land after a newer one and stay shown), asks that pile up during a rebuild make one more, and
/// no caller waits: not an async worker, and not the main thread itself.
fn start_menu_refresher<R: Runtime>(app: &AppHandle<R>) {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let handle = app.clone();
    let spawned = std::thread::Builder::new()
        .name("tray-menu".into())
        .spawn(move || {
            while rx.recv().is_ok() {
                while rx.try_recv().is_ok() {}
                rebuild_servers(&handle);
            }
        });
    match spawned {
        Ok(_) => {
            app.manage(MenuRefresher(tx));
        }
        Err(err) => eprintln!("mcp-tray-app: the tray menu will be rebuilt in place: {err}"),
    }
}

/// The servers of the config in use, as the menu lists them.
struct ConfigServers {
    /// Each server's name and whether it is enabled (in Claude's file, not kept aside).
    servers: Vec<(String, bool)>,
    /// The file cannot be read (it does not parse): its servers are unknown, and Claude starts none.
    unreadable: bool,
}

fn config_servers() -> ConfigServers {
    let file = ConfigFile::new(&clients::claude_config(None).path, paths::data_dir());
    let read = file.read();
    let unreadable = read.is_err();
    let enabled: Vec<(String, bool)> = read
        .map(|doc| doc.servers.iter().map(|s| (s.name.clone(), true)).collect())
        .unwrap_or_default();
    // In the window's order: a disabled server keeps its place.
    let servers = mcp_tray_core::config::store::in_place(
        enabled,
        &file.disabled().unwrap_or_default(),
        |d| (d.name.clone(), false),
    );
    ConfigServers {
        servers,
        unreadable,
    }
}

/// The menu: sign-ins waiting and a config file that cannot be read first, then one submenu per
/// server, then the app's own items. On Linux the menu is the only way
/// in, so everything the window offers first is reachable from here.
fn build_menu<R: Runtime>(app: &AppHandle<R>, config: &ConfigServers) -> tauri::Result<Menu<R>> {
    let servers = &config.servers;
    let menu = Menu::new(app)?;
    let marks = app
        .try_state::<ServerMarks>()
        .map(|m| m.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
        .unwrap_or_default();
    let kept = crate::kept_servers::kept_names(app);
    let sign_ins = crate::sign_in::pending();
    for request in &sign_ins {
        menu.append(&MenuItem::with_id(
            app,
            format!("{ACTION_SIGN_IN}:{}", request.server_url),
            format!("Sign in to {}", request.name),
            true,
            None::<&str>,
        )?)?;
    }
    if config.unreadable {
        menu.append(&MenuItem::with_id(
            app,
            MENU_BROKEN_CONFIG,
            "Claude's config file has an error…",
            true,
            None::<&str>,
        )?)?;
    }
    if !sign_ins.is_empty() || config.unreadable {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    for (name, enabled) in servers {
        let label = match (enabled, marks.get(name)) {
            (false, _) => format!("{name} (disabled)"),
            (true, None) => name.clone(),
            (true, Some(status)) => format!("{name} — {}", mark(*status)),
        };
        let traffic = MenuItem::with_id(
            app,
            format!("{ACTION_TRAFFIC}:{name}"),
            "Open traffic",
            true,
            None::<&str>,
        )?;
        let logs = MenuItem::with_id(
            app,
            format!("{ACTION_LOGS}:{name}"),
            "Open logs",
            true,
            None::<&str>,
        )?;
        let toggle = MenuItem::with_id(
            app,
            format!("{ACTION_TOGGLE}:{name}"),
            if *enabled { "Disable" } else { "Enable" },
            true,
            None::<&str>,
        )?;
        let submenu = Submenu::with_items(app, label, true, &[&traffic, &logs, &toggle])?;
        // Only a server the app runs itself can be restarted from here.
        if kept.contains(name) {
            submenu.append(&MenuItem::with_id(
                app,
                format!("{ACTION_RESTART_SERVER}:{name}"),
                "Restart",
                true,
                None::<&str>,
            )?)?;
        }
        menu.append(&submenu)?;
    }
    if !servers.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    menu.append(&MenuItem::with_id(
        app,
        MENU_ADD,
        "Add remote server…",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        MENU_OPEN,
        "Open MCP Tray",
        true,
        None::<&str>,
    )?)?;
    // Offered only where it works, as in the window: no greyed-out line where there is no
    // Claude Desktop to restart (Linux).
    if claude_restart::restart_supported() {
        menu.append(&MenuItem::with_id(
            app,
            MENU_RESTART,
            "Restart Claude Desktop",
            true,
            None::<&str>,
        )?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        MENU_QUIT,
        "Quit",
        true,
        None::<&str>,
    )?)?;
    Ok(menu)
}

/// The words after a server's name in the menu (menus have no colours).
fn mark(status: ServerHealth) -> &'static str {
    match status {
        ServerHealth::Stopped => "stopped",
        ServerHealth::Connected => "connected",
        ServerHealth::Degraded => "needs attention",
        ServerHealth::Failing => "failing",
    }
}

/// Takes each server's status; rebuilds the menu when one changed.
pub(crate) fn set_server_marks<R: Runtime>(
    app: &AppHandle<R>,
    statuses: BTreeMap<String, ServerHealth>,
) {
    let Some(marks) = app.try_state::<ServerMarks>() else {
        return;
    };
    {
        let mut shown = marks.0.lock().unwrap_or_else(|p| p.into_inner());
        if *shown == statuses {
            return;
        }
        *shown = statuses;
    }
    refresh_servers(app);
}

/// Rebuilds the server lines of the menu (the config file or the kept servers changed), on the
/// menu's own thread once it runs.
pub(crate) fn refresh_servers<R: Runtime>(app: &AppHandle<R>) {
    if let Some(refresher) = app.try_state::<MenuRefresher>() {
        let _ = refresher.0.send(());
        return;
    }
    rebuild_servers(app);
}

fn rebuild_servers<R: Runtime>(app: &AppHandle<R>) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    if let Err(err) = build_menu(app, &config_servers()).and_then(|menu| tray.set_menu(Some(menu)))
    {
        eprintln!("mcp-tray-app: could not update the tray menu: {err}");
    }
}

fn navigate<R: Runtime>(app: &AppHandle<R>, view: &str, server: Option<&str>) {
    window::show_main(app);
    let event = TrayNavigate {
        view: view.to_owned(),
        server: server.map(str::to_owned),
    };
    if let Err(err) = tauri_specta::Event::emit(&event, app) {
        eprintln!("mcp-tray-app: could not tell the window to open {view}: {err}");
    }
}

/// Says in the window why a menu action failed.
pub(crate) fn failed<R: Runtime>(app: &AppHandle<R>, message: String) {
    eprintln!("mcp-tray-app: {message}");
    window::show_main(app);
    if let Err(err) = tauri_specta::Event::emit(&TrayActionFailed { message }, app) {
        eprintln!("mcp-tray-app: could not tell the window a tray action failed: {err}");
    }
}

pub(crate) fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match id {
        MENU_OPEN => window::show_main(app),
        MENU_QUIT => app.exit(0),
        MENU_ADD => navigate(app, "add", None),
        MENU_BROKEN_CONFIG => navigate(app, "servers", None),
        MENU_RESTART => {
            let app = app.clone();
            std::thread::spawn(move || {
                if let Err(err) = claude_restart::restart_claude() {
                    failed(&app, format!("Claude Desktop was not restarted: {err}"));
                }
            });
        }
        other => {
            let Some((action, name)) = other.split_once(':') else {
                return;
            };
            match action {
                ACTION_TRAFFIC => navigate(app, "traffic", Some(name)),
                ACTION_LOGS => navigate(app, "logs", Some(name)),
                ACTION_SIGN_IN => crate::sign_in::start_from_tray(app, name),
                ACTION_RESTART_SERVER => crate::kept_servers::restart_from_tray(app, name),
                ACTION_TOGGLE => {
                    let file =
                        ConfigFile::new(&clients::claude_config(None).path, paths::data_dir());
                    let enabled = file.read().is_ok_and(|doc| doc.server(name).is_some());
                    let done = if enabled {
                        file.disable(name)
                    } else {
                        file.enable(name)
                    };
                    // The config watch refreshes the window and this menu.
                    if let Err(err) = done {
                        let verb = if enabled { "disabled" } else { "enabled" };
                        let why = crate::error::CommandError::from(err).message;
                        failed(app, format!("{name} was not {verb}: {why}"));
                    }
                }
                _ => {}
            }
        }
    }
}

impl From<crate::traffic::Health> for TrayStatus {
    fn from(health: crate::traffic::Health) -> Self {
        match health {
            // Nothing wrong: a stopped server leaves the tray as calm as a connected one.
            crate::traffic::Health::Stopped | crate::traffic::Health::Ok => TrayStatus::Ok,
            crate::traffic::Health::Degraded => TrayStatus::Degraded,
            crate::traffic::Health::Failing => TrayStatus::Failing,
        }
    }
}

/// Shows `status` in the tray.
pub(crate) fn set_status<R: Runtime>(app: &AppHandle<R>, status: TrayStatus) {
    update(app, |state| state.0 = status);
}

/// Re-tints the icon when the OS switches between light and dark.
pub(crate) fn on_theme_changed<R: Runtime>(app: &AppHandle<R>, theme: Theme) {
    update(app, |state| state.1 = Panel::from_theme(theme));
}

fn update<R: Runtime>(app: &AppHandle<R>, change: impl FnOnce(&mut (TrayStatus, Panel))) {
    let Some(state) = app.try_state::<TrayState>() else {
        return;
    };
    let (status, panel) = {
        let mut guard = state
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        change(&mut guard);
        *guard
    };
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let result = Image::from_bytes(icon_png(status, panel))
        .and_then(|icon| tray.set_icon(Some(icon)))
        .and_then(|()| tray.set_tooltip(Some(status.tooltip())));
    if let Err(err) = result {
        eprintln!("mcp-tray-app: could not update the tray icon: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_decodable_square_icon_for_both_panels() {
        for status in [TrayStatus::Ok, TrayStatus::Degraded, TrayStatus::Failing] {
            for panel in [Panel::Light, Panel::Dark] {
                let image = Image::from_bytes(icon_png(status, panel))
                    .unwrap_or_else(|err| panic!("{status:?}/{panel:?}: {err}"));
                assert_eq!(image.width(), image.height(), "{status:?}/{panel:?}");
                assert!(image.width() >= 32, "{status:?}/{panel:?} too small");
            }
        }
    }

    /// The labels of the menu's top-level items, in order.
    fn labels(menu: &Menu<tauri::test::MockRuntime>) -> Vec<String> {
        menu.items()
            .expect("items")
            .iter()
            .map(|item| match item {
                tauri::menu::MenuItemKind::MenuItem(i) => i.text().expect("text"),
                tauri::menu::MenuItemKind::Submenu(s) => s.text().expect("text"),
                _ => "---".to_owned(),
            })
            .collect()
    }

    #[test]
    fn a_config_that_cannot_be_read_is_said_first_in_the_menu() {
        let home = tempfile::tempdir().expect("temp dir");
        // SAFETY: each test runs in its own process (nextest); nothing else reads it meanwhile.
        unsafe { std::env::set_var("MCP_TRAY_HOME", home.path()) };
        let app = tauri::test::mock_app();
        let broken = ConfigServers {
            servers: vec![("kept-aside".to_owned(), false)],
            unreadable: true,
        };
        let menu = build_menu(app.handle(), &broken).expect("menu");
        let shown = labels(&menu);
        assert_eq!(
            shown[..3],
            [
                "Claude's config file has an error…",
                "---",
                "kept-aside (disabled)"
            ],
            "{shown:?}"
        );
        let fine = ConfigServers {
            servers: vec![("alpha".to_owned(), true)],
            unreadable: false,
        };
        let shown = labels(&build_menu(app.handle(), &fine).expect("menu"));
        assert_eq!(shown[0], "alpha", "{shown:?}");
        assert!(!shown.iter().any(|l| l.contains("error")), "{shown:?}");
        assert_eq!(
            TrayStatus::BrokenConfig.tooltip(),
            "MCP Tray: Claude's config file has an error"
        );
    }

    #[test]
    fn the_tooltip_says_there_is_nothing_to_watch_rather_than_all_ok() {
        assert_eq!(TrayStatus::NoServers.tooltip(), "MCP Tray: no servers yet");
        assert_eq!(
            TrayStatus::AllDisabled.tooltip(),
            "MCP Tray: every server is disabled"
        );
        assert_eq!(TrayStatus::Ok.tooltip(), "MCP Tray: all servers OK");
        // Nothing to watch is not a problem: the calm icon.
        for panel in [Panel::Light, Panel::Dark] {
            assert_eq!(
                icon_png(TrayStatus::NoServers, panel),
                icon_png(TrayStatus::Ok, panel)
            );
        }
    }

    #[test]
    fn every_line_of_the_menu_works_and_restart_claude_is_there_only_where_it_can() {
        let home = tempfile::tempdir().expect("temp dir");
        // SAFETY: each test runs in its own process (nextest); nothing else reads it meanwhile.
        unsafe { std::env::set_var("MCP_TRAY_HOME", home.path()) };
        let app = tauri::test::mock_app();
        let config = ConfigServers {
            servers: vec![("alpha".to_owned(), true)],
            unreadable: false,
        };
        let menu = build_menu(app.handle(), &config).expect("menu");
        for item in menu.items().expect("items") {
            if let tauri::menu::MenuItemKind::MenuItem(i) = item {
                let text = i.text().expect("text");
                assert!(i.is_enabled().expect("enabled"), "{text:?} is greyed out");
            }
        }
        let shown = labels(&menu);
        assert_eq!(
            shown.iter().any(|l| l == "Restart Claude Desktop"),
            claude_restart::restart_supported(),
            "{shown:?}"
        );
        assert!(
            !shown.iter().any(|l| l.contains("for this OS")),
            "{shown:?}"
        );
    }

    #[test]
    fn light_and_dark_icons_differ_so_the_glyph_stays_visible() {
        for status in [TrayStatus::Ok, TrayStatus::Degraded, TrayStatus::Failing] {
            assert_ne!(
                icon_png(status, Panel::Light),
                icon_png(status, Panel::Dark)
            );
        }
    }
}
