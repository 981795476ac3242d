#!/usr/bin/env bash
# Start and stop a throw-away one-node Slurm cluster (for integration tests).
#
#   cluster.sh install      install slurmctld, slurmd, slurm-client and munge if missing (root only)
#   cluster.sh start DIR    write a config under DIR and start munged (unless a working one is up),
#                           slurmctld and slurmd; wait for an idle node; print the elapsed seconds
#   cluster.sh stop DIR     stop the daemons listed in DIR/pids (and nothing else)
#
# Everything lives under DIR; /etc/slurm is never read for the config nor written.
# Callers then `source DIR/env` (exports SLURM_CONF) before using sbatch, squeue, ...
#
# Environment knobs:
#   SLURM_CLUSTER_TIMEOUT      seconds to wait for each daemon (default 30)
#   SLURM_CLUSTER_TASK_PLUGIN  TaskPlugin tried first (default task/affinity; falls back to task/none
#                              when slurmd does not start with it)
set -euo pipefail

PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export PATH

PROG="cluster.sh"
TIMEOUT="${SLURM_CLUSTER_TIMEOUT:-30}"
TASK_PLUGIN="${SLURM_CLUSTER_TASK_PLUGIN:-task/affinity}"

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }

usage() {
  cat >&2 <<'EOF'
usage: cluster.sh install
       cluster.sh start DIR
       cluster.sh stop DIR
EOF
  exit 2
}

have() { command -v "$1" >/dev/null 2>&1; }

now() { date +%s.%N; }

# seconds between two `now` values, two decimals
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# ---------------------------------------------------------------- install

cmd_install() {
  local missing=() c
  for c in slurmctld slurmd sbatch munged; do
    have "$c" || missing+=("$c")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    return 0
  fi
  if [ "$EUID" -ne 0 ]; then
    echo "cannot install Slurm: not root" >&2
    exit 3
  fi
  log "missing: ${missing[*]}; installing slurmctld slurmd slurm-client munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge
  for c in slurmctld slurmd sbatch munged; do
    have "$c" || { log "still missing after install: $c"; exit 1; }
  done
}

# ---------------------------------------------------------------- pids file helpers

# is PID alive and named NAME (per /proc/PID/comm) and started for this DIR (per its command line)?
pid_is() {
  local name="$1" pid="$2" dir="$3" comm cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [ "$comm" = "$name" ] || return 1
  # guard against pid reuse by another instance of the same daemon: every daemon this script
  # starts carries DIR in its command line (slurm.conf path or munge socket path)
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$cmdline" == *"$dir/"* ]]
}

record_pid() { # DIR NAME PID
  printf '%s %s\n' "$2" "$3" >>"$1/pids"
}

forget_pid() { # DIR NAME PID : drop one line from DIR/pids
  local f="$1/pids" tmp
  tmp=$(mktemp "$1/.pids.XXXXXX")
  awk -v n="$2" -v p="$3" '!($1 == n && $2 == p)' "$f" >"$tmp"
  mv -f "$tmp" "$f"
}

# ---------------------------------------------------------------- stop

# stop one daemon; prints what happened; returns 1 if it is still alive afterwards
stop_one() {
  local dir="$1" name="$2" pid="$3" i
  if ! pid_is "$name" "$pid" "$dir"; then
    echo "$name (pid $pid) not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_is "$name" "$pid" "$dir" || { echo "stopped $name (pid $pid)"; return 0; }
    sleep 0.1
  done
  log "$name (pid $pid) ignored SIGTERM for 5 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    pid_is "$name" "$pid" "$dir" || { echo "killed $name (pid $pid)"; return 0; }
    sleep 0.1
  done
  log "$name (pid $pid) is still running after SIGKILL"
  return 1
}

