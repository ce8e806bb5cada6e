#!/usr/bin/env python3
"""Installs the emulator the end-to-end tests need (requirements.txt beside this file) into
`$CARGO_TARGET_DIR/emulator-python` (default `target/emulator-python`), where the tests find
it. Never touches the system Python, so it works where `pip install` is refused because the
Python is externally managed (PEP 668: Debian, Ubuntu, Homebrew). When this Python has no pip
at all, it runs pip from its wheel on PyPI. Idempotent: a second run with the same
requirements and Python returns at once.

    python3 tests/emulator/install.py [--force]
"""

import hashlib
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REQUIREMENTS = HERE / "requirements.txt"
MODULES = "import moto, flask, flask_cors, werkzeug, websockets"
PYPI = os.environ.get("ECS_EXEC_DOCTOR_PYPI", "https://pypi.org")


def fail(message):
    print(f"install.py: {message}", file=sys.stderr)
    sys.exit(1)


def target_dir():
    target = os.environ.get("CARGO_TARGET_DIR") or str(ROOT / "target")
    return Path(target).resolve() / "emulator-python"


def fingerprint():
    """What the installed tree depends on: the requirements and this Python's version."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def importable(directory):
    env = {**os.environ, "PYTHONPATH": str(directory)}
    return subprocess.run([sys.executable, "-c", MODULES], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def pip_command(workdir):
    """`python -m pip` when this Python has pip, else pip run from its wheel."""
    has_pip = subprocess.run([sys.executable, "-m", "pip", "--version"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    if has_pip:
        return [sys.executable, "-m", "pip"]
    wheel = workdir / "pip.whl"
    if not wheel.exists():
        print("install.py: this Python has no pip; fetching pip's wheel from PyPI", file=sys.stderr)
        try:
            index = f"{PYPI}/pypi/pip/json"
            with urllib.request.urlopen(index, timeout=60) as answer:
                release = json.load(answer)
            wheel_info = next(u for u in release["urls"] if u["filename"].endswith("-py3-none-any.whl"))
            # Mirrors may answer with URLs relative to the index.
            url = urllib.parse.urljoin(index, wheel_info["url"])
            expected = wheel_info.get("digests", {}).get("sha256")
            with urllib.request.urlopen(url, timeout=120) as answer:
                data = answer.read()
            if expected and hashlib.sha256(data).hexdigest() != expected:
                raise ValueError(f"{url} does not match its sha256 digest")
        except (OSError, StopIteration, KeyError, ValueError) as e:
            fail(f"no pip, and its wheel could not be fetched from {PYPI} ({e}); install pip "
                 "(Debian/Ubuntu: apt install python3-pip) and run this again")
        wheel.write_bytes(data)
    # A wheel is a zip archive Python can run from: python pip.whl/pip install ...
    return [sys.executable, str(wheel / "pip")]


def main():
    force = "--force" in sys.argv[1:]
    if sys.version_info < (3, 9):
        fail(f"moto needs Python 3.9 or newer; this is {sys.version.split()[0]}")
    directory = target_dir()
    stamp = directory / ".installed"
    if not force and stamp.exists() and stamp.read_text().strip() == fingerprint() and importable(directory):
        print(f"install.py: the emulator is already installed in {directory}")
        return
    directory.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)
    # --target bypasses the externally-managed check by design (PEP 668), and keeps the
    # system and user site-packages untouched.
    command = pip_command(directory.parent) + [
        "install", "--quiet", "--disable-pip-version-check", "--no-warn-script-location",
        "--upgrade", "--target", str(directory), "-r", str(REQUIREMENTS)]
    print(f"install.py: installing the emulator ({', '.join(requirements())}) into {directory}"
          " (about 15 s)")
    # pip's output only on failure: its resolver also warns about unrelated packages of the
    # system Python, which the tests never import ahead of this directory.
    env = {**os.environ, "PIP_ROOT_USER_ACTION": "ignore"}
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:])
        fail("pip could not install the emulator's requirements (its output is above)")
    if not importable(directory):
        fail(f"installed, but `{MODULES}` still fails with PYTHONPATH={directory}")
    stamp.write_text(fingerprint() + "\n")
    print("install.py: done")


def requirements():
    return [line.strip() for line in REQUIREMENTS.read_text().splitlines()
            if line.strip() and not line.startswith("#")]


if __name__ == "__main__":
    main()
