//! CPU and memory of a process and its descendants, read with `sysinfo`.
//!
//! Finding descendants needs every process's parent: that pass asks for nothing else (no CPU,
//! memory, command line or environment), then CPU and memory are refreshed for the tree's pids
//! only. CPU % is relative to one core (200 % = two busy cores) and needs two samples: the first
//! sample of a pid reads 0.
//!
//! Never: read other processes' command lines or environments (they may hold secrets).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sysinfo::{Pid, ProcessRefreshKind, ProcessStatus, ProcessesToUpdate, System};

/// One sample of a process tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessStats {
    /// The root of the tree.
    pub pid: u32,
    /// Whether the root is running (a zombie is not).
    pub alive: bool,
    /// Summed over the tree, % of one core.
    pub cpu_percent: f32,
    /// Resident memory summed over the tree.
    pub rss_bytes: u64,
    /// Every live pid in the tree, root first.
    pub pids: Vec<u32>,
}

/// Keeps the previous sample so CPU % can be computed; one per supervisor.
pub struct StatsSampler {
    /// CPU and memory of the pids sampled, and their previous CPU times.
    system: System,
    /// The parent scan. Separate, because a scan refreshes every process's CPU times, and the
    /// next sample would then measure CPU over the microseconds since the scan.
    tree: System,
}

impl std::fmt::Debug for StatsSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StatsSampler")
    }
}

impl StatsSampler {
    /// None where sysinfo cannot read processes on this system.
    pub fn new() -> Option<Self> {
        Some(StatsSampler {
            system: System::new().ok()?,
            tree: System::new().ok()?,
        })
    }

    /// Samples `root` and all its descendants.
    pub fn sample_tree(&mut self, root: u32) -> ProcessStats {
        self.tree.refresh_processes_specifics(
            ProcessesToUpdate::All,
            true,
            ProcessRefreshKind::nothing().without_tasks(),
        );
        let tree = descendants(&self.tree, Pid::from_u32(root));
        self.sample(root, &tree)
    }

    /// Samples `pid` alone.
    pub fn sample_pid(&mut self, pid: u32) -> ProcessStats {
        self.sample(pid, &[Pid::from_u32(pid)])
    }

    /// Samples several trees with one scan of the process table (a view showing ten servers every
    /// two seconds must not scan it ten times); answers in the order of `roots`.
    pub fn sample_trees(&mut self, roots: &[u32]) -> Vec<ProcessStats> {
        if roots.is_empty() {
            return Vec::new();
        }
        self.tree.refresh_processes_specifics(
            ProcessesToUpdate::All,
            true,
            ProcessRefreshKind::nothing().without_tasks(),
        );
        let trees: Vec<Vec<Pid>> = roots
            .iter()
            .map(|root| descendants(&self.tree, Pid::from_u32(*root)))
            .collect();
        let all: Vec<Pid> = trees.iter().flatten().copied().collect();
        self.refresh(&all);
        roots
            .iter()
            .zip(&trees)
            .map(|(root, tree)| self.collect(*root, tree))
            .collect()
    }

    /// When `pid` started, in seconds since the Unix epoch, as of its last sample; `None` for a
    /// pid not sampled or gone.
    pub fn start_time(&self, pid: u32) -> Option<u64> {
        self.system
            .process(Pid::from_u32(pid))
            .map(sysinfo::Process::start_time)
            .filter(|t| *t > 0)
    }

    fn refresh(&mut self, pids: &[Pid]) {
        self.system.refresh_processes_specifics(
            ProcessesToUpdate::Some(pids),
            true,
            ProcessRefreshKind::nothing().with_cpu().with_memory(),
        );
    }

    fn sample(&mut self, root: u32, pids: &[Pid]) -> ProcessStats {
        self.refresh(pids);
        self.collect(root, pids)
    }

    fn collect(&self, root: u32, pids: &[Pid]) -> ProcessStats {
        let mut stats = ProcessStats {
            pid: root,
            alive: false,
            cpu_percent: 0.0,
            rss_bytes: 0,
            pids: Vec::new(),
        };
        for pid in pids {
            let Some(proc_) = self.system.process(*pid) else {
                continue;
            };
            if matches!(proc_.status(), ProcessStatus::Zombie | ProcessStatus::Dead) {
                continue;
            }
            if pid.as_u32() == root {
                stats.alive = true;
            }
            stats.cpu_percent += proc_.cpu_usage();
            stats.rss_bytes += proc_.memory();
            stats.pids.push(pid.as_u32());
        }
        stats
    }
}

/// `root` and every process whose parent chain leads to it, root first.
pub(crate) fn descendants(system: &System, root: Pid) -> Vec<Pid> {
    let processes = system
        .processes()
        .iter()
        // A thread of a process, not a process.
        .filter(|(_, p)| p.thread_kind().is_none())
        .map(|(pid, p)| Family {
            pid: *pid,
            parent: p.parent(),
            started: p.start_time(),
        });
    tree_of(processes, root)
}

/// What [`tree_of`] needs of a process: its pid, its parent's, and when it started (seconds).
struct Family {
    pid: Pid,
    parent: Option<Pid>,
    started: u64,
}

/// `root` and every process whose parent chain leads to it, root first. A process started before
/// the one holding its parent's pid is not that one's child: Windows keeps a process's parent pid
/// after the parent is gone, and the pid can be reused, by a server among others.
fn tree_of(processes: impl Iterator<Item = Family>, root: Pid) -> Vec<Pid> {
    let processes: Vec<Family> = processes.collect();
    let started: HashMap<Pid, u64> = processes.iter().map(|p| (p.pid, p.started)).collect();
    let mut children: HashMap<Pid, Vec<Pid>> = HashMap::new();
    for p in &processes {
        if let Some(parent) = p.parent
            && started.get(&parent).is_none_or(|&at| p.started >= at)
        {
            children.entry(parent).or_default().push(p.pid);
        }
    }
    let mut out = vec![root];
    let mut seen: HashSet<Pid> = HashSet::from([root]);
    let mut i = 0;
    while i < out.len() {
        if let Some(kids) = children.get(&out[i]) {
            for kid in kids {
                if seen.insert(*kid) {
                    out.push(*kid);
                }
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tree_tests {
    use super::*;

    fn family(pid: u32, parent: u32, started: u64) -> Family {
        Family {
            pid: Pid::from_u32(pid),
            parent: Some(Pid::from_u32(parent)),
            started,
        }
    }

    #[test]
    fn a_process_older_than_its_parent_pid_s_holder_is_not_in_its_tree() {
        // 10 is the server (started at 100); 11 its child, 12 its grandchild. 20 was started at 50
        // by a process long gone whose pid, 10, the server got: not the server's.
        let processes = vec![
            family(10, 1, 100),
            family(11, 10, 100),
            family(12, 11, 130),
            family(20, 10, 50),
            family(21, 20, 60),
        ];
        let tree = tree_of(processes.into_iter(), Pid::from_u32(10));
        assert_eq!(
            tree,
            [10, 11, 12].map(Pid::from_u32).to_vec(),
            "the stranger and its child are left out"
        );
    }
}
