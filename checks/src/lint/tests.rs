//! End-to-end tests of the pure lint pipeline: text in, located findings out.

use super::*;
use crate::check::Severity;

fn run(text: &str) -> FileReport {
    lint(text.as_bytes(), &Selection::default())
}

fn find<'a>(r: &'a FileReport, code: &str) -> Vec<&'a LintFinding> {
    r.units
        .iter()
        .flat_map(|u| &u.checks)
        .filter(|c| c.code == code)
        .flat_map(|c| &c.findings)
        .collect()
}

fn status(r: &FileReport, unit: usize, code: &str) -> Status {
    r.units[unit]
        .checks
        .iter()
        .find(|c| c.code == code)
        .unwrap()
        .status
}

const REGISTER: &str = r#"{
  "family": "web",
  "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
  "containerDefinitions": [
    {
      "name": "app",
      "image": "nginx",
      "readonlyRootFilesystem": true,
      "environment": [{"name": "A", "value": "1"}, {"name": "AWS_ACCESS_KEY_ID", "value": "x"}]
    }
  ]
}
"#;

#[test]
fn register_shape_findings_have_positions() {
    let r = run(REGISTER);
    assert_eq!(r.kind, Some(InputKind::TaskDefinition));
    assert_eq!(r.syntax, Some(Syntax::Json));
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.units.len(), 1);
    assert_eq!(r.units[0].name, "web");
    let td001 = find(&r, "TD001");
    assert_eq!((td001[0].line, td001[0].column), (8, 7));
    assert_eq!(td001[0].severity, Severity::Error);
    assert_eq!(
        td001[0].pointer.as_deref(),
        Some("/containerDefinitions/0/readonlyRootFilesystem")
    );
    assert_eq!(
        td001[0]
            .excerpt
            .as_ref()
            .map(|e| (e.text.as_str(), e.caret)),
        Some(("      \"readonlyRootFilesystem\": true,", 6))
    );
    // absent field: the nearest ancestor (the container object)
    let td002 = find(&r, "TD002");
    assert_eq!((td002[0].line, td002[0].column), (5, 5));
    // absent top-level field: the resource
    let ir001 = find(&r, "IR001");
    assert_eq!((ir001[0].line, ir001[0].column), (1, 1));
    assert!(ir001[0].evidence[0].contains("execution role"));
    let td003 = find(&r, "TD003");
    assert_eq!(
        td003[0].pointer.as_deref(),
        Some("/containerDefinitions/0/environment/1")
    );
    assert_eq!(td003[0].line, 9);
    // service checks do not apply to a task definition, and nothing is unknown
    assert_eq!(status(&r, 0, "SV001"), Status::NotApplicable);
    assert!(
        r.units[0]
            .checks
            .iter()
            .all(|c| c.status != Status::Unknown)
    );
}

#[test]
fn only_lint_scope_checks_run() {
    let r = run(REGISTER);
    let codes: Vec<&str> = r.units[0].checks.iter().map(|c| c.code.as_str()).collect();
    for code in &codes {
        let check = registry::find(code).unwrap();
        assert_eq!(check.meta.scope, Scope::LiveAndLint, "{code}");
    }
    let all_lint = registry::CHECKS
        .iter()
        .filter(|c| c.meta.scope == Scope::LiveAndLint)
        .count();
    assert_eq!(codes.len(), all_lint);
    // an explicit selection of a live-only check yields nothing
    let sel = Selection {
        select: vec!["TK001", "TD001"],
        ..Default::default()
    };
    let r = lint(REGISTER.as_bytes(), &sel);
    let codes: Vec<&str> = r.units[0].checks.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, vec!["TD001"]);
}

#[test]
fn severity_overrides_apply() {
    let mut sel = Selection::default();
    sel.severity.insert("TD001", Severity::Info);
    let r = lint(REGISTER.as_bytes(), &sel);
    assert_eq!(find(&r, "TD001")[0].severity, Severity::Info);
    assert_eq!(status(&r, 0, "TD001"), Status::Info);
}

