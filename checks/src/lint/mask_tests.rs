use super::{mask, spans};

#[test]
fn environment_values_in_every_shape() {
    assert_eq!(
        mask(
            r#"{ "name": "AWS_ACCESS_KEY_ID", "value": "AKIA123" }, {"name": "B", "value":"x\"y"}"#
        ),
        r#"{ "name": "AWS_ACCESS_KEY_ID", "value": "***" }, {"name": "B", "value":"***"}"#
    );
    assert_eq!(
        mask("Environment: [{Name: AWS_ACCESS_KEY_ID, Value: AKIA123}]"),
        "Environment: [{Name: AWS_ACCESS_KEY_ID, Value: ***}]"
    );
    assert_eq!(
        mask("            Value: AKIA123   # note"),
        "            Value: ***   # note"
    );
    assert_eq!(mask("  - Value: a,b#c"), "  - Value: ***");
    assert_eq!(
        mask(
            r#""container_definitions": "[{\"environment\":[{\"name\":\"K\",\"value\":\"s3cr3t\"}]}]""#
        ),
        r#""container_definitions": "[{\"environment\":[{\"name\":\"K\",\"value\":\"***\"}]}]""#
    );
    assert_eq!(
        mask(r#"{"name": "T", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/t"}"#),
        r#"{"name": "T", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/t"}"#
    );
    assert_eq!(
        mask(r#"        { name = "AWS_ACCESS_KEY_ID", value = "AKIA123" },"#),
        r#"        { name = "AWS_ACCESS_KEY_ID", value = "***" },"#
    );
    // An intrinsic in place of the value is masked whole: it may join literals.
    assert_eq!(
        mask(r#"{"Name": "K", "Value": {"Fn::Join": ["", ["a", "b"]]}}, "x": 1"#),
        r#"{"Name": "K", "Value": ***}, "x": 1"#
    );
    assert_eq!(mask("the value of it"), "the value of it");
    assert_eq!(mask(""), "");
}

#[test]
fn values_of_keys_named_like_secrets() {
    // HCL, inside templatefile's variables: the name stays, the value goes.
    assert_eq!(
        mask(
            r#"  container_definitions = templatefile("x.tpl", { aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", image = "nginx" })"#
        ),
        r#"  container_definitions = templatefile("x.tpl", { aws_secret_access_key = "***", image = "nginx" })"#
    );
    assert_eq!(
        mask("  db_password = var.db_password # set in CI"),
        "  db_password = *** # set in CI"
    );
    // A function call's arguments are part of the value.
    assert_eq!(
        mask(r#"  password = sensitive(base64decode("aHVudGVyMg==")), port = 80"#),
        "  password = ***, port = 80"
    );
    // JSON and YAML, quoted or bare; an API key, a private key, credentials, a passphrase.
    assert_eq!(
        mask(r#"{"apiKey": "k-123", "privateKey":"pk", "ClientSecret": 42, "image": "x"}"#),
        r#"{"apiKey": "***", "privateKey":"***", "ClientSecret": ***, "image": "x"}"#
    );
    assert_eq!(mask("      DB_PASSWORD: hunter2"), "      DB_PASSWORD: ***");
    assert_eq!(
        mask("    gpg-passphrase: 'a b c'  # ci"),
        "    gpg-passphrase: '***'  # ci"
    );
    assert_eq!(
        mask(r#"{Name: GITHUB_TOKEN, credentials: s3, Value: x}"#),
        r#"{Name: GITHUB_TOKEN, credentials: ***, Value: ***}"#
    );
    // `NAME=value` in a command string.
    assert_eq!(
        mask(r#""command": ["sh", "-c", "AWS_SECRET_ACCESS_KEY=abc123 exec app"]"#),
        r#""command": ["sh", "-c", "AWS_SECRET_ACCESS_KEY=*** exec app"]"#
    );
    // Names stay visible.
    let names = r#"{"name": "AWS_SECRET_ACCESS_KEY", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:k"}"#;
    assert_eq!(mask(names), names);
    // ECS lists of secret references are structure, not secrets; an ARN names a secret.
    let refs = r#""secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/p"}], "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:us-east-1:1:secret:r"}"#;
    assert_eq!(mask(refs), refs);
    // An object under a secret key is masked whole.
    assert_eq!(
        mask(r#""secret": {"user": "u", "k": "v"}, "image": "x""#),
        r#""secret": ***, "image": "x""#
    );
    // Comparisons and `::` are not keys.
    let code = r#"count = var.token == "" ? 0 : 1, "Fn::Sub": "token""#;
    assert_eq!(mask(code), code);
    // `:secret:` inside an ARN is no key.
    let arn = "      Resource: arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf";
    assert_eq!(mask(arn), arn);
}

#[test]
fn tokens_after_secret_flags() {
    assert_eq!(
        mask(r#""command": ["app", "--password", "hunter2", "--port", "80"]"#),
        r#""command": ["app", "--password", "***", "--port", "80"]"#
    );
    assert_eq!(
        mask(r#""command": ["app", "--token=abc", "--db-password=x y"]"#),
        r#""command": ["app", "--token=***", "--db-password=*** y"]"#
    );
    assert_eq!(
        mask("    Command: [app, --api-key, k123, --verbose]"),
        "    Command: [app, --api-key, ***, --verbose]"
    );
    assert_eq!(
        mask(r#"  command = ["sh", "-c", "app --password hunter2 --port 80"]"#),
        r#"  command = ["sh", "-c", "app --password *** --port 80"]"#
    );
    assert_eq!(
        mask(r#"\"command\":[\"app\",\"--secret\",\"s3\"]"#),
        r#"\"command\":[\"app\",\"--secret\",\"***\"]"#
    );
    // A flag followed by another flag, or by nothing, masks nothing.
    let bare = r#"["app", "--no-password", "--verbose"], "x": "--token""#;
    assert_eq!(mask(bare), bare);
    // `-p x` is not recognised (too many meanings).
    assert_eq!(mask("app -p x"), "app -p x");
}

#[test]
fn credentials_by_shape_anywhere() {
    assert_eq!(
        mask(r#""command": ["aws", "AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A"]"#),
        r#""command": ["aws", "***", "***"]"#
    );
    // Not a key id: too short, too long, lowercase.
    let near = "AKIAIOSFODNN7EXAMPL AKIAIOSFODNN7EXAMPLEX akiaiosfodnn7example";
    assert_eq!(mask(near), near);
    assert_eq!(
        mask("k wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY x"),
        "k *** x"
    );
    // A commit SHA-1 (lowercase hex) is not a secret key.
    let sha = "image: repo:3f2a9c0d1e4b5a6978877665544332211aabbccd";
    assert_eq!(mask(sha), sha);
    assert_eq!(
        mask("echo ghp_abcdefghijklmnopqrstuvwxyz0123456789 done"),
        "echo *** done"
    );
    assert_eq!(
        mask(&format!(
            "git clone https://github_pat_{}@github.com/o/r",
            "A1b2_".repeat(10)
        )),
        "git clone https://***@github.com/o/r"
    );
    assert_eq!(
        mask("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_x"),
        "Authorization: Bearer ***"
    );
    assert_eq!(
        mask(
            r#""key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIB\n-----END RSA PRIVATE KEY-----\n""#
        ),
        r#""key": "-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----\n""#
    );
    assert_eq!(
        mask(r#""pem": "-----BEGIN PRIVATE KEY-----\nMIIEvQ", "x": 1"#),
        r#""pem": "-----BEGIN PRIVATE KEY-----***", "x": 1"#
    );
    // A certificate is public.
    let cert = r#""cert": "-----BEGIN CERTIFICATE-----\nMIIB""#;
    assert_eq!(mask(cert), cert);
}

#[test]
fn spans_are_sorted_disjoint_and_on_char_boundaries() {
    for line in [
        r#"{"value": "é\é", "password": "ü", "--token", "ß"}"#,
        "value: \\é",
        "\"value\": \"\\",
        "password=é",
        "\"--password\", \"é",
        "-----BEGIN ééé PRIVATE KEY-----é",
        "\"value\": {\"a\": \"}\", ]",
    ] {
        let s = spans(line);
        for w in s.windows(2) {
            assert!(w[0].end < w[1].start, "{line}: {s:?}");
        }
        for r in &s {
            assert!(r.start < r.end, "{line}: {s:?}");
            assert!(line.is_char_boundary(r.start) && line.is_char_boundary(r.end));
        }
        let _ = mask(line);
    }
}

#[test]
fn hostile_lines_are_masked_in_linear_time() {
    // Each of these cost a scan of the rest (or the start) of the line per key or marker.
    let lines = [
        format!("{}{}", " ".repeat(500_000), "{value: x}, ".repeat(20_000)),
        "\"-----BEGIN A PRIVATE KEY-----\"".repeat(50_000),
        "eyJ-".repeat(500_000),
        format!("\"--password\", \"{}", "--password ".repeat(100_000)),
    ];
    for line in &lines {
        let start = std::time::Instant::now();
        let _ = spans(line);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?} for {}…",
            start.elapsed(),
            &line[..40]
        );
    }
}
