/* The process table of qtrace ps (cli/procs.c) and its formats ps and ps-json (cli/w_ps.c), from
 * system-mode traces built in memory: fork, exec, thread, cred, exit, run and vcpu records; a pid
 * reused; exit statuses and signals; guest strings escaped; what a trace without --processes
 * cannot tell. */
#include <stdlib.h>

#include "kargtype.h"
#include "procs.h"
#include "tap.h"
#include "tracebuild.h"
#include "writer.h"

/* a process record of kind by thread tid of process pid, at time ts */
static void proc(struct qb *b, uint32_t tid, uint32_t pid, uint64_t ts, enum qt_proc_kind kind, int nargs,
                 const struct targ *args)
{
    size_t at = b->len;
    qb_call(b, QT_REC_PROC, 0, tid, 0, 0, 0, ts, 0, kind, 0, nargs, args);
    ((struct qt_rec_call *)(b->buf + at))->pid = pid;
}

static struct qt_kd_task task(uint32_t pid, uint32_t tgid, uint32_t ppid, uint32_t uid, const char *comm)
{
    struct qt_kd_task d;
    memset(&d, 0, sizeof(d));
    d.have = QT_KD_IDS | QT_KD_PPID | QT_KD_UID | QT_KD_COMM;
    d.pid = pid;
    d.tgid = tgid;
    d.ppid = ppid;
    d.uid = uid;
    snprintf(d.comm, sizeof(d.comm), "%s", comm);
    return d;
}

static void fork_rec(struct qb *b, uint32_t by, uint64_t ts, enum qt_proc_kind kind, struct qt_kd_task d)
{
    struct targ a = { 1, QT_T_TASK, 64, 0, 0xffff888000001000, (const char *)&d, sizeof(d) };
    proc(b, by, by, ts, kind, 1, &a);
}

static void exec_rec(struct qb *b, uint32_t pid, uint64_t ts, const char *file, const char *argv, size_t alen,
                     const char *comm)
{
    struct targ a[3] = { { 1, QT_T_STR, 64, 0, 0x1000, file, strlen(file) },
                         { 2, QT_T_STRV, 64, 0, 0x2000, argv, alen },
                         { 3, QT_T_STR, 64, 0, 0, comm, strlen(comm) } };
    proc(b, pid, pid, ts, QT_PROC_EXEC, 3, a);
}

static void run_rec(struct qb *b, enum qt_proc_kind kind, uint32_t tid, uint32_t pid, uint64_t ts, uint64_t user,
                    uint64_t kernel, const char *comm)
{
    struct targ a[3] = { { 1, QT_T_UINT, 64, 0, user, NULL, 0 }, { 2, QT_T_UINT, 64, 0, kernel, NULL, 0 },
                         { 3, QT_T_STR, 64, 0, 0, comm, strlen(comm) } };
    proc(b, tid, pid, ts, kind, 3, a);
}

static void exit_rec(struct qb *b, uint32_t tid, uint32_t pid, uint64_t ts, uint64_t code)
{
    struct targ a = { 1, QT_T_EXITCODE, 32, 0, code, NULL, 0 };
    proc(b, tid, pid, ts, QT_PROC_EXIT, 1, &a);
}

static void cred_rec(struct qb *b, uint32_t pid, uint64_t ts, uint32_t uid, uint32_t euid)
{
    struct qt_kd_cred d;
    memset(&d, 0, sizeof(d));
    d.have = QT_KD_CRED_IDS;
    d.uid = d.gid = uid;
    d.euid = d.egid = euid;
    struct targ a = { 1, QT_T_CRED, 64, 0, 0xffff888000002000, (const char *)&d, sizeof(d) };
    proc(b, pid, pid, ts, QT_PROC_CRED, 1, &a);
}

static const char sh_argv[] = "sh\0-c\0echo \"x\"\n";

/* init (1) forks sh (10), which execs sh -c, starts a thread (12) and forks id (11), which becomes
 * uid 1000 and is killed by SIGTERM with a core; sh exits 3; init forks a new 11 */
static void build(struct qb *b, bool processes)
{
    qb_init(b, QT_MODE_SYSTEM, 0);
    qb_chunk(b, 0);
    fork_rec(b, 1, 100, QT_PROC_FORK, task(10, 10, 1, 0, "init"));
    if (processes)
        run_rec(b, QT_PROC_RUN, 1, 1, 110, 50, 20, "init");
    exec_rec(b, 10, 120, "/bin/sh", sh_argv, sizeof(sh_argv), "sh");
    fork_rec(b, 10, 130, QT_PROC_FORK, task(11, 11, 10, 0, "sh"));
    fork_rec(b, 10, 135, QT_PROC_THREAD, task(12, 10, 1, 0, "sh"));
    if (processes)
        cred_rec(b, 11, 140, 1000, 1000);
    exec_rec(b, 11, 141, "/bin/id", "id", 3, "id");
    if (processes)
        run_rec(b, QT_PROC_RUN, 11, 11, 150, 1000, 300, "id");
    exit_rec(b, 11, 11, 160, 0x8f);
    if (processes)
        run_rec(b, QT_PROC_RUN, 12, 10, 170, 5, 5, "sh");
    exit_rec(b, 10, 10, 200, 3 << 8);
    fork_rec(b, 1, 300, QT_PROC_FORK, task(11, 11, 1, 0, "init"));
    if (processes)
        run_rec(b, QT_PROC_VCPU, 1, 1, 400, 1055, 325, "init");
    qb_close_chunk(b);
}

