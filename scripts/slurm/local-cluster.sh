#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for tests of the SLURM recipes.
#
#   scripts/slurm/local-cluster.sh start DIR    # munged + slurmctld + slurmd, all state in DIR
#   scripts/slurm/local-cluster.sh stop DIR     # cancels its jobs, stops the daemons
#   scripts/slurm/local-cluster.sh env DIR      # prints `export SLURM_CONF=DIR/slurm.conf`
#
# Everything lives under DIR: slurm.conf and mpi.conf, a private munged (its own socket, pid,
# log and seed file; the key is the system's /etc/munge/munge.key), slurmctld's state, slurmd's
# spool, the pid files, the logs and srun --mpi=pmix's directories. The daemons listen on two free TCP
# ports picked at start, and job ids start at a random number, so the cluster does not touch a
# system-wide SLURM or collide with another copy of itself. Use it with
#
#   export SLURM_CONF=DIR/slurm.conf   # then sbatch, squeue, scontrol, srun talk to it
#
# Needs root (slurmd runs jobs as any user; munged runs as user munge) and the Debian packages
# slurm-wlm and munge. `start` waits (BLR_CLUSTER_TIMEOUT seconds, default 30) until `sinfo`
# shows the node idle, and stops what it started if that does not happen. `stop` is safe to
# call on a half-started or already stopped cluster. Exit status: 0 ok, 1 failure, 77 when
# this machine cannot run it (not root, packages missing).
set -u

usage() {
    echo "usage: $0 start|stop|env DIR" >&2
    exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$2
case $cmd in start | stop | env) ;; *) usage ;; esac
mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd) || exit 1
conf=$dir/slurm.conf
export SLURM_CONF=$conf
timeout=${BLR_CLUSTER_TIMEOUT:-30}

log() { echo "local-cluster: $*" >&2; }

# Whether a process runs (a zombie, which nobody may reap here, does not count).
alive() {
    local st
    kill -0 "$1" 2>/dev/null || return 1
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
    [ "$st" != Z ] && [ "$st" != X ]
}

# The pid in a pid file, if that process is alive.
live_pid() {
    local p
    [ -s "$1" ] || return 1
    p=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$p" ] && alive "$p" && echo "$p"
}

# Sends TERM to the process of a pid file, waits up to 10 s, then KILL.
stop_pidfile() {
    local p
    p=$(live_pid "$1") || return 0
    kill -TERM "$p" 2>/dev/null
    for _ in $(seq 50); do
        alive "$p" || return 0
        sleep 0.2
    done
    log "pid $p ($1) ignored TERM; killing it"
    kill -KILL "$p" 2>/dev/null
    return 0
}

