//! The entries, in id order. Messages are quoted exactly as users see them; the patterns are
//! the parts that identify each one (see [`super::Strength`]).

use super::{Entry, declare_error};

pub static ENTRIES: &[&Entry] = &[
    &E01, &E02, &E03, &E04, &E05, &E06, &E07, &E08, &E09, &E10, &E11, &E12, &E13, &E14, &E15, &E16,
    &E17, &E18, &E19, &E20, &E21, &E22, &E23, &E24, &E25, &E26, &E27, &E28, &E29, &E30, &E31, &E32,
    &E33, &E34, &E35, &E36, &E37, &E38, &E39, &E40, &E41, &E42, &E43, &E44, &E45, &E46, &E47, &E48,
];

const ECS_EXEC_DOCS: &str =
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html";

declare_error! {
    E01 = {
        id: "E01",
        name: "TargetNotConnectedException",
        code: "TargetNotConnectedException",
        title: "the exec agent in the container is not connected to Session Manager",
        phase: P1,
        shows_in: Api,
        message: "An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later.",
        patterns: [
            Exact "TargetNotConnectedException",
            Phrase "The execute command failed due to an internal error",
            Exact ["(TargetNotConnected)", "StartSession"],
        ],
        meaning: "ECS accepted the request, but the SSM agent inside the container has no connection to Session Manager, so there is nothing to attach the session to; despite the wording it is almost never an internal error, but a permission, network or container setting that stops the agent from connecting out",
        causes: [
            {
                cause: "the task has no task role, or its task role lacks the four ssmmessages actions (they often end up on the execution role instead)",
                checks: [roles::task_role_present, roles::task_role_ssmmessages],
                fix: "attach an ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and OpenDataChannel allow to the task role, then start new tasks",
            },
            {
                cause: "AWS credentials in the container environment (environment, secrets or environment files) take the place of the task role for the agent",
                checks: [containers::aws_credentials_in_environment],
                fix: "remove AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and similar variables from the container, or rename them",
            },
            {
                cause: "readonlyRootFilesystem is true, so the agent cannot create its directories",
                checks: [containers::readonly_root_filesystem],
                fix: "set readonlyRootFilesystem to false for the containers you exec into",
            },
            {
                cause: "the task has no network path to ssmmessages: a private subnet without a NAT gateway and without an ssmmessages interface endpoint, a route to a deleted NAT gateway, an internet gateway without a public IP, or an endpoint without private DNS",
                checks: [network::ssmmessages_endpoint],
                confirm: "custom DNS resolvers, proxies and firewalls beyond a transit gateway are not visible to any API: resolve ssmmessages.REGION.amazonaws.com from inside the VPC",
                fix: "create the com.amazonaws.REGION.ssmmessages interface endpoint with private DNS, or route the subnet through an available NAT gateway",
            },
            {
                cause: "a security group or network ACL drops the agent's HTTPS: the task's security group does not allow TCP 443 out, the subnet's ACL blocks 443 out or the ephemeral ports in, or the endpoint's security group does not admit the task",
                checks: [network::security_group_egress, network::network_acl, network::endpoint_access],
                fix: "allow outbound TCP 443 from the task's security group, inbound TCP 443 from it on the endpoint's security group, and both directions in the subnet's network ACL",
            },
            {
                cause: "the ExecuteCommandAgent in the container is STOPPED or still PENDING, or shows RUNNING but has not registered yet because the task started moments ago",
                checks: [task::exec_agent_running],
                confirm: "an agent still registering is invisible later: compare the time of the error with managedAgents[].lastStartedAt in describe-tasks, within about a minute of it this is the likely cause",
                fix: "wait 10 to 60 seconds and retry; if the agent is STOPPED, replace the task, and if it keeps stopping set initProcessEnabled, keep the root filesystem writable and give the task more memory",
            },
            {
                cause: "the container was restarted in place (restartPolicy), and exec into restarted containers is not supported",
                checks: [containers::restart_policy],
                fix: "stop the task and let the service start a new one",
            },
            {
                cause: "pidMode is task, so only one container of the task can be the target of exec",
                checks: [containers::pid_mode_task],
                fix: "exec into the first container that took a session, or drop pidMode task",
            },
            {
                cause: "an older ECS agent or AMI on the EC2 container instance",
                checks: [task::ecs_agent_version],
                fix: "update the ECS agent (1.50.2 or later) or move to a current ECS-optimized AMI",
            },
            {
                cause: "an ECS Anywhere task whose managed instance is not Online in Systems Manager (its SSM agent lost its connection, or the instance was deregistered), or whose on-premises network blocks ssmmessages",
                checks: [task::anywhere_instance_online],
                confirm: "aws ssm describe-instance-information --filters Key=InstanceIds,Values=mi-...; on the instance, the SSM agent's log (/var/log/amazon/ssm/amazon-ssm-agent.log)",
                fix: "restart the SSM agent on the instance and open outbound HTTPS to ssm, ssmmessages and ec2messages in the region; register a deregistered instance again with a new activation",
            },
            {
                cause: "on EC2 without a task role, the instance role lacks ssmmessages or the container cannot reach the instance metadata service",
                checks: [roles::task_role_present, roles::task_role_ssmmessages],
                confirm: "check the instance's metadata options (HttpPutResponseHopLimit) and ECS_AWSVPC_BLOCK_IMDS when the task relies on the instance role",
                fix: "give the task its own task role with the ssmmessages actions",
            },
            {
                cause: "the task role cannot be assumed: it was deleted, or its trust policy does not allow ecs-tasks.amazonaws.com (or a SourceAccount/SourceArn condition names another account)",
                checks: [roles::task_role_present, roles::task_role_trust],
                fix: "recreate the role, or update its trust policy to allow ecs-tasks.amazonaws.com to sts:AssumeRole, then start new tasks",
            },
            {
                cause: "the container routes HTTP through a proxy (HTTP_PROXY/HTTPS_PROXY) without exempting 169.254.170.2 and 169.254.169.254 in NO_PROXY",
                checks: [containers::proxy_environment],
                fix: "add NO_PROXY=169.254.170.2,169.254.169.254 to the container's environment",
            },
            {
                cause: "the cluster encrypts sessions with a KMS key the task role may not decrypt with, or the VPC has no KMS endpoint",
                checks: [roles::task_role_kms_decrypt, cluster::exec_kms_key_policy, network::exec_dependency_endpoints, cluster::exec_kms_key],
                fix: "allow kms:Decrypt on the key for the task role and add a kms interface endpoint to private subnets",
            },
            {
                cause: "exec was enabled (or the role, network or key fixed) after the task started, and the task was not replaced: a running task keeps what it started with",
                checks: [task::exec_enabled],
                confirm: "compare the task's startedAt (describe-tasks) with the time of the change; tasks older than it still have the old setting",
                fix: "aws ecs update-service --cluster CLUSTER --service SERVICE --force-new-deployment, or stop the old tasks; a blue/green (CODE_DEPLOY) service takes a CodeDeploy deployment instead (aws deploy create-deployment), an EXTERNAL one a new task set",
            },
            {
                cause: "an essential sidecar (a FireLens or Fluent Bit log router, a proxy such as Envoy) in the task interferes with the agent or keeps restarting the task, so exec works only some of the time",
                confirm: "try exec on a task of the same definition without the sidecar; look for `Essential container in task exited` in the stopped tasks' stoppedReason",
                fix: "make the sidecar non-essential or fix its start-up, or move the log router's configuration so it no longer stops the task",
            },
            {
                cause: "a regression in a newer ECS agent, SSM agent or Fargate platform release: every check passes, and it broke without a configuration change",
                checks: [task::ecs_agent_version],
                confirm: "compare the agent versions (describe-container-instances versionInfo, the SSM agent version in the agent log) of tasks where exec works and where it does not, and search the agents' issue trackers for that version",
                fix: "pin the previous ECS agent or AMI version (or platform version) until a fixed release, and report it with the versions",
            },
            {
                cause: "a session to another container of the same task, or a sidecar, left the agent unable to take a new session",
                confirm: "try the same command against another task of the service, or another container",
                fix: "retry, target another task, or replace the task",
            },
            {
                cause: "a service-side issue: threads that rule out everything above often end with it working again later",
                confirm: "nothing in the configuration explains it: check the AWS Health Dashboard and retry in a few minutes",
                fix: "retry later; if it persists, open an AWS support case with the task ARN and the time of the attempt",
            },
        ],
        references: [
            ECS_EXEC_DOCS,
            "https://docs.aws.amazon.com/botocore/latest/reference/services/ecs/client/exceptions/TargetNotConnectedException.html",
            "aws/aws-cli#6562, #6834, #8080; aws/amazon-ssm-agent#435; amazon-ecs-exec-checker#47",
        ],
    };
}

declare_error! {
    E02 = {
        id: "E02",
        name: "ExecuteCommandNotEnabled",
        code: "InvalidParameterException",
        title: "exec was not enabled when the task started, or its exec agent is not running",
        phase: P1,
        shows_in: Api,
        message: "An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running. Wait and try again or run a new task with execute command enabled and try again.",
        patterns: [
            Exact "execute command was not enabled when the task was run",
            Exact "the execute command agent isn't running",
            Generic "InvalidParameterException",
        ],
        meaning: "the task either was started without enableExecuteCommand (the flag cannot be turned on for a running task) or its ExecuteCommandAgent is not running yet or any more",
        causes: [
            {
                cause: "the task was started before exec was enabled on its service (update-service without a new deployment, `exec: true` added to a Copilot manifest with nothing else changed, or an infrastructure change that did not replace the tasks)",
                checks: [task::exec_enabled, task::service_exec_enabled],
                fix: "aws ecs update-service --cluster CLUSTER --service SERVICE --enable-execute-command --force-new-deployment; for a blue/green (CODE_DEPLOY) service, the same without --force-new-deployment, then a CodeDeploy deployment (aws deploy create-deployment); for an EXTERNAL one, a new task set",
            },
            {
                cause: "a standalone task was run without --enable-execute-command",
                checks: [task::exec_enabled],
                fix: "run a new task with --enable-execute-command (EventBridge Scheduler and Step Functions have an EnableExecuteCommand parameter)",
            },
            {
                cause: "the ExecuteCommandAgent is still starting, has stopped or crashed, or the container is not RUNNING yet",
                checks: [task::exec_agent_running, task::task_running],
                fix: "wait and retry, or replace the task",
            },
            {
                cause: "the platform cannot run the exec agent: an EC2 host without the managed-agent binaries (custom or old AMI, agent before 1.50.2) or a Fargate platform version before 1.4.0",
                checks: [task::ecs_agent_version, task::fargate_platform_version, task::service_platform_version],
                fix: "use a current ECS-optimized AMI or agent, or Fargate platform version 1.4.0 or later (LATEST)",
            },
            {
                cause: "the task was placed with managed scaling and asynchronous placement, which ECS Exec does not support",
                confirm: "look at how the task was started: RunTask with a capacity provider that uses managed scaling and no instance at placement time",
                fix: "run the task on capacity that exists when it is placed",
            },
        ],
        references: [ECS_EXEC_DOCS, "fabfuel/ecs-deploy#193; keidarcy/e1s#206"],
    };
}