is_zombie() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# stop everything listed in DIR/pids, newest first (slurmd, slurmctld, munged)
stop_dir() {
  local dir="$1" rc=0 lines=() line name pid i zombies
  if [ ! -s "$dir/pids" ]; then
    echo "nothing to stop in $dir"
    return 0
  fi
  mapfile -t lines <"$dir/pids"
  for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
    line="${lines[$i]}"
    [ -n "$line" ] || continue
    read -r name pid _ <<<"$line" || true
    case "$name" in
      slurmd | slurmctld | munged) ;;
      *) log "ignoring unexpected line in $dir/pids: $line"; continue ;;
    esac
    stop_one "$dir" "$name" "$pid" || rc=1
  done
  # The daemons were reparented to PID 1, which on some machines reaps orphans only every
  # second or two; until then they linger as zombies (dead, but still in /proc and ps).
  # Give the reaper up to 3 s so that callers checking /proc or ps see a clean slate.
  for ((i = 0; i < 60; i++)); do
    zombies=0
    for line in "${lines[@]}"; do
      read -r name pid _ <<<"$line" || true
      [[ "$pid" =~ ^[0-9]+$ ]] && is_zombie "$pid" && zombies=1
    done
    [ "$zombies" = 0 ] && break
    sleep 0.05
  done
  return "$rc"
}

cmd_stop() {
  local dir
  [ -d "$1" ] || { echo "nothing to stop: $1 is not a folder"; return 0; }
  dir=$(cd "$1" && pwd -P)
  stop_dir "$dir"
}

# ---------------------------------------------------------------- start

DIR=""          # absolute, symlink-free path of the cluster folder (set by cmd_start)
STARTING=0      # 1 while start runs: failures stop what was started

fail() {
  local logfile="${2:-}"
  log "error: $1"
  if [ -n "$logfile" ] && [ -f "$logfile" ]; then
    log "last lines of $logfile:"
    tail -n 25 "$logfile" | sed 's/^/    /' >&2
  fi
  if [ "$STARTING" = 1 ] && [ -n "$DIR" ]; then
    STARTING=0
    log "stopping what was started"
    stop_dir "$DIR" >&2 || true
  fi
  exit 1
}

on_signal() {
  trap - INT TERM HUP
  fail "interrupted"
}

# run a daemon in the background, detached from our session and stdio; echoes its pid.
# setsid does not fork here (a job of a non-interactive shell is no process group leader),
# so $! is the daemon's own pid once the exec chain is done.
launch() { # OUTFILE CMD...
  local out="$1"
  shift
  setsid "$@" </dev/null >>"$out" 2>&1 &
  echo "$!"
}

# wait until /proc/PID/comm becomes NAME (the exec chain setsid -> [setpriv ->] daemon)
wait_exec() { # NAME PID
  local i
  for ((i = 0; i < 250; i++)); do
    [ "$(cat "/proc/$2/comm" 2>/dev/null || true)" = "$1" ] && return 0
    [ -d "/proc/$2" ] || return 1
    sleep 0.02
  done
  return 1
}

alive() { [ -d "/proc/$1" ] && ! is_zombie "$1"; }

# can USER enter (-x) or write (-w) FOLDER? if not, name the first parent folder USER cannot enter
check_reachable() { # USER FOLDER -x|-w
  local user="$1" folder="$2" p="" part parts=()
  setpriv --reuid="$user" --regid="$user" --init-groups test "$3" "$folder" 2>/dev/null && return 0
  IFS=/ read -ra parts <<<"${folder#/}"
  for part in "${parts[@]}"; do
    p="$p/$part"
    if ! setpriv --reuid="$user" --regid="$user" --init-groups test -x "$p" 2>/dev/null; then
      fail "user $user cannot enter $p ($(stat -c '%A %U' "$p")), so it cannot use $folder; run chmod a+x on it (munged wants x for all on every parent of its socket) or use a DIR whose parent folders others can enter (mktemp -d makes mode 700 folders)"
    fi
  done
  fail "user $user cannot use $folder (test $3 fails)"
}

# does something accept TCP connections on 127.0.0.1:PORT? (Slurm's default ports: 6817 ctld, 6818 slurmd)
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

munge_works() { # [SOCKET]
  if [ -n "${1:-}" ]; then
    munge -n --socket="$1" 2>/dev/null | unmunge --socket="$1" >/dev/null 2>&1
  else
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1
  fi
}

