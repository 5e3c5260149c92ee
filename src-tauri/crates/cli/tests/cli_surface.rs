//! What a newcomer meets first, end to end on the real binary: the README's first CLI session as
//! it prints today, the exit codes of the README's table (bad arguments are a user error, 1, not
//! a file problem, 2), what `add --url` refuses and writes, what `traffic` says when nothing
//! was recorded yet, and that the commands `traffic` and `logs` name act on the `--config` given.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-tray");

fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("MCP_TRAY_HOME", home.join("home"))
        .env(
            "MCP_TRAY_CLAUDE_CONFIG",
            home.join("claude_desktop_config.json"),
        )
        .output()
        .expect("run mcp-tray")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_arguments_exit_1_a_broken_config_2_and_help_0() {
    let dir = tempfile::tempdir().expect("temp dir");
    let unknown_flag = run(dir.path(), &["list", "--bogus"]);
    assert_eq!(
        unknown_flag.status.code(),
        Some(1),
        "{}",
        stderr(&unknown_flag)
    );
    assert!(stderr(&unknown_flag).contains("--bogus"));
    let missing_name = run(dir.path(), &["add"]);
    assert_eq!(
        missing_name.status.code(),
        Some(1),
        "{}",
        stderr(&missing_name)
    );

    // A number of seconds no clock takes is a bad argument, not a crash.
    for args in [
        &["probe", "--timeout", "inf", "--", "true"][..],
        &["probe", "--timeout=0", "--", "true"],
        &["doctor", "--timeout", "1e300"],
        &["wrap", "--name", "x", "--grace", "nan", "--", "true"],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("number of seconds"),
            "{args:?}: {}",
            stderr(&out)
        );
    }

    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(&config, "{\"mcpServers\": {,}}\n").expect("write config");
    let broken = run(dir.path(), &["list"]);
    assert_eq!(broken.status.code(), Some(2), "{}", stderr(&broken));

    let help = run(dir.path(), &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("doctor"));
}

#[test]
fn a_bridge_named_like_an_option_keeps_its_name() {
    // A bridge entry is `bridge URL --name NAME`: a server called `--help` must not print the help
    // (Claude would read it as a broken server) but bridge under that name.
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["--help", "--"] {
        let out = Command::new(BIN)
            .args([
                "bridge",
                "http://127.0.0.1:9/mcp",
                "--name",
                name,
                "--timeout",
                "1",
            ])
            .env("MCP_TRAY_HOME", dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                let mut stdin = child.stdin.take().expect("stdin");
                writeln!(
                    stdin,
                    r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{}}}}"#
                )?;
                drop(stdin);
                child.wait_with_output()
            })
            .expect("run mcp-tray bridge");
        let stderr = stderr(&out);
        assert!(
            stderr.contains(&format!("mcp-tray bridge [{name}]:")),
            "{name}: {stderr}"
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(r#""id":1"#),
            "{name}"
        );
    }
}

#[test]
fn a_ca_cert_that_cannot_be_read_or_holds_no_certificate_is_a_bad_argument_for_every_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.pem");
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").expect("junk");
    let (missing, junk) = (missing.to_string_lossy(), junk.to_string_lossy());
    // Nothing listens there: each command must stop at the file, before any connection.
    let url = "http://127.0.0.1:9/mcp";
    for (file, said) in [
        (
            &missing,
            format!("cannot read the CA certificate {missing}: "),
        ),
        (
            &junk,
            format!("{junk}: the CA certificate file holds no certificate"),
        ),
    ] {
        for command in [
            &["auth", "login", url][..],
            &["probe", "--url", url][..],
            &["bridge", url][..],
        ] {
            let mut args = command.to_vec();
            args.extend(["--ca-cert", file]);
            let out = run(dir.path(), &args);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
            assert!(stderr(&out).contains(&said), "{args:?}: {}", stderr(&out));
        }
    }
}

