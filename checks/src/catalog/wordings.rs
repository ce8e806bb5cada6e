//! Every catalog entry, in at least two real-world wordings (as the AWS CLI, an SDK, the
//! session-manager-plugin, the agent or a tool prints them), each also wrapped by a terminal at
//! 80 columns, with typographic quotes, in capitals, and without the CLI's prefix: the right
//! entry must come first every time.

use super::{ENTRIES, find_all};

const E12_LINE: &str =
    "The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.";

static WORDINGS: &[(&str, &[&str])] = &[
    (
        "E01",
        &[
            "An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later.",
            "TargetNotConnectedException: The execute command failed due to an internal error. Try again later.",
            "operation error ECS: ExecuteCommand, https response error StatusCode: 400, RequestID: 5f1b3c1e-9f0a-4c7e-8d2b-1a2b3c4d5e6f, TargetNotConnectedException: The execute command failed due to an internal error. Try again later.",
            "botocore.errorfactory.TargetNotConnectedException: An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later.",
            "\nThe Session Manager plugin was installed successfully. Use the AWS CLI to start a session.\n\n\nAn error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later.\n",
        ],
    ),
    (
        "E02",
        &[
            "An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. Wait and try again or run a new task with execute command enabled and try again.",
            "InvalidParameterException: The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running. Wait and try again or run a new task with execute command enabled and try again.",
            "operation error ECS: ExecuteCommand, https response error StatusCode: 400, RequestID: 0d7a6c1b-2222-4b7e-9c3d-0a1b2c3d4e5f, InvalidParameterException: The execute command failed because execute command was not enabled when the task was run or the execute command agent isn’t running. Wait and try again or run a new task with execute command enabled and try again.",
        ],
    ),
    (
        "E03",
        &[
            "An error occurred (AccessDeniedException) when calling the ExecuteCommand operation: User: arn:aws:sts::123456789012:assumed-role/Developer/alice is not authorized to perform: ecs:ExecuteCommand on resource: arn:aws:ecs:us-east-1:123456789012:cluster/prod because no identity-based policy allows the ecs:ExecuteCommand action",
            "An error occurred (AccessDeniedException) when calling the ExecuteCommand operation: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecs:ExecuteCommand on resource: arn:aws:ecs:eu-west-1:123456789012:task/prod/0123456789abcdef0123456789abcdef with an explicit deny in a service control policy",
            "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/Developer/alice is not authorized to perform: ecs:ExecuteCommand on resource: arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef because no identity-based policy allows the ecs:ExecuteCommand action",
        ],
    ),
    (
        "E04",
        &[
            "An error occurred (ClusterNotFoundException) when calling the ExecuteCommand operation: Cluster not found.",
            "botocore.errorfactory.ClusterNotFoundException: An error occurred (ClusterNotFoundException) when calling the ExecuteCommand operation: Cluster not found.",
            "ClusterNotFoundException: Cluster not found.",
        ],
    ),
    (
        "E05",
        &[
            "An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: task length should be one of [32,36]",
            "InvalidParameterException: task length should be one of [32,36]",
        ],
    ),
    (
        "E06",
        &[
            "An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: Interactive is the only mode supported currently.",
            "botocore.errorfactory.InvalidParameterException: An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: Interactive is the only mode supported currently.",
        ],
    ),
    (
        "E07",
        &[
            "An error occurred (ServerException) when calling the ExecuteCommand operation (reached max retries: 4): Service Unavailable. Please try again later.",
            "ServerException: Service Unavailable. Please try again later.",
        ],
    ),
    (
        "E08",
        &[
            "An error occurred (ClientException) when calling the ExecuteCommand operation: Unable to start new execute sessions because the maximum session limit of 2 has been reached.",
            "ClientException: Unable to start new execute sessions because the maximum session limit of 3 has been reached.",
        ],
    ),
    (
        "E09",
        &[
            "SessionManagerPlugin is not found. Please refer to SessionManager Documentation here: http://docs.aws.amazon.com/console/systems-manager/session-manager-plugin-not-found",
            "bash: session-manager-plugin: command not found",
            "zsh: command not found: session-manager-plugin",
            "'session-manager-plugin' is not recognized as an internal or external command, operable program or batch file.",
        ],
    ),
    (
        "E10",
        &[
            "An error occurred (AccessDeniedException) when calling the TerminateSession operation: User: arn:aws:sts::123456789012:assumed-role/Developer/alice is not authorized to perform: ssm:TerminateSession on resource: arn:aws:ssm:us-east-1:123456789012:session/ecs-execute-command-0abc123def4567890",
            "An error occurred (AccessDeniedException) when calling the TerminateSession operation: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ssm:TerminateSession on resource: arn:aws:ssm:eu-central-1:123456789012:session/ecs-execute-command-0a1b2c3d4e5f67890 with an explicit deny in an identity-based policy",
        ],
    ),
    (
        "E11",
        &[
            "zsh: bad CPU type in executable: session-manager-plugin",
            "[Errno 86] Bad CPU type in executable: 'session-manager-plugin'",
        ],
    ),
    (
        "E12",
        &[
            E12_LINE,
            "\n\nThe Session Manager plugin was installed successfully. Use the AWS CLI to start a\nsession.\n\n",
        ],
    ),
    (
        "E13",
        &[
            "usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\nTo see help text, you can run:\n\n  aws help\n  aws <command> help\n  aws <command> <subcommand> help\naws: error: argument operation: Invalid choice, valid choices are:\n\ncreate-capacity-provider                 | create-cluster\n",
            "aws: [ERROR]: argument operation: Found invalid choice 'execute-command'",
        ],
    ),
    (
        "E14",
        &[
            "Encountered error while initiating handshake. KMSEncryption failed on client with status 2 error: Failed to process action KMSEncryption: Error calling KMS GenerateDataKey API: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/Developer/alice is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd",
            "Encountered error while initiating handshake. KMSEncryption failed on client with status 2 error: Failed to process action KMSEncryption: Error calling KMS GenerateDataKey API: NoCredentialProviders: no valid providers in chain. Deprecated.\n\tFor verbose messaging see aws.Config.CredentialsChainVerboseErrors",
            "Encountered error while initiating handshake. KMSEncryption failed on client with status 2 error: Failed to process action KMSEncryption: Error calling KMS GenerateDataKey API: ValidationException: Invalid EncryptionContext",
        ],
    ),
    (
        "E15",
        &[
            "Encountered error while initiating handshake. Handshake timed out. Please ensure that you have the latest version of the session manager plugin.",
            "\nStarting session with SessionId: ecs-execute-command-0a1b2c3d4e5f67890\nEncountered error while initiating handshake. Handshake timed out. Please ensure that you have the latest version of the session manager plugin.\n",
        ],
    ),
    (
        "E16",
        &[
            "Fetching data key failed: Unable to retrieve data key, Error when decrypting data key InvalidCiphertextException:",
            "Fetching data key failed: Unable to retrieve data key, Error when decrypting data key InvalidCiphertextException: \n\tstatus code: 400, request id: 3c9a1f2e-4b5d-6e7f-8091-a2b3c4d5e6f7",
        ],
    ),
    (
        "E17",
        &[
            "Installed version of AWS CLI does not support Session Manager encryption feature. Please upgrade to latest version of AWS CLI",
            "\nStarting session with SessionId: ecs-execute-command-0123456789abcdef0\nInstalled version of AWS CLI does not support Session Manager encryption feature.\n",
        ],
    ),
    (
        "E18",
        &[
            "Encountered error while initiating handshake. KMSEncryption failed on client with status 2 error: Failed to process action KMSEncryption: Error calling KMS GenerateDataKey API: SSOProviderInvalidToken: the SSO session has expired or is invalid\ncaused by: expected RFC3339 timestamp",
            "Error when retrieving token from sso: Token has expired and refresh failed",
        ],
    ),
    (
        "E19",
        &[
            "We couldn't start the session because encryption is not set up on the selected CloudWatch Logs log group. Either encrypt the log group or choose an option to enable logging without encryption.",
            "\nStarting session with SessionId: ecs-execute-command-0f0a8dbc107109cb4\n\nWe couldn’t start the session because encryption is not set up on the selected CloudWatch Logs log group. Either encrypt the log group or choose an option to enable logging without encryption.\n",
        ],
    ),
    (
        "E20",
        &[
            "We couldn't start the session because encryption is not set up on the selected Amazon S3 bucket. Either encrypt the bucket or choose an option to enable logging without encryption.",
            "\nStarting session with SessionId: ecs-execute-command-0f0a8dbc107109cb4\n\nWe couldn’t start the session because encryption is not set up on the selected Amazon S3 bucket.\n",
        ],
    ),
    (
        "E21",
        &[
            "Plugin with name InteractiveCommands not found. Step name: InteractiveCommands",
            "\nStarting session with SessionId: ecs-execute-command-0f0a8dbc107109cb4\n\n----------ERROR-------\nPlugin with name InteractiveCommands not found. Step name: InteractiveCommands\n\n\nExiting session with sessionId: ecs-execute-command-0f0a8dbc107109cb4.\n",
        ],
    ),
    (
        "E22",
        &[
            "Cannot perform start session: EOF",
            "\nStarting session with SessionId: ecs-execute-command-07a1b2c3d4e5f6789\n\nCannot perform start session: EOF\n",
        ],
    ),
    (
        "E23",
        &[
            "Unable to start command: Failed to start pty: fork/exec /bin/bash: no such file or directory",
            "Unable to start command: Failed to start pty: exec: \"bash\": executable file not found in $PATH",
            "\nStarting session with SessionId: ecs-execute-command-0f0a8dbc107109cb4\n\n----------ERROR-------\nUnable to start command: Failed to start pty: fork/exec /bin/bash: no such file or directory\n\n\nExiting session with sessionId: ecs-execute-command-0f0a8dbc107109cb4.\n",
        ],
    ),
    (
        "E24",
        &[
            "/bin/sh : The term '/bin/sh' is not recognized as the name of a cmdlet, function, script file, or operable program.",
            "bash : The term 'bash' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.",
        ],
    ),
    (
        "E25",
        &[
            "[DataBackend] unable to generate log data: Failed to generate transcript with the following errors: exec: \"script\": executable file not found in $PATH",
            "2023-05-10 10:11:12 ERROR [DataBackend] [pluginName=InteractiveCommands] unable to generate log data: Failed to generate transcript with the following errors: [exec: \"script\": executable file not found in $PATH]",
        ],
    ),
    (
        "E26",
        &[
            "2020-03-10 10:15:03 ERROR [MessageGatewayService] Failed to get controlchannel token, error: CreateControlChannel failed with error: createControlChannel request failed: unexpected response from the service <BadRequest xmlns=\"\"><message>Unauthorized request.</message></BadRequest>",
            "2023-09-29 16:35:36 ERROR [SetWebSocket @ controlchannel.go.93] [ssm-agent-worker] [MessageService] [MGSInteractor] \nFailed to get controlchannel token, error: CreateControlChannel failed with error: createControlChannel request failed: unexpected response from the service <AccessDeniedException>\n  <Message>User: arn:aws:sts::123456789012:assumed-role/ecs_tasks_role/085834c623f94319bf3fed1a112f499a is not authorized to perform: ssmmessages:CreateControlChannel because no identity-based policy allows the ssmmessages:CreateControlChannel action</Message>\n</AccessDeniedException>",
            "ERROR [MessageGatewayService] Failed to get controlchannel token, error: CreateControlChannel failed with error: createControlChannel request failed: RequestError: send request failed\ncaused by: Post \"https://ssmmessages.eu-west-1.amazonaws.com/v1/control-channel/ecs:prod_0123_0123-1234?role=subscribe&stream=input\": dial tcp 10.0.1.25:443: i/o timeout",
        ],
    ),
    (
        "E27",
        &[
            "\"managedAgents\": [\n    {\n        \"lastStartedAt\": \"2021-03-01T14:49:44.574000-06:00\",\n        \"name\": \"ExecuteCommandAgent\",\n        \"lastStatus\": \"STOPPED\"\n    }\n]",
            "|  ExecuteCommandAgent  |  STOPPED  |  None  |",
            "failed to start message bus: ipc:///var/lib/amazon/ssm/ipc/health, address in use",
        ],
    ),
    (
        "E28",
        &[
            "Your session timed out due to inactivity and has been terminated.",
            "SessionId: ecs-execute-command-0f0a8dbc107109cb4 : Your session timed out due to inactivity and has been terminated.",
        ],
    ),
    (
        "E29",
        &[
            "the interactive session hangs when the container is stopped",
            "Exit codes are not reported: execute-command always returns 0",
            "the shell hangs and there is no notification the session is disconnected",
        ],
    ),
    (
        "E30",
        &[
            "Could not connect to the endpoint URL: \"https://sts.ap-notheast-1.amazonaws.com/\"",
            "botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint URL: \"https://ecs.eu-west-1.amazonaws.com/\"",
            "operation error ECS: ExecuteCommand, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, Post \"https://ecs.us-esat-1.amazonaws.com/\": dial tcp: lookup ecs.us-esat-1.amazonaws.com: no such host",
        ],
    ),
    (
        "E31",
        &[
            "An error occurred (InvalidInput) when calling the SimulatePrincipalPolicy operation: Invalid Entity Arn: arn:aws:sts::123456789012:assumed-role/Developer/alice does not clearly define entity type and name.",
            "An error occurred (AccessDenied) when calling the SimulatePrincipalPolicy operation: User: arn:aws:sts::123456789012:assumed-role/ReadOnly/bob is not authorized to perform: iam:SimulatePrincipalPolicy on resource: role Developer because no identity-based policy allows the iam:SimulatePrincipalPolicy action",
        ],
    ),
    (
        "E32",
        &[
            "jq: error (at <stdin>:173): Cannot iterate over null (null)",
            "Task Role Permissions | \njq: error (at <stdin>:0): Cannot iterate over null (null)",
        ],
    ),
    (
        "E33",
        &[
            "An error occurred (InvalidParameterException) when calling the UpdateService operation: The service couldn't be updated because a valid taskRoleArn is not being used. Specify a valid task role in your task definition and try again.",
            "software.amazon.awssdk.services.ecs.model.InvalidParameterException: The service couldn't be updated because a valid taskRoleArn is not being used. Specify a valid task role in your task definition and try again. (Service: Ecs, Status Code: 400, Request ID: ebdbfef6-5186-48ca-9ec7-ac3e65720c37)",
            "botocore.errorfactory.InvalidParameterException: An error occurred (InvalidParameterException) when calling the RunTask operation: The execute command failed because a valid task role is not being used. Specify a valid task role in your task definition or as a task override and try again.",
        ],
    ),
    (
        "E34",
        &[
            "\n\nExiting session with sessionId: ecs-execute-command-0f0a8dbc107109cb4.\n\n",
            "Starting session with SessionId: ecs-execute-command-123\nroot@ip-10-0-1-23:/# exit\nexit\n\n\nExiting session with sessionId: ecs-execute-command-123.",
        ],
    ),
    (
        "E35",
        &[
            "-------------------------------------------------------------\nChecks on ECS task and other resources\n-------------------------------------------------------------\nRegion : us-east-1\nCluster: prod\nTask   : 0123456789abcdef0123456789abcdef\n-------------------------------------------------------------\n  Cluster Configuration  | Audit Logging Not Configured\n  Can I ExecuteCommand?  | arn:aws:iam::123456789012:role/admin\n     ecs:ExecuteCommand: allowed\n  Task Status            | RUNNING\n  Launch Type            | Fargate\n  Platform Version       | 1.4.0\n  Exec Enabled for Task  | NO",
            "  Container-Level Checks | \n    ----------\n      Managed Agent Status\n    ----------\n         1. STOPPED (Reason: null) for \"api\" - LastStartedAt: null",
        ],
    ),
    (
        "E36",
        &[
            "Insufficient permissions to execute command, ensure the task role is configured. Task role arn:aws:iam::123456789012:role/app is not authorized to perform: ssmmessages:CreateControlChannel, ssmmessages:OpenDataChannel",
            "Permissions for ECS Exec could not be verified. Please ensure you have the right role and permissions before proceeding",
        ],
    ),
    (
        "E37",
        &[
            "An error occurred (InvalidParameterException) when calling the UpdateService operation: Cannot force a new deployment on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.",
            "An error occurred (InvalidParameterException) when calling the UpdateService operation: Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.",
            "InvalidParameterException: Cannot force a new deployment on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.",
        ],
    ),
    (
        "E38",
        &[
            "Encountered error while initiating handshake. KMSEncryption failed on client with status 2 error: Failed to process action KMSEncryption: Error calling KMS GenerateDataKey API: RequestError: send request failed\ncaused by: Post \"https://kms.ca-central-1.amazonaws.com/\": x509: certificate signed by unknown authority",
            "2023/03/14 09:27:04 http: TLS handshake error from 127.0.0.1:57218: remote error: tls: bad certificate",
            "SSL validation failed for https://ecs.eu-west-1.amazonaws.com/ [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)",
        ],
    ),
    (
        "E40",
        &[
            "error: aws:ecs/service:Service resource 'service1' has a problem: Invalid or unknown key. Examine values at 'Service.EnableExecuteCommand'.",
            "Error: Unsupported argument\n\n  on main.tf line 12, in resource \"aws_ecs_service\" \"web\":\n  12:   enable_execute_command = true\n\nAn argument named \"enable_execute_command\" is not expected here.",
            "Encountered unsupported property EnableExecuteCommand",
        ],
    ),
    (
        "E41",
        &[
            "An error occurred (InvalidDocument) when calling the StartSession operation: Document with name SSM-SessionManagerRunShell does not exist.",
            "[-] Auxiliary aborted due to failure: unexpected-reply: Document with name SSM-SessionManagerRunShell does not exist.",
        ],
    ),
    (
        "E42",
        &[
            "Unable to start shell: failed to start pty since RunAs user ssm-user does not exist",
            "----------ERROR-------\nUnable to start shell: failed to start pty since RunAs user deploy does not exist\n\nExiting session with sessionId: alice-0a1b2c3d4e5f67890.",
        ],
    ),
    (
        "E43",
        &[
            "InvalidParameterException: You must set logging to 'OVERRIDE' when you supply a log configuration",
            "Error: updating ECS Cluster (arn:aws:ecs:eu-west-1:123456789012:cluster/prod): operation error ECS: UpdateCluster, https response error StatusCode: 400, RequestID: 1b2c, InvalidParameterException: You must set logging to 'OVERRIDE' when you supply a log configuration.",
        ],
    ),
    (
        "E44",
        &[
            "Looks like the Session Manager plugin is using version 1.2.398.0.\nWould you like to update it to the latest version 1.2.463.0? (y/N)",
            "1.2.458.0\n\n  Looks like the Session Manager plugin is using version .\nWould you like to update it to the latest version 1.2.458.0? (y/N)",
        ],
    ),
    (
        "E45",
        &[
            "client = session.client(\"ecs\")\nresponse = client.execute_command(cluster=\"prod\", task=task_id, container=\"app\", command=\"ls /\", interactive=True)\nprint(response)  # only a session, no output",
            "await ssm.startSession({DocumentName: \"AWS-StartPortForwardingSession\", Target: \"i-0abc\"}).promise(); // resolves, but nothing listens on the local port",
        ],
    ),
    (
        "E46",
        &[
            "An error occurred (BadRequest) when calling the StartSession operation: Enable advanced-instances tier to use Session Manager with your on-premises instances",
            "botocore.exceptions.ClientError: An error occurred (BadRequest) when calling the StartSession operation: Enable advanced-instances tier to use Session Manager with your on-premises instances",
        ],
    ),
    (
        "E47",
        &[
            "Cannot perform start session: listen unix /var/folders/kk/abc/T/23234950_session_manager_plugin_mux.sock: bind: invalid argument",
            "Starting session with SessionId: alice-0a1b2c3d\nCannot perform start session: listen tcp 127.0.0.1:5432: bind: address already in use",
        ],
    ),
    (
        "E48",
        &[
            "An error occurred (BadRequest) when calling the StartSession operation: The version of the SSM agent installed on this instance doesn't support port forwarding to remote hosts. Install the latest version of the SSM agent to use port forwarding sessions to remote hosts.",
            "botocore.exceptions.ClientError: An error occurred (BadRequest) when calling the StartSession operation: The version of the SSM agent installed on this instance doesn't support port forwarding to remote hosts.",
        ],
    ),
    (
        "E39",
        &[
            "I ran aws ecs update-service --enable-execute-command; now: service my-service was unable to place a task because no container instance met all of its requirements. The closest matching container-instance 0123456789abcdef0123456789abcdef is missing an attribute required by your task.",
            "enableExecuteCommand: true\nservice [test2-*] was unable to place a task because no container instance met all of its requirements. \nThe closest matching container-instance [<>] is missing an attribute required by your task. \nFor more information, see the Troubleshooting section.",
        ],
    ),
];

