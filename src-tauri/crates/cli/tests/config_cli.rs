//! The config commands' own output: tables aligned in terminal columns, and what undo says.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-tray");

fn run(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .arg("--config")
        .arg(dir.join("claude_desktop_config.json"))
        .args(args)
        .env("MCP_TRAY_HOME", dir.join("home"))
        .output()
        .expect("run mcp-tray");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn list_keeps_its_columns_aligned_with_wide_server_names() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["add", "日本語", "--", "echo", "a"]);
    run(
        dir.path(),
        &["add", "fetch", "--", "uvx", "mcp-server-fetch"],
    );
    let out = run(dir.path(), &["list"]);
    let text = String::from_utf8(out.stdout).unwrap();
    // The KIND column starts at the same terminal column on every line (a CJK character takes
    // two columns; these names hold no other wide or zero-width characters).
    let columns: Vec<usize> = text
        .lines()
        .map(|line| {
            let at = line.find("KIND").or_else(|| line.find("local")).unwrap();
            line[..at]
                .chars()
                .map(|c| if c.is_ascii() { 1 } else { 2 })
                .sum()
        })
        .collect();
    assert_eq!(columns.len(), 3, "{text}");
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{text}");
}

#[test]
fn list_and_doctor_write_out_control_characters_in_names_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        r#"{"mcpServers": {"evil\u001b[31mRED": {"command": "mcp-tray-test-missing-command"}, "nl\nname": {"command": "/bin/true"}}}"#,
    )
    .unwrap();
    let list = String::from_utf8(run(dir.path(), &["list"]).stdout).unwrap();
    assert!(!list.contains('\u{1b}'), "{list:?}");
    assert!(list.contains("evil\\u{1b}[31mRED"), "{list}");
    // One line per server: the newline in a name does not break the table.
    assert!(list.lines().any(|l| l.starts_with("nl\\nname ")), "{list}");
    let out = Command::new(BIN)
        .arg("--config")
        .arg(dir.path().join("claude_desktop_config.json"))
        .args(["doctor", "--no-probe"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("evil\\u{1b}[31mRED: "), "{said}");
    assert!(!said.contains('\u{1b}'), "{said:?}");
}

#[test]
fn list_masks_credentials_on_command_lines_as_it_masks_env_values() {
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        &[
            "add",
            "db",
            "--",
            "pg-mcp",
            "--password",
            "pw-41",
            "postgresql://me:pw-42@db/app",
        ],
    );
    run(
        dir.path(),
        &[
            "add",
            "docs",
            "--url",
            "https://docs.example.com/mcp?token=pw-43",
        ],
    );
    for args in [&["list"][..], &["list", "--json"][..]] {
        let out = String::from_utf8(run(dir.path(), args).stdout).unwrap();
        assert!(
            !out.contains("pw-41") && !out.contains("pw-42") && !out.contains("pw-43"),
            "{args:?}: {out}"
        );
        assert!(out.contains("••••••"), "{args:?}: {out}");
    }
}

#[test]
fn undoing_the_edit_that_created_the_file_says_it_removed_it() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["add", "a", "--", "echo", "a"]);
    let out = run(dir.path(), &["undo"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("removed") && said.contains("that edit created it"),
        "{said}"
    );
    assert!(!dir.path().join("claude_desktop_config.json").exists());
}

#[test]
fn undo_refused_over_a_later_change_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["add", "a", "--", "echo", "a"]);
    let config = dir.path().join("claude_desktop_config.json");
    let edited = std::fs::read_to_string(&config)
        .unwrap()
        .replace("echo", "printf");
    std::fs::write(&config, &edited).unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("undo")
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .expect("run mcp-tray");
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        edited,
        "the later change stays"
    );
    // In history's time format, and with a command that can be pasted.
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(" UTC)"), "{said}");
    assert!(!said.contains('T') || !said.contains("Z)"), "{said}");
    assert!(
        said.contains(&format!(
            "`mcp-tray --config {} undo --force`",
            config.display()
        )),
        "{said}"
    );
    // Forced, it says where the change it throws away is kept, and that copy holds it.
    let out = run(dir.path(), &["undo", "--force"]);
    let said = String::from_utf8_lossy(&out.stderr);
    let kept = said
        .lines()
        .find_map(|l| l.strip_prefix("the file as it was before this undo is kept in "))
        .unwrap_or_else(|| panic!("{said}"));
    assert_eq!(std::fs::read_to_string(kept).unwrap(), edited);
}

#[test]
fn history_json_names_a_disabled_or_tapped_server_without_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    run(
        dir.path(),
        &[
            "add",
            "gh",
            "--env",
            &format!("GITHUB_TOKEN={token}"),
            "--",
            "/bin/true",
        ],
    );
    run(dir.path(), &["disable", "gh"]);
    let out = run(dir.path(), &["history", "--json"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains(token), "{text}");
    let history: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(history[0]["op"], "disable gh");
    assert_eq!(history[0]["store_change"]["action"], "disabled");
    assert_eq!(history[0]["store_change"]["server"], "gh");
    // Undo still has the whole entry: it comes back with its token.
    run(dir.path(), &["undo"]);
    let file = std::fs::read_to_string(dir.path().join("claude_desktop_config.json")).unwrap();
    assert!(file.contains(token), "{file}");
}

#[test]
fn tap_untap_and_rename_of_a_disabled_server_say_it_is_disabled() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["add", "fs", "--", "/bin/true"]);
    run(dir.path(), &["disable", "fs"]);
    for args in [
        &["tap", "fs"][..],
        &["untap", "fs"][..],
        &["rename", "fs", "fs2"][..],
    ] {
        let out = run_any(dir.path(), args, "");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "mcp-tray: \"fs\" is disabled, so Claude Desktop does not start it; `mcp-tray --config {} enable fs` first\n",
                config_path(dir.path())
            ),
            "{args:?}"
        );
    }
    // A name nobody wrote is still said not to exist.
    let out = run_any(dir.path(), &["tap", "nope"], "");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("no server named \"nope\""), "{said}");
}