#[cfg(unix)]
#[test]
fn a_config_path_that_cannot_be_read_is_said_once_with_the_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A file where a folder of the path should be: reading it fails with the system's reason.
    // (A folder where the file should be is said in plain words: config_cli.rs.)
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").expect("a file");
    let out = Command::new(BIN)
        .arg("list")
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .env(
            "MCP_TRAY_CLAUDE_CONFIG",
            file.join("claude_desktop_config.json"),
        )
        .output()
        .expect("run mcp-tray");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let said = stderr(&out);
    let reason = std::io::Error::from_raw_os_error(20).to_string(); // ENOTDIR
    assert!(
        said.contains("claude_desktop_config.json: "),
        "names the file: {said}"
    );
    assert_eq!(
        said.matches(&reason).count(),
        1,
        "the reason once, not once per error in the chain: {said}"
    );
}

#[test]
fn add_refuses_plain_http_to_another_host_unless_allowed_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("claude_desktop_config.json");
    let refused = run(
        dir.path(),
        &["add", "lan", "--url", "http://10.0.0.7:8000/mcp"],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("plain HTTP") && stderr(&refused).contains("--allow-http"),
        "{}",
        stderr(&refused)
    );
    assert!(!config.exists(), "nothing is written");

    let allowed = run(
        dir.path(),
        &[
            "add",
            "lan",
            "--url",
            "http://10.0.0.7:8000/mcp",
            "--allow-http",
        ],
    );
    assert_eq!(allowed.status.code(), Some(0), "{}", stderr(&allowed));
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config).expect("config written")).expect("JSON");
    let args = &written["mcpServers"]["lan"]["args"];
    assert_eq!(args[1], "http://10.0.0.7:8000/mcp");
    assert!(
        args.as_array()
            .is_some_and(|a| a.iter().any(|v| v == "--allow-http")),
        "{written}"
    );
}

#[test]
fn traffic_with_nothing_recorded_says_how_traffic_gets_recorded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(dir.path(), &["traffic"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "no empty table");
    let said = stderr(&out);
    assert!(
        said.contains("no traffic recorded yet") && said.contains("mcp-tray tap NAME"),
        "{said}"
    );
}

/// The README's first CLI session ("What it prints, as it really prints"): each `$ mcp-tray …`
/// line with the output shown under it.
fn readme_session() -> Vec<(String, String)> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../README.md"))
            .expect("README.md");
    let after = readme
        .split_once("`mcp-tray --help` lists every command.")
        .expect("the CLI section")
        .1;
    let block = after
        .split_once("```console\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .expect("its console block")
        .0;
    let mut session: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        match line.strip_prefix("$ ") {
            Some(command) => session.push((command.to_owned(), String::new())),
            None => {
                let (_, shown) = session.last_mut().expect("output follows a command");
                shown.push_str(line);
                shown.push('\n');
            }
        }
    }
    session
}

