#!/usr/bin/env bash
# System packages the test suite needs: real nginx (nginx -t, e2e) with its stream module
# (tests/test_nginx_t_agreement.py), real Tomcat (e2e), iproute2 (network namespaces for e2e),
# patch (fix patches), shellcheck (the Action's run steps), graphviz (validates topology DOT),
# nodejs (the Node.js e2e backend), ruby (its `erb` renders the ERB template samples before
# nginx -t), haproxy (`haproxy -c` on the HAProxy samples and reader tests, and the HAProxy e2e
# proof in front of nginx), and the npm SARIF validator. uWSGI for its e2e proof comes from PyPI
# (pyuwsgi, in the test extra).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
need=""
for pkg in nginx-light libnginx-mod-stream tomcat10 iproute2 patch git shellcheck graphviz nodejs ruby haproxy; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -n "$need" ]; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

# Microsoft's SARIF validator (GitHub ingestion rules), project-local and git-ignored.
if [ ! -x .ci/node/node_modules/.bin/sarif-multitool ]; then
    npm install --prefix .ci/node --no-audit --no-fund --loglevel=error @microsoft/sarif-multitool@5.7.0 >/dev/null
fi
