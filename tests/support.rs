//! Helpers shared by the offline CLI test modules.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The real binary with no AWS configuration from the machine running the tests, and no
/// waiting on instance metadata.
pub fn doctor() -> Command {
    let mut cmd = Command::cargo_bin("ecs-exec-doctor").unwrap();
    let home = std::env::temp_dir().join("ecs-exec-doctor-cli-test-home");
    std::fs::create_dir_all(&home).unwrap();
    cmd.env_clear()
        .env("HOME", &home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.join("missing-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("missing-credentials"),
        );
    cmd
}

/// The recording of scenario `name`.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios")
        .join(name)
        .join("snapshot.json")
}

/// Runs and returns (stdout, stderr, exit code).
pub fn run(cmd: &mut Command) -> (String, String, i32) {
    let out = cmd.output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}
