/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --host-cpu: which specs pin, the lock that keeps two claims apart, the load test of "idle". */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpupin.h"
#include "tap.h"

int main(void)
{
    char dir[] = "/tmp/qtrace-cpupin-XXXXXX", err[512] = "";
    if (!mkdtemp(dir))
        return 1;
    setenv("TMPDIR", dir, 1);
    ok(qtc_cpupin_idle(0, 2) && qtc_cpupin_idle(1, 2) && qtc_cpupin_idle(7, 8),
       "idle: no other runnable task or one on 2 CPUs, 7 on 8");
    ok(!qtc_cpupin_idle(2, 2) && !qtc_cpupin_idle(9, 4) && !qtc_cpupin_idle(0, 1) && !qtc_cpupin_idle(-1, 8),
       "not idle: 2 others on 2 CPUs, 9 on 4, any on 1 CPU, unknown");

    struct qtc_cpupin a, b, c;
    is_int(qtc_cpupin_claim(&a, NULL, err, sizeof(err)), 0, "no spec: accepted");
    ok(a.cpu == -1 && a.fd == -1, "no spec: no CPU");
    is_int(qtc_cpupin_claim(&a, "none", err, sizeof(err)), 0, "none: accepted");
    ok(a.cpu == -1, "none: no CPU");
    ok(qtc_cpupin_claim(&a, "7x", err, sizeof(err)) < 0 && strstr(err, "--host-cpu 7x: expected auto, idle, none"),
       "7x refused: %s", err);
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof(set), &set);
    int first = -1;
    for (int i = 0; i < CPU_SETSIZE && first < 0; i++)
        if (CPU_ISSET(i, &set))
            first = i;
    char spec[16];
    snprintf(spec, sizeof(spec), "%d", first);
    is_int(qtc_cpupin_claim(&a, spec, err, sizeof(err)), 0, "a CPU of this process's set: accepted");
    ok(a.cpu == first && a.fd == -1, "a CPU by number: that CPU, no lock");
    if (CPU_COUNT(&set) >= 2) {
        qtc_cpupin_claim(&a, "auto", err, sizeof(err));
        qtc_cpupin_claim(&b, "auto", err, sizeof(err));
        ok(a.cpu >= 0 && b.cpu >= 0 && a.cpu != b.cpu && CPU_ISSET(a.cpu, &set) && CPU_ISSET(b.cpu, &set),
           "auto twice: two different CPUs of the set (%d, %d), each locked", a.cpu, b.cpu);
        qtc_cpupin_release(&a);
        qtc_cpupin_claim(&c, "auto", err, sizeof(err));
        ok(c.cpu >= 0 && c.cpu != b.cpu, "released, a third claim takes a CPU the second does not hold (%d)", c.cpu);
        qtc_cpupin_release(&b);
        qtc_cpupin_release(&c);
    } else {
        printf("# one CPU: auto pins nothing, not checked\n");
    }
    is_int(qtc_cpupin_claim(&a, "idle", err, sizeof(err)), 0, "idle: accepted (pins or not by the load)");
    qtc_cpupin_release(&a);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    return done_testing();
}
