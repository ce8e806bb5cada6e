//! What a Terraform file may read besides itself: the targets of `file()` and
//! `templatefile()` (relative to its directory) and the other `.tf` files of its module.
//!
//! Every read stays inside the *linted root*: the directory named on the command line, or for
//! a file named on the command line its directory (the default, `.`, is the working
//! directory). A path is resolved lexically (`..`) and then with its symbolic links, and both
//! must be inside the root: `file("../../etc/passwd")`, `file("/proc/self/environ")` or a
//! link to them is refused and the value stays unknown. The root is deliberately not widened
//! to the enclosing git repository: a repository at `$HOME` (dotfiles) would make the whole
//! home directory readable by any file linted under it. Only regular files are read (a FIFO
//! would block forever, a device or `/proc` file is not configuration), at most as many bytes
//! as the file had when it was looked at, and never more than the input size limit.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use ecs_exec_doctor_checks::lint::{Files, MAX_FILE_SIZE, Unread};

/// At most this many other `.tf` files of a module are read, each at most this large.
const MAX_SIBLINGS: usize = 64;
const MAX_SIBLING: u64 = 2 * 1024 * 1024;
/// What the `file()` / `templatefile()` calls of one file may read in all: a file that calls
/// `file()` on the same large target thousands of times is refused past it.
const READ_BUDGET: u64 = 4 * MAX_FILE_SIZE as u64;

/// The files around one file on disk.
pub struct Around {
    file: PathBuf,
    /// The file's directory, with its symbolic links resolved.
    dir: Option<PathBuf>,
    /// The linted root, with its symbolic links resolved.
    root: Option<PathBuf>,
    /// Bytes the calls may still read.
    budget: std::cell::Cell<u64>,
}

impl Around {
    /// `root` is the linted root the file was found under (see the module docs).
    pub fn new(file: &Path, root: Option<&Path>) -> Self {
        let dir = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Self {
            file: file.to_path_buf(),
            dir: std::fs::canonicalize(dir).ok(),
            root: root.map(Path::to_path_buf),
            budget: std::cell::Cell::new(READ_BUDGET),
        }
    }

    fn outside(&self) -> Unread {
        Unread::Refused("outside the linted directory".into())
    }
}

/// The linted root for a path named on the command line: the directory itself, or a file's
/// directory; symbolic links resolved. `None` when it cannot be resolved (nothing is then read
/// besides the file).
pub fn root_of(arg: &Path, is_file: bool) -> Option<PathBuf> {
    let dir = if is_file {
        arg.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    } else {
        arg
    };
    std::fs::canonicalize(dir).ok()
}

/// Whether a resolved path is inside a resolved root.
pub fn inside(path: &Path, root: &Path) -> bool {
    path.starts_with(root)
}

/// `path` with `.` and `..` resolved lexically (no file system access).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Kernel pseudo file systems: never configuration, and some of their files block a reader
/// (`/proc/kmsg`) or are endless.
fn pseudo(path: &Path) -> bool {
    cfg!(unix)
        && ["/proc", "/sys", "/dev"]
            .iter()
            .any(|p| path.starts_with(p))
}

