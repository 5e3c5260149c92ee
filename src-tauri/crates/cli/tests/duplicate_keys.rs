//! A key written twice in `claude_desktop_config.json`, end to end on the real binary. Claude
//! Desktop reads the file with `JSON.parse`, where the last copy of a key wins, so `list` and
//! `show` show the last copy, an edit that would land in a copy Claude ignores is refused (exit 2,
//! file untouched), and `doctor` names the duplicate (`duplicate-key`) with its lines; `doctor
//! --fix` merges two `"mcpServers"` into the last one, and `undo` takes the merge back.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_mcp-tray");

/// What pasting a README snippet below the existing block gives.
const TWO_BLOCKS: &str = "{\n  \"mcpServers\": {\"x\": {\"command\": \"sh\"}},\n  \"mcpServers\": {\"y\": {\"command\": \"sh\", \"args\": [\"-c\", \"true\"]}}\n}\n";

const NAME_TWICE: &str = "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"first\"},\n    \"b\": {\"command\": \"sh\"},\n    \"a\": {\"command\": \"sh\", \"args\": [\"second\"]}\n  }\n}\n";

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--config")
        .arg(dir.join("claude_desktop_config.json"))
        .args(args)
        .env("MCP_TRAY_HOME", dir.join("home"))
        .env("MCP_TRAY_CLAUDE_LOGS", dir.join("no-logs"))
        .output()
        .expect("run mcp-tray")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn listed(dir: &Path) -> Vec<(String, String)> {
    let out = run(dir, &["list", "--json"]);
    assert!(out.status.success(), "{out:?}");
    json_of(&out)["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let args: Vec<&str> = s["args"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            (s["name"].as_str().unwrap().to_owned(), args.join(" "))
        })
        .collect()
}

fn duplicate_findings(report: &Value) -> Vec<Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "duplicate-key")
        .cloned()
        .collect()
}

#[test]
fn two_mcp_servers_blocks_list_the_last_refuse_add_and_doctor_fix_merges_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(&config, TWO_BLOCKS).unwrap();

    assert_eq!(listed(dir.path()), [("y".to_owned(), "-c true".to_owned())]);

    let add = run(dir.path(), &["add", "new", "--", "echo", "hi"]);
    let said = String::from_utf8_lossy(&add.stderr);
    assert_eq!(add.status.code(), Some(2), "a file problem: {said}");
    for words in [
        "\"mcpServers\" is written twice (lines 2 and 3)",
        "reads only the last one (line 3)",
        "(x)",
        "Nothing was written",
        "doctor --fix",
    ] {
        assert!(said.contains(words), "{words:?} not in {said}");
    }
    assert_eq!(std::fs::read_to_string(&config).unwrap(), TWO_BLOCKS);

    let doctor = run(dir.path(), &["doctor", "--json", "--no-probe"]);
    assert_eq!(doctor.status.code(), Some(4), "an error was found");
    let found = duplicate_findings(&json_of(&doctor));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["severity"], "error");
    assert_eq!(found[0]["server"], Value::Null);
    assert_eq!(found[0]["fixable"], true);
    assert!(
        found[0]["detail"]
            .as_str()
            .unwrap()
            .contains("lines 2 and 3"),
        "{found:?}"
    );

    let fix = run(dir.path(), &["doctor", "--no-probe", "--fix"]);
    assert_eq!(fix.status.code(), Some(0), "{fix:?}");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "{\n  \"mcpServers\": {\n    \"x\": {\"command\": \"sh\"},\n    \"y\": {\"command\": \"sh\", \"args\": [\"-c\", \"true\"]}\n  }\n}\n"
    );
    assert_eq!(
        listed(dir.path()),
        [
            ("x".to_owned(), String::new()),
            ("y".to_owned(), "-c true".to_owned())
        ]
    );
    let after = run(dir.path(), &["doctor", "--json", "--no-probe"]);
    assert!(duplicate_findings(&json_of(&after)).is_empty());
    assert!(
        run(dir.path(), &["add", "new", "--", "echo", "hi"])
            .status
            .success()
    );

    for _ in 0..2 {
        assert!(run(dir.path(), &["undo"]).status.success());
    }
    assert_eq!(std::fs::read_to_string(&config).unwrap(), TWO_BLOCKS);
}

#[test]
fn a_server_name_written_twice_shows_the_last_entry_and_refuses_to_remove_either_copy() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(&config, NAME_TWICE).unwrap();

    assert_eq!(
        listed(dir.path()),
        [
            ("a".to_owned(), "second".to_owned()),
            ("b".to_owned(), String::new())
        ]
    );
    let show = run(dir.path(), &["show", "a", "--json"]);
    assert!(show.status.success(), "{show:?}");
    assert_eq!(json_of(&show)["args"][0], "second");

    let remove = run(dir.path(), &["remove", "a"]);
    let said = String::from_utf8_lossy(&remove.stderr);
    assert_eq!(remove.status.code(), Some(2), "{said}");
    assert!(
        said.contains("\"a\" is written twice in \"mcpServers\" (lines 3 and 5)"),
        "{said}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), NAME_TWICE);

    let add = run(dir.path(), &["add", "c", "--", "echo", "hi"]);
    assert!(add.status.success(), "other names are edited: {add:?}");

    let doctor = run(dir.path(), &["doctor", "--json", "--no-probe"]);
    let report = json_of(&doctor);
    assert_eq!(doctor.status.code(), Some(0), "a warning only: {report}");
    let found = duplicate_findings(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["severity"], "warning");
    assert_eq!(found[0]["server"], "a");
    assert_eq!(found[0]["fixable"], false);
    let summary = found[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("line 5") && summary.contains("line 3"),
        "{summary}"
    );
}

/// An earlier "mcpServers" that is not an object: something the user wrote (a note, a list).
const NOTE_THEN_BLOCK: &str = "{\n  \"mcpServers\": \"tokens are in 1Password, ask Ana\",\n  \"mcpServers\": {\"y\": {\"command\": \"sh\"}}\n}\n";

#[test]
fn doctor_fix_does_not_merge_away_an_earlier_mcp_servers_that_is_not_an_object() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(&config, NOTE_THEN_BLOCK).unwrap();

    let doctor = run(dir.path(), &["doctor", "--json", "--no-probe"]);
    let found = duplicate_findings(&json_of(&doctor));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["severity"], "error");
    assert_eq!(found[0]["fixable"], false, "{found:?}");
    let fix = found[0]["fix"].as_str().unwrap();
    for words in [
        "does not delete what you wrote",
        "the one on line 2 (a string) holds no server",
        "delete it",
    ] {
        assert!(fix.contains(words), "{words:?} not in {fix}");
    }

    let fixing = run(dir.path(), &["doctor", "--no-probe", "--fix"]);
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        NOTE_THEN_BLOCK,
        "the note is kept: {fixing:?}"
    );
    let said = String::from_utf8_lossy(&fixing.stdout);
    assert!(said.contains("line 2 (a string) holds no server"), "{said}");

    let add = run(dir.path(), &["add", "new", "--", "echo", "hi"]);
    let said = String::from_utf8_lossy(&add.stderr);
    assert_eq!(add.status.code(), Some(2), "{said}");
    assert!(said.contains("line 2 (a string) holds no server"), "{said}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), NOTE_THEN_BLOCK);
}
