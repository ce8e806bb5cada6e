//! Terraform HCL read statically: what is known, what stays unknown, where findings point.

use super::*;
use crate::check::Severity;

struct Module {
    files: Vec<(&'static str, &'static str)>,
    siblings: Vec<&'static str>,
}

impl Files for Module {
    fn read(&self, path: &str) -> Result<String, Unread> {
        let path = path.trim_start_matches("./");
        if path.starts_with("../") {
            return Err(Unread::Refused("outside the linted directory".into()));
        }
        self.files
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| t.to_string())
            .ok_or(Unread::Missing)
    }
    fn siblings(&self) -> Vec<String> {
        self.siblings.iter().map(|s| s.to_string()).collect()
    }
    fn is_terraform(&self) -> bool {
        true
    }
}

fn none() -> Module {
    Module {
        files: Vec::new(),
        siblings: Vec::new(),
    }
}

fn run(text: &str, files: &Module) -> FileReport {
    lint_with(text.as_bytes(), &Selection::default(), files)
}

fn status(r: &FileReport, unit: &str, code: &str) -> Status {
    r.units
        .iter()
        .find(|u| u.name == unit)
        .unwrap_or_else(|| {
            panic!(
                "no unit {unit}: {:?}",
                r.units.iter().map(|u| &u.name).collect::<Vec<_>>()
            )
        })
        .checks
        .iter()
        .find(|c| c.code == code)
        .unwrap()
        .status
}

fn finding<'a>(r: &'a FileReport, code: &str) -> &'a LintFinding {
    r.units
        .iter()
        .flat_map(|u| &u.checks)
        .filter(|c| c.code == code)
        .flat_map(|c| &c.findings)
        .next()
        .unwrap_or_else(|| panic!("no {code} finding"))
}

const ROOT: &str = r#"provider "aws" {}

variable "exec" {
  default = false
}

resource "aws_ecs_service" "web" {
  name                   = "web"
  enable_execute_command = var.exec
}

resource "aws_ecs_task_definition" "web" {
  family        = "web"
  task_role_arn = aws_iam_role.web.arn
  container_definitions = jsonencode([
    {
      name                   = "web"
      readonlyRootFilesystem = local.read_only
    },
  ])
}
"#;

#[test]
fn jsonencode_locals_and_root_variable_defaults_are_values_with_tf_positions() {
    let siblings = Module {
        files: Vec::new(),
        siblings: vec!["locals {\n  read_only = true\n}\n"],
    };
    let r = run(ROOT, &siblings);
    assert_eq!(r.kind, Some(InputKind::Terraform));
    assert_eq!(r.syntax, Some(Syntax::Hcl));
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    // var.exec defaults to false in a root module: exec is off.
    let sv001 = finding(&r, "SV001");
    assert_eq!(sv001.severity, Severity::Error);
    assert_eq!(sv001.line, 9, "the attribute's line");
    // local.read_only comes from another file of the module: placed where it is used.
    let td001 = finding(&r, "TD001");
    assert_eq!((td001.line, td001.severity), (18, Severity::Error));
    // A resource reference is present but unknown: a task role, not a missing one.
    assert_eq!(
        status(&r, "aws_ecs_task_definition.web", "IR001"),
        Status::Pass
    );
    // Fixes speak Terraform.
    let fix = serde_json::to_string(&sv001.fix).unwrap();
    assert!(fix.contains("enable_execute_command"), "{fix}");
    assert!(!fix.contains("--service web"), "{fix}");
}

#[test]
fn in_a_child_module_variables_are_inputs_and_unknown() {
    let module = ROOT.replace("provider \"aws\" {}\n", "");
    let r = run(&module, &none());
    assert_eq!(status(&r, "aws_ecs_service.web", "SV001"), Status::Unknown);
    // Without the sibling file, the local is unknown too: never read as false.
    assert_eq!(
        status(&r, "aws_ecs_task_definition.web", "TD001"),
        Status::Unknown
    );
}