declare_error! {
    E03 = {
        id: "E03",
        name: "ExecuteCommandAccessDenied",
        code: "AccessDeniedException",
        title: "the caller may not call ecs:ExecuteCommand on the cluster or the task",
        phase: P1,
        shows_in: Api,
        message: "An error occurred (AccessDeniedException) when calling the ExecuteCommand operation: User: arn:aws:sts::123456789012:assumed-role/Developer/alice is not authorized to perform: ecs:ExecuteCommand on resource: arn:aws:ecs:us-east-1:123456789012:cluster/prod because no identity-based policy allows the ecs:ExecuteCommand action",
        patterns: [
            Exact "not authorized to perform: ecs:ExecuteCommand",
            Exact ["AccessDeniedException", "calling the ExecuteCommand operation"],
            Generic "AccessDeniedException",
        ],
        meaning: "IAM refused the ExecuteCommand call itself; ECS authorises it against both the cluster and the task, with condition keys for the cluster, the task, the container name and their tags",
        causes: [
            {
                cause: "no policy allows ecs:ExecuteCommand on both the cluster and the task (a policy that names only one of them fails)",
                checks: [caller::execute_command_allowed],
                fix: "allow ecs:ExecuteCommand on arn:aws:ecs:REGION:ACCOUNT:cluster/CLUSTER and arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/*",
            },
            {
                cause: "a condition does not hold: ecs:container-name without --container in a multi-container task, or a tag condition on an untagged task",
                checks: [caller::execute_command_allowed],
                fix: "pass --container, propagate tags to the task, or adjust the condition",
            },
            {
                cause: "a service control policy or a permissions boundary denies it (for example a region restriction)",
                checks: [caller::execute_command_allowed],
                fix: "change the SCP or the boundary; the identity policy is not the problem",
            },
            {
                cause: "an explicit deny unless MFA is present, with credentials obtained without MFA",
                confirm: "look for aws:MultiFactorAuthPresent conditions in the caller's policies; the simulator does not know how the session was obtained",
                fix: "get an MFA session (sts get-session-token with --serial-number and --token-code) and retry",
            },
        ],
        references: [
            "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ExecuteCommand.html",
            "amazon-ecs-exec-checker#44, #68, #70; aws/containers-roadmap#1050",
        ],
    };
}

declare_error! {
    E04 = {
        id: "E04",
        name: "ClusterNotFoundException",
        code: "ClusterNotFoundException",
        title: "the cluster does not exist in the region and account the CLI used",
        phase: P1,
        shows_in: Api,
        message: "An error occurred (ClusterNotFoundException) when calling the ExecuteCommand operation: Cluster not found.",
        patterns: [
            Exact "ClusterNotFoundException",
            Phrase "Cluster not found",
        ],
        meaning: "ECS found no cluster of that name where the call went; most often the CLI used another region or account than the one the task runs in",
        causes: [
            {
                cause: "the CLI used another region than the task's (profile region, AWS_REGION and --region disagree)",
                confirm: "compare the region in the task ARN with aws configure get region and AWS_REGION",
                fix: "pass --region with the region from the task ARN",
            },
            {
                cause: "the CLI used another account or profile",
                confirm: "aws sts get-caller-identity shows the account the call went to; compare it with the account in the task ARN",
                fix: "pass --profile for the task's account",
            },
            {
                cause: "a typo in the cluster name, or the cluster was deleted",
                confirm: "aws ecs list-clusters --region REGION lists the clusters that exist",
                fix: "pass the cluster name or ARN exactly as listed",
            },
        ],
        references: [ECS_EXEC_DOCS, "amazon-ecs-exec-checker#60, #82"],
    };
}

declare_error! {
    E05 = {
        id: "E05",
        name: "InvalidTaskIdentifier",
        code: "InvalidParameterException",
        title: "--task is not a task id or task ARN",
        phase: P1,
        shows_in: Api,
        message: "An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: task length should be one of [32,36]",
        patterns: [
            Exact "task length should be one of [32,36]",
            Generic "InvalidParameterException",
        ],
        meaning: "ECS expects a 32-character task id (or a 36-character one for older tasks) or a task ARN; a service name, a truncated id, or an ARN with extra characters from scripting is refused",
        causes: [
            {
                cause: "a service name, task-definition family or truncated id was passed as --task, or a script added quotes or a newline",
                confirm: "aws ecs list-tasks --cluster CLUSTER --service-name SERVICE gives the task ARNs",
                fix: "pass a task id or ARN from list-tasks",
            },
        ],
        references: ["aws/aws-cli#10057"],
    };
}

declare_error! {
    E06 = {
        id: "E06",
        name: "NonInteractiveSession",
        code: "InvalidParameterException",
        title: "execute-command was called without --interactive",
        phase: P1,
        shows_in: Api,
        message: "An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: Interactive is the only mode supported currently.",
        patterns: [
            Exact "Interactive is the only mode supported currently",
            Generic "InvalidParameterException",
        ],
        meaning: "ECS Exec only runs interactive sessions; an SDK call with interactive=False or the CLI without --interactive is refused",
        causes: [
            {
                cause: "the call did not ask for an interactive session",
                confirm: "look for --interactive on the command line, or interactive=True in the SDK call",
                fix: "add --interactive (in CI, also allocate a pseudo-terminal, see E22)",
            },
        ],
        references: ["boto/boto3#2822"],
    };
}

declare_error! {
    E07 = {
        id: "E07",
        name: "ServerException",
        code: "ServerException",
        title: "ECS had a service-side failure",
        phase: P1,
        shows_in: Api,
        message: "An error occurred (ServerException) when calling the ExecuteCommand operation (reached max retries: 4): Service Unavailable. Please try again later.",
        patterns: [
            Exact "ServerException",
            Phrase "Service Unavailable. Please try again later",
        ],
        meaning: "the ECS service failed to handle the call; this is not a configuration problem",
        causes: [
            {
                cause: "a transient or regional service issue",
                confirm: "check the AWS Health Dashboard for ECS in the region",
                fix: "retry with backoff; upgrade the AWS CLI if it is very old",
            },
        ],
        references: ["aws/containers-roadmap#187"],
    };
}

declare_error! {
    E08 = {
        id: "E08",
        name: "SessionLimitReached",
        code: "ClientException",
        title: "too many exec sessions are open on the container",
        phase: P1,
        shows_in: Api,
        message: "An error occurred (ClientException) when calling the ExecuteCommand operation: Unable to start new execute sessions because the maximum session limit of 2 has been reached.",
        patterns: [
            Exact "Unable to start new execute sessions because the maximum session limit",
            Phrase "maximum session limit of",
            Generic "ClientException",
        ],
        meaning: "earlier sessions to the same target are still open, and the per-target session quota is used up",
        causes: [
            {
                cause: "abandoned or hung sessions (closed terminals, sessions that never ended) are still counted",
                confirm: "aws ssm describe-sessions --state Active --filters key=Target,value=ecs:CLUSTER_TASKID_RUNTIMEID lists them",
                fix: "end them with aws ssm terminate-session --session-id ID, or replace the task",
            },
            {
                cause: "sessions opened directly with ssm start-session on the task count against the same quota",
                checks: [caller::start_session_denied],
                fix: "deny ssm:StartSession on the cluster's tasks so every session goes through ECS Exec",
            },
        ],
        references: [ECS_EXEC_DOCS],
    };
}

declare_error! {
    E09 = {
        id: "E09",
        name: "SessionManagerPluginNotFound",
        title: "the AWS CLI cannot find the session-manager-plugin",
        phase: P0 ("printed after ExecuteCommand succeeded"),
        shows_in: Cli,
        message: "SessionManagerPlugin is not found. Please refer to SessionManager Documentation here: http://docs.aws.amazon.com/console/systems-manager/session-manager-plugin-not-found",
        patterns: [
            Exact "SessionManagerPlugin is not found",
            Exact "session-manager-plugin-not-found",
            Phrase "session-manager-plugin: command not found",
            Phrase "command not found: session-manager-plugin",
            Phrase ["session-manager-plugin", "is not recognized as an internal or external command"],
            Phrase "requires the SSM Session Manager plugin (session-manager-plugin) to be installed",
            Phrase "could not find Session Manager Plugin CLI",
            Phrase "Install the Session Manager Plugin</a> before proceeding",
            Phrase "Failed to install AWS Session Manager Plugin",
            Phrase "Failed to validate the Session Manager plugin",
            Inner "\"session-manager-plugin\": executable file not found",
        ],
        meaning: "ExecuteCommand succeeded and created a session, but the CLI needs the session-manager-plugin to carry it and could not run it",
        causes: [
            {
                cause: "the plugin is not installed, or not on the PATH of the shell or tool that runs the CLI (IDEs, CI images, containers, virtualenvs)",
                checks: [local::session_manager_plugin],
                fix: "install the Session Manager plugin: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html",
            },
        ],
        references: ["aws/session-manager-plugin#123"],
    };
}

