use super::*;
use crate::lint::{NoFiles, lint};
use crate::report::Status;
use crate::runner::Selection;

/// Lints, fixes, lints again: the fixed text, the status of `code` after, and the lines that
/// changed (old, new).
fn fixed(text: &str, code: &str, unsafe_fixes: bool) -> (String, Vec<Status>, Vec<String>) {
    let report = lint(text.as_bytes(), &Selection::default());
    let planned = plan(text.as_bytes(), &report, &NoFiles, unsafe_fixes);
    let edits: Vec<&Edit> = planned
        .iter()
        .filter_map(|p| p.outcome.as_ref().ok())
        .collect();
    assert!(!edits.is_empty(), "nothing planned: {planned:?}");
    let out = apply(text, &edits);
    let after = lint(out.as_bytes(), &Selection::default());
    assert!(
        after.diagnostics.is_empty(),
        "{:?}\n{out}",
        after.diagnostics
    );
    let statuses = after
        .units
        .iter()
        .flat_map(|u| u.checks.iter().filter(|c| c.code == code).map(|c| c.status))
        .collect();
    let old: Vec<&str> = text.lines().collect();
    let changed = out
        .lines()
        .filter(|l| !old.contains(l))
        .map(str::to_string)
        .collect();
    (out, statuses, changed)
}

#[test]
fn cloudformation_yaml_service_gets_exec_in_place_or_added() {
    let t = "Resources:\n  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      Cluster: prod # the cluster\n      EnableExecuteCommand: false\n";
    let (out, st, changed) = fixed(t, "SV001", false);
    assert_eq!(st, [Status::Pass]);
    assert_eq!(changed, ["      EnableExecuteCommand: true"]);
    assert!(out.contains("# the cluster"));
    let missing = "Resources:\n  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      Cluster: prod\n      DesiredCount: 2\n";
    let (_, st, changed) = fixed(missing, "SV001", false);
    assert_eq!(st, [Status::Pass]);
    assert_eq!(changed, ["      EnableExecuteCommand: true"]);
}

#[test]
fn json_service_and_task_definition_keep_their_layout() {
    let t = "{\r\n  \"serviceName\": \"web\",\r\n  \"cluster\": \"prod\"\r\n}\r\n";
    let (out, st, _) = fixed(t, "SV001", false);
    assert_eq!(st, [Status::Pass]);
    assert_eq!(
        out,
        "{\r\n  \"enableExecuteCommand\": true,\r\n  \"serviceName\": \"web\",\r\n  \"cluster\": \"prod\"\r\n}\r\n"
    );
    let td = "{\n  \"family\": \"web\",\n  \"taskRoleArn\": \"arn:aws:iam::1:role/r\",\n  \"containerDefinitions\": [\n    {\n      \"name\": \"app\",\n      \"image\": \"nginx\"\n    }\n  ]\n}\n";
    let (out, st, changed) = fixed(td, "TD002", false);
    assert_eq!(st, [Status::Pass], "{out}");
    assert_eq!(
        changed,
        ["      \"linuxParameters\": {\"initProcessEnabled\": true},"]
    );
}

#[test]
fn terraform_service_gets_the_attribute_after_a_blank_line() {
    let t = "resource \"aws_ecs_service\" \"web\" {\n  name          = \"web\"\n  desired_count = 2\n}\n";
    let (out, st, _) = fixed(t, "SV001", false);
    assert_eq!(st, [Status::Pass]);
    assert_eq!(
        out,
        "resource \"aws_ecs_service\" \"web\" {\n  name          = \"web\"\n  desired_count = 2\n\n  enable_execute_command = true\n}\n"
    );
    let off = "resource \"aws_ecs_service\" \"web\" {\n  name                   = \"web\"\n  enable_execute_command = false\n}\n";
    let (out, st, _) = fixed(off, "SV001", false);
    assert_eq!(st, [Status::Pass]);
    assert_eq!(out, off.replace("= false", "= true"));
}

