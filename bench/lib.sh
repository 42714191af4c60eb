# Shared helpers of the benchmarks (sourced; bench/run.sh does not run this file).

# median_ratio "A1 A2 ..." "B1 B2 ...": the median over the rounds of A_i / B_i, two decimals, or
# "-" without rounds. On a noisy machine the two times of one round share the noise of their
# moment, so this is steadier than a ratio of two best times.
median_ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN{n=split(a,x," "); split(b,y," ");
        for(i=1;i<=n;i++) r[i]=x[i]/y[i];
        for(i=1;i<=n;i++) for(j=i+1;j<=n;j++) if(r[j]<r[i]){t=r[i];r[i]=r[j];r[j]=t}
        if(n==0) print "-"; else if(n%2) printf "%.2f", r[(n+1)/2]; else printf "%.2f", (r[n/2]+r[n/2+1])/2}'
}

# ---- the bundled guest's bench program (guest/progs/bench*.c prints loop_ms) -----------------------
# guest_loop_ms LOG: the loop's milliseconds the guest printed
guest_loop_ms() { sed -n 's/.*bench: .*loop_ms=\([0-9.]*\).*/\1/p' "$1" | tail -1; }
declare -A BEST ALL   # BEST[cfg]: its best loop_ms; ALL[cfg]: its loop_ms of every round, in round order
# guest_shload_ms LOG: the milliseconds guest/progs/shload printed for its rounds
guest_shload_ms() { tr -d '\r' <"$1" | sed -n 's/^shload: [0-9]* rounds in \([0-9]*\) ms$/\1/p' | tail -1; }
# guest_run NAME COMMAND...: one run into $OUT/NAME.log, its loop_ms kept in BEST and ALL; the
# traces the run wrote under $OUT/*-trace are removed (disk: only the logs are kept).
# GUEST_MS=guest_shload_ms guest_run ... keeps shload's milliseconds instead.
guest_run() {
    local name=$1; shift
    local log=$OUT/$name.log ms
    timeout 600 "$@" >"$log" 2>&1 </dev/null
    ms=$("${GUEST_MS:-guest_loop_ms}" "$log")
    rm -f "$OUT"/*-trace/trace.qtr "$OUT"/*-trace/trace.txt "$OUT"/*-trace/trace.json "$OUT"/*-trace/trace.folded
    [ -n "$ms" ] || { echo "  $name: no result (see $log)" >&2; return 1; }
    if [ -z "${BEST[$name]:-}" ] || awk "BEGIN{exit !($ms < ${BEST[$name]})}"; then BEST[$name]=$ms; fi
    ALL[$name]="${ALL[$name]:-} $ms"
}
# guest_paired CFG: CFG against plain, the median of the rounds' ratios
guest_paired() { median_ratio "${ALL[$1]:-}" "${ALL[plain]:-}"; }

# ---- whole guest runs, timed -----------------------------------------------------------------
# timed_run NAME REP PROG COMMAND...: one run into $OUT/NAME.REP.log, which must show the guest's
# PROG exiting with status 0; appends its wall seconds to W_NAME and its CPU seconds (user +
# system) to C_NAME
timed_run() {
    local name=$1 r=$2 prog=$3 s u y; shift 3
    local log=$OUT/$name.$r.log tf=$OUT/$name.$r.time
    /usr/bin/time -f '%e %U %S' -o "$tf" timeout 600 "$@" >"$log" 2>&1 </dev/null
    if ! tr -d '\r' <"$log" | grep -q "^QTRACE-GUEST: exit $prog status 0"; then
        echo "  $name: the guest did not run $prog to the end (see $log)" >&2
        return 1
    fi
    read -r s u y <"$tf"
    eval "W_$name=\"\${W_$name:-} $s\"; C_$name=\"\${C_$name:-} $(awk "BEGIN{printf \"%.2f\", $u + $y}")\""
}

# ---- shload in a guest: QEMU's CPU time during the workload ------------------------------------
# guest/progs/shload prints "shload: start", runs its rounds, prints "shload: N rounds in M ms" and
# waits a second before exiting: QEMU's CPU time (user + system of all its threads) is read at
# the two lines, so the boot and the plugin's loading of the kernel image are left out.
# shload_run NAME ROUND QEMU-ARGS...: "$QEMU" "${BOOT[@]}" QEMU-ARGS... into $OUT/NAME.ROUND.log;
# appends the guest's milliseconds to MS_NAME and QEMU's CPU seconds during the rounds to CPU_NAME.
# A run whose times were not both read, or whose guest panics in the kernel's IO-APIC timer check
# (TCG's timer too slow on an overloaded host), boots again (3 tries); a QEMU still running 900 s after it started is stopped.
HZ=$(getconf CLK_TCK)
shload_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
shload_wait_line() { # log, re, pid, started: false if QEMU ended first
    until { tr -d '\r' <"$1" | grep -qE "$2"; } 2>/dev/null; do
        kill -0 "$3" 2>/dev/null || return 1
        [ $((SECONDS - $4)) -lt 900 ] || { kill "$3"; return 1; }
        sleep 0.05
    done
}
shload_run() {
    local name=$1 r=$2 log ms try pid started t0 t1; shift 2
    log=$OUT/$name.$r.log
    for try in 1 2 3; do
        "$QEMU" "${BOOT[@]}" "$@" </dev/null >"$log" 2>&1 &
        pid=$! started=$SECONDS
        t0= t1=
        shload_wait_line "$log" '^shload: start$' "$pid" "$started" && t0=$(shload_ticks "$pid")
        shload_wait_line "$log" '^shload: [0-9]+ rounds in' "$pid" "$started" && t1=$(shload_ticks "$pid")
        shload_wait_line "$log" '^QTRACE-GUEST: exit ' "$pid" "$started"
        wait "$pid"
        [ -n "$t0" ] && [ -n "$t1" ] && ! grep -q "IO-APIC + timer doesn't work" "$log" && break
    done
    ms=$(guest_shload_ms "$log")
    if [ -z "$ms" ] || [ -z "$t0" ] || [ -z "$t1" ]; then echo "  $name: shload did not finish (see $log)" >&2; return 1; fi
    eval "MS_$name=\"\${MS_$name:-} $ms\""
    eval "CPU_$name=\"\${CPU_$name:-} $(awk "BEGIN{printf \"%.2f\", ($t1 - $t0) / $HZ}")\""
}
# QEMU's own empty plugin (tests/tcg/plugins/libempty.so, built in the qemu-user build tree on first
# use): what loading any plugin costs. Its path, or nothing if it cannot be built.
empty_plugin() {
    local p=$CACHE/qemu-build/tests/tcg/plugins/libempty.so
    [ -f "$p" ] || (cd "$CACHE/qemu-build" && ninja tests/tcg/plugins/libempty.so >/dev/null 2>&1) || true
    [ -f "$p" ] && echo "$p"
}

# ---- the Debian guest (make guest-debian) ------------------------------------------------------
# debian_guest BENCH RUN: sets GD and DEBIAN (plain QEMU's arguments: the guest's kernel, initrd,
# disk, network card and entropy source, its kernel command line running qtrace.run=RUN); when
# the guest is not built, says BENCH is skipped and exits 0
debian_guest() {
    GD=$CACHE/guest-debian
    if [ ! -s "$GD/disk.img" ]; then
        echo "$1: skipped: the Debian guest is not built (make guest-debian, as root)"
        exit 0
    fi
    DEBIAN=(-accel tcg -display none -serial mon:stdio -no-reboot -m 512 -kernel "$GD/vmlinuz" -initrd "$GD/initrd.gz"
            -append "console=ttyS0 quiet panic=-1 qtrace.run=$2"
            -drive "file=$GD/disk.img,format=raw,if=virtio,snapshot=on" -netdev user,id=n -device e1000,netdev=n
            -device virtio-rng-pci)
}
