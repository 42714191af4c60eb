/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `qtrace system --guest NAME`: the bundled guests a newcomer boots with one option. A guest
 * fills in what its files and devices are (kernel, initrd, disk, --sysroot, network with the
 * host port forwarded to its sshd) from the cache scripts/build-guest-NAME.sh fills.
 */
#ifndef QTRACE_CLI_GUEST_H
#define QTRACE_CLI_GUEST_H

#include <stddef.h>

#include "launch.h"

/* Apply --guest (and --ssh-port) of cfg->args to cfg: kernel, initrd, disk, guest_root and the
 * QEMU arguments of its devices. Nothing when --guest is not given (--ssh-port alone is an
 * error). 0, or -1 with one line in err (unknown guest, guest not built, conflicting options). */
int qtc_guest_apply(struct qtc_cfg *cfg, char *err, size_t errlen);

/* A bundled guest's image (cfg->guest_root) is also the --sysroot of its shared libraries when
 * the trace options may name one (-P, -F, -N, -A, -R, the link map) and no --sysroot is given:
 * as if --sysroot IMAGE were. Without such options the libraries are not extracted (they are
 * not needed, and extracting them costs a second or two). */
void qtc_guest_sysroot(struct qtc_cfg *cfg);

/* The line saying how to reach the guest (ssh command), or NULL; owned by cfg. */
const char *qtc_guest_banner(const struct qtc_cfg *cfg);

#endif
