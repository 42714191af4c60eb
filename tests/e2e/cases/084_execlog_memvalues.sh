#!/usr/bin/env bash
# memvalues=on: the 8-, 2- and 1-byte stores of el_store_marker show the values the program
# stores (oracle: execlog_prog.c's constants, nm's addresses).
. "$(dirname "$0")/../lib.sh"
execlog_setup
fixture execlog_bin
mv=$FX/bin_regs.txt
want_ok=1
for m in "el_marker 0x1122334455667788" "el_marker16 0xbeef" "el_marker8 0x5a"; do
    a=$(el_sym "${m% *}")
    line="store, 0x$(printf '%08x' $((0x$a))) = ${m#* }"
    grep -qF -- "$line" "$mv" || { want_ok=; echo "# missing: $line"; }
done
if [ -n "$want_ok" ]; then
    ok 0 "memvalues=on: the 8-, 2- and 1-byte stores of el_store_marker show their values"
else
    ok 1 "memvalues=on: the stores of el_store_marker show their values"
fi
done_testing
