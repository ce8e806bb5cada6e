//! `check --probe` end to end: the real binary opens sessions through the emulator's
//! ExecuteCommand, speaks the data channel to its emulated agent, and always terminates the
//! session. Every stage's failure, the clean-up after a timeout and after Ctrl-C, and that no
//! token or stream URL reaches any output or recording.

use ecs_exec_doctor_checks::Status;
use ecs_exec_doctor_checks::report::probe::{Probe, Stage};
use serde_json::{Value, json};

use crate::emulator_support::*;

/// The doctor, probing the world's first task, its stream URLs sent to the emulated agent.
fn probe_run(emu: &Emulator, world: &World, extra: &[&str]) -> Run {
    probe_doctor(emu, world, "json", extra).run()
}

fn probe_doctor(emu: &Emulator, world: &World, format: &str, extra: &[&str]) -> Doctor {
    probe_target(emu, world, &[&world.tasks[0]], format, extra)
}

/// `check CLUSTER TARGET... --probe` for the world, its stream URLs sent to the emulated agent.
fn probe_target(
    emu: &Emulator,
    world: &World,
    target: &[&str],
    format: &str,
    extra: &[&str],
) -> Doctor {
    emu.doctor(world)
        .env(
            "ECS_EXEC_DOCTOR_TEST_STREAM_ENDPOINT",
            channel_endpoint(emu),
        )
        .args(["check", &world.cluster])
        .args(target)
        .args(["--format", format, "--probe"])
        .args(["--ignore", &local_codes().join(",")])
        .args(extra)
}

fn channel_endpoint(emu: &Emulator) -> String {
    let answer = emu.shim.control("GET", "/_shim/channel", None);
    answer["endpoint"]
        .as_str()
        .unwrap_or_else(|| panic!("the emulated data channel is not running: {answer}"))
        .to_string()
}

fn set_channel(emu: &Emulator, settings: Value) {
    emu.shim.control("POST", "/_shim/channel", Some(settings));
}

fn sessions(emu: &Emulator) -> Vec<Value> {
    emu.shim.control("GET", "/_shim/sessions", None)["sessions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Every session the probe opened was terminated, and its tokens never left the channel.
fn assert_cleaned_up(emu: &Emulator, run: &Run) {
    for s in sessions(emu) {
        assert!(
            !s["terminatedAt"].is_null(),
            "session {} left open: {s:#}",
            s["sessionId"]
        );
        for secret in ["tokenValue", "streamUrl"] {
            let value = s[secret].as_str().unwrap();
            assert!(!run.stdout.contains(value), "{secret} in stdout");
            assert!(!run.stderr.contains(value), "{secret} in stderr");
        }
        assert!(
            !run.stdout.contains("cell-number"),
            "a stream URL in stdout"
        );
    }
}

fn only_probe(run: &Run) -> Probe {
    let report = run.report();
    assert_eq!(report.probes.len(), 1, "{:#?}", report.probes);
    report.probes[0].clone()
}

fn stage(p: &Probe, s: Stage) -> Status {
    p.stages
        .iter()
        .find(|x| x.stage == s)
        .unwrap_or_else(|| panic!("no {s:?} stage: {p:#?}"))
        .status
}

#[test]
fn a_healthy_task_is_verified_by_a_real_session_and_the_session_is_closed() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("probeok"));
    let run = probe_run(&emu, &world, &[]);
    run.assert_code(0);
    let p = only_probe(&run);
    assert!(p.verified(), "{p:#?}");
    assert!(p.closed);
    for s in [
        Stage::Api,
        Stage::Connect,
        Stage::Open,
        Stage::Command,
        Stage::Close,
    ] {
        assert_eq!(stage(&p, s), Status::Pass, "{s:?}: {p:#?}");
    }
    // No KMS key: the agent skips the handshake.
    assert_eq!(stage(&p, Stage::Encryption), Status::NotApplicable);
    assert_eq!(p.command, "true");
    assert!(
        run.stderr
            .contains("--probe: opening a real ECS Exec session"),
        "{}",
        run.stderr
    );
    let opened = sessions(&emu);
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0]["command"], "true");
    let connection = &opened[0]["connections"][0];
    assert_eq!(connection["unacked"], json!([]), "{connection:#}");
    assert_eq!(connection["problems"], json!([]), "{connection:#}");
    assert_cleaned_up(&emu, &run);

    // The text report says it first, before any check.
    let text = probe_doctor(&emu, &world, "text", &[]).run();
    text.assert_code(0);
    let verified = text.stdout.find("verified at").expect(&text.stdout);
    let checks = text.stdout.find("Caller").unwrap_or(usize::MAX);
    assert!(verified < checks, "{}", text.stdout);
}

