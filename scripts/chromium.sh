#!/usr/bin/env bash
# scripts/chromium.sh makes a headless-capable Chromium available for the
# review desk's browser tests (cmd/kontext, TestDesk*), installing Debian's
# or Ubuntu's chromium package with apt-get when none is found.
#
# It is idempotent: with a browser on PATH (or KONTEXT_CHROMIUM set) it only
# says which one and exits. Where nothing can be installed (no apt-get, not
# root and no sudo, no network) it says so and exits 0: the browser tests
# then skip with that reason; everything else still runs.
set -euo pipefail

step() { printf '==> %s\n' "$*"; }
ok() { printf '    %s\n' "$*"; }

if [[ -n "${KONTEXT_CHROMIUM:-}" && -x "${KONTEXT_CHROMIUM}" ]]; then
	step "chromium: ${KONTEXT_CHROMIUM} (KONTEXT_CHROMIUM)"
	exit 0
fi
for b in chromium chromium-browser google-chrome-stable google-chrome headless_shell; do
	if p=$(command -v "$b" 2>/dev/null); then
		step "chromium: $p"
		exit 0
	fi
done

step "installing chromium for the browser tests"
if ! command -v apt-get >/dev/null 2>&1; then
	ok "no apt-get: install Chromium yourself (or set KONTEXT_CHROMIUM); the browser tests skip until then"
	exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO="sudo -n"
	else
		ok "not root and no password-less sudo: run 'sudo apt-get install chromium'; the browser tests skip until then"
		exit 0
	fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1; then
	$SUDO apt-get update -qq >/dev/null 2>&1 || true
	if ! $SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core >/dev/null; then
		ok "apt-get could not install chromium; the browser tests skip until it is installed"
		exit 0
	fi
fi
ok "installed $(command -v chromium)"
