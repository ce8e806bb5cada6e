//! `check --all-clusters` against the emulator: every cluster of the regions asked for, each
//! judged as `check --all` judges it, totals per region, and what could not be read listed
//! with why (never a silent skip, never exit 0).

use serde_json::Value;

use crate::emulator_support::*;

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
    let good = emu.world(Spec::healthy("scangood"));
    let _bad = emu.world(Spec {
        exec_enabled: false,
        ..Spec::healthy("scanbad")
    });
    let run = emu
        .doctor(&good)
        .args(["check", "--all-clusters", "--format", "json"])
        .args(["--regions", &format!("{REGION},eu-west-3")])
        .run();
    run.assert_code(1);
    let scan: Value = serde_json::from_str(&run.stdout).expect("JSON");
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
