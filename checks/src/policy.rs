//! A small, deterministic evaluator of IAM-style JSON policy documents (IAM role trust policies,
//! KMS key policies, VPC endpoint policies). [`evaluate`] decides one [`Request`] (principal,
//! action, resource, condition context) against one document and names the deciding statement.
//! It follows IAM's grammar: `Effect`, `Principal`/`NotPrincipal`, `Action`/`NotAction`,
//! `Resource`/`NotResource` (`*` and `?` wildcards) and `Condition`.
//!
//! Limits, by design:
//! - No opaque scoring: a matching Deny wins, then a Deny that might apply, then a matching Allow,
//!   then an Allow that might apply, else implicit deny. One document only: combining it with
//!   identity policies, SCPs or boundaries is the caller's job (see [`delegates_to_account`]).
//! - Condition operators: `String(Not)Equals`, `String(Not)EqualsIgnoreCase`, `String(Not)Like`,
//!   `Arn(Not)Equals`, `Arn(Not)Like`, `Bool`, `Null`, `Numeric(Not)Equals`, each with optional
//!   `IfExists` and `ForAnyValue:`/`ForAllValues:` (context values are single strings). Any other
//!   operator, a key missing from the context, a policy variable (`${...}`) in a condition value,
//!   or a malformed `Condition` gives [`PolicyDecision::Conditional`] naming the keys: no guess.
//! - Account principals (`arn:PARTITION:iam::ACCOUNT:root`, bare `ACCOUNT`) match every principal
//!   of that account (delegation). Other AWS principal ARNs compare literally (ASCII
//!   case-insensitively; `"*"` is the only wildcard). Sessions are represented by their role ARN,
//!   so `NotPrincipal`'s session/role/account subtleties are not modelled. `Federated` and
//!   `CanonicalUser` never match. Resources compare literally with wildcards: a request for `"*"`
//!   does not match a statement naming only a specific ARN.
//! - Never panics. Skipped: a non-object document or statement, a `Statement` neither object nor
//!   array, an `Effect` other than exactly `Allow`/`Deny`, a statement without `Action` or
//!   `NotAction`, a principal/action/resource value that is not a string or array.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

type Obj = Map<String, Value>;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal<'a> {
    /// An AWS service principal, e.g. "ecs-tasks.amazonaws.com".
    Service(&'a str),
    /// An IAM principal: the role or user ARN (for an assumed-role session pass the role ARN,
    /// e.g. arn:aws:iam::123456789012:role/path/name) and its account id.
    Aws { arn: &'a str, account: &'a str },
}

impl Principal<'static> {
    /// The principal an identity policy is evaluated for when the role it is attached to is
    /// not known by ARN (a pasted policy, a role defined in a template): identity policies
    /// have no `Principal` element, so which role it is does not change their decision.
    pub const IDENTITY: Principal<'static> = Principal::Aws {
        arn: "arn:aws:iam::000000000000:role/identity",
        account: "000000000000",
    };
}

/// One request to evaluate against a policy document.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub principal: Principal<'a>,
    /// e.g. "sts:AssumeRole", "kms:Decrypt"
    pub action: &'a str,
    /// e.g. "*" or a key ARN
    pub resource: &'a str,
    /// Condition context. Keys are compared case-insensitively (e.g. "aws:SourceAccount" ->
    /// "123456789012", "aws:SourceArn" -> "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
    /// "kms:ViaService", ...).
    pub context: &'a BTreeMap<String, String>,
}

/// A statement of a document: `index` is its 0-based position in the `Statement` array (0 when
/// `Statement` is a single object). `sid` is its non-empty `Sid`, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub index: usize,
    pub sid: Option<String>,
}