/// `2026-11-24 08:48:25 UTC` → `<time>`, and the config's history folder's hash → `<hash>`.
fn mask_times_and_hashes(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let stamp: Vec<char> = rest.chars().take(23).collect();
        let is_stamp = stamp.len() == 23
            && stamp
                .iter()
                .zip("dddd-dd-dd dd:dd:dd UTC".chars())
                .all(|(c, p)| match p {
                    'd' => c.is_ascii_digit(),
                    p => *c == p,
                });
        if is_stamp {
            out.push_str("<time>");
            rest = &rest[23..];
        } else if let Some(after) = rest.strip_prefix("configs/") {
            out.push_str("configs/<hash>");
            rest = after.get(16..).unwrap_or("");
        } else {
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[test]
fn the_readme_cli_session_prints_what_the_readme_shows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("claude_desktop_config.json");
    let home = dir.path().join("home");
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../tests/fixtures/config/preferences.json"
    );
    std::fs::copy(fixture, &config).expect("start from the fixture");
    let snippet = dir.path().join("snippet.txt");
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"},\n  }\n}\n",
    )
    .expect("broken config");
    // Where the README's machine keeps things, and where this test does.
    let places = [
        (
            "/home/ana/.config/Claude/claude_desktop_config.json",
            config.display().to_string(),
        ),
        (
            "/home/ana/.local/share/mcp-tray",
            home.display().to_string(),
        ),
        ("/tmp/snippet.txt", snippet.display().to_string()),
        ("/tmp/broken.json", broken.display().to_string()),
    ];
    // The README's machine has uv installed: `add fetch -- uvx …` finds its command there, so it
    // warns of nothing (here, a stand-in `uvx` first on the PATH).
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    std::fs::write(bin.join("uvx"), "#!/bin/sh\n").expect("uvx");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(bin.join("uvx"), std::fs::Permissions::from_mode(0o755))
            .expect("make uvx executable");
    }
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let session = readme_session();
    assert!(session.len() >= 8, "{session:?}");
    for (command, shown) in session {
        let (command, holds) = match command.split_once("# holds: ") {
            Some((command, holds)) => (command.trim_end().to_owned(), Some(holds.to_owned())),
            None => (command, None),
        };
        if let Some(holds) = holds {
            std::fs::write(&snippet, holds + "\n").expect("snippet");
        }
        let mut line = command.clone();
        for (readme, here) in &places {
            line = line.replace(readme, here);
        }
        let args = line
            .strip_prefix("mcp-tray ")
            .expect("a mcp-tray command")
            .split_whitespace();
        // The README shows stdout and stderr as a terminal does: in the order they were written.
        let out = Command::new("sh")
            .args(["-c", "exec \"$0\" \"$@\" 2>&1", BIN])
            .args(args)
            .env("MCP_TRAY_HOME", &home)
            .env("MCP_TRAY_CLAUDE_CONFIG", &config)
            .env("PATH", &path)
            .output()
            .expect("run mcp-tray");
        let mut printed = String::from_utf8_lossy(&out.stdout).into_owned();
        for (readme, here) in &places {
            printed = printed.replace(here, readme);
        }
        assert_eq!(
            mask_times_and_hashes(printed.trim_end()),
            mask_times_and_hashes(shown.trim_end()),
            "`{command}` prints something else than README.md shows"
        );
    }
}

