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
use tauri::{WebviewWindow, WebviewWindowBuilder};

/// The app's command list on the mock runtime, a window to call from, and the scratch folder.
struct Harness {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    config: PathBuf,
    _dir: tempfile::TempDir,
}

const CONFIG: &str = "{\r\n\t\"mcpServers\": {\r\n\t\t\"fetch\": {\"command\": \"uvx\", \"args\": [\"mcp-server-fetch\"]},\r\n\t\t\"docs\": {\"command\": \"npx\", \"args\": [\"-y\", \"mcp-remote\", \"https://example.com/mcp\"]}\r\n\t},\r\n\t\"preferences\": {\"theme\": \"dark\"}\r\n}";

fn harness(config_text: &str) -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("Claude").join("claude_desktop_config.json");
    std::fs::create_dir_all(config.parent().expect("parent")).expect("mkdir");
    std::fs::write(&config, config_text).expect("write config");
    // SAFETY: each test runs in its own process (nextest); nothing else reads these meanwhile.
    unsafe {
        std::env::set_var("MCP_TRAY_CLAUDE_CONFIG", &config);
        std::env::set_var("MCP_TRAY_HOME", dir.path().join("home"));
    }
    let ipc = crate::ipc::builder::<MockRuntime>();
    let app = mock_builder()
        .invoke_handler(ipc.invoke_handler())
        // The app's own context: its capabilities decide which commands the window may call.
        .build(tauri::tauri_build_context!())
        .expect("the app builds on the mock runtime");
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
        get_ipc_response(
            &self.window,
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

    fn file(&self) -> String {
        read(&self.config)
    }
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
