//! Benchmark: load + edit + atomic write of a 500-server `claude_desktop_config.json`.
//!
//! Side by side in one run: MCP Tray's lossless edit (strict parse, CST edit, backup, exchange
//! with verification, fsync) against the naive edit most tools do (serde_json parse, re-serialise
//! the whole document, plain write), which loses the user's formatting. Prints p50/p95 and ratios.
//! Run with `cargo bench -p mcp-tray-core --bench config_edit`.

use std::time::{Duration, Instant};

use mcp_tray_core::config::{ConfigFile, Edit};
use serde_json::{Value, json};

const SERVERS: usize = 500;
const ROUNDS: usize = 200;

fn big_config() -> String {
    let mut servers = serde_json::Map::new();
    for i in 0..SERVERS {
        servers.insert(
            format!("server-{i}"),
            json!({
                "command": "npx",
                "args": ["-y", format!("@example/mcp-server-{i}"), "--root", format!("/home/ana/projects/{i}")],
                "env": {"LOG_LEVEL": "info", "API_URL": format!("https://api{i}.example.com")}
            }),
        );
    }
    let doc = json!({"globalShortcut": "Alt+Space", "mcpServers": servers, "preferences": {"menuBarEnabled": true}});
    serde_json::to_string_pretty(&doc).expect("serialise") + "\n"
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let idx = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[idx]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The edit most tools do: parse, change, re-serialise the whole document; with `durable`, written
/// to a temporary file, fsynced and renamed into place (the same durability as MCP Tray's write).
fn naive_edits(path: &std::path::Path, entry: &Value, durable: bool) -> Vec<Duration> {
    use std::io::Write;
    let mut times = Vec::with_capacity(ROUNDS * 2);
    for i in 0..ROUNDS {
        for add in [true, false] {
            let t = Instant::now();
            let bytes = std::fs::read(path).expect("read");
            let mut doc: Value = serde_json::from_slice(&bytes).expect("parse");
            let servers = doc["mcpServers"].as_object_mut().expect("servers");
            if add {
                servers.insert(format!("bench-{i}"), entry.clone());
            } else {
                servers.remove(&format!("bench-{i}"));
            }
            let out = serde_json::to_vec_pretty(&doc).expect("ser");
            if durable {
                let dir = path.parent().expect("dir");
                let mut tmp = tempfile::NamedTempFile::new_in(dir).expect("tmp");
                tmp.write_all(&out).expect("write");
                tmp.as_file().sync_all().expect("fsync");
                tmp.persist(path).expect("rename");
                std::fs::File::open(dir)
                    .and_then(|d| d.sync_all())
                    .expect("fsync dir");
            } else {
                std::fs::write(path, out).expect("write");
            }
            times.push(t.elapsed());
        }
    }
    times
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = big_config();
    println!(
        "config edit benchmark: {SERVERS} servers, {} KiB file, {ROUNDS} rounds each (add, then remove)",
        text.len() / 1024
    );

    let ours_path = dir.path().join("ours").join("claude_desktop_config.json");
    std::fs::create_dir_all(ours_path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&ours_path, &text).expect("write");
    let file = ConfigFile::new(&ours_path, dir.path().join("home"));
    let entry = json!({"command": "uvx", "args": ["mcp-server-fetch"]});
    let mut ours = Vec::with_capacity(ROUNDS * 2);
    // Apart too: a removal's backup is the removed entry's only copy, fsynced before the file
    // changes; an add's holds nothing the file lacks.
    let (mut adds, mut removes) = (Vec::with_capacity(ROUNDS), Vec::with_capacity(ROUNDS));
    for i in 0..ROUNDS {
        let name = format!("bench-{i}");
        let t = Instant::now();
        file.apply(&Edit::Add {
            name: name.clone(),
            entry: entry.clone(),
        })
        .expect("add");
        ours.push(t.elapsed());
        adds.push(t.elapsed());
        let t = Instant::now();
        file.apply(&Edit::Remove { name }).expect("remove");
        ours.push(t.elapsed());
        removes.push(t.elapsed());
    }
    let identical = std::fs::read_to_string(&ours_path).expect("read") == text;

    let naive_path = dir.path().join("naive.json");
    std::fs::write(&naive_path, &text).expect("write");
    let naive = naive_edits(&naive_path, &entry, false);
    let durable_path = dir.path().join("durable.json");
    std::fs::write(&durable_path, &text).expect("write");
    let mut durable = naive_edits(&durable_path, &entry, true);

    // Where MCP Tray's time goes: reading the model, and one durable write of the file.
    let mut parse = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        file.read().expect("read");
        parse.push(t.elapsed());
    }
    let mut naive = naive;
    let (o50, o95) = (percentile(&mut ours, 0.5), percentile(&mut ours, 0.95));
    let (n50, n95) = (percentile(&mut naive, 0.5), percentile(&mut naive, 0.95));
    let (d50, d95) = (
        percentile(&mut durable, 0.5),
        percentile(&mut durable, 0.95),
    );
    let (p50, p95) = (percentile(&mut parse, 0.5), percentile(&mut parse, 0.95));
    let (a50, a95) = (percentile(&mut adds, 0.5), percentile(&mut adds, 0.95));
    let (r50, r95) = (
        percentile(&mut removes, 0.5),
        percentile(&mut removes, 0.95),
    );
    println!();
    println!(
        "| edit of a {SERVERS}-server file | p50 | p95 | keeps formatting | durable (fsync) | backup + undo | safe against other writers |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| MCP Tray (CST edit, backup, fsync, verified exchange) | {:.2} ms | {:.2} ms | yes (add+remove gives back the file: {identical}) | yes | yes | yes |",
        ms(o50),
        ms(o95)
    );
    println!(
        "| of which adds (the backup holds nothing the file lacks: not fsynced) | {:.2} ms | {:.2} ms | | | | |",
        ms(a50),
        ms(a95)
    );
    println!(
        "| of which removals (the backup, the entry's only copy, fsynced first) | {:.2} ms | {:.2} ms | | | | |",
        ms(r50),
        ms(r95)
    );
    println!(
        "| naive, durable (serde_json re-serialise, temp file + fsync + rename) | {:.2} ms | {:.2} ms | no | yes | no | no |",
        ms(d50),
        ms(d95)
    );
    println!(
        "| naive (serde_json re-serialise, plain write) | {:.2} ms | {:.2} ms | no | no | no | no |",
        ms(n50),
        ms(n95)
    );
    println!(
        "| of MCP Tray's edit: reading the file into its model | {:.2} ms | {:.2} ms | | | | |",
        ms(p50),
        ms(p95)
    );
    println!();
    println!(
        "ratio p50 MCP Tray / naive durable: {:.2}x, / naive: {:.2}x; budget <= 5 ms p50: {} (adds {}, removals {})",
        ms(o50) / ms(d50),
        ms(o50) / ms(n50),
        verdict(o50),
        verdict(a50),
        verdict(r50)
    );
}

fn verdict(p50: Duration) -> &'static str {
    if ms(p50) <= 5.0 { "met" } else { "NOT met" }
}
