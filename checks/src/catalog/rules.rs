//! One case per signature and ranking rule, in the shapes pastes come in: prompts, plugin
//! banners, colour codes, wrapped lines, JSON blobs, checker output, text in other languages.

use super::evidence::{RankedCause, clues_in, rank};
use super::find_all;

const E01: &str = "An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later.";
const E02: &str = "An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: The execute command failed because execute command was not enabled when the task was run or the execute command agent isn\u{2019}t running. Wait and try again or run a new task with execute command enabled and try again.";

fn first_entry(text: &str) -> &'static str {
    find_all(text).first().map_or("none", |m| m.entry.id)
}

fn causes(text: &str) -> Vec<RankedCause> {
    let entry = find_all(text).first().expect("recognised").entry;
    rank(entry, &clues_in(text))
}

fn top(text: &str) -> &'static str {
    causes(text)[0].cause
}

#[test]
fn describe_tasks_json_beside_the_error_moves_its_cause_first() {
    let paste = format!(
        "$ aws ecs execute-command --cluster prod --task 0123 --interactive --command sh\n{E01}\n$ aws ecs describe-task-definition --task-definition web\n{{\n  \"taskDefinition\": {{\n    \"containerDefinitions\": [\n      {{\n        \"name\": \"web\",\n        \"readonlyRootFilesystem\": true\n      }}\n    ]\n  }}\n}}"
    );
    let ranked = causes(&paste);
    assert!(
        ranked[0].cause.contains("readonlyRootFilesystem"),
        "{ranked:?}"
    );
    let why = ranked[0].reason().unwrap();
    assert!(why.contains("a read-only root filesystem"), "{why}");
    assert!(why.contains("\"readonlyRootFilesystem\": true"), "{why}");
}

#[test]
fn exec_flag_false_in_json_supports_the_not_enabled_cause() {
    let paste = format!(
        "{E02}\n\n\"tasks\": [ {{ \"enableExecuteCommand\": false, \"lastStatus\": \"RUNNING\" }} ]"
    );
    assert_eq!(first_entry(&paste), "E02");
    assert!(top(&paste).contains("was started before exec was enabled"));
    // With the flag true, the "not enabled" causes go down and the agent comes first.
    let paste = format!(
        "{E02}\n\"enableExecuteCommand\": true,\n\"managedAgents\": [{{\"name\": \"ExecuteCommandAgent\", \"lastStatus\": \"PENDING\"}}]"
    );
    assert!(
        top(&paste).contains("ExecuteCommandAgent is still starting"),
        "{:?}",
        causes(&paste)
    );
}

#[test]
fn fargate_demotes_the_ec2_only_causes() {
    let fargate = format!("{E01}\n\"launchType\": \"FARGATE\"");
    let ranked = causes(&fargate);
    let agent = ranked
        .iter()
        .find(|c| c.cause.contains("older ECS agent"))
        .unwrap();
    assert!(agent.rank > agent.catalog_rank, "demoted: {ranked:?}");
    let regression = ranked
        .iter()
        .find(|c| c.cause.contains("regression"))
        .unwrap();
    assert!(
        regression.against.is_empty(),
        "regressions happen on Fargate too"
    );
    assert!(
        agent.reason().unwrap().contains("down from"),
        "{:?}",
        agent.reason()
    );
    let ec2 = format!("{E01}\nThis is running on EC2 with the ECS-optimized AMI");
    assert!(top(&ec2).contains("older ECS agent"), "{:?}", causes(&ec2));
}

