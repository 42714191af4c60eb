#!/usr/bin/env bash
# Stack pointers that jump (tests/progs/stacks.c): three coroutines switching stacks with
# swapcontext inside a traced function, and a recursion 1000000 deep. Oracle: the calls and
# values the program prints, its source (step(c, i) returns 100c + i), and plain QEMU's peak RSS.
. "$(dirname "$0")/../lib.sh"
need_qemu_user
gcc $CF -static -pthread -o "$TMP/stacks" "$TOP/tests/progs/stacks.c" || bail "build tests/progs/stacks.c"
SPECS=(-P step -P leaf -A step -A leaf -R step -R leaf)

# ---- coroutines: fast path (every call recorded), and the general path (-D) ----
for how in fast general; do
    extra=(); [ $how = general ] && extra=(-D 100)
    "$QTRACE" run -q "${SPECS[@]}" "${extra[@]}" --format text -o "$TMP/$how" -- "$TMP/stacks" coro >"$TMP/$how.out" 2>&1
    rc=$?
    T=$TMP/$how/trace.txt
    ok $([ $rc = 0 ] && grep -qx 'stacks: coro done' "$TMP/$how.out"; echo $?) "coro ($how path): the program ran to its end ($rc)"
    sed -n 's/^stacks: leaf \([0-9]*\) \([0-9]*\) = \([0-9]*\)$/leaf(c=\1, i=\2) = \3;/p' "$TMP/$how.out" >"$TMP/$how.want"
    tree_of "$T" | sed -n 's/^ *\(leaf(.*\)$/\1/p' >"$TMP/$how.got"
    ok $([ "$(wc -l <"$TMP/$how.want")" = 12 ]; echo $?) "coro ($how path): the program printed 12 leaf calls"
    same_text "coro ($how path): the 12 leaf calls, in the order and with the values the program printed" \
        "$TMP/$how.got" "$TMP/$how.want"
    # every step call: closed with its own value (100c + i), or marked unwound; never another's
    tree_of "$T" | python3 -c '
import re, sys
stack, ret, unw, bad = [], 0, 0, []
for l in sys.stdin:
    l = l.strip()
    m = re.match(r"step\(c=(\d+), i=(\d+)\) \{$", l)
    if m:
        stack.append(100 * int(m[1]) + int(m[2])); continue
    if re.match(r"leaf\(", l):
        continue
    m = re.match(r"\} = (\d+); /\* step \*/$", l)
    if m and stack:
        want = stack.pop(); ret += 1
        if int(m[1]) != want: bad.append("%s returned %s" % (want, m[1]))
        continue
    if l == "} /* step: unwound */" and stack:
        stack.pop(); unw += 1; continue
    bad.append("unexpected: " + l)
print("%d %d %d %s" % (ret, unw, len(stack), "; ".join(bad)))' >"$TMP/$how.steps"
    read -r nret nunw nopen why <"$TMP/$how.steps"
    ok $([ "$nret" -ge 4 ] && [ $((nret + nunw)) = 12 ] && [ "$nopen" = 0 ] && [ -z "${why:-}" ]; echo $?) \
        "coro ($how path): 12 step calls, $nret returning their own value, $nunw marked unwound, none another's${why:+ ($why)}"
done

# ---- 1000000 deep ----
N=1000000
t0=$SECONDS
/usr/bin/time -f %M -o "$TMP/rss.run" "$QTRACE" run -P recurse -A recurse -R recurse --format text,folded -o "$TMP/deep" \
    -- "$TMP/stacks" deep $N >"$TMP/deep.out" 2>"$TMP/deep.err"
rc=$? secs=$((SECONDS - t0))
/usr/bin/time -f %M -o "$TMP/rss.plain" "$QEMU_USER" "$TMP/stacks" deep $N >/dev/null 2>&1
ok $([ $rc = 0 ] && grep -qx "stacks: deep $N = $N" "$TMP/deep.out"; echo $?) "deep: recursed $N deep and returned $N ($rc)"
read -r ev lost < <(sed -n 's/^qtrace: \([0-9]*\) events, .* \([0-9]*\) lost -> .*/\1 \2/p' "$TMP/deep.err")
ok $([ "${ev:-0}" -gt 0 ] && [ $((ev + lost)) = $((2 * (N + 1))) ]; echo $?) \
    "deep: events + lost = 2 x $((N + 1)) calls ($ev recorded + $lost reported lost)"
# the recorded part is exact: the outermost ev/2 calls, each with its argument and return value
tree_of "$TMP/deep/trace.txt" | python3 -c '
import re, sys
n, k = int(sys.argv[1]), int(sys.argv[2]) // 2
ent, ext = [], []
for l in sys.stdin:
    l = re.sub(r"^ *(\[depth \d+\] )?", "", l.rstrip("\n"))
    m = re.match(r"recurse\(n=(\d+)\) (\{|= (\d+);)$", l)
    if m:
        ent.append(int(m[1]))
        if m[3]: ext.append(int(m[3]))
        continue
    m = re.match(r"\} = (\d+); /\* recurse \*/$", l)
    if m: ext.append(int(m[1]))
want = list(range(n, n - k, -1))
print("ok" if ent == want and ext == want[::-1] else "entries %s... exits %s..." % (ent[:3], ext[:3]))' $N "$ev" >"$TMP/deep.check"
ok $([ "$(cat "$TMP/deep.check")" = ok ]; echo $?) "deep: the $((ev / 2)) outermost calls, recurse(n=$N) down, each returning its n ($(cat "$TMP/deep.check"))"
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$TMP/deep/trace.txt")
nfold=$(wc -l <"$TMP/deep/trace.folded")
ok $([ "$longest" -lt 700 ] && [ "$nfold" -le 256 ] && grep -q ';\[deeper\];recurse [0-9]*$' "$TMP/deep/trace.folded"; echo $?) \
    "deep: text lines at most 700 bytes (longest $longest), folded at most 256 lines ($nfold) ending in [deeper]"
run_kb=$(tail -1 "$TMP/rss.run") plain_kb=$(tail -1 "$TMP/rss.plain")
echo "deep: ${secs}s, peak RSS ${run_kb} KB (plain qemu-x86_64: ${plain_kb} KB)" | diag
ok $([ $secs -lt 60 ] && [ "$run_kb" -lt $((plain_kb + 65536)) ]; echo $?) \
    "deep: under 60 s (${secs}s), peak RSS at most 64 MB above plain QEMU's (${run_kb} KB vs ${plain_kb} KB)"
done_testing