impl Statement {
    /// "statement `Sid`" or "statement #N" (1-based) for messages.
    pub fn describe(&self) -> String {
        match &self.sid {
            Some(sid) => format!("statement `{sid}`"),
            None => format!("statement #{}", self.index + 1),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyDecision {
    /// An Allow statement matches and no Deny does.
    Allowed(Statement),
    /// A Deny statement matches (wins over any Allow).
    Denied(Statement),
    /// A statement would allow (or deny), but it depends on condition keys missing from the
    /// context or on an operator this evaluator does not support. `keys` names them (e.g.
    /// ["aws:SourceArn"]). `deny` is true when it is a Deny statement that might apply; then it
    /// matters even if an Allow matches.
    Conditional {
        statement: Statement,
        keys: Vec<String>,
        deny: bool,
    },
    /// No statement matches: implicitly denied.
    NotAllowed,
}

/// Evaluates the whole document for the request. Precedence: a matching Deny -> Denied; else a
/// possibly-matching Deny (conditional) -> Conditional{deny:true}; else a matching Allow ->
/// Allowed; else a conditional Allow -> Conditional{deny:false}; else NotAllowed. The first
/// statement (in document order) of the winning kind is reported.
pub fn evaluate(document: &Value, request: &Request<'_>) -> PolicyDecision {
    let mut denied: Option<Statement> = None;
    let mut allowed: Option<Statement> = None;
    let mut maybe_deny: Option<(Statement, Vec<String>)> = None;
    let mut maybe_allow: Option<(Statement, Vec<String>)> = None;
    for (statement, obj) in statement_objects(document) {
        let Some(hit) = statement_hit(obj, request) else {
            continue;
        };
        let (first, maybe) = if hit.deny {
            (&mut denied, &mut maybe_deny)
        } else {
            (&mut allowed, &mut maybe_allow)
        };
        match hit.cond {
            Cond::Fails => {}
            Cond::Holds if first.is_none() => *first = Some(statement),
            Cond::Unknown(keys) if maybe.is_none() => *maybe = Some((statement, keys)),
            _ => {}
        }
    }
    match (denied, maybe_deny, allowed, maybe_allow) {
        (Some(statement), ..) => PolicyDecision::Denied(statement),
        (None, Some((statement, keys)), ..) => PolicyDecision::Conditional {
            statement,
            keys,
            deny: true,
        },
        (None, None, Some(statement), _) => PolicyDecision::Allowed(statement),
        (None, None, None, Some((statement, keys))) => PolicyDecision::Conditional {
            statement,
            keys,
            deny: false,
        },
        (None, None, None, None) => PolicyDecision::NotAllowed,
    }
}

/// The statement that delegates key access to the IAM policies of `account`: an Allow whose
/// `Principal` has an AWS entry "arn:PARTITION:iam::ACCOUNT:root" or the bare "ACCOUNT", whose
/// `Action` covers `action` ("kms:*", "*" and a `NotAction` not listing it count), whose `Resource`
/// is absent, "*" or a KMS ARN pattern (a key policy can only refer to its own key), with no
/// `NotPrincipal`, no `NotResource` and no (or an empty) `Condition`. A conditioned delegation
/// gives None: whether it applies depends on the request, so use [`evaluate`] with a context. A
/// `"*"` principal is public access, not delegation. None if there is no such statement.
pub fn delegates_to_account(document: &Value, account: &str, action: &str) -> Option<Statement> {
    if account.is_empty() {
        return None;
    }
    statement_objects(document)
        .into_iter()
        .find_map(|(statement, obj)| {
            if effect(obj)? || obj.contains_key("NotPrincipal") || obj.contains_key("NotResource") {
                return None;
            }
            let principals = obj.get("Principal")?.as_object()?;
            let aws = principals
                .iter()
                .filter(|(kind, _)| kind.eq_ignore_ascii_case("AWS"));
            let mut entries = aws.filter_map(|(_, entries)| scalars(entries)).flatten();
            let names_account = entries.any(|entry| account_entry(&entry) == Some(account));
            let covers_action = listed(obj, "Action", action, true, false)?;
            let covers_key = match obj.get("Resource") {
                None => true,
                Some(resources) => scalars(resources)?
                    .iter()
                    .any(|r| r == "*" || r.contains(":kms:")),
            };
            let unconditioned = obj
                .get("Condition")
                .is_none_or(|c| c.as_object().is_some_and(|m| m.is_empty()));
            (names_account && covers_action && covers_key && unconditioned).then_some(statement)
        })
}

/// The statements of the document whose `Effect` is exactly "Allow" or "Deny", for listing in
/// messages: (Statement, effect "Allow"/"Deny"). Non-object statements are left out, but they
/// still count for `index`.
pub fn statements(document: &Value) -> Vec<(Statement, String)> {
    statement_objects(document)
        .into_iter()
        .filter_map(|(statement, obj)| {
            let name = if effect(obj)? { "Deny" } else { "Allow" };
            Some((statement, name.to_string()))
        })
        .collect()
}

/// The result of a `Condition` block. `Unknown` names the undecidable keys, as spelled in the
/// document.
enum Cond {
    Holds,
    Fails,
    Unknown(Vec<String>),
}

impl Cond {
    /// Logical AND: a definite failure wins over unknowns, and unknown keys accumulate.
    fn and(self, other: Cond) -> Cond {
        match (self, other) {
            (Cond::Fails, _) | (_, Cond::Fails) => Cond::Fails,
            (Cond::Unknown(mut keys), Cond::Unknown(mut more)) => {
                more.retain(|k| !keys.contains(k));
                keys.append(&mut more);
                Cond::Unknown(keys)
            }
            (Cond::Unknown(keys), Cond::Holds) | (Cond::Holds, Cond::Unknown(keys)) => {
                Cond::Unknown(keys)
            }
            (Cond::Holds, Cond::Holds) => Cond::Holds,
        }
    }
}

/// A statement whose principal, action and resource match the request.
struct Hit {
    deny: bool,
    cond: Cond,
}

/// The statements that are JSON objects, with their position in the `Statement` array.
fn statement_objects(document: &Value) -> Vec<(Statement, &Obj)> {
    let Some(body) = document.as_object().and_then(|d| d.get("Statement")) else {
        return Vec::new();
    };
    let items: Vec<&Value> = match body {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![body],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let Some(obj) = item.as_object() else {
            continue;
        };
        let sid = obj
            .get("Sid")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        out.push((
            Statement {
                index,
                sid: sid.map(str::to_string),
            },
            obj,
        ));
    }
    out
}

/// `Some(true)` for Deny, `Some(false)` for Allow, None for anything else.
fn effect(obj: &Obj) -> Option<bool> {
    match obj.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Some(false),
        Some("Deny") => Some(true),
        _ => None,
    }
}

/// None when the statement does not apply to the request at all (or is malformed).
fn statement_hit(obj: &Obj, request: &Request<'_>) -> Option<Hit> {
    let deny = effect(obj)?;
    let principal_ok = match (obj.get("Principal"), obj.get("NotPrincipal")) {
        (Some(spec), _) => principal_matches(spec, &request.principal)?,
        (None, Some(spec)) => !principal_matches(spec, &request.principal)?,
        (None, None) => true,
    };
    let action_ok = listed(obj, "Action", request.action, true, false)?;
    let resource_ok = listed(obj, "Resource", request.resource, false, true)?;
    (principal_ok && action_ok && resource_ok).then(|| Hit {
        deny,
        cond: conditions(obj.get("Condition"), request.context),
    })
}

/// Whether `text` is covered by `element` (e.g. "Action") or not excluded by `Not{element}`;
/// `absent` when neither is present. None when the value is malformed.
fn listed(obj: &Obj, element: &str, text: &str, fold: bool, absent: bool) -> Option<bool> {
    match (obj.get(element), obj.get(&format!("Not{element}"))) {
        (Some(patterns), _) => any_glob(patterns, text, fold),
        (None, Some(patterns)) => any_glob(patterns, text, fold).map(|hit| !hit),
        (None, None) => Some(absent),
    }
}

/// Whether a `Principal`/`NotPrincipal` value names `who`. Returns None when it is malformed.
fn principal_matches(spec: &Value, who: &Principal<'_>) -> Option<bool> {
    match spec {
        Value::String(s) => Some(s == "*"),
        Value::Object(map) => {
            let mut hit = false;
            for (kind, entries) in map {
                let entries = scalars(entries)?;
                hit |= match who {
                    Principal::Aws { arn, account } if kind.eq_ignore_ascii_case("AWS") => {
                        entries.iter().any(|e| aws_entry_matches(e, arn, account))
                    }
                    Principal::Service(name) if kind.eq_ignore_ascii_case("Service") => {
                        entries.iter().any(|e| e.eq_ignore_ascii_case(name))
                    }
                    _ => false,
                };
            }
            Some(hit)
        }
        _ => None,
    }
}

fn aws_entry_matches(entry: &str, arn: &str, account: &str) -> bool {
    entry == "*"
        || entry.eq_ignore_ascii_case(arn)
        || (!account.is_empty() && account_entry(entry) == Some(account))
}

/// The account of an account principal: a bare 12-digit id or "arn:PARTITION:iam::ACCOUNT:root".
fn account_entry(entry: &str) -> Option<&str> {
    if entry.len() == 12 && entry.bytes().all(|b| b.is_ascii_digit()) {
        return Some(entry);
    }
    let parts: Vec<&str> = entry.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", account, "root"] if !account.is_empty() => Some(*account),
        _ => None,
    }
}

/// A string, number or bool gives one value; an array gives its scalar elements (other elements
/// are ignored). Anything else is malformed (None).
fn scalars(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Array(items) => Some(items.iter().filter_map(scalar).collect()),
        other => scalar(other).map(|s| vec![s]),
    }
}