#[test]
fn names_with_outer_spaces_env_given_twice_and_a_rename_to_the_same_name_are_said() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["add", "t7", "--", "/bin/true"]);
    let out = run_any(dir.path(), &["add", "t7 ", "--", "/bin/true"], "");
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("starts or ends with a space"), "{said}");
    let out = run_any(
        dir.path(),
        &[
            "add",
            "c",
            "--env",
            "A=b=c",
            "--env",
            "A=dup",
            "--",
            "/bin/true",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("--env gives A twice"), "{said}");
    let before = String::from_utf8(run(dir.path(), &["history"]).stdout).unwrap();
    let out = run(dir.path(), &["rename", "t7", "t7"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "t7 already has that name: nothing written\n"
    );
    let after = String::from_utf8(run(dir.path(), &["history"]).stdout).unwrap();
    assert_eq!(
        before, after,
        "a rename that changes nothing went into the history"
    );
}

#[test]
fn removing_a_disabled_server_says_how_to_undo_it_and_undo_brings_it_back_disabled() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["add", "a", "--", "echo", "a"]);
    run(dir.path(), &["disable", "a"]);
    let out = run(dir.path(), &["remove", "a"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "removed disabled server a. Undo with `mcp-tray --config {} undo`.\n",
            config_path(dir.path())
        )
    );
    let listed = |dir: &Path| String::from_utf8(run(dir, &["list"]).stdout).unwrap();
    assert!(!listed(dir.path()).contains("disabled"));
    run(dir.path(), &["undo"]);
    let after = listed(dir.path());
    assert!(
        after
            .lines()
            .any(|l| l.starts_with("a ") && l.contains("disabled")),
        "{after}"
    );
}

#[test]
fn add_with_capture_writes_the_tapped_entry_and_untap_gives_the_plain_one() {
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        &[
            "add",
            "fetch",
            "--capture",
            "--env",
            "LOG=1",
            "--",
            "uvx",
            "mcp-server-fetch",
        ],
    );
    let config = dir.path().join("claude_desktop_config.json");
    let entry = |name: &str| -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&config).unwrap())
            .unwrap()["mcpServers"][name]
            .clone()
    };
    let tapped = entry("fetch");
    assert_eq!(
        tapped["args"],
        serde_json::json!(["wrap", "--name", "fetch", "--", "uvx", "mcp-server-fetch"]),
        "{tapped}"
    );
    assert_eq!(
        Path::new(tapped["command"].as_str().unwrap()),
        Path::new(BIN),
        "{tapped}"
    );
    assert_eq!(tapped["env"], serde_json::json!({"LOG": "1"}));
    run(dir.path(), &["untap", "fetch"]);
    assert_eq!(
        entry("fetch"),
        serde_json::json!({"command": "uvx", "args": ["mcp-server-fetch"], "env": {"LOG": "1"}})
    );
    // A remote server has nothing to capture: the flag is refused before anything is written.
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["add", "r", "--url", "https://example.com/mcp", "--capture"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(entry("r").is_null());
    // Nor an `npx mcp-remote URL` command: the way to add it is named.
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args([
            "add",
            "m",
            "--capture",
            "--",
            "npx",
            "-y",
            "mcp-remote",
            "https://example.com/mcp",
        ])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("add it with --url https://example.com/mcp"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(entry("m").is_null());
}

/// `mcp-tray ARGS` on the config in `dir`, whatever its exit code; `stdin` fed to it.
fn run_any(dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(dir.join("claude_desktop_config.json"))
        .args(args)
        .env("MCP_TRAY_HOME", dir.join("home"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run mcp-tray");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait for mcp-tray")
}

/// Each `add` is refused as a user error (1) whose message holds `says`, and the file stays
/// byte for byte as it was.
fn assert_add_refused(cases: &[(&[&str], &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    let before = "{\"mcpServers\":{}}\n";
    std::fs::write(&config, before).unwrap();
    for (args, says) in cases {
        let out = run_any(dir.path(), args, "");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?} should say {says:?}: {err}");
        // A header's value (or a header without a colon, perhaps a token alone) is never
        // repeated: it may be a secret.
        if let Some(at) = args.iter().position(|a| *a == "--header") {
            let spec = args[at + 1];
            let value = spec.split_once(':').map_or(spec, |(_, v)| v.trim());
            assert!(
                value.len() < 3 || !err.contains(value),
                "{args:?} repeated the header's value: {err}"
            );
            // Nor a name that is none (a token with a colon in it).
            assert!(
                !err.contains("abc123"),
                "{args:?} repeated the header: {err}"
            );
        }
        assert_eq!(
            std::fs::read_to_string(&config).unwrap(),
            before,
            "{args:?} wrote"
        );
    }
}

#[test]
fn add_refuses_remote_only_options_for_a_local_server_naming_them() {
    assert_add_refused(&[
        (
            &["add", "l", "--header", "X: y", "--", "echo"],
            "--header is for a remote server (--url)",
        ),
        (
            &["add", "l", "--transport", "sse", "--", "echo"],
            "--transport is for a remote server (--url)",
        ),
        (
            &["add", "l", "--allow-http", "--", "echo"],
            "--allow-http is for a remote server (--url)",
        ),
        (
            &["add", "l", "--header", "X: y"],
            "--header is for a remote server (--url)",
        ),
        // The reverse, as before.
        (
            &["add", "r", "--url", "https://e.example/mcp", "--env", "A=1"],
            "--env is for local servers",
        ),
    ]);
}

#[test]
fn add_refuses_env_names_commands_and_headers_that_could_never_start() {
    let url = "https://e.example/mcp";
    assert_add_refused(&[
        (&["add", "e1", "--env", "=V", "--", "echo"], "--env \"=V\""),
        (
            &["add", "e2", "--env", "A B=x", "--", "echo"],
            "--env \"A B=x\"",
        ),
        (
            &["add", "e3", "--env", "A\u{1}=x", "--", "echo"],
            "--env \"A\\u{1}=x\"",
        ),
        (&["add", "c0", "--", ""], "empty"),
        (
            &["add", "h1", "--url", url, "--header", "Bad Name: v"],
            "is not a valid header name",
        ),
        (
            &["add", "h2", "--url", url, "--header", ": value"],
            "--header \"\": the header has no name",
        ),
        (
            &["add", "h3", "--url", url, "--header", "X: a\nb"],
            "--header \"X\": the value",
        ),
        (
            &["add", "h5", "--url", url, "--header", "sk-live-0123456789"],
            "a --header has no colon",
        ),
        (
            &[
                "add",
                "h6",
                "--url",
                url,
                "--header",
                "Bearer abc123:def456",
            ],
            "is not a valid header name",
        ),
        (
            &["add", "h4", "--url", url, "--header", "X: ${UNCLOSED"],
            "--header \"X\"",
        ),
    ]);
    // What can start is still written: a value with spaces or `=`, an empty one, and a header
    // naming a variable that is not set here (the bridge reads it where Claude starts it).
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        &[
            "add", "ok", "--env", "A=x y", "--env", "B=k=v", "--env", "C=", "--", "echo",
        ],
    );
    run(
        dir.path(),
        &[
            "add",
            "r",
            "--url",
            url,
            "--header",
            "Authorization: Bearer ${MCP_TRAY_TEST_SURELY_UNSET_VAR}",
        ],
    );
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("claude_desktop_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        written["mcpServers"]["ok"]["env"],
        serde_json::json!({"A": "x y", "B": "k=v", "C": ""})
    );
    assert!(
        written["mcpServers"]["r"]["args"]
            .to_string()
            .contains("${MCP_TRAY_TEST_SURELY_UNSET_VAR}"),
        "{written}"
    );
}

#[test]
fn importing_a_snippet_with_no_servers_says_so() {
    let dir = tempfile::tempdir().unwrap();
    for snippet in [
        "{}",
        "{\"mcpServers\": {}}",
        "{\"servers\": {}}",
        "{\"mcp\": {\"servers\": {}}}",
    ] {
        let out = run_any(dir.path(), &["import", "-"], snippet);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{snippet}: {err}");
        assert!(
            err.contains("the snippet holds no server entries"),
            "{snippet}: {err}"
        );
    }
    assert!(!dir.path().join("claude_desktop_config.json").exists());
}

/// A snippet of several servers, one of them unusable: the others are imported, the bad one is
/// named with why, and the exit says not everything was imported.
#[test]
fn importing_several_servers_one_of_them_bad_imports_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let snippet = r#"{"mcpServers": {
        "fetch": {"command": "/bin/true"},
        "chat": {"url": "wss://example.com/mcp"},
        "time": {"command": "/bin/true", "args": ["t"]}
    }}"#;
    let out = run_any(dir.path(), &["import", "-"], snippet);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("not imported: \"chat\"") && err.contains("WebSocket"),
        "{err}"
    );
    let listed = String::from_utf8_lossy(&run(dir.path(), &["list"]).stdout).into_owned();
    assert!(
        listed.contains("fetch") && listed.contains("time"),
        "{listed}"
    );
    assert!(!listed.contains("chat"), "{listed}");
}

