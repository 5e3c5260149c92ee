//! Benchmark: one CPU/memory sample of every server the Servers view shows (10 shim trees of two
//! processes each, `sh` waiting on `sleep`), taken every 2 s while the window is visible.
//!
//! Side by side in one run: `StatsSampler::sample_trees` (one scan of the process table for all
//! trees) against ten `sample_tree` calls (one scan per tree). Prints p50/p95 per refresh and the
//! ratio. Run with `cargo bench -p mcp-tray-core --bench process_stats`.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use mcp_tray_core::supervise::StatsSampler;

const TREES: usize = 10;
const ROUNDS: usize = 100;

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let idx = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[idx]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn time(mut f: impl FnMut()) -> (f64, f64) {
    let mut samples: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    (
        ms(percentile(&mut samples, 0.5)),
        ms(percentile(&mut samples, 0.95)),
    )
}

fn main() {
    let mut children: Vec<Child> = (0..TREES)
        .map(|_| {
            Command::new("sh")
                .args(["-c", "sleep 600 & wait"])
                .spawn()
                .expect("spawn sh")
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let roots: Vec<u32> = children.iter().map(Child::id).collect();
    let mut sampler = StatsSampler::new().expect("sysinfo reads processes here");
    let trees = sampler.sample_trees(&roots);
    let processes: usize = trees.iter().map(|s| s.pids.len()).sum();
    // The shells' `sleep`s, to end them by pid afterwards.
    let sleeps: Vec<String> = trees
        .iter()
        .flat_map(|s| s.pids.iter().skip(1).map(u32::to_string))
        .collect();

    let (one_p50, one_p95) = time(|| {
        let _ = sampler.sample_trees(&roots);
    });
    let (each_p50, each_p95) = time(|| {
        for root in &roots {
            let _ = sampler.sample_tree(*root);
        }
    });
    println!("# Process stats: one refresh of {TREES} server trees ({processes} processes)\n");
    println!("| method | p50 ms | p95 ms |");
    println!("|---|---|---|");
    println!("| sample_trees (one process-table scan) | {one_p50:.2} | {one_p95:.2} |");
    println!("| sample_tree × {TREES} (one scan each) | {each_p50:.2} | {each_p95:.2} |");
    println!(
        "\none scan is {:.1}× faster at p50; {ROUNDS} rounds each",
        each_p50 / one_p50
    );
    for child in &mut children {
        let _ = child.kill();
        let _ = child.wait();
    }
    if !sleeps.is_empty() {
        let _ = Command::new("kill").args(&sleeps).status();
    }
}
