#!/usr/bin/env bash
# Set policykg up on a fresh Debian/Ubuntu machine: system packages (when run as root), then a
# virtual environment in .venv with the project and all its extras installed.
#
#   bash scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Java runs HermiT (OWL reasoning), Graphviz draws DOT/SVG/PNG, Chromium and its driver run the
# viewer's browser test, Virtuoso is the remote store of the integration test. Each is optional:
# the features and tests that need one say so, or skip, when it is missing.
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  { apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      default-jre-headless graphviz chromium chromium-driver fonts-dejavu-core virtuoso-opensource >/dev/null; } ||
    echo "setup: some system packages could not be installed; the features and tests that need them will say so" >&2
fi

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e ".[dev]"
echo "policykg is installed: .venv/bin/policykg --help"