#[test]
fn checker_output_is_recognised_and_its_red_lines_rank_its_causes() {
    // check-ecs-exec.sh output with its colour codes, as pasted from a terminal.
    let paste = "-------------------------------------------------------------\nChecks on ECS task and other resources\n-------------------------------------------------------------\nRegion : us-east-1\nCluster: prod\nTask   : 0123456789abcdef0123456789abcdef\n-------------------------------------------------------------\n  Task Status            | \u{1b}[0;32mRUNNING\u{1b}[0m\n  Launch Type            | \u{1b}[0;32mFargate\u{1b}[0m\n  Exec Enabled for Task  | \u{1b}[0;32mOK\u{1b}[0m\n  Container-Level Checks | \n    ----------\n      Read-Only Root Filesystem (web:3)\n    ----------\n         1. \u{1b}[0;31mReadOnly\u{1b}[0m - \"web\"\n  Environment Variables  | (web:3)\n       1. container \"web\"\n       - AWS_ACCESS_KEY: \u{1b}[0;32mnot defined\u{1b}[0m\n       - AWS_ACCESS_KEY_ID: \u{1b}[0;32mnot defined\u{1b}[0m\n       - AWS_SECRET_ACCESS_KEY: \u{1b}[0;32mnot defined\u{1b}[0m\n";
    assert_eq!(first_entry(paste), "E35");
    let ranked = causes(paste);
    assert!(ranked[0].cause.contains("ReadOnly"), "{ranked:?}");
    // `not defined` is not evidence of credentials in the environment.
    let seen: Vec<&str> = clues_in(paste).iter().map(|s| s.clue).collect();
    assert!(!seen.contains(&"credentials-in-environment"), "{seen:?}");
    assert!(seen.contains(&"exec-flag-true"), "{seen:?}");
    let defined = "Environment Variables  | (web:3)\n       - AWS_ACCESS_KEY_ID: defined\n  Exec Enabled for Task  | OK";
    assert!(
        top(defined).contains("AWS_ACCESS_KEY_ID: defined"),
        "{:?}",
        causes(defined)
    );
}

#[test]
fn checker_agent_stopped_line_beside_an_ssm_start_session_failure() {
    let paste = "      Managed Agent Status\n    ----------\n         1. STOPPED (Reason: null) for \"app\" - LastStartedAt: null\n\n$ aws ssm start-session --target ecs:prod_0123456789abcdef0123456789abcdef_0123456789abcdef0123456789abcdef-3839356491\n\nAn error occurred (TargetNotConnected) when calling the StartSession operation: ecs:prod_0123456789abcdef0123456789abcdef_0123456789abcdef0123456789abcdef-3839356491 is not connected.";
    assert_eq!(first_entry(paste), "E01");
    assert!(
        top(paste).contains("ExecuteCommandAgent"),
        "{:?}",
        causes(paste)
    );
}

#[test]
fn a_normal_session_end_is_not_an_idle_timeout() {
    let exit = "Starting session with SessionId: ecs-execute-command-0f0a8dbc107109cb4\n# exit\n\n\nExiting session with sessionId: ecs-execute-command-0f0a8dbc107109cb4.\n";
    assert_eq!(first_entry(exit), "E34");
    assert!(find_all(exit).iter().all(|m| m.entry.id != "E28"));
    assert!(top(exit).contains("normal end"));
    let timeout = "SessionId: ecs-execute-command-0f0a8dbc107109cb4 : Your session timed out due to inactivity and has been terminated.\n\n\nExiting session with sessionId: ecs-execute-command-0f0a8dbc107109cb4.\n";
    assert_eq!(first_entry(timeout), "E28");
    let lost = format!("{exit}\n$ echo $?\n0");
    assert!(top(&lost).contains("exit code"), "{:?}", causes(&lost));
}

#[test]
fn enabling_exec_without_a_task_role_is_recognised_in_every_api() {
    for text in [
        "An error occurred (InvalidParameterException) when calling the UpdateService operation: The service couldn't be updated because a valid taskRoleArn is not being used. Specify a valid task role in your task definition and try again.",
        "InvalidParameterException: The service couldn't be created because a valid taskRoleArn is not being used.",
        "An error occurred (InvalidParameterException) when calling the RunTask operation: The execute command failed because a valid task role is not being used. Specify a valid task role in your task definition or as a task override and try again.",
        "Containers must have a task role ARN",
    ] {
        assert_eq!(first_entry(text), "E33", "{text}");
    }
    let run_task = "client.run_task(cluster='prod', enableExecuteCommand=True)\nAn error occurred (InvalidParameterException) when calling the RunTask operation: The execute command failed because a valid task role is not being used.";
    assert!(top(run_task).contains("RunTask"), "{:?}", causes(run_task));
}

