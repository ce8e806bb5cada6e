use crate::report::Status;

/// NW003's status for the service unit of `text`, and its message or first finding.
fn nw003(text: &str) -> (Status, String) {
    crate::testing::lint_service_check(text, "NW003")
}

const TF_SERVICE: &str = "resource \"aws_ecs_service\" \"web\" {\n  name = \"web\"\n  enable_execute_command = true\n  network_configuration {\n    subnets         = [\"subnet-1\"]\n    security_groups = [aws_security_group.tasks.id]\n  }\n}\n";

#[test]
fn a_terraform_group_without_egress_allows_nothing_out() {
    let none = format!(
        "{TF_SERVICE}resource \"aws_security_group\" \"tasks\" {{\n  vpc_id = \"vpc-1\"\n  ingress {{\n    protocol    = \"tcp\"\n    from_port   = 80\n    to_port     = 80\n    cidr_blocks = [\"10.0.0.0/8\"]\n  }}\n}}\n"
    );
    let (status, words) = nw003(&none);
    assert_eq!(status, Status::Error, "{words}");
    assert!(words.contains("allow no outbound TCP 443"), "{words}");
    let http_only = none
        .replace("  ingress {", "  egress {")
        .replace("\"10.0.0.0/8\"", "\"0.0.0.0/0\"");
    assert_eq!(nw003(&http_only).0, Status::Error);
    let https = http_only.replace("= 80", "= 443");
    assert_eq!(nw003(&https).0, Status::Pass);
    let all = http_only
        .replace("\"tcp\"", "\"-1\"")
        .replace("= 80", "= 0");
    assert_eq!(nw003(&all).0, Status::Pass);
}

#[test]
fn separate_rules_count_and_what_the_input_does_not_show_is_unknown() {
    let base = format!(
        "{TF_SERVICE}resource \"aws_security_group\" \"tasks\" {{\n  vpc_id = \"vpc-1\"\n}}\n"
    );
    let rule = format!(
        "{base}resource \"aws_vpc_security_group_egress_rule\" \"https\" {{\n  security_group_id = aws_security_group.tasks.id\n  ip_protocol       = \"tcp\"\n  from_port         = 443\n  to_port           = 443\n  cidr_ipv4         = \"0.0.0.0/0\"\n}}\n"
    );
    assert_eq!(nw003(&rule).0, Status::Pass);
    let legacy = format!(
        "{base}resource \"aws_security_group_rule\" \"https\" {{\n  type              = \"egress\"\n  security_group_id = aws_security_group.tasks.id\n  protocol          = \"tcp\"\n  from_port         = 443\n  to_port           = 443\n  cidr_blocks       = [\"0.0.0.0/0\"]\n}}\n"
    );
    assert_eq!(nw003(&legacy).0, Status::Pass);
    let module = format!(
        "{base}module \"rules\" {{\n  source = \"./rules\"\n  group  = aws_security_group.tasks.id\n}}\n"
    );
    let (status, words) = nw003(&module);
    assert_eq!(status, Status::Unknown, "{words}");
    assert!(words.contains("module.rules"), "{words}");
    let counted = rule.replace("  ip_protocol", "  count = var.on ? 1 : 0\n  ip_protocol");
    assert_eq!(nw003(&counted).0, Status::Unknown);
    let outside = TF_SERVICE.replace("[aws_security_group.tasks.id]", "[\"sg-0123\"]");
    assert_eq!(nw003(&outside).0, Status::Unknown);
    let bridge = "resource \"aws_ecs_service\" \"web\" {\n  name = \"web\"\n}\n";
    assert_eq!(nw003(bridge).0, Status::NotApplicable);
}

#[test]
fn a_cloudformation_group_keeps_the_default_rule_unless_it_lists_its_own() {
    let t = "Resources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: tasks\n  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      EnableExecuteCommand: true\n      NetworkConfiguration:\n        AwsvpcConfiguration:\n          SecurityGroups: [!Ref Sg]\n          Subnets: [subnet-1]\n";
    assert_eq!(nw003(t).0, Status::Pass);
    let own = t.replace(
        "      GroupDescription: tasks\n",
        "      GroupDescription: tasks\n      SecurityGroupEgress:\n        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 10.0.0.0/16}\n",
    );
    let (status, words) = nw003(&own);
    assert_eq!(status, Status::Error, "{words}");
    let extra = format!(
        "{own}  Https:\n    Type: AWS::EC2::SecurityGroupEgress\n    Properties:\n      GroupId: !GetAtt Sg.GroupId\n      IpProtocol: tcp\n      FromPort: 443\n      ToPort: 443\n      CidrIp: 0.0.0.0/0\n"
    );
    assert_eq!(nw003(&extra).0, Status::Pass);
}