declare_error! {
    E10 = {
        id: "E10",
        name: "TerminateSessionAccessDenied",
        code: "AccessDeniedException",
        title: "a denied TerminateSession call hides a missing session-manager-plugin",
        phase: P0 ("printed after ExecuteCommand succeeded"),
        shows_in: Cli,
        message: "An error occurred (AccessDeniedException) when calling the TerminateSession operation: User: arn:aws:sts::123456789012:assumed-role/Developer/alice is not authorized to perform: ssm:TerminateSession on resource: arn:aws:ssm:us-east-1:123456789012:session/ecs-execute-command-0abc123def4567890",
        patterns: [
            Exact "calling the TerminateSession operation",
            Exact "ssm:TerminateSession",
        ],
        meaning: "the CLI could not start the session-manager-plugin and tried to end the session it had created; that cleanup call was denied, and its error replaced the real one",
        causes: [
            {
                cause: "the session-manager-plugin is missing or not on PATH",
                checks: [local::session_manager_plugin],
                fix: "install the Session Manager plugin",
            },
            {
                cause: "the caller may not call ssm:TerminateSession on its own sessions",
                confirm: "this only decides which error you see: the plugin is the real problem",
                fix: "optionally allow ssm:TerminateSession on arn:aws:ssm:*:*:session/${aws:userid}-*",
            },
        ],
        references: ["aws/aws-cli#9837"],
    };
}

declare_error! {
    E11 = {
        id: "E11",
        name: "PluginWrongArchitecture",
        title: "the session-manager-plugin is built for another CPU",
        phase: P0,
        shows_in: Cli,
        message: "bad CPU type in executable: session-manager-plugin",
        patterns: [Exact "bad CPU type in executable"],
        meaning: "the operating system refused to start the plugin binary because it was built for another architecture (an x86_64 plugin on Apple Silicon without Rosetta); sometimes the CLI just exits with no session",
        causes: [
            {
                cause: "an x86_64 plugin on an arm64 Mac without Rosetta, or a stale copy earlier on PATH",
                checks: [local::session_manager_plugin],
                fix: "install the arm64 plugin package (or Rosetta) and remove stale copies from PATH",
            },
        ],
        references: ["aws/aws-cli#7214; aws/copilot-cli#4891"],
    };
}

declare_error! {
    E12 = {
        id: "E12",
        name: "PluginInstalledNotice",
        title: "benign: the CLI found the session-manager-plugin",
        phase: P0,
        shows_in: Cli,
        kind: Benign,
        message: "The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.",
        patterns: [Exact "The Session Manager plugin was installed successfully"],
        meaning: "the AWS CLI prints this line before every attempt, also before failures; it only says that the plugin was found, and the error, if any, is in the lines after it",
        causes: [
            {
                cause: "none: this line is not an error",
                confirm: "read the lines printed after it",
                fix: "explain the message that follows it instead",
            },
        ],
        references: ["aws/aws-cli#9432"],
    };
}

declare_error! {
    E13 = {
        id: "E13",
        name: "CliWithoutExecuteCommand",
        title: "the AWS CLI is too old to know execute-command",
        phase: P0,
        shows_in: Cli,
        message: "aws: error: argument operation: Invalid choice, valid choices are:",
        patterns: [
            Exact "argument operation: Invalid choice",
            Exact "argument operation: Found invalid choice",
        ],
        meaning: "the installed AWS CLI does not have the ecs execute-command operation (or the operation name is misspelled)",
        causes: [
            {
                cause: "an AWS CLI older than v1 1.19.28 or v2 2.1.30",
                checks: [local::aws_cli_version],
                fix: "upgrade to AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html",
            },
        ],
        references: ["aws/aws-cli#6022"],
    };
}

declare_error! {
    E14 = {
        id: "E14",
        name: "KmsHandshakeFailed",
        title: "the session's KMS data key could not be generated on your machine",
        phase: P2,
        shows_in: Plugin,
        message: "Encountered error while initiating handshake. KMSEncryption failed on client with status 2 error: Failed to process action KMSEncryption: Error calling KMS GenerateDataKey API: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/Developer/alice is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd",
        patterns: [
            Exact "KMSEncryption failed on client",
            Exact "Error calling KMS GenerateDataKey API",
            Phrase "not authorized to perform: kms:GenerateDataKey",
            Generic "initiating handshake",
        ],
        meaning: "the cluster encrypts exec sessions with a KMS key, and the session-manager-plugin, using your credentials, could not generate the session's data key with it",
        causes: [
            {
                cause: "the caller may not call kms:GenerateDataKey on the cluster's exec key (in IAM or in the key policy)",
                checks: [caller::kms_generate_data_key, cluster::exec_kms_key_policy],
                fix: "allow kms:GenerateDataKey on the key for the caller, in IAM and in the key policy",
            },
            {
                cause: "the key is disabled, pending deletion, or the configured alias points nowhere",
                checks: [cluster::exec_kms_key],
                fix: "enable the key, cancel its deletion, or point the cluster at a working key",
            },
            {
                cause: "the plugin cannot use your credentials (NoCredentialProviders: SSO or credential_process profiles with an old plugin)",
                checks: [local::session_manager_plugin],
                fix: "upgrade the session-manager-plugin, or export session credentials before running the CLI",
            },
            {
                cause: "a third-party tool passes a wrong encryption context (ValidationException: Invalid EncryptionContext)",
                confirm: "the error names ValidationException or Invalid EncryptionContext and a tool other than the AWS CLI started the plugin",
                fix: "update the tool, or use aws ecs execute-command",
            },
        ],
        references: [ECS_EXEC_DOCS, "aws/aws-cli#7902; danmx/sigil#46"],
    };
}

declare_error! {
    E15 = {
        id: "E15",
        name: "HandshakeTimedOut",
        title: "the session handshake did not complete",
        phase: P2,
        shows_in: Plugin,
        message: "Encountered error while initiating handshake. Handshake timed out. Please ensure that you have the latest version of the session manager plugin.",
        patterns: [
            Exact "Handshake timed out",
            Generic "initiating handshake",
        ],
        meaning: "the plugin and the agent did not finish setting up the session in time; with a KMS key this usually means one side could not use the key",
        causes: [
            {
                cause: "an old session-manager-plugin with a KMS-encrypted cluster (also with SSO credentials)",
                checks: [local::session_manager_plugin],
                fix: "upgrade the session-manager-plugin",
            },
            {
                cause: "the task role may not kms:Decrypt with the cluster's exec key",
                checks: [roles::task_role_kms_decrypt],
                fix: "allow kms:Decrypt on the key for the task role, in IAM and in the key policy",
            },
            {
                cause: "a private subnet has no kms endpoint, so the agent's KMS call times out",
                checks: [network::exec_dependency_endpoints],
                fix: "add a com.amazonaws.REGION.kms interface endpoint, or a NAT route",
            },
            {
                cause: "the exec key is disabled or pending deletion",
                checks: [cluster::exec_kms_key],
                fix: "enable the key or point the cluster at a working one",
            },
            {
                cause: "a generic network stall between the task and ssmmessages",
                checks: [network::ssmmessages_endpoint],
                confirm: "retry from another network; check proxies and security groups on the path",
                fix: "retry, and open TCP 443 from the task to ssmmessages",
            },
        ],
        references: [ECS_EXEC_DOCS, "amazon-ecs-exec-checker#37, #46"],
    };
}

declare_error! {
    E16 = {
        id: "E16",
        name: "DataKeyDecryptFailed",
        title: "the session's data key could not be decrypted",
        phase: P2,
        shows_in: Plugin,
        message: "Fetching data key failed: Unable to retrieve data key, Error when decrypting data key InvalidCiphertextException:",
        patterns: [
            Exact "Error when decrypting data key",
            Exact "Fetching data key failed",
            Phrase "InvalidCiphertextException",
        ],
        meaning: "the encrypted data key did not decrypt, because the encryption context did not match (a wrapper that starts the plugin with wrong parameters) or the key changed",
        causes: [
            {
                cause: "a wrapper tool started the plugin with wrong session or target parameters",
                confirm: "the same execute-command through the AWS CLI works",
                fix: "update the wrapper, or use aws ecs execute-command",
            },
            {
                cause: "the exec key was rotated, disabled or scheduled for deletion",
                checks: [cluster::exec_kms_key],
                fix: "enable the key, or point the cluster at a working one",
            },
        ],
        references: ["tedsmitt/ecsgo#12; yukiarrr/ecsk#1"],
    };
}

declare_error! {
    E17 = {
        id: "E17",
        name: "CliWithoutEncryptionSupport",
        title: "the plugin was started the old way, without what KMS encryption needs",
        phase: P2,
        shows_in: Plugin,
        message: "Installed version of AWS CLI does not support Session Manager encryption feature. Please upgrade to latest version of AWS CLI",
        patterns: [
            Inner "does not support Session Manager encryption feature",
            Phrase "support Session Manager encryption feature",
        ],
        meaning: "the session-manager-plugin was called with the legacy argument list, by an old AWS CLI or a wrapper, so it cannot do the KMS handshake the cluster requires",
        causes: [
            {
                cause: "an old AWS CLI",
                checks: [local::aws_cli_version],
                fix: "upgrade the AWS CLI",
            },
            {
                cause: "a wrapper tool that starts the plugin itself with the legacy arguments (the AWS Toolkit for VS Code, ecspresso before 2.0, older ecsgo)",
                confirm: "the error appears with the wrapper but not with aws ecs execute-command",
                fix: "upgrade the wrapper, or use aws ecs execute-command for clusters with a KMS key",
            },
        ],
        references: ["kayac/ecspresso#320; aws/aws-toolkit-vscode#3995; tedsmitt/ecsgo"],
    };
}

declare_error! {
    E18 = {
        id: "E18",
        name: "SsoSessionExpired",
        title: "your SSO session expired",
        phase: P2,
        shows_in: Plugin,
        message: "SSOProviderInvalidToken: the SSO session has expired or is invalid",
        patterns: [
            Inner "SSOProviderInvalidToken",
            Inner "the SSO session has expired or is invalid",
            Phrase "Token has expired and refresh failed",
        ],
        meaning: "the credentials of your SSO profile expired; inside the KMS handshake the plugin reports it this way",
        causes: [
            {
                cause: "the SSO token expired",
                confirm: "aws sts get-caller-identity --profile PROFILE fails with the same expiry",
                fix: "aws sso login --profile PROFILE",
            },
            {
                cause: "an old session-manager-plugin that cannot refresh SSO credentials",
                checks: [local::session_manager_plugin],
                fix: "upgrade the session-manager-plugin",
            },
        ],
        references: ["aws/aws-cli#7902"],
    };
}

