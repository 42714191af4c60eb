#!/usr/bin/env bash
# A dynamically linked PIE of the Debian guest traced by its guest path, -p /usr/local/bin/calls,
# found in --sysroot: the guest's ext4 image (the --guest default, read with libext2fs) and the
# folder the image was made from give the same trace. Oracles: the values the program printed,
# and the file in the folder (the copy extracted from the image is the same bytes).
. "$(dirname "$0")/../lib.sh"
need_debian
# returns_nested TRACE TID 'func(args)' VALUE: as lib.sh's returns, for a recursive call: its
# "} = VALUE;" is the first closing line at its own indentation
returns_nested() {
    thread_tree "$1" "$2" | awk -v call="$3" -v val="$4" '
        { match($0, /^ */); ind = RLENGTH; line = substr($0, ind + 1) }
        !open && line == call " = " val ";" { found = 1; exit }
        !open && line == call " {" { open = 1; at = ind; next }
        open && ind == at && line ~ /^} = / { found = ($3 == val ";"); exit }
        END { exit !found }'
}
ARGS=(--append qtrace.run=calls --timeout 240 -p /usr/local/bin/calls -A 'add@arg1,arg2' -R add -A 'fact@arg1'
      -R fact -A 'greet@arg1/s' -R greet)
debian_boot "$TMP" img "${ARGS[@]}" &
debian_boot "$TMP" dir "${ARGS[@]}" --sysroot "$GD/rootfs"
wait
for n in img dir; do
    ok "$(rc_of "$TMP/$n.rc")" "$n: qtrace system exits 0 ($(cat "$TMP/$n.secs")s)"
    check "$n: the program ran to the end" grep -qx 'QTRACE-GUEST: exit calls status 0' "$TMP/$n.console"
done
check "image: the program was extracted from the image, the same bytes as the folder's" \
    cmp "$TMP/img/sysroot/usr/local/bin/calls" "$GD/rootfs/usr/local/bin/calls"
check "folder: the folder's own file is read (nothing extracted)" test ! -e "$TMP/dir/sysroot"
for n in img dir; do
    T=$TMP/$n/trace.txt
    pid=$(sed -n 's/^calls: pid=\([0-9]*\)$/\1/p' "$TMP/$n.console")
    check "$n: calls printed its pid ($pid)" test -n "$pid"
    pid=${pid:-x}
    # every value the program printed, as its calls in the trace, with DWARF's parameter names
    while IFS='=' read -r call val; do
        case "$call" in
        add\(*) a=${call#add(}; a=${a%)}; want="add(a=${a%,*}, b=${a#*,})" ;;
        fact\(*) a=${call#fact(}; want="fact(n=${a%)})" ;;
        greet\(*) a=${call#greet(}; want="greet(who=\"${a%)}\")" ;;
        *) continue ;;
        esac
        check "$n: printed $call=$val; traced $want = $val" returns_nested "$T" "$pid" "$want" "$val"
    done < <(grep -E '^(add|fact|greet)\(' "$TMP/$n.console")
    # the worker threads' adds (they print only that they are done)
    check "$n: two worker threads, 3 adds each" test "$(grep -E '^ *add\(a=[12]00, b=[0-2]\) = [12]0[0-2];$' <(tree_of "$T") | wc -l)" = 6
    call_tree "$T" "$pid" >"$TMP/$n.main"
    tree_of "$T" | grep -E '^ *add\(a=[12]00' | sort >"$TMP/$n.workers"
done
check "the image's trace has calls" test -s "$TMP/img.main"
same_text "the program's call tree is the same from the image and from the folder" "$TMP/img.main" "$TMP/dir.main"
same_text "the worker threads' calls are the same" "$TMP/img.workers" "$TMP/dir.workers"
done_testing
