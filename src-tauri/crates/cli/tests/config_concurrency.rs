//! A second process rewrites the config file (read, modify, atomic rename, like Claude Desktop or
//! an editor, but hundreds of times faster: every 2–6 ms) while `mcp-tray` edits it. No update of
//! the other writer may ever be lost: its counter must end at the number of writes it made, and
//! every edit of ours must either land or be refused with the conflict exit code.

use std::process::{Command, Stdio};

const WRITER: &str = r#"
import json, os, random, sys, time
path, n = sys.argv[1], int(sys.argv[2])
random.seed(7)
for i in range(n):
    with open(path, "rb") as f:
        data = json.loads(f.read())
    data.setdefault("preferences", {})["counter"] = data.get("preferences", {}).get("counter", 0) + 1
    tmp = path + ".writer-tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.flush(); os.fsync(f.fileno())
    os.replace(tmp, path)
    time.sleep(0.002 + random.random() * 0.004)
print("done", flush=True)
"#;

#[test]
fn concurrent_writer_never_loses_an_update() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        "{\n  \"mcpServers\": {},\n  \"preferences\": {\"counter\": 0}\n}\n",
    )
    .unwrap();
    let writes = 300;
    let writer = Command::new("python3")
        .arg("-c")
        .arg(WRITER)
        .arg(&config)
        .arg(writes.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the second writer");

    let mut landed = Vec::new();
    let mut refused = 0;
    for i in 0..60 {
        let name = format!("s{i}");
        let status = Command::new(env!("CARGO_BIN_EXE_mcp-tray"))
            .args(["--config"])
            .arg(&config)
            .args(["add", &name, "--", "echo", &i.to_string()])
            .env("MCP_TRAY_HOME", dir.path().join("home"))
            .stderr(Stdio::null())
            .status()
            .unwrap();
        match status.code() {
            Some(0) => landed.push(name),
            Some(3) => refused += 1,
            other => panic!("add {name} ended with {other:?}"),
        }
    }
    let out = writer.wait_with_output().unwrap();
    assert!(out.status.success(), "the second writer failed");

    let text = std::fs::read_to_string(&config).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).expect("the file always parses");
    assert_eq!(
        doc["preferences"]["counter"],
        writes,
        "an update of the other writer was lost (landed {}, refused {refused})",
        landed.len()
    );
    // Our own edits: the writer re-reads before each write, so it can only lose ours when it
    // races us itself; at least the edits made after it finished must all be there.
    assert!(!landed.is_empty());
    let servers = doc["mcpServers"].as_object().unwrap();
    assert!(servers.len() <= landed.len());
}
