//! `install.sh` end to end: a release layout built here (a real tar.gz of the doctor's binary
//! and its `.sha256`) served by an HTTP server on loopback; the script must install and run
//! the binary, and refuse a corrupted archive without installing anything.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The target triple install.sh picks on this machine.
fn target() -> Option<String> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x86_64",
        "aarch64" => "aarch64",
        _ => return None,
    };
    match std::env::consts::OS {
        "linux" => Some(format!("{arch}-unknown-linux-musl")),
        "macos" => Some(format!("{arch}-apple-darwin")),
        _ => None,
    }
}

/// Serves `root` over HTTP/1.0 on a loopback port until the test process ends.
fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            if BufReader::new(&stream).read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let file = root.join(path.trim_start_matches('/'));
            let safe = !path.contains("..");
            match std::fs::read(&file) {
                Ok(body) if safe => {
                    let _ = write!(
                        stream,
                        "HTTP/1.0 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(&body);
                }
                _ => {
                    let _ = stream.write_all(
                        b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                }
            }
        }
    });
    url
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// `releases/download/TAG/ecs-exec-doctor-TARGET.tar.gz` (+ `.sha256`), as the release
/// workflow publishes them; `corrupt` writes the checksum of other bytes.
fn release(root: &Path, tag: &str, target: &str, corrupt: bool) {
    let name = format!("ecs-exec-doctor-{target}");
    let stage = root.join("stage").join(tag);
    std::fs::create_dir_all(stage.join(&name)).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_ecs-exec-doctor"),
        stage.join(&name).join("ecs-exec-doctor"),
    )
    .unwrap();
    let dir = root.join("releases/download").join(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let archive = dir.join(format!("{name}.tar.gz"));
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(&stage)
        .arg(&name)
        .status()
        .expect("tar");
    assert!(status.success());
    let mut digest = sha256(&archive);
    if corrupt {
        let first = if digest.starts_with('f') { 'e' } else { 'f' };
        digest = format!("{first}{}", &digest[1..]);
    }
    std::fs::write(
        dir.join(format!("{name}.tar.gz.sha256")),
        format!("{digest}  {name}.tar.gz\n"),
    )
    .unwrap();
}

fn install(url: &str, tag: &str, to: &Path) -> (String, String, i32) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh");
    let out = Command::new("sh")
        .arg(script)
        .args(["--version", tag, "--to"])
        .arg(to)
        .env("ECS_EXEC_DOCTOR_RELEASES", format!("{url}/releases"))
        .output()
        .expect("sh");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn install_script_installs_a_verified_release_and_refuses_a_corrupted_one() {
    let Some(target) = target() else { return };
    if Command::new("sha256sum").arg("--version").output().is_err() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    release(root.path(), "v9.9.9", &target, false);
    release(root.path(), "v9.9.8", &target, true);
    let url = serve(root.path().to_path_buf());

    let bin = root.path().join("bin");
    let (stdout, stderr, code) = install(&url, "v9.9.9", &bin);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let installed = bin.join("ecs-exec-doctor");
    let version = Command::new(&installed).arg("--version").output().unwrap();
    assert!(version.status.success());
    assert!(
        stdout.contains(&format!("to {}", installed.display())),
        "{stdout}"
    );

    let other = root.path().join("other");
    let (stdout, stderr, code) = install(&url, "v9.9.8", &other);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("checksum mismatch"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(!other.join("ecs-exec-doctor").exists(), "nothing installed");

    let (_, stderr, code) = install(&url, "v0.0.0", &other);
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot download"), "{stderr}");
}
