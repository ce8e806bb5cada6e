//! What a Terraform file may read besides itself: the targets of `file()` and
//! `templatefile()` (relative to its directory) and the other `.tf` files of its module.

use std::path::{Component, Path, PathBuf};

use ecs_exec_doctor_checks::lint::Files;

/// A referenced file larger than this is not read (its value stays unknown).
const MAX_REFERENCED: u64 = 1024 * 1024;
/// At most this many other `.tf` files of a module are read, each at most this large.
const MAX_SIBLINGS: usize = 64;
const MAX_SIBLING: u64 = 2 * 1024 * 1024;

/// The files around one file on disk.
pub struct Around {
    file: PathBuf,
    dir: PathBuf,
}

impl Around {
    pub fn new(file: &Path) -> Self {
        let dir = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Self {
            file: file.to_path_buf(),
            dir,
        }
    }
}

fn read_small(path: &Path, limit: u64) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > limit {
        return None;
    }
    String::from_utf8(std::fs::read(path).ok()?).ok()
}

impl Files for Around {
    fn read(&self, path: &str) -> Option<String> {
        let relative = Path::new(path);
        // Relative paths only (`./task.json`, `templates/x.json.tpl`, `../shared/y.json`).
        if relative
            .components()
            .any(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
        {
            return None;
        }
        read_small(&self.dir.join(relative), MAX_REFERENCED)
    }

    fn is_terraform(&self) -> bool {
        self.file.extension().is_some_and(|x| x == "tf")
    }

    fn siblings(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "tf") && *p != self.file)
            .collect();
        paths.sort();
        paths
            .iter()
            .take(MAX_SIBLINGS)
            .filter_map(|p| read_small(p, MAX_SIBLING))
            .collect()
    }
}
