#!/bin/sh
# Installs a released ecs-exec-doctor binary: picks the archive for this machine, verifies its
# SHA-256 checksum and copies the binary into a directory.
#
#   curl -fsSL https://raw.githubusercontent.com/ecs-exec-doctor/ecs-exec-doctor/main/install.sh | sh
#   sh install.sh [--version v0.1.0] [--to DIR]
#
# --version   a release tag (default: the latest release)
# --to DIR    where the binary goes (default: $HOME/.local/bin)
# ECS_EXEC_DOCTOR_RELEASES overrides the releases URL (a mirror; the tests use a local server).
# Exit codes: 0 installed, 1 download or checksum failure, 2 bad arguments or unsupported
# machine. Every failure is one line on stderr saying what to do.
set -eu

releases="${ECS_EXEC_DOCTOR_RELEASES:-https://github.com/ecs-exec-doctor/ecs-exec-doctor/releases}"
version=""
dest="${HOME:-.}/.local/bin"
name="ecs-exec-doctor"

fail() { echo "install.sh: $2" >&2; exit "$1"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --version) [ $# -ge 2 ] || fail 2 "--version needs a tag, e.g. --version v0.1.0"; version="$2"; shift 2 ;;
        --to) [ $# -ge 2 ] || fail 2 "--to needs a directory"; dest="$2"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) fail 2 "unknown argument '$1': use --version TAG and --to DIR" ;;
    esac
done

os="$(uname -s)"
arch="$(uname -m)"
case "$arch" in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch64 ;;
    *) fail 2 "no release for a $arch machine: build it with 'cargo install --locked --git https://github.com/ecs-exec-doctor/ecs-exec-doctor ecs-exec-doctor'" ;;
esac
case "$os" in
    Linux) target="$arch-unknown-linux-musl" ;;
    Darwin) target="$arch-apple-darwin" ;;
    *) fail 2 "no installer for $os here: on Windows download the .zip of the release page ($releases)" ;;
esac

archive="$name-$target.tar.gz"
if [ -n "$version" ]; then
    base="$releases/download/$version"
else
    base="$releases/latest/download"
fi

if command -v curl >/dev/null 2>&1; then
    fetch() { curl --proto '=https,http' -fsSL -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
    fetch() { wget -q -O "$2" "$1"; }
else
    fail 2 "neither curl nor wget is installed: install one of them"
fi
if command -v sha256sum >/dev/null 2>&1; then
    digest() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
    digest() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
    fail 2 "neither sha256sum nor shasum is installed: cannot verify the download"
fi

tmp="$(mktemp -d 2>/dev/null || mktemp -d -t ecs-exec-doctor)"
trap 'rm -rf "$tmp"' EXIT INT TERM

fetch "$base/$archive" "$tmp/$archive" \
    || fail 1 "cannot download $base/$archive: check the version (--version) and your network"
fetch "$base/$archive.sha256" "$tmp/$archive.sha256" \
    || fail 1 "cannot download $base/$archive.sha256: refusing to install an unverified binary"

expected="$(cut -d ' ' -f 1 < "$tmp/$archive.sha256" | tr -d '\r\n' | tr 'A-F' 'a-f')"
actual="$(digest "$tmp/$archive")"
[ -n "$expected" ] && [ "$expected" = "$actual" ] \
    || fail 1 "checksum mismatch for $archive (expected $expected, got $actual): not installed; download again or report it"

tar -xzf "$tmp/$archive" -C "$tmp" || fail 1 "cannot unpack $archive: not installed"
binary="$tmp/$name-$target/$name"
[ -f "$binary" ] || fail 1 "$archive does not contain $name-$target/$name: not installed"

mkdir -p "$dest" || fail 2 "cannot create $dest: choose another directory with --to"
cp "$binary" "$dest/$name.tmp" && chmod 755 "$dest/$name.tmp" && mv -f "$dest/$name.tmp" "$dest/$name" \
    || fail 2 "cannot write $dest/$name: choose another directory with --to"
echo "installed $("$dest/$name" --version 2>/dev/null || echo "$name") to $dest/$name"
case ":${PATH:-}:" in
    *":$dest:"*) ;;
    *) echo "add $dest to your PATH to run it as '$name'" ;;
esac
