#!/usr/bin/env bash
# Times `ecs-exec-doctor lint` on N generated task-definition files on disk (default 10,000):
# directory walk, reads, parse, checks and the JSON report, end to end.
#
#   tests/bench/lint.sh [N]
#
# Uses target/release/ecs-exec-doctor when it is already built, else target/debug (built with
# `cargo build` if missing). Never builds the release profile.
set -euo pipefail

n="${1:-10000}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/target/release/ecs-exec-doctor"
if [[ ! -x "$bin" ]]; then
  bin="$root/target/debug/ecs-exec-doctor"
  [[ -x "$bin" ]] || (cd "$root" && cargo build --quiet)
fi

dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

for ((i = 0; i < n; i++)); do
  sub="$dir/svc-$((i % 100))"
  [[ -d "$sub" ]] || mkdir "$sub"
  ro=false; [[ $((i % 7)) -eq 0 ]] && ro=true
  role=""; [[ $((i % 5)) -ne 0 ]] && role="\"taskRoleArn\": \"arn:aws:iam::123456789012:role/app-$i\","
  printf '{\n  "family": "app-%d",\n  %s\n  "networkMode": "awsvpc",\n  "requiresCompatibilities": ["FARGATE"],\n  "containerDefinitions": [\n    {\n      "name": "app",\n      "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:%d",\n      "readonlyRootFilesystem": %s,\n      "linuxParameters": { "initProcessEnabled": true },\n      "environment": [{ "name": "PORT", "value": "8080" }, { "name": "STAGE", "value": "prod" }]\n    },\n    {\n      "name": "sidecar",\n      "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",\n      "essential": false\n    }\n  ]\n}\n' \
    "$i" "$role" "$i" "$ro" > "$sub/taskdef-$i.json"
done

start=$(date +%s.%N)
set +e
"$bin" lint "$dir" --no-config --format json > "$dir.report.json"
code=$?
set -e
end=$(date +%s.%N)
files=$(grep -c '"path"' "$dir.report.json" || true)
rm -f "$dir.report.json"
awk -v s="$start" -v e="$end" -v n="$n" -v f="$files" -v b="$bin" -v c="$code" 'BEGIN {
  t = e - s
  printf "lint: %d files on disk (%d in the report, exit %d) in %.2f s: %.0f files/s with %s\n", n, f, c, t, n / t, b
}'