#[test]
fn a_kms_encrypted_session_does_the_handshake_and_the_challenge() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::rich("probekms"));
    set_channel(&emu, json!({"output": "probe-marker\n"}));
    let run = probe_run(&emu, &world, &["--probe-command", "echo probe-marker"]);
    run.assert_code(0);
    let p = only_probe(&run);
    assert!(p.verified(), "{p:#?}");
    assert_eq!(stage(&p, Stage::Handshake), Status::Pass);
    assert_eq!(stage(&p, Stage::Encryption), Status::Pass);
    assert!(
        p.output.as_deref().unwrap_or("").contains("probe-marker"),
        "{p:#?}"
    );
    let connection = &sessions(&emu)[0]["connections"][0];
    assert_eq!(connection["encrypted"], true, "{connection:#}");
    assert_eq!(connection["problems"], json!([]), "{connection:#}");
    assert_cleaned_up(&emu, &run);
}

#[test]
fn an_agent_without_a_control_channel_is_a_verified_red_with_the_checks_that_explain_it() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("probenc"));
    set_channel(&emu, json!({"targetConnected": false}));
    let run = probe_run(&emu, &world, &[]);
    run.assert_code(1);
    let report = run.report();
    let p = &report.probes[0];
    assert_eq!(stage(p, Stage::Api), Status::Error);
    let api = p.stages.iter().find(|s| s.stage == Stage::Api).unwrap();
    assert_eq!(api.error.as_deref(), Some("TargetNotConnectedException"));
    assert_eq!(stage(p, Stage::Connect), Status::Unknown);
    assert_eq!(stage(p, Stage::Close), Status::NotApplicable);
    assert!(p.closed && p.session_id.is_none());
    // The probe's error is triaged like a paste: the network and agent checks come first.
    let ctx = report
        .error_context
        .as_ref()
        .expect("the probe's error explained");
    assert!(ctx.from_probe);
    assert!(ctx.linked.iter().any(|c| c.starts_with("NW")), "{ctx:#?}");
    assert_eq!(report.results[0].code, ctx.linked[0]);
    assert!(sessions(&emu).is_empty());
    // In words: what no API can show at that stage.
    let text = probe_doctor(&emu, &world, "text", &[]).run();
    assert!(
        text.stdout.contains("The probe's error:"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("what the APIs cannot show"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_denied_execute_command_is_the_real_decision() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("probedenied"));
    emu.shim.deny(&["ecs:ExecuteCommand"]);
    let run = probe_run(&emu, &world, &[]);
    emu.shim.deny(&[]);
    run.assert_code(1);
    let p = only_probe(&run);
    let api = p.stages.iter().find(|s| s.stage == Stage::Api).unwrap();
    assert_eq!(api.status, Status::Error);
    assert_eq!(
        api.error.as_deref(),
        Some("AccessDeniedException"),
        "{p:#?}"
    );
}

#[test]
fn every_data_channel_failure_is_its_own_stage_and_the_session_is_still_closed() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("probefail"));
    let cases: [(&str, Stage, &str); 4] = [
        ("agent_error", Stage::Command, "Failed to start pty"),
        ("bad_token", Stage::Open, "refused the data channel"),
        ("drop", Stage::Command, "connection"),
        ("stall", Stage::Open, "did not answer before the timeout"),
    ];
    for (behaviour, failed, says) in cases {
        // Output, so that `drop` has a message to send before it drops.
        set_channel(
            &emu,
            json!({"behaviour": behaviour, "output": "partial output\n"}),
        );
        let run = probe_run(&emu, &world, &["--timeout", "4"]);
        run.assert_code(1);
        let p = only_probe(&run);
        let first = p
            .failed_stage()
            .unwrap_or_else(|| panic!("{behaviour}: {p:#?}"));
        assert_eq!(first.stage, failed, "{behaviour}: {p:#?}");
        assert!(first.detail.contains(says), "{behaviour}: {p:#?}");
        assert!(p.closed, "{behaviour}: {p:#?}");
        assert_eq!(stage(&p, Stage::Close), Status::Pass, "{behaviour}");
        assert_cleaned_up(&emu, &run);
    }
}

#[test]
fn a_session_that_cannot_be_closed_says_how_to_close_it() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("probeclose"));
    emu.shim.deny(&["ssm:TerminateSession"]);
    let run = probe_run(&emu, &world, &[]);
    emu.shim.deny(&[]);
    run.assert_code(1);
    let p = only_probe(&run);
    assert!(p.verified(), "the session itself worked: {p:#?}");
    assert!(!p.closed);
    let id = p.session_id.clone().unwrap();
    assert_eq!(
        p.close_command.as_deref(),
        Some(format!("aws ssm terminate-session --session-id {id}").as_str())
    );
}

