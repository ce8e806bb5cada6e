//! Finds the AWS CLI and session-manager-plugin on `PATH` and reads their versions without
//! starting the Python-based CLI (over half a second): from the install layout (the v2
//! installer's `aws-cli/v2/X.Y.Z/` directory, Homebrew's `Cellar/awscli/X.Y.Z/`) or the
//! package metadata next to a pip-installed CLI (`awscli-X.Y.Z.dist-info`). Only when neither
//! is there does it run `aws --version`. The plugin is a small Go binary; running its
//! `--version` takes milliseconds. The CPU architecture of the plugin is read from its
//! executable header.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use ecs_exec_doctor_checks::model::{LocalTools, ToolProbe};
use ecs_exec_doctor_checks::version::DottedVersion;

pub fn probe() -> LocalTools {
    LocalTools {
        aws_cli: aws_cli(),
        session_manager_plugin: plugin(),
        host_arch: std::env::consts::ARCH.to_string(),
        host_os: std::env::consts::OS.to_string(),
    }
}

/// The first executable called `name` on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let names: Vec<String> = if cfg!(windows) {
        vec![
            format!("{name}.exe"),
            format!("{name}.cmd"),
            format!("{name}.bat"),
        ]
    } else {
        vec![name.to_string()]
    };
    for dir in std::env::split_paths(&path) {
        for n in &names {
            let candidate = dir.join(n);
            if is_executable(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

fn aws_cli() -> ToolProbe {
    let Some(path) = which("aws") else {
        return ToolProbe::default();
    };
    let mut probe = ToolProbe {
        found: true,
        path: Some(path.display().to_string()),
        ..Default::default()
    };
    // A pyenv shim is a shell script that picks the real `aws` of the selected version.
    let path = resolve_pyenv_shim(&path).unwrap_or(path);
    if let Some(v) = version_from_install_path(&path) {
        probe.version = Some(v);
        probe.version_source = Some("install path".into());
        return probe;
    }
    if let Some(v) = version_from_python_metadata(&path) {
        probe.version = Some(v);
        probe.version_source = Some("package metadata".into());
        return probe;
    }
    match run_version(&path, Duration::from_secs(5)) {
        Ok(text) => match parse_aws_version_output(&text) {
            Some(v) => {
                probe.version = Some(v);
                probe.version_source = Some("`aws --version`".into());
            }
            None => {
                probe.problem = Some(format!(
                    "unexpected `aws --version` output: {}",
                    first_line(&text)
                ))
            }
        },
        Err(e) => probe.problem = Some(e),
    }
    probe
}

/// The executable a pyenv shim (`$PYENV_ROOT/shims/NAME`) runs: `PYENV_VERSION`, else the
/// nearest `.python-version`, else `$PYENV_ROOT/version`; the first listed version that has
/// the executable wins.
pub fn resolve_pyenv_shim(path: &Path) -> Option<PathBuf> {
    let shims = path.parent()?;
    if shims.file_name()? != "shims" {
        return None;
    }
    let root = shims.parent()?;
    if !root.join("versions").is_dir() {
        return None;
    }
    let selected = std::env::var("PYENV_VERSION")
        .ok()
        .or_else(|| {
            let mut dir = std::env::current_dir().ok();
            while let Some(d) = dir {
                if let Ok(text) = std::fs::read_to_string(d.join(".python-version")) {
                    return Some(text);
                }
                dir = d.parent().map(Path::to_path_buf);
            }
            None
        })
        .or_else(|| std::fs::read_to_string(root.join("version")).ok())?;
    let name = path.file_name()?;
    selected
        .split([':', '\n', ' '])
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "system")
        .map(|v| root.join("versions").join(v).join("bin").join(name))
        .find(|candidate| is_executable(candidate))
}

/// `.../aws-cli/v2/2.15.0/dist/aws`, `.../Cellar/awscli/2.15.0/bin/aws`, and the same through
/// symlinks (`/usr/local/bin/aws` → `.../v2/current/bin/aws` → `.../v2/2.15.0/...`).
pub fn version_from_install_path(path: &Path) -> Option<String> {
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let parts: Vec<String> = resolved
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    for window in parts.windows(2) {
        let (parent, child) = (&window[0], &window[1]);
        let parent_lc = parent.to_ascii_lowercase();
        let marks_version = parent_lc == "v2"
            || parent_lc == "v1"
            || parent_lc == "awscli"
            || parent_lc == "aws-cli";
        if marks_version && child.matches('.').count() >= 2 && DottedVersion::parse(child).is_some()
        {
            return Some(child.clone());
        }
    }
    None
}

/// `awscli-1.32.0.dist-info` (or `.egg-info`) in the site-packages of the interpreter the
/// script's shebang names, or of the virtualenv/pipx environment the script lives in.
pub fn version_from_python_metadata(path: &Path) -> Option<String> {
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path).ok()?.read(&mut head).ok()?;
    let head = String::from_utf8_lossy(&head[..n]);
    let shebang = head.lines().next()?.strip_prefix("#!")?.trim().to_string();
    let interpreter = PathBuf::from(shebang.split_whitespace().next()?);
    let mut prefixes = Vec::new();
    for base in [interpreter.as_path(), path] {
        if let Some(prefix) = base.parent().and_then(Path::parent) {
            prefixes.push(prefix.to_path_buf());
        }
        if let Ok(real) = std::fs::canonicalize(base)
            && let Some(prefix) = real.parent().and_then(Path::parent)
        {
            prefixes.push(prefix.to_path_buf());
        }
    }
    for prefix in prefixes {
        for lib in ["lib", "lib64", "Lib"] {
            let Ok(entries) = std::fs::read_dir(prefix.join(lib)) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().to_string();
                let site = if name.starts_with("python") {
                    entry.path().join("site-packages")
                } else if name == "site-packages" {
                    entry.path()
                } else {
                    continue;
                };
                let Ok(pkgs) = std::fs::read_dir(&site) else {
                    continue;
                };
                for pkg in pkgs.flatten() {
                    let pkg = pkg.file_name().to_string_lossy().to_string();
                    for suffix in [".dist-info", ".egg-info"] {
                        if let Some(v) = pkg
                            .strip_prefix("awscli-")
                            .and_then(|r| r.strip_suffix(suffix))
                            && DottedVersion::parse(v).is_some()
                        {
                            return Some(v.to_string());
                        }
                    }
                }
            }
        }
    }
    None
}