#[test]
fn importing_one_unnamed_server_says_the_name_it_was_given() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_any(dir.path(), &["import", "-"], r#"{"command": "/bin/true"}"#);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("note: the snippet does not name its server: imported as \"true\""),
        "{said}"
    );
    // A named one is imported under its name, with no such note.
    let out = run_any(
        dir.path(),
        &["import", "-"],
        r#"{"mcpServers": {"named": {"command": "/bin/true"}}}"#,
    );
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("does not name"));
    // So is a `claude mcp add NAME` line's, its options before or after the name.
    for (line, name) in [
        ("claude mcp add my-fs -- /bin/true", "my-fs"),
        (
            "claude mcp add --transport http notion https://mcp.notion.com/mcp",
            "notion",
        ),
        (
            "claude mcp add -e API_KEY=x -s user weather -- /bin/true",
            "weather",
        ),
    ] {
        let out = run_any(dir.path(), &["import", "-"], line);
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{line}: {said}");
        assert!(!said.contains("does not name"), "{line}: {said}");
        let listed = run(dir.path(), &["list"]);
        assert!(
            String::from_utf8_lossy(&listed.stdout).contains(name),
            "{line}: {said}"
        );
    }
}

#[test]
fn show_and_list_mask_credentials_in_env_values_whatever_the_variable_is_called() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    let text = r#"{"mcpServers":{"db":{"command":"true","env":{
        "DATABASE_URL":"postgres://app:hunter2@db/x",
        "MYVAR":"sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
        "GH":"ghp_0123456789abcdefghijABCDEFGHIJ012345",
        "SESSION":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmEifQ.c2lnbmF0dXJlLWJ5dGVz",
        "TOKEN":"abc",
        "LOG_LEVEL":"debug",
        "HOME_URL":"https://example.com/docs"}}}}"#;
    std::fs::write(&config, text).unwrap();
    run(dir.path(), &["disable", "db"]);
    run(dir.path(), &["enable", "db"]);
    let secrets = [
        "hunter2",
        "abcdefghijklmnopqrstuvwxyz",
        "0123456789abcdefghij",
        "c2lnbmF0dXJlLWJ5dGVz",
    ];
    for args in [
        &["show", "db"][..],
        &["show", "db", "--json"][..],
        &["list", "--json"][..],
    ] {
        let out = String::from_utf8(run(dir.path(), args).stdout).unwrap();
        for secret in secrets {
            assert!(!out.contains(secret), "{args:?} shows {secret}: {out}");
        }
        assert!(
            out.contains("postgres://app:••••••@db/x"),
            "{args:?}: {out}"
        );
        assert!(
            out.contains("debug") && out.contains("https://example.com/docs"),
            "{args:?}: {out}"
        );
    }
    // A disabled server's env is shown the same way.
    run(dir.path(), &["disable", "db"]);
    let out = String::from_utf8(run(dir.path(), &["show", "db"]).stdout).unwrap();
    assert!(
        !out.contains("hunter2") && !out.contains("abcdefghijklmnopqrstuvwxyz"),
        "{out}"
    );
    run(dir.path(), &["enable", "db"]);
    // The file keeps the real values, and `--raw` shows them.
    let file = std::fs::read_to_string(&config).unwrap();
    let raw = String::from_utf8(run(dir.path(), &["show", "db", "--raw"]).stdout).unwrap();
    for secret in secrets {
        assert!(file.contains(secret), "{file}");
        assert!(raw.contains(secret), "{raw}");
    }
}

