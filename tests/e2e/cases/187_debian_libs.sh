#!/usr/bin/env bash
# e2e: long
# Library calls in the Debian guest with --sysroot as the ext4 image (libraries extracted from
# it) and as the folder it was made from, two boots side by side: libcalls_dyn (a dynamically
# linked PIE) calls libc with values it prints, dlopens libz and calls it, runs two threads,
# writes a file on the ext4 root (the ext4 module's functions, -P 'ext4:*', BTF names), calls
# strlen (an IFUNC: traced where its resolver chose), and
# execs itself twice through sh -c. Oracles: what each process printed (pid, its bias, libc's
# and libz's base from /proc/self/maps, the values passed and returned, each thread's tid and
# count, the ext4 module's base from /proc/modules), and the two traces against each other.
# getenv and qsort are run by the init shell and sshd before the program: x86 system mode runs
# one translation of a physical page at every address it is mapped at, so they are traced only
# if the processes not recorded instrument them too.
. "$(dirname "$0")/../lib.sh"
need_debian
# calls_of TRACE PID: a process's call lines without their indentation (frames of the program it
# exec'd from may still be open below them)
calls_of() { call_tree "$1" "$2" | sed 's/^ *//'; }
ARGS=(--append qtrace.run=libcalls_dyn,libc,dlopen,threads,write,chain --timeout 400 -p /usr/local/bin/libcalls_dyn
      --comm libcalls_dyn --linkmap -A 'atoi@arg1/s' -R atoi -A 'setenv@arg1/s,arg2/s,arg3' -A 'getenv@arg1/s'
      -R 'getenv@retval/s' -P qsort -P cmp -A 'crc32@arg1,arg2/s,arg3' -A 'adler32@arg1,arg2/s,arg3' -A labs@arg1
      -R labs -P work -P 'ext4:*' -A 'ext4:ext4_file_write_iter@arg1/x,arg2/x' -A 'strlen@arg1/s' -R strlen)
debian_boot "$TMP" img "${ARGS[@]}" --sysroot "$GD/disk.img" &
debian_boot "$TMP" dir "${ARGS[@]}" --sysroot "$GD/rootfs"
wait
for n in img dir; do
    ok "$(rc_of "$TMP/$n.rc")" "$n: qtrace system exits 0 ($(cat "$TMP/$n.secs")s)"
    check "$n: the program ran to the end" grep -qx 'QTRACE-GUEST: exit libcalls_dyn status 0' "$TMP/$n.console"
    check "$n: nothing said but the ssh line (every library under ROOT, every pattern matched)" \
        bash -c "! grep -v '^qtrace: guest debian: ssh ' '$TMP/$n.err' | grep -q warning"
done
check "image: libc.so.6 extracted from the image, the folder's bytes" \
    cmp "$TMP/img/sysroot/usr/lib/x86_64-linux-gnu/libc.so.6" "$GD/rootfs/usr/lib/x86_64-linux-gnu/libc.so.6"
check "image: ext4.ko extracted (the pattern names the module)" \
    cmp "$TMP/img/sysroot/usr/lib/modules/$(cat "$GD/kernel-version")/kernel/fs/ext4/ext4.ko" \
        "$GD/rootfs/usr/lib/modules/$(cat "$GD/kernel-version")/kernel/fs/ext4/ext4.ko"
check "folder: nothing extracted" test ! -e "$TMP/dir/sysroot"

