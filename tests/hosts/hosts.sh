# shellcheck shell=bash
# Hosts on one machine, for tests that need several: each host is a network
# namespace with its own hostname (a UTS namespace) and an address on a
# private subnet; a switch namespace holds the bridge that joins them.
# Nothing is added to the machine's own network: the subnet exists only
# inside the namespaces made here, and traffic goes nowhere else.
#
# Sourced.  Needs root, ip (iproute2), unshare and nsenter (util-linux).
#
#   hosts_up N          N hosts, named pkhost1..pkhostN, addresses
#                       10.213.7.11.. (HOSTS_SUBNET); sets HOSTS_DIR (the
#                       hostfile, the launch agent) and HOSTS_NAMES
#   on_host K CMD...    runs CMD on host K (its network and hostname); also
#                       the script $HOSTS_DIR/on-host, for timeout and the like
#   host_pids K         the processes that run on host K
#   hosts_mpirun ARGS   mpirun started on host 1 with ranks placed on the
#                       hosts of the hostfile, over TCP; also $HOSTS_DIR/mpirun
#   hosts_down          removes every namespace, mount and file made here
#                       (call it from a trap: it is safe to call twice)
#
# Facts behind it (../shared/notes/mpi-and-slurm-here.md): Open MPI runs a
# host whose name is the local hostname without its launch agent, so every
# host has its own name; TCP is forced (btl self,tcp) and pinned to the
# subnet for both the messages and the runtime's own traffic.

HOSTS_SUBNET=10.213.7.0/24
HOSTS_DIR=""
HOSTS_COUNT=0
HOSTS_TAG=""

# hosts_unavailable: why hosts cannot be made here, or nothing.
hosts_unavailable() {
    [ "$(id -u)" = 0 ] || { echo "it makes network namespaces: run as root"; return; }
    local tool
    for tool in ip unshare nsenter mount; do
        command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install iproute2 util-linux)"; return; }
    done
}

hosts_up() {
    local n=$1 i ns
    HOSTS_TAG=pk$$
    HOSTS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/parkit-hosts.XXXXXX") || return 1
    HOSTS_COUNT=$n
    # The UTS namespaces live on as bind mounts of files here: a private
    # mount, so that they do not show up anywhere else.
    mount --bind "$HOSTS_DIR" "$HOSTS_DIR" && mount --make-private "$HOSTS_DIR" || return 1
    ip netns add "$HOSTS_TAG-sw" || return 1
    ip netns exec "$HOSTS_TAG-sw" ip link set lo up
    ip netns exec "$HOSTS_TAG-sw" ip link add br0 type bridge || return 1
    ip netns exec "$HOSTS_TAG-sw" ip link set br0 up
    HOSTS_NAMES=""
    : >"$HOSTS_DIR/hostfile"
    for i in $(seq 1 "$n"); do
        ns=$HOSTS_TAG-h$i
        ip netns add "$ns" || return 1
        # The cable: one end in the switch, the other (eth0) in the host.
        ip netns exec "$HOSTS_TAG-sw" ip link add "v$i" type veth peer name eth0 netns "$ns" || return 1
        ip netns exec "$HOSTS_TAG-sw" ip link set "v$i" master br0 up
        ip netns exec "$ns" ip addr add "10.213.7.$((10 + i))/24" dev eth0
        ip netns exec "$ns" ip link set eth0 up
        ip netns exec "$ns" ip link set lo up
        : >"$HOSTS_DIR/uts-$i"
        unshare --uts="$HOSTS_DIR/uts-$i" hostname "pkhost$i" || return 1
        echo "pkhost$i slots=4" >>"$HOSTS_DIR/hostfile"
        HOSTS_NAMES="$HOSTS_NAMES pkhost$i"
    done
    HOSTS_NAMES=${HOSTS_NAMES# }
    # Open MPI's launch agent: "AGENT HOST COMMAND...", in place of ssh.
    cat >"$HOSTS_DIR/agent" <<EOF
#!/bin/sh
host=\$1
shift
i=\${host#pkhost}
case \$i in ''|*[!0-9]*) echo "hosts agent: unknown host '\$host'" >&2; exit 255 ;; esac
exec nsenter --net=/run/netns/$HOSTS_TAG-h\$i --uts=$HOSTS_DIR/uts-\$i sh -c "\$*"
EOF
    cat >"$HOSTS_DIR/on-host" <<EOF
#!/bin/sh
# on-host K CMD...: CMD on host K.
k=\$1
shift
exec nsenter --net=/run/netns/$HOSTS_TAG-h\$k --uts=$HOSTS_DIR/uts-\$k "\$@"
EOF
    cat >"$HOSTS_DIR/mpirun" <<EOF
#!/bin/sh
# mpirun on host 1, ranks on the hosts of the hostfile, over TCP on $HOSTS_SUBNET.
exec "$HOSTS_DIR/on-host" 1 mpirun --hostfile "$HOSTS_DIR/hostfile" --bind-to none \\
    --mca plm_rsh_agent "$HOSTS_DIR/agent" --mca btl self,tcp \\
    --mca btl_tcp_if_include $HOSTS_SUBNET --mca oob_tcp_if_include $HOSTS_SUBNET "\$@"
EOF
    chmod +x "$HOSTS_DIR/agent" "$HOSTS_DIR/on-host" "$HOSTS_DIR/mpirun"
}

on_host() {
    "$HOSTS_DIR/on-host" "$@"
}

host_pids() {
    ip netns pids "$HOSTS_TAG-h$1" 2>/dev/null
}

hosts_mpirun() {
    "$HOSTS_DIR/mpirun" "$@"
}

hosts_down() {
    local i pids
    [ -n "$HOSTS_TAG" ] || return 0
    for i in $(seq 1 "$HOSTS_COUNT"); do
        pids=$(host_pids "$i")
        [ -z "$pids" ] || kill -9 $pids 2>/dev/null
        ip netns del "$HOSTS_TAG-h$i" 2>/dev/null
        umount "$HOSTS_DIR/uts-$i" 2>/dev/null
    done
    ip netns del "$HOSTS_TAG-sw" 2>/dev/null
    if [ -n "$HOSTS_DIR" ]; then
        umount "$HOSTS_DIR" 2>/dev/null
        rm -rf "$HOSTS_DIR"
    fi
    HOSTS_TAG=""
}
