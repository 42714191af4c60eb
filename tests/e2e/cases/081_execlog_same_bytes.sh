#!/usr/bin/env bash
# The execution log, option by option: qtrace's text and QEMU's own contrib/plugins/libexeclog.so,
# loaded in the same qemu-x86_64 run, are the same bytes (oracle: libexeclog.so).
. "$(dirname "$0")/../lib.sh"
execlog_setup
fixture execlog_plain
cp "$FX"/plain.* "$W/"
compare plain "no filter"
# does this QEMU disassemble? (it needs capstone at build time; without it every disassembly is "")
if grep -q ', "[a-z]' "$W/plain.ref"; then
    HAVE_DISAS=1
else
    HAVE_DISAS=
    echo "# this qemu-x86_64 has no disassembler (built without capstone): ifilter and rdisas match nothing"
fi

store=$(el_sym el_store_marker)
fault=$(el_sym el_fault)
run_pair afilter "afilter=0x$store,afilter=0x$fault"
compare afilter "afilter=0x$store,afilter=0x$fault"

run_pair reg_rax "reg=rax"
compare reg_rax "reg=rax"

run_pair reg_all "reg=*"
compare reg_all "reg=* (every register)"

run_pair rdisas "reg=rsp,reg=rax,rdisas=on"
compare rdisas "reg=rsp,reg=rax,rdisas=on"

# check-only instructions with no register to watch: execlog writes the pending line out early
# and prints it a second time at exit
run_pair noreg "afilter=0x$store,afilter=0x$fault,reg=nosuchregister"
compare noreg "afilter=0x$store,afilter=0x$fault,reg=nosuchregister (execlog's repeated last line)"

if [ -n "$HAVE_DISAS" ]; then
    run_pair ifilter "ifilter=mov"
    compare ifilter "ifilter=mov"
    run_pair ifilter_reg "ifilter=call,ifilter=push,afilter=0x$store,reg=rsp,reg=r1*"
    compare ifilter_reg "ifilter=call,ifilter=push,afilter=0x$store,reg=rsp,reg=r1*"
    run_pair ifilter_rdisas "ifilter=div,reg=rax,rdisas=on"
    compare ifilter_rdisas "ifilter=div,reg=rax,rdisas=on"
else
    run_pair ifilter "ifilter=mov,afilter=0x$store,reg=rax"
    compare ifilter "ifilter=mov,afilter=0x$store,reg=rax (no disassembler: ifilter matches nothing)"
    skip "ifilter=call,ifilter=push,... with disassembly" "qemu-x86_64 built without capstone"
    skip "ifilter=div,reg=rax,rdisas=on with disassembly" "qemu-x86_64 built without capstone"
fi
done_testing
