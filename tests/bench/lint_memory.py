#!/usr/bin/env python3
"""Memory and speed of `ecs-exec-doctor lint` on hostile and bulky inputs: a one-line
multi-megabyte `terraform show -json` plan, the same plan pretty-printed, and a directory of
task-definition files. Prints peak RSS (of the doctor alone) and files per second.

    python3 tests/bench/lint_memory.py [--mb 5] [--files 2000] [--binary PATH]

A benchmark, not a test: it asserts nothing. Goals: <= 100 MB RSS on a 5 MB one-line plan,
<= 2x the file size plus a constant in general, >= 5,000 task-definition files/s.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def plan(megabytes):
    resources, size, i = [], 0, 0
    while size < megabytes * 1_000_000:
        containers = json.dumps([{
            "name": f"c{i}", "image": "nginx", "readonlyRootFilesystem": i % 2 == 0,
            "environment": [{"name": f"E{j}", "value": "v" * 20} for j in range(20)],
        }])
        r = {"address": f"aws_ecs_task_definition.t{i}", "mode": "managed",
             "type": "aws_ecs_task_definition", "name": f"t{i}",
             "values": {"family": f"t{i}", "container_definitions": containers, "task_role_arn": None}}
        resources.append(r)
        size += len(json.dumps(r))
        i += 1
    return {"format_version": "1.2", "terraform_version": "1.9.0",
            "planned_values": {"root_module": {"resources": resources}}}


def measure(argv):
    """Wall time and the child's peak RSS in MB (ru_maxrss of a fresh wrapper process)."""
    wrapper = ("import resource,subprocess,sys,time;t=time.perf_counter();"
               "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
               "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", wrapper, *argv], capture_output=True, text=True, check=True)
    wall, rss_kb = out.stdout.split()
    return float(wall), int(rss_kb) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5, help="size of the generated plan (default 5)")
    parser.add_argument("--files", type=int, default=2000, help="task-definition files (default 2000)")
    parser.add_argument("--binary", help="the doctor (default: release build if present, else debug)")
    args = parser.parse_args()
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path(__file__).resolve().parents[2] / "target"))
    binary = Path(args.binary) if args.binary else next(
        (p for p in (target / "release/ecs-exec-doctor", target / "debug/ecs-exec-doctor") if p.exists()), None)
    if binary is None:
        sys.exit("build the doctor first: cargo build [--release]")
    print(f"binary: {binary}")
    with tempfile.TemporaryDirectory(prefix="ecs-exec-doctor-lint-") as tmp:
        work = Path(tmp)
        doc = plan(args.mb)
        one_line = work / "plan.json"
        one_line.write_text(json.dumps(doc, separators=(",", ":")))
        pretty = work / "plan-pretty.json"
        pretty.write_text(json.dumps(doc, indent=2))
        for path in (one_line, pretty):
            wall, rss = measure([str(binary), "lint", str(path), "--format", "json", "--no-config"])
            mb = path.stat().st_size / 1e6
            print(f"{path.name}: {mb:.1f} MB, {len(doc['planned_values']['root_module']['resources'])} "
                  f"task definitions: {wall:.2f} s, peak RSS {rss:.0f} MB")
        tree = work / "taskdefs"
        tree.mkdir()
        for i in range(args.files):
            td = {"family": f"app{i}", "taskRoleArn": "arn:aws:iam::123456789012:role/app",
                  "requiresCompatibilities": ["FARGATE"],
                  "containerDefinitions": [{"name": "app", "image": "nginx",
                                            "readonlyRootFilesystem": i % 7 == 0,
                                            "linuxParameters": {"initProcessEnabled": True}}]}
            (tree / f"td{i}.json").write_text(json.dumps(td, indent=2))
        wall, rss = measure([str(binary), "lint", str(tree), "--format", "json", "--no-config"])
        print(f"{args.files} task-definition files: {wall:.2f} s, {args.files / wall:,.0f} files/s "
              f"(process start and walk included), peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
