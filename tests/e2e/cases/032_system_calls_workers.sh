#!/usr/bin/env bash
# calls.c's two worker threads in the guest: each worker's exact calls on a stack of its own, with
# the kernel's thread ids (oracle: calls.c's source and its printed pid).
. "$(dirname "$0")/../lib.sh"
need_guest calls
fixture sys_calls
T=$FX/calls/trace.txt
main_tid=$(sed -n 's/.*tid:\([0-9]*\)\] main() {$/\1/p' "$T" | head -1)
# the two threads run one after the other; glibc gives the second the first one's stack and TLS
# block back, so without the kernel they would share a thread pointer; with it each is its own
# task: the kernel's thread ids, allocated after calls' own pid
wtids=
for id in 1 2; do
    wtid=$(sed -n "s/.*tid:\([0-9]*\)\] worker(arg=$id) {\$/\1/p" "$T" | head -1)
    ok $([ -n "$wtid" ] && [ "$wtid" != "$main_tid" ]; echo $?) "worker $id does not run on main's stack"
    ok $([ -n "$wtid" ] && [ "$wtid" -gt "$main_tid" ] && [[ " $wtids " != *" $wtid "* ]]; echo $?) \
        "worker $id has a guest thread id of its own ($wtid, after pid $main_tid)"
    wtids="$wtids $wtid"
    call_tree "$T" "$wtid" | sed -n "/^worker(arg=$id) {\$/,/^} \/\* worker \*\/\$/p" >"$TMP/w$id.tree"
    printf 'worker(arg=%d) {\n  add(a=%d00, b=0) = %d00;\n  add(a=%d00, b=1) = %d01;\n  add(a=%d00, b=2) = %d02;\n} /* worker */\n' \
        $id $id $id $id $id $id $id >"$TMP/w$id.want"
    same_text "worker $id: exact calls, depth 0 of its own stack" "$TMP/w$id.tree" "$TMP/w$id.want"
done
check "all events of calls in one address space" test "$(grep -o 'as:[0-9]*' "$T" | sort -u | wc -l)" = 1
done_testing