declare_error! {
    E19 = {
        id: "E19",
        name: "LogGroupNotEncrypted",
        title: "session logging requires an encrypted CloudWatch log group",
        phase: P3,
        shows_in: Session,
        message: "We couldn't start the session because encryption is not set up on the selected CloudWatch Logs log group. Either encrypt the log group or choose an option to enable logging without encryption.",
        patterns: [Exact "encryption is not set up on the selected CloudWatch Logs log group"],
        meaning: "the cluster's exec logging has cloudWatchEncryptionEnabled, and the agent could not confirm that the log group is encrypted with a KMS key, so it refused the session",
        causes: [
            {
                cause: "the log group has no KMS key, or does not exist",
                checks: [cluster::exec_log_destination],
                confirm: "aws logs describe-log-groups --log-group-name-prefix GROUP shows no kmsKeyId",
                fix: "aws logs associate-kms-key --log-group-name GROUP --kms-key-id KEY (the key policy must allow CloudWatch Logs), or set cloudWatchEncryptionEnabled to false",
            },
            {
                cause: "the task role may not describe the log group or write to it",
                checks: [roles::task_role_exec_logging, cluster::exec_audit_logging],
                fix: "allow logs:DescribeLogGroups, CreateLogStream, DescribeLogStreams and PutLogEvents for the task role",
            },
            {
                cause: "a private subnet has no logs endpoint",
                checks: [network::exec_dependency_endpoints],
                fix: "add a com.amazonaws.REGION.logs interface endpoint, or a NAT route",
            },
        ],
        references: [ECS_EXEC_DOCS, "amazon-ecs-exec-checker#65, #79"],
    };
}

declare_error! {
    E20 = {
        id: "E20",
        name: "S3BucketNotEncrypted",
        title: "session logging requires an encrypted S3 bucket",
        phase: P3,
        shows_in: Session,
        message: "We couldn't start the session because encryption is not set up on the selected Amazon S3 bucket. Either encrypt the bucket or choose an option to enable logging without encryption.",
        patterns: [
            Exact "encryption is not set up on the selected Amazon S3 bucket",
            Phrase ["Failed uploading", "to s3://", "AccessDenied"],
        ],
        meaning: "the cluster's exec logging has s3EncryptionEnabled, and the agent could not confirm that the bucket has default encryption, so it refused the session",
        causes: [
            {
                cause: "the task role may not call s3:GetEncryptionConfiguration on the bucket (or s3:GetBucketLocation, s3:PutObject)",
                checks: [roles::task_role_exec_logging, cluster::exec_audit_logging],
                fix: "allow s3:GetBucketLocation on *, s3:GetEncryptionConfiguration on the bucket and s3:PutObject on the prefix for the task role",
            },
            {
                cause: "the bucket has no default encryption, or does not exist",
                checks: [cluster::exec_log_destination],
                confirm: "aws s3api get-bucket-encryption --bucket BUCKET",
                fix: "enable default encryption on the bucket, or set s3EncryptionEnabled to false",
            },
            {
                cause: "a private subnet has no S3 endpoint",
                checks: [network::exec_dependency_endpoints],
                fix: "add an S3 gateway endpoint to the task's route tables",
            },
            {
                cause: "the agent's upload of the session log is denied: the bucket policy requires server-side-encryption headers (or a KMS key) the agent does not send, or the role lacks s3:PutObject",
                checks: [roles::task_role_exec_logging],
                confirm: "the agent log shows `Failed uploading ... to s3://... AccessDenied`; read the bucket policy's Deny statements on s3:PutObject",
                fix: "let the bucket's default encryption apply instead of a Deny on uploads without x-amz-server-side-encryption, update the agent, and allow s3:PutObject on the log prefix",
            },
        ],
        references: [ECS_EXEC_DOCS, "aws/amazon-ssm-agent#212, #311"],
    };
}

declare_error! {
    E21 = {
        id: "E21",
        name: "InteractiveCommandsPluginNotFound",
        title: "the agent in the container lacks its interactive-commands plugin",
        phase: P3,
        shows_in: Session,
        message: "Plugin with name InteractiveCommands not found. Step name: InteractiveCommands",
        patterns: [Exact "Plugin with name InteractiveCommands not found"],
        meaning: "the SSM agent in the container could not load the plugin that runs interactive commands: an agent build without it, a full disk or /tmp where it unpacks, or corrupted agent state",
        causes: [
            {
                cause: "the container's disk or /tmp is full, or the agent's state is corrupted",
                checks: [task::exec_agent_running],
                confirm: "check free space in the container (df -h) if another session works, or the task's storage metrics",
                fix: "replace the task and free disk or tmpfs space",
            },
            {
                cause: "an agent build without the plugin (a platform rollout lag)",
                confirm: "the same image works on a newly started task or another platform version",
                fix: "replace the task and retry later",
            },
        ],
        references: ["aws/copilot-cli#5160; aws/session-manager-plugin#49"],
    };
}

declare_error! {
    E22 = {
        id: "E22",
        name: "StartSessionEof",
        title: "the session ended because its input closed",
        phase: P2 ("or P3"),
        shows_in: Plugin,
        message: "Cannot perform start session: EOF",
        patterns: [
            Exact "Cannot perform start session: EOF",
            Phrase ["Cannot perform start session", "broken pipe"],
            Phrase ["Cannot perform start session", "write tcp"],
        ],
        meaning: "the plugin's input reached end-of-file: there was no terminal on stdin (CI runners, docker run without -t, a pipe), the terminal closed, or a proxy dropped the websocket; at the end of a command's output it is often just how the session ended",
        causes: [
            {
                cause: "stdin is not a terminal (CI, docker run without -t, input piped into the CLI)",
                confirm: "run the same command from an interactive terminal",
                fix: "run from a real terminal; in CI wrap it: script -qec \"aws ecs execute-command ...\" /dev/null (or unbuffer)",
            },
            {
                cause: "a proxy or VPN dropped the websocket",
                confirm: "try from another network, and check whether corporate proxies allow websockets to ssmmessages",
                fix: "allow websockets to ssmmessages.REGION.amazonaws.com through the proxy",
            },
            {
                cause: "an old session-manager-plugin lost the connection when refreshing SSO credentials (`write: broken pipe` after a minute without input or output)",
                checks: [local::session_manager_plugin],
                confirm: "session-manager-plugin --version is older than 1.2.814.0, and the profile uses SSO",
                fix: "upgrade the session-manager-plugin (1.2.814.0 or later)",
            },
        ],
        references: ["aws/amazon-ssm-agent#354; aws/session-manager-plugin#109"],
    };
}

declare_error! {
    E23 = {
        id: "E23",
        name: "CommandNotFoundInImage",
        title: "the command (often the shell) does not exist in the image",
        phase: P3,
        shows_in: Session,
        message: "Unable to start command: Failed to start pty: fork/exec /bin/bash: no such file or directory",
        patterns: [
            Exact "Failed to start pty",
            Phrase "fork/exec /bin/bash: no such file or directory",
            Phrase "exec: \"bash\": executable file not found in $PATH",
        ],
        meaning: "the session reached the container, but the agent could not start the command: it is run directly (not through a shell), and the image does not have it; alpine, busybox and distroless images have no bash, and distroless and scratch images have no shell at all",
        causes: [
            {
                cause: "the image has no such executable (bash on alpine or busybox, any shell on distroless or scratch)",
                confirm: "no API shows the image's contents: inspect the image (docker run --entrypoint ls IMAGE /bin) or retry with --command /bin/sh",
                fix: "use --command /bin/sh, add a shell to the image, or exec into a debug sidecar",
            },
            {
                cause: "the command relies on a shell (pipes, redirections, quoting) without running one",
                confirm: "look at the --command value: it is split on spaces and executed directly",
                fix: "wrap it: --command \"/bin/sh -c 'your | command'\"",
            },
        ],
        references: ["https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec-run.html"],
    };
}

declare_error! {
    E24 = {
        id: "E24",
        name: "WindowsContainerLinuxShell",
        title: "a Linux shell was asked of a Windows container",
        phase: P3,
        shows_in: Session,
        message: "/bin/sh : The term '/bin/sh' is not recognized as the name of a cmdlet, function, script file, or operable program.",
        patterns: [Exact "is not recognized as the name of a cmdlet"],
        meaning: "the task runs Windows containers, where the agent runs the command through PowerShell; /bin/sh does not exist there",
        causes: [
            {
                cause: "--command /bin/sh (or bash) against a Windows container",
                checks: [containers::windows_container],
                fix: "use --command \"powershell.exe\" (or cmd.exe)",
            },
            {
                cause: "a Windows platform that does not support exec (Nano Server images, old Windows AMIs or agents, Fargate Windows before platform 1.0.0)",
                checks: [containers::windows_container, task::ecs_agent_version, task::fargate_platform_version],
                fix: "use a Windows Server Core image on a supported ECS-optimized Windows AMI or Fargate platform",
            },
        ],
        references: [ECS_EXEC_DOCS, "tedsmitt/ecsgo#16"],
    };
}

declare_error! {
    E25 = {
        id: "E25",
        name: "TranscriptFailed",
        title: "the session transcript could not be generated (script or cat missing)",
        phase: P5,
        shows_in: AgentLog,
        message: "[DataBackend] unable to generate log data: Failed to generate transcript with the following errors: exec: \"script\": executable file not found in $PATH",
        patterns: [
            Exact "Failed to generate transcript",
            Exact "exec: \"script\": executable file not found",
        ],
        meaning: "session logging needs script (util-linux) and cat in the image; without them the session may work, but no audit log is written",
        causes: [
            {
                cause: "the image lacks script or cat",
                confirm: "no API shows the image's contents: check for /usr/bin/script in the image",
                fix: "install util-linux (script) and coreutils (cat) in the image, or accept sessions without transcripts",
            },
            {
                cause: "logging is DEFAULT or OVERRIDE, so a transcript is attempted",
                checks: [cluster::exec_audit_logging],
                fix: "keep logging on and fix the image; turning logging off only hides the problem",
            },
        ],
        references: [ECS_EXEC_DOCS, "aws/amazon-ssm-agent#653"],
    };
}