#[test]
fn describe_shape_and_container_index_mapping() {
    let t = r#"{"taskDefinition": {
  "family": "api", "revision": 7, "taskRoleArn": "arn:aws:iam::1:role/t",
  "containerDefinitions": [
    "not a container",
    {"name": "api", "readonlyRootFilesystem": true, "linuxParameters": {"initProcessEnabled": true}}
  ]}}"#;
    let r = run(t);
    assert_eq!(r.kind, Some(InputKind::TaskDefinition));
    assert_eq!(r.units[0].name, "api:7");
    assert_eq!((r.units[0].line, r.units[0].column), (1, 2));
    let td001 = find(&r, "TD001");
    // the model's container 0 is the source's container 1
    assert_eq!(
        td001[0].pointer.as_deref(),
        Some("/containerDefinitions/1/readonlyRootFilesystem")
    );
    assert_eq!((td001[0].line, td001[0].column), (5, 21));
    assert_eq!(status(&r, 0, "IR001"), Status::Pass);
    assert_eq!(status(&r, 0, "TD002"), Status::Pass);
}

#[test]
fn services_from_describe_services() {
    let t = r#"{"services": [
  {"serviceName": "a", "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/prod", "launchType": "FARGATE", "platformVersion": "1.3.0", "enableExecuteCommand": false},
  {"serviceName": "b", "launchType": "EC2", "enableExecuteCommand": true}
], "failures": []}"#;
    let r = run(t);
    assert_eq!(r.kind, Some(InputKind::Service));
    assert_eq!(r.units.len(), 2);
    let sv001 = find(&r, "SV001");
    assert_eq!(sv001.len(), 1);
    assert_eq!((sv001[0].line, sv001[0].column), (2, 131));
    let fix = format!("{:?}", sv001[0].fix);
    assert!(fix.contains("--cluster prod --service a"), "{fix}");
    let sv002 = find(&r, "SV002");
    assert_eq!(sv002[0].pointer.as_deref(), Some("/platformVersion"));
    assert_eq!(status(&r, 1, "SV002"), Status::NotApplicable);
    // task-definition checks do not apply to a service: not UNKNOWN
    assert_eq!(status(&r, 0, "TD001"), Status::NotApplicable);
    assert_eq!(status(&r, 0, "IR001"), Status::NotApplicable);
}

#[test]
fn create_service_input() {
    let r = run(
        r#"{"serviceName": "web", "cluster": "prod", "taskDefinition": "web:3", "desiredCount": 1}"#,
    );
    assert_eq!(r.kind, Some(InputKind::Service));
    assert_eq!(find(&r, "SV001").len(), 1);
}

const TEMPLATE: &str = "AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  ReadOnly:
    Type: String
Resources:
  TaskDef:
    Type: AWS::ECS::TaskDefinition
    Properties:
      TaskRoleArn: !GetAtt TaskRole.Arn
      PidMode: task # ecs-exec-doctor: ignore[TD004] the sidecar reads /proc of the app
      ContainerDefinitions:
        - Name: app
          ReadonlyRootFilesystem: !Ref ReadOnly
          LinuxParameters:
            InitProcessEnabled: true
        - Name: worker
          RestartPolicy:
            # ecs-exec-doctor: ignore[restart-policy] restarts are wanted here
            Enabled: true
          LinuxParameters:
            InitProcessEnabled: true
  Service:
    Type: AWS::ECS::Service
    Properties:
      LaunchType: FARGATE
      PlatformVersion: 1.3.0
      TaskDefinition: !Ref TaskDef
";

#[test]
fn cloudformation_yaml() {
    let r = run(TEMPLATE);
    assert_eq!(r.kind, Some(InputKind::Cloudformation));
    assert_eq!(r.syntax, Some(Syntax::Yaml));
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.units.len(), 2);
    // intrinsic functions are unknown, never values (nor passes)
    assert_eq!(status(&r, 0, "TD001"), Status::Unknown);
    assert_eq!(status(&r, 0, "IR001"), Status::Pass);
    let td004 = find(&r, "TD004");
    assert_eq!((td004[0].line, td004[0].column), (10, 7));
    assert_eq!(
        td004[0].suppressed.as_ref().unwrap().reason,
        "the sidecar reads /proc of the app"
    );
    assert_eq!(status(&r, 0, "TD004"), Status::Pass);
    // a comment on the line above the finding's line
    let td005 = find(&r, "TD005");
    assert_eq!(td005[0].line, 19);
    assert_eq!(
        td005[0].suppressed.as_ref().unwrap().kind,
        SuppressionKind::Comment
    );
    let sv001 = find(&r, "SV001");
    assert_eq!((sv001[0].line, sv001[0].column), (22, 3));
    let sv002 = find(&r, "SV002");
    assert_eq!((sv002[0].line, sv002[0].column), (26, 7));
    assert!(sv002[0].suppressed.is_none());
}

