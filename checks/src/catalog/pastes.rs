//! Real pastes from public issue threads, each with the cause its thread found: the entry must
//! be recognised first and the cause ranked within `within` for that paste alone (the rest of
//! the thread is not part of the paste). Kept verbatim, with the threads' masking and quoting.
//! Most pastes carry no evidence beyond the error, so the catalog's order decides them; those
//! with evidence (agent versions, `echo $?`, SSO profile errors, checker lines) must be moved.

use super::evidence::{clues_in, rank};
use super::find_all;

pub(super) struct Paste {
    pub(super) text: &'static str,
    entry: &'static str,
    /// A phrase of the cause the thread found.
    cause: &'static str,
    /// The rank the cause must reach.
    within: usize,
}

pub(super) static PASTES: &[Paste] = &[
    // https://github.com/aws/amazon-ssm-agent/issues/536
    // The thread found: ECS agent version regression on EC2. The reporter fixed it by downgrading the ECS agent from 1.58.0 to 1.55.4.
    Paste {
        text: r###"aws ecs execute-command --region REGION --cluster CLUSTER --task TASK --container CONTAINER --command "/bin/sh" --interactive

The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.

An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later.

amazon-ssm-agent --version
SSM Agent version: 3.1.804.0"###,
        entry: "E01",
        cause: "regression",
        within: 2,
    },
    // https://github.com/aws/copilot-cli/issues/3408
    // The thread found: The task definition set `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` environment variables. The in-container SSM agent used them instead of the task role.
    Paste {
        text: r###"Service basalt found in environment staging
Execute `python` in container basalt in task <my-task-id>.
✘ Failed to execute command python. Is `exec: true` set in your manifest?
✘ execute command python in container basalt: execute command: TargetNotConnectedException: The execute command failed due to an internal error. Try again later."###,
        entry: "E01",
        cause: "AWS credentials in the container",
        within: 2,
    },
    // https://github.com/aws/amazon-ssm-agent/issues/435
    // The thread found: SSM Agent regression in a Fargate platform rollout (spring 2022). The agent picked up credentials from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` task env vars. Fixed in SSM Agent 3.1.1260.0.
    Paste {
        text: r###"The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.


An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later."###,
        entry: "E01",
        cause: "AWS credentials in the container",
        within: 2,
    },
    // https://github.com/aws-containers/amazon-ecs-exec-checker/issues/49
    // The thread found: The container env defined `AWS_ACCESS_KEY`/`AWS_SECRET_ACCESS_KEY` for a low-privilege IAM user. The SSM agent's AWS SDK used them and failed. The checker reported everything OK.
    Paste {
        text: r###"> An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later."###,
        entry: "E01",
        cause: "AWS credentials in the container",
        within: 2,
    },
    // https://github.com/aws/aws-cli/issues/6070
    // The thread found: `readonlyRootFilesystem: true` on the target container. The managed SSM agent cannot write its directories.
    Paste {
        text: r###"$ aws --version
aws-cli/1.19.33 Python/3.9.2 Linux/5.11.11-arch1-1 botocore/1.20.33

Run `aws ecs execute-command --cluster production --task 38b79c36e14843dd9b479592f6f42cfd --container enviatufoto --command bash --interactive`.

The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.


An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later."###,
        entry: "E01",
        cause: "readonlyRootFilesystem",
        within: 3,
    },
    // https://github.com/aws/amazon-ecs-agent/issues/4679
    // The thread found: A FireLens (Fluent Bit) sidecar in the Fargate task makes exec fail for some containers (issue open; workaround is removing the FireLens container).
    Paste {
        text: r###"- Often only one  container is accessible with `ecs exec`
- Others exit with this issue: An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later
- Removing the Fluent Bit (FireLens) container resolves the issue entirely"###,
        entry: "E01",
        cause: "essential sidecar",
        within: 1,
    },
    // https://github.com/keidarcy/e1s/issues/206
    // The thread found: Set-up on the user's side (exec not enabled or agent not running on that task). The reporter said "the problem is on my end".
    Paste {
        text: r###"Execute: "/bin/sh"

The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.


An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. Wait and try again or run a new task with execute command enabled and try again.

Done...

^[[36mINFO^[[0m[2024-05-03T09:08:47+01:00] e1s load config with AWS_PROFILE: "xxxxxxxxx", AWS_REGION: "xxxxxxxxx"-
^[[36mINFO^[[0m[2024-05-03T09:09:04+01:00] Exec: `/opt/homebrew/bin/aws ecs execute-command --cluster xxxxxxxxxxx --task arn:aws:ecs:xxxxxxxxx:xxxxxxxxxxxx:task/xxxxxxxxxxx/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --container xxxxxxxxxx --interactive --command /bin/sh`"###,
        entry: "E02",
        cause: "was started before exec was enabled",
        within: 1,
    },
    // https://github.com/fabfuel/ecs-deploy/issues/193
    // The thread found: The service and tasks were never created or updated with `--enable-execute-command`, because the deploy tool (ecs-deploy) had no option for it.
    Paste {
        text: r###"aws ecs execute-command  \
    --region eu-west-2 \
    --cluster XXX \
    --task XXX \
    --container stage-quotation \
    --command "/bin/bash" \
    --interactive

The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.


An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. Wait and try again or run a new task with execute command enabled and try again."###,
        entry: "E02",
        cause: "was started before exec was enabled",
        within: 1,
    },
    // https://github.com/aws/session-manager-plugin/issues/49
    // The thread found: A problem inside the container/agent, not the client. "Killing the container and deploying a new one" fixed it. A later commenter suspected `/tmp` being full in the container.
    Paste {
        text: r###"aws ecs execute-command  \
    --region eu-west-1 \
    --cluster ***** \
    --task ****************** \
    --container xray-daemon \
    --command "/bin/bash" \
    --interactive


The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.


Starting session with SessionId: ecs-execute-command-0228164ca8ff6e2c1


SessionId: ecs-execute-command-0228164ca8ff6e2c1 : Plugin with name InteractiveCommands not found. Step name: InteractiveCommands"###,
        entry: "E21",
        cause: "/tmp",
        within: 1,
    },
    // https://github.com/aws/copilot-cli/issues/5160
    // The thread found: Transient, on the service/release side (Aug 2023). It went away without user changes ("a lag between release and GH release"; see session-manager-plugin#64).
    Paste {
        text: r###"> copilot svc exec -c bash -n xxx-api -e dev
> Execute `bash` in container xxx-api in task eb545f***.
> 
> Starting session with SessionId: ecs-execute-command-0d84350***
> 
> SessionId: ecs-execute-command-0d84350*** : Plugin with name InteractiveCommands not found. Step name: InteractiveCommands"###,
        entry: "E21",
        cause: "rollout lag",
        within: 2,
    },
    // https://github.com/aws-containers/amazon-ecs-exec-checker/issues/79
    // The thread found: The task role lacked CloudWatch Logs permissions for the audit log group. The reporter fixed it by attaching "CloudWatchAgentServerPolicy". The "encryption is not set up" wording is misleading.
    Paste {
        text: r###"The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.

Starting session with SessionId: ecs-execute-command-f2rxcq6as4envg6h3xxxx
This session is encrypted using AWS KMS.

SessionId: ecs-execute-command-f2rxcq6as4envg6h3pjxxxx : We couldn't start the session because encryption is not set up on the selected CloudWatch Logs log group. Either encrypt the log group or choose an option to enable logging without encryption."###,
        entry: "E19",
        cause: "task role may not",
        within: 2,
    },
    // https://github.com/ministryofjustice/modernisation-platform/pull/1296
    // The thread found: The caller (an SSO role) lacked `kms:GenerateDataKey` on the Session Manager KMS key. The key policy did not allow it.
    Paste {
        text: r###"----------ERROR-------
Encountered error while initiating handshake. KMSEncryption failed on client with status 2 error: Failed to process action KMSEncryption: Error calling KMS GenerateDataKey API: AccessDeniedException: User: arn:aws:sts::612659970365:assumed-role/AWSReservedSSO_modernisation-platform-developer_a128c494c6e3fd65/rwhittlemoj@digital.justice.gov.uk is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:eu-west-2:612659970365:key/a466d1fa-5c7f-4b10-8343-08763635d8c4 because no resource-based policy allows the kms:GenerateDataKey action
	status code: 400, request id: 96cd8f10-df00-4bf8-925e-f57c77d90efd"###,
        entry: "E14",
        cause: "kms:GenerateDataKey",
        within: 1,
    },
    // https://github.com/tedsmitt/ecsgo/issues/12
    // The thread found: The ecsgo client did not support KMS-encrypted sessions. Fixed in ecsgo 0.3.0.
    Paste {
        text: r###"✗ ecsgo
? Select a task:
Cluster: redacted | Service: api | Task: 12345308b064a4a911c205c63e0bbbf
Connecting to container redactedi
Starting session with SessionId: ecs-execute-command-12345


SessionId: ecs-execute-command-12345 :
----------ERROR-------
Encountered error while initiating handshake. Fetching data key failed: Unable to retrieve data key, Error when decrypting data key InvalidCiphertextException:```"###,
        entry: "E16",
        cause: "wrapper tool",
        within: 1,
    },
    // https://github.com/kayac/ecspresso/issues/320
    // The thread found: ecspresso called session-manager-plugin with only 4 argv entries (the "legacy" argument length). The plugin then sets IsAwsCliUpgradeNeeded and refuses the KMS handshake. The cluster had CDK `s3EncryptionEnabled`/KMS logging.
    Paste {
        text: r###"SessionId: ******: 
----------ERROR-------
Encountered error while initiating handshake. KMSEncryption failed on client with status 2 error: Failed to process action KMSEncryption: Installed version of AWS CLI does not support Session Manager encryption feature. Please upgrade to latest version of AWS CLI"###,
        entry: "E17",
        cause: "wrapper tool",
        within: 2,
    },
    // https://github.com/aws/aws-toolkit-vscode/issues/3995
    // The thread found: The VS Code toolkit runs session-manager-plugin with only `[session JSON, region, "StartSession"]`, which is the legacy 4-argv form, so KMS-encrypted exec sessions fail. It is not the user's CLI. (Issue open; a second user confirms.)
    Paste {
        text: r###"This error showed up shortly that AWS CLI doesn't support Session Manager encryption feature.
Even though I could connect to the container by using AWS CLI on terminal in my macos like following,
```
aws ecs execute-command --cluster {{ cluster name }} \
    --task {{task id}} \
    --container {{container name}} \
    --interactive \
    --command "/bin/sh" --profile=myprofile
```

my aws cli version is
```
❯ aws --version
aws-cli/2.13.14 Python/3.11.5 Darwin/22.5.0 source/arm64 prompt/off
```"###,
        entry: "E17",
        cause: "wrapper tool",
        within: 1,
    },
    // https://github.com/aws/aws-cli/issues/7902
    // The thread found: Older session-manager-plugin releases did not understand `sso-session`-style profiles. They need the profile for the client-side KMS GenerateDataKey call. Fixed in session-manager-plugin 1.2.497.0.
    Paste {
        text: r###"**Missing Configuration Error**

<samp>
SessionId: ecs-execute-command-0123456789 : 
----------ERROR-------
Encountered error while initiating handshake. KMSEncryption failed on client with status 2 error: Failed to process action KMSEncryption: error while creating new KMS service, Error creating new aws sdk session profile "my-sso-profile" is configured to use SSO but is missing required configuration: sso_region, sso_start_url

</samp>

**Missing Cache File Error**

<samp>
SessionId: ecs-execute-command-0123456789 : 
----------ERROR-------
Encountered error while initiating handshake. KMSEncryption failed on client with status 2 error: Failed to process action KMSEncryption: Error calling KMS GenerateDataKey API: SSOProviderInvalidToken: the SSO session has expired or is invalid
caused by: open /Users/me/.aws/sso/cache/a00fce5cb007c23a469c136160398db65edcb180.json: no such file or directory
</samp>"###,
        entry: "E18",
        cause: "old session-manager-plugin",
        within: 1,
    },
    // https://github.com/aws-containers/amazon-ecs-exec-checker/issues/37
    // The thread found: AWS SSO temporary credentials together with a KMS key in the cluster's ExecuteCommandConfiguration. The plugin at the time could not use SSO creds for the KMS handshake (session-manager-plugin#4). The checker was all green.
    Paste {
        text: r###"Encountered error while initiating handshake. Handshake timed out. Please ensure that you have the latest version of the session manager plugin."###,
        entry: "E15",
        cause: "old session-manager-plugin",
        within: 1,
    },
    // https://github.com/widdix/mastodon-on-aws/issues/30
    // The thread found: session-manager-plugin was not installed on the local machine running the AWS CLI. The user first thought it belonged in the container.
    Paste {
        text: r###"aws ecs execute-command --cluster "redacted" --container app --command /bin/bash --interactive --task "redacted"

SessionManagerPlugin is not found. Please refer to SessionManager Documentation here: 

http://docs.aws.amazon.com/console/systems-manager/session-manager-plugin-not-found"###,
        entry: "E09",
        cause: "not installed",
        within: 1,
    },
    // https://github.com/aws/session-manager-plugin/issues/106
    // The thread found: The plugin binary was extracted from the RPM without root and was not on `PATH`. It only "worked" from its own directory.
    Paste {
        text: r###"$pwd
/home/xxx/t1
$ $ ./session-manager-plugin

The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.

$ ssh i-xxx

Last login: Sat Feb 22 01:56:30 2025 from 127.0.0.1
<aws-instance>$

$ cd /home/xxx
$ ssh i-xxx

SessionManagerPlugin is not found. Please refer to SessionManager Documentation here: http://docs.aws.amazon.com/console/systems-manager/session-manager-plugin-not-found"###,
        entry: "E09",
        cause: "not installed",
        within: 1,
    },
    // https://github.com/aws/session-manager-plugin/issues/123
    // The thread found: unknown (closed). Most likely the plugin was not installed or not on PATH for that shell.
    Paste {
        text: r###"$ aws --version
aws-cli/2.31.32 Python/3.13.9 Linux/6.12.48+deb13-amd64 exe/x86_64.debian.13
$ aws ssm start-session --target i-00000000000000000 --region ap-northeast-1 --profile 000000000000_CDK

SessionManagerPlugin is not found. Please refer to SessionManager Documentation here: http://docs.aws.amazon.com/console/systems-manager/session-manager-plugin-not-found"###,
        entry: "E09",
        cause: "not installed",
        within: 1,
    },
    // https://github.com/aws/copilot-cli/issues/3728
    // The thread found: session-manager-plugin not installed on Windows. Copilot's auto-install does not support Windows and falls through to the generic validation error.
    Paste {
        text: r###"$ .\copilot.exe svc exec --name service --env dev -c /bin/sh
X Failed to validate the Session Manager plugin. Please install or make sure your SSM plugin is up-to-date:
https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html
X validate ssm plugin: exec: "session-manager-plugin": executable file not found in %PATH%"###,
        entry: "E09",
        cause: "not installed",
        within: 1,
    },
    // https://github.com/aws/amazon-ssm-agent/issues/514
    // The thread found: session-manager-plugin was not installed. When the plugin is missing, the AWS CLI calls TerminateSession on the session it just created. That call failed with AccessDenied and hid the "SessionManagerPlugin is not found" message.
    Paste {
        text: r###"An error occurred (AccessDeniedException) when calling the TerminateSession operation: User: arn:aws:sts::738893429783:assumed-role/AWSReservedSSO_editage-developer-prod-access_0199cd46a537ce07/user is not authorized to perform: ssm:TerminateSession on resource: arn:aws:ssm:ap-southeast-1:738893429783:session/user-037a2e2586edc1ad4 because no identity-based policy allows the ssm:TerminateSession action"###,
        entry: "E10",
        cause: "missing",
        within: 1,
    },
    // https://github.com/aws/aws-cli/issues/7214
    // The thread found: An x86_64-only session-manager-plugin on an Apple Silicon Mac without Rosetta 2. aws-cli catches the OSError (not ENOENT) and exits silently.
    Paste {
        text: r###"bad CPU type in executable: session-manager-plugin"###,
        entry: "E11",
        cause: "x86_64",
        within: 1,
    },
    // https://github.com/aws/aws-toolkit-vscode/issues/3797
    // The thread found: Raised by the toolkit's own pre-check after ExecuteCommand failed. `iam:SimulatePrincipalPolicy` on the task role showed ssmmessages actions as denied (or the task def had no task role). In the follow-up #3767 the reporter said "It was because aws profile." The toolkit then improved the message (PR
    Paste {
        text: r###"But `Insufficient permissions to execute command. Configure a task role as described in the documentation.` raised.."###,
        entry: "E36",
        cause: "another profile",
        within: 3,
    },
    // https://github.com/aws/aws-toolkit-jetbrains/issues/3649
    // The thread found: "Enable Command Execution" ran UpdateService with enableExecuteCommand=true on an EC2 service whose task definition has no task role. The toolkit then showed a misleading error dialog.
    Paste {
        text: r###"software.amazon.awssdk.services.ecs.model.InvalidParameterException: The service couldn't be updated because a valid taskRoleArn is not being used. Specify a valid task role in your task definition and try again. (Service: Ecs, Status Code: 400, Request ID: ebdbfef6-5186-48ca-9ec7-ac3e65720c37)
	at software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handleErrorResponse(CombinedResponseHandler.java:125)
	at software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handleResponse(CombinedResponseHandler.java:82)
	at software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handle(CombinedResponseHandler.java:60)
	at software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handle(CombinedResponseHandler.java:41)
	at software.amazon.awssdk.core.internal.http.pipeline.stages.HandleResponseStage.execute(HandleResponseStage.java:40)
	at software.amazon.awssdk.core.internal.http.pipeline.stages.HandleResponseStage.execute(HandleResponseStage.java:30)
	at software.amazon.awssdk.core.internal.http.pipeline.RequestPipelineBuilder$ComposingRequestPipelineStage.execute(RequestPipelineBuilder.java:206)"###,
        entry: "E33",
        cause: "no taskRoleArn",
        within: 1,
    },
    // https://github.com/aws/aws-toolkit-jetbrains/issues/3750
    // The thread found: unknown / toolkit bug (open, "bug, ready-to-work, ux"). The JetBrains toolkit's task-role permission pre-check gives a false negative with SSO logins. Related: #3645 (MFA + role_arn profile) shows the same popup.
    Paste {
        text: r###"I'm trying to use the AWS Toolkit to ECS Exec into a task, but I keep getting the `You may not have the Permissions Required for using the execute command` popup.

When I execute (what I think) is the same command – `aws ecs execute-command --interactive --command "/bin/bash"`  –  locally on the CLI, with the same `--profile` and `--region` I see in the AWS toolkit, everything _just works_."###,
        entry: "E36",
        cause: "false negative",
        within: 1,
    },
    // https://github.com/aws/aws-toolkit-jetbrains/issues/3130
    // The thread found: The toolkit could not auto-extract/install the plugin for an unprivileged user. PhpStorm was running inside WSL2 Ubuntu (closed, label wsl2).
    Paste {
        text: r###"2022-04-15 10:20:26,163 [1510786]   WARN - s.a.t.j.s.e.e.OpenShellInContainerDialog - Failed to start interactive shell
java.lang.IllegalStateException: Failed to install AWS Session Manager Plugin
	at software.aws.toolkits.jetbrains.core.tools.DefaultToolManager.installTool(DefaultToolManager.kt:213)
	at software.aws.toolkits.jetbrains.core.tools.DefaultToolManager.access$installTool(DefaultToolManager.kt:44)
	at software.aws.toolkits.jetbrains.core.tools.DefaultToolManager$getOrInstallTool$1.invoke(DefaultToolManage"###,
        entry: "E09",
        cause: "not installed",
        within: 1,
    },
    // https://github.com/boto/boto3/issues/3173
    // The thread found: `run_task(enableExecuteCommand=True)` was called with no task role in the task definition or in `overrides.taskRoleArn`. The reporter blamed boto3, but this is ECS rejecting exec without a task role.
    Paste {
        text: r###"botocore.errorfactory.InvalidParameterException: An error occurred (InvalidParameterException) when calling the RunTask operation: The execute command failed because a valid task role is not being used. Specify a valid task role in your task definition or as a task override and try again."###,
        entry: "E33",
        cause: "RunTask",
        within: 1,
    },
    // https://github.com/aws/amazon-ssm-agent/issues/354
    // The thread found: The plugin was run without a usable terminal (a GitHub Actions job, no TTY). A second reporter saw the same when their terminal had an enormous scrollback, and a fresh terminal fixed it.
    Paste {
        text: r###"Cannot perform start session: EOF"###,
        entry: "E22",
        cause: "not a terminal",
        within: 1,
    },
    // https://github.com/aws/amazon-ssm-agent/issues/361
    // The thread found: A Fargate-side bug. The Fargate agent lost track of the managed SSM agent's process (uuid), marked it STOPPED and tried to start a second copy, which hit "address in use". AWS support said a fix was rolled out 2–5 August 2021. Reports continued into 2023, and some later ones were network (no route t
    Paste {
        text: r###"user@ip-xx-xxx-xxx-xx:/opt/app$ sudo cat /var/log/amazon/ssm/errors.log
2021-03-24 20:14:23 ERROR [run @ agent.go.104] error occurred when starting amazon-ssm-agent: failed to start message bus, failed to start health channel: failed to listen on the channel: ipc:///var/lib/amazon/ssm/ipc/health, address in use

root        21  0.0  0.3 1398768 14552 ?       Ssl  20:24   0:00 /managed-agents/execute-command/amazon-ssm-agent
root        40  0.0  0.8 1336320 32196 ?       Sl   20:24   0:00 /managed-agents/execute-command/ssm-agent-worker"###,
        entry: "E27",
        cause: "regression",
        within: 2,
    },
    // https://github.com/tedsmitt/ecsgo/issues/19
    // The thread found: ECS Exec idle timeout (20 minutes, not configurable). Expected behaviour.
    Paste {
        text: r###"SessionId: ecs-execute-command-0f0a8dbc107109cb4 : Your session timed out due to inactivity and has been terminated."###,
        entry: "E28",
        cause: "20 minutes",
        within: 1,
    },
    // https://github.com/yukiarrr/ecsk/issues/23
    // The thread found: ECS Exec 20-minute idle timeout. The maintainer quoted the docs: "The ECS Exec session has an idle timeout time of 20 minutes. This value can't be changed." The long-running command kept running in the container.
    Paste {
        text: r###"ecsk exec -i -- /bin/bash

Exiting session with sessionId: ecs-execute-command-..."###,
        entry: "E34",
        cause: "idle timeout",
        within: 3,
    },
    // https://github.com/aws/amazon-ecs-agent/issues/2846
    // The thread found: Not an exec failure. session-manager-plugin always exits 0 and does not pass on the remote command's exit code (see also session-manager-plugin#59).
    Paste {
        text: r###"> aws ecs execute-command --region us-east-1 --cluster fargate-esc-cluster --task <task_arn> --container ubuntu --command "ls /tmp/folderthatdoesntexist" --interactive


The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.


Starting session with SessionId: ecs-execute-command-123
ls: cannot access '/tmp/folderthatdoesntexist': No such file or directory


Exiting session with sessionId: ecs-execute-command-123.

> echo $?
0"###,
        entry: "E29",
        cause: "exit code",
        within: 1,
    },
    // https://github.com/aws-containers/amazon-ecs-exec-checker/pull/10
    // The thread found: An early checker version passed the caller's STS assumed-role ARN to iam simulate-principal-policy, which only accepts IAM user/group/role ARNs. The PR maps assumed-role to the role ARN via `iam list-roles`.
    Paste {
        text: r###"sindri->~ $ check-ecs-exec.sh <CLUSTER_ID> <TASK_ID>
-------------------------------------------------------------
Prerequisites for check-ecs-exec.sh
-------------------------------------------------------------
  jq      | OK (/usr/bin/jq)
  AWS CLI | OK (/usr/bin/aws)

-------------------------------------------------------------
Prerequisites for the AWS CLI to use ECS Exec
-------------------------------------------------------------
  AWS CLI Version        | OK (aws-cli/2.1.32 Python/3.8.8 Linux/5.9.16-1-MANJARO exe/x86_64.manjaro.20 prompt/off)
  Session Manager Plugin | OK (1.2.30.0)

-------------------------------------------------------------
Configurations for ECS task and other resources
-------------------------------------------------------------
Cluster: <CLUSTER_ID>
Task   : <TASK_ID>
-------------------------------------------------------------
  Cluster Configuration  | Audit Logging Not Configured
  Can I ExecuteCommand?  | arn:aws:sts::<ACCOUNT_ID>:assumed-role/<ROLE_NAME>/<SSO_IDENTIFIER>

An error occurred (InvalidInput) when calling the SimulatePrincipalPolicy operation: Invalid Entity Arn: arn:aws:sts::<ACCOUNT_ID>:assumed-role/<ROLE_NAME>/<SSO_IDENTIFIER> does not clearly define entity type and name."###,
        entry: "E31",
        cause: "session ARN",
        within: 1,
    },
    // https://github.com/aws-containers/amazon-ecs-exec-checker/issues/35
    // The thread found: A checker bug. It passed the cluster's KMS key *ID* (not its ARN) to `--resource-arns`. Fixed by PR #34 (look up the key ARN with `kms describe-key`).
    Paste {
        text: r###"An error occurred (InvalidInput) when calling the SimulatePrincipalPolicy operation: ResourceNames are not in a valid ARN format: 14a050d4-021e-4efe-84bb-0871bf6d0fda."###,
        entry: "E31",
        cause: "KMS key id",
        within: 1,
    },
    // https://github.com/aws/amazon-ssm-agent/issues/261
    // The thread found: Session Manager idle timeout (EC2/SSM, not ECS). Long-running jobs with no terminal input count as idle.
    Paste {
        text: r###"SessionId: tim.malone-097bc8bd07a0dee95 : Your session timed out due to inactivity and has been terminated."###,
        entry: "E28",
        cause: "20 minutes",
        within: 1,
    },
];

/// The rank of the expected cause, or why there is none.
fn ranked(p: &Paste) -> Result<usize, String> {
    let found = find_all(p.text);
    let first = found.first().ok_or("nothing recognised")?;
    if first.entry.id != p.entry {
        return Err(format!("recognised {} first", first.entry.id));
    }
    rank(first.entry, &clues_in(p.text))
        .iter()
        .find(|c| c.cause.to_lowercase().contains(&p.cause.to_lowercase()))
        .map(|c| c.rank)
        .ok_or_else(|| format!("no cause mentions {:?}", p.cause))
}

#[test]
fn each_real_paste_ranks_its_thread_s_cause() {
    let mut failures = Vec::new();
    for (i, p) in PASTES.iter().enumerate() {
        match ranked(p) {
            Ok(r) if r <= p.within => {}
            Ok(r) => failures.push(format!(
                "paste {i} ({}): cause ranked {r}, wanted <= {}",
                p.entry, p.within
            )),
            Err(e) => failures.push(format!("paste {i} ({}): {e}", p.entry)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_real_cause_is_first_in_most_pastes_and_in_the_top_three_in_nine_of_ten() {
    let ranks: Vec<usize> = PASTES.iter().filter_map(|p| ranked(p).ok()).collect();
    let first = ranks.iter().filter(|&&r| r == 1).count();
    let top3 = ranks.iter().filter(|&&r| r <= 3).count();
    assert!(PASTES.len() >= 30, "{} pastes", PASTES.len());
    assert!(
        first * 3 >= PASTES.len() * 2,
        "first in {first} of {}",
        PASTES.len()
    );
    assert!(
        top3 * 10 >= PASTES.len() * 9,
        "top three in {top3} of {}",
        PASTES.len()
    );
}