#[test]
fn keep_bom_is_offered_only_by_the_commands_that_edit_the_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    let help = |command: &str| {
        let out = run(dir.path(), &[command, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{command}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for command in [
        "add", "remove", "rename", "enable", "disable", "tap", "untap", "import", "doctor",
    ] {
        assert!(help(command).contains("--keep-bom"), "{command}");
    }
    for command in [
        "list", "show", "path", "history", "undo", "logs", "probe", "traffic", "bridge", "wrap",
        "auth",
    ] {
        assert!(!help(command).contains("--keep-bom"), "{command}");
    }
    let top = run(dir.path(), &["--help"]);
    assert!(!String::from_utf8_lossy(&top.stdout).contains("--keep-bom"));
    // Where it means nothing, it is refused as any unknown flag is.
    let out = run(dir.path(), &["logs", "--keep-bom"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// `mcp-tray ARGS… | head -c 1`: the reader takes one byte and closes the pipe.
fn run_into_closed_pipe(home: &Path, args: &[&str]) -> Output {
    use std::io::Read as _;
    let mut child = Command::new(BIN)
        .args(args)
        .env("MCP_TRAY_HOME", home.join("home"))
        .env(
            "MCP_TRAY_CLAUDE_CONFIG",
            home.join("claude_desktop_config.json"),
        )
        .env("RUST_BACKTRACE", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run mcp-tray");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).expect("a first byte");
    drop(stdout);
    child.wait_with_output().expect("mcp-tray ends")
}

#[test]
fn commands_whose_output_is_cut_short_by_a_closed_pipe_end_quietly() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Enough findings that the output outgrows the pipe's buffer after the reader left.
    let servers: serde_json::Map<String, serde_json::Value> = (0..400)
        .map(|i| {
            (
                format!("s{i}"),
                serde_json::json!({"command": "no-such-command-mcp-tray-test", "args": ["--x"]}),
            )
        })
        .collect();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        serde_json::json!({ "mcpServers": servers }).to_string(),
    )
    .unwrap();
    for args in [
        &["doctor", "--no-probe"][..],
        &["doctor", "--no-probe", "--json"][..],
        &["auth", "status"][..],
    ] {
        let out = run_into_closed_pipe(dir.path(), args);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            !out.status.success() || args[0] == "auth",
            "{args:?}: {:?}",
            out.status
        );
        assert_ne!(out.status.code(), Some(101), "{args:?}: {err}");
    }
}

#[test]
fn probe_and_doctor_show_a_servers_url_and_arguments_without_their_secrets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = "http://bob:pa55w0rd@127.0.0.1:1/mcp?token=TTTSECRET&x=1";
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        serde_json::json!({"mcpServers": {
            "loc": {"command": "sh", "args": ["-c", "exit 3", "--api-key", "SEKRET123"]},
            "rem": {"command": BIN, "args": ["bridge", url]},
        }})
        .to_string(),
    )
    .unwrap();
    for args in [
        &["probe", "--url", url, "--timeout", "5"][..],
        &["probe", "--url", url, "--timeout", "5", "--json"][..],
        &["probe", "loc", "--timeout", "5"][..],
        &["probe", "loc", "--timeout", "5", "--json"][..],
        &["probe", "rem", "--timeout", "5"][..],
        &["doctor", "--json", "--timeout", "5"][..],
        &["doctor", "--timeout", "5"][..],
    ] {
        let out = run(dir.path(), args);
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        for secret in ["pa55w0rd", "TTTSECRET", "SEKRET123"] {
            assert!(!all.contains(secret), "{args:?} shows {secret}:\n{all}");
        }
    }
}

#[test]
fn commands_named_by_traffic_and_logs_carry_the_config_the_run_was_given() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("elsewhere.json");
    std::fs::write(
        &config,
        r#"{"mcpServers": {"files": {"command": "npx", "args": ["-y", "files-server"]}}}"#,
    )
    .expect("config");
    let path = config.to_str().expect("a UTF-8 temp path");
    let flag = format!("--config {path}");

    // A local server nothing recorded yet: the tap that would record it, for this file.
    let traffic = run(dir.path(), &["--config", path, "traffic", "files"]);
    assert_eq!(traffic.status.code(), Some(0), "{}", stderr(&traffic));
    let said = stderr(&traffic);
    assert!(
        said.contains(&format!("`mcp-tray {flag} tap files`")),
        "{said}"
    );

    // A 401 in Claude's log: the sign-in it names, for this file.
    let logs = dir.path().join("claude-logs");
    std::fs::create_dir_all(&logs).expect("logs");
    std::fs::write(
        logs.join("mcp-server-files.log"),
        "2026-11-24T08:00:00.000Z [files] [error] Error POSTing to endpoint (HTTP 401): invalid_token\n",
    )
    .expect("log");
    let out = Command::new(BIN)
        .args(["--config"])
        .arg(&config)
        .args(["logs", "files", "--claude-logs"])
        .arg(&logs)
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .expect("run mcp-tray logs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains(&format!("`mcp-tray {flag} auth login files`")),
        "{shown}"
    );

    // An error naming a command (`list`, for a name the file does not hold): for this file too.
    let unknown = run(dir.path(), &["--config", path, "traffic", "nothere"]);
    assert_eq!(unknown.status.code(), Some(1), "{}", stderr(&unknown));
    assert!(
        stderr(&unknown).contains(&format!("`mcp-tray {flag} list`")),
        "{}",
        stderr(&unknown)
    );
}
