#!/usr/bin/env bash
# What cannot work in the 32-bit guest: exactly the documented error before QEMU starts (oracle: the messages,
# a fake QEMU that leaves a file behind).
. "$(dirname "$0")/../lib.sh"
need_guest32
compat32_syms
fake_qemu
# ---- what cannot work: clear errors before QEMU starts --------------------------------------
d=$TMP/bad32
mkdir -p "$d"
printf 'calls\n%s~%s\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:process_func_with_param\n' "$KW32" "$KW32" >"$d/configs.txt"
(cd "$d" && "$QTRACE" compat --qemu "$FAKE" -- "${Q32[@]}" >stdout 2>stderr)
ok $([ $? = 2 ] && [ "$(cat "$d/stderr")" = "qtrace: error: configs.txt:6: trace_type process_func_with_param follows the process named on line 1: in a 32-bit guest qtrace knows it by its code, so give --program PATH (a host copy of calls)" ] && [ ! -e "$TMP/qemu-started" ]; echo $?) \
    "32-bit: process_func_* without --program is refused before QEMU starts (the process is known by its code)"
printf 'calls\nffffffff~ffffffff\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:spec_func_with_param\n%s,0,cred\n' "$(ksym32 prepare_creds)" >"$d/configs.txt"
(cd "$d" && "$QTRACE" compat -p "$P32" --qemu "$FAKE" -- "${Q32[@]}" >stdout 2>stderr)
ok $([ $? = 2 ] && [ "$(cat "$d/stderr")" = "qtrace: error: configs.txt:7: type cred (position 0) reads a kernel structure, whose layout qtrace takes from the kernel's BTF or --layout: in a 32-bit guest it reads no kernel layouts (write hex for the raw pointer)" ] && [ ! -e "$TMP/qemu-started" ]; echo $?) \
    "32-bit: a kernel object type (cred) is refused before QEMU starts (no kernel layouts)"
printf 'calls\nc0000000~c0000010\n0~0\nfuncstack:0\nlinkmap:0\ntrace_type:nomal\n' >"$d/configs.txt"
(cd "$d" && "$QTRACE" compat -p "$P32" --qemu "$FAKE" --kernel-symbols /dev/null -- "${Q32[@]}" >stdout 2>stderr)
ok $([ $? = 2 ] && [ "$(cat "$d/stderr")" = "qtrace: error: /dev/null has no kernel symbols" ] && [ ! -e "$TMP/qemu-started" ]; echo $?) \
    "32-bit: an unusable --kernel-symbols file is refused before QEMU starts"
done_testing
