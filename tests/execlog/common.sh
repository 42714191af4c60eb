# Sourced by tests/e2e/lib.sh (execlog_setup) and bench/execlog.sh: paths, test programs, the plugin.
# Needs TOP, BUILD, CACHE set; sets QEMU, QEMU_A64, REF, W (work dir), QTRACE.

QEMU=$CACHE/bin/qemu-x86_64
QEMU_A64=$CACHE/bin/qemu-aarch64
REF=$CACHE/qemu-build/contrib/plugins/libexeclog.so
QTRACE=$BUILD/qtrace


# el_build_prog SRC OUT [CC]: a static test program
el_build_prog() {
    local cc=${3:-gcc}
    [ "$1" -ot "$2" ] && return 0
    "$cc" -O1 -g -static -pthread -o "$2" "$1"
}

# el_pick_plugin PROG: sets PLUGIN and PLUGIN2 (a second copy, so that two instances with
# different options can run in one QEMU): build/libqtrace.so, which must load with execlog=on.
el_pick_plugin() {
    local msg
    if ! msg=$(env -i "$QEMU" -plugin "$BUILD/libqtrace.so,out=$W/probe.qtr,execlog=on,execlog_out=$W/probe.log" \
            "$1" 2>&1 >/dev/null); then
        PLUGIN_WHY="build/libqtrace.so does not run with execlog=on: $(echo "$msg" | head -2 | tr '\n' ' ')"
        return 1
    fi
    PLUGIN=$BUILD/libqtrace.so
    cp "$PLUGIN" "$W/libqtrace-copy.so"
    PLUGIN2=$W/libqtrace-copy.so
}

# el_dump TRACE FORMAT(execlog|execlog-json) OUT: the execution log of a binary trace (qtrace dump)
el_dump() {
    "$QTRACE" dump -f "$2" -o "$3" "$1" 2>"$W/dump.err"
}
