#!/usr/bin/env python3
"""Benchmark (not a test): how `explain` does on the held-out real pastes of
fixtures/explain-eval/ (see its README).

    cargo build && python3 tests/bench/explain_eval.py [BINARY] [PASTES.json [SPLIT]]

PASTES.json defaults to fixtures/explain-eval/pastes.json (the first round). The later rounds
(round2.json, round3.json, round4.json) have a `split` per paste: pass `build`, `held-out` or
`seen` as SPLIT to evaluate one part.
"""
import json, subprocess, sys, os
B=sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.environ.get('CARGO_TARGET_DIR', 'target'), 'debug', 'ecs-exec-doctor')
ACCEPT={
 'task-role-missing-ssmmessages':{'E01','E26'},'readonly-root-fs':{'E01','E27','E02'},
 'exec-not-enabled':{'E02'},'plugin-missing':{'E09','E10','E45'},'service-side':{'E07','E01'},
 'caller-permissions':{'E03','E31'},'no-task-role':{'E33','E01'},'code-deploy':{'E37'},
 'plugin-old':{'E17','E15','E14','E11','E22'},'kms-permissions':{'E14','E16'},'kms-key-policy':{'E14','E16'},
 'logging-config':{'E19','E20'},'cloudwatch-logging':{'E19'},'s3-logging':{'E20'},'windows':{'E24'},
 'agent-not-running':{'E02','E27','E01','E21'},'cli-old':{'E13','E17'},'proxy':{'E01','E26','E15','E30','E38'},
 'scp-or-boundary':{'E03','E26','E01'},'network-no-path':{'E01','E26'},'vpc-endpoint':{'E01','E26'},
 'task-started-before-enable':{'E02'},'multiple-containers':set(),
 'third-party-client':{'E16'},'iac-tool-bug':{'E40'},'ci-non-interactive':{'E06','E22'},
 'wrong-session-document':{'E41'},'checker-false-positive':{'E35','E31'},
 # Tags of the third round, mapped before it was run.
 'plugin-wrong-arch':{'E11'},'idle-timeout':{'E28'},'exit-code-not-propagated':{'E29'},
 'interactive-only':{'E06'},'task-env-credentials':{'E01','E26'},'runas-user-missing':{'E42'},
 'ecs-agent-version':{'E01','E02','E27'},'pidmode-task':{'E01','E02','E27'},'ssm-agent-bug':set(),
 'disk-full':{'E21'},'container-missing-script':{'E23','E25'},'wrong-arguments':{'E05'},
 'plugin-bad-build':{'E17','E15','E14','E11','E22'},
 # Tags of the fourth round, mapped before it was run.
 'agent-old':{'E01','E27','E48'},'credential-process':{'E14','E18'},'port-forward-params':{'E47'},
 'local-port-in-use':{'E47'},'advanced-instances-tier':{'E46'},'instance-profile-missing-ssm':{'E01','E26'},
 'image-arch-mismatch':set(),'container-not-running':set(),
}
ROOT=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
pastes=json.load(open(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT,'fixtures/explain-eval/pastes.json')))
if isinstance(pastes, dict):
    pastes=[p for p in pastes['pastes'] if len(sys.argv) < 4 or p.get('split')==sys.argv[3]]
rows=[]
for p in pastes:
    out=subprocess.run([B,'explain','-','--format','json'],input=p['paste'],capture_output=True,text=True)
    try: j=json.loads(out.stdout)
    except Exception: print('BAD',p['id'],out.stdout[:200],out.stderr[:200]); continue
    ids=[m['id'] for m in j.get('matches',[])]
    if not ids: ids=[c['id'] for c in j.get('closest',[])]
    answered = out.returncode==0
    tags=[t for t in p['cause_tags'] if t!='unknown']
    acc=set().union(*[ACCEPT.get(t,set()) for t in tags]) if tags else None
    rows.append((p['id'],p['about_exec'],answered,ids[:3],acc,bool(j.get('matches'))))
about=[r for r in rows if r[1]]
neg=[r for r in rows if not r[1]]
known=[r for r in about if r[4] is not None]
print('about_exec pastes',len(about),'answered',sum(r[2] for r in about),'exact signature',sum(r[5] for r in about))
print('negatives',len(neg),'unrecognised (exit 1)',sum(not r[2] for r in neg),'with a signature claimed',sum(r[5] for r in neg))
print('known cause',len(known),'first',sum(bool(r[3]) and r[3][0] in r[4] for r in known),'top3',sum(any(i in r[4] for i in r[3]) for r in known))
for r in rows:
    ok = '' if r[4] is None else ('TOP1' if r[3] and r[3][0] in r[4] else ('top3' if any(i in r[4] for i in r[3]) else 'MISS'))
    print(f"{r[0]:40} about={r[1]!s:5} answered={r[2]!s:5} exact={r[5]!s:5} {r[3]} {ok}")
