#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/browser), from Debian's packages,
# with CJK fonts so screenshots show Chinese. Idempotent: does nothing when
# /usr/bin/chromium is there already. Needs root (CI and the dev machines are).
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo installed)"