#[test]
fn add_with_an_empty_url_says_the_url_is_empty() {
    assert_add_refused(&[
        (&["add", "x", "--url", ""], "an empty URL"),
        (&["add", "x", "--url", "  "], "an empty URL"),
    ]);
}

#[test]
fn add_then_remove_keeps_a_one_line_file_byte_for_byte() {
    for before in [
        "{\"mcpServers\":{\"a\":{\"command\":\"x\"}}}",
        "{ \"mcpServers\": { \"a\": { \"command\": \"x\" } } }\n",
        "{\"globalShortcut\":\"\"}",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("claude_desktop_config.json");
        std::fs::write(&config, before).unwrap();
        run(dir.path(), &["add", "new", "--", "echo", "hi"]);
        let added = std::fs::read_to_string(&config).unwrap();
        assert_eq!(
            added.trim_end().lines().count(),
            1,
            "the entry follows the file's style: {added}"
        );
        run(dir.path(), &["remove", "new"]);
        assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
    }
}

#[test]
fn disabling_the_last_server_keeps_the_mcp_servers_the_user_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    // MCP Tray creates the file, then the user writes their own.
    run(dir.path(), &["add", "a", "--", "echo", "a"]);
    let theirs =
        "{\n  \"mcpServers\": {\n    \"mine\": {\"command\": \"m\"}\n  },\n  \"other\": 1\n}\n";
    std::fs::write(&config, theirs).unwrap();
    run(dir.path(), &["disable", "mine"]);
    let disabled = std::fs::read_to_string(&config).unwrap();
    assert!(disabled.contains("\"mcpServers\""), "{disabled}");
    run(dir.path(), &["enable", "mine"]);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), theirs);
}

#[test]
fn undo_after_the_config_was_deleted_says_so_and_force_writes_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    let before = "{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}\n";
    std::fs::write(&config, before).unwrap();
    run(dir.path(), &["add", "b", "--", "echo", "b"]);
    std::fs::remove_file(&config).unwrap();
    let out = run_any(dir.path(), &["undo"], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("deleted or moved away") && err.contains("undo --force"),
        "{err}"
    );
    assert!(!config.exists(), "nothing was written");
    run(dir.path(), &["undo", "--force"]);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
}

#[test]
fn list_and_doctor_name_wrongly_typed_fields_and_keep_the_entries() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    let text = r#"{"mcpServers": {
  "str": {"command": "x", "args": "a b"},
  "nums": {"command": "x", "args": [1, true]},
  "envlist": {"command": "x", "env": ["A=1"]},
  "envnum": {"command": "x", "env": {"A": 1}},
  "cmdnum": {"command": 5}
}}
"#;
    std::fs::write(&config, text).unwrap();
    let listed = String::from_utf8(run(dir.path(), &["list"]).stdout).unwrap();
    for (name, says) in [
        ("str", "\"args\" is a string"),
        ("nums", "\"args\" must hold only strings"),
        ("envlist", "\"env\" is an array"),
        ("envnum", "the value of \"A\" in \"env\" is a number"),
        ("cmdnum", "\"command\" is a number"),
    ] {
        let line = listed
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} not listed: {listed}"));
        assert!(
            line.contains("invalid") && line.contains(says),
            "{name}: {line}"
        );
    }
    let out = run_any(dir.path(), &["doctor", "--json", "--no-probe"], "");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for name in ["str", "nums", "envlist", "envnum", "cmdnum"] {
        assert!(
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["server"] == name
                    && f["code"] == "invalid-entry"
                    && f["detail"]
                        .as_str()
                        .is_some_and(|d| d.contains("Could not load app settings"))),
            "{name}: Claude loads no server at all, and the finding says so: {report}"
        );
    }
    // Adding another server leaves them as they were.
    run(dir.path(), &["add", "ok", "--", "echo"]);
    run(dir.path(), &["remove", "ok"]);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
}

#[test]
fn add_of_a_relative_command_warns_that_claude_starts_it_elsewhere_and_gives_the_absolute_path() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("srv.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .arg("--config")
        .arg(dir.path().join("claude_desktop_config.json"))
        .args(["add", "rel", "--", "./srv.sh"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("relative path ./srv.sh"), "{said}");
    // The fix is the path that works, not an example of one.
    assert!(
        said.contains(&format!(
            "fix: use the absolute path: {}\n",
            script.display()
        )),
        "{said}"
    );
    assert!(!said.contains("e.g."), "{said}");
    // An absolute command is not warned about.
    let out = run(
        dir.path(),
        &["add", "abs", "--", &script.display().to_string()],
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("relative path"));
}

#[test]
fn add_refuses_names_with_control_characters_and_names_taken_in_another_case() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    let before = "{\"mcpServers\":{\"files\":{\"command\":\"x\"}}}\n";
    std::fs::write(&config, before).unwrap();
    for (name, says) in [
        ("a\nb", "control character"),
        ("tab\there", "control character"),
        ("\u{1b}[31mred", "control character"),
        ("Files", "only in case"),
    ] {
        let out = run_any(dir.path(), &["add", name, "--", "echo"], "");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name:?}: {err}");
        assert!(err.contains(says), "{name:?} should say {says:?}: {err}");
        assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
    }
}

#[test]
fn undo_of_the_add_that_created_the_config_after_it_was_deleted_says_it_stays_removed() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    run(dir.path(), &["add", "a", "--", "echo", "a"]);
    let out = run(dir.path(), &["add", "b", "--", "echo", "b"]);
    assert!(out.status.success());
    run(dir.path(), &["undo"]);
    std::fs::remove_file(&config).unwrap();
    let out = run(dir.path(), &["undo"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stays removed (that edit created it)"),
        "{err}"
    );
    assert!(!config.exists());
}

