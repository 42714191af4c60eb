# Sourced by tests/e2e/lib.sh (execlog_setup) and bench/execlog.sh: paths, test programs, the plugin.
# Needs TOP, BUILD, CACHE set; sets QEMU, QEMU_A64, REF, W (work dir), QTRACE.

QEMU=$CACHE/bin/qemu-x86_64
QEMU_A64=$CACHE/bin/qemu-aarch64
REF=$CACHE/qemu-build/contrib/plugins/libexeclog.so
QTRACE=$BUILD/qtrace
CFLAGS_PLUGIN="-O2 -g -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -fPIC -fvisibility=hidden"

# el_build_prog SRC OUT [CC]: a static test program
el_build_prog() {
    local cc=${3:-gcc}
    [ "$1" -ot "$2" ] && return 0
    "$cc" -O1 -g -static -pthread -o "$2" "$1"
}

# el_build_harness OUT: the execution log alone, in a stand-alone plugin (tests/execlog/harness.c)
el_build_harness() {
    (cd "$TOP" && gcc $CFLAGS_PLUGIN -I"$CACHE/include" -Icommon -Iplugin $(pkg-config --cflags glib-2.0) -shared \
        -o "$1" tests/execlog/harness.c plugin/execlog.c common/execlog_text.c plugin/out.c -lpthread)
}

# el_pick_plugin PROG: sets PLUGIN (and PLUGIN2, a second copy so that two instances with
# different options can run in one QEMU) and PLUGIN_KIND (libqtrace or harness).
# build/libqtrace.so is used if it loads; else the harness is built. PLUGIN_WHY says why.
el_pick_plugin() {
    PLUGIN_WHY=""
    if [ -z "${QTRACE_EXECLOG_HARNESS:-}" ] && [ -f "$BUILD/libqtrace.so" ]; then
        local msg
        if msg=$(env -i "$QEMU" -plugin "$BUILD/libqtrace.so,out=$W/probe.qtr,execlog=on,execlog_out=$W/probe.log" \
                "$1" 2>&1 >/dev/null); then
            PLUGIN=$BUILD/libqtrace.so
            PLUGIN_KIND=libqtrace
            cp "$PLUGIN" "$W/libqtrace-copy.so"
            PLUGIN2=$W/libqtrace-copy.so
            return 0
        fi
        PLUGIN_WHY="build/libqtrace.so does not run with execlog=on: $(echo "$msg" | head -2 | tr '\n' ' ')"
    else
        PLUGIN_WHY=${QTRACE_EXECLOG_HARNESS:+QTRACE_EXECLOG_HARNESS is set}
        PLUGIN_WHY=${PLUGIN_WHY:-build/libqtrace.so is missing}
    fi
    el_build_harness "$W/libexeclog_harness.so" || return 1
    cp "$W/libexeclog_harness.so" "$W/libexeclog_harness2.so"
    PLUGIN=$W/libexeclog_harness.so
    PLUGIN2=$W/libexeclog_harness2.so
    PLUGIN_KIND=harness
}

# el_dump TRACE FORMAT(execlog|execlog-json) OUT: the execution log of a binary trace, by
# `qtrace dump` (DUMP_TOOL=qtrace) if it is built, else by tests/execlog/eldump.c (eldump).
el_dump() {
    if [ -x "$QTRACE" ]; then
        DUMP_TOOL=qtrace
        "$QTRACE" dump -f "$2" -o "$3" "$1" 2>"$W/dump.err"
        return
    fi
    DUMP_TOOL=eldump
    if [ ! -x "$W/eldump" ] || [ "$TOP/common/execlog_text.c" -nt "$W/eldump" ]; then
        (cd "$TOP" && gcc -O2 -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Icommon \
            -o "$W/eldump" tests/execlog/eldump.c common/execlog_text.c) || return 1
    fi
    "$W/eldump" "$1" "$([ "$2" = execlog-json ] && echo json || echo text)" >"$3"
}