#[test]
fn container_definitions_from_files_heredocs_and_templates() {
    let files = Module {
        files: vec![
            (
                "task.json",
                r#"[{"name": "app", "readonlyRootFilesystem": true}]"#,
            ),
            (
                "app.json.tpl",
                r#"[{"name": "app", "image": "${image}", "cpu": ${cpu}, "environment": [{"name": "AWS_ACCESS_KEY_ID", "value": "${key}"}]}]"#,
            ),
            (
                "env.json.tpl",
                r#"[{"name": "e", "image": "x", "environment": ${jsonencode(environment)}}]"#,
            ),
        ],
        siblings: Vec::new(),
    };
    let text = r#"
resource "aws_ecs_task_definition" "file" {
  family = "f"
  container_definitions = file("${path.module}/task.json")
}
resource "aws_ecs_task_definition" "template" {
  family = "t"
  container_definitions = templatefile("${path.module}/app.json.tpl", { image = "x", cpu = 1, key = var.k })
}
resource "aws_ecs_task_definition" "heredoc" {
  family = "h"
  container_definitions = <<-EOF
    [{"name": "h", "image": "${var.image}", "readonlyRootFilesystem": false}]
  EOF
}
resource "aws_ecs_task_definition" "variable" {
  family = "v"
  container_definitions = var.container_definitions
}
resource "aws_ecs_task_definition" "env" {
  family = "e"
  container_definitions = templatefile("env.json.tpl", { environment = var.environment })
}
resource "aws_ecs_task_definition" "missing_file" {
  family = "m"
  container_definitions = file("nowhere.json")
}
"#;
    let r = run(text, &files);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(
        status(&r, "aws_ecs_task_definition.file", "TD001"),
        Status::Error
    );
    assert_eq!(
        finding(&r, "TD001").line,
        4,
        "the attribute that reads the file"
    );
    assert_eq!(
        status(&r, "aws_ecs_task_definition.template", "TD003"),
        Status::Warning
    );
    assert_eq!(
        status(&r, "aws_ecs_task_definition.heredoc", "TD001"),
        Status::Pass
    );
    for unit in [
        "aws_ecs_task_definition.variable",
        "aws_ecs_task_definition.missing_file",
    ] {
        assert_eq!(status(&r, unit, "TD001"), Status::Unknown, "{unit}");
        assert_eq!(status(&r, unit, "TD003"), Status::Unknown, "{unit}");
    }
}

#[test]
fn blocks_conditionals_and_dynamic_blocks() {
    let text = r#"
resource "aws_ecs_service" "s" {
  name                   = "s"
  enable_execute_command = var.on ? true : false
  launch_type            = "FARGATE"
  platform_version       = "1.3.0"
}
resource "aws_ecs_service" "t" {
  name = "t"
  enable_execute_command = true
  dynamic "capacity_provider_strategy" {
    for_each = var.strategies
    content {
      capacity_provider = capacity_provider_strategy.value
    }
  }
}
"#;
    let r = run(text, &none());
    assert_eq!(status(&r, "aws_ecs_service.s", "SV001"), Status::Unknown);
    let same = run(
        "resource \"aws_ecs_service\" \"u\" {\n  name = \"u\"\n  enable_execute_command = var.on ? false : false\n}\n",
        &none(),
    );
    assert_eq!(status(&same, "aws_ecs_service.u", "SV001"), Status::Error);
    assert_eq!(status(&r, "aws_ecs_service.s", "SV002"), Status::Error);
    assert_eq!(status(&r, "aws_ecs_service.t", "SV001"), Status::Pass);
}

#[test]
fn commented_out_empty_and_broken_files() {
    let r = run(
        "# resource \"aws_ecs_service\" \"x\" {\n#   name = \"x\"\n# }\n",
        &none(),
    );
    assert!(r.units.is_empty() && r.diagnostics.is_empty(), "{r:?}");
    let r = run("", &none());
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let r = run(
        "resource \"aws_ecs_service\" \"x\" {\n  name = \n}\n",
        &none(),
    );
    assert_eq!(r.diagnostics.len(), 1);
    assert!(
        r.diagnostics[0]
            .message
            .starts_with("not valid Terraform HCL")
    );
    assert_eq!(r.diagnostics[0].line, 2);
}