for n in img dir; do
    T=$TMP/$n/trace.txt C=$TMP/$n.console
    # each process: its pid, where it was loaded, libc's base (the trace's map records of that pid)
    mapfile -t procs < <(sed -n 's/^libcalls: pid=\([0-9]*\) bias=\(0x[0-9a-f]*\) libc=\(0x[0-9a-f]*\)$/\1 \2 \3/p' "$C")
    check "$n: three processes printed their addresses" test "${#procs[@]}" = 3
    for p in "${procs[@]}"; do
        read -r pid bias libc <<<"$p"
        check "$n: pid $pid: the program mapped at $bias, as it printed" \
            grep -qE "^ *\[cpu[0-9]+ as:[0-9]+ tid:$pid\] == map \"/usr/local/bin/libcalls_dyn\" $bias$" "$T"
        check "$n: pid $pid: libc.so.6 mapped at $libc, as it printed" \
            grep -qE "^ *\[cpu[0-9]+ as:[0-9]+ tid:$pid\] == map \"/usr/lib/x86_64-linux-gnu/libc.so.6\" $libc$" "$T"
    done
    check "$n: three different load addresses" test "$(printf '%s\n' "${procs[@]}" | cut -d' ' -f2 | sort -u | wc -l)" = 3
    read -r first _ <<<"${procs[0]}"
    first=${first:-x}
    # libc's functions with the values the program printed, in its first process (getenv calls
    # strlen, traced too: on one line, or around its strlen)
    while IFS='=' read -r call val; do
        want=${call//,/, }
        check "$n: printed $call=$val; traced $want = $val" returns "$T" "$first" "$want" "$val"
    done < <(grep -E '^(atoi|getenv)\(' "$C" | head -3)
    # strlen is an IFUNC: traced at the implementation its resolver chose, under its own name
    sl=$(grep -m1 '^strlen(' "$C")
    check "$n: printed ${sl:-no strlen line}; traced ${sl%%=*} = ${sl#*=} (an IFUNC, at its implementation)" \
        grep -qxF "${sl%%=*} = ${sl#*=};" <(calls_of "$T" "$first")
    check "$n: setenv(\"QT_KEY\", \"v1\", 1) (printed: setenv returned $(sed -n 's/^setenv(.*)=//p' "$C"))" \
        grep -qxF 'setenv("QT_KEY", "v1", 1) {' <(calls_of "$T" "$first")
    check "$n: getenv, run by the shell and sshd before, traced in the program" \
        returns "$T" "$first" 'getenv("QT_KEY")' '"v1"'
    check "$n: qsort calls the program's cmp back, nested inside it (8 times for 5 ints)" \
        test "$(call_tree "$T" "$first" | sed -n '/^ *qsort() {$/,/^ *} \/\* qsort/p' | grep -c '^ \+cmp();$')" = 8
    # the library it dlopens: its base, learnt when the guest mapped it, and its functions' values
    libz=$(sed -n 's/^libz=\(0x[0-9a-f]*\)$/\1/p' "$C")
    check "$n: dlopen'ed libz.so.1 mapped at $libz, as the program printed" \
        grep -qE "^ *\[cpu[0-9]+ as:[0-9]+ tid:$first\] == map \"/usr/lib/x86_64-linux-gnu/libz.so.1.2.13\" ${libz:-x}$" "$T"
    for f in crc32 adler32; do
        call=$(sed -n "s/^\($f(.*)\)=.*/\1/p" "$C")
        check "$n: printed $call; traced ${call//,/, } in libz" grep -qxF "${call//,/, } {" <(calls_of "$T" "$first")
    done
    # two threads: each one's labs calls in its own tid, the count and the values it computed
    while read -r id tid calls; do
        got=$(thread_tree "$T" "$tid" | grep -cE "^labs\(-${id}00[0-9]\) = ${id}00[0-9];$")
        check "$n: thread $id (tid $tid) counted $calls labs calls; traced in its tid: $got" test "$got" = "$calls"
        check "$n: thread $id: its work() calls too" test "$(thread_tree "$T" "$tid" | grep -c '^work();$')" = "$calls"
    done < <(sed -n 's/^thread \([12]\): tid=\([0-9]*\) labs calls=\([0-9]*\) .*/\1 \2 \3/p' "$C")
    # the exec chain: each child's atoi in its own pid
    for k in 1 2; do
        read -r pid _ <<<"${procs[$k]}"
        check "$n: child $k (pid $pid): atoi(\"${k}00\") = ${k}00" grep -qxF "atoi(\"${k}00\") = ${k}00;" <(calls_of "$T" "${pid:-x}")
    done
    # the ext4 module: loaded at the base /proc/modules says, its function with BTF's names
    base=$(sed -n 's/^ext4: base=\(0x[0-9a-f]*\) .*/\1/p' "$C")
    check "$n: the module record of ext4 at $base, as /proc/modules says" \
        grep -qE "== module \{name=\"ext4\", base=${base:-x}, " "$T"
    check "$n: the program wrote its 3 blocks (printed)" test "$(grep -cx 'write(4096)=4096' "$C")" = 3
    check "$n: ext4_file_write_iter, with BTF's parameter names, in the program's pid" \
        grep -qE '^ext4_file_write_iter\(iocb=0x[0-9a-f]+, from=0x[0-9a-f]+\) \{$' <(calls_of "$T" "$first")
    check "$n: more ext4 functions under the write (ext4_da_write_begin)" grep -q '^ *ext4_da_write_begin' <(call_tree "$T" "$first")
    # the user-space calls of each process (kernel frames aside), for the comparison below
    for p in "${procs[@]}"; do
        read -r pid _ <<<"$p"
        calls_of "$T" "$pid" | grep -E '^(atoi|setenv|getenv|qsort|cmp|crc32|adler32)\(' >>"$TMP/$n.user"
    done
done
check "the image's trace has the library calls" test -s "$TMP/img.user"
same_text "the library calls are the same with the image and the folder as ROOT" "$TMP/img.user" "$TMP/dir.user"
done_testing
