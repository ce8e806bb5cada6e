fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let cfg = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
        let _ = aws_sdk_ecs::Client::new(&cfg);
        let _ = aws_sdk_iam::Client::new(&cfg);
        let _ = aws_sdk_ec2::Client::new(&cfg);
        let _ = aws_sdk_kms::Client::new(&cfg);
        let _ = aws_sdk_sts::Client::new(&cfg);
    });
}
