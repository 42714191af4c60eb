#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Regenerates common/syscalls_tables.h: the syscall tables (number -> name and argument kinds)
# for x86-64, i386 and aarch64, and the errno names. Development time only: the generated file
# is committed and the build never runs this script.
#
#   scripts/gen-syscalls.sh [OUTPUT]      (default common/syscalls_tables.h)
#
# Numbers and names come from the host's Linux uapi headers (linux-libc-dev, 6.1 on Debian 12):
#   x86-64   <asm/unistd_64.h>
#   i386     <asm/unistd_32.h>
#   aarch64  <asm-generic/unistd.h> with the __ARCH_WANT_* switches of arm64's <asm/unistd.h>
# plus the syscalls added after the headers' version (EXTRA below; from 424 on, every
# architecture uses the same numbers). The argument kinds are the SIGNATURES below, written by
# hand: one line per syscall name, "arch/name" lines override the plain one on that arch (i386
# splits 64-bit arguments into two registers). A syscall without a signature is an error.
#
# Kinds: I int, U unsigned, X hex, P pointer, FD fd/dirfd, S path/string, BI buffer in (length in
# the next argument), BO buffer out (length = return value), OF open flags, MD mode, PR PROT_*,
# MF MAP_*, SG signal, CF CLONE_* (+ exit signal), AF AT_* flags, WH SEEK_*.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-common/syscalls_tables.h}
CC=${CC:-gcc}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# "name number" for every __NR_ macro the header defines (macros expanded by the preprocessor).
numbers() { # header-text
    printf '%s\n' "$1" >"$TMP/h.h"
    "$CC" -E -dM "$TMP/h.h" | sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' | sort -u \
        | grep -vx 'syscalls\|arch_specific_syscall' >"$TMP/names"
    { printf '%s\n' "$1"; sed 's/.*/@@ & __NR_&/' "$TMP/names"; } >"$TMP/n.c"
    "$CC" -E -P "$TMP/n.c" | sed -n 's/^@@ \([a-z0-9_]*\) (*\([0-9]*\))*$/\1 \2/p'
}

numbers '#include <asm/unistd_64.h>' >"$TMP/x86_64"
numbers '#include <asm/unistd_32.h>' >"$TMP/i386"
numbers '#define __ARCH_WANT_RENAMEAT
#define __ARCH_WANT_NEW_STAT
#define __ARCH_WANT_SET_GET_RLIMIT
#define __ARCH_WANT_TIME32_SYSCALLS
#define __ARCH_WANT_SYS_CLONE3
#define __ARCH_WANT_MEMFD_SECRET
#include <asm-generic/unistd.h>' >"$TMP/aarch64"
for a in x86_64 i386 aarch64; do
    n=$(wc -l <"$TMP/$a")
    [ "$n" -gt 250 ] || { echo "gen-syscalls: only $n syscalls found for $a" >&2; exit 1; }
done

# Syscalls newer than the headers: "arch-or-all number name".
EXTRA='x86_64 335 uretprobe
all 451 cachestat
all 452 fchmodat2
all 453 map_shadow_stack
all 454 futex_wake
all 455 futex_wait
all 456 futex_requeue
all 457 statmount
all 458 listmount
all 459 lsm_get_self_attr
all 460 lsm_set_self_attr
all 461 lsm_list_modules
all 462 mseal
all 463 setxattrat
all 464 getxattrat
all 465 listxattrat
all 466 removexattrat
all 467 open_tree_attr
all 468 file_getattr
all 469 file_setattr'
while read -r arch nr name; do
    for a in x86_64 i386 aarch64; do
        [ "$arch" = all ] || [ "$arch" = "$a" ] || continue
        grep -q " $nr\$" "$TMP/$a" || echo "$name $nr" >>"$TMP/$a"
    done
done <<<"$EXTRA"