declare_error! {
    E26 = {
        id: "E26",
        name: "ControlChannelFailed",
        title: "the agent could not open its control channel to Session Manager",
        phase: P3 ("the agent side of E01"),
        shows_in: AgentLog,
        message: "ERROR [MessageGatewayService] Failed to get controlchannel token, error: CreateControlChannel failed with error: createControlChannel request failed: unexpected response from the service <BadRequest xmlns=\"\"><message>Unauthorized request.</message></BadRequest>",
        patterns: [
            Exact "Failed to get controlchannel token",
            Exact "CreateControlChannel failed with error",
            Exact "not authorized to perform: ssmmessages:CreateControlChannel",
        ],
        meaning: "the agent-side reason behind TargetNotConnectedException: the agent's ssmmessages:CreateControlChannel call failed, because it was refused (permissions or credentials) or did not get through (network)",
        causes: [
            {
                cause: "the role the agent uses lacks ssmmessages (AccessDenied or Unauthorized request)",
                checks: [roles::task_role_present, roles::task_role_ssmmessages],
                fix: "attach the ssmmessages actions to the task role, then start new tasks",
            },
            {
                cause: "AWS credentials in the container environment replace the task role",
                checks: [containers::aws_credentials_in_environment],
                fix: "remove the AWS credential variables from the container",
            },
            {
                cause: "timeouts or DNS failures reaching ssmmessages",
                checks: [network::ssmmessages_endpoint],
                fix: "add the ssmmessages endpoint with private DNS, or a NAT route, and open TCP 443",
            },
        ],
        references: ["amazon-ecs-exec-checker#47"],
    };
}

declare_error! {
    E27 = {
        id: "E27",
        name: "ExecuteCommandAgentStopped",
        title: "the ExecuteCommandAgent of a container is STOPPED",
        phase: P1 ("seen in describe-tasks before ExecuteCommand fails"),
        shows_in: TaskState,
        message: "\"managedAgents\": [{\"name\": \"ExecuteCommandAgent\", \"lastStatus\": \"STOPPED\"}]",
        patterns: [
            Exact "failed to start message bus",
            Phrase ["ExecuteCommandAgent", "STOPPED"],
        ],
        meaning: "the agent that exec connects to is not running in the container, which turns TargetNotConnectedException or InvalidParameterException from a mystery into a known cause",
        causes: [
            {
                cause: "the agent stopped or crashed (often with reason null)",
                checks: [task::exec_agent_running],
                fix: "replace the task",
            },
            {
                cause: "the root filesystem is read-only, so the agent cannot write its state",
                checks: [containers::readonly_root_filesystem],
                fix: "set readonlyRootFilesystem to false",
            },
            {
                cause: "a leftover agent process holds its socket (address in use) because there is no init process",
                checks: [containers::init_process_enabled],
                fix: "set linuxParameters.initProcessEnabled to true",
            },
            {
                cause: "a regression in the agent release on the host or platform (a Fargate agent that lost track of the SSM agent's process was fixed in August 2021)",
                checks: [task::ecs_agent_version],
                confirm: "the agent's reason is null or `address in use` on tasks whose configuration is otherwise fine; compare agent versions with tasks where exec works",
                fix: "replace the task; pin the previous agent or AMI version if it recurs",
            },
            {
                cause: "the task is short of memory or CPU for the agent",
                confirm: "look at the task's memory and CPU utilisation and stopped-container reasons",
                fix: "give the task more memory",
            },
        ],
        references: ["aws/aws-cli#6903; aws/amazon-ssm-agent#361, #540"],
    };
}

declare_error! {
    E28 = {
        id: "E28",
        name: "IdleTimeout",
        title: "the session ended after 20 minutes without input",
        phase: P4,
        shows_in: Plugin,
        kind: Informational,
        message: "Your session timed out due to inactivity and has been terminated.",
        patterns: [
            Exact "Your session timed out due to inactivity",
            Exact ["Session:", "timed out."],
            // A client that prints only the plugin's closing line, with the user's own words.
            Phrase ["20 minutes", "Exiting session"],
            Phrase "idle timeout",
        ],
        meaning: "ECS Exec sessions have a fixed idle timeout of 20 minutes that cannot be changed; commands started in the session keep running after it ends",
        causes: [
            {
                cause: "no input for 20 minutes (expected behaviour, not a configuration error)",
                confirm: "the session ended about 20 minutes after the last keystroke",
                fix: "keep the session active, run long work as a separate task, or start it with nohup",
            },
        ],
        references: [ECS_EXEC_DOCS, "aws/containers-roadmap#1939"],
    };
}

declare_error! {
    E29 = {
        id: "E29",
        name: "SessionHangsOrLosesExitCode",
        title: "the session hangs when the container stops, and exit codes are not passed back",
        phase: P4,
        shows_in: Plugin,
        kind: Informational,
        message: "the session hangs when the container stops; execute-command exits 0 whatever the remote command returned",
        patterns: [
            Phrase "session hangs",
            Phrase "session is just hung",
            Phrase "shell hangs",
            Phrase "exit codes are not reported",
            Phrase "exit code is not propagated",
            Phrase "exit code ignored",
            // How people show it: the status checked right after the session, always 0.
            Phrase "echo $?",
            Phrase "exit code of zero",
            Phrase "exit code of command",
            Phrase "exit code of the command",
        ],
        meaning: "the session-manager-plugin does not notice a container that went away, and it does not return the remote command's exit status, so execute-command exits 0 even when the command failed",
        causes: [
            {
                cause: "the container stopped or the connection dropped while the session was open",
                confirm: "describe-tasks shows the task or container stopped at about the time the session hung",
                fix: "close the terminal (or kill the session-manager-plugin process) and open a new session",
            },
            {
                cause: "the target's disk (or /tmp) is full, so the agent cannot write the session's files and the session never starts",
                confirm: "df -h on the target (or the task's storage metrics) shows a full root or /tmp",
                fix: "free space on the target or replace the task, then open a new session",
            },
            {
                cause: "scripts rely on the exit code of execute-command, which is always 0",
                confirm: "aws ecs execute-command ... --command false still exits 0",
                fix: "print a marker with the status (sh -c 'cmd; echo EXIT=$?') and parse it instead",
            },
        ],
        references: ["aws/aws-cli#7488; aws/session-manager-plugin#47, #59"],
    };
}

declare_error! {
    E30 = {
        id: "E30",
        name: "EndpointUnreachable",
        title: "the AWS CLI could not reach the AWS endpoint",
        phase: P0 ("or P1"),
        shows_in: Cli,
        message: "Could not connect to the endpoint URL: \"https://ecs.us-east-1.amazonaws.com/\"",
        patterns: [
            Exact "Could not connect to the endpoint URL",
            Phrase "EndpointConnectionError",
            Phrase ["dial tcp", "no such host"],
        ],
        meaning: "the machine running the CLI could not connect to the service endpoint: an invalid or misspelled region, no route or proxy to AWS, or a partition mismatch",
        causes: [
            {
                cause: "an invalid or misspelled region (ap-notheast-1)",
                confirm: "read the host in the URL: the region in it must be a real one, and the task's",
                fix: "pass --region with the region from the task ARN",
            },
            {
                cause: "no network route or proxy from this machine to the AWS endpoints",
                confirm: "curl -sI https://ecs.REGION.amazonaws.com from the same machine",
                fix: "fix the proxy (HTTPS_PROXY) or the network, or run from a machine that reaches AWS",
            },
        ],
        references: ["amazon-ecs-exec-checker#53"],
    };
}

declare_error! {
    E31 = {
        id: "E31",
        name: "PolicySimulationFailed",
        title: "a diagnostic tool could not simulate IAM policies",
        phase: P0 ("the diagnostic tool itself"),
        shows_in: Tool,
        message: "An error occurred (InvalidInput) when calling the SimulatePrincipalPolicy operation: Invalid Entity Arn: arn:aws:sts::123456789012:assumed-role/Developer/alice does not clearly define entity type and name.",
        patterns: [
            Exact "does not clearly define entity type and name",
            Exact "not authorized to perform: iam:SimulatePrincipalPolicy",
            Phrase "Invalid Entity Arn",
            Exact "ResourceNames are not in a valid ARN format",
            Exact "is not a valid as a Resource Owner",
            Exact "Caller must be an IAM user in this context",
            Exact "Invalid Policy Source Arn",
            Exact ["Invalid context key name", "SimulatePrincipalPolicy"],
            Exact ["NoSuchEntity", "SimulatePrincipalPolicy"],
            Phrase ["InvalidInput", "SimulatePrincipalPolicy"],
        ],
        meaning: "the original checker passed an assumed-role session ARN to the IAM policy simulator, or its identity may not call it; this says nothing about ECS Exec itself",
        causes: [
            {
                cause: "the tool's identity lacks iam:SimulatePrincipalPolicy (ecs-exec-doctor reports the checks that need it as unknown and keeps going)",
                checks: [caller::execute_command_allowed, roles::task_role_ssmmessages],
                fix: "grant what ecs-exec-doctor permissions prints, or read the unknown results for what could not be checked",
            },
            {
                cause: "a session ARN was passed instead of the role ARN (the original checker did this)",
                confirm: "the ARN in the message is an sts assumed-role ARN",
                fix: "use ecs-exec-doctor, which resolves the session to its role, path included",
            },
            {
                cause: "a KMS key id instead of its ARN was passed as a resource (ResourceNames are not in a valid ARN format), another bug of early checker versions",
                confirm: "the value after the colon is a bare key id",
                fix: "pass the key ARN (kms describe-key), or use ecs-exec-doctor, which does",
            },
            {
                cause: "the simulated role does not exist (NoSuchEntity), or its policies live in another account (Invalid Policy Source Arn)",
                checks: [roles::task_role_present],
                fix: "check the role name in the task definition; simulate from the role's own account",
            },
        ],
        references: ["amazon-ecs-exec-checker#10, #11, #35; aws/aws-toolkit-vscode#3969; boto/botocore#1346"],
    };
}