/// Hard-wraps at `width` characters, as a terminal does when text is copied from it (words
/// are split wherever the line ends).
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut column = 0;
    for c in text.chars() {
        if c == '\n' {
            column = 0;
        } else if column == width {
            out.push('\n');
            column = 0;
        }
        out.push(c);
        if c != '\n' {
            column += 1;
        }
    }
    out
}

/// Typographic apostrophes and quotes, as word processors and chat tools turn them.
fn curly(text: &str) -> String {
    let mut open = true;
    text.chars()
        .map(|c| match c {
            '\'' => '\u{2019}',
            '"' => {
                open = !open;
                if open { '\u{201d}' } else { '\u{201c}' }
            }
            _ => c,
        })
        .collect()
}

/// The message without the CLI's `An error occurred (X) when calling the Y operation: ` prefix.
fn without_prefix(text: &str) -> Option<String> {
    let start = text.find("An error occurred (")?;
    let colon = text[start..].find("operation")? + start;
    let rest = text[colon..].split_once(": ")?.1;
    Some(format!("{}{rest}", &text[..start]))
}

fn variants(text: &str) -> Vec<(String, String)> {
    let mut out = vec![
        ("as printed".to_string(), text.to_string()),
        ("wrapped at 80 columns".into(), wrap(text, 80)),
        ("wrapped at 37 columns".into(), wrap(text, 37)),
        ("with typographic quotes".into(), curly(text)),
        ("in capitals".into(), text.to_uppercase()),
        ("in lowercase".into(), text.to_lowercase()),
        ("with Windows line ends".into(), text.replace('\n', "\r\n")),
    ];
    if let Some(bare) = without_prefix(text) {
        out.push(("without the CLI prefix".into(), bare));
    }
    out
}

