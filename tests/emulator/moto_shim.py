#!/usr/bin/env python3
"""Test-side AWS emulator for ecs-exec-doctor: moto's server plus what ECS Exec needs.

    python3 tests/emulator/moto_shim.py --host 127.0.0.1 --port 0

Binds (port 0 = a free port), prints one line ``ready http://HOST:PORT`` on stdout and
serves until SIGTERM/SIGINT.  The inner app *is* moto_server's
``DomainDispatcherApplication(create_backend_app)``, so requests are routed by service
from the SigV4 credential scope exactly as ``moto_server`` does.  A WSGI middleware in
front of it pins the ECS task lifecycle, makes RunTask/DescribeTasks/
RegisterContainerInstance/DescribeContainerInstances answer like ECS does for ECS Exec,
implements IAM SimulatePrincipalPolicy, ECS ExecuteCommand and SSM TerminateSession, serves
the agent side of the ECS Exec data channel (agent_channel.py) on a second loopback port,
gives some EC2/KMS answers AWS's shape, works around a few moto crashes, and serves a JSON
control API under ``/_shim/``.  See tests/emulator/README.md.
"""

import argparse
import copy
import io
import hashlib
import json
import logging
import os
import random
import re
import signal
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qs, unquote
from xml.sax.saxutils import escape

from werkzeug.serving import make_server
from werkzeug.wsgi import get_input_stream

from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ec2.models.nat_gateways import NatGatewayBackend
from moto.ec2.models.network_acls import NetworkAclBackend, NetworkAcl
from moto.ec2.models.route_tables import Route
from moto.ec2.models.security_groups import SecurityGroup, SecurityGroupBackend, SecurityGroupRule
from moto.ec2.models.vpcs import VPCBackend
from moto.ec2.utils import random_public_ip
from moto.ecs.models import EC2ContainerServiceBackend, ecs_backends
from moto.iam.models import get_account_id_from, iam_backends
from moto.kms.models import Grant, Key, kms_backends
from moto.moto_api import state_manager
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

sys.dont_write_bytecode = True  # importing the module beside this one leaves no __pycache__ behind
import agent_channel  # noqa: E402

JSON_CT = "application/x-amz-json-1.1"
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
EXEC_AGENT = "ExecuteCommandAgent"
EXEC_CAPABILITY = "ecs.capability.execute-command"
EXEC_NOT_READY = ("The execute command failed because execute command was not enabled when the "
                  "task was run or the execute command agent isn’t running. Wait and try again "
                  "or run a new task with execute command enabled and try again.")
TARGET_NOT_CONNECTED = "The execute command failed due to an internal error. Try again later."
# "Credential=AKID/20240101/us-east-1/ecs/aws4_request" inside the Authorization header.
CREDENTIAL_RE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
# SigV4 signing names that differ from the IAM action prefix (only the usual suspects).
SIGNING_TO_IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}


# --------------------------------------------------------------------------- moto setup
def pin_task_lifecycle():
    """ECS tasks keep their status.  moto registers {"progression": "manual", "times": 1}
    for "ecs::task": every DescribeTasks advances a task one step (RUNNING, DEACTIVATING,
    STOPPING, DEPROVISIONING, STOPPED).  A huge `times` pins the state."""
    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**12})


def patch_moto_quirks():
    """Cheap fixes for moto 5.2.1 crashes in ECS RunTask (documented in the README)."""
    # An ENI only gets `private_dns_name` when its VPC has EnableDnsHostnames, but ECS'
    # awsvpc Task reads it unconditionally (AttributeError).  Default it to None; the
    # DescribeTasks patch then fills in the name AWS would show.
    if not hasattr(NetworkInterface, "private_dns_name"):
        NetworkInterface.private_dns_name = None

    # Container definitions without `memory`/`memoryReservation` make moto's resource
    # accounting add None to an int (TypeError).  Count such containers as 0 MiB.
    original = EC2ContainerServiceBackend._calculate_task_resource_requirements
    keys = ("memory", "memoryReservation", "Memory", "MemoryReservation")

    def calculate(task_definition):
        proxy = copy.copy(task_definition)
        proxy.container_definitions = [d if any(d.get(k) is not None for k in keys)
                                       else {**d, "memory": 0} for d in proxy.container_definitions]
        return original(proxy)

    EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(calculate)