declare_error! {
    E32 = {
        id: "E32",
        name: "CheckerCrash",
        title: "the original amazon-ecs-exec-checker crashed on a container without managed agents",
        phase: P0 ("the diagnostic tool itself"),
        shows_in: Tool,
        message: "jq: error (at <stdin>:173): Cannot iterate over null (null)",
        patterns: [
            Exact "Cannot iterate over null",
            Generic "jq: error",
        ],
        meaning: "check-ecs-exec.sh stops on containers that have no managedAgents (sidecars such as the GuardDuty runtime-monitoring agent); it says nothing about ECS Exec itself",
        causes: [
            {
                cause: "a container without managed agents in the task",
                checks: [task::exec_agent_running],
                fix: "use ecs-exec-doctor, which reports each container's agent and skips containers without one",
            },
        ],
        references: ["amazon-ecs-exec-checker#67, #84"],
    };
}

declare_error! {
    E33 = {
        id: "E33",
        name: "ExecNeedsTaskRole",
        code: "InvalidParameterException",
        title: "exec cannot be enabled: the task definition has no valid task role",
        phase: P1 ("when enabling exec: CreateService, UpdateService, RunTask"),
        shows_in: Api,
        message: "An error occurred (InvalidParameterException) when calling the UpdateService operation: The service couldn't be updated because a valid taskRoleArn is not being used. Specify a valid task role in your task definition and try again.",
        patterns: [
            Exact "a valid taskRoleArn is not being used",
            Exact "a valid task role is not being used",
            Phrase "Containers must have a task role ARN",
        ],
        meaning: "ECS refuses enableExecuteCommand for a service or task whose task definition (or RunTask override) names no task role it can use: the exec agent needs a task role, even on EC2 where other calls could fall back to the instance role",
        causes: [
            {
                cause: "the task definition has no taskRoleArn (common for EC2 services that relied on the instance role)",
                checks: [roles::task_role_present],
                fix: "add a taskRoleArn with the four ssmmessages actions to the task definition, register it, and update the service to the new revision with --enable-execute-command",
            },
            {
                cause: "the taskRoleArn names a role that does not exist or that ECS tasks may not assume",
                checks: [roles::task_role_present, roles::task_role_trust],
                fix: "create the role, or let ecs-tasks.amazonaws.com assume it in its trust policy",
            },
            {
                cause: "a RunTask (or a scheduler, Step Functions, boto3 run_task) with enableExecuteCommand but no task role in the task definition or in overrides.taskRoleArn",
                confirm: "the failing call is RunTask or StartTask: the message says task override",
                fix: "pass overrides={'taskRoleArn': ROLE_ARN} or add the role to the task definition",
            },
        ],
        references: ["aws/aws-toolkit-jetbrains#3649; boto/boto3#3173"],
    };
}

declare_error! {
    E34 = {
        id: "E34",
        name: "SessionExited",
        title: "the session ended because its shell or command exited",
        phase: P4,
        shows_in: Plugin,
        kind: Informational,
        message: "Exiting session with sessionId: ecs-execute-command-0a1b2c3d4e5f67890.",
        patterns: [
            Generic "Exiting session with sessionId",
        ],
        meaning: "the plugin closed the session because the other end closed it; alone, this line is the normal end of a session (you typed exit, or a one-shot --command finished), not an idle timeout, which prints its own line first",
        causes: [
            {
                cause: "the shell exited or the --command finished: the normal end of a session",
                confirm: "no `Your session timed out due to inactivity` line comes before it",
                fix: "nothing to fix",
            },
            {
                cause: "the remote command failed, but execute-command still exits 0: the plugin does not pass the command's exit code back",
                confirm: "run the same command as sh -c 'CMD; echo EXIT=$?' and read the printed status",
                fix: "print a marker with the status and parse it instead of relying on the exit code of execute-command",
            },
            {
                cause: "an idle timeout (20 minutes without input) where the tool printed only this line, not the timeout's own",
                confirm: "the session ended about 20 minutes after the last keystroke",
                fix: "keep the session active, or run long work with nohup or as a separate task",
            },
            {
                cause: "the container stopped or was replaced while the session was open",
                checks: [task::task_running],
                confirm: "describe-tasks shows the task or container stopped at about the time the session ended",
                fix: "open a session to a running task",
            },
        ],
        references: ["aws/session-manager-plugin#59; aws/amazon-ecs-agent#2846; yukiarrr/ecsk#23"],
    };
}

declare_error! {
    E35 = {
        id: "E35",
        name: "CheckerReport",
        title: "the original amazon-ecs-exec-checker reported a problem",
        phase: P0 ("the diagnostic tool itself"),
        shows_in: Tool,
        message: "  Exec Enabled for Task  | NO",
        patterns: [
            Phrase "Checks on ECS task and other resources",
            Phrase "Prerequisites for check-ecs-exec.sh",
            Phrase "Exec Enabled for Task |",
            Phrase "Managed Agent Status",
        ],
        meaning: "output of check-ecs-exec.sh; its red and yellow lines correspond to ecs-exec-doctor checks, which also cover what it cannot see (network paths, KMS key policies, trust policies, endpoints that do not serve the subnet)",
        causes: [
            {
                cause: "the checker printed `Exec Enabled for Task | NO`: the task was started without enableExecuteCommand",
                checks: [task::exec_enabled, task::service_exec_enabled],
                fix: "aws ecs update-service --cluster CLUSTER --service SERVICE --enable-execute-command --force-new-deployment; for a blue/green (CODE_DEPLOY) service, the same without --force-new-deployment, then a CodeDeploy deployment (aws deploy create-deployment); for an EXTERNAL one, a new task set",
            },
            {
                cause: "the checker printed `STOPPED (Reason: ...)` under Managed Agent Status: the ExecuteCommandAgent is not running",
                checks: [task::exec_agent_running],
                fix: "replace the task; set initProcessEnabled and keep the root filesystem writable if it recurs",
            },
            {
                cause: "the checker printed `EC2 or Task Role | Not Configured` or an ssmmessages action as implicitDeny: no task role or no ssmmessages permissions",
                checks: [roles::task_role_present, roles::task_role_ssmmessages],
                fix: "give the task a task role that allows the four ssmmessages actions",
            },
            {
                cause: "the checker printed `SSM PrivateLink ... not found`: no ssmmessages endpoint, so the task needs a route to the internet",
                checks: [network::ssmmessages_endpoint],
                fix: "create the com.amazonaws.REGION.ssmmessages interface endpoint with private DNS, or route the subnet through a NAT gateway",
            },
            {
                cause: "the checker printed `ReadOnly` under Read-Only Root Filesystem: the agent cannot create its directories",
                checks: [containers::readonly_root_filesystem],
                fix: "set readonlyRootFilesystem to false for the containers you exec into",
            },
            {
                cause: "the checker printed `AWS_ACCESS_KEY_ID: defined` (or the secret key): credentials in the container environment",
                checks: [containers::aws_credentials_in_environment],
                fix: "remove the credentials from the container environment",
            },
            {
                cause: "the checker printed `(Required: >= 1.4.0)` or `(Required: >= 1.50.2)`: the platform cannot run the exec agent",
                checks: [task::fargate_platform_version, task::ecs_agent_version],
                fix: "use Fargate platform version LATEST or a current ECS-optimized AMI",
            },
            {
                cause: "the checker printed `ecs:ExecuteCommand` or `kms:GenerateDataKey` as implicitDeny for you: the caller may not start the session",
                checks: [caller::execute_command_allowed, caller::kms_generate_data_key],
                fix: "allow ecs:ExecuteCommand on the cluster and the task (and kms:GenerateDataKey on the exec key)",
            },
            {
                cause: "the checker printed `Session Manager Plugin | Missing`: the plugin is not installed where the AWS CLI runs",
                checks: [local::session_manager_plugin],
                fix: "install the session-manager-plugin on this machine",
            },
            {
                cause: "the checker printed `PidMode | task` or Init Process `Disabled` (yellow): exec into only one container, or leftover agent processes",
                checks: [containers::pid_mode_task, containers::init_process_enabled],
                fix: "drop pidMode task or exec into the first container; set initProcessEnabled to true",
            },
            {
                cause: "the checker printed explicitDeny for ecs:ExecuteCommand or ssm:StartSession, but its simulation carries no MFA, source address or tags: a Deny unless MFA (or outside the office network) shows as explicitDeny although the real call from an MFA session is allowed",
                checks: [caller::execute_command_allowed],
                confirm: "ecs-exec-doctor check CLUSTER TASK --select CR001 simulates with the request's context and names the keys it cannot know",
                fix: "nothing to fix in IAM when the real execute-command from an MFA session works: a false alarm of the checker",
            },
            {
                cause: "every line is green but exec still fails: the checker does not look at network ACLs, endpoint security groups, private DNS, KMS key policies or trust policies",
                checks: [network::network_acl, network::endpoint_access, cluster::exec_kms_key_policy, roles::task_role_trust],
                fix: "run ecs-exec-doctor check CLUSTER TASK for the checks the original does not have",
            },
        ],
        references: ["https://github.com/aws-containers/amazon-ecs-exec-checker"],
    };
}

declare_error! {
    E36 = {
        id: "E36",
        name: "ToolkitPermissionCheck",
        title: "an IDE toolkit's permission pre-check refused ECS Exec",
        phase: P0 ("the IDE toolkit, before or after ExecuteCommand"),
        shows_in: Tool,
        message: "Insufficient permissions to execute command, ensure the task role is configured. Task role arn:aws:iam::123456789012:role/app is not authorized to perform: ssmmessages:CreateControlChannel",
        patterns: [
            Exact "Insufficient permissions to execute command",
            Exact "Permissions for ECS Exec could not be verified",
            Phrase "Set up Valid Task Role with Permissions",
            Phrase "Please set up a Task Role with the required permissions",
            Phrase "You may not have the Permissions Required for using the execute command",
        ],
        meaning: "the AWS Toolkit for VS Code or JetBrains simulates the task role's ssmmessages permissions itself and shows this when the simulation denies them or cannot run; it is sometimes right and sometimes a false alarm",
        causes: [
            {
                cause: "the task role lacks the ssmmessages actions",
                checks: [roles::task_role_ssmmessages],
                fix: "attach the four ssmmessages actions to the task role, then start new tasks",
            },
            {
                cause: "the task definition has no task role",
                checks: [roles::task_role_present],
                fix: "add a taskRoleArn to the task definition",
            },
            {
                cause: "the toolkit uses another profile or account than you think (the role is fine)",
                confirm: "compare the toolkit's connection (profile, region) with the one where the task runs",
                fix: "switch the toolkit's connection to the task's account and region",
            },
            {
                cause: "a false negative of the toolkit's pre-check with SSO or MFA credentials, which it cannot simulate",
                checks: [roles::task_role_ssmmessages],
                confirm: "ecs-exec-doctor check CLUSTER TASK passes IR002 for the same task",
                fix: "use aws ecs execute-command, or continue past the warning",
            },
        ],
        references: ["aws/aws-toolkit-vscode#3797; aws/aws-toolkit-jetbrains#3649, #3645"],
    };
}