#[test]
fn an_interrupted_probe_still_terminates_its_session() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("probeint"));
    set_channel(&emu, json!({"behaviour": "stall"}));
    let child = probe_doctor(&emu, &world, "json", &["--timeout", "60"]).spawn();
    // Wait for the session to be open, then Ctrl-C.
    let opened = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        sessions(&emu)
            .iter()
            .any(|s| !s["connections"].as_array().is_none_or(|c| c.is_empty()))
    });
    assert!(opened, "no session was opened");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("the doctor ends");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    let p = only_probe(&run);
    assert!(
        p.stages.iter().any(|s| s.detail.contains("interrupted")),
        "{p:#?}"
    );
    assert!(p.closed, "{p:#?}");
    assert_cleaned_up(&emu, &run);
}

#[test]
fn a_recording_keeps_the_probe_without_secrets_and_replays_it_without_probing() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::rich("proberec"));
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("probe.json");
    let run = probe_run(&emu, &world, &["--record", recording.to_str().unwrap()]);
    run.assert_code(0);
    let text = std::fs::read_to_string(&recording).unwrap();
    for s in sessions(&emu) {
        assert!(
            !text.contains(s["tokenValue"].as_str().unwrap()),
            "a token in the recording"
        );
    }
    assert!(
        !text.contains("cell-number") && !text.contains("wss://"),
        "a stream URL in the recording"
    );
    let recorded: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(recorded["probes"].as_array().map(Vec::len), Some(1));
    let before = sessions(&emu).len();
    let replay = emu
        .bare_doctor()
        .args([
            "check",
            "--replay",
            recording.to_str().unwrap(),
            "--format",
            "json",
        ])
        .args(["--ignore", &local_codes().join(",")])
        .run();
    replay.assert_code(0);
    assert_eq!(only_probe(&replay), run.report().probes[0]);
    assert_eq!(sessions(&emu).len(), before, "the replay opened a session");
    let refused = emu
        .bare_doctor()
        .args(["check", "--replay", recording.to_str().unwrap(), "--probe"])
        .run();
    refused.assert_code(2);
}

#[test]
fn a_service_probes_one_ready_task_and_one_task_per_problem_never_every_task() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec {
        service: Some(Service {
            name: "api".into(),
            exec_enabled: true,
            deployment_controller: None,
        }),
        tasks: 3,
        ..Spec::healthy("probefleet")
    });
    // One task's exec agent has stopped: a problem group of its own.
    emu.shim
        .set_agent(&world.tasks[2], "web", Some("STOPPED"), "the agent exited");
    let run = probe_target(&emu, &world, &["--service", "api"], "json", &[]).run();
    run.assert_code(1);
    let report = run.report();
    assert_eq!(report.probes.len(), 2, "{:#?}", report.probes);
    let broken = world.tasks[2].rsplit('/').next().unwrap();
    assert!(
        report.probes[0].verified(),
        "the ready task first: {:#?}",
        report.probes
    );
    assert_eq!(report.probes[1].task, broken);
    let api = &report.probes[1].stages[0];
    assert_eq!(
        api.error.as_deref(),
        Some("InvalidParameterException"),
        "{api:#?}"
    );
    assert_cleaned_up(&emu, &run);
    // --probe-tasks caps it.
    let capped = probe_target(
        &emu,
        &world,
        &["--service", "api"],
        "json",
        &["--probe-tasks", "1"],
    )
    .run();
    assert_eq!(capped.report().probes.len(), 1);
}

#[test]
fn probe_and_wait_exit_0_only_after_a_session_worked() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("probewait"));
    set_channel(&emu, json!({"targetConnected": false}));
    let run = probe_run(&emu, &world, &["--wait", "8s"]);
    run.assert_code(1);
    assert!(run.stderr.contains("again in 5 s"), "{}", run.stderr);
    assert!(!only_probe(&run).verified());
    set_channel(&emu, json!({"targetConnected": true}));
    let run = probe_run(&emu, &world, &["--wait", "30s"]);
    run.assert_code(0);
    assert!(only_probe(&run).verified());
}

#[test]
fn a_session_that_works_while_a_check_is_red_is_said_plainly() {
    let Some(emu) = Emulator::start() else { return };
    // The emulator's agent does not need the task role: the session works, IR002 is red.
    let world = emu.world(Spec {
        task_role: Some(TaskRole {
            ssmmessages: false,
            kms_decrypt: false,
        }),
        ..Spec::healthy("probecontra")
    });
    let run = probe_doctor(&emu, &world, "text", &[]).run();
    // The red check still fails the run: the probe does not hide it.
    run.assert_code(1);
    assert!(
        run.stdout.contains("the session worked, yet IR002 is red"),
        "{}",
        run.stdout
    );
}
