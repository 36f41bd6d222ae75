//! No module cycles: in the crates that hold the app's logic, a module may
//! use another only if that one does not (through others) use it back. A
//! cycle is how "everything knows everything" starts; it hides which part
//! is the lower layer and makes a module impossible to understand alone.
//!
//! The edges are read from the source: `crate::name` paths (also inside
//! `use crate::{a, b::c}` groups) in non-test code, with names the crate
//! root re-exports (`pub use session::Cabinet`) counted as their module.
//! The crate root itself is the composition root and is not a node.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates checked, from the workspace root.
const CRATES: [&str; 3] = [
    "crates/cabinet-core/src",
    "crates/cabinet-portal/src",
    "src-tauri/src",
];

type Graph = BTreeMap<String, BTreeSet<String>>;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its tests and comments.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The first path segments after each `crate::` in `code`.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(is_ident) {
            continue; // `some_crate::` is another crate
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            for item in split_top(&group[..end]) {
                let head: String = item.trim().chars().take_while(|&c| is_ident(c)).collect();
                if !head.is_empty() {
                    out.insert(head);
                }
            }
        } else {
            let head: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            if !head.is_empty() {
                out.insert(head);
            }
        }
    }
    out
}

fn matching_brace(s: &str) -> usize {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    s.len()
}

fn split_top(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The module graph of the crate whose sources are in `src`.
fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let root = ["lib.rs", "main.rs"]
        .iter()
        .map(|f| src.join(f))
        .find(|p| p.exists())
        .expect("a crate root");
    let module_of = |path: &Path| -> Option<String> {
        let rel = path.strip_prefix(src).ok()?;
        let first = rel.components().next()?.as_os_str().to_str()?;
        let name = first.trim_end_matches(".rs");
        (path != root && name != "main" && name != "lib").then(|| name.to_owned())
    };
    let modules: BTreeSet<String> = files.iter().filter_map(|p| module_of(p)).collect();
    // What the root re-exports: `pub use module::{A, B}` makes `crate::A`
    // an edge to `module`.
    let mut aliases = BTreeMap::new();
    let root_code = code(&std::fs::read_to_string(&root).unwrap());
    for statement in root_code.split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let module: String = path.chars().take_while(|&c| is_ident(c)).collect();
        if !modules.contains(&module) {
            continue;
        }
        let names = path[module.len()..].trim_start_matches("::");
        let names = names.trim_start_matches('{').trim_end_matches('}');
        for name in split_top(names) {
            let last = name.trim().rsplit("::").next().unwrap_or("").trim();
            let alias = last.rsplit(" as ").next().unwrap_or(last).trim();
            if !alias.is_empty() {
                aliases.insert(alias.to_owned(), module.clone());
            }
        }
    }
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for file in &files {
        let Some(from) = module_of(file) else {
            continue;
        };
        let text = code(&std::fs::read_to_string(file).unwrap());
        for head in crate_paths(&text) {
            let to = if modules.contains(&head) {
                head
            } else if let Some(m) = aliases.get(&head) {
                m.clone()
            } else {
                continue;
            };
            if to != from {
                graph.get_mut(&from).unwrap().insert(to);
            }
        }
    }
    graph
}

/// The strongly connected components of more than one module (Tarjan).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct Walk<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, v: &'g str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            for w in &self.graph[v] {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(lw);
                } else if self.stack.contains(&w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    component.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

/// A cycle as the edges that make it, for the failure message.
fn describe(graph: &Graph, cycle: &[String]) -> String {
    let members: BTreeSet<&String> = cycle.iter().collect();
    cycle
        .iter()
        .map(|m| {
            let to: Vec<&str> = graph[m]
                .iter()
                .filter(|t| members.contains(t))
                .map(String::as_str)
                .collect();
            format!("  {m} -> {}", to.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_app_crates_have_no_module_cycles() {
    let mut failures = Vec::new();
    for krate in CRATES {
        let graph = graph(&workspace().join(krate));
        assert!(graph.len() > 3, "{krate}: no modules found");
        for cycle in cycles(&graph) {
            failures.push(format!(
                "{krate}: {}\n{}",
                cycle.join(" ↔ "),
                describe(&graph, &cycle)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "module cycles:\n{}",
        failures.join("\n")
    );
}

/// The checker itself: a planted cycle is found, a layered graph is not,
/// and re-exports and `use crate::{…}` groups are edges.
#[test]
fn a_planted_cycle_is_found() {
    let dir = std::env::temp_dir().join(format!("module-cycles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("store")).unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write(
        "lib.rs",
        "mod facade; mod store; mod model;\npub use facade::Facade;\n",
    );
    write("model.rs", "pub struct Row;\n");
    write("store/mod.rs", "use crate::model::Row;\nmod sql;\n");
    write(
        "store/sql.rs",
        "use super::*;\n// crate::facade in a comment\n",
    );
    write(
        "facade.rs",
        "use crate::{model::Row, store};\npub struct Facade;\n#[cfg(test)]\nmod t { use crate::Facade; }\n",
    );
    let layered = graph(&dir);
    assert_eq!(
        layered["facade"],
        BTreeSet::from(["model".to_owned(), "store".to_owned()])
    );
    assert!(cycles(&layered).is_empty(), "{layered:?}");

    // The store reaches up to the facade through the root's re-export.
    write(
        "store/sql.rs",
        "use super::*;\nfn up() -> crate::Facade { todo!() }\n",
    );
    let planted = graph(&dir);
    assert_eq!(
        cycles(&planted),
        vec![vec!["facade".to_owned(), "store".to_owned()]]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