#[test]
fn locals_that_multiply_stay_bounded() {
    // Each local refers to the previous one twice: 2^40 nodes if followed naively.
    let mut text = String::from("locals {\n  l0 = [\"x\"]\n");
    for i in 1..40 {
        text.push_str(&format!("  l{i} = [local.l{p}, local.l{p}]\n", p = i - 1));
    }
    text.push_str("}\nresource \"aws_ecs_task_definition\" \"t\" {\n  family = \"t\"\n  container_definitions = jsonencode(local.l39)\n}\n");
    let r = run(&text, &none());
    assert_eq!(r.units.len(), 1);
}

#[test]
fn a_bare_container_definitions_template_is_linted_with_its_placeholders_unknown() {
    let text = r#"[
  {
    "name": "${container_name}",
    "image": "${image}",
    "portMappings": [{ "containerPort": ${port} }],
    "readonlyRootFilesystem": true
  }
]"#;
    let r = lint(text.as_bytes(), &Selection::default());
    assert_eq!(r.kind, Some(InputKind::ContainerDefinitions));
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(finding(&r, "TD001").line, 6);
    // The task role is not in such a file: nothing is claimed about it.
    assert!(
        r.units[0]
            .checks
            .iter()
            .all(|c| c.code != "IR001" || c.findings.is_empty()),
        "{r:?}"
    );
}

#[test]
fn every_prefix_of_a_file_lints_without_a_panic() {
    // A cheap stand-in for the fuzz target that runs in CI: cut anywhere, templates included.
    let template = "[{\"name\": \"${n}\", \"cpu\": ${cpu}, \"x\": \"$${y}\"}]";
    for text in [ROOT, template] {
        for cut in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            let files = Module {
                files: vec![("t.json", &text[..cut])],
                siblings: vec![&text[..cut]],
            };
            let _ = run(&text[..cut], &files);
            let _ = lint(&text.as_bytes()[..cut], &Selection::default());
        }
    }
}

#[test]
fn container_keys_are_read_case_insensitively_as_the_aws_provider_does() {
    let text = r#"
resource "aws_ecs_task_definition" "traefik" {
  family        = "traefik"
  task_role_arn = aws_iam_role.traefik.arn
  container_definitions = jsonencode([{
    Name  = "traefik"
    Image = "traefik:v2"
    ReadonlyRootFilesystem = true
    Environment = [{ Name = "AWS_ACCESS_KEY_ID", Value = "x" }]
    Secrets     = [{ Name = "AWS_SECRET_ACCESS_KEY", valuefrom = "arn:aws:ssm:us-east-1:1:parameter/k" }]
    Environment2 = []
  }])
}
"#;
    let r = run(text, &none());
    assert_eq!(
        status(&r, "aws_ecs_task_definition.traefik", "TD001"),
        Status::Error
    );
    assert_eq!(
        status(&r, "aws_ecs_task_definition.traefik", "TD003"),
        Status::Warning
    );
    let td003 = finding(&r, "TD003");
    assert!(td003.message.contains("`traefik`"), "{}", td003.message);
}

