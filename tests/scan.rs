//! `check --all-clusters` against the emulator: every cluster of the regions asked for, each
//! judged as `check --all` judges it, totals per region, and what could not be read listed
//! with why (never a silent skip, never exit 0).

use serde_json::Value;

use crate::emulator_support::*;

/// The JSON scan a run printed.
fn scan_json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON scan ({e}); exit {:?}\nstdout:\n{}\nstderr:\n{}",
            run.code, run.stdout, run.stderr
        )
    })
}

/// A healthy cluster `good` (returned) and a cluster `bad` whose task was started without
/// exec.
fn healthy_beside_broken(emu: &Emulator, good: &str, bad: &str) -> World {
    emu.world(Spec {
        exec_enabled: false,
        ..Spec::healthy(bad)
    });
    emu.world(Spec::healthy(good))
}

fn cluster<'a>(scan: &'a Value, name: &str) -> &'a Value {
    scan["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .find(|c| c["cluster"] == name)
        .unwrap_or_else(|| panic!("no cluster {name} in {scan:#}"))
}

/// Two clusters of the region, one of them with a task started without exec, and a second
/// region with none: each cluster judged, the broken one's task not ready with TK002, the
/// regions totalled, exit 1.
#[test]
fn every_cluster_of_every_region_is_judged_and_totalled() {
    let Some(emu) = Emulator::start() else { return };
    let good = healthy_beside_broken(&emu, "scangood", "scanbad");
    let run = emu
        .doctor(&good)
        .args(["check", "--all-clusters", "--format", "json"])
        .args(["--regions", &format!("{REGION},eu-west-3")])
        .run();
    run.assert_code(1);
    let scan = scan_json(&run);
    assert_eq!(
        scan["scan"]["regions"],
        serde_json::json!([REGION, "eu-west-3"])
    );
    let good = cluster(&scan, "scangood");
    assert_eq!(good["region"], REGION);
    assert_eq!(good["tally"]["ready"], 1, "{good:#}");
    let bad = cluster(&scan, "scanbad");
    assert_eq!(bad["tally"]["not_ready"], 1, "{bad:#}");
    assert!(
        bad["report"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "TK002" && r["status"] == "error"),
        "{bad:#}"
    );
    // The local tools are not a cluster's: not run per cluster.
    assert!(
        !good["report"]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "LC001"),
        "{good:#}"
    );
    let by_region = scan["scan"]["totals"]["by_region"].as_array().unwrap();
    assert_eq!(by_region[1]["region"], "eu-west-3");
    assert_eq!(by_region[1]["clusters"], 0);
    assert!(scan["scan"]["totals"]["tasks"].as_u64().unwrap() >= 2);
    assert!(scan["scan"]["unreadable"].as_array().unwrap().is_empty());
}

/// A region whose clusters cannot be listed is listed with the denied action, and the run
/// never exits 0 for it; the text report names it.
#[test]
fn a_region_that_cannot_be_read_is_listed_with_why() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("scandenied"));
    emu.shim.deny(&["ecs:ListClusters"]);
    let run = emu
        .doctor(&world)
        .args(["check", "--all-clusters", "--color", "never"])
        .run();
    emu.shim.deny(&[]);
    run.assert_code(1);
    assert!(run.stdout.contains("Could not be read"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("{REGION}: ecs:ListClusters")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 could not be read"), "{}", run.stdout);
}

/// Bad input is a one-line usage error (exit 2), before any call.
#[test]
fn all_clusters_refuses_what_it_cannot_combine() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("scanusage"));
    let run = emu
        .doctor(&world)
        .args(["check", "--all-clusters", "--regions", "moon-1"])
        .run();
    run.assert_code(2);
    assert!(
        run.stderr.contains("`moon-1` in --regions"),
        "{}",
        run.stderr
    );
    let run = emu
        .doctor(&world)
        .args(["check", "--all-clusters", "--service", "web"])
        .run();
    run.assert_code(2);
}