/// `aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22` → `2.15.0`.
pub fn parse_aws_version_output(text: &str) -> Option<String> {
    let rest = text.split("aws-cli/").nth(1)?;
    let v = rest.split_whitespace().next()?;
    DottedVersion::parse(v).map(|_| v.to_string())
}

fn plugin() -> ToolProbe {
    let Some(path) = which("session-manager-plugin") else {
        return ToolProbe::default();
    };
    let mut probe = ToolProbe {
        found: true,
        path: Some(path.display().to_string()),
        arch: executable_arch(&path),
        ..Default::default()
    };
    match run_version(&path, Duration::from_secs(3)) {
        Ok(text) => {
            let line = first_line(&text);
            if DottedVersion::parse(&line).is_some() {
                probe.version = Some(line);
                probe.version_source = Some("--version".into());
            } else {
                probe.problem = Some(format!("unexpected `--version` output: {line}"));
            }
        }
        Err(e) => probe.problem = Some(e),
    }
    probe
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

/// Runs `path --version` with a deadline; stdout and stderr together (v1 of the CLI prints
/// its version on stderr).
fn run_version(path: &Path, deadline: Duration) -> Result<String, String> {
    let mut child = Command::new(path)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run it: {e}"))?;
    let started = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`--version` did not finish within {} s",
                    deadline.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(format!("cannot run it: {e}")),
        }
    }
    // A version banner is a line; a tool that prints more is read only this far.
    const MAX_OUTPUT: u64 = 64 * 1024;
    let mut out = Vec::new();
    if let Some(s) = child.stdout.take() {
        let _ = s.take(MAX_OUTPUT).read_to_end(&mut out);
    }
    if let Some(s) = child.stderr.take() {
        let _ = s.take(MAX_OUTPUT).read_to_end(&mut out);
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The CPU an executable was built for, from its ELF or Mach-O header.
pub fn executable_arch(path: &Path) -> Option<String> {
    let mut header = [0u8; 20];
    let mut file = std::fs::File::open(path).ok()?;
    file.read_exact(&mut header).ok()?;
    arch_of_header(&header).map(str::to_string)
}

pub fn arch_of_header(h: &[u8]) -> Option<&'static str> {
    if h.len() >= 20 && &h[..4] == b"\x7fELF" {
        let little = h[5] == 1;
        let machine = if little {
            u16::from_le_bytes([h[18], h[19]])
        } else {
            u16::from_be_bytes([h[18], h[19]])
        };
        return match machine {
            0x3e => Some("x86_64"),
            0xb7 => Some("aarch64"),
            0x03 => Some("x86"),
            0x28 => Some("arm"),
            _ => None,
        };
    }
    if h.len() >= 8 {
        let magic = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        if magic == 0xfeed_facf {
            let cpu = u32::from_le_bytes([h[4], h[5], h[6], h[7]]);
            return match cpu {
                0x0100_0007 => Some("x86_64"),
                0x0100_000c => Some("aarch64"),
                _ => None,
            };
        }
    }
    None
}