#[test]
fn history_lists_a_damaged_record_where_it_stands_and_undo_stops_at_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    run(dir.path(), &["add", "a", "--", "echo", "a"]);
    run(dir.path(), &["add", "b", "--", "echo", "b"]);
    let after_b = std::fs::read_to_string(&config).unwrap();
    let metas: Vec<std::path::PathBuf> = walk(&dir.path().join("home"))
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with("000002.meta.json"))
        .collect();
    assert_eq!(metas.len(), 1, "{metas:?}");
    std::fs::write(&metas[0], "garbage{").unwrap();

    let out = run(dir.path(), &["history"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = listed.lines().collect();
    assert!(
        lines[1].starts_with("2 ") && lines[1].ends_with("(its record is damaged)"),
        "{listed}"
    );
    assert!(
        lines[2].starts_with("1 ") && lines[2].ends_with("add a"),
        "{listed}"
    );

    let out = run_any(dir.path(), &["undo"], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("(history ID 2) is damaged"), "{err}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), after_b);
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// `--config PATH` of `dir` as a string, for the messages that name it.
fn config_path(dir: &Path) -> String {
    dir.join("claude_desktop_config.json").display().to_string()
}

#[test]
fn reading_commands_read_a_config_with_a_byte_order_mark_and_warn_that_claude_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    let text = "\u{feff}{\"mcpServers\": {\"a\": {\"command\": \"echo\", \"args\": [\"hi\"]}}}\n";
    std::fs::write(&config, text).unwrap();
    let warning = format!(
        "warning: {} starts with a UTF-8 byte-order mark (BOM), which Claude Desktop cannot read: \
         it starts no server from this file. `mcp-tray doctor --fix` removes the mark (or edit it with --keep-bom)\n",
        config_path(dir.path())
    );
    let listed = run_any(dir.path(), &["list"], "");
    assert_eq!(listed.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&listed.stderr), warning);
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout),
        "NAME  KIND   STATE    RUNS\na     local  enabled  echo hi\n"
    );
    let json = run_any(dir.path(), &["list", "--json"], "");
    assert_eq!(json.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&json.stderr), warning);
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(parsed["servers"][0]["name"], "a");
    let shown = run_any(dir.path(), &["show", "a"], "");
    assert_eq!(shown.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&shown.stderr), warning);
    assert!(String::from_utf8_lossy(&shown.stdout).starts_with("name     a\n"));

    // Edits are still refused without --keep-bom (a file problem), given after the command or
    // before it, and keep the mark with it.
    let refused = run_any(dir.path(), &["add", "b", "--", "echo"], "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("pass --keep-bom to edit it anyway"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    run(dir.path(), &["add", "b", "--keep-bom", "--", "echo"]);
    run(dir.path(), &["--keep-bom", "remove", "b"]);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
}

#[test]
fn doctor_fix_removes_a_byte_order_mark_alone_and_undo_puts_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    let plain = "{\"mcpServers\": {\"a\": {\"command\": \"echo\", \"args\": [\"hi\"]}}}\n";
    let text = format!("\u{feff}{plain}");
    std::fs::write(&config, &text).unwrap();
    let found = run_any(dir.path(), &["doctor", "--no-probe"], "");
    let said = String::from_utf8_lossy(&found.stdout);
    assert_eq!(found.status.code(), Some(4), "{said}");
    assert!(
        said.contains("byte-order mark") && said.contains("(fixable)"),
        "{said}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);

    let fixed = run_any(dir.path(), &["doctor", "--no-probe", "--fix"], "");
    let (out, err) = (
        String::from_utf8_lossy(&fixed.stdout),
        String::from_utf8_lossy(&fixed.stderr),
    );
    assert_eq!(fixed.status.code(), Some(0), "{out}\n{err}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), plain);
    assert!(err.contains("remove the byte-order mark: wrote"), "{err}");
    // The file was examined once readable: its server was checked.
    assert!(!out.contains("byte-order mark"), "{out}");
    run(dir.path(), &["undo"]);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    // --keep-bom says to keep it: nothing removed.
    let kept = run_any(
        dir.path(),
        &["doctor", "--no-probe", "--fix", "--keep-bom"],
        "",
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text, "{kept:?}");
}

#[test]
fn a_utf16_config_is_said_so_and_doctor_fix_converts_it_which_undo_takes_back() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    let plain =
        "{\r\n  \"mcpServers\": {\"a\": {\"command\": \"echo\", \"args\": [\"hi\"]}}\r\n}\r\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(plain.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&config, &utf16).unwrap();
    let listed = run_any(dir.path(), &["list"], "");
    let err = String::from_utf8_lossy(&listed.stderr);
    assert_eq!(listed.status.code(), Some(2), "{err}");
    assert!(err.contains("is saved as UTF-16"), "{err}");
    assert!(err.contains("doctor --fix` converts it to UTF-8"), "{err}");

    let found = run_any(dir.path(), &["doctor", "--no-probe"], "");
    let said = String::from_utf8_lossy(&found.stdout);
    assert_eq!(found.status.code(), Some(4), "{said}");
    assert!(
        said.contains("UTF-16") && said.contains("(fixable)"),
        "{said}"
    );
    assert_eq!(std::fs::read(&config).unwrap(), utf16);

    let fixed = run_any(dir.path(), &["doctor", "--no-probe", "--fix"], "");
    let (out, err) = (
        String::from_utf8_lossy(&fixed.stdout),
        String::from_utf8_lossy(&fixed.stderr),
    );
    assert_eq!(fixed.status.code(), Some(0), "{out}\n{err}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), plain);
    assert!(
        err.contains("convert the file from UTF-16 to UTF-8: wrote"),
        "{err}"
    );
    run(dir.path(), &["undo"]);
    assert_eq!(std::fs::read(&config).unwrap(), utf16);
}

#[test]
fn doctor_fix_doubles_the_single_backslashes_of_windows_paths_and_undo_puts_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    // As typed by hand on Windows: `\P` and `\U` are no escapes JSON knows, so the file is not
    // JSON. The `\n` of `new` goes with its string; `--sep=\n` and `D:\\kept` stay as they are.
    let typed = concat!(
        "{\r\n  \"mcpServers\": {\r\n    \"a\": {\r\n",
        "      \"command\": \"echo\",\r\n",
        "      \"args\": [\"C:\\Program Files\\new\\s.js\", \"--sep=\\n\", \"D:\\\\kept\"]\r\n",
        "    }\r\n  }\r\n}\r\n"
    );
    let mended = concat!(
        "{\r\n  \"mcpServers\": {\r\n    \"a\": {\r\n",
        "      \"command\": \"echo\",\r\n",
        "      \"args\": [\"C:\\\\Program Files\\\\new\\\\s.js\", \"--sep=\\n\", \"D:\\\\kept\"]\r\n",
        "    }\r\n  }\r\n}\r\n"
    );
    std::fs::write(&config, typed).unwrap();
    let listed = run_any(dir.path(), &["list"], "");
    let err = String::from_utf8_lossy(&listed.stderr);
    assert_eq!(listed.status.code(), Some(2), "{err}");
    assert!(
        err.contains("write each backslash of a Windows path twice")
            && err.contains("doctor --fix` writes them twice for you"),
        "{err}"
    );

    let found = run_any(dir.path(), &["doctor", "--no-probe"], "");
    let said = String::from_utf8_lossy(&found.stdout);
    assert_eq!(found.status.code(), Some(4), "{said}");
    assert!(
        said.contains("not valid JSON") && said.contains("(fixable)"),
        "{said}"
    );
    // Its fix says what --fix does, not only where to edit.
    assert!(
        said.contains("fix: write the backslashes twice: `mcp-tray --config ")
            && said.contains("(or fix line 5, column 19 in an editor)"),
        "{said}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), typed);

    let fixed = run_any(dir.path(), &["doctor", "--no-probe", "--fix"], "");
    let (out, err) = (
        String::from_utf8_lossy(&fixed.stdout),
        String::from_utf8_lossy(&fixed.stderr),
    );
    assert_eq!(fixed.status.code(), Some(0), "{out}\n{err}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), mended);
    assert!(
        err.contains("write the backslashes of Windows paths twice: wrote"),
        "{err}"
    );
    // The file was examined once readable.
    assert!(!out.contains("not valid JSON"), "{out}");
    let shown = run(dir.path(), &["show", "a", "--json"]);
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains(r#""C:\\Program Files\\new\\s.js""#),
        "{}",
        String::from_utf8_lossy(&shown.stdout)
    );
    run(dir.path(), &["undo"]);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), typed);
}