#[test]
fn suppression_problems_are_errors() {
    let t = TEMPLATE.replace(
        "ignore[TD004] the sidecar reads /proc of the app",
        "ignore[TD004]",
    );
    let r = run(&t);
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].level, DiagnosticLevel::Error);
    assert_eq!(r.diagnostics[0].line, 10);
    assert!(find(&r, "TD004")[0].suppressed.is_none());
    let t = TEMPLATE.replace("ignore[TD004]", "ignore[TD999]");
    let r = run(&t);
    assert!(r.diagnostics[0].message.contains("unknown check `TD999`"));
}

#[test]
fn cloudformation_json_metadata_suppression() {
    let t = r#"{"Resources": {"TD": {"Type": "AWS::ECS::TaskDefinition",
  "Metadata": {"aws:cdk:path": "Stack/TD/Resource", "ecs-exec-doctor": {"ignore": [{"code": "IR001", "reason": "role added by a later stack"}]}},
  "Properties": {"ContainerDefinitions": [{"Name": "app", "ReadonlyRootFilesystem": "true"}]}}}}"#;
    let r = run(t);
    assert_eq!(r.kind, Some(InputKind::Cloudformation));
    let ir001 = find(&r, "IR001");
    assert_eq!(
        ir001[0].suppressed.as_ref().unwrap().kind,
        SuppressionKind::Metadata
    );
    let td001 = find(&r, "TD001");
    assert!(td001[0].suppressed.is_none());
    assert_eq!((td001[0].line, td001[0].column), (3, 59));
}

#[test]
fn terraform_container_definitions_point_at_the_attribute() {
    let t = r#"{
  "format_version": "1.2",
  "resource_changes": [
    {"address": "aws_ecs_task_definition.app", "mode": "managed", "type": "aws_ecs_task_definition",
     "change": {"actions": ["create"], "after": {
       "family": "app",
       "pid_mode": "task",
       "container_definitions": "[{\"name\":\"app\",\"readonlyRootFilesystem\":true}]"
     }, "after_unknown": {"task_role_arn": true}}}
  ]
}"#;
    let r = run(t);
    assert_eq!(r.kind, Some(InputKind::TerraformPlan));
    let td001 = find(&r, "TD001");
    assert_eq!((td001[0].line, td001[0].column), (8, 8));
    assert_eq!(find(&r, "TD004")[0].line, 7);
    assert_eq!(status(&r, 0, "IR001"), Status::Pass);
    assert_eq!((r.units[0].line, r.units[0].column), (4, 6));
}

#[test]
fn unrecognised_documents_are_not_errors() {
    for t in [
        "{\"name\": \"pkg\", \"version\": \"1.0.0\"}",
        "on: push\njobs: {}\n",
        "[1, 2]",
    ] {
        let r = run(t);
        assert_eq!(r.kind, None, "{t}");
        assert!(r.units.is_empty() && r.diagnostics.is_empty(), "{t}");
    }
}

