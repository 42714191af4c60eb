/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * disk_trace=on: every block request of the guest as QT_REC_DISK records (common/format.h), at
 * the two points every blk-mq driver passes: blk_mq_start_request(rq), when the driver hands the
 * request to the device, and blk_mq_end_request(rq, status), when it completes. The request's
 * disk, operation, sector and length are read from struct request; the file it serves from the
 * page of its first segment (page->mapping->host, the inode whose page cache it is). Every
 * process is recorded, whatever comm=/pid= say: writeback is done by kernel threads.
 */
#ifndef QTRACE_KERNEL_DISK_H
#define QTRACE_KERNEL_DISK_H

/* Hooks */
void qt_kdisk_on_start(unsigned vcpu_index, void *udata);  /* blk_mq_start_request(rq) */
void qt_kdisk_on_end(unsigned vcpu_index, void *udata);    /* blk_mq_end_request(rq, status) */

#endif