fn scalar(value: &Value) -> Option<String> {
    Some(match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    })
}

/// Whether any pattern in `patterns` matches `text`. Returns None when `patterns` is malformed.
fn any_glob(patterns: &Value, text: &str, ignore_case: bool) -> Option<bool> {
    Some(
        scalars(patterns)?
            .iter()
            .any(|p| glob(p, text, ignore_case)),
    )
}

/// Matches `*` (any run, including an empty one) and `?` (exactly one character) anywhere in the
/// pattern. It backtracks iteratively with no recursion, in linear space.
fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let same = |a: char, b: char| a == b || (ignore_case && a.to_lowercase().eq(b.to_lowercase()));
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&tc) = t.get(ti) {
        match p.get(pi) {
            Some('*') => (star, pi) = (Some((pi, ti)), pi + 1),
            Some(&pc) if pc == '?' || same(pc, tc) => (pi, ti) = (pi + 1, ti + 1),
            _ => match star {
                // Backtrack: let the last `*` swallow one more character.
                Some((sp, st)) => (star, pi, ti) = (Some((sp, st + 1)), sp + 1, st + 1),
                None => return false,
            },
        }
    }
    p.iter().skip(pi).all(|&c| c == '*')
}

fn lookup<'c>(context: &'c BTreeMap<String, String>, key: &str) -> Option<&'c str> {
    context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

