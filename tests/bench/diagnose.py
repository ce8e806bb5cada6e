#!/usr/bin/env python3
"""Benchmark (not a test): wall time and AWS calls of one whole diagnosis against the emulator.

    cargo build [--release]
    python3 tests/bench/diagnose.py [-n 20] [--binary PATH]

Starts tests/emulator/moto_shim.py on a free loopback port, seeds one healthy world that
exercises the whole fetch plan (an assumed-role caller with a path, an exec KMS key, kms and
ssmmessages endpoints, a service with exec enabled that started the task), then runs the
doctor N times (`target/release/ecs-exec-doctor` when it exists, else `target/debug/...`)
with a clean environment, and prints the median and p90 wall time of:

* a full diagnosis (all checks, including the local AWS CLI / plugin probe);
* the same without the local checks (`--ignore LC001,LC002`), i.e. AWS only;
* a full diagnosis with PATH restricted to /usr/bin:/bin (shows what the local probe costs);
* `--replay` of a recording of the full diagnosis (no AWS at all).

It also prints the number of AWS calls (the report's `aws_calls`, checked against what the
emulator saw) and the longest chain of sequential round trips, derived from the emulator's
timeline of when it handled each call. Needs the emulator: `python3 tests/emulator/install.py`.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The emulator (moto, boto3) as tests/emulator/install.py installs it, ahead of the system's.
EMULATOR_PYTHON = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target").resolve() / "emulator-python"
if EMULATOR_PYTHON.is_dir():
    sys.path.insert(0, str(EMULATOR_PYTHON))
SHIM = ROOT / "tests" / "emulator" / "moto_shim.py"
REGION = "us-east-1"
LATENCY = 0.05
ACCOUNT = "123456789012"
SSMMESSAGES = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
               "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]


def start_shim(workdir):
    stderr = open(workdir / "shim.stderr", "wb")
    proc = subprocess.Popen(
        [sys.executable, str(SHIM), "--host", "127.0.0.1", "--port", "0", "--exit-on-stdin-eof"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in [str(EMULATOR_PYTHON), os.environ.get("PYTHONPATH")] if p)}
        if EMULATOR_PYTHON.is_dir() else None)
    deadline = time.monotonic() + 20
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    while time.monotonic() < deadline:
        if sel.select(timeout=0.1):
            line = proc.stdout.readline().decode()
            if line.startswith("ready "):
                return proc, line.split()[1]
            break
        if proc.poll() is not None:
            break
    proc.kill()
    sys.exit(f"the emulator did not start:\n{(workdir / 'shim.stderr').read_text()}")


def control(url, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def seed(url):
    """The world of `Spec::rich` in tests/emulator_support.rs; returns (cluster, task ARN,
    caller credentials as environment variables)."""
    import boto3

    kw = dict(endpoint_url=url, region_name=REGION, aws_access_key_id="testing",
              aws_secret_access_key="testing")
    ec2, ecs, iam, kms, sts = (boto3.client(s, **kw) for s in ("ec2", "ecs", "iam", "kms", "sts"))
    policy = lambda statements: json.dumps({"Version": "2012-10-17", "Statement": statements})
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    # The endpoints share the tasks' group: it must admit HTTPS from its own members.
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": sg}]}])
    for service in ("ssmmessages", "kms"):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.{service}",
                                VpcEndpointType="Interface", SubnetIds=[subnet],
                                SecurityGroupIds=[sg], PrivateDnsEnabled=True)
    key = kms.create_key()["KeyMetadata"]["Arn"]
    caller = iam.create_role(
        RoleName="bench-doctor", Path="/ops/",
        AssumeRolePolicyDocument=policy([{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                          "Action": "sts:AssumeRole"}]))["Role"]["Arn"]
    iam.put_role_policy(RoleName="bench-doctor", PolicyName="exec", PolicyDocument=policy(
        [{"Effect": "Allow", "Action": ["ecs:ExecuteCommand", "kms:GenerateDataKey"], "Resource": "*"}]))
    role = iam.create_role(
        RoleName="bench-task",
        AssumeRolePolicyDocument=policy([{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                          "Action": "sts:AssumeRole"}]))["Role"]["Arn"]
    iam.put_role_policy(RoleName="bench-task", PolicyName="app", PolicyDocument=policy(
        [{"Effect": "Allow", "Action": SSMMESSAGES, "Resource": "*"},
         {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key}]))
    ecs.create_cluster(clusterName="bench", configuration={
        "executeCommandConfiguration": {"kmsKeyId": key, "logging": "DEFAULT"}})
    td = ecs.register_task_definition(
        family="bench-app", taskRoleArn=role, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="512", memory="1024",
        containerDefinitions=[{"name": "web", "image": "public.ecr.aws/nginx/nginx:latest", "essential": True,
                               "memory": 256, "linuxParameters": {"initProcessEnabled": True},
                               "logConfiguration": {"logDriver": "awslogs", "options": {
                                   "awslogs-group": "/ecs/bench", "awslogs-region": REGION,
                                   "awslogs-stream-prefix": "web"}}}],
    )["taskDefinition"]["taskDefinitionArn"]
    network = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}}
    ecs.create_service(cluster="bench", serviceName="web", taskDefinition=td, desiredCount=0,
                       launchType="FARGATE", networkConfiguration=network)
    ecs.update_service(cluster="bench", service="web", enableExecuteCommand=True)
    task = ecs.run_task(cluster="bench", taskDefinition=td, launchType="FARGATE", enableExecuteCommand=True,
                        group="service:web", networkConfiguration=network)["tasks"][0]["taskArn"]
    control(url, "POST", "/_shim/task", {"task": task, "startedAt": int(time.time()) - 3600})
    creds = sts.assume_role(RoleArn=caller, RoleSessionName="bench")["Credentials"]
    env = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
           "AWS_SESSION_TOKEN": creds["SessionToken"]}
    return "bench", task, env


def clean_env(home, path=None):
    (home / "config").write_text("")
    (home / "credentials").write_text("")
    return {"PATH": path if path is not None else os.environ.get("PATH", ""), "HOME": str(home),
            "AWS_CONFIG_FILE": str(home / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1"}


def run_once(argv, env):
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode()}")
    return elapsed


def interleaved(variants, n):
    """Runs each (label, argv, env) n times, round-robin, so that load changes on the machine
    hit every variant alike. Returns {label: [seconds]}."""
    times = {label: [] for label, _, _ in variants}
    for _ in range(n):
        for label, argv, env in variants:
            times[label].append(run_once(argv, env))
    return times


def pyenv_first_path():
    """PATH as a pyenv user's shell has it (pyenv's `python3` shim put the interpreter's own
    bin directory first, hiding the `aws` shim the user would get), or None without pyenv."""
    parts = os.environ.get("PATH", "").split(os.pathsep)
    shims = [p for p in parts if p.rstrip("/").endswith("pyenv/shims")]
    if not shims:
        return None
    rest = [p for p in parts if p not in shims and "/.pyenv/versions/" not in p]
    return os.pathsep.join(shims + rest)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def longest_chain(timeline):
    """The longest run of calls that ran one after another (each started after the previous
    one finished), as a list of action names."""
    calls = sorted((t for t in timeline if t["end"] is not None), key=lambda t: t["start"])
    best = []  # best[i]: the longest chain ending with calls[i]
    for i, c in enumerate(calls):
        before = [best[j] for j in range(i) if calls[j]["end"] <= c["start"]]
        best.append(max(before, key=len, default=[]) + [c["action"]])
    return max(best, key=len, default=[])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="runs per measurement (default 20)")
    parser.add_argument("--binary", help="the doctor (default: release build if present, else debug)")
    parser.add_argument("--timeline", action="store_true",
                        help="also print when each call of the +50 ms run started and ended")
    args = parser.parse_args()
    binary = Path(args.binary) if args.binary else next(
        (p for p in (EMULATOR_PYTHON.parent / "release/ecs-exec-doctor", EMULATOR_PYTHON.parent / "debug/ecs-exec-doctor") if p.exists()),
        None)
    if binary is None or not binary.exists():
        sys.exit("build the doctor first: cargo build [--release]")

    with tempfile.TemporaryDirectory(prefix="ecs-exec-doctor-bench-") as tmp:
        work = Path(tmp)
        shim, url = start_shim(work)
        try:
            cluster, task, creds = seed(url)
            env = {**clean_env(work), **creds}
            base = [str(binary), "check", cluster, task, "--format", "json",
                    "--endpoint-url", url, "--region", REGION]
            # Warm-up (page cache, moto's lazy imports), then the call log of one run.
            for _ in range(2):
                control(url, "POST", "/_shim/calls/reset")
                warm = subprocess.run(base, env=env, capture_output=True, timeout=120)
            report = json.loads(warm.stdout)
            seen = control(url, "GET", "/_shim/calls")
            if report["aws_calls"] != len(seen["calls"]):
                print(f"warning: aws_calls {report['aws_calls']} but the emulator saw {len(seen['calls'])}")
            statuses = {}
            not_passing = {}
            for r in report["results"]:
                statuses[r["status"]] = statuses.get(r["status"], 0) + 1
                if r["status"] not in ("pass", "not_applicable"):
                    not_passing.setdefault(r["status"], []).append(r["code"])

            recording = work / "recording.json"
            subprocess.run(base + ["--record", str(recording)], env=env, capture_output=True, timeout=120)
            variants = [
                ("full diagnosis (all checks)", base, env),
                ("AWS checks only (--ignore LC001,LC002)", base + ["--ignore", "LC001,LC002"], env),
                ("full diagnosis, PATH=/usr/bin:/bin", base, {**clean_env(work, "/usr/bin:/bin"), **creds}),
            ]
            pyenv_path = pyenv_first_path()
            if pyenv_path:
                variants.append(("full diagnosis, PATH with pyenv shims first", base,
                                 {**clean_env(work, pyenv_path), **creds}))
            variants.append(("--replay of the recording",
                             [str(binary), "check", "--replay", str(recording), "--format", "json"],
                             clean_env(work)))
            times = interleaved(variants, args.n)
            # With 50 ms per call the wall time is dominated by the longest chain of dependent
            # calls, and the emulator's timeline shows it (concurrent calls overlap).
            control(url, "POST", "/_shim/latency", {"seconds": LATENCY})
            slow = [("AWS checks only, +50 ms per AWS call", base + ["--ignore", "LC001,LC002"], env)]
            control(url, "POST", "/_shim/calls/reset")
            run_once(slow[0][1], env)
            slow_timeline = control(url, "GET", "/_shim/calls")["timeline"]
            times.update(interleaved(slow, max(3, args.n // 4)))
        finally:
            shim.kill()
            shim.wait()

    ms = lambda s: f"{s * 1000:7.1f} ms"
    print(f"binary: {binary.relative_to(ROOT) if binary.is_relative_to(ROOT) else binary}")
    print(f"runs per row: {args.n}")
    print(f"{'':46} {'median':>10} {'p90':>10}")
    for label, values in times.items():
        print(f"{label:46} {ms(statistics.median(values)):>10} {ms(percentile(values, 90)):>10}")
    print(f"AWS calls per diagnosis: {report['aws_calls']} ({', '.join(seen['calls'])})")
    timeline = [t for t in seen["timeline"] if t["end"] is not None]
    if timeline:
        span = max(t["end"] for t in timeline) - min(t["start"] for t in timeline)
        busy = sum(t["end"] - t["start"] for t in timeline)
        print(f"emulator, one diagnosis without added latency: first call to last answer {ms(span).strip()}, "
              f"handling time summed over calls {ms(busy).strip()}")
    chain = longest_chain(slow_timeline)
    print(f"longest chain of sequential round trips (with {LATENCY * 1000:.0f} ms per call): "
          f"{len(chain)} (for example {' -> '.join(chain)})")
    if args.timeline:
        t0 = min(t["start"] for t in slow_timeline)
        for t in sorted(slow_timeline, key=lambda t: t["start"]):
            end = f"{(t['end'] - t0) * 1000:6.0f}" if t["end"] is not None else "     -"
            print(f"  {(t['start'] - t0) * 1000:6.0f} .. {end} ms  {t['action']}")
    print(f"results: {statuses}; not passing: {not_passing}")
    for label, path in [("inherited PATH", os.environ.get("PATH", "")), ("pyenv PATH", pyenv_first_path())]:
        if path:
            print(f"aws with the {label}: {shutil.which('aws', path=path)}")


if __name__ == "__main__":
    main()