#[test]
fn doctor_fix_leaves_single_backslashes_alone_when_the_file_would_still_not_be_json() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    // A trailing comma too: doubling the backslashes would not make it JSON.
    let typed = "{\"mcpServers\": {\"a\": {\"command\": \"C:\\tools\\x.exe\",}}}\n";
    std::fs::write(&config, typed).unwrap();
    let found = run_any(dir.path(), &["doctor", "--no-probe"], "");
    let said = String::from_utf8_lossy(&found.stdout);
    assert_eq!(found.status.code(), Some(4), "{said}");
    assert!(
        said.contains("not valid JSON") && !said.contains("(fixable)"),
        "{said}"
    );
    assert!(
        said.contains("fix: fix the file at line 1, column"),
        "{said}"
    );
    // Nor does --fix offer it: the report is printed, the finding left for an editor (it exited 2
    // with no report, after a promise of the repair).
    assert!(!said.contains("doctor --fix"), "{said}");
    let fixed = run_any(dir.path(), &["doctor", "--no-probe", "--fix"], "");
    let out = String::from_utf8_lossy(&fixed.stdout);
    let err = String::from_utf8_lossy(&fixed.stderr);
    assert_eq!(fixed.status.code(), Some(4), "{out}{err}");
    assert!(
        out.contains("not valid JSON") && out.contains("fix: fix the file at line 1, column"),
        "{out}"
    );
    assert!(err.contains("nothing to fix automatically"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        typed,
        "nothing written"
    );
}

#[test]
fn tapping_a_bridged_server_says_its_bridge_records_its_traffic_already() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    run(
        dir.path(),
        &["add", "docs", "--url", "https://docs.example.com/mcp"],
    );
    let before = std::fs::read(&config).unwrap();
    let refused = run_any(dir.path(), &["tap", "docs"], "");
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(
        err.contains("only local servers can be tapped; MCP Tray's bridge, which runs it, records its traffic already")
            && err.contains("traffic docs` shows it)"),
        "{err}"
    );
    assert_eq!(std::fs::read(&config).unwrap(), before, "nothing written");
}

#[test]
fn a_server_added_to_an_empty_file_ends_with_a_newline_as_in_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    run(dir.path(), &["add", "a", "--", "echo", "hi"]);
    let created = std::fs::read_to_string(&config).unwrap();
    assert!(created.ends_with("}\n"), "{created:?}");
    for empty in ["", "\n", "  \n\n"] {
        std::fs::write(&config, empty).unwrap();
        run(dir.path(), &["add", "a", "--", "echo", "hi"]);
        assert_eq!(
            std::fs::read_to_string(&config).unwrap(),
            created,
            "{empty:?}"
        );
    }
}

#[test]
fn add_of_a_command_that_cannot_be_found_writes_it_and_warns_how_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_any(dir.path(), &["add", "nope", "--", "/no/such/bin"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "add nope: wrote {0}\n\
             Restart Claude Desktop to apply. Undo with `mcp-tray --config {0} undo`.\n\
             warning [command-not-found] nope: The command `/no/such/bin` was not found\n        \
             `/no/such/bin` does not exist or is not an executable file.\n        \
             fix: Check the path in the entry's \"command\": `/no/such/bin` must be an executable file, given by its absolute path. Is there a typo, or was the program moved or never built?\n        \
             check: `mcp-tray --config {0} probe nope` starts it as Claude Desktop would\n",
            config_path(dir.path())
        )
    );
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("claude_desktop_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        written["mcpServers"]["nope"],
        serde_json::json!({"command": "/no/such/bin", "args": []})
    );
    // A bare name is looked for on the PATH, and the folders searched are named.
    let out = run_any(
        dir.path(),
        &["add", "gone", "--", "mcp-tray-test-no-such-command"],
        "",
    );
    assert_eq!(out.status.code(), Some(0));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(
            "warning [command-not-found] gone: The command `mcp-tray-test-no-such-command` was not found\n        Looked for `mcp-tray-test-no-such-command` in "
        ) && said.ends_with(&format!(
            "        check: `mcp-tray --config {} probe gone` starts it as Claude Desktop would\n",
            config_path(dir.path())
        )),
        "{said}"
    );
    // A command that is found, and a remote server, are added without a word more.
    for args in [
        &["add", "ok", "--", "sh", "-c", "true"][..],
        &["add", "r", "--url", "https://example.com/mcp"][..],
    ] {
        let out = run_any(dir.path(), args, "");
        assert_eq!(out.status.code(), Some(0));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!said.contains("warning"), "{args:?}: {said}");
    }
}