static char *render(const struct qtr *r, const struct qtc_writer *w)
{
    char *buf = NULL, err[256];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = qtc_write_trace(r, w, f, err, sizeof(err));
    fclose(f);
    if (rc != 0) {
        printf("# %s: %s\n", w->name, err);
        free(buf);
        return NULL;
    }
    return buf;
}

static void test_table(void)
{
    struct qb b;
    struct qtr r;
    build(&b, true);
    if (open_built(&r, &b, "procs.qtr") != 0) {
        ok(0, "trace opens");
        return;
    }
    char *txt = render(&r, &qtc_writer_ps);
    const char *want =
        "    PID   PPID   UID      START        END  EXIT                 INSNS    USER-INSNS  COMMAND\n"
        "      1      -     -          -          -  -                       70            50  [init]\n"
        "     10      1     0   0.000000   0.000000  3                       10             5   \\_ sh -c \"echo \\\"x\\\"\\n\"\n"
        "     11     10  1000   0.000000   0.000000  SIGTERM+core          1300          1000       \\_ id\n"
        "     11      1     0   0.000000          -  -                        0             0   \\_ [init]\n"
        "# instructions: 1380 on 1 vCPU (1055 user, 325 kernel); the processes ran 1380\n";
    is_str(txt, want, "ps: the tree, pid 11 reused, statuses, signal with core, uid change, argv escaped");
    free(txt);
    char *js = render(&r, &qtc_writer_ps_json);
    ok(js && strstr(js, "{\"pid\":10,\"ppid\":1,\"uid\":0,\"comm\":\"sh\",\"exe\":\"/bin/sh\",\"argv\":[\"sh\",\"-c\","
                        "\"echo \\\"x\\\"\\u000a\"],\"argv_truncated\":false,\"start_ns\":100,\"end_ns\":200,"
                        "\"exit\":{\"status\":3},\"shell_status\":3,\"threads\":2,"
                        "\"instructions\":{\"user\":5,\"kernel\":5,\"total\":10},\"depth\":1,\"children\":[11]}"),
       "ps-json: sh with its argv JSON-escaped, two threads, its child");
    ok(js && strstr(js, "\"exit\":{\"signal\":15,\"name\":\"SIGTERM\",\"core_dumped\":true},\"shell_status\":143"),
       "ps-json: the signal, as the shell's $? shows it (143)");
    ok(js && strstr(js, "\"instructions\":{\"user\":1055,\"kernel\":325,\"total\":1380,\"vcpus\":1,\"processes\":1380}"),
       "ps-json: the vCPUs' totals and the processes' sum");
    if (js && system("python3 -c 'import json' >/dev/null 2>&1") == 0) {
        write_file(tpath("ps.json"), js, strlen(js), 0644);
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' %s", tpath("ps.json"));
        ok(system(cmd) == 0, "ps-json is valid JSON (python3)");
    }
    free(js);
    char *text = render(&r, &qtc_writer_text);
    ok(text && strstr(text, "== cred {uid=1000, gid=1000, euid=1000, egid=1000}") && !strstr(text, "== run") &&
           !strstr(text, "== vcpu"),
       "text: the uid change is an event; instruction accounting is not");
    free(text);
    qtr_close(&r);
    free(b.buf);
}

static void test_without_processes(void)
{
    struct qb b;
    struct qtr r;
    build(&b, false);
    if (open_built(&r, &b, "plain.qtr") != 0) {
        ok(0, "trace opens");
        return;
    }
    char *txt = render(&r, &qtc_writer_ps);
    ok(txt && strstr(txt, "     11     10     0 ") && strstr(txt, "# no instruction counts: the trace was recorded without --processes\n") &&
           strstr(txt, "# uid as at fork: uid changes (setuid, su) are recorded with --processes\n"),
       "without --processes: uid as at fork, and notes that say what is missing");
    free(txt);
    qtr_close(&r);
    free(b.buf);
    qb_init(&b, QT_MODE_SYSTEM, 0);
    if (open_built(&r, &b, "empty.qtr") != 0) {
        ok(0, "trace opens");
        return;
    }
    txt = render(&r, &qtc_writer_ps);
    ok(txt && strstr(txt, "# no processes: the trace has no process records"), "no process records: said so");
    free(txt);
    qtr_close(&r);
    free(b.buf);
}

static void test_shell_status(void)
{
    is_int(qtc_proc_shell_status(0), 0, "exit 0");
    is_int(qtc_proc_shell_status(7 << 8), 7, "exit 7");
    is_int(qtc_proc_shell_status(9), 137, "SIGKILL: 128 + 9");
    is_int(qtc_proc_shell_status(0x80 | 11), 139, "SIGSEGV with a core: 128 + 11");
}

int main(void)
{
    if (tmpdir_make("procs") < 0)
        return 1;
    test_table();
    test_without_processes();
    test_shell_status();
    tmpdir_remove();
    return done_testing();
}
