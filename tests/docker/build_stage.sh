#!/usr/bin/env bash
# Builds the Dockerfile's binary stage without Docker: runs the stage's cargo commands, exactly
# as the Dockerfile writes them, in the repository (the stage copies it whole), then checks
# that the binary the final stage copies runs. Used by .ci/run; Docker itself is not needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
stage=$(awk '/^FROM .* AS build$/{on=1; next} /^FROM /{on=0} on' Dockerfile)
commands=$(printf '%s\n' "$stage" | sed -n 's/^RUN //p' | tr '&' '\n' | sed 's/^ *//; s/ *$//' | grep '^cargo ' || true)
if [ -z "$commands" ]; then
    echo "Dockerfile: no cargo command in the build stage" >&2
    exit 1
fi
while IFS= read -r command; do
    echo "docker build stage: $command"
    # shellcheck disable=SC2086
    $command
done <<<"$commands"
binary="${CARGO_TARGET_DIR:-target}/release/ecs-exec-doctor"
grep -q '^COPY --from=build /ecs-exec-doctor /ecs-exec-doctor$' Dockerfile
grep -q 'cp target/release/ecs-exec-doctor /ecs-exec-doctor' Dockerfile
"$binary" --version
"$binary" lint fixtures/lint/cloudformation/pass.yaml --no-config >/dev/null
echo "docker build stage: the binary builds and lints"
