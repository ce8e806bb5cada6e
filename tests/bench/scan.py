#!/usr/bin/env python3
"""Benchmark (not a test): `check --all-clusters` over several regions of the emulator.

    cargo build [--release]
    python3 tests/bench/scan.py [--accounts 1] [--regions 3] [--clusters 4] [--tasks 25] [--binary PATH]

Seeds the world of diagnose.py in us-east-1, then in each of `--accounts` accounts (the
caller's own, then others reached by an assumed role, as `--accounts ... --role-name` does)
and each of `--regions` regions `--clusters` clusters of `--tasks` Fargate tasks in the
region's default VPC (half of the clusters' tasks started without exec: the planted problem),
scans them all once with no added latency and once with 20 ms per call, and prints the AWS
calls, the wall time, the peak memory of the doctor and whether every planted problem was
found. Needs the emulator:
`python3 tests/emulator/install.py`.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
import diagnose  # noqa: E402

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2", "eu-central-1"]


def account_credentials(url, account):
    """Credentials of `account` in the emulator (an assumed role there)."""
    import boto3

    sts = boto3.client("sts", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/ecs-exec-doctor-read",
                        RoleSessionName="seed")["Credentials"]
    return dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                aws_session_token=c["SessionToken"])


def seed_region(url, region, clusters, tasks, creds=None):
    import boto3

    kw = dict(endpoint_url=url, region_name=region,
              **(creds or dict(aws_access_key_id="testing", aws_secret_access_key="testing")))
    ec2, ecs = boto3.client("ec2", **kw), boto3.client("ecs", **kw)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    if vpc:
        subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc[0]["VpcId"]]}])["Subnets"][0]["SubnetId"]
    else:
        vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    planted = []
    for c in range(clusters):
        name = f"scan-{region}-{c}-{(creds or {}).get('aws_access_key_id', 'home')[-4:]}"
        ecs.create_cluster(clusterName=name)
        td = ecs.register_task_definition(
            family=f"{name}-app", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": "nginx", "essential": True}],
        )["taskDefinition"]["taskDefinitionArn"]
        exec_on = c % 2 == 0
        if not exec_on:
            planted.append(name)
        left = tasks
        while left:
            n = min(10, left)
            ecs.run_task(cluster=name, taskDefinition=td, count=n, launchType="FARGATE",
                         enableExecuteCommand=exec_on,
                         networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})
            left -= n
    return planted


def run(binary, env, url, regions, accounts, jsonl=False):
    argv = [str(binary), "check", "--all-clusters", "--regions", ",".join(regions),
            "--endpoint-url", url, "--region", "us-east-1", "--format", "jsonl" if jsonl else "json",
            "--quiet"]
    if len(accounts) > 1:
        argv += ["--accounts", ",".join(accounts), "--role-name", "ecs-exec-doctor-read"]
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode not in (0, 1):
        sys.exit(f"exit {done.returncode}: {done.stderr}")
    if jsonl:
        # The same shape as the JSON scan, rebuilt from the lines, for the figures below.
        lines = [json.loads(l) for l in done.stdout.splitlines()]
        totals = lines[-1]["totals"]
        failing = {}
        for l in lines[:-1]:
            if "task" in l and any(p["code"] == "TK002" and p["status"] == "error" for p in l["problems"]):
                failing[l["cluster"]] = True
        clusters = [{"cluster": c, "report": {"results": [{"code": "TK002", "status": "error"}]}} for c in failing]
        return {"scan": {"totals": totals, "aws_calls": totals["aws_calls"]}, "clusters": clusters}, wall, max(peak, before)
    return json.loads(done.stdout), wall, max(peak, before)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1)
    parser.add_argument("--regions", type=int, default=3)
    parser.add_argument("--clusters", type=int, default=4)
    parser.add_argument("--tasks", type=int, default=25)
    parser.add_argument("--binary")
    parser.add_argument("--jsonl", action="store_true", help="scan with --format jsonl (streamed, bounded memory)")
    args = parser.parse_args()
    target = diagnose.EMULATOR_PYTHON.parent
    binary = Path(args.binary) if args.binary else next(
        (p for p in (target / "release/ecs-exec-doctor", target / "debug/ecs-exec-doctor") if p.exists()), None)
    if binary is None:
        sys.exit("build the doctor first: cargo build [--release]")
    import urllib.request

    with tempfile.TemporaryDirectory(prefix="ecs-exec-doctor-scan-") as tmp:
        tmp = Path(tmp)
        proc, url = diagnose.start_shim(tmp)
        try:
            _, _, creds = diagnose.seed(url)
            import boto3
            home = boto3.client("sts", endpoint_url=url, region_name="us-east-1",
                                aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
                                aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
                                aws_session_token=creds.get("AWS_SESSION_TOKEN")).get_caller_identity()["Account"]
            accounts = [home] + [f"{100000000000 + i:012d}" for i in range(1, args.accounts)]
            regions = REGIONS[: args.regions]
            planted = []
            for a in accounts:
                account_creds = None if a == home else account_credentials(url, a)
                for r in regions:
                    planted += seed_region(url, r, args.clusters, args.tasks, account_creds)
            env = {**diagnose.clean_env(tmp), **creds}
            for latency in (0.0, 0.02):
                req = urllib.request.Request(f"{url}/_shim/latency", method="POST",
                                             data=json.dumps({"seconds": latency}).encode(),
                                             headers={"Content-Type": "application/json"})
                urllib.request.urlopen(req).read()
                scan, wall, peak = run(binary, env, url, regions, accounts, args.jsonl)
                totals = scan["scan"]["totals"]
                found = {c["cluster"] for c in scan["clusters"]
                         if any(r["code"] == "TK002" and r["status"] == "error" for r in c["report"]["results"])}
                missing = [p for p in planted if p not in found]
                print(f"+{latency * 1000:.0f} ms per call: {totals['accounts']} accounts, {totals['regions']} regions, {totals['clusters']} clusters, "
                      f"{totals['tasks']} tasks ({totals['ready']} ready, {totals['not_ready']} not), "
                      f"{scan['scan']['aws_calls']} AWS calls, {wall:.2f} s wall, peak RSS {peak / 1024:.0f} MiB; "
                      f"planted problems found {len(planted) - len(missing)}/{len(planted)}"
                      + (f" (missing {missing})" if missing else ""))
        finally:
            proc.kill()


if __name__ == "__main__":
    main()