declare_error! {
    E37 = {
        id: "E37",
        name: "CodeDeployServiceUpdate",
        code: "InvalidParameterException",
        title: "a blue/green (CODE_DEPLOY) service refuses a forced deployment or a new task definition from update-service",
        phase: P1 ("when enabling exec: UpdateService with --force-new-deployment or --task-definition"),
        shows_in: Api,
        message: "An error occurred (InvalidParameterException) when calling the UpdateService operation: Cannot force a new deployment on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.",
        patterns: [
            Exact "Cannot force a new deployment on services with a CODE_DEPLOY deployment controller",
            Exact "Unable to update task definition on services with a CODE_DEPLOY deployment controller",
            Phrase ["on services with a CODE_DEPLOY deployment controller", "execute-command"],
            Phrase ["on services with a CODE_DEPLOY deployment controller", "enableExecuteCommand"],
        ],
        meaning: "the service uses the CODE_DEPLOY (blue/green) deployment controller: update-service may set enableExecuteCommand, but the running tasks are replaced only by a CodeDeploy deployment, never by --force-new-deployment or a new --task-definition",
        causes: [
            {
                cause: "exec was enabled with update-service --force-new-deployment (or a new task definition) on a blue/green service",
                checks: [task::service_exec_enabled, task::exec_enabled],
                fix: "aws ecs update-service --cluster CLUSTER --service SERVICE --enable-execute-command (without --force-new-deployment or --task-definition), then aws deploy create-deployment --application-name APP --deployment-group-name GROUP with the service's AppSpec",
            },
        ],
        references: ["aws/aws-toolkit-vscode#4017", "Amazon ECS API reference, UpdateService (CODE_DEPLOY deployment controller)"],
    };
}

declare_error! {
    E38 = {
        id: "E38",
        name: "ClientTlsInterception",
        title: "a proxy or TLS-inspecting tool on your machine breaks the plugin's connections",
        phase: P2 ("on your machine: the plugin's connections to ssmmessages and KMS"),
        shows_in: Plugin,
        message: "Error calling KMS GenerateDataKey API: RequestError: send request failed\ncaused by: Post \"https://kms.ca-central-1.amazonaws.com/\": x509: certificate signed by unknown authority",
        patterns: [
            Inner "x509: certificate signed by unknown authority",
            Exact "tls: bad certificate",
            Inner "x509: certificate is not valid for any names",
            Inner "CERTIFICATE_VERIFY_FAILED",
            Phrase "SSL validation failed for",
        ],
        meaning: "a connection from your machine was answered by something that re-signs TLS (a corporate proxy, a security agent, Teleport's tsh aws proxy, a debugging proxy) with a certificate authority the session-manager-plugin or the AWS CLI does not trust, or by a proxy that does not pass the plugin's WebSocket",
        causes: [
            {
                cause: "a TLS-inspecting proxy or local tool re-signs the plugin's connections with a certificate authority it does not trust",
                confirm: "the same command from a network or machine without the proxy works; openssl s_client -connect ssmmessages.REGION.amazonaws.com:443 -servername ssmmessages.REGION.amazonaws.com shows the proxy's issuer instead of Amazon's",
                fix: "trust the proxy's certificate authority in the operating system's store (the plugin is a Go program: it reads the system roots or SSL_CERT_FILE, not AWS_CA_BUNDLE, which only the AWS CLI reads), or exempt ssmmessages.REGION.amazonaws.com and kms.REGION.amazonaws.com from inspection (NO_PROXY for tsh and similar tools)",
            },
            {
                cause: "an HTTP proxy (HTTPS_PROXY, ALL_PROXY) that does not pass WebSocket connections: the session starts, then hangs",
                confirm: "unset HTTPS_PROXY and ALL_PROXY and retry from a network that reaches AWS directly",
                fix: "let the proxy pass WebSocket upgrades to ssmmessages.REGION.amazonaws.com, or bypass it for that host",
            },
        ],
        references: ["gravitational/teleport#23041, #42371 (tsh aws proxy); aws/aws-cli#9282 (an HTTP proxy)"],
    };
}

declare_error! {
    E39 = {
        id: "E39",
        name: "PlacementMissingExecAttribute",
        title: "tasks with exec enabled cannot be placed: the container instances lack an attribute",
        phase: P1 ("when tasks with exec enabled start on EC2 container instances"),
        shows_in: TaskState,
        message: "(after update-service --enable-execute-command) service my-service was unable to place a task because no container instance met all of its requirements. The closest matching container-instance 0123456789abcdef0123456789abcdef is missing an attribute required by your task.",
        patterns: [
            Phrase "ecs.capability.execute-command",
            Phrase ["is missing an attribute required by your task", "execute-command"],
            Phrase ["is missing an attribute required by your task", "enableExecuteCommand"],
            Phrase ["is missing an attribute required by your task", "enable_execute_command"],
        ],
        meaning: "ECS places a task only on a container instance that has every attribute the task needs; a task with exec enabled needs ecs.capability.execute-command, which only ECS agents from 1.50.2 with the managed-agent binaries register, and other features of the task definition add their own",
        causes: [
            {
                cause: "exec was enabled and the container instances run an ECS agent before 1.50.2 (or an AMI without the managed-agent binaries), so none has ecs.capability.execute-command",
                checks: [task::ecs_agent_version],
                confirm: "aws ecs describe-container-instances --cluster CLUSTER --container-instances ID --query 'containerInstances[].{agent:versionInfo.agentVersion,exec:attributes[?name==`ecs.capability.execute-command`]}'",
                fix: "update the ECS agent (1.50.2 or later) or replace the instances with a current ECS-optimized AMI, then deploy again",
            },
            {
                cause: "another attribute the task definition requires (a log driver, a volume plugin, task IAM roles) that the instances do not register",
                confirm: "compare the task definition's requiresAttributes with the instance's attributes (describe-container-instances)",
                fix: "enable that capability in the ECS agent's configuration (/etc/ecs/ecs.config) or remove the requirement from the task definition",
            },
        ],
        references: ["aws/aws-cli#7548; aws/amazon-ecs-agent#1429", ECS_EXEC_DOCS],
    };
}

declare_error! {
    E40 = {
        id: "E40",
        name: "IacRejectsExecSetting",
        title: "an infrastructure-as-code tool rejects the exec setting",
        phase: P1 ("when the service or task is deployed by CloudFormation, CDK, Terraform or Pulumi"),
        shows_in: Tool,
        message: "error: aws:ecs/service:Service resource 'service1' has a problem: Invalid or unknown key. Examine values at 'Service.EnableExecuteCommand'.",
        patterns: [
            Exact "Examine values at 'Service.EnableExecuteCommand'",
            Exact "An argument named \"enable_execute_command\" is not expected here",
            Exact "Encountered unsupported property EnableExecuteCommand",
            Phrase ["Invalid or unknown key", "EnableExecuteCommand"],
        ],
        meaning: "the deployment tool refused the exec flag before AWS saw it: the provider or tool version does not know it (too old, or a regression), or the flag sits on a resource that has no such property",
        causes: [
            {
                cause: "the provider or tool version does not know the exec property (too old, or a regression in that release)",
                confirm: "the same program or template with the previous or a later provider version, or the property removed, deploys",
                fix: "upgrade the provider or pin the last working version (terraform-provider-aws 3.34.0 or later knows enable_execute_command; pulumi-aws and CDK releases of 2021 onwards know it)",
            },
            {
                cause: "the property is on the wrong resource: exec is set on the service (EnableExecuteCommand of AWS::ECS::Service, enable_execute_command of aws_ecs_service) or on RunTask, not on the task definition or the cluster",
                confirm: "ecs-exec-doctor lint FILE points at where the property is and where it belongs",
                fix: "move the property to the service (or to the RunTask call)",
            },
        ],
        references: ["pulumi/pulumi-aws#1447", "AWS::ECS::Service EnableExecuteCommand (CloudFormation)"],
    };
}

declare_error! {
    E41 = {
        id: "E41",
        name: "SessionDocumentMissing",
        title: "the Session Manager document the client asked for does not exist here",
        phase: P2 ("StartSession, in the account and region of the target"),
        shows_in: Api,
        message: "An error occurred (InvalidDocument) when calling the StartSession operation: Document with name SSM-SessionManagerRunShell does not exist.",
        patterns: [
            Exact "Document with name SSM-SessionManagerRunShell does not exist",
            Phrase ["Document with name", "does not exist"],
            Exact "InvalidDocument",
        ],
        meaning: "StartSession names a Session Manager document (the session preferences SSM-SessionManagerRunShell, or a document such as AWS-StartSSHSession) that this account and region do not have, or that the client cannot use; ECS Exec itself passes its own document, so this comes from ssm start-session or a third-party client",
        causes: [
            {
                cause: "the Session Manager preferences were never saved in this account and region, so SSM-SessionManagerRunShell does not exist",
                confirm: "aws ssm describe-document --name SSM-SessionManagerRunShell --region REGION",
                fix: "save the preferences once (Systems Manager console, Session Manager, Preferences, Edit, Save), or create the document: aws ssm create-document --name SSM-SessionManagerRunShell --document-type Session --content file://prefs.json",
            },
            {
                cause: "the client asked for a document of another kind, region or account than the target's (a port-forwarding or SSH document for a shell, a document shared from another account)",
                confirm: "the --document-name the client passes, against aws ssm list-documents --filters Key=DocumentType,Values=Session",
                fix: "pass the document that exists for the target's region and account, or none for the default shell",
            },
        ],
        references: ["rapid7/metasploit-framework#17430", "Session Manager preferences (SSM-SessionManagerRunShell)"],
    };
}

