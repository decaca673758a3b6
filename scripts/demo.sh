#!/bin/bash
# The README's first command: build everything, boot the Debian-kernel VM and
# run scripts/demo-guest.sh in it (a VIP forwarding to two Pods, the client
# address each Pod saw, and podvsadm -Ln --stats).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
make -s userspace
exec tests/vm/run --kernel debian --timeout 600 scripts/demo-guest.sh