#[test]
fn malformed_input_gets_one_positioned_diagnostic() {
    let cases: Vec<(Vec<u8>, &str, (u32, u32))> = vec![
        (b"".to_vec(), "empty", (1, 1)),
        (b"\n \n".to_vec(), "empty", (1, 1)),
        (b"{\"a\": 1,\0}".to_vec(), "binary", (1, 1)),
        (b"{\n\"family\": \"\xc3\x28\"}".to_vec(), "UTF-8", (2, 12)),
        (
            b"{\n  \"family\": \"x\",\n  \"containerDefinitions\": [\n}".to_vec(),
            "invalid JSON",
            (4, 1),
        ),
        (b"Resources:\n  A: [\n".to_vec(), "invalid YAML", (3, 1)),
        (
            "[".repeat(10_000).into_bytes(),
            "nested more than 128",
            (1, 129),
        ),
        (
            ("a:\n".to_string() + &"- ".repeat(5_000) + "x\n").into_bytes(),
            "nested more than 128",
            (2, 255),
        ),
        (
            vec![b' '; MAX_FILE_SIZE + 1],
            "over the 20 MiB limit",
            (1, 1),
        ),
    ];
    for (bytes, expected, pos) in cases {
        let r = lint(&bytes, &Selection::default());
        assert_eq!(r.diagnostics.len(), 1, "{expected}: {:?}", r.diagnostics);
        let d = &r.diagnostics[0];
        assert_eq!(d.level, DiagnosticLevel::Error);
        assert!(d.message.contains(expected), "{expected}: {}", d.message);
        assert_eq!((d.line, d.column), pos, "{expected}: {}", d.message);
        assert!(r.units.is_empty());
    }
}

#[test]
fn huge_valid_input_is_linted() {
    let container = r#"{"name": "c", "image": "i", "environment": [{"name": "N", "value": "v"}]}"#;
    let many = vec![container; 40_000].join(",\n");
    let t = format!("{{\"family\": \"big\", \"containerDefinitions\": [\n{many}\n]}}");
    assert!(t.len() > 2_000_000);
    let r = run(&t);
    assert_eq!(r.units.len(), 1);
    assert_eq!(find(&r, "TD002").len(), 40_000);
    assert_eq!(find(&r, "TD002")[39_999].line, 40_001);
}

#[test]
fn forced_kinds_never_panic_on_other_inputs() {
    let inputs = [REGISTER, TEMPLATE, "{}", "[]", "x: 1", "{\"Resources\": 1}"];
    for t in inputs {
        for kind in [
            InputKind::TaskDefinition,
            InputKind::Service,
            InputKind::Cloudformation,
            InputKind::TerraformPlan,
        ] {
            let _ = parse_as(t.as_bytes(), kind);
        }
    }
}

#[test]
fn syntax_detection() {
    assert_eq!(syntax_of("\n  {\"a\": 1}"), Syntax::Json);
    assert_eq!(syntax_of("// note\n[1]"), Syntax::Json);
    assert_eq!(syntax_of("# note\n{a: 1}"), Syntax::Yaml);
    assert_eq!(syntax_of("Resources: {}"), Syntax::Yaml);
    let r = run(
        "# a flow-style template\n{Resources: {T: {Type: AWS::ECS::Service, Properties: {EnableExecuteCommand: true}}}}\n",
    );
    assert_eq!(r.kind, Some(InputKind::Cloudformation));
    assert_eq!(r.syntax, Some(Syntax::Yaml));
}

/// The container of a Copilot "Load Balanced Web Service" as `copilot svc package` prints it
/// (aws/copilot-cli, templates/workloads/partials/cf/workload-container.yml): the env file and
/// the entry point are conditional, and `AWS::NoValue` removes them.
const COPILOT: &str = r#"AWSTemplateFormatVersion: 2010-09-09
Conditions:
  HasEnvFile: !Not [!Equals [!Ref EnvFileARN, ""]]
  HasEntryPoint: !Not [!Equals [!Join ["", !Ref EntryPoint], ""]]
Resources:
  TaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: !Join ['', [!Ref AppName, '-', !Ref EnvName, '-', !Ref WorkloadName]]
      TaskRoleArn: !GetAtt TaskRole.Arn
      RequiresCompatibilities:
        - FARGATE
      ContainerDefinitions:
        - Name: !Ref WorkloadName
          Image: !Ref ContainerImage
          EntryPoint: !If [HasEntryPoint, !Ref EntryPoint, !Ref "AWS::NoValue"]
          Environment:
            - Name: COPILOT_APPLICATION_NAME
              Value: !Sub '${AppName}'
          EnvironmentFiles:
            - !If
              - HasEnvFile
              - Type: s3
                Value: !Ref EnvFileARN
              - !Ref AWS::NoValue
          LinuxParameters:
            InitProcessEnabled: true
          LogConfiguration:
            LogDriver: awslogs
"#;