/// Why [`read_regular`] read nothing.
#[derive(Debug)]
pub enum NotRead {
    /// The file system's error (no such file, permission denied).
    Io(std::io::Error),
    /// Larger than the limit: its size.
    TooLarge(u64),
    /// Not a regular file, or a pseudo-file: why.
    Refused(&'static str),
}

impl From<NotRead> for Unread {
    fn from(e: NotRead) -> Self {
        match e {
            NotRead::Io(_) => Unread::Missing,
            NotRead::TooLarge(_) => Unread::Refused(format!(
                "larger than the {} MiB input limit",
                MAX_FILE_SIZE / (1024 * 1024)
            )),
            NotRead::Refused(why) => Unread::Refused(why.into()),
        }
    }
}

/// Reads a regular file of at most `limit` bytes. A FIFO, a device, a directory or a
/// pseudo-file is refused without being opened, and no more bytes are read than the file had
/// when it was looked at (a `/proc` file reports 0). The file opened must be the one looked
/// at (same device and inode): one swapped in between is refused rather than read.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, NotRead> {
    let meta = std::fs::metadata(path).map_err(NotRead::Io)?;
    if !meta.is_file() {
        return Err(NotRead::Refused("not a regular file"));
    }
    if std::fs::canonicalize(path).is_ok_and(|p| pseudo(&p)) {
        return Err(NotRead::Refused("a kernel pseudo-file"));
    }
    if meta.len() > limit {
        return Err(NotRead::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(NotRead::Io)?;
    let opened = file.metadata().map_err(NotRead::Io)?;
    if !opened.is_file() || !same_file(&meta, &opened) {
        return Err(NotRead::Refused("replaced while it was read"));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(meta.len())
        .read_to_end(&mut bytes)
        .map_err(NotRead::Io)?;
    Ok(bytes)
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

impl Around {
    /// `path` (relative to the file's directory, or absolute) resolved, when inside the root.
    fn resolve(&self, path: &str) -> Result<PathBuf, Unread> {
        let (Some(dir), Some(root)) = (&self.dir, &self.root) else {
            return Err(Unread::Missing);
        };
        // Lexically first, so that nothing outside is even looked at.
        let joined = normalize(&dir.join(path));
        if !inside(&joined, root) {
            return Err(self.outside());
        }
        let real = std::fs::canonicalize(&joined).map_err(|_| Unread::Missing)?;
        if !inside(&real, root) {
            return Err(Unread::Refused(
                "a symbolic link to outside the linted directory".into(),
            ));
        }
        Ok(real)
    }
}

impl Files for Around {
    fn read(&self, path: &str) -> Result<String, Unread> {
        let real = self.resolve(path)?;
        let left = self.budget.get();
        let bytes = match read_regular(&real, left.min(MAX_FILE_SIZE as u64)) {
            Ok(bytes) => bytes,
            Err(NotRead::TooLarge(size)) if size <= MAX_FILE_SIZE as u64 => {
                return Err(Unread::Refused(format!(
                    "the files this file reads exceed {} MiB in all",
                    READ_BUDGET / (1024 * 1024)
                )));
            }
            Err(e) => return Err(e.into()),
        };
        self.budget.set(left - bytes.len() as u64);
        String::from_utf8(bytes).map_err(|_| Unread::Refused("not UTF-8 text".into()))
    }

    fn is_terraform(&self) -> bool {
        self.file.extension().is_some_and(|x| x == "tf")
    }

    fn siblings(&self) -> Vec<String> {
        let (Some(dir), Some(root)) = (&self.dir, &self.root) else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let this = std::fs::canonicalize(&self.file).ok();
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "tf"))
            .collect();
        paths.sort();
        paths
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            // A sibling linked from outside the root is not read, as a `file()` target is not.
            .filter(|p| inside(p, root) && Some(p) != this.as_ref())
            .take(MAX_SIBLINGS)
            .filter_map(|p| read_regular(&p, MAX_SIBLING).ok())
            .filter_map(|b| String::from_utf8(b).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("/a/b/../c/./d")), Path::new("/a/c/d"));
        assert_eq!(normalize(Path::new("/a/../../..")), Path::new("/"));
    }

    #[cfg(unix)]
    #[test]
    fn reads_only_regular_files_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(root.join("mod")).unwrap();
        std::fs::write(root.join("mod/main.tf"), "").unwrap();
        std::fs::write(root.join("task.json"), "[]").unwrap();
        std::fs::write(root.join("mod/other.tf"), "locals {}").unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.tf"), "locals { s = 1 }").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.tf"), root.join("mod/link.tf"))
            .unwrap();
        let around = Around::new(&root.join("mod/main.tf"), Some(&root));
        assert_eq!(around.read("../task.json").unwrap(), "[]");
        assert_eq!(
            around
                .read(root.join("task.json").to_str().unwrap())
                .unwrap(),
            "[]"
        );
        assert_eq!(around.read("../nope.json"), Err(Unread::Missing));
        for refused in [
            "../../x.json",
            "/etc/hostname",
            "/proc/self/environ",
            "link.tf",
        ] {
            assert!(
                matches!(around.read(refused), Err(Unread::Refused(_))),
                "{refused}"
            );
        }
        // The link is not read as a sibling either; the file itself is not its own sibling.
        assert_eq!(around.siblings(), ["locals {}"]);
        // Without a root nothing is read.
        assert_eq!(
            Around::new(&root.join("mod/main.tf"), None).read("../task.json"),
            Err(Unread::Missing)
        );
        assert!(matches!(
            read_regular(Path::new("/proc/self/status"), 1 << 20),
            Err(NotRead::Refused(_))
        ));
        assert!(matches!(
            read_regular(&root, 1 << 20),
            Err(NotRead::Refused(_))
        ));
        assert!(matches!(
            read_regular(&root.join("task.json"), 1),
            Err(NotRead::TooLarge(2))
        ));
    }

    #[test]
    fn reads_are_capped_per_file_and_in_all() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::write(root.join("main.tf"), "").unwrap();
        std::fs::write(root.join("small.json"), "[1234]").unwrap();
        let huge = std::fs::File::create(root.join("huge.json")).unwrap();
        huge.set_len(MAX_FILE_SIZE as u64 + 1).unwrap();
        let around = Around::new(&root.join("main.tf"), Some(&root));
        match around.read("huge.json") {
            Err(Unread::Refused(why)) => assert!(why.contains("20 MiB input limit"), "{why}"),
            other => panic!("{other:?}"),
        }
        // What one file's calls read is budgeted: the same file read again and again stops.
        around.budget.set(10);
        assert_eq!(around.read("small.json").unwrap(), "[1234]");
        match around.read("small.json") {
            Err(Unread::Refused(why)) => assert!(why.contains("in all"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