write_conf() { # TASKPLUGIN AUTHINFO NODELINE NODENAME
  local taskplugin="$1" authinfo="$2" nodeline="$3" node="$4"
  cat >"$DIR/slurm.conf" <<EOF
# generated by scripts/slurm/cluster.sh
ClusterName=attnbench
SlurmctldHost=$node(127.0.0.1)
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
${authinfo}
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$DIR/plugstack.conf
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=$taskplugin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
$nodeline NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

set_task_plugin() { # PLUGIN
  local tmp
  tmp=$(mktemp "$DIR/.slurm.conf.XXXXXX")
  sed "s|^TaskPlugin=.*|TaskPlugin=$1|" "$DIR/slurm.conf" >"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$DIR/slurm.conf"
}

# did slurmd log an error about its task plugin? (only then is task/none worth a try)
task_plugin_failed() {
  grep -E 'error|fatal' "$DIR/log/slurmd.log" 2>/dev/null | grep -qiE 'task (plugin|context)|task/|task_'
}

node_state() { sinfo -h -N -o %T 2>/dev/null | head -n 1 || true; }

# start slurmd and wait for an idle node; 0 idle, 1 slurmd exited, 2 timeout
start_slurmd() {
  local pid deadline st
  pid=$(launch "$DIR/log/slurmd.out" slurmd -D -f "$DIR/slurm.conf")
  record_pid "$DIR" slurmd "$pid"
  SLURMD_PID="$pid"
  wait_exec slurmd "$pid" || return 1
  deadline=$((SECONDS + TIMEOUT))
  while ((SECONDS < deadline)); do
    alive "$pid" || return 1
    st=$(node_state)
    [ "$st" = idle ] && return 0
    sleep 0.1
  done
  return 2
}

cmd_start() {
  local arg="$1" t0 node nodeline authinfo="" sock="" pid deadline out st rc c
  t0=$(now)
  trap on_signal INT TERM HUP

  for c in slurmctld slurmd sbatch munged munge unmunge scontrol sinfo setpriv setsid; do
    have "$c" || fail "$c not found (run: $0 install)"
  done
  [ "$EUID" -eq 0 ] || fail "start needs root (slurmd runs as root, daemons switch users)"
  getent passwd slurm >/dev/null || fail "user 'slurm' does not exist (is slurmctld installed?)"

  case "$arg" in
    *[[:space:]]* | *'#'*) log "error: DIR must not contain spaces or '#' (slurm.conf cannot hold them)"; exit 2 ;;
  esac
  mkdir -p "$arg"
  DIR=$(cd "$arg" && pwd -P)
  if [ -n "$(ls -A "$DIR")" ]; then
    log "error: $DIR is not empty (use a fresh folder; run '$0 stop $DIR' for an old cluster)"
    exit 2
  fi
  for c in 6817 6818; do
    ! port_in_use "$c" || {
      log "error: port $c on 127.0.0.1 is in use (another Slurm cluster running? stop it first)"
      exit 1
    }
  done
  # folders: slurm (the SlurmUser) and munge must reach DIR; slurm owns state, log and pid folders
  chmod 755 "$DIR"
  check_reachable slurm "$DIR" -x
  check_reachable munge "$DIR" -x
  STARTING=1
  export SLURM_CONF="$DIR/slurm.conf"
  : >"$DIR/pids"
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run"
  chown slurm:slurm "$DIR/state" "$DIR/log" "$DIR/run"
  chmod 755 "$DIR/state" "$DIR/log" "$DIR/run"
  chmod 700 "$DIR/spool"
  check_reachable slurm "$DIR/state" -w

  # munge: reuse a working munged on the default socket, else run our own under DIR/munge
  if munge_works; then
    log "reusing the running munged (default socket)"
  else
    sock="$DIR/munge/munge.socket"
    ((${#sock} < 100)) || fail "munge socket path too long (${#sock} chars): $sock; use a shorter DIR"
    getent passwd munge >/dev/null || fail "user 'munge' does not exist (is munge installed?)"
    [ -r /etc/munge/munge.key ] || fail "/etc/munge/munge.key is missing"
    mkdir -p "$DIR/munge"
    chown munge:munge "$DIR/munge"
    chmod 755 "$DIR/munge"
    check_reachable munge "$DIR/munge" -w
    pid=$(launch "$DIR/log/munged.out" setpriv --reuid=munge --regid=munge --init-groups \
      munged --foreground --socket="$sock" --pid-file="$DIR/munge/munged.pid" \
      --seed-file="$DIR/munge/munged.seed")
    record_pid "$DIR" munged "$pid"
    wait_exec munged "$pid" || fail "munged did not start" "$DIR/log/munged.out"
    deadline=$((SECONDS + TIMEOUT))
    until munge_works "$sock"; do
      alive "$pid" || fail "munged exited" "$DIR/log/munged.out"
      ((SECONDS < deadline)) || fail "munged not answering after ${TIMEOUT} s" "$DIR/log/munged.out"
      sleep 0.05
    done
    authinfo="AuthInfo=socket=$sock"
  fi

  # config: node line from slurmd -C, our own short host name
  node=$(hostname -s)
  nodeline=$(slurmd -C 2>/dev/null | grep -m1 '^NodeName=' || true)
  [ -n "$nodeline" ] || fail "slurmd -C printed no NodeName line"
  nodeline=$(sed -E "s/^NodeName=[^ ]+/NodeName=$node/" <<<"$nodeline")
  write_conf "$TASK_PLUGIN" "$authinfo" "$nodeline" "$node"
  # Slurm 22.05 always loads a cgroup plugin; v1 also lets slurmd start on a pure cgroup v2 host
  printf 'CgroupPlugin=cgroup/v1\n' >"$DIR/cgroup.conf"
  : >"$DIR/plugstack.conf"
  chmod 644 "$DIR/slurm.conf" "$DIR/cgroup.conf" "$DIR/plugstack.conf"
  printf 'export SLURM_CONF=%q\n' "$DIR/slurm.conf" >"$DIR/env"

  # slurmctld
  pid=$(launch "$DIR/log/slurmctld.out" slurmctld -D -f "$DIR/slurm.conf")
  record_pid "$DIR" slurmctld "$pid"
  wait_exec slurmctld "$pid" || fail "slurmctld did not start" "$DIR/log/slurmctld.out"
  deadline=$((SECONDS + TIMEOUT))
  while :; do
    alive "$pid" || fail "slurmctld exited" "$DIR/log/slurmctld.log"
    out=$(scontrol ping 2>/dev/null || true)
    [[ "$out" == *"is UP"* ]] && alive "$pid" && break
    ((SECONDS < deadline)) || fail "slurmctld not UP after ${TIMEOUT} s" "$DIR/log/slurmctld.log"
    sleep 0.05
  done

  # slurmd (TaskPlugin fallback to task/none only when slurmd does not start with the first choice)
  rc=0
  start_slurmd || rc=$?
  if [ "$rc" = 1 ] && [ "$TASK_PLUGIN" != task/none ] && task_plugin_failed; then
    log "slurmd did not start with TaskPlugin=$TASK_PLUGIN; last lines of its log:"
    tail -n 10 "$DIR/log/slurmd.log" 2>/dev/null | sed 's/^/    /' >&2 || true
    log "retrying with TaskPlugin=task/none"
    alive "$SLURMD_PID" || forget_pid "$DIR" slurmd "$SLURMD_PID"
    set_task_plugin task/none
    scontrol reconfigure >/dev/null 2>&1 || fail "scontrol reconfigure failed" "$DIR/log/slurmctld.log"
    rc=0
    start_slurmd || rc=$?
  fi
  case "$rc" in
    0) ;;
    1) fail "slurmd exited" "$DIR/log/slurmd.log" ;;
    *)
      st=$(node_state)
      fail "node not idle after ${TIMEOUT} s (state: ${st:-none})" "$DIR/log/slurmd.log"
      ;;
  esac

  STARTING=0
  trap - INT TERM HUP
  log "cluster up: $(grep -m1 '^TaskPlugin=' "$DIR/slurm.conf"); source $DIR/env"
  echo "slurm cluster ready in $(elapsed "$t0" "$(now)") s"
}

# ---------------------------------------------------------------- main

[ $# -ge 1 ] || usage
case "$1" in
  install)
    [ $# -eq 1 ] || usage
    cmd_install
    ;;
  start)
    [ $# -eq 2 ] || usage
    cmd_start "$2"
    ;;
  stop)
    [ $# -eq 2 ] || usage
    cmd_stop "$2"
    ;;
  *) usage ;;
esac
