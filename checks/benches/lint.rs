//! Throughput of `lint` (detect, parse, read, evaluate the lint checks, place findings) on
//! 10,000 task definitions generated in memory: a mix of register and describe shapes, one to
//! eight containers, passing and failing, 1 to 12 KiB each. One thread; the target is at least
//! 5,000 files per second.
//!
//! `cargo bench -p ecs-exec-doctor-checks --bench lint` (add `-- --files N` to change the count).

use std::hint::black_box;
use std::time::Instant;

use ecs_exec_doctor_checks::lint;
use ecs_exec_doctor_checks::runner::Selection;

/// A small deterministic generator (xorshift), so every run lints the same files.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn container(rng: &mut Rng, i: u64) -> String {
    let env: Vec<String> = (0..rng.below(12))
        .map(|e| {
            let name = if rng.chance(3) {
                "AWS_ACCESS_KEY_ID".to_string()
            } else {
                format!("SETTING_{e}")
            };
            format!(
                r#"{{ "name": "{name}", "value": "value-{e}-{}" }}"#,
                rng.below(1000)
            )
        })
        .collect();
    let mounts: Vec<String> = (0..rng.below(3))
        .map(|m| {
            format!(
                r#"{{ "sourceVolume": "v{m}", "containerPath": "/data/{m}", "readOnly": false }}"#
            )
        })
        .collect();
    format!(
        r#"{{
      "name": "c{i}",
      "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app-{i}:{}",
      "essential": {},
      "cpu": 128,
      "memory": 256,
      "readonlyRootFilesystem": {},
      "linuxParameters": {{ "initProcessEnabled": {} }},
      "restartPolicy": {{ "enabled": {} }},
      "portMappings": [{{ "containerPort": {}, "protocol": "tcp" }}],
      "environment": [{}],
      "mountPoints": [{}],
      "logConfiguration": {{ "logDriver": "awslogs", "options": {{ "awslogs-group": "/ecs/app-{i}", "awslogs-region": "us-east-1" }} }}
    }}"#,
        rng.below(100),
        i == 0,
        rng.chance(10),
        rng.chance(80),
        rng.chance(5),
        8000 + i,
        env.join(", "),
        mounts.join(", "),
    )
}

fn task_definition(rng: &mut Rng, n: usize) -> String {
    let containers: Vec<String> = (0..1 + rng.below(8)).map(|i| container(rng, i)).collect();
    let role = if rng.chance(85) {
        r#""taskRoleArn": "arn:aws:iam::123456789012:role/app-task","#
    } else {
        ""
    };
    let pid = if rng.chance(5) {
        r#""pidMode": "task","#
    } else {
        ""
    };
    let body = format!(
        r#"{{
    "family": "app-{n}",
    {role}
    {pid}
    "executionRoleArn": "arn:aws:iam::123456789012:role/app-execution",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "1024",
    "memory": "2048",
    "containerDefinitions": [
    {}
    ]
  }}"#,
        containers.join(",\n    ")
    );
    if rng.chance(50) {
        format!("{{\n  \"taskDefinition\": {body},\n  \"tags\": []\n}}\n")
    } else {
        body + "\n"
    }
}

fn main() {
    let mut files = 10_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--files" {
            files = args.next().and_then(|n| n.parse().ok()).unwrap_or(files);
        }
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let inputs: Vec<String> = (0..files).map(|n| task_definition(&mut rng, n)).collect();
    let bytes: usize = inputs.iter().map(String::len).sum();
    let selection = Selection::default();

    // warm-up, and a sanity check that the files are linted for real
    let mut findings = 0usize;
    for input in inputs.iter().take(200) {
        let report = lint::lint(input.as_bytes(), &selection);
        assert_eq!(report.units.len(), 1, "generated input not recognised");
        findings += report
            .units
            .iter()
            .flat_map(|u| &u.checks)
            .map(|c| c.findings.len())
            .sum::<usize>();
    }
    assert!(findings > 0, "generated inputs should have findings");

    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        for input in &inputs {
            black_box(lint::lint(black_box(input.as_bytes()), &selection));
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    let rate = files as f64 / best;
    println!(
        "lint: {files} task definitions ({:.1} MiB, avg {:.1} KiB) in {:.3} s on one thread: {:.0} files/s, {:.1} MiB/s (best of 3)",
        bytes as f64 / 1048576.0,
        bytes as f64 / files as f64 / 1024.0,
        best,
        rate,
        bytes as f64 / 1048576.0 / best
    );
    if rate < 5000.0 {
        println!("below the 5,000 files/s target");
    }
}