cat >"$TMP/sigs" <<'EOF'
_llseek FD U U P WH
_newselect I P P P P
_sysctl P
accept FD P P
accept4 FD P P X
access S I
acct S
add_key S S BI U I
adjtimex P
afs_syscall X X X X X
alarm U
arch_prctl X X
bdflush I X
bind FD P U
bpf I P U
break
brk P
cachestat FD P P X
capget P P
capset P P
chdir S
chmod S MD
chown S I I
chown32 S I I
chroot S
clock_adjtime I P
clock_adjtime64 I P
clock_getres I P
clock_getres_time64 I P
clock_gettime I P
clock_gettime64 I P
clock_nanosleep I X P P
clock_nanosleep_time64 I X P P
clock_settime I P
clock_settime64 I P
clone CF P P P P
clone3 P U
close FD
close_range FD U X
connect FD P U
copy_file_range FD P FD P U X
creat S MD
create_module S U
delete_module S X
dup FD
dup2 FD FD
dup3 FD FD X
epoll_create I
epoll_create1 X
epoll_ctl FD I FD P
epoll_ctl_old X X X X
epoll_pwait FD P I I P U
epoll_pwait2 FD P I P P U
epoll_wait FD P I I
epoll_wait_old X X X X
eventfd U
eventfd2 U X
execve S P P
execveat FD S P P AF
exit I
exit_group I
faccessat FD S I
faccessat2 FD S I AF
fadvise64 FD I U I
i386/fadvise64 FD U U U I
fadvise64_64 FD U U U U I
fallocate FD I I I
i386/fallocate FD I U U U U
fanotify_init X OF
fanotify_mark FD X X FD S
i386/fanotify_mark FD X U U FD S
fchdir FD
fchmod FD MD
fchmodat FD S MD
fchmodat2 FD S MD AF
fchown FD I I
fchown32 FD I I
fchownat FD S I I AF
fcntl FD I X
fcntl64 FD I X
fdatasync FD
fgetxattr FD S BO U
file_getattr FD S P U AF
file_setattr FD S P U AF
finit_module FD S X
flistxattr FD BO U
flock FD I
fork
fremovexattr FD S
fsconfig FD I S P I
fsetxattr FD S BI U X
fsmount FD X X
fsopen S X
fspick FD S X
fstat FD P
fstat64 FD P
fstatat64 FD S P AF
fstatfs FD P
fstatfs64 FD U P
fsync FD
ftime
ftruncate FD I
ftruncate64 FD U U
futex P I I P P I
futex_requeue P X I I
futex_time64 P I I P P I
futex_wait P X X X P I
futex_waitv P U X P I
futex_wake P X I X
futimesat FD S P
get_kernel_syms P
get_mempolicy P P U P X
get_robust_list I P P
get_thread_area P
getcpu P P P
getcwd BO U
getdents FD P U
getdents64 FD P U
getegid
getegid32
geteuid
geteuid32
getgid
getgid32
getgroups I P
getgroups32 I P
getitimer I P
getpeername FD P P
getpgid I
getpgrp
getpid
getpmsg X X X X X
getppid
getpriority I I
getrandom BO U X
getresgid P P P
getresgid32 P P P
getresuid P P P
getresuid32 P P P
getrlimit I P
getrusage I P
getsid I
getsockname FD P P
getsockopt FD I I P P
gettid
gettimeofday P P
getuid
getuid32
getxattr S S BO U
getxattrat FD S AF S P U
gtty X X
idle
init_module P U S
inotify_add_watch FD S X
inotify_init
inotify_init1 X
inotify_rm_watch FD I
io_cancel X P P
io_destroy X
io_getevents X I I P P
io_pgetevents X I I P P P
io_pgetevents_time64 X I I P P P
io_setup U P
io_submit X I P
io_uring_enter FD U U X P U
io_uring_register FD U P U
io_uring_setup U P
ioctl FD X X
ioperm X X I
iopl I
ioprio_get I I
ioprio_set I I I
ipc U I I I P I
kcmp I I I X X
kexec_file_load FD FD U S X
kexec_load X U P X
keyctl I X X X X
kill I SG
landlock_add_rule FD I P X
landlock_create_ruleset P U X
landlock_restrict_self FD X
lchown S I I
lchown32 S I I
lgetxattr S S BO U
link S S
linkat FD S FD S AF
listen FD I
listmount P P U X
listxattr S BO U
listxattrat FD S AF BO U
llistxattr S BO U
lock
lookup_dcookie X BO U
i386/lookup_dcookie U U BO U
lremovexattr S S
lseek FD I WH
lsetxattr S S BI U X
lsm_get_self_attr U P P X
lsm_list_modules P P X
lsm_set_self_attr U P U X
lstat S P
lstat64 S P
madvise P U I
map_shadow_stack P U X
mbind P U I P U X
membarrier I X I
memfd_create S X
memfd_secret X
migrate_pages I U P P
mincore P U P
mkdir S MD
mkdirat FD S MD
mknod S MD X
mknodat FD S MD X
mlock P U
mlock2 P U X
mlockall X
mmap P U PR MF FD X
i386/mmap P
mmap2 P U PR MF FD X
modify_ldt I P U
mount S S S X P
mount_setattr FD S X P U
move_mount FD S FD S X
move_pages I U P P P X
mprotect P U PR
mpx
mq_getsetattr FD P P
mq_notify FD P
mq_open S OF MD P
mq_timedreceive FD BO U P P
mq_timedreceive_time64 FD BO U P P
mq_timedsend FD BI U U P
mq_timedsend_time64 FD BI U U P
mq_unlink S
mremap P U U X P
mseal P U X
msgctl I I P
msgget I X
msgrcv I P U I X
msgsnd I P U X
msync P U X
munlock P U
munlockall
munmap P U
name_to_handle_at FD S P P AF
nanosleep P P
newfstatat FD S P AF
nfsservctl I P P
nice I
oldfstat FD P
oldlstat S P
oldolduname P
oldstat S P
olduname P
open S OF MD
open_by_handle_at FD P OF
open_tree FD S X
open_tree_attr FD S X P U
openat FD S OF MD
openat2 FD S P U
pause
perf_event_open P I I FD X
personality X
pidfd_getfd FD FD X
pidfd_open I X
pidfd_send_signal FD SG P X
pipe P
pipe2 P X
pivot_root S S
pkey_alloc X X
pkey_free I
pkey_mprotect P U PR I
poll P U I
ppoll P U P P U
ppoll_time64 P U P P U
prctl I X X X X
pread64 FD BO U I
i386/pread64 FD BO U U U
preadv FD P I I
i386/preadv FD P I U U
preadv2 FD P I I U X
i386/preadv2 FD P I U U X
prlimit64 I I P P
process_madvise FD P U I X
process_mrelease FD X
process_vm_readv I P U P U X
process_vm_writev I P U P U X
prof
profil P U U U
pselect6 I P P P P P
pselect6_time64 I P P P P P
ptrace I I X X
putpmsg X X X X X
pwrite64 FD BI U I
i386/pwrite64 FD BI U U U
pwritev FD P I I
i386/pwritev FD P I U U
pwritev2 FD P I I U X
i386/pwritev2 FD P I U U X
query_module S I P U P
quotactl X S I P
quotactl_fd FD U I P
read FD BO U
readahead FD I U
i386/readahead FD U U U
readdir FD P U
readlink S BO U
readlinkat FD S BO U
readv FD P I
reboot X X X P
recvfrom FD BO U X P P
recvmmsg FD P U X P
recvmmsg_time64 FD P U X P
recvmsg FD P X
remap_file_pages P U X U X
removexattr S S
removexattrat FD S AF S
rename S S
renameat FD S FD S
renameat2 FD S FD S X
request_key S S S I
restart_syscall
rmdir S
rseq P U X X
rt_sigaction SG P P U
rt_sigpending P U
rt_sigprocmask I P P U
rt_sigqueueinfo I SG P
rt_sigreturn
rt_sigsuspend P U
rt_sigtimedwait P P P U
rt_sigtimedwait_time64 P P P U
rt_tgsigqueueinfo I I SG P
sched_get_priority_max I
sched_get_priority_min I
sched_getaffinity I U P
sched_getattr I P U X
sched_getparam I P
sched_getscheduler I
sched_rr_get_interval I P
sched_rr_get_interval_time64 I P
sched_setaffinity I U P
sched_setattr I P X
sched_setparam I P
sched_setscheduler I I P
sched_yield
seccomp U X P
security X X X
select I P P P P
i386/select P
semctl I I I X
semget I I X
semop I P U
semtimedop I P U P
semtimedop_time64 I P U P
sendfile FD FD P U
sendfile64 FD FD P U
sendmmsg FD P U X
sendmsg FD P X
sendto FD BI U X P U
set_mempolicy I P U
set_mempolicy_home_node P U U X
set_robust_list P U
set_thread_area P
set_tid_address P
setdomainname BI U
setfsgid I
setfsgid32 I
setfsuid I
setfsuid32 I
setgid I
setgid32 I
setgroups I P
setgroups32 I P
sethostname BI U
setitimer I P P
setns FD X
setpgid I I
setpriority I I I
setregid I I
setregid32 I I
setresgid I I I
setresgid32 I I I
setresuid I I I
setresuid32 I I I
setreuid I I
setreuid32 I I
setrlimit I P
setsid
setsockopt FD I I P U
settimeofday P P
setuid I
setuid32 I
setxattr S S BI U X
setxattrat FD S AF S P U
sgetmask
shmat I P X
shmctl I I P
shmdt P
shmget I U X
shutdown FD I
sigaction SG P P
sigaltstack P P
signal SG P
signalfd FD P U
signalfd4 FD P U X
sigpending P
sigprocmask I P P
sigreturn
sigsuspend I I X
socket I I I
socketcall I P
socketpair I I I P
splice FD P FD P U X
ssetmask X
stat S P
stat64 S P
statfs S P
statfs64 S U P
statmount P P U X
statx FD S AF X P
stime P
stty X X
swapoff S
swapon S X
symlink S S
symlinkat S FD S
sync
sync_file_range FD I I X
i386/sync_file_range FD U U U U X
syncfs FD
sysfs I X X
sysinfo P
syslog I BO I
tee FD FD U X
tgkill I I SG
time P
timer_create I P P
timer_delete I
timer_getoverrun I
timer_gettime I P
timer_gettime64 I P
timer_settime I X P P
timer_settime64 I X P P
timerfd_create I X
timerfd_gettime FD P
timerfd_gettime64 FD P
timerfd_settime FD X P P
timerfd_settime64 FD X P P
times P
tkill I SG
truncate S I
truncate64 S U U
tuxcall X X X
ugetrlimit I P
ulimit I I
umask MD
umount S
umount2 S X
uname P
unlink S
unlinkat FD S AF
unshare CF
uretprobe
uselib S
userfaultfd X
ustat U P
utime S P
utimensat FD S P AF
utimensat_time64 FD S P AF
utimes S P
vfork
vhangup
vm86 U P
vm86old P
vmsplice FD P U X
vserver X X X X X
wait4 I P X P
waitid I I P X P
waitpid I P X
write FD BI U
writev FD P I
EOF