fn conditions(condition: Option<&Value>, context: &BTreeMap<String, String>) -> Cond {
    let Some(condition) = condition else {
        return Cond::Holds;
    };
    let Some(operators) = condition.as_object() else {
        return Cond::Unknown(vec!["Condition".to_string()]);
    };
    operators.iter().fold(Cond::Holds, |acc, (name, block)| {
        acc.and(operator(name, block, context))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    Str,
    StrIgnoreCase,
    StrLike,
    Arn,
    Bool,
    Null,
    Numeric,
}

#[derive(Debug, Clone, Copy)]
struct Operator {
    test: Test,
    negated: bool,
    if_exists: bool,
    for_all: bool,
}

fn parse_operator(name: &str) -> Option<Operator> {
    let lower = name.to_ascii_lowercase();
    let (for_all, rest) = match lower.strip_prefix("forallvalues:") {
        Some(rest) => (true, rest),
        None => (false, lower.strip_prefix("foranyvalue:").unwrap_or(&lower)),
    };
    let (if_exists, base) = match rest.strip_suffix("ifexists") {
        Some(base) => (true, base),
        None => (false, rest),
    };
    let (test, negated) = match base {
        "stringequals" => (Test::Str, false),
        "stringnotequals" => (Test::Str, true),
        "stringequalsignorecase" => (Test::StrIgnoreCase, false),
        "stringnotequalsignorecase" => (Test::StrIgnoreCase, true),
        "stringlike" => (Test::StrLike, false),
        "stringnotlike" => (Test::StrLike, true),
        "arnequals" | "arnlike" => (Test::Arn, false),
        "arnnotequals" | "arnnotlike" => (Test::Arn, true),
        "bool" => (Test::Bool, false),
        "null" => (Test::Null, false),
        "numericequals" => (Test::Numeric, false),
        "numericnotequals" => (Test::Numeric, true),
        _ => return None,
    };
    Some(Operator {
        test,
        negated,
        if_exists,
        for_all,
    })
}

fn operator(name: &str, block: &Value, context: &BTreeMap<String, String>) -> Cond {
    let Some(block) = block.as_object() else {
        return Cond::Unknown(vec![name.to_string()]);
    };
    let Some(op) = parse_operator(name) else {
        let keys: Vec<String> = block.keys().cloned().collect();
        return Cond::Unknown(if keys.is_empty() {
            vec![name.to_string()]
        } else {
            keys
        });
    };
    block.iter().fold(Cond::Holds, |acc, (key, values)| {
        acc.and(condition_key(op, key, values, context))
    })
}

fn condition_key(op: Operator, key: &str, values: &Value, ctx: &BTreeMap<String, String>) -> Cond {
    let unknown = || Cond::Unknown(vec![key.to_string()]);
    let Some(values) = scalars(values) else {
        return unknown();
    };
    if values.iter().any(|v| v.contains("${")) {
        return unknown(); // policy variables are not substituted
    }
    let actual = lookup(ctx, key);
    if op.test == Test::Null {
        let holds = values.iter().any(|v| {
            (v.eq_ignore_ascii_case("true") && actual.is_none())
                || (v.eq_ignore_ascii_case("false") && actual.is_some())
        });
        return if holds { Cond::Holds } else { Cond::Fails };
    }
    let Some(actual) = actual else {
        return if op.if_exists || op.for_all || op.negated {
            Cond::Holds
        } else {
            unknown()
        };
    };
    let any = values.iter().any(|v| test_value(op.test, v, actual));
    if any != op.negated {
        Cond::Holds
    } else {
        Cond::Fails
    }
}

fn test_value(test: Test, pattern: &str, actual: &str) -> bool {
    match test {
        Test::Str => pattern == actual,
        Test::StrIgnoreCase => pattern.to_lowercase() == actual.to_lowercase(),
        Test::StrLike => glob(pattern, actual, false),
        Test::Arn => arn_like(pattern, actual),
        Test::Bool => pattern.eq_ignore_ascii_case(actual),
        Test::Numeric => numeric_eq(pattern, actual),
        Test::Null => false,
    }
}

/// ArnEquals/ArnLike: each of the six colon-separated components is matched separately, with
/// wildcards. Values that are not ARNs are matched as whole strings.
fn arn_like(pattern: &str, actual: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = actual.splitn(6, ':').collect();
    if p.len() == 6 && a.len() == 6 {
        p.iter().zip(&a).all(|(p, a)| glob(p, a, false))
    } else {
        glob(pattern, actual, false)
    }
}

fn numeric_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if let (Ok(x), Ok(y)) = (a.parse::<i128>(), b.parse::<i128>()) {
        return x == y;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y) == Some(Ordering::Equal),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ACCT: &str = "123456789012";
    const ROLE: &str = "arn:aws:iam::123456789012:role/app/task-role";
    const OTHER: &str = "arn:aws:iam::123456789012:role/other";
    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd";

    fn run(
        doc: &Value,
        who: Principal<'_>,
        action: &str,
        resource: &str,
        ctx: &[(&str, &str)],
    ) -> PolicyDecision {
        let context: BTreeMap<String, String> = ctx
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        evaluate(
            doc,
            &Request {
                principal: who,
                action,
                resource,
                context: &context,
            },
        )
    }

    fn expect(
        name: &str,
        doc: &Value,
        who: &Principal<'_>,
        action: &str,
        resource: &str,
        ctx: &[(&str, &str)],
        want: &str,
    ) {
        let got = run(doc, who.clone(), action, resource, ctx);
        assert_eq!(kind(&got), want, "{name}: {got:?}");
    }

    fn kind(d: &PolicyDecision) -> &'static str {
        match d {
            PolicyDecision::Allowed(_) => "allow",
            PolicyDecision::Denied(_) => "deny",
            PolicyDecision::Conditional { deny: true, .. } => "maybe-deny",
            PolicyDecision::Conditional { .. } => "maybe-allow",
            PolicyDecision::NotAllowed => "none",
        }
    }

    fn trust() -> Value {
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}})
    }

    fn conditioned_trust() -> Value {
        json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": ["ecs-tasks.amazonaws.com"]},
            "Action": "sts:AssumeRole", "Condition": {
                "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"},
                "StringEquals": {"aws:SourceAccount": "123456789012"}}}]})
    }

    fn default_key_policy() -> Value {
        json!({"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{
            "Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]})
    }

    fn allow(extra: Value) -> Value {
        let mut s = json!({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"});
        if let (Some(s), Some(extra)) = (s.as_object_mut(), extra.as_object()) {
            s.extend(extra.clone());
        }
        json!({"Statement": [s]})
    }

    #[test]
    fn decisions() {
        let ecs = Principal::Service("ecs-tasks.amazonaws.com");
        let role = Principal::Aws {
            arn: ROLE,
            account: ACCT,
        };
        let other = Principal::Aws {
            arn: OTHER,
            account: ACCT,
        };
        let foreign = Principal::Aws {
            arn: "arn:aws:iam::111122223333:role/x",
            account: "111122223333",
        };
        let arn_ctx = [(
            "aws:SourceArn",
            "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
        )];
        let good = [arn_ctx[0], ("aws:SourceAccount", ACCT)];
        let wrong_acct = [arn_ctx[0], ("aws:SourceAccount", "999999999999")];
        let ec2 = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let both = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"]}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]});
        let role_key = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": [ROLE]}, "Action": ["kms:Decrypt"], "Resource": KEY}]});
        let not_principal = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "OnlyTaskRole", "Effect": "Deny", "NotPrincipal": {"AWS": [ROLE]}, "Action": "kms:Decrypt", "Resource": "*"}]});
        let deny_wins = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Deny", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"}]});
        let gen_ = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Gen*", "Resource": "*"}]});
        let not_action = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ROLE}, "NotAction": ["iam:*", "kms:Schedule?eyDeletion"]}]});
        let org_deny = json!({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}}]});
        let via = allow(
            json!({"Condition": {"StringEqualsIfExists": {"kms:ViaService": "ecs.us-east-1.amazonaws.com"}}}),
        );
        let bare = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:Decrypt", "Resource": "*"}]});
        let endpoint = json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "999999999999"}}}]});
        let unsupported = allow(
            json!({"Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}),
        );
        let mut maybe_deny = deny_wins.clone();
        maybe_deny["Statement"][1]["Condition"] =
            json!({"StringEquals": {"aws:RequestTag/env": "prod"}});
        let secure = allow(json!({"Condition": {"Bool": {"aws:SecureTransport": true}}}));
        let null_deny = json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Condition": {"Null": {"aws:SourceArn": "true"}}}]});
        let numeric = allow(json!({"Condition": {"NumericEquals": {"aws:MultiFactorAuthAge": 0}}}));
        let variable = allow(
            json!({"Condition": {"StringEquals": {"aws:username": "${aws:PrincipalTag/x}"}}}),
        );
        let for_all =
            allow(json!({"Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}}));
        expect(
            "ecs trust",
            &trust(),
            &ecs,
            "sts:AssumeRole",
            "*",
            &[],
            "allow",
        );
        expect(
            "ecs trust, any case",
            &trust(),
            &Principal::Service("ECS-Tasks.amazonaws.com"),
            "STS:assumerole",
            "*",
            &[],
            "allow",
        );
        expect(
            "ecs trust, other action",
            &trust(),
            &ecs,
            "sts:TagSession",
            "*",
            &[],
            "none",
        );
        expect(
            "ecs trust, aws principal",
            &trust(),
            &role,
            "sts:AssumeRole",
            "*",
            &[],
            "none",
        );
        expect("ec2 only", &ec2, &ecs, "sts:AssumeRole", "*", &[], "none");
        expect(
            "service array",
            &both,
            &ecs,
            "sts:AssumeRole",
            "*",
            &[],
            "allow",
        );
        expect(
            "conditions hold",
            &conditioned_trust(),
            &ecs,
            "sts:AssumeRole",
            "*",
            &good,
            "allow",
        );
        expect(
            "wrong account",
            &conditioned_trust(),
            &ecs,
            "sts:AssumeRole",
            "*",
            &wrong_acct,
            "none",
        );
        expect(
            "missing source arn",
            &conditioned_trust(),
            &ecs,
            "sts:AssumeRole",
            "*",
            &[("aws:SourceAccount", ACCT)],
            "maybe-allow",
        );
        expect(
            "wrong account, missing arn",
            &conditioned_trust(),
            &ecs,
            "sts:AssumeRole",
            "*",
            &[("aws:SourceAccount", "1")],
            "none",
        );
        expect(
            "wrong region",
            &conditioned_trust(),
            &ecs,
            "sts:AssumeRole",
            "*",
            &[
                (
                    "aws:SourceArn",
                    "arn:aws:ecs:eu-west-1:123456789012:cluster/p",
                ),
                ("aws:SourceAccount", ACCT),
            ],
            "none",
        );
        expect(
            "context keys any case",
            &conditioned_trust(),
            &ecs,
            "sts:AssumeRole",
            "*",
            &[("AWS:SOURCEARN", good[0].1), ("aws:sourceaccount", ACCT)],
            "allow",
        );
        expect(
            "default key policy",
            &default_key_policy(),
            &foreign,
            "kms:Decrypt",
            KEY,
            &[],
            "allow",
        );
        expect(
            "default key policy, other account",
            &default_key_policy(),
            &role,
            "kms:Decrypt",
            KEY,
            &[],
            "none",
        );
        expect(
            "role key policy",
            &role_key,
            &role,
            "kms:Decrypt",
            KEY,
            &[],
            "allow",
        );
        expect(
            "role key policy, other role",
            &role_key,
            &other,
            "kms:Decrypt",
            KEY,
            &[],
            "none",
        );
        expect(
            "role key policy, other action",
            &role_key,
            &role,
            "kms:Encrypt",
            KEY,
            &[],
            "none",
        );
        expect(
            "role key policy, other key",
            &role_key,
            &role,
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:123456789012:key/other",
            &[],
            "none",
        );
        expect(
            "not principal, excluded",
            &not_principal,
            &role,
            "kms:Decrypt",
            KEY,
            &[],
            "allow",
        );
        expect(
            "not principal, others",
            &not_principal,
            &other,
            "kms:Decrypt",
            KEY,
            &[],
            "deny",
        );
        expect(
            "deny wins",
            &deny_wins,
            &role,
            "kms:Decrypt",
            "*",
            &[],
            "deny",
        );
        expect(
            "deny wins, other action",
            &deny_wins,
            &role,
            "kms:Encrypt",
            "*",
            &[],
            "allow",
        );
        expect(
            "kms:Gen*",
            &gen_,
            &role,
            "kms:GenerateDataKey",
            "*",
            &[],
            "allow",
        );
        expect(
            "kms:Gen* no plaintext",
            &gen_,
            &role,
            "kms:GenerateDataKeyWithoutPlaintext",
            "*",
            &[],
            "allow",
        );
        expect(
            "kms:Gen* decrypt",
            &gen_,
            &role,
            "kms:Decrypt",
            "*",
            &[],
            "none",
        );
        expect(
            "not action, unlisted",
            &not_action,
            &role,
            "kms:Decrypt",
            "*",
            &[],
            "allow",
        );
        expect(
            "not action, listed",
            &not_action,
            &role,
            "iam:PassRole",
            "*",
            &[],
            "none",
        );
        expect(
            "not action, ? wildcard",
            &not_action,
            &role,
            "kms:ScheduleKeyDeletion",
            "*",
            &[],
            "none",
        );
        expect(
            "StringNotEquals, missing key",
            &org_deny,
            &role,
            "s3:GetObject",
            "*",
            &[],
            "deny",
        );
        expect(
            "StringNotEquals, equal",
            &org_deny,
            &role,
            "s3:GetObject",
            "*",
            &[("aws:PrincipalOrgID", "o-abc")],
            "allow",
        );
        expect(
            "IfExists, missing",
            &via,
            &role,
            "kms:Decrypt",
            "*",
            &[],
            "allow",
        );
        expect(
            "IfExists, match",
            &via,
            &role,
            "kms:Decrypt",
            "*",
            &[("kms:ViaService", "ecs.us-east-1.amazonaws.com")],
            "allow",
        );
        expect(
            "IfExists, mismatch",
            &via,
            &role,
            "kms:Decrypt",
            "*",
            &[("kms:ViaService", "s3.us-east-1.amazonaws.com")],
            "none",
        );
        expect(
            "bare account",
            &bare,
            &foreign,
            "kms:Decrypt",
            "*",
            &[],
            "allow",
        );
        expect(
            "bare account, other",
            &bare,
            &role,
            "kms:Decrypt",
            "*",
            &[],
            "none",
        );
        expect(
            "endpoint, other account",
            &endpoint,
            &role,
            "s3:GetObject",
            "*",
            &[("aws:PrincipalAccount", ACCT)],
            "deny",
        );
        expect(
            "endpoint, own account",
            &endpoint,
            &role,
            "s3:GetObject",
            "*",
            &[("aws:PrincipalAccount", "999999999999")],
            "none",
        );
        expect(
            "unsupported operator",
            &unsupported,
            &role,
            "s3:GetObject",
            "*",
            &[("aws:CurrentTime", "x")],
            "maybe-allow",
        );
        expect(
            "conditional deny beats allow",
            &maybe_deny,
            &role,
            "kms:Decrypt",
            "*",
            &[],
            "maybe-deny",
        );
        expect(
            "Bool true",
            &secure,
            &role,
            "s3:GetObject",
            "*",
            &[("aws:SecureTransport", "TRUE")],
            "allow",
        );
        expect(
            "Bool false",
            &secure,
            &role,
            "s3:GetObject",
            "*",
            &[("aws:SecureTransport", "false")],
            "none",
        );
        expect(
            "Null true, missing",
            &null_deny,
            &ecs,
            "sts:AssumeRole",
            "*",
            &[],
            "deny",
        );
        expect(
            "Null true, present",
            &null_deny,
            &ecs,
            "sts:AssumeRole",
            "*",
            &arn_ctx,
            "none",
        );
        expect(
            "NumericEquals",
            &numeric,
            &role,
            "s3:GetObject",
            "*",
            &[("aws:MultiFactorAuthAge", "0")],
            "allow",
        );
        expect(
            "NumericEquals, differs",
            &numeric,
            &role,
            "s3:GetObject",
            "*",
            &[("aws:MultiFactorAuthAge", "30")],
            "none",
        );
        expect(
            "policy variable",
            &variable,
            &role,
            "s3:GetObject",
            "*",
            &[("aws:username", "bob")],
            "maybe-allow",
        );
        expect(
            "ForAllValues, missing",
            &for_all,
            &role,
            "s3:GetObject",
            "*",
            &[],
            "allow",
        );
        expect(
            "ForAllValues, present",
            &for_all,
            &role,
            "s3:GetObject",
            "*",
            &[("aws:TagKeys", "c")],
            "none",
        );
    }

    #[test]
    fn conditional_names_missing_keys_and_statement() {
        let ecs = || Principal::Service("ecs-tasks.amazonaws.com");
        let want = |keys: &[&str]| PolicyDecision::Conditional {
            statement: Statement {
                index: 0,
                sid: None,
            },
            keys: keys.iter().map(|k| k.to_string()).collect(),
            deny: false,
        };
        let got = run(&conditioned_trust(), ecs(), "sts:AssumeRole", "*", &[]);
        assert_eq!(got, want(&["aws:SourceArn", "aws:SourceAccount"]));
        let got = run(
            &conditioned_trust(),
            ecs(),
            "sts:AssumeRole",
            "*",
            &[("aws:SourceAccount", ACCT)],
        );
        assert_eq!(got, want(&["aws:SourceArn"]));
    }

    #[test]
    fn delegation() {
        let decrypt = delegates_to_account(&default_key_policy(), "111122223333", "kms:Decrypt");
        assert_eq!(
            decrypt,
            Some(Statement {
                index: 0,
                sid: Some("Enable IAM User Permissions".into())
            })
        );
        assert!(
            delegates_to_account(&default_key_policy(), "111122223333", "kms:GenerateDataKey")
                .is_some()
        );
        assert_eq!(
            delegates_to_account(&default_key_policy(), ACCT, "kms:Decrypt"),
            None
        );
        assert_eq!(
            delegates_to_account(&default_key_policy(), "", "kms:Decrypt"),
            None
        );
        let role_key = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"}]});
        assert_eq!(delegates_to_account(&role_key, ACCT, "kms:Decrypt"), None);
        let bare = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["111122223333"]}, "Action": "*", "Resource": "*"}]});
        assert_eq!(
            delegates_to_account(&bare, "111122223333", "kms:Decrypt").map(|s| s.index),
            Some(0)
        );
        let public = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]});
        assert_eq!(delegates_to_account(&public, ACCT, "kms:Decrypt"), None);
        let mut conditioned = default_key_policy();
        conditioned["Statement"][0]["Condition"] =
            json!({"StringEquals": {"kms:CallerAccount": "111122223333"}});
        assert_eq!(
            delegates_to_account(&conditioned, "111122223333", "kms:Decrypt"),
            None
        );
        let narrow = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws-cn:iam::111122223333:root"}, "Action": "kms:Encrypt", "Resource": KEY}]});
        assert_eq!(
            delegates_to_account(&narrow, "111122223333", "kms:Decrypt"),
            None
        );
        assert!(delegates_to_account(&narrow, "111122223333", "kms:Encrypt").is_some());
    }

    #[test]
    fn statements_and_describe() {
        let doc = json!({"Statement": [{"Sid": "A", "Effect": "Allow", "Action": "*"}, 3, {"Sid": "", "Effect": "Deny", "Action": "*"}, {"Effect": "Audit"}]});
        let listed = statements(&doc);
        let names: Vec<(String, &str)> = listed
            .iter()
            .map(|(s, e)| (s.describe(), e.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("statement `A`".to_string(), "Allow"),
                ("statement #3".to_string(), "Deny")
            ]
        );
        assert_eq!(statements(&trust()).len(), 1);
    }

    #[test]
    fn malformed_documents_are_not_allowed() {
        let docs = [
            Value::Null,
            json!(5),
            json!("policy"),
            json!({"Statement": "x"}),
            json!({"Version": "2012-10-17"}),
            json!({"Statement": [1, "x", null, {"Effect": "Maybe", "Action": "*"}]}),
            json!({"Statement": [{"Effect": "Allow"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": {"a": 1}}]}),
            json!({"Statement": [{"Effect": "Allow", "Principal": 7, "Action": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": {"x": 1}}, "Action": "*"}]}),
        ];
        for doc in &docs {
            let got = run(
                doc,
                Principal::Aws {
                    arn: ROLE,
                    account: ACCT,
                },
                "kms:Decrypt",
                "*",
                &[],
            );
            assert_eq!(got, PolicyDecision::NotAllowed, "{doc}");
            assert_eq!(delegates_to_account(doc, ACCT, "kms:Decrypt"), None);
        }
        let odd = allow(json!({"Condition": "yes"}));
        let got = run(&odd, Principal::Service("x"), "a:b", "*", &[]);
        assert_eq!(kind(&got), "maybe-allow");
    }

    #[test]
    fn glob_matching() {
        let cases = [
            ("*", "", true),
            ("*", "anything", true),
            ("kms:*", "kms:Decrypt", true),
            ("kms:Gen*", "kms:Decrypt", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*a*b", "xaxxb", true),
            ("*a*b", "xaxxbc", false),
            ("", "", true),
            ("", "a", false),
            ("ab", "a", false),
            ("a**", "a", true),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(glob(pattern, text, false), want, "{pattern} ~ {text}");
        }
        assert!(glob("KMS:decrypt", "kms:Decrypt", true));
        assert!(!glob("KMS:decrypt", "kms:Decrypt", false));
        assert!(arn_like(
            "arn:aws:ecs:*:123456789012:cluster/*",
            "arn:aws:ecs:us-east-1:123456789012:cluster/prod"
        ));
        assert!(!arn_like(
            "arn:aws:ecs:*:123456789012:cluster/*",
            "arn:aws:ecs:us-east-1:999999999999:cluster/prod"
        ));
    }
}
