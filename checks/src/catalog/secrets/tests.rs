use super::*;
use crate::catalog::ENTRIES;

const ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
const GITHUB: &str = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";

/// A session token as STS issues it: `IQoJb3JpZ2lu…`, several hundred base64 characters.
fn session_token() -> String {
    let mut token = String::from("IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD");
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x: u32 = 12345;
    while token.len() < 600 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        token.push(alphabet[(x >> 16) as usize % 64] as char);
    }
    token.push_str("==");
    token
}

#[track_caller]
fn hides(text: &str, secrets: &[&str], kept: &[&str]) -> String {
    let out = mask(text);
    for s in secrets {
        assert!(!out.contains(s), "{s} is still in {out}");
    }
    for k in kept {
        assert!(out.contains(k), "{k} is gone from {out}");
    }
    out
}

#[test]
fn exported_credentials_on_a_command_line() {
    let token = session_token();
    let line = format!(
        "$ AWS_ACCESS_KEY_ID={ACCESS_KEY} AWS_SECRET_ACCESS_KEY={SECRET_KEY} AWS_SESSION_TOKEN={token} aws ecs execute-command --cluster prod --task 0123456789abcdef0123456789abcdef --interactive --command /bin/sh"
    );
    let out = hides(
        &line,
        &[SECRET_KEY, &token[..40], "IOSFODNN7EXAMPLE"],
        &[
            "AWS_ACCESS_KEY_ID=AKIA****************",
            "AWS_SECRET_ACCESS_KEY=[masked]",
            "AWS_SESSION_TOKEN=[masked] aws ecs execute-command --cluster prod",
            "0123456789abcdef0123456789abcdef",
        ],
    );
    assert!(out.len() < 250, "{out}");
}

#[test]
fn aws_debug_headers() {
    let token = session_token();
    let line = format!(
        "2024-05-01 10:00:00,000 - MainThread - botocore.endpoint - DEBUG - Sending http request: <AWSPreparedRequest stream_output=False, method=POST, url=https://ecs.us-east-1.amazonaws.com/, headers={{'X-Amz-Target': b'AmazonEC2ContainerServiceV20141113.ExecuteCommand', 'X-Amz-Date': b'20240501T100000Z', 'X-Amz-Security-Token': b'{token}', 'Authorization': b'AWS4-HMAC-SHA256 Credential=ASIAY34FZKBOKMUTVV7A/20240501/us-east-1/ecs/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7', 'Content-Length': '123'}}>"
    );
    hides(
        &line,
        &[
            &token[..30],
            &token[300..340],
            "Y34FZKBOKMUTVV7A",
            "5d672d79c15b1316",
        ],
        &[
            "'X-Amz-Security-Token': b'[masked]'",
            "'Authorization': b'[masked]'",
            "'X-Amz-Target': b'AmazonEC2ContainerServiceV20141113.ExecuteCommand'",
            "'Content-Length': '123'",
        ],
    );
    // The same token wrapped by a terminal at 80 columns.
    let wrapped: String = token
        .as_bytes()
        .chunks(80)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let out = hides(
        &format!("token:\n{wrapped}\nTargetNotConnectedException"),
        &[&token[170..200]],
        &[],
    );
    assert!(
        out.ends_with("[masked]\nTargetNotConnectedException"),
        "{out}"
    );
}

#[test]
fn environment_in_json_and_env_files() {
    let td = format!(
        r#"{{"name": "web", "environment": [{{"name": "DB_PASSWORD", "value": "s3cr3t-Pa55!"}}, {{"name": "AWS_SECRET_ACCESS_KEY", "value": "{SECRET_KEY}"}}, {{"name": "GITHUB_TOKEN", "value": "{GITHUB}"}}, {{"name": "LOG_LEVEL", "value": "debug"}}], "readonlyRootFilesystem": true}}"#
    );
    hides(
        &td,
        &["s3cr3t-Pa55!", SECRET_KEY, GITHUB],
        &[
            r#""name": "DB_PASSWORD", "value": "[masked]""#,
            r#""name": "LOG_LEVEL", "value": "debug""#,
            r#""readonlyRootFilesystem": true"#,
        ],
    );
    hides(
        "DB_PASSWORD=hunter2\nexport API_KEY='9f8e7d6c5b4a'\nclient_secret: Zq8~kP2.vX9\nHTTPS_PROXY=http://svc-exec:Sup3rS3cret@proxy.corp.example:3128\n",
        &["hunter2", "9f8e7d6c5b4a", "Zq8~kP2.vX9", "Sup3rS3cret"],
        &[
            "DB_PASSWORD=[masked]",
            "API_KEY='[masked]'",
            "client_secret: [masked]",
            "http://svc-exec:[masked]@proxy.corp.example:3128",
        ],
    );
}

#[test]
fn tokens_keys_and_pem_blocks() {
    hides(
        &format!("curl -H 'Authorization: Bearer {JWT}' https://api.example.com"),
        &[
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            "SflKxwRJSMeKKF2QT4fw",
        ],
        &["Authorization: Bearer [masked]' https://api.example.com"],
    );
    hides(
        &format!("id_token={JWT}; git clone https://{GITHUB}@github.com/acme/app.git"),
        &[JWT, GITHUB],
        &["https://[masked]@github.com/acme/app.git"],
    );
    hides(
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----\nTargetNotConnectedException",
        &[
            "MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
            "VTLw7onLRnrq0",
        ],
        &[
            "-----BEGIN RSA PRIVATE KEY-----\n[masked]\n-----END RSA PRIVATE KEY-----\nTargetNotConnectedException",
        ],
    );
}

