#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, for the zoo tests (issue 18).
#   scripts/slurm-local.sh start DIR   installs slurm-wlm + munge when missing, writes DIR/slurm.conf for this host,
#                                      starts munged, slurmctld and slurmd, waits until the node is idle, and prints
#                                      the line `export SLURM_CONF=DIR/slurm.conf` (what sbatch/squeue need).
#   scripts/slurm-local.sh stop DIR    stops the three daemons it started (pid files in DIR) and nothing else.
# Needs root (or sudo) to install packages and run the daemons; the state lives under DIR only.
set -euo pipefail
cmd=${1:?usage: slurm-local.sh start|stop DIR}
dir=$(mkdir -p "${2:?usage: slurm-local.sh start|stop DIR}" && cd "$2" && pwd)
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

stop() {
  for d in slurmd slurmctld munged; do
    if [ -f "$dir/$d.pid" ]; then
      pid=$(cat "$dir/$d.pid")
      if kill -0 "$pid" 2>/dev/null; then $SUDO kill "$pid" 2>/dev/null || true; fi
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      $SUDO kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$d.pid"
    fi
  done
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: slurm-local.sh start|stop DIR" >&2; exit 2; }

missing=()
for p in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "slurm-local.sh: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -f /etc/munge/munge.key ] || $SUDO /usr/sbin/mungekey --create --keyfile=/etc/munge/munge.key

stop
host=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
user=$(id -un)
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
# Free ports near 16817 (a machine may already run a Slurm of its own on 6817/6818).
port() { local p=$1; while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
ctld_port=$(port 16817); slurmd_port=$(port $((ctld_port + 1)))
cat > "$dir/slurm.conf" <<CONF
ClusterName=noether-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$user
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
export SLURM_CONF="$dir/slurm.conf"

$SUDO /usr/sbin/munged --force --socket="$dir/munge/munge.socket" --pid-file="$dir/munged.pid" \
  --log-file="$dir/munged.log" --seed-file="$dir/munge/munge.seed"
$SUDO env SLURM_CONF="$SLURM_CONF" /usr/sbin/slurmctld -i
$SUDO env SLURM_CONF="$SLURM_CONF" /usr/sbin/slurmd
for _ in $(seq 100); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  case "$state" in idle*|mixed*|allocated*) echo "export SLURM_CONF=$SLURM_CONF"; exit 0;; esac
  sleep 0.3
done
echo "slurm-local.sh: the node did not become idle (state '${state:-?}'); see $dir/slurmctld.log and $dir/slurmd.log" >&2
stop
exit 1