gen_table() { # arch
    local a=$1
    echo "static const struct qt_syscall_desc qt_sys_${a}[] = {"
    sort -k2,2n "$TMP/$a" | awk -v arch="$a" -v sigs="$TMP/sigs" '
        BEGIN {
            k["I"] = "INT"; k["U"] = "UINT"; k["X"] = "HEX"; k["P"] = "PTR"; k["FD"] = "FD"
            k["S"] = "PATH"; k["BI"] = "BUF_IN"; k["BO"] = "BUF_OUT"; k["OF"] = "OFLAGS"
            k["MD"] = "MODE"; k["PR"] = "PROT"; k["MF"] = "MMAP_FLAGS"; k["SG"] = "SIGNAL"
            k["CF"] = "CLONE_FLAGS"; k["AF"] = "ATFLAGS"; k["WH"] = "WHENCE"
            while ((getline line < sigs) > 0) {
                n = split(line, f, " ")
                s = ""
                for (i = 2; i <= n; i++) {
                    if (!(f[i] in k)) { print "gen-syscalls: bad kind " f[i] " for " f[1] > "/dev/stderr"; exit 1 }
                    if (f[i] == "BI" && i == n) { print "gen-syscalls: BI must not be last: " f[1] > "/dev/stderr"; exit 1 }
                    s = s (i > 2 ? ", " : "") "QT_SA_" k[f[i]]
                }
                if (n - 1 > 6) { print "gen-syscalls: too many args: " f[1] > "/dev/stderr"; exit 1 }
                sig[f[1]] = s; cnt[f[1]] = n - 1
            }
        }
        {
            name = $1; nr = $2
            key = (arch "/" name) in sig ? arch "/" name : name
            if (!(key in sig)) { print "gen-syscalls: no signature for " arch " " name > "/dev/stderr"; exit 1 }
            printf "    [%3d] = { \"%s\", %d, { %s } },\n", nr, name, cnt[key], sig[key] == "" ? "0" : sig[key]
        }'
    echo "};"
    echo
}