declare_error! {
    E42 = {
        id: "E42",
        name: "RunAsUserMissing",
        title: "the Run As user of Session Manager does not exist on the target",
        phase: P3,
        shows_in: Session,
        message: "Unable to start shell: failed to start pty since RunAs user ssm-user does not exist",
        patterns: [
            Inner "failed to start pty since RunAs user",
            Phrase ["RunAs user", "does not exist"],
        ],
        meaning: "the account's Session Manager preferences turn on Run As support (or the IAM principal carries an SSMSessionRunAs tag), so the agent starts the shell as that user; with Run As on, the agent does not create ssm-user, and a user that does not exist on the instance or in the container image cannot start a shell",
        causes: [
            {
                cause: "the Run As user (the default one, or the principal's SSMSessionRunAs tag) does not exist on the target while Run As is on",
                confirm: "the Session Manager preferences (aws ssm get-document --name SSM-SessionManagerRunShell) show runAsEnabled true; id USER on the target says no such user",
                fix: "create the user on the instance or in the image (useradd), set Run As to a user that exists, or turn Run As support off in the Session Manager preferences",
            },
        ],
        references: ["aws/amazon-ssm-agent#431", "Session Manager preferences: Run As support (Systems Manager user guide)"],
    };
}

declare_error! {
    E43 = {
        id: "E43",
        name: "LogConfigurationWithoutOverride",
        title: "the cluster's exec configuration has a log configuration but logging is not OVERRIDE",
        phase: P0 ("when the cluster is created or updated, often by CloudFormation, CDK or Terraform"),
        shows_in: Tool,
        message: "InvalidParameterException: You must set logging to 'OVERRIDE' when you supply a log configuration",
        patterns: [
            Exact "You must set logging to 'OVERRIDE' when you supply a log configuration",
            Phrase ["set logging to", "OVERRIDE", "log configuration"],
        ],
        meaning: "CreateCluster and UpdateCluster accept executeCommandConfiguration.logConfiguration only with logging OVERRIDE: with DEFAULT or NONE the log group and bucket settings are refused, and the cluster is not changed",
        causes: [
            {
                cause: "the template or module sends a log configuration (a log group, a bucket, or empty settings a module fills in) while logging is DEFAULT or NONE",
                checks: [cluster::exec_log_destination],
                confirm: "the cluster resource sets execute_command_configuration.logging (Logging) to something other than OVERRIDE and also has log_configuration (LogConfiguration)",
                fix: "set logging to OVERRIDE to keep the log configuration, or remove the log configuration (with a module, pin the version that does not send one or pass logging = \"OVERRIDE\")",
            },
        ],
        references: ["terraform-aws-modules/terraform-aws-ecs#84", "ExecuteCommandConfiguration (Amazon ECS API reference)"],
    };
}

declare_error! {
    E44 = {
        id: "E44",
        name: "CopilotPluginUpdatePrompt",
        title: "the Copilot CLI asks to update the session-manager-plugin before exec",
        phase: P0 ("on your machine, before the session"),
        shows_in: Tool,
        message: "Looks like the Session Manager plugin is using version 1.2.398.0.\nWould you like to update it to the latest version 1.2.463.0? (y/N)",
        patterns: [
            Exact "Looks like the Session Manager plugin is using version",
            Phrase ["Would you like to update it to the latest version", "(y/N)"],
        ],
        meaning: "copilot svc exec and task exec compare the plugin's --version output with the latest release and ask before they continue; in a pipeline or a container without a terminal the question waits for ever, and a plugin whose version output Copilot cannot read is offered an update it already has",
        causes: [
            {
                cause: "the plugin is older than the latest release, or its version output is not what Copilot reads (an empty version in the prompt)",
                confirm: "session-manager-plugin --version prints the version the prompt should show",
                fix: "answer the prompt, install the latest plugin, or pass --yes in scripts (copilot svc exec --yes); upgrade Copilot when the prompt shows an empty version",
            },
        ],
        references: ["aws/copilot-cli#4627"],
    };
}

declare_error! {
    E45 = {
        id: "E45",
        name: "SdkSessionWithoutPlugin",
        title: "an SDK call created the session, but nothing carries its data",
        phase: P2 ("after ExecuteCommand or StartSession returned, in your own program"),
        shows_in: Tool,
        message: "ExecuteCommand (or StartSession) returned a session id, a stream URL and a token, and no output, shell or forwarded port follows",
        patterns: [
            Phrase "execute_command(",
            Phrase "ExecuteCommandCommand(",
            Phrase "executeCommand(",
            Phrase "start_session(",
            Phrase "startSession(",
            Phrase "StartSessionCommand(",
        ],
        meaning: "the ExecuteCommand and StartSession APIs only open a Session Manager session and return where to connect (streamUrl, tokenValue); the command's input and output, and a forwarded port, travel over a WebSocket that the session-manager-plugin opens, which the AWS CLI starts for you and an SDK does not",
        causes: [
            {
                cause: "the program calls the API through an SDK (boto3, the JavaScript, Go or Java SDK) and expects the command's output or a listening local port from the call itself",
                confirm: "the response has session.sessionId, streamUrl and tokenValue, and the same command through aws ecs execute-command works",
                fix: "run session-manager-plugin with the response (as the AWS CLI does: session-manager-plugin RESPONSE_JSON REGION StartSession PROFILE PARAMETERS_JSON ENDPOINT), or use a library that implements the session protocol; for output in scripts, aws ecs execute-command --command \"sh -c 'CMD'\" and parse what it prints",
            },
        ],
        references: ["boto/boto3#3496", "aws/aws-sdk-js#3149", "aws/session-manager-plugin (README: how the CLI starts the plugin)"],
    };
}

declare_error! {
    E46 = {
        id: "E46",
        name: "AdvancedInstancesTierRequired",
        title: "on-premises (hybrid) instances reach Session Manager only with the advanced-instances tier",
        phase: P2 ("StartSession, in the account and region of the managed instance"),
        shows_in: Api,
        message: "An error occurred (BadRequest) when calling the StartSession operation: Enable advanced-instances tier to use Session Manager with your on-premises instances",
        patterns: [
            Exact "Enable advanced-instances tier to use Session Manager with your on-premises instances",
            Phrase ["advanced-instances tier", "Session Manager"],
        ],
        meaning: "the target is a hybrid-activated managed instance (an mi- id: an on-premises server, an edge device, a SageMaker or other container registered with an activation), and Session Manager reaches such instances only when the account's Systems Manager instance tier is advanced in that region",
        causes: [
            {
                cause: "the account's managed-instance tier in the region is standard",
                confirm: "aws ssm get-service-setting --setting-id arn:aws:ssm:REGION:ACCOUNT:servicesetting/ssm/managed-instance/activation-tier shows standard",
                fix: "change the tier to advanced (aws ssm update-service-setting --setting-id .../activation-tier --setting-value advanced; it is charged per instance), or connect to an EC2 instance or ECS task instead",
            },
        ],
        references: ["aws-samples/sagemaker-ssh-helper#11", "Systems Manager user guide: configuring instance tiers"],
    };
}

declare_error! {
    E47 = {
        id: "E47",
        name: "PortForwardingLocalPortFailed",
        title: "a port-forwarding session cannot listen on its local port",
        phase: P4 ("on your machine, when the plugin opens the local port"),
        shows_in: Plugin,
        message: "Cannot perform start session: listen unix /var/folders/.../T/12345_session_manager_plugin_mux.sock: bind: invalid argument",
        patterns: [
            Exact "session_manager_plugin_mux.sock",
            Phrase ["Cannot perform start session", "bind:"],
            Phrase ["localPortNumber", "already in use"],
            Generic "AWS-StartPortForwardingSession",
        ],
        meaning: "with AWS-StartPortForwardingSession or AWS-StartPortForwardingSessionToRemoteHost the plugin listens on localPortNumber (and, for several connections, on a Unix socket in the temporary directory); a port another process holds, a missing or zero localPortNumber, or a socket path too long for the system makes it fail, and some plugin versions then wait silently until the idle timeout instead of saying so",
        causes: [
            {
                cause: "the local port is already taken by another process (often an earlier session still running)",
                confirm: "lsof -i :PORT (netstat -ano on Windows) shows a listener on the port",
                fix: "stop that process or choose another localPortNumber",
            },
            {
                cause: "localPortNumber is missing or 0, or the temporary directory's path is too long for a Unix socket (macOS sandboxed apps, deep TMPDIR)",
                confirm: "the error names session_manager_plugin_mux.sock; a shell session without --document-name works",
                fix: "pass localPortNumber explicitly, and run from a terminal whose TMPDIR is short (export TMPDIR=/tmp)",
            },
        ],
        references: ["aws/session-manager-plugin#81", "aws/session-manager-plugin#141"],
    };
}

declare_error! {
    E48 = {
        id: "E48",
        name: "AgentTooOldForRemotePortForwarding",
        title: "the SSM agent on the target reports a version without port forwarding to remote hosts",
        phase: P2 ("StartSession with AWS-StartPortForwardingSessionToRemoteHost"),
        shows_in: Api,
        message: "An error occurred (BadRequest) when calling the StartSession operation: The version of the SSM agent installed on this instance doesn't support port forwarding to remote hosts. Install the latest version of the SSM agent to use port forwarding sessions to remote hosts.",
        patterns: [
            Exact "doesn't support port forwarding to remote hosts",
            Phrase ["version of the SSM agent installed on this instance", "port forwarding"],
        ],
        meaning: "the agent reports its version when it registers, and Session Manager checks it: port forwarding to remote hosts needs SSM agent 3.1.1374.0 or later, and an agent built from source without a release version (it reports 3.1.0.0) is taken for an old one",
        causes: [
            {
                cause: "the agent on the instance (or in the container) is older than 3.1.1374.0",
                confirm: "aws ssm describe-instance-information shows the target's AgentVersion",
                fix: "update the SSM agent (AWS-UpdateSSMAgent, or a newer image), then retry",
            },
            {
                cause: "the agent was built from source and reports a placeholder version (3.1.0.0)",
                confirm: "AgentVersion is exactly 3.1.0.0 although the build is recent",
                fix: "build with the release version stamped (the BRAZIL_PACKAGE_VERSION the release uses), or install the released package",
            },
        ],
        references: ["aws/amazon-ssm-agent#140"],
    };
}