#[test]
fn add_to_a_file_claude_cannot_load_writes_and_names_the_entry_at_fault() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        r#"{"mcpServers": {"web": {"command": "sh", "env": {"PORT": 8080}}}}"#,
    )
    .unwrap();
    let out = run_any(dir.path(), &["add", "ok", "--", "sh", "-c", "true"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "add ok: wrote {0}\n\
             Restart Claude Desktop to apply. Undo with `mcp-tray --config {0} undo`.\n\
             warning [invalid-entry] web: Claude Desktop cannot load its config with this entry: the value of \"PORT\" in \"env\" is a number; env values must be strings (in quotes)\n        \
             Claude Desktop checks the type of every field before it starts anything: with one wrong, it says \"Could not load app settings\" and starts no server\n        \
             fix: correct it (each value a string in quotes, \"args\" a list of strings), or remove the entry\n",
            config_path(dir.path())
        )
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(written["mcpServers"]["ok"]["command"], "sh");
}

#[test]
fn add_trims_spaces_around_a_url_and_refuses_one_that_cannot_be_a_server_s_saying_why() {
    assert_add_refused(&[
        (
            &["add", "x", "--url", "https://exa mple.com/mcp"],
            "the URL \"https://exa mple.com/mcp\" contains a space",
        ),
        (
            &["add", "x", "--url", "https://example.com:0/mcp"],
            "port 0, which no server listens on",
        ),
        (
            &["add", "x", "--url", "ftp://example.com/mcp"],
            "starts with ftp://, but MCP servers are reached over http:// or https://",
        ),
        (
            &["add", "x", "--url", "mcp.example.com/mcp"],
            "did you mean https://mcp.example.com/mcp?",
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        &["add", "x", "--url", " https://example.com/mcp \n"],
    );
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("claude_desktop_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        written["mcpServers"]["x"]["args"][1], "https://example.com/mcp",
        "{written}"
    );
}

#[test]
fn import_refuses_a_url_cut_at_a_space_and_says_which_copy_of_a_name_given_twice_it_took() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    let out = run_any(
        dir.path(),
        &["import", "-"],
        "see https://exa mple.com/mcp for details",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "the URL https://exa seems cut at a space (https://exa mple.com/mcp): a URL holds no spaces"
        ),
        "{err}"
    );
    assert!(!config.exists());

    let out = run_any(
        dir.path(),
        &["import", "-"],
        r#"{"mcpServers": {"a": {"command": "echo", "args": ["one"]}, "a": {"command": "echo", "args": ["two"]}}}"#,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("note: \"a\" is in the snippet 2 times: its last copy is the one taken"),
        "{err}"
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(
        written["mcpServers"]["a"]["args"],
        serde_json::json!(["two"])
    );
}

#[test]
fn undo_says_the_time_of_the_edit_as_history_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        r#"{"mcpServers": {}}"#,
    )
    .unwrap();
    assert!(
        run(dir.path(), &["add", "a", "--", "echo", "hi"])
            .status
            .success()
    );
    let history = String::from_utf8_lossy(&run(dir.path(), &["history"]).stdout).into_owned();
    // `1   2026-12-04 23:15:09 UTC  add a`: the time is the second and third column, and UTC.
    let row = history.lines().nth(1).expect("a row");
    let words: Vec<&str> = row.split_whitespace().collect();
    let time = format!("{} {} UTC", words[1], words[2]);
    assert_eq!(words[3], "UTC", "{history}");
    let out = run(dir.path(), &["undo"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.starts_with(&format!("undid \"add a\" from {time}; ")),
        "{said}"
    );
}

/// `--config` given the folder the config is in (an easy slip): said in plain words, not as the
/// OS's "Is a directory (os error 21)", by every command that reads the file.
#[test]
fn a_config_path_that_is_a_folder_is_said_to_be_one() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["list"][..], &["show", "x"], &["add", "x", "--", "echo"]] {
        let out = Command::new(BIN)
            .arg("--config")
            .arg(dir.path())
            .args(args)
            .env("MCP_TRAY_HOME", dir.path().join("home"))
            .output()
            .expect("run mcp-tray");
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert_eq!(
            said,
            format!(
                "mcp-tray: {} is a folder, not a file: give the path of a claude_desktop_config.json file\n",
                dir.path().display()
            ),
            "{args:?}"
        );
    }
}

/// An unknown NAME is said by `show`, `remove` and `disable` as `rename`, `tap` and `probe` say
/// it: with where the names are.
#[test]
fn show_of_an_unknown_server_says_where_the_names_are() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["add", "known", "--", "echo", "a"]);
    for command in ["show", "remove", "disable"] {
        let out = Command::new(BIN)
            .arg("--config")
            .arg(dir.path().join("claude_desktop_config.json"))
            .args([command, "nope"])
            .env("MCP_TRAY_HOME", dir.path().join("home"))
            .output()
            .expect("run mcp-tray");
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{command}: {said}");
        assert_eq!(
            said,
            format!(
                "mcp-tray: no server named \"nope\" in {0} (`mcp-tray --config {0} list` shows them)\n",
                dir.path().join("claude_desktop_config.json").display()
            ),
            "{command}"
        );
    }
}

#[test]
fn importing_a_snippet_with_a_readme_placeholder_warns_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_any(
        dir.path(),
        &["import", "-"],
        r#"{"mcpServers": {"gh": {"command": "/bin/true", "env": {"GITHUB_TOKEN": "<YOUR_TOKEN>"}}}}"#,
    );
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(
            "warning [missing-env] gh: env GITHUB_TOKEN still holds the README's placeholder"
        ),
        "{said}"
    );
}

