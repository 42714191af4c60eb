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
# guest_run NAME COMMAND...: one run into $OUT/NAME.log, its loop_ms kept in BEST and ALL; the
# traces the run wrote under $OUT/*-trace are removed (disk: only the logs are kept)
guest_run() {
    local name=$1; shift
    local log=$OUT/$name.log ms
    timeout 600 "$@" >"$log" 2>&1 </dev/null
    ms=$(guest_loop_ms "$log")
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
