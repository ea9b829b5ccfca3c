#!/bin/sh
# Wall time of `flapjack --send` to the bot on a running `flapjack serve` with a warm token in a
# real Secret Service (issue 5's figure). Needs dbus and gnome-keyring; runs in a private D-Bus
# session and a throwaway HOME, so it touches neither your keyring nor your config:
#
#   cargo build --release && dbus-run-session -- benches/warm_send.sh
#
# The first --send signs on with the password and stores the token; the 30 timed ones after it
# take no password at all, so each one is: keyring read, startOSCARSession, BOS, IM, ack.
set -eu
B=${FLAPJACK_BIN:-$(cd "$(dirname "$0")/.." && pwd)/target/release/flapjack}
D=$(mktemp -d)
export HOME="$D" XDG_CONFIG_HOME="$D/config" XDG_DATA_HOME="$D/data" XDG_STATE_HOME="$D/state"
printf 'bench' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
"$B" serve --listen 127.0.0.1:18080 --bos 127.0.0.1:15190 --bucp-listen 127.0.0.1:15191 \
  >"$D/serve.out" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$D"' EXIT
sleep 1
set -- --login-url http://127.0.0.1:18080 --api-url http://127.0.0.1:18080 --user "Flapjack Fan"
FLAPJACK_PASSWORD=syrup-on-top "$B" "$@" --send ButterBot "cold: stores the token"
python3 - "$B" "$@" <<'PY'
import statistics, subprocess, sys, time
cmd = sys.argv[1:]
times = []
for i in range(30):
    start = time.perf_counter()
    run = subprocess.run(cmd + ["--send", "ButterBot", f"warm {i}"], capture_output=True)
    times.append((time.perf_counter() - start) * 1000)
    if run.returncode != 0:
        sys.exit(f"--send {i} exited {run.returncode}: {run.stderr.decode()}")
times.sort()
print(f"warm --send, 30 runs: median {statistics.median(times):.1f} ms, "
      f"min {times[0]:.1f} ms, max {times[-1]:.1f} ms")
PY