gen_errno() {
    echo "static const char *const qt_errnos[] = {"
    cat /usr/include/asm-generic/errno-base.h /usr/include/asm-generic/errno.h \
        | sed -n 's/^#define[ \t]*\(E[A-Z0-9]*\)[ \t]*\([0-9][0-9]*\).*/\2 \1/p' | sort -n \
        | awk '{ printf "    [%3d] = \"%s\",\n", $1, $2 }'
    echo "};"
    echo
    echo "/* Kernel-internal codes (include/linux/errno.h) that can leak to a tracer. */"
    echo "static const char *const qt_errnos_internal[] = {"
    printf '    [%s - 512] = "%s",\n' 512 ERESTARTSYS 513 ERESTARTNOINTR 514 ERESTARTNOHAND \
        515 ENOIOCTLCMD 516 ERESTART_RESTARTBLOCK 517 EPROBE_DEFER 518 EOPENSTALE 519 ENOPARAM \
        521 EBADHANDLE 522 ENOTSYNC 523 EBADCOOKIE 524 ENOTSUPP 525 ETOOSMALL 526 ESERVERFAULT \
        527 EBADTYPE 528 EJUKEBOX 529 EIOCBQUEUED 530 ERECALLCONFLICT 531 ENOGRACE
    echo "};"
}

{
    echo "/* SPDX-License-Identifier: GPL-2.0-or-later */"
    echo "/*"
    echo " * Generated by scripts/gen-syscalls.sh from the Linux uapi headers (unistd, errno) and the"
    echo " * argument signatures in that script. Do not edit: change the script and run it again."
    echo " * Included by syscalls.c only."
    echo " */"
    echo
    for a in x86_64 i386 aarch64; do gen_table "$a"; done
    gen_errno
} >"$TMP/out"
mv "$TMP/out" "$OUT"
echo "wrote $OUT"
