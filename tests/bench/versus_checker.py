#!/usr/bin/env python3
"""Benchmark (not a test): the doctor and the original checker side by side on one world.

    cargo build --release
    python3 tests/bench/versus_checker.py PATH/TO/check-ecs-exec.sh [-n 5] [--binary PATH]

The original checker (https://github.com/aws-containers/amazon-ecs-exec-checker, not shipped
here: download it) is a bash script that calls the AWS CLI once per fact, one after another.
This seeds the world of diagnose.py on the emulator, adds 20 ms to every AWS call, and runs
each tool N times on the same task: the checker with `AWS_ENDPOINT_URL` pointing the AWS CLI
at the emulator (it needs `aws` and `jq` on PATH), the doctor with `--endpoint-url`. Prints
the median wall time of each and the ratio.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import diagnose  # noqa: E402


def timed(argv, env):
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=600)
    return time.perf_counter() - start, done


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checker", help="path to check-ecs-exec.sh")
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--binary")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added to every AWS call")
    args = parser.parse_args()
    target = diagnose.EMULATOR_PYTHON.parent
    binary = Path(args.binary) if args.binary else next(
        (p for p in (target / "release/ecs-exec-doctor", target / "debug/ecs-exec-doctor") if p.exists()), None)
    if binary is None:
        sys.exit("build the doctor first: cargo build --release")
    with tempfile.TemporaryDirectory(prefix="ecs-exec-doctor-versus-") as tmp:
        tmp = Path(tmp)
        proc, url = diagnose.start_shim(tmp)
        try:
            cluster, task, creds = diagnose.seed(url)
            req = urllib.request.Request(f"{url}/_shim/latency", method="POST",
                                         data=json.dumps({"seconds": args.latency}).encode(),
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req).read()
            env = {**diagnose.clean_env(tmp), **creds, "AWS_REGION": diagnose.REGION,
                   "AWS_DEFAULT_REGION": diagnose.REGION}
            checker_env = {**env, "AWS_ENDPOINT_URL": url, "PATH": os.environ.get("PATH", "")}
            task_id = task.rsplit("/", 1)[-1]
            rows = {}
            for name, argv, e in (
                ("original checker", ["bash", args.checker, cluster, task_id], checker_env),
                ("ecs-exec-doctor", [str(binary), "check", cluster, task_id, "--endpoint-url", url,
                                     "--region", diagnose.REGION, "--format", "json"], env),
            ):
                times = []
                for _ in range(args.n):
                    t, done = timed(argv, e)
                    if name == "original checker" and b"Checks on ECS task" not in done.stdout:
                        sys.exit(f"the checker did not run: {done.stdout[-500:]!r} {done.stderr[-500:]!r}")
                    times.append(t)
                rows[name] = statistics.median(times)
                print(f"{name:20} median {rows[name] * 1000:8.0f} ms over {args.n} runs")
            print(f"the doctor is {rows['original checker'] / rows['ecs-exec-doctor']:.0f}x faster "
                  f"(+{args.latency * 1000:.0f} ms per AWS call)")
        finally:
            proc.kill()


if __name__ == "__main__":
    main()