#[test]
fn yaml_containers_get_init_and_read_only_only_when_unsafe() {
    let t = "Resources:\n  T:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      TaskRoleArn: arn:aws:iam::1:role/r\n      ContainerDefinitions:\n        - Name: app\n          Image: nginx\n          ReadonlyRootFilesystem: true\n";
    let report = lint(t.as_bytes(), &Selection::default());
    let safe = plan(t.as_bytes(), &report, &NoFiles, false);
    assert!(safe.iter().all(|p| p.code != "TD001"), "{safe:?}");
    let (out, st, changed) = fixed(t, "TD001", true);
    assert_eq!(st, [Status::Pass], "{out}");
    assert!(
        changed.contains(&"          ReadonlyRootFilesystem: false".to_string()),
        "{changed:?}"
    );
    assert!(
        changed.contains(&"          LinuxParameters:".to_string()),
        "{changed:?}"
    );
    assert!(
        changed.contains(&"            InitProcessEnabled: true".to_string()),
        "{changed:?}"
    );
}

#[test]
fn copilot_manifest_gets_exec() {
    let t =
        "# The manifest\nname: api\ntype: Load Balanced Web Service\nimage:\n  build: Dockerfile\n";
    let (out, st, changed) = fixed(t, "SV001", false);
    assert_eq!(st, [Status::Pass], "{out}");
    assert_eq!(changed, ["exec: true"]);
    let off = "name: api\ntype: Backend Service\nexec: false # not yet\n";
    let (out, st, _) = fixed(off, "SV001", false);
    assert_eq!(st, [Status::Pass]);
    assert_eq!(
        out,
        "name: api\ntype: Backend Service\nexec: true # not yet\n"
    );
}

#[test]
fn generated_and_conditional_inputs_are_not_edited() {
    let cdk = r#"{"Resources": {"S": {"Type": "AWS::ECS::Service", "Properties": {"Cluster": "c"}, "Metadata": {"aws:cdk:path": "Stack/S"}}}}"#;
    let report = lint(cdk.as_bytes(), &Selection::default());
    let p = plan(cdk.as_bytes(), &report, &NoFiles, false);
    assert_eq!(p.len(), 1);
    assert!(p[0].outcome.as_ref().unwrap_err().contains("CDK"), "{p:?}");
    let cond = "Conditions:\n  P: !Equals [a, b]\nResources:\n  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      Cluster: c\n      EnableExecuteCommand: !If [P, true, false]\n";
    let report = lint(cond.as_bytes(), &Selection::default());
    let p = plan(cond.as_bytes(), &report, &NoFiles, false);
    assert!(
        !p.is_empty() && p.iter().all(|p| p.outcome.is_err()),
        "{p:?}"
    );
}

#[test]
fn a_block_scalar_or_a_continued_value_is_not_split() {
    let t = "Resources:\n  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      ServiceName: |\n        web\n      Cluster: prod\n";
    let (out, st, changed) = fixed(t, "SV001", false);
    assert_eq!(st, [Status::Pass]);
    assert_eq!(changed, ["      EnableExecuteCommand: true"]);
    assert!(
        out.contains("      Cluster: prod\n      EnableExecuteCommand: true\n"),
        "{out}"
    );
}

#[test]
fn cdk_output_without_paths_and_misspelled_keys_are_left_alone() {
    let cdk = r#"{"Resources": {"S": {"Type": "AWS::ECS::Service", "Properties": {"Cluster": "c"}}}, "Rules": {"CheckBootstrapVersion": {"Assertions": []}}}"#;
    let report = lint(cdk.as_bytes(), &Selection::default());
    let p = plan(cdk.as_bytes(), &report, &NoFiles, false);
    assert!(p[0].outcome.as_ref().unwrap_err().contains("CDK"), "{p:?}");
    let lower = "Resources:\n  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      Cluster: c\n      enableExecuteCommand: true\n";
    let report = lint(lower.as_bytes(), &Selection::default());
    let p = plan(lower.as_bytes(), &report, &NoFiles, false);
    assert!(
        p[0].outcome.as_ref().unwrap_err().contains("rename it"),
        "{p:?}"
    );
}
