#!/usr/bin/env python3
"""Benchmark (not a test): calls and wall time of `check --service` over a large service.

    cargo build [--release]
    python3 tests/bench/fleet.py [--tasks 1000] [--binary PATH]

Seeds the world of diagnose.py (assumed-role caller, KMS key, endpoints) with a service of
`--tasks` running tasks sharing one task definition and one role, then diagnoses the whole
service once with no added latency and once with 20 ms added to every AWS call, and prints
the AWS calls by API and the wall times. Needs the emulator: `python3 tests/emulator/install.py`.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import diagnose  # noqa: E402  (the shim, the world and the clean environment)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000, help="running tasks of the service (default 1000)")
    parser.add_argument("--binary", help="the doctor (default: release build if present, else debug)")
    parser.add_argument("--timeline", action="store_true", help="print when the emulator handled each call")
    args = parser.parse_args()
    target = diagnose.EMULATOR_PYTHON.parent
    binary = Path(args.binary) if args.binary else next(
        (p for p in (target / "release/ecs-exec-doctor", target / "debug/ecs-exec-doctor") if p.exists()),
        None)
    if binary is None or not binary.exists():
        sys.exit("build the doctor first: cargo build [--release]")
    import boto3

    with tempfile.TemporaryDirectory(prefix="ecs-exec-doctor-fleet-") as tmp:
        work = Path(tmp)
        shim, url = diagnose.start_shim(work)
        try:
            cluster, first, creds = diagnose.seed(url)
            ecs = boto3.client("ecs", endpoint_url=url, region_name=diagnose.REGION,
                               aws_access_key_id="testing", aws_secret_access_key="testing")
            described = ecs.describe_tasks(cluster=cluster, tasks=[first])["tasks"][0]
            ec2 = boto3.client("ec2", endpoint_url=url, region_name=diagnose.REGION,
                               aws_access_key_id="testing", aws_secret_access_key="testing")
            groups = [g["GroupId"] for g in ec2.describe_security_groups(
                Filters=[{"Name": "group-name", "Values": ["tasks"]}])["SecurityGroups"]]
            network = {"awsvpcConfiguration": {"securityGroups": groups, "subnets": [
                d["value"] for a in described["attachments"] for d in a["details"] if d["name"] == "subnetId"]}}
            started = time.perf_counter()
            remaining = args.tasks - 1
            while remaining > 0:
                n = min(10, remaining)
                out = ecs.run_task(cluster=cluster, taskDefinition=described["taskDefinitionArn"],
                                   launchType="FARGATE", enableExecuteCommand=True, count=n,
                                   group="service:web", networkConfiguration=network)
                for t in out["tasks"]:
                    diagnose.control(url, "POST", "/_shim/task",
                                     {"task": t["taskArn"], "startedAt": int(time.time()) - 3600})
                remaining -= n
            print(f"seeded {args.tasks} tasks in {time.perf_counter() - started:.1f} s")
            env = {**diagnose.clean_env(work), **creds}
            argv = [str(binary), "check", cluster, "--service", "web", "--format", "json",
                    "--endpoint-url", url, "--region", diagnose.REGION, "--ignore", "LC001,LC002",
                    "--timeout", "120"]
            for latency in (0.0, 0.02):
                diagnose.control(url, "POST", "/_shim/latency", {"seconds": latency})
                diagnose.control(url, "POST", "/_shim/calls/reset")
                start = time.perf_counter()
                done = subprocess.run(argv, env=env, capture_output=True, timeout=300)
                wall = time.perf_counter() - start
                if done.returncode not in (0, 1):
                    sys.exit(f"exit {done.returncode}: {done.stderr.decode()}")
                report = json.loads(done.stdout)
                seen = diagnose.control(url, "GET", "/_shim/calls")
                calls = seen["calls"]
                timeline = [t for t in seen["timeline"] if t["end"] is not None]
                fleet = report.get("fleet") or {}
                by_api = ", ".join(f"{a} {n}" for a, n in sorted(Counter(calls).items()))
                print(f"+{latency * 1000:.0f} ms per call: {len(report['tasks'])} tasks "
                      f"({fleet.get('ready')} ready), {len(calls)} AWS calls, {wall:.2f} s wall")
                print(f"  {by_api}")
                if timeline:
                    span = max(t["end"] for t in timeline) - min(t["start"] for t in timeline)
                    slowest = max(timeline, key=lambda t: t["end"] - t["start"])
                    print(f"  the emulator was answering for {span:.2f} s of it; slowest call "
                          f"{slowest['action']} {slowest['end'] - slowest['start']:.2f} s")
                    if args.timeline:
                        t0 = min(t["start"] for t in timeline)
                        for t in sorted(timeline, key=lambda t: t["start"]):
                            print(f"    {t['start'] - t0:7.3f} .. {t['end'] - t0:7.3f}  {t['action']}")
            # The recording of the same run: facts the tasks share are stored once.
            bundle = work / "fleet-recording.json"
            done = subprocess.run(argv + ["--record", str(bundle)], env=env, capture_output=True, timeout=300)
            if done.returncode not in (0, 1):
                sys.exit(f"exit {done.returncode}: {done.stderr.decode()}")
            start = time.perf_counter()
            replay = subprocess.run([str(binary), "check", "--replay", str(bundle), "--format", "json"],
                                    env=env, capture_output=True, timeout=300)
            wall = time.perf_counter() - start
            if replay.returncode not in (0, 1):
                sys.exit(f"replay exit {replay.returncode}: {replay.stderr.decode()}")
            recorded = json.loads(bundle.read_text())
            subjects = recorded["diagnosis"]["subjects"]
            for s in subjects:
                for k, v in list(s.items()):
                    if isinstance(v, dict) and "same_as_subject" in v:
                        s[k] = subjects[v["same_as_subject"]][k]
            unshared = len(json.dumps(recorded, indent=2))
            print(f"recording: {bundle.stat().st_size / 1024:.0f} KiB for {args.tasks} tasks "
                  f"({unshared / 1024:.0f} KiB with every fact repeated per task); replay {wall:.2f} s")
        finally:
            shim.kill()
            shim.wait()


if __name__ == "__main__":
    main()