def patch_moto_shapes():
    """Make moto 5.2.1's EC2 and KMS models answer the way AWS does where the network and
    KMS checks look (README, "EC2 and KMS answers").  Class-level patches: they survive
    resets and apply to every account and region."""
    # The default security group of a VPC allows all inbound traffic from itself.
    create_group = SecurityGroupBackend.create_security_group

    def create_security_group(self, *args, **kwargs):
        group = create_group(self, *args, **kwargs)
        if group.is_default and not group.ingress_rules:
            source = {"OwnerId": self.account_id, "UserId": self.account_id, "GroupId": group.id}
            group.ingress_rules.append(SecurityGroupRule(
                self, "-1", group.id, None, None, None, source_group=source, is_egress=False))
        return group

    SecurityGroupBackend.create_security_group = create_security_group

    # moto drops the Description of PrefixListIds entries of security group rules.
    rule_init, flatten = SecurityGroupRule.__init__, SecurityGroup._flattened_rules

    def init_rule(self, *args, **kwargs):
        rule_init(self, *args, **kwargs)
        prefix_list = kwargs.get("prefix_list_id") or (args[7] if len(args) > 7 else None)
        self.prefix_list_description = (prefix_list or {}).get("Description")

    def flattened_rules(self, rules):
        views = flatten(self, rules)
        for view in views:
            for entry in view.prefix_list_ids:
                description = next((getattr(r, "prefix_list_description", None) for r in rules
                                    if r.prefix_list_id == entry["PrefixListId"]
                                    and (r.ip_protocol, r.from_port, r.to_port)
                                    == (view.ip_protocol, view.from_port, view.to_port)), None)
                if description:
                    entry["Description"] = description
        return views

    SecurityGroupRule.__init__, SecurityGroup._flattened_rules = init_rule, flattened_rules
    SecurityGroupRule.description = property(  # DescribeSecurityGroupRules
        lambda self: self.ip_range.get("Description") or self.source_group.get("Description")
        or getattr(self, "prefix_list_description", None))

    # A new custom network ACL denies everything (rule 32767, both directions); moto gives
    # it no entries.  Entries come egress first, then by rule number, as AWS lists them.
    create_acl = NetworkAclBackend.create_network_acl

    def create_network_acl(self, vpc_id, tags=None, default=False):
        acl = create_acl(self, vpc_id, tags=tags, default=default)
        if not default:
            for egress in (True, False):
                self.create_network_acl_entry(acl.id, 32767, "-1", "deny", egress, "0.0.0.0/0",
                                              None, None, None, None, None)
        return acl

    NetworkAclBackend.create_network_acl = create_network_acl
    NetworkAcl.entries = property(lambda self: sorted(
        self.network_acl_entries,
        key=lambda e: (str(e.egress).lower() != "true", int(e.rule_number))))

    # CreateNatGateway without ConnectivityType: AWS says "public", moto says nothing.
    create_nat = NatGatewayBackend.create_nat_gateway

    def create_nat_gateway(self, *args, **kwargs):
        nat = create_nat(self, *args, **kwargs)
        nat.connectivity_type = nat.connectivity_type or "public"
        return nat

    NatGatewayBackend.create_nat_gateway = create_nat_gateway

    # Routes whose target is gone are "blackhole" on AWS; moto always says "active".
    def route_state(self):
        nat, pcx, tgw = self.nat_gateway, self.vpc_pcx, self.transit_gateway
        if nat is not None and nat.state in ("deleting", "deleted", "failed"):
            return "blackhole"
        if pcx is not None and pcx._status.code in ("deleted", "rejected", "failed", "expired"):
            return "blackhole"
        if tgw is not None and tgw.id not in self.route_table.ec2_backend.transit_gateways:
            return "blackhole"
        return "active"

    Route.state = property(route_state)

    # CreateVpcEndpoint: an Interface endpoint without SecurityGroupIds gets the VPC's
    # default security group; Gateway (and GatewayLoadBalancer) endpoints have no private
    # DNS (PrivateDnsEnabled false).  moto gives no groups and true.
    create_endpoint = VPCBackend.create_vpc_endpoint

    def create_vpc_endpoint(self, *args, **kwargs):
        endpoint = create_endpoint(self, *args, **kwargs)
        if (endpoint.vpc_endpoint_type or "").lower() == "interface":
            if not endpoint.security_group_ids:
                group = self.get_default_security_group(endpoint.vpc_id)
                endpoint.security_group_ids = [group.id] if group else []
        else:
            endpoint.private_dns_enabled = False
        return endpoint

    VPCBackend.create_vpc_endpoint = create_vpc_endpoint

    # ModifyVpcEndpoint on a Gateway endpoint: AWS adds or removes its prefix-list route in
    # the route tables added or removed; moto changes only the endpoint's list.
    modify_endpoint = VPCBackend.modify_vpc_endpoint

    def modify_vpc_endpoint(self, vpc_id, policy_doc, add_subnets, remove_subnets,
                            remove_route_tables, add_route_tables, *args, **kwargs):
        endpoint = self.describe_vpc_endpoints(vpc_end_point_ids=[vpc_id])[0]
        before = set(endpoint.route_table_ids or [])
        modify_endpoint(self, vpc_id, policy_doc, add_subnets, remove_subnets,
                        remove_route_tables, add_route_tables, *args, **kwargs)
        prefix_list = endpoint.destination_prefix_list_id
        if (endpoint.vpc_endpoint_type or "").lower() != "gateway" or not prefix_list:
            return
        for table in set(remove_route_tables or []) & before:
            self.delete_route(table, None, destination_prefix_list_id=prefix_list)
        for table in set(add_route_tables or []) - before:
            self.create_route(table, None, gateway_id=endpoint.id,
                              destination_prefix_list_id=prefix_list)

    VPCBackend.modify_vpc_endpoint = modify_vpc_endpoint

    # KMS grants as ListGrants shows them on AWS: KeyId is the key ARN, with
    # CreationDate and IssuingAccount, and no null members.
    add_grant = Key.add_grant

    def add_key_grant(self, *args, **kwargs):
        grant = add_grant(self, *args, **kwargs)
        partition = self.arn.split(":")[1]
        grant.key_arn, grant.created = self.arn, round(time.time(), 3)
        grant.issuing_account = f"arn:{partition}:iam::{self.account_id}:root"
        return grant

    grant_json = Grant.to_json

    def grant_to_json(self):
        entry = {k: v for k, v in grant_json(self).items() if v is not None}
        if getattr(self, "key_arn", None):
            entry.update(KeyId=self.key_arn, CreationDate=self.created,
                         IssuingAccount=self.issuing_account)
        entry.setdefault("Name", "")
        return entry

    Key.add_grant, Grant.to_json = add_key_grant, grant_to_json


# --------------------------------------------------------------------------- helpers
@dataclass
class AwsRequest:
    service: str  # SigV4 signing name, e.g. "ecs"
    region: str
    account: str
    operation: str  # API operation name, e.g. "DescribeTasks"
    protocol: str  # "json" | "query" | "ec2" | "s3" | "rest"
    body: bytes

    @property
    def action(self):  # IAM-style action name, e.g. "ecs:DescribeTasks"
        return f"{SIGNING_TO_IAM_PREFIX.get(self.service, self.service)}:{self.operation}"

    def json(self):
        return json.loads(self.body or b"{}")


def set_body(environ, body):
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def respond(start_response, code, body, headers=(), content_type=None):
    """Send a complete response, recomputing Content-Length."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    hdrs = [(k, v) for k, v in headers if k.lower() not in ("content-length", "content-type")]
    ctype = content_type or next((v for k, v in headers if k.lower() == "content-type"), None)
    if ctype:
        hdrs.append(("Content-Type", ctype))
    hdrs.append(("Content-Length", str(len(body))))
    start_response(f"{code} {HTTPStatus(code).phrase}", hdrs)
    return [body]


def last_segment(arn_or_id):
    return (arn_or_id or "").rsplit("/", 1)[-1]


def wildcard(pattern, value, ignore_case=False):
    """IAM-style match: `*` any run of characters, `?` exactly one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in str(pattern))
    return re.fullmatch(regex, value, re.S | (re.I if ignore_case else 0)) is not None


def as_list(value):
    return value if isinstance(value, list) else [value]


def ecs_error(start_response, error_code, message):
    """awsJson1.1 error shape (ECS), HTTP 400."""
    body = json.dumps({"__type": error_code, "message": message})
    return respond(start_response, 400, body, content_type="application/x-amz-json-1.1")


