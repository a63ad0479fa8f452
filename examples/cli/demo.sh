#!/usr/bin/env bash
# The `dcimanager` command against the emulator, as an operator would script it:
#   scripts/with-emulator.sh examples/cli/demo.sh
# (with-emulator.sh exports DCI_URL, which the command reads, and DCI_CA, the emulator's
# certificate). The demo keeps its hosts.toml in a temporary XDG_CONFIG_HOME.
set -euo pipefail
dci=${DCIMANAGER_CLI:-$(cd "$(dirname "$0")/../.." && pwd)/target/release/dcimanager}
XDG_CONFIG_HOME=$(mktemp -d)
export XDG_CONFIG_HOME
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT
exec 2>&1   # messages in order with the output
step() { printf '\n$ %s\n' "$*"; }

step 'dcimanager pin "$DCI_URL"            # the certificate the platform presents, to check and pin'
"$dci" pin "$DCI_URL"

step 'echo "$PASSWORD" | dcimanager auth login --cacert "$DCI_CA" --email admin@example.com --password-stdin'
echo secret | "$dci" auth login --cacert "$DCI_CA" --email admin@example.com --password-stdin

step 'dcimanager auth status'
"$dci" auth status

step "dcimanager api dci/v3/server --paginate --page-size 200 --where \"power_status EQ 'on'\" --jq '.domain' | head -3"
"$dci" api dci/v3/server --paginate --page-size 200 --where "power_status EQ 'on'" --jq '.domain' | head -3

step "dcimanager api dci/v3/server --paginate --page-size 200 --jq 'select(.power_status == \"off\") | .id' | wc -l"
"$dci" api dci/v3/server --paginate --page-size 200 --jq 'select(.power_status == "off") | .id' | wc -l

step 'dcimanager api dci/v3/server/7 --jq "{id, domain, power_status}"'
"$dci" api dci/v3/server/7 --jq '{id, domain, power_status}'

step 'dcimanager key client@example.com     # a single sign-on link for the billing flow'
"$dci" key client@example.com

step 'dcimanager api dci/v3/server/99999; echo "exit code $?"'
set +e
"$dci" api dci/v3/server/99999
echo "exit code $?"
set -e

step 'dcimanager auth logout'
"$dci" auth logout
