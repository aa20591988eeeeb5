#!/usr/bin/env bash
# Life under systemd: the worker says READY=1, pets the watchdog and says
# STOPPING=1 on a notify socket (a stand-in for systemd's), and on SIGHUP
# reads its config file again: a good one changes the batch size, linger
# and log level; a bad one keeps the settings in use and says why.
. "$(dirname "$0")/lib.sh"
setup 10

"$py" - "$work/notify.sock" >"$work/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(4096).decode().replace("\n", " "), flush=True)
PY
worker_pids+=($!)
for _ in $(seq 1 50); do [ -S "$work/notify.sock" ] && break; sleep 0.1; done

printf 'batch-size = 10\nlinger-ms = 5\n' >"$work/worker.conf"
NOTIFY_SOCKET="$work/notify.sock" WATCHDOG_USEC=1000000 start_worker a --config "$work/worker.conf"
wait_assigned a
wait_for_line() { # FILE TEXT
  local deadline=$((SECONDS + 20))
  until grep -q -- "$2" "$1"; do
    [ $SECONDS -lt $deadline ] || fail "no \"$2\" in $1: $(tail -5 "$1")"
    sleep 0.1
  done
}
wait_for_line "$work/notify.log" 'READY=1'
wait_for_line "$work/notify.log" 'WATCHDOG=1'

printf 'batch-size = 20\nlinger-ms = 7\nlog-level = debug\n' >"$work/worker.conf"
kill -HUP "$pid_a"
wait_for_line "$work/worker-a.log" 'reloaded batch_size=20 linger_ms=7 log_level=4'
wait_for_line "$work/notify.log" 'RELOADING=1'
printf 'batch-size = many\n' >"$work/worker.conf"
kill -HUP "$pid_a"
wait_for_line "$work/worker-a.log" \
  "reload refused, keeping the settings in use: invalid batch-size ($work/worker.conf:1) \"many\""
printf 'batch-size = 30\nrelay = off\n' >"$work/worker.conf"
kill -HUP "$pid_a"
wait_for_line "$work/worker-a.log" 'reload: metrics-listen or relay changed and takes effect on restart only'
cid=$(submit_one book --session race --class c1 --pupils 10)
decided "$cid" confirmed
kill -0 "$pid_a" || fail "the worker died on a reload"
kill -TERM "$pid_a"
wait "$pid_a" || fail "exit status after SIGTERM"
wait_for_line "$work/notify.log" 'STOPPING=1'
echo "PASS $test_name: READY, WATCHDOG and STOPPING notified; SIGHUP applied a good file, kept" \
  "the settings on a bad one, named what needs a restart"
