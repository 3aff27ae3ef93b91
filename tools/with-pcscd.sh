#!/usr/bin/env bash
# Runs a command with a pcscd that has the vsmartcard-vpcd virtual readers
# ("Virtual PCD 00 00" on TCP 35963, "Virtual PCD 00 01" on 35964), then stops the daemon it
# started. Uses an already running pcscd when there is one (a desktop with pcscd.socket).
#
# Test and development machines only: vpcd listens on every interface and accepts any card, so
# it must never be installed on a kiosk image (vsmartcard's vpcd documentation; docs/CARDS.md,
# "Trying it without hardware").
set -euo pipefail

if [ ! -f /etc/reader.conf.d/vpcd ]; then
	echo "vsmartcard-vpcd is not installed (make test installs it)" >&2
	exit 1
fi

started=""
if ! pgrep -x pcscd >/dev/null; then
	SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )
	log=${PCSCD_LOG:-/tmp/kiosk-pcscd.log}
	$SUDO pcscd --foreground >"$log" 2>&1 &
	started=$!
	# The card tests restart pcscd once (reconnection test): stop whichever pcscd runs now.
	trap '$SUDO pkill -x pcscd 2>/dev/null; wait $started 2>/dev/null || true' EXIT
	for _ in $(seq 100); do
		[ -S /run/pcscd/pcscd.comm ] && break
		sleep 0.1
	done
	[ -S /run/pcscd/pcscd.comm ] || { echo "pcscd did not start; see $log" >&2; exit 1; }
fi
"$@"