def iam_error(start_response, code, error_code, message, namespace=IAM_NS):
    """awsQuery error shape (IAM, STS)."""
    xml = (f'<ErrorResponse xmlns="{namespace}"><Error><Type>Sender</Type>'
           f"<Code>{error_code}</Code><Message>{escape(message)}</Message></Error>"
           f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
    return respond(start_response, code, xml, content_type="text/xml")


class EcsRefusal(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class IamError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# --------------------------------------------------------------------------- IAM policy simulation
def load_policy(document):
    """moto keeps policy documents as JSON text (sometimes a dict); accept URL-encoding too.
    Returns (parsed document, source text or None)."""
    if isinstance(document, dict):
        return document, None
    try:
        return json.loads(document), document
    except ValueError:
        text = unquote(document)
        return json.loads(text), text


def statement_positions(text):
    """[(start, end)] as 1-based (line, column) of each Statement element in `text`."""
    def pos(offset):
        return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)

    try:
        decoder, spans = json.JSONDecoder(), []
        i = re.search(r'"Statement"\s*:\s*', text).end()
        single, i = text[i] == "{", i + (text[i] != "{")
        while True:
            i = len(text) - len(text[i:].lstrip(" \t\r\n,"))
            if text[i] == "]":
                break
            end = decoder.raw_decode(text, i)[1]
            spans.append((pos(i), pos(end)))
            if single:
                break
            i = end
        return spans
    except Exception:  # positions are cosmetic; never fail the simulation for them
        return []


def arn_match(pattern, value):
    """ArnEquals/ArnLike: each of the six colon-separated parts matched separately."""
    p, v = str(pattern).split(":", 5), value.split(":", 5)
    if len(p) != 6 or len(v) != 6:
        return wildcard(pattern, value)
    return all(wildcard(a, b) for a, b in zip(p, v))


def as_time(value):
    """An IAM date: ISO 8601 (`2026-12-07T12:00:00Z`) or epoch seconds."""
    from datetime import datetime
    text = str(value).strip()
    if re.fullmatch(r"\d+", text):
        return float(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def compare(kind, op):
    """A matcher comparing as dates or numbers: actual OP expected."""
    convert = as_time if kind == "date" else float

    def matcher(expected, actual):
        try:
            return op(convert(actual), convert(expected))
        except (ValueError, TypeError):
            return False
    return matcher


def ip_in(expected, actual):
    import ipaddress
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(expected, strict=False)
    except ValueError:
        return False


# operator -> (value matcher(expected, actual), negated)
CONDITION_OPERATORS = {
    "DateLessThan": (compare("date", lambda a, e: a < e), False),
    "DateLessThanEquals": (compare("date", lambda a, e: a <= e), False),
    "DateGreaterThan": (compare("date", lambda a, e: a > e), False),
    "DateGreaterThanEquals": (compare("date", lambda a, e: a >= e), False),
    "NumericLessThan": (compare("number", lambda a, e: a < e), False),
    "NumericLessThanEquals": (compare("number", lambda a, e: a <= e), False),
    "NumericGreaterThan": (compare("number", lambda a, e: a > e), False),
    "NumericGreaterThanEquals": (compare("number", lambda a, e: a >= e), False),
    "NumericEquals": (compare("number", lambda a, e: a == e), False),
    "IpAddress": (ip_in, False),
    "NotIpAddress": (ip_in, True),
    "StringEquals": (lambda e, a: e == a, False),
    "StringNotEquals": (lambda e, a: e == a, True),
    "StringEqualsIgnoreCase": (lambda e, a: e.lower() == a.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda e, a: e.lower() == a.lower(), True),
    "StringLike": (wildcard, False),
    "StringNotLike": (wildcard, True),
    "ArnEquals": (arn_match, False),
    "ArnLike": (arn_match, False),
    "ArnNotEquals": (arn_match, True),
    "ArnNotLike": (arn_match, True),
    "Bool": (lambda e, a: e.lower() == a.lower(), False),
}


def condition_holds(condition, context):
    """Evaluate a Condition block.  Returns (holds, missing context keys).
    A key absent from `context` (and not under an ...IfExists operator) makes the
    statement not apply and is reported as missing, as the IAM simulator does."""
    holds, missing = True, []
    for raw_op, block in (condition or {}).items():
        qualifier, _, op = raw_op.rpartition(":")  # ForAnyValue: / ForAllValues:
        if_exists = op.endswith("IfExists") and op != "IfExists"
        op = op[: -len("IfExists")] if if_exists else op
        for key, expected in block.items():
            actual = context.get(key.lower())
            if op == "Null":  # {"Null": {"key": "true"}} means "key is absent"
                holds &= str(as_list(expected)[0]).lower() == str(actual is None).lower()
                continue
            if actual is None:
                # The simulator lists every key a condition needs and was not given, the
                # ...IfExists ones too (for them the condition then holds).
                if qualifier != "ForAllValues":
                    missing.append(key)
                if not if_exists and qualifier != "ForAllValues":
                    holds = False
                continue
            matcher, negated = CONDITION_OPERATORS.get(op, (None, False))
            if matcher is None:  # unsupported operator: be conservative, do not apply
                holds = False
                continue
            wanted = [str(x).lower() if isinstance(x, bool) else str(x) for x in as_list(expected)]
            hits = [any(matcher(e, a) for e in wanted) for a in actual]
            if negated:
                hits = [not h for h in hits]
            holds &= all(hits) if (negated or qualifier == "ForAllValues") else any(hits)
    return holds and not [k for k in missing if not if_exists_key(condition, k)], missing


def if_exists_key(condition, key):
    """Whether `key` appears in `condition` only under ...IfExists operators."""
    ops = [op for op, block in (condition or {}).items() if key in block]
    return bool(ops) and all(op.endswith("IfExists") for op in ops)


def statement_applies(statement, action, resource, context):
    """(applies, missing keys) for one policy statement and one (action, resource)."""
    if "Action" in statement:
        ok = any(wildcard(p, action, ignore_case=True) for p in as_list(statement["Action"]))
    elif "NotAction" in statement:
        ok = not any(wildcard(p, action, ignore_case=True) for p in as_list(statement["NotAction"]))
    else:
        ok = False
    if ok and "NotResource" in statement:
        ok = not any(wildcard(p, resource) for p in as_list(statement["NotResource"]))
    elif ok:
        ok = any(wildcard(p, resource) for p in as_list(statement.get("Resource", "*")))
    if not ok:
        return False, []
    return condition_holds(statement.get("Condition"), context)


def principal_policies(arn):
    """Identity policies of a role/user/group ARN from moto's IAM backend, as a list of
    (SourcePolicyId, SourcePolicyType, document)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam":
        raise IamError(400, "InvalidInput", f"Invalid ARN: {arn}")
    partition, account, resource = parts[1], parts[4], parts[5]
    backend = iam_backends[account][partition]
    kind, name = resource.split("/", 1)[0], resource.rsplit("/", 1)[-1]
    pool = {"role": backend.roles.values(), "user": backend.users.values(),
            "group": backend.groups.values()}.get(kind, [])
    entity = next((e for e in list(pool) if e.arn == arn), None)
    if entity is None:
        raise IamError(404, "NoSuchEntity", f"The {kind or 'entity'} with name {name} cannot be found.")
    sources = []

    def collect(owner, inline_type):
        for policy_name, document in owner.policies.items():
            sources.append((policy_name, inline_type, document))
        for policy in owner.managed_policies.values():
            version = next((v for v in policy.versions if v.is_default), policy.versions[0])
            aws_managed = policy.arn.startswith(f"arn:{partition}:iam::aws:")
            sources.append((policy.name, "aws-managed" if aws_managed else "user-managed", version.document))

    collect(entity, kind)
    if kind == "user":
        for group in backend.get_groups_for_user(entity.name):
            collect(group, "group")
    return sources


def boundary_policy(arn):
    """The permissions boundary of a role or user ARN, as (SourcePolicyId, type, document),
    or None."""
    parts = arn.split(":", 5)
    partition, account, resource = parts[1], parts[4], parts[5]
    backend = iam_backends[account][partition]
    kind = resource.split("/", 1)[0]
    pool = {"role": backend.roles.values(), "user": backend.users.values()}.get(kind, [])
    entity = next((e for e in list(pool) if e.arn == arn), None)
    boundary = getattr(entity, "permissions_boundary_arn", None) if entity else None
    if not boundary:
        return None
    policy = backend.managed_policies.get(boundary)
    if policy is None:
        return None
    version = next((v for v in policy.versions if v.is_default), policy.versions[0])
    return (policy.name, "permissions-boundary", version.document)


def evaluate(sources, action, resource, context):
    """(decision, matched statements, missing keys) for one (action, resource)."""
    allows, denies, missing = [], [], []
    for policy_id, policy_type, document in sources:
        try:
            doc, text = load_policy(document)
        except ValueError:
            continue
        statements = as_list(doc.get("Statement", []))
        positions = statement_positions(text) if text else []
        for index, statement in enumerate(statements):
            applies, miss = statement_applies(statement, action, resource, context)
            missing += [k for k in miss if k.lower() not in {m.lower() for m in missing}]
            if applies:
                ref = {"id": policy_id, "type": policy_type,
                       "pos": positions[index] if len(positions) == len(statements) else None}
                (denies if statement.get("Effect") == "Deny" else allows).append(ref)
    if denies:
        return "explicitDeny", denies, missing
    return ("allowed", allows, missing) if allows else ("implicitDeny", [], missing)


def statements_xml(refs):
    out = []
    for ref in refs:
        xml = (f"<SourcePolicyId>{escape(ref['id'])}</SourcePolicyId>"
               f"<SourcePolicyType>{ref['type']}</SourcePolicyType>")
        if ref["pos"]:
            (sl, sc), (el, ec) = ref["pos"]
            xml += (f"<StartPosition><Line>{sl}</Line><Column>{sc}</Column></StartPosition>"
                    f"<EndPosition><Line>{el}</Line><Column>{ec}</Column></EndPosition>")
        out.append(f"<member>{xml}</member>")
    return f"<MatchedStatements>{''.join(out)}</MatchedStatements>"


def boundary_xml(per_resource):
    """PermissionsBoundaryDecisionDetail, when the principal has a boundary."""
    known = [b for b in per_resource if b is not None]
    if not known:
        return ""
    allowed = "true" if all(known) else "false"
    return (f"<PermissionsBoundaryDecisionDetail><AllowedByPermissionsBoundary>{allowed}"
            f"</AllowedByPermissionsBoundary></PermissionsBoundaryDecisionDetail>")


def missing_xml(keys):
    members = "".join(f"<member>{escape(k)}</member>" for k in keys)
    return f"<MissingContextValues>{members}</MissingContextValues>"


def simulate_principal_policy(form):
    """SimulatePrincipalPolicy from parsed awsQuery form params -> response XML."""
    def members(prefix):
        found = {int(m.group(1)): v[0] for k, v in form.items()
                 if (m := re.fullmatch(re.escape(prefix) + r"\.member\.(\d+)", k))}
        return [found[i] for i in sorted(found)]

    source_arn = (form.get("PolicySourceArn") or [""])[0]
    actions = members("ActionNames")
    if not source_arn or not actions:
        raise IamError(400, "InvalidInput", "PolicySourceArn and ActionNames are required.")
    resources = members("ResourceArns") or ["*"]
    context = {}
    for key in form:
        if m := re.fullmatch(r"ContextEntries\.member\.(\d+)\.ContextKeyName", key):
            values = members(f"ContextEntries.member.{m.group(1)}.ContextKeyValues")
            context[form[key][0].lower()] = values
    sources = principal_policies(source_arn)
    boundary = boundary_policy(source_arn)
    rank = {"allowed": 0, "implicitDeny": 1, "explicitDeny": 2}
    results = []

    def decide(action, resource):
        """Identity policies, then the boundary: allowed only if both allow (AWS's
        PermissionsBoundaryDecisionDetail says whether the boundary did)."""
        decision, refs, missing = evaluate(sources, action, resource, context)
        if boundary is None:
            return decision, refs, missing, None
        b_decision, b_refs, b_missing = evaluate([boundary], action, resource, context)
        missing = missing + [k for k in b_missing if k not in missing]
        allowed_by_boundary = b_decision == "allowed"
        if b_decision == "explicitDeny":
            return "explicitDeny", b_refs, missing, False
        if decision == "allowed" and not allowed_by_boundary:
            return "implicitDeny", [], missing, False
        return decision, refs, missing, allowed_by_boundary

    for action in actions:
        per_resource = [(r, *decide(action, r)[:3]) for r in resources]
        boundary_ok = [decide(action, r)[3] for r in resources]
        decision = max((d for _, d, _, _ in per_resource), key=rank.__getitem__)
        matched, missing = [], []  # union over the resources that decided the outcome
        for _, d, refs, miss in per_resource:
            matched += [r for r in refs if r not in matched and d == decision]
            missing += [k for k in miss if k not in missing]
        specific = "".join(
            f"<member><EvalResourceName>{escape(r)}</EvalResourceName>"
            f"<EvalResourceDecision>{d}</EvalResourceDecision>{statements_xml(refs)}"
            f"{missing_xml(miss)}</member>"
            for r, d, refs, miss in per_resource)
        results.append(
            f"<member><EvalActionName>{escape(action)}</EvalActionName>"
            f"<EvalResourceName>{escape(resources[0] if len(resources) == 1 else '*')}</EvalResourceName>"
            f"<EvalDecision>{decision}</EvalDecision>{statements_xml(matched)}{missing_xml(missing)}"
            f"{boundary_xml(boundary_ok)}"
            f"<ResourceSpecificResults>{specific}</ResourceSpecificResults></member>")
    # Pages of MaxItems results (IAM's default is 100), the Marker being the next index.
    size = int((form.get("MaxItems") or ["100"])[0])
    start = int((form.get("Marker") or ["0"])[0])
    page, rest = results[start:start + size], results[start + size:]
    more = f"<IsTruncated>true</IsTruncated><Marker>{start + size}</Marker>" if rest else "<IsTruncated>false</IsTruncated>"
    return (f'<SimulatePrincipalPolicyResponse xmlns="{IAM_NS}"><SimulatePrincipalPolicyResult>'
            f"{more}<EvaluationResults>{''.join(page)}</EvaluationResults>"
            f"</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>{uuid.uuid4()}"
            f"</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>")


# --------------------------------------------------------------------------- the middleware
class Shim:
    """WSGI app: `/_shim/*` control API, otherwise moto with a few operations patched."""

    def __init__(self, channel_host="127.0.0.1"):
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.lock = threading.RLock()
        self.sessions = agent_channel.Registry()
        self.channel = agent_channel.ChannelServer(self.sessions, self.decrypt_data_key)
        try:
            self.channel.start(channel_host)
            self.channel_error = None
        except (ImportError, OSError) as e:  # no websockets: everything else still works
            self.channel_error = (f"the data channel cannot start ({e}); "
                                  "run python3 tests/emulator/install.py")
        self.handlers = {
            "ecs:RunTask": self.run_task,
            "ecs:StartTask": self.run_task,
            "ecs:DescribeTasks": self.describe_tasks,
            "ecs:ListTasks": self.list_tasks,
            "ecs:DescribeServices": self.describe_services,
            "ecs:RegisterContainerInstance": self.container_instances,
            "ecs:DescribeContainerInstances": self.container_instances,
            "ecs:ExecuteCommand": self.execute_command,
            "ssm:TerminateSession": self.terminate_session,
            "ssm:DescribeInstanceInformation": self.instance_information,
            "iam:SimulatePrincipalPolicy": self.simulate,
            "ec2:ModifyVpcEndpoint": self.modify_vpc_endpoint,
            "kms:GetKeyPolicy": self.key_policy,
            "kms:PutKeyPolicy": self.key_policy,
            "kms:ListGrants": self.list_grants,
        }
        self.reset_state()

    def reset_state(self):
        with self.lock:
            self.tasks = {}      # task id -> {"exec", "platform", "started", "containers": {name: ids}}
            self.agents = {}     # (task id, container name) -> {"lastStatus": str|None, "reason"}
            self.instances = {}  # container instance id -> {"versionInfo", "execCapability", "agentConnected"}
            self.denied = set()  # lower-cased IAM action names
            self.deny_after = {}  # lower-cased IAM action name -> calls still answered before denials
            self.throttle_first = 0  # throttle each distinct request this many times first
            self.throttled = {}      # (action, body) -> times throttled so far
            self.calls = []      # IAM action names in arrival order
            self.timeline = []   # {"action", "start", "end"} per call (monotonic seconds)
            self.latency = 0.0   # seconds added to every AWS call
            self.sessions.reset()  # ECS Exec sessions and data-channel settings
            self.managed = {}    # ECS Anywhere managed instance id -> its SSM instance information

    # ---- entry point
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_shim/"):
            return self.control(environ, start_response)
        # Buffer the body so we can look at it and moto can still read it.
        body = get_input_stream(environ).read()
        set_body(environ, body)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        req = self.parse_request(environ, body)
        if req is None:  # unsigned / moto-api / metadata: plain moto
            return self.moto(environ, start_response)
        timing = {"action": req.action, "start": time.monotonic(), "end": None}
        with self.lock:
            self.calls.append(req.action)
            self.timeline.append(timing)
            denied = req.action.lower() in self.denied
            left = self.deny_after.get(req.action.lower())
            if left is not None:
                denied = denied or left <= 0
                self.deny_after[req.action.lower()] = left - 1
            latency = self.latency
            throttle = False
            if self.throttle_first and not denied:
                key = (req.action, hashlib.sha256(body).hexdigest())
                seen = self.throttled.get(key, 0)
                throttle = seen < self.throttle_first
                self.throttled[key] = seen + 1
        if throttle:
            return self.throttled_response(req, start_response)
        if latency:
            time.sleep(latency)  # releases the GIL: concurrent calls overlap, as on AWS
        try:
            if denied:
                return self.access_denied(req, start_response)
            handler = self.handlers.get(req.action)
            if handler is None:
                return self.moto(environ, start_response)
            return handler(req, environ, start_response)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            return respond(start_response, 500, "moto_shim internal error", content_type="text/plain")
        finally:
            timing["end"] = time.monotonic()

    @staticmethod
    def parse_request(environ, body):
        match = CREDENTIAL_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if not match or environ.get("PATH_INFO", "").startswith("/moto-api"):
            return None
        access_key, region, service = match.groups()
        service = service.lower()
        account = (os.environ.get("MOTO_ACCOUNT_ID") or environ.get("HTTP_X_MOTO_ACCOUNT_ID")
                   or get_account_id_from(access_key))
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:  # awsJson: "AmazonEC2ContainerServiceV20141113.DescribeTasks"
            return AwsRequest(service, region, account, target.rsplit(".", 1)[-1], "json", body)
        form = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            form.update(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
        if "Action" in form:  # awsQuery / ec2Query
            protocol = "ec2" if service == "ec2" else "query"
            return AwsRequest(service, region, account, form["Action"][0], protocol, body)
        # REST protocols (s3, lambda, ...): best effort, "METHOD /path", except the S3 calls
        # the doctor makes, named by their IAM action (GetBucketEncryption is authorised as
        # s3:GetEncryptionConfiguration).
        method = environ.get("REQUEST_METHOD", "GET")
        if service == "s3" and method == "GET" and "encryption" in form:
            return AwsRequest(service, region, account, "GetEncryptionConfiguration", "s3", body)
        op = f"{method} {environ.get('PATH_INFO', '/')}"
        return AwsRequest(service, region, account, op, "rest", body)

    def call_moto(self, environ):
        """Run moto and buffer its response: (status code, headers, body)."""
        captured, chunks = {}, []

        def start(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return chunks.append

        result = self.moto(environ, start)
        try:
            chunks.extend(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return int(captured["status"].split()[0]), captured["headers"], b"".join(chunks)

    def patched_json(self, environ, start_response, patch):
        """Forward to moto; on 200 let `patch(response_dict)` edit the JSON in place."""
        code, headers, body = self.call_moto(environ)
        if code == 200:
            response = json.loads(body)
            with self.lock:
                patch(response)
            body = json.dumps(response)
        return respond(start_response, code, body, headers)

    def throttled_response(self, req, start_response):
        """The throttling error each protocol answers with when a caller goes too fast."""
        request_id = str(uuid.uuid4())
        if req.protocol == "json":
            body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"})
            headers = [("x-amzn-ErrorType", "ThrottlingException"), ("x-amzn-RequestId", request_id)]
            return respond(start_response, 400, body, headers, JSON_CT)
        if req.protocol == "ec2":
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
                   "<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
                   f"</Error></Errors><RequestID>{request_id}</RequestID></Response>")
            return respond(start_response, 503, xml, content_type="text/xml;charset=UTF-8")
        if req.protocol == "query":
            return iam_error(start_response, 400, "Throttling", "Rate exceeded",
                             STS_NS if req.service == "sts" else IAM_NS)
        if req.protocol == "s3":
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
                   f"<Message>Please reduce your request rate.</Message><RequestId>{request_id}</RequestId></Error>")
            return respond(start_response, 503, xml, content_type="application/xml")
        return respond(start_response, 429, json.dumps({"message": "Rate exceeded"}),
                       [("x-amzn-ErrorType", "ThrottlingException")], "application/json")

    def access_denied(self, req, start_response):
        principal = f"arn:aws:sts::{req.account}:assumed-role/doctor/test"
        action, request_id = req.action, str(uuid.uuid4())
        why = f"because no identity-based policy allows the {action} action"
        message = f"User: {principal} is not authorized to perform: {action} on resource: * {why}"
        if req.protocol == "json":
            body = json.dumps({"__type": "AccessDeniedException", "message": message})
            headers = [("x-amzn-ErrorType", "AccessDeniedException"), ("x-amzn-RequestId", request_id)]
            return respond(start_response, 400, body, headers, JSON_CT)
        if req.protocol == "ec2":
            message = (f"You are not authorized to perform this operation. User: {principal} "
                       f"is not authorized to perform: {action} {why}")
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
                   f"<Code>UnauthorizedOperation</Code><Message>{escape(message)}</Message>"
                   f"</Error></Errors><RequestID>{request_id}</RequestID></Response>")
            return respond(start_response, 403, xml, content_type="text/xml;charset=UTF-8")
        if req.protocol == "query":
            return iam_error(start_response, 403, "AccessDenied", message,
                             STS_NS if req.service == "sts" else IAM_NS)
        if req.protocol == "s3":
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                   f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId></Error>")
            return respond(start_response, 403, xml, content_type="application/xml")
        body = json.dumps({"message": message})
        return respond(start_response, 403, body, [("x-amzn-ErrorType", "AccessDeniedException")],
                       "application/json")

    # ---- ECS tasks
    def run_task(self, req, environ, start_response):
        params = req.json()
        conf = (params.get("networkConfiguration") or {}).get("awsvpcConfiguration")
        if conf and conf.get("subnets") and not conf.get("securityGroups"):
            # AWS uses the VPC's default security group; moto raises KeyError instead.
            try:
                ec2 = ec2_backends[req.account][req.region]
                group = ec2.get_default_security_group(ec2.get_subnet(conf["subnets"][0]).vpc_id)
                conf["securityGroups"] = [group.id] if group else []
            except Exception:  # unknown subnet etc.: let moto report it
                conf["securityGroups"] = []
            set_body(environ, json.dumps(params).encode())

        def patch(response):
            for task in response.get("tasks", []):
                if conf and conf.get("assignPublicIp") == "ENABLED" and task.get("launchType") != "EC2":
                    self.assign_public_ip(req, task)
                self.tasks[last_segment(task["taskArn"])] = {
                    "exec": bool(params.get("enableExecuteCommand", False)),
                    "platform": params.get("platformVersion"),
                    "started": round(time.time(), 3),
                    "containers": {},
                }
                self.patch_task(req, task)

        return self.patched_json(environ, start_response, patch)

    @staticmethod
    def assign_public_ip(req, task):
        """Fargate gives a task ENI a public IPv4 address when assignPublicIp is ENABLED
        (DescribeNetworkInterfaces shows it as Association.PublicIp); moto never does."""
        ec2 = ec2_backends[req.account][req.region]
        for attachment in task.get("attachments") or []:
            for detail in attachment.get("details", []):
                if detail.get("name") == "networkInterfaceId":
                    try:
                        eni = ec2.get_network_interface(detail.get("value"))
                    except Exception:
                        continue
                    eni.public_ip = eni.public_ip or random_public_ip()

    def describe_tasks(self, req, environ, start_response):
        params = req.json()
        cluster = last_segment(params.get("cluster") or "default")
        if len(params.get("tasks") or []) > 100:  # moto takes any number; ECS refuses
            return ecs_error(start_response, "InvalidParameterException",
                             "Tasks cannot be longer than 100.")

        def patch(response):
            # moto ignores the cluster parameter; AWS only returns that cluster's tasks.
            tasks = [t for t in response.get("tasks", [])
                     if last_segment(t.get("clusterArn")) == cluster]
            found = {last_segment(t["taskArn"]) for t in tasks}
            failures = response.get("failures") or []
            for wanted in params.get("tasks", []):
                if last_segment(wanted) not in found:
                    failures.append({"arn": wanted, "reason": "MISSING"})
            for task in tasks:
                self.patch_task(req, task)
            response["tasks"], response["failures"] = tasks, failures

        return self.patched_json(environ, start_response, patch)

    def describe_services(self, req, environ, start_response):
        if len(req.json().get("services") or []) > 10:  # moto takes any number; ECS refuses
            return ecs_error(start_response, "InvalidParameterException",
                             "services can have at most 10 items.")
        return self.patched_json(environ, start_response, lambda response: None)

    def list_tasks(self, req, environ, start_response):
        params = req.json()
        service = params.get("serviceName")
        try:
            page_size = int(params.get("maxResults") or 100)
            offset = int(params.get("nextToken") or 0)
        except ValueError:
            return ecs_error(start_response, "InvalidParameterException", "Invalid nextToken")
        if not 1 <= page_size <= 100:
            return ecs_error(start_response, "InvalidParameterException",
                             "maxResults must be between 1 and 100")

        cluster = last_segment(params.get("cluster") or "default")

        def patch(response):
            arns = response.get("taskArns", [])
            # moto keeps a task when the cluster's name is a substring of its ARN (cluster
            # `web` lists `web-2`'s tasks too); ECS lists the cluster's own tasks only.
            arns = [arn for arn in arns if arn.split("/")[-2:-1] == [cluster]]
            # moto ignores serviceName; ECS lists only the tasks the service started, whose
            # group is "service:NAME" (RunTask with group="service:NAME" imitates one).
            if service:
                backend = ecs_backends[req.account][req.region]
                groups = {t.id: t.group for tasks in backend.tasks.values() for t in tasks.values()}
                wanted = f"service:{last_segment(service)}"
                arns = [arn for arn in arns if groups.get(last_segment(arn)) == wanted]
            # moto returns every task at once; ECS pages by maxResults (at most 100).
            response["taskArns"] = arns[offset:offset + page_size]
            if offset + page_size < len(arns):
                response["nextToken"] = str(offset + page_size)
            else:
                response.pop("nextToken", None)

        return self.patched_json(environ, start_response, patch)

    def patch_task(self, req, task):
        """Make one moto Task dict look like what ECS returns for it."""
        task_id = last_segment(task["taskArn"])
        state = self.tasks.setdefault(task_id, {"exec": False, "platform": None,
                                                "started": round(time.time(), 3), "containers": {}})
        status = task.get("lastStatus", "RUNNING")
        task["enableExecuteCommand"] = state["exec"]
        if state.get("launchType"):
            task["launchType"] = state["launchType"]
        task.setdefault("createdAt", state["started"])
        if status != "PENDING":
            task.setdefault("startedAt", state["started"])
        try:
            definition = ecs_backends[req.account][req.region].describe_task_definition(
                task["taskDefinitionArn"])
        except Exception:  # deregistered/deleted: keep what moto says
            definition = None
        if task.get("launchType") == "FARGATE":
            requested = state["platform"]
            task["platformVersion"] = "1.4.0" if requested in (None, "", "LATEST") else requested
            family = ((definition and definition.runtime_platform) or {}).get("operatingSystemFamily", "")
            task["platformFamily"] = "Windows" if family.upper().startswith("WINDOWS") else "Linux"
        # awsvpc: fill privateDnsName (None when the VPC lacks DNS hostnames) and build the
        # networkInterfaces AWS lists on each container.
        interfaces = []
        for attachment in task.get("attachments") or []:
            details = {d.get("name"): d for d in attachment.get("details", [])}
            ip = (details.get("privateIPv4Address") or {}).get("value")
            dns = details.get("privateDnsName")
            if ip and dns is not None and not dns.get("value"):
                suffix = "ec2.internal" if req.region == "us-east-1" else f"{req.region}.compute.internal"
                dns["value"] = f"ip-{ip.replace('.', '-')}.{suffix}"
            if attachment.get("type") == "ElasticNetworkInterface" and ip:
                interfaces.append({"attachmentId": attachment.get("id"), "privateIpv4Address": ip})
        # moto only models the first container; AWS lists every container definition.
        definitions = definition.container_definitions if definition else task.get("containers", [])
        cluster_name = last_segment(task.get("clusterArn"))
        containers = []
        for container_def in definitions:
            name = container_def.get("name")
            ids = self.container_ids(state, task["taskArn"], cluster_name, name, task.get("launchType"))
            container = {"containerArn": ids["arn"], "taskArn": task["taskArn"], "name": name,
                         "image": container_def.get("image"), "runtimeId": ids["runtimeId"],
                         "lastStatus": status, "networkInterfaces": interfaces,
                         "healthStatus": "UNKNOWN"}
            for key in ("cpu", "memory", "memoryReservation"):
                if container_def.get(key) is not None:
                    container[key] = str(container_def[key])
            if state["exec"]:
                agent = {"name": EXEC_AGENT, "lastStatus": status, "lastStartedAt": state["started"]}
                override = self.agents.get((task_id, name))
                if override is not None and override.get("times") is not None:
                    if override["times"] <= 0:
                        override = None
                    else:
                        override["times"] -= 1
                if override is not None:
                    agent["lastStatus"] = override["lastStatus"]
                    if override.get("reason"):
                        agent["reason"] = override["reason"]
                if agent["lastStatus"] is not None:
                    container["managedAgents"] = [agent]
            containers.append({k: v for k, v in container.items() if v is not None})
        task["containers"] = containers

    @staticmethod
    def container_ids(state, task_arn, cluster_name, name, launch_type):
        """The stable containerArn and runtimeId of one container of a task."""
        task_id, arn_prefix = last_segment(task_arn), task_arn.split(":task/")[0]
        return state["containers"].setdefault(name, {
            "arn": f"{arn_prefix}:container/{cluster_name}/{task_id}/{uuid.uuid4()}",
            "runtimeId": (f"{task_id}-{random.randint(10**9, 10**10 - 1)}"
                          if launch_type == "FARGATE" else "%064x" % random.getrandbits(256)),
        })

    # ---- ECS Exec (ExecuteCommand, TerminateSession; the data channel is agent_channel.py)
    def execute_command(self, req, environ, start_response):
        """ECS ExecuteCommand, which moto lacks, answered from the world's state."""
        params = req.json()
        with self.lock:
            try:
                cluster, task, name = self.exec_target(req, params)
            except EcsRefusal as refusal:
                return ecs_error(start_response, refusal.code, refusal.message)
            state = self.tasks[task.id]
            ids = self.container_ids(state, task.task_arn, cluster.name, name, task.launch_type)
        exec_configuration = (cluster.configuration or {}).get("executeCommandConfiguration") or {}
        kms_key_id = exec_configuration.get("kmsKeyId")
        session = self.sessions.open(
            account=req.account, region=req.region, cluster=cluster.name, task_id=task.id,
            task_arn=task.task_arn, container=name, command=params.get("command") or "",
            target_id=f"ecs:{cluster.name}_{task.id}_{ids['runtimeId']}", kms_key_id=kms_key_id)
        body = {"clusterArn": cluster.arn, "containerArn": ids["arn"], "containerName": name,
                "interactive": True, "session": {"sessionId": session.session_id,
                                                 "streamUrl": session.stream_url,
                                                 "tokenValue": session.token},
                "taskArn": task.task_arn}
        return respond(start_response, 200, json.dumps(body), content_type=JSON_CT)

    def exec_target(self, req, params):
        """(cluster, moto task, container name), or EcsRefusal with what ECS answers."""
        if params.get("interactive") is not True:
            raise EcsRefusal("InvalidParameterException",
                             "Interactive is the only mode supported currently.")
        backend = ecs_backends[req.account][req.region]
        cluster = backend.clusters.get(last_segment(params.get("cluster") or "default"))
        if cluster is None:
            raise EcsRefusal("ClusterNotFoundException", "Cluster not found.")
        wanted = params.get("task") or ""
        if not wanted.startswith("arn:") and len(wanted) not in (32, 36):
            raise EcsRefusal("InvalidParameterException", "task length should be one of [32,36]")
        task = next((t for t in backend.tasks.get(cluster.name, {}).values()
                     if t.id == last_segment(wanted)), None)
        if task is None:
            raise EcsRefusal("InvalidParameterException", "The referenced task was not found.")
        names = [d.get("name") for d in backend.describe_task_definition(task.task_definition_arn)
                 .container_definitions]
        name = params.get("container") or (names[0] if len(names) == 1 else None)
        if name is None:
            raise EcsRefusal("InvalidParameterException", "The container name must be specified "
                             "when the task has more than one container.")
        if name not in names:
            raise EcsRefusal("InvalidParameterException", f"The container {name} does not exist in the task.")
        status = task.last_status
        if not self.tasks.get(task.id, {}).get("exec") or status == "STOPPED" \
                or self.exec_agent_status(task.id, name, status) != "RUNNING":
            raise EcsRefusal("InvalidParameterException", EXEC_NOT_READY)
        if not self.sessions.settings_for(task.id)["targetConnected"]:
            raise EcsRefusal("TargetNotConnectedException", TARGET_NOT_CONNECTED)
        return cluster, task, name

    def exec_agent_status(self, task_id, name, task_status):
        """The ExecuteCommandAgent's status as DescribeTasks shows it (without using up a
        `times` override)."""
        override = self.agents.get((task_id, name))
        if override is None or (override.get("times") is not None and override["times"] <= 0):
            return task_status
        return override["lastStatus"]

    def terminate_session(self, req, environ, start_response):
        """SSM TerminateSession (moto lacks it): recorded, and a live data channel ends."""
        session_id = req.json().get("SessionId")
        if not session_id:
            return ecs_error(start_response, "ValidationException",
                             "1 validation error detected: Value null at 'sessionId' failed to "
                             "satisfy constraint: Member must not be null")
        self.sessions.terminate(session_id)
        return respond(start_response, 200, json.dumps({"SessionId": session_id}), content_type=JSON_CT)

    def instance_information(self, req, environ, start_response):
        """SSM DescribeInstanceInformation (moto lacks it) for the managed instances the
        control API registered, filtered by `InstanceIds` as AWS does."""
        params = req.json()
        wanted = None
        for f in params.get("Filters") or []:
            if f.get("Key") == "InstanceIds":
                wanted = set(f.get("Values") or [])
        for f in params.get("InstanceInformationFilterList") or []:
            if f.get("key") == "InstanceIds":
                wanted = set(f.get("valueSet") or [])
        listed = [{"InstanceId": i, "ResourceType": "ManagedInstance", **info}
                  for i, info in sorted(self.managed.items()) if wanted is None or i in wanted]
        return respond(start_response, 200, json.dumps({"InstanceInformationList": listed}),
                       content_type=JSON_CT)

    def decrypt_data_key(self, session, ciphertext, context):
        """kms:Decrypt of the client's data key, as the agent does it with the task role."""
        backend = kms_backends[session.account][session.region]
        plaintext, _ = backend.decrypt(ciphertext_blob=ciphertext, encryption_context=context,
                                       key_id=session.kms_key_id)
        return plaintext

    # ---- ECS container instances
    def container_instances(self, req, environ, start_response):
        params = req.json()
        if req.operation == "DescribeContainerInstances":
            # moto raises KeyError (HTTP 500) for an existing cluster that never had an
            # instance registered; AWS answers with failures.  Give moto an empty dict.
            backend = ecs_backends[req.account][req.region]
            cluster = last_segment(params.get("cluster") or "default")
            if cluster in backend.clusters:
                backend.container_instances.setdefault(cluster, {})

        def patch(response):
            if req.operation == "RegisterContainerInstance":
                instance = response.get("containerInstance", {})
                state = self.instances.setdefault(last_segment(instance.get("containerInstanceArn")), {})
                state["versionInfo"] = params.get("versionInfo") or {}
                instances = [instance]
            else:
                instances = response.get("containerInstances", [])
            for instance in instances:
                state = self.instances.get(last_segment(instance.get("containerInstanceArn")), {})
                instance["versionInfo"] = {**instance.get("versionInfo", {}), **state.get("versionInfo", {})}
                attributes = [a for a in instance.get("attributes") or [] if a.get("name") != EXEC_CAPABILITY]
                if state.get("execCapability", True):
                    attributes.append({"name": EXEC_CAPABILITY})
                instance["attributes"] = attributes
                if state.get("agentConnected") is not None:
                    instance["agentConnected"] = state["agentConnected"]
                if state.get("ec2InstanceId"):
                    instance["ec2InstanceId"] = state["ec2InstanceId"]

        return self.patched_json(environ, start_response, patch)

    # ---- EC2
    def modify_vpc_endpoint(self, req, environ, start_response):
        """moto ignores ModifyVpcEndpoint's PrivateDnsEnabled; apply it once moto accepted
        the call (so an unknown endpoint still gets moto's error)."""
        form = parse_qs(req.body.decode("utf-8"), keep_blank_values=True)
        code, headers, body = self.call_moto(environ)
        wanted = (form.get("PrivateDnsEnabled") or [None])[0]
        if code == 200 and wanted is not None:
            ec2 = ec2_backends[req.account][req.region]
            endpoint = ec2.vpc_end_points.get((form.get("VpcEndpointId") or [""])[0])
            if endpoint is not None:
                endpoint.private_dns_enabled = wanted.lower() == "true"
        return respond(start_response, code, body, headers)

    # ---- KMS
    def key_policy(self, req, environ, start_response):
        """PolicyName is optional on AWS (it can only be "default"), and GetKeyPolicy
        answers with it; moto requires it and leaves it out."""
        params = req.json()
        if not params.get("PolicyName"):
            params["PolicyName"] = "default"
            set_body(environ, json.dumps(params).encode())
        if req.operation == "PutKeyPolicy":  # AWS: 200 with an empty body; moto: "null"
            code, headers, body = self.call_moto(environ)
            return respond(start_response, code, b"" if code == 200 else body, headers)

        def patch(response):
            response["PolicyName"] = params["PolicyName"]

        return self.patched_json(environ, start_response, patch)

    def list_grants(self, req, environ, start_response):
        """moto ignores ListGrants' GranteePrincipal filter (and adds GrantCount)."""
        grantee = req.json().get("GranteePrincipal")

        def patch(response):
            response.pop("GrantCount", None)
            if grantee:
                response["Grants"] = [g for g in response.get("Grants", [])
                                      if g.get("GranteePrincipal") == grantee]

        return self.patched_json(environ, start_response, patch)

    # ---- IAM
    def simulate(self, req, environ, start_response):
        form = parse_qs(req.body.decode("utf-8"), keep_blank_values=True)
        try:
            xml = simulate_principal_policy(form)
        except IamError as e:
            return iam_error(start_response, e.status, e.code, e.message)
        return respond(start_response, 200, xml, content_type="text/xml")

    # ---- control API
    def control(self, environ, start_response):
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")

        def reply(code, payload):
            return respond(start_response, code, json.dumps(payload), content_type="application/json")

        try:
            raw = get_input_stream(environ).read()
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ValueError("expected a JSON object")
        except ValueError as e:
            return reply(400, {"error": f"invalid JSON: {e}"})
        with self.lock:
            if (method, path) == ("GET", "/_shim/calls"):
                return reply(200, {"calls": list(self.calls),
                                   "timeline": [dict(t) for t in self.timeline]})
            if (method, path) == ("POST", "/_shim/calls/reset"):
                self.calls.clear()
                self.timeline.clear()
                return reply(200, {"ok": True})
            if (method, path) == ("POST", "/_shim/deny"):
                actions = body.get("actions")
                if not isinstance(actions, list):
                    return reply(400, {"error": "expected {\"actions\": [...]}"})
                self.denied = {a.lower() for a in actions}
                # "after": {action: N} answers the next N calls of the action, then denies
                # it (a paginated listing whose later pages fail).
                after = body.get("after", {})
                if not isinstance(after, dict) or not all(
                        isinstance(n, int) and n >= 0 for n in after.values()):
                    return reply(400, {"error": "expected \"after\": {action: calls}"})
                self.deny_after = {a.lower(): n for a, n in after.items()}
                return reply(200, {"ok": True})
            if (method, path) == ("POST", "/_shim/agent"):
                if not body.get("task") or not body.get("container") or "lastStatus" not in body:
                    return reply(400, {"error": "expected task, container and lastStatus"})
                # With "times": N, the override holds for the next N DescribeTasks answers
                # about the task, then the agent is as ECS would have it (RUNNING).
                self.agents[(last_segment(body["task"]), body["container"])] = {
                    "lastStatus": body["lastStatus"], "reason": body.get("reason"),
                    "times": body.get("times")}
                return reply(200, {"ok": True})
            if (method, path) == ("POST", "/_shim/throttle"):
                first = body.get("first")
                if not isinstance(first, int) or not 0 <= first <= 10:
                    return reply(400, {"error": "expected first between 0 and 10"})
                self.throttle_first = first
                self.throttled = {}
                return reply(200, {"ok": True})
            if (method, path) == ("POST", "/_shim/latency"):
                seconds = body.get("seconds")
                if not isinstance(seconds, (int, float)) or not 0 <= seconds <= 10:
                    return reply(400, {"error": "expected seconds between 0 and 10"})
                self.latency = float(seconds)
                return reply(200, {"ok": True})
            if (method, path) == ("POST", "/_shim/task"):
                started = body.get("startedAt")
                launch = body.get("launchType")
                if not body.get("task") or not (isinstance(started, (int, float)) or launch):
                    return reply(400, {"error": "expected task and startedAt (epoch seconds) or launchType"})
                state = self.tasks.get(last_segment(body["task"]))
                if state is None:
                    return reply(404, {"error": f"unknown task {body['task']}"})
                if started is not None:
                    state["started"] = started
                if launch:
                    state["launchType"] = launch
                return reply(200, {"ok": True})
            if (method, path) == ("POST", "/_shim/container-instance"):
                if not body.get("containerInstance"):
                    return reply(400, {"error": "expected containerInstance"})
                state = self.instances.setdefault(last_segment(body["containerInstance"]), {})
                for key in ("execCapability", "agentConnected", "ec2InstanceId"):
                    if key in body:
                        state[key] = body[key]
                return reply(200, {"ok": True})
            if (method, path) == ("POST", "/_shim/managed-instance"):
                if not str(body.get("id", "")).startswith("mi-"):
                    return reply(400, {"error": "expected id (mi-...)"})
                info = {k: body[k] for k in ("PingStatus", "AgentVersion", "IamRole", "LastPingDateTime")
                        if k in body}
                self.managed[body["id"]] = info
                return reply(200, {"ok": True})
            if (method, path) == ("GET", "/_shim/channel"):
                if self.channel_error:
                    return reply(503, {"error": self.channel_error})
                return reply(200, {"endpoint": self.channel.endpoint, **self.sessions.settings_view()})
            if (method, path) == ("POST", "/_shim/channel"):
                problem = self.sessions.configure(body)
                return reply(400, {"error": problem}) if problem else reply(200, {"ok": True})
            if (method, path) == ("GET", "/_shim/sessions"):
                return reply(200, self.sessions.view())
            if (method, path) == ("POST", "/_shim/reset"):
                moto_api_backend.reset()
                self.reset_state()
                pin_task_lifecycle()
                return reply(200, {"ok": True})
        return reply(404, {"error": f"no such control endpoint: {method} {path}"})


# --------------------------------------------------------------------------- main
def watch_stdin():
    """Exit when stdin closes.  A test harness keeps the write end of a pipe open; when the
    harness dies, however it dies (SIGKILL included), the pipe closes and the shim exits
    instead of lingering as an orphan."""
    def watch():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        os._exit(0)

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="exit as soon as stdin reaches end of file (the parent died)")
    args = parser.parse_args(argv)
    if args.exit_on_stdin_eof:
        watch_stdin()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request log lines
    pin_task_lifecycle()
    patch_moto_quirks()
    patch_moto_shapes()
    server = make_server(args.host, args.port, Shim(channel_host=args.host), threaded=True)

    def stop(signum, frame):
        raise KeyboardInterrupt  # ends serve_forever(), which then closes the socket

    # Handlers first: a SIGTERM right after the ready line must still exit with 0.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"ready http://{host}:{server.server_port}", flush=True)
    sys.stdout = sys.stderr  # anything moto prints later must not pollute stdout
    try:
        server.serve_forever()  # handler threads are daemons: exit does not wait for them
    except KeyboardInterrupt:
        pass
    # os._exit, not a normal exit: interpreter shutdown can abort (SIGABRT, "could not
    # acquire lock for <stdin>") while the stdin watcher thread is blocked in read().
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
