//! Finds the files to lint: named files as they are, directories recursively (sorted, so runs
//! are reproducible), skipping `.git`, `node_modules`, `target` and CDK asset directories
//! (`cdk.out/asset.*`), and filtered by `--include` / `--exclude` globs.

use std::path::{Component, Path, PathBuf};

use super::glob::Glob;

/// Directory names never descended into.
pub const SKIPPED_DIRS: [&str; 3] = [".git", "node_modules", "target"];

/// What a directory walk considers when no `--include` is given.
pub const DEFAULT_EXTENSIONS: [&str; 5] = ["json", "yaml", "yml", "template", "tf"];

#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    /// Relative to the working directory when under it, `/`-separated.
    pub display: String,
    /// Named on the command line (reported even when it is not recognised).
    pub explicit: bool,
}

#[derive(Debug, Default)]
pub struct Walk {
    pub inputs: Vec<Input>,
    /// Paths that could not be read: (display, message).
    pub errors: Vec<(String, String)>,
}

/// `path` relative to `cwd` when under it, lexically normalised, with `/` separators.
pub fn display(path: &Path, cwd: &Path) -> String {
    let relative = path.strip_prefix(cwd).unwrap_or(path);
    let mut parts: Vec<String> = Vec::new();
    let mut absolute = false;
    for c in relative.components() {
        match c {
            Component::RootDir => absolute = true,
            Component::Prefix(p) => parts.push(p.as_os_str().to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn skipped_dir(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    SKIPPED_DIRS.contains(&name)
        || (name.starts_with("asset.")
            && path
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|p| p == "cdk.out"))
}

fn candidate(display: &str, include: &[Glob]) -> bool {
    if include.is_empty() {
        let ext = display
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase());
        ext.is_some_and(|e| DEFAULT_EXTENSIONS.contains(&e.as_str()))
    } else {
        include.iter().any(|g| g.matches(display))
    }
}

pub fn collect(paths: &[PathBuf], cwd: &Path, include: &[Glob], exclude: &[Glob]) -> Walk {
    let mut walk = Walk::default();
    for path in paths {
        let shown = display(path, cwd);
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                walk.errors
                    .push((shown, format!("cannot read {}: {e}", path.display())));
                continue;
            }
        };
        if meta.is_file() {
            walk.inputs.push(Input {
                path: path.clone(),
                display: shown,
                explicit: true,
            });
            continue;
        }
        let mut stack = vec![path.clone()];
        let mut found = Vec::new();
        while let Some(dir) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) => {
                    walk.errors.push((
                        display(&dir, cwd),
                        format!("cannot read directory {}: {e}", dir.display()),
                    ));
                    continue;
                }
            };
            let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
            entries.sort_by_key(|e| e.file_name());
            for entry in entries.into_iter().rev() {
                let p = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let shown = display(&p, cwd);
                if exclude.iter().any(|g| g.matches(&shown)) {
                    continue;
                }
                if kind.is_dir() {
                    if !skipped_dir(&p) {
                        stack.push(p);
                    }
                } else if (kind.is_file() || (kind.is_symlink() && p.is_file()))
                    && candidate(&shown, include)
                {
                    found.push(Input {
                        path: p,
                        display: shown,
                        explicit: false,
                    });
                }
            }
        }
        found.sort_by(|a, b| a.display.cmp(&b.display));
        walk.inputs.extend(found);
    }
    walk
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_sorted_and_skips() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "b.json",
            "a.yaml",
            "notes.txt",
            "sub/c.yml",
            "node_modules/x.json",
            ".git/y.json",
            "target/z.json",
            "cdk.out/asset.123/q.json",
            "cdk.out/Stack.template.json",
            "legacy/old.json",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "{}").unwrap();
        }
        let exclude = vec![Glob::new("legacy").unwrap()];
        let w = collect(&[root.to_path_buf()], root, &[], &exclude);
        let names: Vec<&str> = w.inputs.iter().map(|i| i.display.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "a.yaml",
                "b.json",
                "cdk.out/Stack.template.json",
                "sub/c.yml"
            ]
        );
        let include = vec![Glob::new("*.txt").unwrap()];
        let w = collect(&[root.to_path_buf()], root, &include, &[]);
        assert_eq!(w.inputs.len(), 1);
        let w = collect(&[root.join("missing.json")], root, &[], &[]);
        assert_eq!(w.errors.len(), 1);
        assert_eq!(w.errors[0].0, "missing.json");
    }

    #[test]
    fn display_paths() {
        let cwd = Path::new("/repo");
        assert_eq!(display(Path::new("/repo/a/b.json"), cwd), "a/b.json");
        assert_eq!(display(Path::new("./a/../b.json"), cwd), "b.json");
        assert_eq!(display(Path::new("../x.json"), cwd), "../x.json");
        assert_eq!(
            display(Path::new("/elsewhere/x.json"), cwd),
            "/elsewhere/x.json"
        );
        assert_eq!(display(Path::new("."), cwd), ".");
    }
}