#[test]
fn error_messages_ids_and_checker_lines_are_not_secrets() {
    for entry in ENTRIES {
        assert_eq!(mask(entry.message), entry.message, "{}", entry.id);
    }
    for text in [
        "An error occurred (ExpiredTokenException) when calling the ExecuteCommand operation: The security token included in the request is expired",
        "An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.",
        "SSOProviderInvalidToken: the SSO session associated with this profile has expired",
        "User: arn:aws:sts::123456789012:assumed-role/Dev/alice is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
        "- AWS_SECRET_ACCESS_KEY: \u{1b}[0;32mnot defined\u{1b}[0m",
        "- AWS_ACCESS_KEY_ID: \u{1b}[1;33mdefined\u{1b}[0m",
        r#"{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db"}"#,
        "task arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b (HEAD -> main)",
        "image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "/aws/ecs/containerinsights/prod-cluster/performance",
        "password: ${DB_PASSWORD}  token: <your-token>  secret: ****",
    ] {
        assert_eq!(mask(text), text);
    }
    let run = crate::catalog::checker_output::tests::RUN;
    assert_eq!(mask(run), run);
}

#[test]
fn a_range_masks_a_secret_it_cuts_and_keeps_the_rest() {
    let text = format!("before AWS_SECRET_ACCESS_KEY={SECRET_KEY} after");
    let secrets = Secrets::find(&text);
    let inside = text.find("wJalr").unwrap() + 10;
    assert_eq!(
        secrets.apply(&text, 0, inside),
        "before AWS_SECRET_ACCESS_KEY=[masked]"
    );
    assert_eq!(secrets.apply(&text, inside, text.len()), "[masked] after");
    assert_eq!(secrets.apply(&text, 0, 6), "before");
}

/// The real pastes of public issue threads hold no secret (their authors masked them): masking
/// changes none of them, so nothing a pattern or clue matches there is hidden.
#[test]
fn real_pastes_are_unchanged() {
    for p in crate::catalog::pastes::PASTES {
        assert_eq!(mask(p.text), p.text);
    }
}

/// Any text, however mangled, is masked without a panic, and every range of it can be applied.
#[test]
fn arbitrary_text_never_panics() {
    let pieces = [
        "a",
        "Z",
        "9",
        "/",
        "+",
        "=",
        ":",
        ": ",
        "\"",
        "'",
        "{",
        "}",
        "\n",
        " ",
        "“",
        "é",
        "\u{1b}[",
        "m",
        "AKIA",
        "password",
        "token",
        "Bearer ",
        "://",
        "@",
        "-----BEGIN ",
        "-----END ",
        "-----",
        "eyJ",
        ".",
        "ghp_",
        "b'",
        "value",
        "\"name\"",
        "_",
        "==",
    ];
    let mut x: u64 = 99;
    for _ in 0..4_000 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let len = (x >> 58) as usize;
        let mut text = String::new();
        for _ in 0..len * 3 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            text.push_str(pieces[(x >> 33) as usize % pieces.len()]);
        }
        let secrets = Secrets::find(&text);
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let a = bounds[(x >> 20) as usize % bounds.len()];
        let b = bounds[(x >> 40) as usize % bounds.len()];
        let _ = secrets.apply(&text, a.min(b), a.max(b));
        let _ = crate::catalog::matcher::one_line(&mask(&text));
    }
}

/// What `explain` and `check --error` quote back: the matched words stay, secrets and escape
/// sequences do not.
#[test]
fn excerpts_mask_secrets_and_drop_escape_sequences() {
    let token = session_token();
    let paste = format!(
        "$ AWS_SECRET_ACCESS_KEY={SECRET_KEY} AWS_SESSION_TOKEN={token} aws ecs execute-command --cluster prod --task abc --interactive --command sh; \u{1b}[31mAn error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later.\u{1b}[0m\n{{\"name\": \"AWS_SECRET_ACCESS_KEY\", \"value\": \"{SECRET_KEY}\"}}, \"readonlyRootFilesystem\": true, \"password\": \"hunter2-but-longer\""
    );
    let found = crate::catalog::find_all(&paste);
    assert_eq!(found[0].entry.id, "E01");
    let mut quoted: Vec<String> = found.iter().map(|m| m.excerpt.clone()).collect();
    let clues = crate::catalog::evidence::clues_in(&paste);
    assert!(clues.iter().any(|c| c.clue == "credentials-in-environment"));
    quoted.extend(clues.iter().map(|c| c.excerpt.clone()));
    quoted.push(crate::catalog::relate(&paste, &[]).error);
    for q in &quoted {
        for secret in [SECRET_KEY, &token[..20], &token[200..220], "hunter2"] {
            assert!(!q.contains(secret), "{secret} in {q}");
        }
        assert!(!q.contains('\u{1b}'), "an escape sequence in {q}");
    }
    assert!(
        found[0]
            .excerpt
            .contains("An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation"),
        "{}",
        found[0].excerpt
    );
    assert!(
        quoted
            .iter()
            .any(|q| q.contains("AWS_SECRET_ACCESS_KEY=[masked]")),
        "{quoted:?}"
    );
}
