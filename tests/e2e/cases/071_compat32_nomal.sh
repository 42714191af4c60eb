#!/usr/bin/env bash
# The 32-bit guest, trace_type nomal: fact and add by their ranges, fact's recursion as stacks
# (oracle: nm's addresses, calls.c's recursion).
. "$(dirname "$0")/../lib.sh"
need_guest32
compat32_syms
printf 'calls\nffffffff~ffffffff\n%s~%s,%s\nfuncstack:1\nlinkmap:0\ntrace_type:nomal\n' \
    "$(sym32 add)" "$(sym32 add)" "$(sym32 fact)" | new_config nomal32
run32 nomal32
ok $? "32-bit nomal: exits 0"
D=$TMP/nomal32
# exact: the log's calls and returns, and the stack file but its header (it names the KASLR
# slide, random); the expected files name the addresses {add}, {fact}, taken from nm. The tids
# are qtrace's numbers of the threads (no task structures in a 32-bit guest): 1 is main's; the
# workers reuse one stack and thread pointer, one after the other, so both are 2.
addrs="s/{add}/$a/g; s/{fact}/$f/g"
grep -E '^(call|ret|unwind) ' "$D/log" >"$TMP/log.got"
sed "$addrs" "$(dirname "$0")/071_compat32_nomal.log.want" >"$TMP/log.want"
same_text "32-bit nomal log: exactly the calls of fact and add (the ranges), nothing outside them" "$TMP/log.got" "$TMP/log.want"
grep -v '^# ' "$D/stack" >"$TMP/stack.got"
sed "$addrs" "$(dirname "$0")/071_compat32_nomal.stack.want" >"$TMP/stack.want"
same_text "32-bit nomal stack, funcstack:1: one stack per call, fact's recursion 5 deep" "$TMP/stack.got" "$TMP/stack.want"

done_testing
