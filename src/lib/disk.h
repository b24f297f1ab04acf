/*
 * disk: machine disk images and the boot2docker user-data tar (written with
 * libarchive through libarchive.h).
 *
 * The boot2docker first-boot contract: a disk whose first bytes are a tar
 * whose first member is named "boot2docker, please format-me" gets
 * partitioned and formatted by the guest, which keeps the tar and unpacks
 * its .ssh/authorized_keys into /home/docker. disk_userdata_tar() builds
 * that tar (deterministic bytes: mtime 0, uid/gid 0, 512-byte blocking);
 * disk_create_raw() makes a sparse raw disk with the tar at byte 0,
 * disk_create_qcow2() the same as qcow2, disk_create_ext4() a disk already
 * formatted, with the user data inside.
 */
#ifndef DISK_H
#define DISK_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"
#include "xherr.h"

#define DISK_MAGIC "boot2docker, please format-me"
#define DISK_MAX_KEY 2048	/* key bytes that fit in the first 4096 */
#define DISK_LABEL "boot2docker-data"	/* what boot2docker mounts */
#define DISK_DOCKER_UID 1000		/* boot2docker's docker:staff */
#define DISK_STAFF_GID 50
#define DISK_MAX_MB (16LL * 1024 * 1024)	/* 16 TiB: ext4's and qcow2's reach */

/* Parse a disk size as users write it: MiB ("20000", "20000M"), or with G
 * or T (any case: "30G"); digits first, nothing after the unit. -1 when it
 * is not that, zero, or above DISK_MAX_MB. */
int64_t disk_parse_size(const char *s);
/* Append the user-data tar holding pubkey to out. */
int disk_userdata_tar(const char *pubkey, size_t keylen, struct buf *out,
    struct xherr *err);
/* Create path (must not exist) as a sparse file of size_mb MiB with data
 * written at byte 0. On failure nothing is left behind. */
int disk_create_raw(const char *path, int64_t size_mb, const void *data,
    size_t len, struct xherr *err);
/* The same as qcow2, virtual size exactly size_mb MiB, data at guest byte
 * 0 (with qemu-img: convert a small raw image, then resize). */
int disk_create_qcow2(const char *path, int64_t size_mb, const void *data,
    size_t len, struct xherr *err);
/* A raw disk holding an MBR partition table and one ext4 file system
 * labelled DISK_LABEL with the user data already inside
 * (/var/lib/boot2docker/userdata.tar and /home/docker/.ssh/authorized_keys),
 * for images that do not implement the format-me contract. Made with
 * libguestfs (libguestfs.h), whose appliance is a VM: tcg asks for TCG at once;
 * otherwise a launch that fails (KVM that cannot run a guest) is said
 * through say and retried under TCG. Tens of seconds; on failure nothing
 * is left behind. */
int disk_create_ext4(const char *path, int64_t size_mb, const void *tar,
    size_t len, const char *pubkey, size_t keylen, int tcg,
    void (*say)(void *arg, const char *msg), void *arg, struct xherr *err);
/* Grow a stopped machine's raw or qcow2 disk from old_mb to new_mb MiB;
 * shrinking and other formats are refused (XHE_INVAL). */
int disk_resize(const char *path, const char *format, int64_t old_mb,
    int64_t new_mb, struct xherr *err);

#endif
