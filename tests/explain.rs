//! `explain` (error text, stdin, files, check codes, catalog ids, formats, exit codes) and
//! `check --error` on recorded scenarios.

use std::io::Write;

use assert_cmd::Command;

use crate::support::{doctor, run, scenario};

const E01: &str = "An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later.";

#[track_caller]
fn usage_error(cmd: &mut Command, needle: &str) {
    let (stdout, stderr, code) = run(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.starts_with("ecs-exec-doctor: error:") && stderr.contains(needle),
        "expected {needle:?} in {stderr:?}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn explains_an_error_given_as_an_argument() {
    let (stdout, stderr, code) = run(doctor().args(["explain", E01, "--color", "never"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("TargetNotConnectedException (E01):"),
        "{stdout}"
    );
    assert!(stdout.contains("Causes, most likely first"));
    assert!(stdout.contains("confirm: IR001 task-role-present, IR002 task-role-ssmmessages"));
    assert!(stdout.contains("confirm by hand: nothing in the configuration explains it"));
    assert!(stdout.contains(
        "$ ecs-exec-doctor check CLUSTER TASK --select IR001,IR002,TD003,TD001,NW001,NW003,NW004,NW005,TK003,TD005,TD004,TK005,TK006,IR005,TD007,IR003,CL003,NW002,CL001,TK002 --error TargetNotConnectedException"
    ));
    insta::assert_snapshot!("explain_e01_text", stdout);
}

#[test]
fn several_words_are_one_text_and_wrapping_does_not_matter() {
    let (stdout, _, code) = run(doctor().args([
        "explain",
        "the",
        "execute",
        "command",
        "agent",
        "isn\u{2019}t",
        "run\nning",
    ]));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("ExecuteCommandNotEnabled (E02):"),
        "{stdout}"
    );
}

#[test]
fn reads_a_whole_terminal_paste_from_stdin() {
    let paste = format!(
        "$ aws ecs execute-command --cluster prod --task arn:aws:ecs:eu-west-1:123456789012:task/prod/0123456789abcdef0123456789abcdef --interactive --command /bin/bash\n\n\
         The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.\n\n\n\
         {E01}\n$ # once more, an hour later\n\nStarting session with SessionId: ecs-execute-command-0f0a8dbc107109cb4\n\n\
         ----------ERROR-------\nUnable to start command: Failed to start pty: fork/exec /bin/bash: no such file or directory\n"
    );
    let (stdout, stderr, code) = run(doctor()
        .args(["explain", "-", "--color", "never"])
        .write_stdin(paste));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("2 known errors in this text"),
        "{stdout}"
    );
    let e01 = stdout.find("TargetNotConnectedException (E01)").unwrap();
    let e23 = stdout.find("CommandNotFoundInImage (E23)").unwrap();
    assert!(e01 < e23);
    assert!(stdout.contains("(E12) is printed before every attempt and is not an error"));
    // The cluster and task come from the ARN in the paste.
    assert!(
        stdout.contains(
            "$ ecs-exec-doctor check prod 0123456789abcdef0123456789abcdef --select IR001"
        )
    );
}

#[test]
fn reads_a_file() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        file,
        "2023-09-29 16:35:36 ERROR [MessageGatewayService] Failed to get controlchannel token, error: CreateControlChannel failed with error: createControlChannel request failed: unexpected response from the service <BadRequest xmlns=\"\"><message>Unauthorized request.</message></BadRequest>"
    )
    .unwrap();
    let (stdout, _, code) = run(doctor().args(["explain", "--file"]).arg(file.path()));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("ControlChannelFailed (E26):"),
        "{stdout}"
    );
}

#[test]
fn explains_a_check_by_code_or_name() {
    for key in ["TK003", "tk003", "exec-agent-running"] {
        let (stdout, stderr, code) = run(doctor().args(["explain", key, "--color", "never"]));
        assert_eq!(code, 0, "{key}: {stderr}");
        assert!(
            stdout.starts_with("TK003 exec-agent-running (error"),
            "{stdout}"
        );
        assert!(stdout.contains("What it checks"));
        assert!(stdout.contains("Errors it explains"));
        assert!(
            stdout.contains("E01 TargetNotConnectedException (cause 6)"),
            "{stdout}"
        );
        assert!(stdout.contains("E27 ExecuteCommandAgentStopped"));
        assert!(stdout.contains("$ ecs-exec-doctor check CLUSTER TASK --select TK003"));
    }
}