#[test]
fn tapping_a_server_whose_command_is_missing_warns_and_points_past_the_taps_own_command() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        r#"{"mcpServers": {"t": {"command": "mcp-tray-test-no-such-command", "args": ["x"]}}}"#,
    )
    .unwrap();
    let out = run(dir.path(), &["tap", "t"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("warning [command-not-found] t:")
            && said.contains(r#"the entry's "args" after "--""#),
        "{said}"
    );
    // doctor gives the same place for it, never the entry's "command" (MCP Tray's own).
    let out = run_any(dir.path(), &["doctor", "t", "--no-probe"], "");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(r#"the entry's "args" after "--""#), "{said}");
    assert!(!said.contains(r#"the entry's "command""#), "{said}");
}

/// A file this user may not write, in a folder they may write in, is left as it is: the swap
/// would go through what its owner decided (run as another user with `setpriv`, when root).
#[cfg(target_os = "linux")]
#[test]
fn a_file_of_another_user_is_not_taken_over_by_an_edit() {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(&config, "{\"mcpServers\": {}}\n").unwrap();
    if std::fs::metadata(&config).unwrap().uid() != 0
        || Command::new("setpriv").arg("--version").output().is_err()
    {
        eprintln!("skipped: needs root and setpriv to act as another user");
        return;
    }
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    // `add` as nobody: refused (exit 2) saying `why`, and the file is root's and as it was.
    let refused = |why: &str| {
        let out = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN])
            .arg("--config")
            .arg(&config)
            .args(["add", "fetch", "--", "uvx", "mcp-server-fetch"])
            .env("MCP_TRAY_HOME", dir.path().join("home"))
            .output()
            .expect("run mcp-tray");
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(said.contains(why), "{said}");
        assert_eq!(std::fs::metadata(&config).unwrap().uid(), 0, "still root's");
        assert_eq!(
            std::fs::read_to_string(&config).unwrap(),
            "{\"mcpServers\": {}}\n"
        );
    };
    refused("you may not write this file");
    // Writable by all, but root's: the new file could not be given back to root, so it is
    // refused rather than taken over.
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666)).unwrap();
    refused("the file belongs to another user (uid 0)");
}

#[test]
fn show_writes_control_characters_out_rather_than_to_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        r#"{"mcpServers": {"x": {"command": "echo", "args": ["\u001b[31mRED"], "env": {"CLEAR": "a\u001b[2J\nb"}}}}"#,
    )
    .unwrap();
    let out = String::from_utf8(run(dir.path(), &["show", "x"]).stdout).unwrap();
    assert!(!out.contains('\u{1b}'), "{out:?}");
    assert!(out.contains("args[0]    \\u{1b}[31mRED\n"), "{out}");
    assert!(out.contains("env CLEAR  a\\u{1b}[2J\\nb\n"), "{out}");
}

#[test]
fn an_edit_of_a_config_path_whose_folder_does_not_exist_is_refused_as_a_likely_typo() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("Cluade").join("claude_desktop_config.json");
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["add", "a", "--", "echo", "a"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .expect("run mcp-tray");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains(&format!(
            "the folder {} does not exist; check the path given to --config",
            dir.path().join("Cluade").display()
        )),
        "{said}"
    );
    assert!(!dir.path().join("Cluade").exists());
    // Reading it says there is no file, not only that it holds no server.
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("list")
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .expect("run mcp-tray");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("(the file does not exist yet)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A config MCP Tray wrote that was deleted since is not "a file that does not exist yet": list
/// says it was there, and where the backups are.
#[test]
fn listing_a_config_deleted_after_our_write_says_it_was_there() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        run(dir.path(), &["add", "a", "--", "/bin/true"])
            .status
            .success()
    );
    std::fs::remove_file(dir.path().join("claude_desktop_config.json")).unwrap();
    let out = run(dir.path(), &["list"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("the file does not exist: it was deleted or moved after MCP Tray's last write to it, \"add a\"")
            && said.contains("history` lists the backups")
            && !said.contains("yet"),
        "{said}"
    );
}

/// `mcp-tray --config PATH add …` says how to undo it and how to check it; run as printed, from a
/// shell whose default config is another file, those commands act on PATH (quoted, here with a
/// space in it), never on the other file.
#[test]
fn the_commands_an_edit_prints_act_on_the_config_given_by_flag() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("my configs");
    std::fs::create_dir(&folder).unwrap();
    let config = folder.join("claude_desktop_config.json");
    let other = dir.path().join("default.json");
    std::fs::write(&other, "{}\n").unwrap();
    std::fs::write(&config, "{}\n").unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["add", "a", "--", "sh", "-c", "true"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .expect("run mcp-tray");
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    let commands: Vec<&str> = said
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.starts_with("mcp-tray "))
        .collect();
    assert_eq!(commands.len(), 2, "{said}");
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let quoted = format!("--config \"{}\"", config.display());
    assert_eq!(commands[0], format!("mcp-tray {quoted} undo"), "{said}");
    assert_eq!(commands[1], format!("mcp-tray {quoted} probe a"), "{said}");
    for command in &commands[..1] {
        let out = Command::new("sh")
            .args(["-c", command])
            .env("PATH", &path)
            .env("MCP_TRAY_HOME", dir.path().join("home"))
            .env("MCP_TRAY_CLAUDE_CONFIG", &other)
            .output()
            .expect("run as printed");
        assert!(
            out.status.success(),
            "`{command}`: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The undo took the server out of that file, and left the other one alone.
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "{}\n");
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "{}\n");
}

#[test]
fn list_gives_a_very_long_name_a_line_of_its_own_and_keeps_the_others_narrow() {
    let dir = tempfile::tempdir().unwrap();
    let long = "a-server-with-a-name-far-longer-than-any-column-should-be-padded-to-0123456789";
    run(dir.path(), &["add", long, "--", "echo", "a"]);
    run(
        dir.path(),
        &["add", "fetch", "--", "uvx", "mcp-server-fetch"],
    );
    let out = run(dir.path(), &["list"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The name whole, alone on its line; its row under it, in the columns of the others.
    let at = lines.iter().position(|l| *l == long).expect(&text);
    let kind = lines[0].find("KIND").expect("a header");
    assert!(
        kind < 40,
        "the columns are not padded to the long name: {text}"
    );
    assert_eq!(lines[at + 1].find("local"), Some(kind), "{text}");
    assert!(lines[at + 1][..kind].trim().is_empty(), "{text}");
    let fetch = lines.iter().find(|l| l.starts_with("fetch")).expect(&text);
    assert_eq!(fetch.find("local"), Some(kind), "{text}");
}