#[test]
fn every_simulator_invalid_input_is_the_tool_s_problem() {
    for text in [
        "An error occurred (InvalidInput) when calling the SimulatePrincipalPolicy operation: Invalid Entity Arn: arn:aws:sts::123456789012:assumed-role/Dev/alice does not clearly define entity type and name.",
        "An error occurred (InvalidInput) when calling the SimulatePrincipalPolicy operation: ResourceNames are not in a valid ARN format: 14a050d4-021e-4efe-84bb-0871bf6d0fda.",
        "botocore.errorfactory.InvalidInputException: An error occurred (InvalidInput) when calling the SimulatePrincipalPolicy operation: '123456789012' is not a valid as a Resource Owner.",
        "An error occurred (InvalidInput) when calling the SimulatePrincipalPolicy operation: Invalid caller - Caller must be an IAM user in this context.",
        "An error occurred (InvalidInput) when calling the SimulatePrincipalPolicy operation: Invalid context key name: aws:RequestedRegion",
        "An error occurred (NoSuchEntity) when calling the SimulatePrincipalPolicy operation: The role with name DeveloperRole cannot be found.",
    ] {
        assert_eq!(first_entry(text), "E31", "{text}");
    }
}

#[test]
fn ide_toolkit_messages_are_recognised() {
    assert_eq!(
        first_entry(
            "You may not have the Permissions Required for using the execute command. Please set up a Task Role with the required permissions and retry..."
        ),
        "E36"
    );
    assert_eq!(
        first_entry(
            "This feature requires the SSM Session Manager plugin (session-manager-plugin) to be installed and available on your $PATH"
        ),
        "E09"
    );
    let vscode = "Installed version of CLI does not support Session Manager encryption feature. Please upgrade to the latest version of your CLI (e.g., AWS CLI).\nIt works with the AWS CLI in my terminal, only the AWS Toolkit in VS Code fails.\naws-cli/2.13.14 Python/3.11.5 Darwin/22.5.0";
    assert_eq!(first_entry(vscode), "E17");
    assert!(top(vscode).contains("wrapper tool"), "{:?}", causes(vscode));
}

#[test]
fn surrounding_text_in_another_language_and_wrapping_do_not_matter() {
    let japanese = "ECS Exec でコンテナに入れません。Fargate を使っています。\n\nAn error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command fai\nled due to an internal error. Try again later.\n\n環境変数に AWS_ACCESS_KEY_ID を設定しています。";
    assert_eq!(first_entry(japanese), "E01");
    assert!(
        top(japanese).contains("AWS credentials"),
        "{:?}",
        causes(japanese)
    );
}

#[test]
fn a_fix_that_did_not_help_points_at_tasks_not_replaced() {
    let paste = format!(
        "I ran aws ecs update-service --cluster prod --service web --enable-execute-command and it still fails:\n{E02}"
    );
    assert!(top(&paste).contains("was started before exec was enabled"));
    let e01 =
        format!("{E01}\nI already enabled it with enable_execute_command = true in Terraform");
    let ranked = causes(&e01);
    let not_replaced = ranked
        .iter()
        .find(|c| c.cause.contains("not replaced"))
        .unwrap();
    assert_eq!(not_replaced.rank, 1, "{ranked:?}");
}

#[test]
fn a_sidecar_or_a_regression_is_named_when_the_paste_hints_at_it() {
    let sidecar =
        format!("{E01}\nthe task also runs a firelens log_router container (aws-for-fluent-bit)");
    assert!(
        top(&sidecar).contains("essential sidecar"),
        "{:?}",
        causes(&sidecar)
    );
    let regression = format!("{E01}\nIt worked yesterday. ECS agent 1.58.0 on the instance.");
    let ranked = causes(&regression);
    assert!(
        ranked[..2].iter().any(|c| c.cause.contains("regression")),
        "{ranked:?}"
    );
}