#[test]
fn explains_a_catalog_entry_by_id() {
    let (stdout, _, code) = run(doctor().args(["explain", "E28", "--color", "never"]));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("IdleTimeout (E28):"), "{stdout}");
    assert!(
        !stdout.contains("Run the checks"),
        "E28 has no linked check: {stdout}"
    );
    let (stdout, _, code) = run(doctor().args(["explain", "E22", "--color", "never"]));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("StartSessionEof (E22):"), "{stdout}");
    assert!(stdout.contains("message: Cannot perform start session: EOF"));
    assert!(stdout.contains("Run the checks"), "{stdout}");
}

#[test]
fn unknown_text_exits_1_with_the_closest_entries() {
    // About ECS Exec, with no signature: the closest known problems, with the words shared
    // and a confidence, never "unrecognised".
    let text = "An error occurred (ThrottlingException) when calling the ExecuteCommand operation: Rate exceeded for the session handshake";
    let (stdout, stderr, code) = run(doctor().args(["explain", text, "--color", "never"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("no known ECS Exec error signature in this text"),
        "{stdout}"
    );
    assert!(stdout.contains("it is the AWS error ThrottlingException from ExecuteCommand"));
    assert!(
        stdout.contains("the closest known problems, by the words they share"),
        "{stdout}"
    );
    assert!(stdout.contains("HandshakeTimedOut"), "{stdout}");
    assert!(
        stdout.contains("confidence; matched:") && stdout.contains("handshake"),
        "{stdout}"
    );

    // Nothing about ECS Exec: unrecognised, exit 1, the nearest by name.
    let (stdout, _, code) = run(doctor().args(["explain", "TargetNotConectedExeption"]));
    assert_eq!(code, 1);
    assert!(
        stdout.contains("closest known errors:") && stdout.contains("E01"),
        "{stdout}"
    );

    let (stdout, _, _) = run(doctor().args(["explain", "exec-agent-runing"]));
    assert!(
        stdout.contains("checks with a similar name: exec-agent-running"),
        "{stdout}"
    );

    let (stdout, _, code) = run(doctor().args([
        "explain",
        "The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.\nsomething odd happened",
    ]));
    assert_eq!(code, 1, "the benign notice alone is not an explanation");
    assert!(stdout.contains("(E12) in it is printed before every attempt"));
    let (_, _, code) = run(doctor().args([
        "explain",
        "The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.",
    ]));
    assert_eq!(code, 0, "the notice on its own is explained");
}

#[test]
fn bad_usage_exits_2() {
    usage_error(doctor().args(["explain"]), "nothing to explain");
    usage_error(doctor().args(["explain", "  "]), "nothing to explain");
    usage_error(
        doctor().args(["explain", "-"]).write_stdin("\n\n"),
        "nothing to explain",
    );
    usage_error(
        doctor().args([
            "explain",
            "--file",
            "/nonexistent/ecs-exec-doctor/paste.txt",
        ]),
        "cannot read /nonexistent/ecs-exec-doctor/paste.txt",
    );
    usage_error(doctor().args(["explain", "TK999"]), "did you mean");
    usage_error(doctor().args(["explain", "E99"]), "unknown code `E99`");
    let (_, stderr, code) = run(doctor().args(["explain", "x", "--file", "y"]));
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn markdown_is_ticket_ready() {
    let (stdout, _, code) = run(doctor().args(["explain", E01, "--format", "markdown"]));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("## ecs-exec-doctor explain\n"));
    assert!(stdout.contains("| ID | Error | Phase | Matched text |"));
    assert!(stdout.contains("### E01 TargetNotConnectedException"));
    assert!(stdout.contains("| # | Cause | How to confirm | Fix |"));
    assert!(stdout.contains("```sh\necs-exec-doctor check CLUSTER TASK --select IR001"));
    insta::assert_snapshot!("explain_e01_markdown", stdout);

    let (stdout, _, code) = run(doctor().args(["explain", "TK002", "--format", "markdown"]));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("## TK002 exec-enabled-on-task\n"));
    assert!(stdout.contains("### Errors it explains"));
    assert!(stdout.contains("| E02 | ExecuteCommandNotEnabled:"));

    let (stdout, _, code) =
        run(doctor().args(["explain", "--format", "markdown", "no such thing here"]));
    assert_eq!(code, 1);
    assert!(stdout.contains("**No known ECS Exec error signature in this text.**"));
}

#[test]
fn json_lists_every_match_with_its_command() {
    let (stdout, _, code) = run(doctor().args(["explain", E01, "--format", "json"]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["recognised"], true);
    assert_eq!(v["matches"][0]["id"], "E01");
    assert_eq!(v["matches"][0]["phase"], "P1");
    assert_eq!(v["matches"][0]["causes"][0]["checks"][0]["code"], "IR001");
    assert!(
        v["matches"][0]["command"]
            .as_str()
            .unwrap()
            .contains("--select IR001,IR002")
    );
    assert_eq!(v["aws_error"]["code"], "TargetNotConnectedException");

    let (stdout, _, code) = run(doctor().args(["explain", "TK003", "--format", "json"]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["input"], "check");
    assert!(
        v["explains"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == "E27")
    );
}

#[test]
fn check_error_puts_the_explaining_checks_first() {
    let replay = scenario("task-role-without-ssmmessages");
    let (stdout, _, code) = run(doctor()
        .args(["check", "--color", "never", "--error", E01, "--replay"])
        .arg(&replay));
    assert_eq!(code, 1);
    let section = stdout
        .find("Your error: TargetNotConnectedException (E01)")
        .unwrap();
    assert!(section < stdout.find("Local prerequisites").unwrap());
    assert!(stdout.contains("IR002 explains TargetNotConnectedException (E01)"));
    assert!(stdout.contains("← explains E01 (cause 1)"));

    let (stdout, _, _) = run(doctor()
        .args(["check", "--format", "json", "--error", E01, "--replay"])
        .arg(&replay));
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let ctx = &v["error_context"];
    assert_eq!(ctx["verdict"], "explained");
    assert_eq!(ctx["explained_by"][0]["code"], "IR002");
    assert_eq!(v["results"][0]["code"], ctx["linked"][0]);
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    let at = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert!(at("error_context") < at("results"), "{keys:?}");

    let (stdout, _, _) = run(doctor()
        .args(["check", "--format", "markdown", "--error", E01, "--replay"])
        .arg(&replay));
    assert!(stdout.find("### Your error").unwrap() < stdout.find("### Summary").unwrap());
    assert!(stdout.contains("| explains it (E01 cause 1) |"));
}

#[test]
fn check_error_on_a_healthy_task_is_not_all_green() {
    let (stdout, _, code) = run(doctor()
        .args(["check", "--color", "never", "--error", E01, "--replay"])
        .arg(scenario("healthy-fargate")));
    assert_eq!(code, 0);
    assert!(stdout.contains("every check linked to TargetNotConnectedException (E01) passes"));
    assert!(stdout.contains("what remains (no check can show these):"));
    assert!(stdout.contains("has not registered yet"));
    assert!(stdout.contains("a service-side issue"));
    assert!(
        !stdout.contains("Nothing found that stops ECS Exec"),
        "{stdout}"
    );
}

#[test]
fn check_markdown_is_ticket_ready() {
    let (stdout, _, code) = run(doctor()
        .args(["check", "--format", "markdown", "--replay"])
        .arg(scenario("task-role-without-ssmmessages")));
    assert_eq!(code, 1);
    assert!(stdout.starts_with("## ecs-exec-doctor: cluster `prod`, task `"));
    assert!(stdout.contains("**1 error, 0 warnings,"));
    let summary = stdout.find("### Summary").unwrap();
    let findings = stdout.find("### Findings and fixes").unwrap();
    assert!(summary < findings);
    // Every row of the summary table has exactly its five cell borders.
    let table: Vec<&str> = stdout[summary..findings]
        .lines()
        .filter(|l| l.starts_with('|'))
        .collect();
    assert!(table.len() > 20);
    for row in table {
        let borders = row.len() - row.replace('|', "").len() - row.matches("\\|").count();
        assert_eq!(borders, 5, "{row}");
    }
    assert!(stdout.contains("#### error `IR002` task-role-ssmmessages:"));
    assert!(stdout.contains("**Fix:** allow the ssmmessages actions on"));
    assert!(stdout.contains("```sh\naws iam put-role-policy --role-name web-task"));
    assert!(stdout.contains("**Fix:** the same as above"));
}

/// describe-tasks output pasted beside the error: its facts rank the causes, are checked, and
/// the JSON says why each cause is where it is.
#[test]
fn pasted_describe_tasks_json_ranks_the_causes_and_is_checked() {
    let paste = format!(
        "$ aws ecs describe-tasks --cluster prod --tasks 0123456789abcdef0123456789abcdef\n{{\n  \"tasks\": [\n    {{\n      \"taskArn\": \"arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef\",\n      \"clusterArn\": \"arn:aws:ecs:us-east-1:123456789012:cluster/prod\",\n      \"lastStatus\": \"RUNNING\",\n      \"launchType\": \"FARGATE\",\n      \"platformVersion\": \"1.4.0\",\n      \"enableExecuteCommand\": true,\n      \"containers\": [{{\"name\": \"app\", \"lastStatus\": \"RUNNING\", \"managedAgents\": [{{\"name\": \"ExecuteCommandAgent\", \"lastStatus\": \"STOPPED\", \"reason\": null}}]}}]\n    }}\n  ]\n}}\n{E01}\n"
    );
    let (stdout, stderr, code) = run(doctor()
        .args(["explain", "-", "--color", "never"])
        .write_stdin(paste.clone()));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Causes, most likely for this text first"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "why: ranked first because the paste shows the ExecuteCommandAgent is STOPPED"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("Checks on the facts in this text"),
        "{stdout}"
    );
    assert!(stdout.contains("FAIL TK003 exec-agent-running"), "{stdout}");

    let (json, _, _) = run(doctor()
        .args(["explain", "-", "--format", "json"])
        .write_stdin(paste));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let first = &v["matches"][0]["causes"][0];
    assert_eq!(first["rank"], 1, "{first}");
    assert_eq!(first["because"][0]["clue"], "agent-stopped", "{first}");
    assert!(first["catalog_rank"].as_u64().unwrap() > 1);
    let verdicts = &v["pasted_facts"][0]["verdicts"];
    assert!(
        verdicts
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["code"] == "TK003" && x["status"] == "error"),
        "{verdicts}"
    );
    assert!(
        v["clues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["clue"] == "fargate")
    );
}

/// A task definition alone, with no error message: its checks still run (exit 0).
#[test]
fn a_pasted_task_definition_alone_is_checked() {
    let paste = "{\"taskDefinition\": {\"family\": \"web\", \"revision\": 3, \"containerDefinitions\": [{\"name\": \"web\", \"image\": \"nginx\", \"readonlyRootFilesystem\": true}]}}";
    let (stdout, stderr, code) = run(doctor()
        .args(["explain", "-", "--color", "never"])
        .write_stdin(paste));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("No known ECS Exec error message in this text."),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL TD001 readonly-root-filesystem"),
        "{stdout}"
    );
}

// ---- Input size: explain reads at most 1 MiB from any source ----

const MAX_INPUT: usize = 1024 * 1024;

/// A paste of exactly `len` bytes: the error, then ordinary log lines.
fn paste_of(len: usize) -> String {
    let mut text = format!("{E01}\n");
    while text.len() < len {
        text.push_str("2024-05-02 10:00:00 INFO request served in 12 ms\n");
    }
    text.truncate(len);
    text
}

#[track_caller]
fn explained(cmd: &mut Command) {
    let (stdout, stderr, code) = run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("TargetNotConnectedException (E01)"),
        "{stdout}"
    );
}

