//! AWS managed policies whose statements `lint` knows, so a task role that relies on one is
//! judged instead of left unknown. Each entry keeps the statements of the policy's default
//! version that bear on ECS Exec (the `ssmmessages`, KMS, CloudWatch Logs and S3 actions the
//! exec agent calls), copied from the AWS Managed Policy Reference
//! (<https://docs.aws.amazon.com/aws-managed-policy/latest/reference/>); statements about
//! other services are left out, because no exec check reads them. A policy that is not listed
//! here is not guessed at: the role's decision is unknown when it needs that policy.
//!
//! AWS edits managed policies rarely and only adds to them; a policy that gains an exec action
//! after this list was written is reported as not granting it until the list is updated, so
//! the list holds only policies whose exec-relevant statements have been stable for years.

/// `(name, document)`: the name as in `arn:aws:iam::aws:policy/NAME` (a path such as
/// `service-role/` included), the statements as JSON.
pub const MANAGED: &[(&str, &str)] = &[
    // v2 (default since 2019): the Session Manager statement.
    (
        "AmazonSSMManagedInstanceCore",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssmmessages:CreateControlChannel","ssmmessages:CreateDataChannel","ssmmessages:OpenControlChannel","ssmmessages:OpenDataChannel"],"Resource":"*"}]}"#,
    ),
    (
        "AdministratorAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ),
    (
        "PowerUserAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"}]}"#,
    ),
    // Policies often attached to task roles that grant none of the exec agent's actions.
    (
        "service-role/AmazonECSTaskExecutionRolePolicy",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#,
    ),
    (
        "AmazonSSMReadOnlyAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ssm:Describe*","ssm:Get*","ssm:List*"],"Resource":"*"}]}"#,
    ),
    (
        "AmazonEC2ContainerRegistryReadOnly",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:GetRepositoryPolicy","ecr:DescribeRepositories","ecr:ListImages","ecr:DescribeImages","ecr:BatchGetImage","ecr:GetLifecyclePolicy","ecr:GetLifecyclePolicyPreview","ecr:ListTagsForResource","ecr:DescribeImageScanFindings"],"Resource":"*"}]}"#,
    ),
    (
        "AWSXRayDaemonWriteAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:PutTraceSegments","xray:PutTelemetryRecords","xray:GetSamplingRules","xray:GetSamplingTargets","xray:GetSamplingStatisticSummaries"],"Resource":"*"}]}"#,
    ),
    (
        "AWSMarketplaceMeteringRegisterUsage",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["aws-marketplace:RegisterUsage"],"Resource":"*"}]}"#,
    ),
    (
        "CloudWatchAgentServerPolicy",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudwatch:PutMetricData","ec2:DescribeVolumes","ec2:DescribeTags","logs:PutLogEvents","logs:PutRetentionPolicy","logs:DescribeLogStreams","logs:DescribeLogGroups","logs:CreateLogStream","logs:CreateLogGroup","xray:PutTraceSegments","xray:PutTelemetryRecords","xray:GetSamplingRules","xray:GetSamplingTargets","xray:GetSamplingStatisticSummaries"],"Resource":"*"},{"Effect":"Allow","Action":["ssm:GetParameter"],"Resource":"arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*"}]}"#,
    ),
    (
        "AmazonS3ReadOnlyAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}"#,
    ),
];

/// The bundled document of the AWS managed policy an ARN names
/// (`arn:aws:iam::aws:policy/NAME`, any partition), if it is listed.
pub fn document(arn: &str) -> Option<(&'static str, serde_json::Value)> {
    let name = aws_managed_name(arn)?;
    MANAGED
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(n, doc)| {
            (
                *n,
                serde_json::from_str(doc).expect("bundled policies are JSON"),
            )
        })
}

/// `NAME` of `arn:PARTITION:iam::aws:policy/NAME`.
pub fn aws_managed_name(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    rest.strip_prefix("iam::aws:policy/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_policy_is_json_and_found_by_its_arn() {
        for (name, _) in MANAGED {
            let (found, doc) = document(&format!("arn:aws:iam::aws:policy/{name}")).unwrap();
            assert_eq!(found, *name);
            assert!(doc["Statement"].is_array(), "{name}");
        }
        assert!(document("arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore").is_some());
        assert!(
            document("arn:aws:iam::123456789012:policy/AmazonSSMManagedInstanceCore").is_none()
        );
        assert!(document("arn:aws:iam::aws:policy/SomethingElse").is_none());
    }
}
