/*
 * disk: machine disk images and the boot2docker user-data tar (written with
 * libarchive through arc.h).
 *
 * The boot2docker first-boot contract: a disk whose first bytes are a tar
 * whose first member is named "boot2docker, please format-me" gets
 * partitioned and formatted by the guest, which keeps the tar and unpacks
 * its .ssh/authorized_keys into /home/docker. disk_userdata_tar() builds
 * that tar (deterministic bytes: mtime 0, uid/gid 0, 512-byte blocking);
 * disk_create_raw() makes a sparse raw disk with the tar at byte 0.
 */
#ifndef DISK_H
#define DISK_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"
#include "xherr.h"

#define DISK_MAGIC "boot2docker, please format-me"
#define DISK_MAX_KEY 2048	/* key bytes that fit in the first 4096 */

/* Append the user-data tar holding pubkey to out. */
int disk_userdata_tar(const char *pubkey, size_t keylen, struct buf *out,
    struct xherr *err);
/* Create path (must not exist) as a sparse file of size_mb MiB with data
 * written at byte 0. On failure nothing is left behind. */
int disk_create_raw(const char *path, int64_t size_mb, const void *data,
    size_t len, struct xherr *err);

#endif