#[test]
fn stdin_and_files_up_to_the_cap_are_explained_and_over_it_refused() {
    let dir = tempfile::tempdir().unwrap();
    let at_cap = dir.path().join("at-cap.txt");
    let over = dir.path().join("over.txt");
    std::fs::write(&at_cap, paste_of(MAX_INPUT)).unwrap();
    std::fs::write(&over, paste_of(MAX_INPUT + 1)).unwrap();
    explained(doctor().args(["explain", "--file"]).arg(&at_cap));
    usage_error(
        doctor().args(["explain", "--file"]).arg(&over),
        "over the 1 MiB explain reads: pass only the error message and the lines around it",
    );
    explained(
        doctor()
            .args(["explain", "-"])
            .write_stdin(paste_of(MAX_INPUT)),
    );
    explained(
        doctor()
            .args(["explain", "--file", "-"])
            .write_stdin(paste_of(MAX_INPUT)),
    );
    for args in [&["explain", "-"][..], &["explain", "--file", "-"]] {
        usage_error(
            doctor().args(args).write_stdin(paste_of(MAX_INPUT + 1)),
            "the text on stdin is over the 1 MiB",
        );
    }
    // Much larger input is refused after reading just over the cap: a 4 GiB sparse file and
    // 64 MiB on stdin.
    let huge = dir.path().join("huge.log");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(4 << 30)
        .unwrap();
    usage_error(
        doctor().args(["explain", "--file"]).arg(&huge),
        "huge.log is over the 1 MiB",
    );
    usage_error(
        doctor()
            .args(["explain", "-"])
            .write_stdin(paste_of(64 * MAX_INPUT)),
        "over the 1 MiB",
    );
}

