#!/usr/bin/env bash
# The straight-run decoders (common/arch.c run_to_ret) against objdump, on libc and libm (x86-64
# and aarch64) and a program of ours: no function decoded wrong; "missed" ones are counted, not failed.
. "$(dirname "$0")/../lib.sh"
gcc -O1 -g -Wall -Werror -fsanitize=address,undefined -I"$TOP/common" -o "$TMP/run_to_ret" \
    "$TOP/tests/tools/run_to_ret.c" "$TOP/common/arch.c"
ok $? "the decoder's test driver builds (with ASan and UBSan)"
gcc -O1 -g -fno-inline -fno-optimize-sibling-calls -fno-omit-frame-pointer -static -no-pie -o "$TMP/bench" \
    "$TOP/guest/progs/bench.c"
for bin in /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libm.so.6 "$TMP/bench"; do
    python3 "$TOP/tests/tools/check_run_to_ret.py" "$TMP/run_to_ret" "$bin" >"$TMP/dec.out" 2>&1
    read -r _ nf _ ny _ nw _ nm < <(tail -1 "$TMP/dec.out")
    grep '^# wrong' "$TMP/dec.out" | head -5
    ok $([ "${nw:-1}" = 0 ] && [ "${ny:-0}" -ge 20 ]; echo $?) \
        "$(basename "$bin"): no function decoded wrong (${nf:-?} functions, ${ny:-?} one-block, ${nm:-?} missed)"
done
if command -v aarch64-linux-gnu-objdump >/dev/null && [ -f /usr/aarch64-linux-gnu/lib/libc.so.6 ]; then
    for bin in /usr/aarch64-linux-gnu/lib/libc.so.6 /usr/aarch64-linux-gnu/lib/libm.so.6; do
        python3 "$TOP/tests/tools/check_run_to_ret.py" "$TMP/run_to_ret" "$bin" aarch64 >"$TMP/dec64.out" 2>&1
        read -r _ nf _ ny _ nw _ nm < <(tail -1 "$TMP/dec64.out")
        grep '^# wrong' "$TMP/dec64.out" | head -5
        ok $([ "${nw:-1}" = 0 ] && [ "${ny:-0}" -ge 20 ]; echo $?) \
            "aarch64 $(basename "$bin"): no function decoded wrong (${nf:-?} functions, ${ny:-?} one-block, ${nm:-?} missed)"
    done
else
    ok 1 "aarch64: aarch64-linux-gnu-objdump or the arm64 libc missing (run scripts/setup.sh)"
fi
ok $(grep -qx '# one-block: bench_mix (11 instructions)' "$TMP/dec.out" &&
     grep -qx '# one-block: bench_other (4 instructions)' "$TMP/dec.out" &&
     ! grep -q 'one-block: bench_step ' "$TMP/dec.out"; echo $?) \
    "bench: bench_mix (11 instructions) and bench_other (4) are one-block, bench_step (a call) is not"
done_testing
