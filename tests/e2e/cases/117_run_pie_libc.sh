#!/usr/bin/env bash
# A dynamically linked PIE: its functions relocated and named, libc functions with arguments, the
# PLT imports traced with no selection, the link map (oracle: the program's source and output).
. "$(dirname "$0")/../lib.sh"
cat >"$TMP/dyn.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
__attribute__((noinline)) int twice(int x) { return 2 * x; }
int main(void) {
    char *p = malloc(40);
    strcpy(p, "hello from pie");
    puts(p);
    printf("twice=%d\n", twice(21));
    free(p);
    return 0;
}
C
gcc -O1 -g -pie -fPIE -o "$TMP/dyn" "$TMP/dyn.c"
"$QTRACE" run -q -P main -P twice -P puts -P malloc -P free -A 'puts@arg1/s' -A 'malloc@arg1/u' -R 'malloc@retval/p' \
    -A twice --format text,linkmap -o "$TMP/c3" -- "$TMP/dyn" >"$TMP/c3.out" 2>&1
ok $? "dynamic PIE program runs under qtrace"
D=$TMP/c3/trace.txt
check "PIE: program function relocated and named: twice(x=21) = 42" grep -qE '\]   twice\(x=21\) = 42;$' "$D"
check "libc: malloc(40) returns a pointer" grep -qE '\]   malloc\(40\) = 0x[0-9a-f]+;$' "$D"
check "libc: puts(\"hello from pie\") with its string argument" grep -qE '\]   puts\("hello from pie"\)' "$D"
# with no selection at all, the library functions the program calls (its PLT imports) are
# traced too, as uftrace and ltrace show them: main's calls in order
"$QTRACE" run -q -o "$TMP/c3b" -- "$TMP/dyn" >/dev/null 2>&1
tree_of "$TMP/c3b/trace.txt" | sed -n '/^  main() {$/,/^  } \/\* main \*\/$/p' | grep -E '^    [a-z]' | sed 's/[({].*//; s/^ *//' | uniq >"$TMP/c3b.calls"
printf 'malloc\nputs\ntwice\nprintf\nfree\n' >"$TMP/c3b.want"
same_text "no selection: main's own and library calls (malloc, puts, twice, printf, free)" "$TMP/c3b.calls" "$TMP/c3b.want"
check "libc: free() called from main" grep -qE '\]   free\(\);$' "$D"
check "program output passes through" grep -qx 'hello from pie' "$TMP/c3.out"
check "link map: libc.so.6 with its load base" grep -qE '^0x[0-9a-f]{16} +0x[0-9a-f]+  /.*/libc\.so\.6$' "$TMP/c3/trace.linkmap"
check "link map: the PIE program, relocated" grep -qE "^0x0000[0-9a-f]{12} +0x[0-9a-f]+  $TMP/dyn\$" "$TMP/c3/trace.linkmap"
done_testing