/// Arguments are capped the same way (joined with spaces); one argument can hold at most
/// 128 KiB on Linux, so the paste is split over several.
#[test]
fn arguments_up_to_the_cap_are_explained_and_over_it_refused() {
    let words = |len: usize| -> Vec<String> {
        // n words joined by n - 1 spaces make `len` bytes.
        let n = 10;
        let text = paste_of(len - (n - 1));
        let step = text.len() / n;
        (0..n)
            .map(|i| {
                let end = if i == n - 1 {
                    text.len()
                } else {
                    (i + 1) * step
                };
                text[i * step..end].to_string()
            })
            .collect()
    };
    let at_cap = words(MAX_INPUT);
    assert_eq!(at_cap.join(" ").len(), MAX_INPUT);
    explained(doctor().args(["explain", "--"]).args(&at_cap));
    usage_error(
        doctor().args(["explain", "--"]).args(words(MAX_INPUT + 1)),
        "the text given as arguments is over the 1 MiB",
    );
}

// -------------------------------------------------------------------------------------------
// Hardening: what explain and check --error quote back from a paste has its secrets masked and
// no control character of it reaches the terminal.
// -------------------------------------------------------------------------------------------

const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A terminal paste: the command with an access key on one line with the error, coloured, with
/// a title-setting OSC, a clear-screen, a bell and a C1 CSI in it and the secret key after it,
/// and a task definition with a password in its environment.
fn hostile_paste() -> String {
    format!(
        "$ AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[31mAn error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error.\u{7}\u{9b}2J Try again later.\u{1b}[0m AWS_SECRET_ACCESS_KEY={SECRET_KEY}\n{{\"containerDefinitions\": [{{\"name\": \"app\", \"readonlyRootFilesystem\": true, \"environment\": [{{\"name\": \"DB_PASSWORD\", \"value\": \"Sup3r-S3cret-Pa55\"}}]}}]}}\n"
    )
}