#[test]
fn every_entry_has_at_least_two_wordings() {
    for e in ENTRIES {
        let wordings = WORDINGS
            .iter()
            .find(|(id, _)| *id == e.id)
            .map(|(_, w)| w.len())
            .unwrap_or(0);
        assert!(wordings >= 2, "{} has {wordings} wordings", e.id);
    }
    assert_eq!(WORDINGS.len(), ENTRIES.len(), "a wording for an unknown id");
}

#[test]
fn every_wording_finds_its_entry_first() {
    let mut failures = Vec::new();
    let mut tried = 0;
    for (id, wordings) in WORDINGS {
        for wording in wordings.iter() {
            for (how, text) in variants(wording) {
                tried += 1;
                let found: Vec<&str> = find_all(&text).iter().map(|m| m.entry.id).collect();
                if found.first() != Some(id) {
                    failures.push(format!("{id} {how}: {text:?} gave {found:?}"));
                }
            }
        }
    }
    assert!(tried > 500, "only {tried} texts tried");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_benign_notice_never_outranks_an_error() {
    for (id, wordings) in WORDINGS.iter().filter(|(id, _)| *id != "E12") {
        for wording in wordings.iter() {
            let text = format!("{E12_LINE}\n\n{wording}\n");
            let found = find_all(&text);
            assert_eq!(found[0].entry.id, *id, "{text:?}");
            assert_eq!(found.last().unwrap().entry.id, "E12", "{text:?}");
        }
    }
}

#[test]
fn a_whole_log_yields_every_entry_in_it() {
    let picks = ["E01", "E09", "E14", "E23", "E28"];
    let mut log = String::new();
    for id in picks {
        let (_, wordings) = WORDINGS.iter().find(|(w, _)| *w == id).unwrap();
        log.push_str("$ aws ecs execute-command --cluster prod --task 0123 --interactive --command /bin/bash\n");
        log.push_str(wordings[0]);
        log.push_str("\n\n");
    }
    let found: Vec<&str> = find_all(&wrap(&log, 80))
        .iter()
        .map(|m| m.entry.id)
        .collect();
    for id in picks {
        assert!(found.contains(&id), "{id} missing from {found:?}");
    }
    assert_eq!(found.len(), picks.len(), "{found:?}");
}
