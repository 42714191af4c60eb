/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cpupin.h"

#include <fcntl.h>
#include <stdint.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util.h"

static int try_lock(int cpu)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/qtrace-replay-cpu%d.lock", dir && *dir ? dir : "/tmp", cpu);
    /* read-only: another user's lock file can be opened and locked too */
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return fd;
    close(fd);
    return -1;
}

bool qtc_cpupin_idle(int others, int ncpu)
{
    return others >= 0 && ncpu >= 2 && others < ncpu;
}

int qtc_cpupin_claim(struct qtc_cpupin *p, const char *spec, char *err, size_t errlen)
{
    p->cpu = p->fd = -1;
    if (!spec || strcmp(spec, "none") == 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return 0;
    if (strcmp(spec, "idle") == 0) {
        /* /proc/loadavg's fourth field: tasks runnable now (this one among them) / all tasks */
        int running = 0;
        FILE *f = fopen("/proc/loadavg", "r");
        if (!f || fscanf(f, "%*f %*f %*f %d/", &running) != 1)
            running = 0;
        if (f)
            fclose(f);
        if (!qtc_cpupin_idle(running - 1, CPU_COUNT(&set)))
            return 0;
        spec = "auto";
    }
    if (strcmp(spec, "auto") != 0) {
        uint64_t n;
        if (!qtc_parse_u64(spec, 10, &n) || n >= CPU_SETSIZE || !CPU_ISSET((int)n, &set)) {
            int last = 0;
            for (int i = 0; i < CPU_SETSIZE; i++)
                if (CPU_ISSET(i, &set))
                    last = i;
            snprintf(err, errlen, "--host-cpu %s: expected auto, idle, none or a CPU this process may run on (at "
                     "most %d here)", spec, last);
            return -1;
        }
        p->cpu = (int)n;
        return 0;
    }
    if (CPU_COUNT(&set) < 2)
        return 0;
    int here = sched_getcpu();
    if (here < 0)
        here = 0;
    for (int i = 0; i < CPU_SETSIZE; i++) {
        int cpu = (here + i) % CPU_SETSIZE;
        if (!CPU_ISSET(cpu, &set))
            continue;
        int fd = try_lock(cpu);
        if (fd >= 0) {
            p->cpu = cpu;
            p->fd = fd;
            return 0;
        }
    }
    return 0;
}

void qtc_cpupin_apply(const struct qtc_cpupin *p)
{
    if (!p || p->cpu < 0)
        return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(p->cpu, &one);
    sched_setaffinity(0, sizeof(one), &one);
}

void qtc_cpupin_release(struct qtc_cpupin *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->cpu = p->fd = -1;
}
