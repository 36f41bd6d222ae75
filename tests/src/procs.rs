//! Processes of a benchmark: a private X server, the process tree of an
//! app (the app and its WebKit processes), its proportional set size, and
//! stopping it all.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// A private X server on a free display, stopped on drop.
pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    /// On the first display number with neither a lock nor a socket; it does
    /// not reset when its last client leaves (a start in that moment fails).
    pub fn start() -> Result<Self> {
        let n = (90..200)
            .find(|n| {
                !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                    && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            })
            .context("no free X display number")?;
        let display = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([
                &display,
                "-screen",
                "0",
                "1366x900x24",
                "-nolisten",
                "tcp",
                "-noreset",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("Xvfb (package xvfb) missing: cargo xtask setup")?;
        let mut x = Self { child, display };
        let socket = format!("/tmp/.X11-unix/X{n}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Path::new(&socket).exists() {
            if Instant::now() > deadline || x.child.try_wait()?.is_some() {
                bail!("Xvfb {} did not start", x.display);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(x)
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The pids of `root` and every process below it.
pub fn process_tree(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // The name is in parentheses and may hold spaces: the parent is
            // the second field after the last `)`.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut all = vec![root];
    let mut i = 0;
    while i < all.len() {
        if let Some(c) = children.get(&all[i]) {
            all.extend(c);
        }
        i += 1;
    }
    all
}

/// The proportional set size of a process tree, in MiB.
pub fn tree_pss_mib(root: u32) -> f64 {
    tree_memory(root).iter().map(|p| p.pss).sum::<u64>() as f64 / 1024.0
}

/// SIGTERM to the tree, then SIGKILL to what is left; returns when every
/// process of it is gone (so the next measurement has the machine alone).
pub fn stop_tree(child: &mut Child) {
    let pids = process_tree(child.id());
    for pid in &pids {
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
    let alive = |pids: &[u32]| {
        pids.iter()
            .any(|p| Path::new(&format!("/proc/{p}")).exists())
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let _ = child.try_wait();
        if !alive(&pids[1..]) && child.try_wait().is_ok_and(|s| s.is_some()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for pid in &pids {
        if Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }
    let _ = child.wait();
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(&pids[1..]) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The first process below `root` (itself included) whose name is `comm`.
pub fn find_in_tree(root: u32, comm: &str) -> Option<u32> {
    process_tree(root).into_iter().find(|pid| {
        std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == comm)
    })
}

/// One process of a tree and where its memory is: proportional shares of
/// anonymous memory (heaps, JIT), of mapped files (code, fonts) and of
/// shared memory (the compositor's buffers), in KiB.
#[derive(Debug, Clone)]
pub struct ProcessMemory {
    pub pid: u32,
    pub name: String,
    pub pss: u64,
    pub anon: u64,
    pub file: u64,
    pub shmem: u64,
}

/// Every process of the tree with its memory, largest first.
pub fn tree_memory(root: u32) -> Vec<ProcessMemory> {
    let field = |text: &str, name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let mut all: Vec<ProcessMemory> = process_tree(root)
        .into_iter()
        .filter_map(|pid| {
            let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            Some(ProcessMemory {
                pid,
                name: name.trim().to_owned(),
                pss: field(&text, "Pss:"),
                anon: field(&text, "Pss_Anon:"),
                file: field(&text, "Pss_File:"),
                shmem: field(&text, "Pss_Shmem:"),
            })
        })
        .collect();
    all.sort_by_key(|p| std::cmp::Reverse(p.pss));
    all
}