# Processes of this cluster that outlived the daemons: a slurmstepd whose working directory
# is inside DIR (it overwrites its environment with its title), and job processes, which carry
# SLURM_JOB_ID with SLURM_CONF=DIR/slurm.conf (the caller's own shell has no SLURM_JOB_ID, so
# it is spared).
leftovers() {
    local e p env cwd
    for e in /proc/[0-9]*/environ; do
        p=${e#/proc/}
        p=${p%/environ}
        [ "$p" = $$ ] && continue
        alive "$p" || continue
        if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = slurmstepd ]; then
            cwd=$(readlink "/proc/$p/cwd" 2>/dev/null)
            case $cwd in "$dir" | "$dir"/*) echo "$p" ;; esac
            continue
        fi
        env=$( { tr '\0' '\n' <"$e"; } 2>/dev/null) || continue
        if grep -qxF "SLURM_CONF=$conf" <<<"$env" && grep -q '^SLURM_JOB_ID=' <<<"$env"; then
            echo "$p"
        fi
    done
}

do_stop() {
    local ids
    if [ -f "$conf" ] && live_pid "$dir/slurmctld.pid" >/dev/null; then
        ids=$(squeue -h -o %A 2>/dev/null)
        if [ -n "$ids" ]; then
            # shellcheck disable=SC2086
            scancel $ids 2>/dev/null
            for _ in $(seq 25); do
                [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break
                sleep 0.2
            done
        fi
    fi
    stop_pidfile "$dir/slurmd.pid"
    stop_pidfile "$dir/slurmctld.pid"
    local rest
    rest=$(leftovers)
    if [ -n "$rest" ]; then
        # shellcheck disable=SC2086 # (one pid a word)
        log "killing leftover job processes:" $rest
        # shellcheck disable=SC2086
        kill -KILL $rest 2>/dev/null
    fi
    stop_pidfile "$dir/munge/munged.pid"
    return 0
}

# A TCP port nobody listens on, from a range away from SLURM's 6817-6819.
free_port() {
    local p used
    used=$(ss -Htan 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
    for _ in $(seq 200); do
        p=$((20000 + RANDOM % 30000))
        if ! grep -qx "$p" <<<"$used" && [ "$p" != "${1:-}" ]; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

do_start() {
    if [ "$(id -u)" != 0 ]; then
        log "needs root (slurmd and munged)"
        exit 77
    fi
    local b
    for b in /usr/sbin/munged /usr/sbin/slurmctld /usr/sbin/slurmd sbatch sinfo scontrol; do
        if ! command -v "$b" >/dev/null; then
            log "$b is missing: apt-get install -y slurm-wlm munge"
            exit 77
        fi
    done
    if [ ! -r /etc/munge/munge.key ]; then
        log "/etc/munge/munge.key is missing (the munge package creates it)"
        exit 77
    fi
    if live_pid "$dir/slurmctld.pid" >/dev/null; then
        log "a cluster is already running in $dir"
        exit 1
    fi

    # munged runs as user munge and checks that its directories are owned by it and not
    # writable by others; DIR itself only needs to be searchable.
    chmod 0711 "$dir"
    if ! runuser -u munge -- test -x "$dir"; then
        log "user munge cannot reach $dir: make its parent directories searchable (chmod o+x)"
        exit 1
    fi
    mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log" "$dir/pmix"
    chown munge:munge "$dir/munge"
    chmod 0755 "$dir/munge"
    local sock=$dir/munge/munge.socket
    if ! runuser -u munge -- /usr/sbin/munged --socket="$sock" \
        --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
        --seed-file="$dir/munge/munged.seed" --key-file=/etc/munge/munge.key; then
        log "munged did not start:"
        tail -n 5 "$dir/munge/munged.log" >&2 2>/dev/null
        do_stop
        exit 1
    fi
    if ! munge -S "$sock" -n | unmunge -S "$sock" >/dev/null; then
        log "munge -n | unmunge failed"
        do_stop
        exit 1
    fi

    local host ctld_port slurmd_port
    host=$(hostname -s)
    if ! ctld_port=$(free_port) || ! slurmd_port=$(free_port "$ctld_port"); then
        log "no free TCP port"
        do_stop
        exit 1
    fi
    cat >"$conf" <<EOF
# A one-node cluster made by scripts/slurm/local-cluster.sh; everything lives in $dir.
ClusterName=blrtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0,sched_min_interval=100000
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
PlugStackConfig=$dir/plugstack.conf
MinJobAge=600
FirstJobId=$((1000 + RANDOM * 10))
KillWait=5
InactiveLimit=0
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
    : >"$dir/plugstack.conf"
    # srun --mpi=pmix: the clients' PMIx directories (spmix_appdir_UID_JOB.STEP) go here
    # rather than to /tmp. slurmctld and slurmd read mpi.conf beside slurm.conf.
    echo "PMIxCliTmpDirBase=$dir/pmix" >"$dir/mpi.conf"

    if ! /usr/sbin/slurmctld -f "$conf"; then
        log "slurmctld did not start:"
        tail -n 5 "$dir/log/slurmctld.log" >&2 2>/dev/null
        do_stop
        exit 1
    fi
    if ! /usr/sbin/slurmd -f "$conf" -N "$host"; then
        log "slurmd did not start:"
        tail -n 5 "$dir/log/slurmd.log" >&2 2>/dev/null
        do_stop
        exit 1
    fi
    local t0=$SECONDS state=""
    while [ $((SECONDS - t0)) -lt "$timeout" ]; do
        state=$(sinfo -h -n "$host" -o %t 2>/dev/null | head -n 1)
        if [ "$state" = idle ]; then
            log "node $host idle after $((SECONDS - t0)) s (slurmctld port $ctld_port, slurmd port $slurmd_port)"
            return 0
        fi
        sleep 0.5
    done
    log "node $host not idle after $timeout s (state '${state}'); logs:"
    tail -n 5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 2>/dev/null
    do_stop
    exit 1
}

case $cmd in
start) do_start ;;
stop) do_stop ;;
env) echo "export SLURM_CONF=$conf" ;;
esac