#[track_caller]
fn assert_clean(what: &str, out: &[u8], own_colours: bool) {
    let text = String::from_utf8_lossy(out);
    for secret in [SECRET_KEY, "IOSFODNN7EXAMPLE", "Sup3r-S3cret-Pa55"] {
        assert!(
            !text.contains(secret),
            "{what}: {secret} got through\n{text}"
        );
    }
    for raw in ["\u{1b}[2J", "\u{1b}]", "\u{7}", "\u{9b}"] {
        assert!(!text.contains(raw), "{what}: {raw:?} got through\n{text}");
    }
    if !own_colours {
        assert!(
            !out.contains(&0x1b),
            "{what}: an escape byte got through\n{text}"
        );
    }
}

#[test]
fn a_hostile_paste_is_quoted_back_masked_and_escaped_in_every_format() {
    let paste = hostile_paste();
    for format in ["text", "markdown", "json"] {
        for color in ["never", "always"] {
            let out = doctor()
                .args(["explain", "-", "--format", format, "--color", color])
                .write_stdin(paste.as_str())
                .output()
                .unwrap();
            let what = format!("explain --format {format} --color {color}");
            assert_eq!(out.status.code(), Some(0), "{what}");
            assert_clean(&what, &out.stdout, format == "text" && color == "always");
            assert!(out.stderr.is_empty(), "{what}");
            let stdout = String::from_utf8(out.stdout).unwrap();
            assert!(stdout.contains("E01"), "{what}\n{stdout}");
            assert!(
                stdout.contains("AWS_ACCESS_KEY_ID=AKIA****************"),
                "{what}\n{stdout}"
            );
            // The bell is shown, escaped; JSON escapes the backslash once more.
            assert!(
                stdout.contains("internal error.\\u{7}")
                    || stdout.contains("internal error.\\\\u{7}"),
                "{what}\n{stdout}"
            );
        }
    }
    // The same paste as check --error on a recording.
    for format in ["text", "markdown", "json"] {
        let out = doctor()
            .args(["check", "--replay"])
            .arg(scenario("healthy-fargate"))
            .args(["--format", format, "--color", "never", "--error", &paste])
            .output()
            .unwrap();
        let what = format!("check --error --format {format}");
        assert_clean(&what, &out.stdout, false);
        assert!(!out.stderr.contains(&0x1b));
        if format != "text" {
            let stdout = String::from_utf8(out.stdout).unwrap();
            assert!(
                stdout.contains("AWS_SECRET_ACCESS_KEY=[masked]"),
                "{what}\n{stdout}"
            );
        }
    }
}