#[test]
fn no_value_removes_what_it_stands_for_and_conditional_findings_say_when() {
    let r = run(COPILOT);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(
        r.units.len(),
        1,
        "one report per resource, whatever its conditions"
    );
    let td003 = find(&r, "TD003");
    assert_eq!(td003.len(), 1, "{td003:#?}");
    assert_eq!(td003[0].severity, Severity::Info);
    assert_eq!(
        td003[0].condition.as_deref(),
        Some("when condition `HasEnvFile` is true")
    );
    assert!(
        td003[0]
            .message
            .ends_with("(when condition `HasEnvFile` is true)")
    );
    assert_eq!(td003[0].line, 20, "{td003:#?}");
    // Nothing else is found: no warning on a template Copilot generates.
    let warnings: Vec<_> = r
        .units
        .iter()
        .flat_map(|u| &u.checks)
        .flat_map(|c| &c.findings)
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
}

#[test]
fn containers_and_properties_inside_fn_if_are_linted_in_both_branches() {
    let t = r#"{"Resources": {"T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
  "ContainerDefinitions": [
    {"Fn::If": ["IsProd",
      {"Name": "prod", "Image": "app", "ReadonlyRootFilesystem": true},
      {"Name": "dev", "Image": "app"}]},
    {"Name": "side", "Image": "envoy",
     "ReadonlyRootFilesystem": {"Fn::If": ["Locked", true, false]}}
  ]}}}}"#;
    let r = run(t);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.units.len(), 1);
    let td001 = find(&r, "TD001");
    let messages: Vec<(&str, Option<&str>, u32)> = td001
        .iter()
        .map(|f| (f.message.as_str(), f.condition.as_deref(), f.line))
        .collect();
    assert!(
        td001.iter().any(|f| f.message.contains("`prod`")
            && f.condition.as_deref() == Some("when condition `IsProd` is true")
            && f.line == 4),
        "{messages:#?}"
    );
    assert!(
        td001.iter().any(|f| f.message.contains("`side`")
            && f.condition.as_deref() == Some("when condition `Locked` is true")
            && f.line == 7),
        "{messages:#?}"
    );
    assert!(
        !td001.iter().any(|f| f.message.contains("`dev`")),
        "{messages:#?}"
    );
}

#[test]
fn a_repeated_key_takes_its_last_value() {
    let t = r#"{"family": "web", "containerDefinitions": [
  {"name": "app", "image": "nginx", "readonlyRootFilesystem": true, "readonlyRootFilesystem": false}
]}"#;
    let r = run(t);
    assert_eq!(
        status(&r, 0, "TD001"),
        Status::Pass,
        "{:#?}",
        find(&r, "TD001")
    );
    let y = "family: web\ncontainerDefinitions:\n  - name: app\n    readonlyRootFilesystem: false\n    readonlyRootFilesystem: true\n";
    let r = run(y);
    assert_eq!(find(&r, "TD001")[0].line, 5);
}

