/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench, built as a dynamically linked PIE (build-guest.sh builds every *_dyn.c so, with its
 * libraries in the guest): the benchmarks of shared-library following and of a PIE program's
 * functions in a guest (bench/libs.sh). Same loop and output as bench.c.
 */
#include "bench.c"