/// A cluster in another account, reached by assuming `--role-name` there: scanned beside
/// the caller's own account; an account whose role cannot be assumed is listed with why.
#[test]
fn other_accounts_are_read_through_the_role_and_an_unassumable_one_is_listed() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("scanhome"));
    let other = "111111111111";
    // The emulator keeps each account apart by the credentials an assumed role gives.
    let assumed = emu
        .block_on(
            emu.aws
                .sts
                .assume_role()
                .role_arn(format!("arn:aws:iam::{other}:role/doctor-read"))
                .role_session_name("seed")
                .send(),
        )
        .or_die("AssumeRole");
    let c = assumed.credentials().expect("credentials");
    let theirs = emu.block_on(Aws::connect(
        emu.shim.url(),
        aws_sdk_sts::config::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "seed",
        ),
    ));
    emu.block_on(theirs.ecs.create_cluster().cluster_name("scanaway").send())
        .or_die("CreateCluster in the other account");
    let home = emu
        .block_on(emu.aws.sts.get_caller_identity().send())
        .or_die("GetCallerIdentity")
        .account()
        .expect("account")
        .to_string();
    let run = emu
        .doctor(&world)
        .args(["check", "--all-clusters", "--format", "json"])
        .args(["--accounts", &format!("{home},{other}")])
        .args(["--role-name", "doctor-read"])
        .run();
    let scan = scan_json(&run);
    assert_eq!(scan["scan"]["accounts"], serde_json::json!([home, other]));
    let away = cluster(&scan, "scanaway");
    assert_eq!(away["account"], other);
    assert_eq!(cluster(&scan, "scanhome")["account"], home);
    assert!(
        !scan["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["cluster"] == "scanaway" && c["account"] == home),
        "each account sees its own clusters"
    );

    // The role cannot be assumed: that account is listed with the call and why, the caller's
    // own account is still scanned, and the run does not exit 0.
    emu.shim.deny(&["sts:AssumeRole"]);
    let run = emu
        .doctor(&world)
        .args(["check", "--all-clusters", "--format", "json"])
        .args(["--accounts", &format!("{home},{other}")])
        .args(["--role-name", "doctor-read"])
        .run();
    emu.shim.deny(&[]);
    run.assert_code(1);
    let scan = scan_json(&run);
    let unreadable = scan["scan"]["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1, "{scan:#}");
    assert_eq!(unreadable[0]["account"], other);
    assert!(
        unreadable[0]["reason"]
            .as_str()
            .unwrap()
            .contains("cannot assume `arn:aws:iam::111111111111:role/doctor-read`"),
        "{scan:#}"
    );
    cluster(&scan, "scanhome");

    // Another account without --role-name: a usage error before any scan.
    let run = emu
        .doctor(&world)
        .args(["check", "--all-clusters", "--accounts", other])
        .run();
    run.assert_code(2);
    assert!(run.stderr.contains("--role-name"), "{}", run.stderr);
}

/// `--organization`: the organization's accounts, listed by Organizations, each scanned (the
/// management account through the caller's own credentials, the member through the role).
#[test]
fn the_organizations_accounts_are_scanned() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::healthy("scanorg"));
    let orgs = &emu.aws.organizations;
    emu.block_on(
        orgs.create_organization()
            .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
            .send(),
    )
    .or_die("CreateOrganization");
    emu.block_on(
        orgs.create_account()
            .email("member@example.com")
            .account_name("member")
            .send(),
    )
    .or_die("CreateAccount");
    let listed: Vec<String> = emu
        .block_on(orgs.list_accounts().send())
        .or_die("ListAccounts")
        .accounts()
        .iter()
        .filter_map(|a| a.id().map(str::to_string))
        .collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let run = emu
        .doctor(&world)
        .args(["check", "--all-clusters", "--format", "json"])
        .args(["--organization", "--role-name", "doctor-read"])
        .run();
    let scan = scan_json(&run);
    let accounts: Vec<String> = scan["scan"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    for a in &listed {
        assert!(accounts.contains(a), "{a} not scanned: {scan:#}");
    }
    assert!(
        scan["scan"]["unreadable"].as_array().unwrap().is_empty(),
        "{scan:#}"
    );
    cluster(&scan, "scanorg");
}

/// `--format jsonl`: one line per task as each cluster is judged, then the totals; every
/// line is JSON on its own.
#[test]
fn json_lines_give_one_task_per_line_then_the_totals() {
    let Some(emu) = Emulator::start() else { return };
    let world = healthy_beside_broken(&emu, "scanlines", "scanlinesbad");
    let run = emu
        .doctor(&world)
        .args(["check", "--all-clusters", "--format", "jsonl"])
        .run();
    run.assert_code(1);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let task = |cluster: &str| {
        lines
            .iter()
            .find(|l| l["cluster"] == cluster)
            .unwrap_or_else(|| panic!("no line for {cluster}: {}", run.stdout))
    };
    assert_eq!(task("scanlines")["readiness"], "ready");
    let bad = task("scanlinesbad");
    assert_eq!(bad["readiness"], "not_ready");
    assert!(
        bad["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "TK002"),
        "{bad:#}"
    );
    let last = lines.last().expect("lines");
    assert!(last["totals"]["tasks"].as_u64().unwrap() >= 2, "{last:#}");
    assert!(
        last["totals"]["not_ready"].as_u64().unwrap() >= 1,
        "{last:#}"
    );
    // Not for a single cluster.
    let run = emu
        .doctor(&world)
        .args(["check", &world.cluster, "--all", "--format", "jsonl"])
        .run();
    run.assert_code(2);
}