#[test]
fn copilot_manifests_update_service_input_and_ecspresso_files() {
    let on = run("name: api\ntype: Load Balanced Web Service\nexec: true\n");
    assert_eq!(on.kind, Some(InputKind::CopilotManifest));
    assert_eq!(status(&on, 0, "SV001"), Status::Pass);
    let off = run("name: api\ntype: Backend Service\n");
    assert_eq!(find(&off, "SV001")[0].severity, Severity::Error);
    let fix = serde_json::to_string(&find(&off, "SV001")[0].fix).unwrap();
    assert!(
        fix.contains("exec: true") && !fix.contains("update-service"),
        "{fix}"
    );
    // Per-environment overrides make it depend on the environment: unknown.
    let mixed = run(
        "name: api\ntype: Backend Service\nexec: false\nenvironments:\n  dev:\n    exec: true\n",
    );
    assert_eq!(status(&mixed, 0, "SV001"), Status::Unknown);
    // App Runner services are recognised, with nothing to lint.
    let apprunner = run("name: web\ntype: Request-Driven Web Service\n");
    assert_eq!(apprunner.kind, Some(InputKind::CopilotManifest));
    assert!(apprunner.units.is_empty() && apprunner.diagnostics.is_empty());

    let update = run(r#"{"cluster": "prod", "service": "web", "enableExecuteCommand": true}"#);
    assert_eq!(update.kind, Some(InputKind::Service));
    assert_eq!(update.units[0].name, "web");
    let ecspresso =
        run(r#"{"desiredCount": 1, "launchType": "FARGATE", "schedulingStrategy": "REPLICA"}"#);
    assert_eq!(ecspresso.kind, Some(InputKind::Service));
    assert_eq!(find(&ecspresso, "SV001").len(), 1);
    // ecspresso's own config names a service but is not one.
    let config = run(
        "region: us-east-1\ncluster: prod\nservice: web\nservice_definition: ecs-service-def.json\ntask_definition: ecs-task-def.json\n",
    );
    assert_eq!(config.kind, None);
}

#[test]
fn a_one_line_multi_megabyte_plan_keeps_every_excerpt_short() {
    // Excerpts used to copy the whole line per finding: gigabytes for a 5 MB one-line plan.
    let mut resources = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < 3_000_000 {
        let containers = format!(
            r#"[{{\"name\":\"c{i}\",\"image\":\"nginx\",\"readonlyRootFilesystem\":true,\"environment\":[{{\"name\":\"E\",\"value\":\"{}\"}}]}}]"#,
            "v".repeat(400)
        );
        let r = format!(
            r#"{{"address":"aws_ecs_task_definition.t{i}","mode":"managed","type":"aws_ecs_task_definition","values":{{"family":"t{i}","container_definitions":"{containers}","task_role_arn":"arn:aws:iam::1:role/r"}}}}"#
        );
        size += r.len();
        resources.push(r);
        i += 1;
    }
    let plan = format!(
        r#"{{"format_version":"1.2","planned_values":{{"root_module":{{"resources":[{}]}}}}}}"#,
        resources.join(",")
    );
    assert!(!plan.contains('\n') && plan.len() > 3_000_000);
    let r = run(&plan);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let findings: Vec<&LintFinding> = find(&r, "TD001");
    assert_eq!(findings.len(), i);
    for f in findings {
        let excerpt = f
            .excerpt
            .as_ref()
            .map(|e| e.text.as_str())
            .unwrap_or_default();
        assert!(excerpt.len() < 400, "{} bytes", excerpt.len());
        assert!(!excerpt.contains("vvvvvvvv"), "values masked: {excerpt}");
    }
}

/// A blue/green (CODE_DEPLOY) or EXTERNAL service's fix never forces an ECS deployment,
/// whatever the input: DescribeServices output, a CloudFormation template, a Terraform plan.
#[test]
fn deployment_controllers_get_fixes_ecs_accepts() {
    let described = r#"{"services": [
  {"serviceName": "bg", "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/prod", "launchType": "FARGATE", "enableExecuteCommand": false, "deploymentController": {"type": "CODE_DEPLOY"}},
  {"serviceName": "ext", "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/prod", "launchType": "FARGATE", "enableExecuteCommand": false, "deploymentController": {"type": "EXTERNAL"}},
  {"serviceName": "roll", "clusterArn": "arn:aws:ecs:us-east-1:1:cluster/prod", "launchType": "FARGATE", "enableExecuteCommand": false}
], "failures": []}"#;
    let r = run(described);
    let fixes: Vec<String> = find(&r, "SV001")
        .iter()
        .map(|f| format!("{:?}", f.fix))
        .collect();
    assert_eq!(fixes.len(), 3);
    assert!(
        !fixes[0].contains("--force-new-deployment")
            && fixes[0].contains("aws deploy create-deployment"),
        "{}",
        fixes[0]
    );
    assert!(
        !fixes[1].contains("--force-new-deployment") && fixes[1].contains("create-task-set"),
        "{}",
        fixes[1]
    );
    assert!(fixes[2].contains("--force-new-deployment"), "{}", fixes[2]);

    let template = "Resources:
  Web:
    Type: AWS::ECS::Service
    Properties:
      Cluster: prod
      DeploymentController:
        Type: CODE_DEPLOY
";
    let r = run(template);
    let fix = format!("{:?}", find(&r, "SV001")[0].fix);
    assert!(!fix.contains("aws ecs update-service"), "{fix}");
    assert!(fix.contains("start a CodeDeploy deployment"), "{fix}");
}