#[test]
fn a_refused_file_is_unknown_with_a_warning_at_the_call() {
    let files = Module {
        files: vec![(
            "../task.json",
            r#"[{"name": "app", "readonlyRootFilesystem": false}]"#,
        )],
        siblings: Vec::new(),
    };
    let text = r#"resource "aws_ecs_task_definition" "up" {
  family = "u"
  task_role_arn = "arn:aws:iam::1:role/r"
  container_definitions = file("${path.module}/../task.json")
}
resource "aws_ecs_task_definition" "tpl" {
  family = "t"
  task_role_arn = "arn:aws:iam::1:role/r"
  container_definitions = templatefile("../task.json", {})
}
"#;
    let r = run(text, &files);
    // The reader's refusal is the value's: never a pass on what was not read.
    for unit in ["aws_ecs_task_definition.up", "aws_ecs_task_definition.tpl"] {
        assert_eq!(status(&r, unit, "TD001"), Status::Unknown, "{unit}");
        assert_eq!(status(&r, unit, "TD003"), Status::Unknown, "{unit}");
    }
    let lines: Vec<(u32, DiagnosticLevel)> =
        r.diagnostics.iter().map(|d| (d.line, d.level)).collect();
    assert_eq!(
        lines,
        [(4, DiagnosticLevel::Warning), (9, DiagnosticLevel::Warning)],
        "{:#?}",
        r.diagnostics
    );
    assert!(
        r.diagnostics[0]
            .message
            .contains("`./../task.json` was not read (outside the linted directory)"),
        "{}",
        r.diagnostics[0].message
    );
}

/// A template that is one interpolation is its value, as in HCL: a Terraform 0.11
/// `"${aws_iam_role.task.arn}"` is the reference, `"${local.on}"` the boolean.
#[test]
fn a_lone_interpolation_is_its_value() {
    let tf = "locals {\n  on = true\n}\nresource \"aws_ecs_service\" \"s\" {\n  enable_execute_command = \"${local.on}\"\n}\n";
    let r = crate::lint::lint(tf.as_bytes(), &crate::runner::Selection::default());
    let sv001 = r.units[0]
        .checks
        .iter()
        .find(|c| c.code == "SV001")
        .unwrap();
    assert_eq!(sv001.status, crate::report::Status::Pass, "{sv001:?}");
}

/// A task role that a module is given may have policies the input does not show: unknown,
/// not a red, whatever the role's own policies say.
#[test]
fn a_role_given_to_a_module_is_not_judged_from_its_own_policies() {
    let tf = "resource \"aws_iam_role\" \"task\" {\n  name = \"t\"\n  assume_role_policy = \"{}\"\n}\nmodule \"exec\" {\n  source = \"./exec\"\n  role   = aws_iam_role.task.name\n}\nresource \"aws_ecs_task_definition\" \"t\" {\n  family = \"t\"\n  task_role_arn = aws_iam_role.task.arn\n  container_definitions = jsonencode([{ name = \"a\", image = \"i\" }])\n}\n";
    let r = crate::lint::lint(tf.as_bytes(), &crate::runner::Selection::default());
    let ir002 = r.units[0]
        .checks
        .iter()
        .find(|c| c.code == "IR002")
        .unwrap();
    assert_eq!(ir002.status, crate::report::Status::Unknown, "{ir002:?}");
    assert!(ir002.message.contains("module.exec"), "{ir002:?}");
}

/// A grant that exists only under a `count` known at apply time is not taken for a grant, and
/// one with `count = 0` does not exist.
#[test]
fn a_counted_grant_is_unknown_and_count_zero_is_none() {
    let tf = |count: &str| {
        format!(
            "resource \"aws_iam_role\" \"task\" {{\n  assume_role_policy = \"{{}}\"\n}}\nresource \"aws_iam_role_policy\" \"exec\" {{\n  count  = {count}\n  role   = aws_iam_role.task.id\n  policy = jsonencode({{ Statement = [{{ Effect = \"Allow\", Action = \"ssmmessages:*\", Resource = \"*\" }}] }})\n}}\nresource \"aws_ecs_task_definition\" \"t\" {{\n  family = \"t\"\n  task_role_arn = aws_iam_role.task.arn\n  container_definitions = jsonencode([{{ name = \"a\", image = \"i\" }}])\n}}\n"
        )
    };
    let status = |count: &str| {
        let r = crate::lint::lint(tf(count).as_bytes(), &crate::runner::Selection::default());
        r.units[0]
            .checks
            .iter()
            .find(|c| c.code == "IR002")
            .unwrap()
            .status
    };
    use crate::report::Status;
    assert_eq!(status("var.exec ? 1 : 0"), Status::Unknown);
    assert_eq!(status("0"), Status::Error);
    assert_eq!(status("1"), Status::Pass);
}
