//! Finds the files to lint: named files as they are, directories recursively with ripgrep's
//! `ignore` walker (sorted, so runs are reproducible; `.gitignore`, `.ignore` and hidden files
//! respected unless `--no-ignore`), skipping `.git`, `node_modules`, `target` and CDK asset
//! directories (`cdk.out/asset.*`), and filtered by `--include` / `--exclude` globs.

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
    /// The linted root it was found under, symbolic links resolved (see `files`): what its
    /// `file()` calls may read.
    pub root: Option<PathBuf>,
}

#[derive(Debug, Default)]
pub struct Walk {
    pub inputs: Vec<Input>,
    /// Paths that could not be read: (display, message).
    pub errors: Vec<(String, String)>,
    /// Paths skipped with a warning: (display, message).
    pub warnings: Vec<(String, String)>,
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

/// How directories are walked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `--no-ignore`: also what `.gitignore`, `.ignore` and git's excludes leave out, and
    /// hidden files and directories.
    pub no_ignore: bool,
}

pub fn collect(
    paths: &[PathBuf],
    cwd: &Path,
    include: &[Glob],
    exclude: &[Glob],
    options: Options,
) -> Walk {
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
                root: super::files::root_of(path, true),
            });
            continue;
        }
        let linted_root = super::files::root_of(path, false);
        // ripgrep's walker: .gitignore / .ignore / git excludes and hidden files respected
        // (also outside a git repository), unless --no-ignore.
        let respect = !options.no_ignore;
        let root = path.clone();
        let cwd_owned = cwd.to_path_buf();
        let exclude_dirs = exclude.to_vec();
        let walker = ignore::WalkBuilder::new(path)
            .standard_filters(respect)
            .require_git(false)
            .follow_links(false)
            .sort_by_file_name(std::cmp::Ord::cmp)
            .filter_entry(move |entry| {
                let p = entry.path();
                if p == root {
                    return true;
                }
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                let skipped = is_dir && skipped_dir(p);
                let excluded = exclude_dirs
                    .iter()
                    .any(|g| g.matches(&display(p, &cwd_owned)));
                !skipped && !excluded
            })
            .build();
        let mut found = Vec::new();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let at = match &e {
                        ignore::Error::WithPath { path, .. } => display(path, cwd),
                        _ => shown.clone(),
                    };
                    walk.errors.push((at, format!("cannot read: {e}")));
                    continue;
                }
            };
            let p = entry.path();
            let is_file = entry.file_type().is_some_and(|t| t.is_file())
                || (entry.path_is_symlink() && p.is_file());
            if !is_file {
                continue;
            }
            let shown = display(p, cwd);
            if !candidate(&shown, include) {
                continue;
            }
            // A link to outside the directory is not followed: the directory is what was
            // asked for, and a link in it may point anywhere (`/proc/self/environ`).
            if entry.path_is_symlink()
                && !std::fs::canonicalize(p).is_ok_and(|real| {
                    linted_root
                        .as_deref()
                        .is_some_and(|r| super::files::inside(&real, r))
                })
            {
                walk.warnings.push((
                    shown,
                    "skipped: a symbolic link to outside the linted directory; name its target on the command line to lint it".into(),
                ));
                continue;
            }
            found.push(Input {
                path: p.to_path_buf(),
                display: shown,
                explicit: false,
                root: linted_root.clone(),
            });
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
        let w = collect(
            &[root.to_path_buf()],
            root,
            &[],
            &exclude,
            Options::default(),
        );
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
        let w = collect(
            &[root.to_path_buf()],
            root,
            &include,
            &[],
            Options::default(),
        );
        assert_eq!(w.inputs.len(), 1);
        let w = collect(
            &[root.join("missing.json")],
            root,
            &[],
            &[],
            Options::default(),
        );
        assert_eq!(w.errors.len(), 1);
        assert_eq!(w.errors[0].0, "missing.json");
    }

    #[test]
    fn gitignore_ignore_files_and_hidden_files_unless_no_ignore() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "keep.json",
            "generated/out.json",
            "scratch.json",
            ".hidden/h.json",
            ".github/x.yml",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "{}").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "generated/\n").unwrap();
        std::fs::write(root.join(".ignore"), "scratch.json\n").unwrap();
        let names = |o: Options| -> Vec<String> {
            collect(&[root.to_path_buf()], root, &[], &[], o)
                .inputs
                .into_iter()
                .map(|i| i.display)
                .collect()
        };
        assert_eq!(names(Options::default()), ["keep.json"]);
        assert_eq!(
            names(Options { no_ignore: true }),
            [
                ".github/x.yml",
                ".hidden/h.json",
                "generated/out.json",
                "keep.json",
                "scratch.json"
            ]
        );
        // A directory named on the command line is walked even when a parent ignores it.
        let generated = collect(
            &[root.join("generated")],
            root,
            &[],
            &[],
            Options::default(),
        );
        assert_eq!(generated.inputs.len(), 1, "{:?}", generated.inputs);
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
