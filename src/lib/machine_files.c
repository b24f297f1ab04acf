/*
 * machine_files: the files the driver makes in a machine's directory:
 * made at create (ISO copy, kernel and initrd, disk, key), given back to
 * the user when root made them, and removed at rm, rollback and gc, never
 * more than those (a directory docker-machine made keeps its own files).
 */
#include "machine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "disk.h"
#include "hv.h"
#include "iso.h"
#include "priv.h"
#include "ssh.h"
#include "util.h"

#include "machine_int.h"

/* Whether file, in machine name's directory, is one the driver makes. */
static int
is_own_file(const char *name, const char *file)
{
	static const char *const fixed[] = { "boot2docker.iso", "id_rsa",
	    "id_rsa.pub", "qmp.sock", "console.log", "qemu.log", "xhyve.log",
	    /* kernels, by iso.h's names; initrds are "initrd*" */
	    "vmlinuz64", "vmlinuz", "vmlinux", "bzImage" };
	static const char *const suffixes[] = { ".rawdisk", ".qcow2",
	    ".ext4disk", ".qcow2.tmp", ".qcow2.seed", ".pid", ".exit" };
	size_t i, n = strlen(name);

	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (strcmp(file, fixed[i]) == 0)
			return 1;
	if (strncmp(file, "initrd", 6) == 0 || strstr(file, ".tmp.") != NULL)
		return 1;	/* an initrd; a temporary file of ours */
	if (strncmp(file, name, n) == 0)
		for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
			if (strcmp(file + n, suffixes[i]) == 0)
				return 1;
	return 0;
}

int
mi_own_files(const char *dir, const char *name, int dry_run,
    struct mi_own *o)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	memset(o, 0, sizeof *o);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!is_own_file(name, de->d_name)) {
			if (o->other++ == 0)
				snprintf(o->first_other, sizeof o->first_other,
				    "%.60s", de->d_name);
			continue;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    S_ISDIR(st.st_mode))
			continue;
		o->own++;
		o->bytes += (int64_t)st.st_blocks * 512;
		if (!dry_run)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
	return 0;
}

/* Files a create or a start makes inside the machine directory (whole_dir:
 * the directory is ours, all of it goes). */
void
mi_remove_files(const struct inv_machine *m, int whole_dir)
{
	struct mi_own o;

	if (whole_dir) {
		util_rm_tree(m->dir, NULL);
		return;
	}
	mi_own_files(m->dir, m->name, 0, &o);
	/* A kernel or initrd named by --boot-kernel/--boot-initrd. */
	if (m->kernel)
		unlink(m->kernel);
	if (m->initrd)
		unlink(m->initrd);
}

static void
say_cb(void *arg, const char *msg)
{
	mi_say(arg, "%s", msg);
}

/*
 * The SSH key. ssh-keygen spends 50-500 ms finding RSA primes (250 ms
 * typical here), so each create makes the next create's key while its
 * guest boots (mi_key_make_spare) and takes the one an earlier create made:
 * <store>/keys/spare/id_rsa{,.pub}, moved in under the spare-key lock. No
 * spare (the first create, or two at once): made now, as before.
 */
static char *
spare_dir(struct machine_ctx *ctx)
{
	return xasprintf("%s/keys/spare", ctx->store);
}

int
mi_key_take(struct machine_ctx *ctx, const char *dir, struct xherr *err)
{
	char *spare = spare_dir(ctx);
	char *from[2] = { util_path_join(spare, "id_rsa"),
	    util_path_join(spare, "id_rsa.pub") };
	char *to[2] = { util_path_join(dir, "id_rsa"),
	    util_path_join(dir, "id_rsa.pub") };
	struct stat st;
	int lock = -1, moved = 0, i, rc;

	if (!util_exists(to[0]) &&
	    mi_lock_take(ctx, "spare-key", &lock, err) == 0) {
		if (lstat(from[0], &st) == 0 && S_ISREG(st.st_mode) &&
		    lstat(from[1], &st) == 0 && S_ISREG(st.st_mode) &&
		    rename(from[0], to[0]) == 0) {
			moved = rename(from[1], to[1]) == 0;
			if (!moved)
				unlink(to[0]);
		}
		rmdir(spare);
		mi_lock_drop(lock);
	}
	rc = moved ? 0 : ssh_keygen(dir, err);
	for (i = 0; i < 2; i++) {
		free(from[i]);
		free(to[i]);
	}
	free(spare);
	return rc;
}

int
mi_key_make_spare(struct machine_ctx *ctx, struct xherr *err)
{
	char *spare = spare_dir(ctx), *tmp = xasprintf("%s.new", spare);
	char *key = util_path_join(spare, "id_rsa");
	int lock = -1, rc = -1;

	if (mi_lock_take(ctx, "spare-key", &lock, err) == -1)
		goto out;
	if (util_exists(key)) {
		rc = 0;
		goto out;
	}
	if (util_rm_tree(tmp, err) == -1 || util_rm_tree(spare, err) == -1 ||
	    util_mkdir_in(ctx->store, tmp, 0700, err) == -1 ||
	    ssh_keygen(tmp, err) == -1)
		goto out;
	if (rename(tmp, spare) == -1) {
		xherr_sys(err, "cannot rename %s to %s", tmp, spare);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		util_rm_tree(tmp, NULL);
	mi_lock_drop(lock);
	free(key);
	free(tmp);
	free(spare);
	return rc;
}

int
mi_create_files(struct machine_ctx *ctx, struct inv_machine *m,
    const struct iso_info *info, const struct cache_entry *ce,
    struct xherr *err)
{
	char *pubpath = util_path_join(m->dir, "id_rsa.pub");
	char *pub = NULL, *disk = mi_mfile(m, mi_disk_suffix(m->disk_format));
	struct buf tar;
	size_t publen;
	int rc = -1;

	buf_init(&tar);
	if (ce->kind == CACHE_LOCAL) {
		/* The user's own file: a clone or a copy, never their inode. */
		mi_say(ctx, "copying %s to %s", ce->path, m->iso);
		if (util_copy_file(ce->path, m->iso, 0644, err) == -1)
			goto out;
	} else {
		const char *how;
		if (util_share_file(ce->path, m->iso, &how, err) == -1)
			goto out;
		mi_say(ctx, "%s %s from the cache (%s)", how, m->iso, ce->url);
	}
	if (mi_boot_files_link(ctx, ce, info, m, err) == -1)
		goto out;
	if (mi_key_take(ctx, m->dir, err) == -1)
		goto out;
	if (util_read_file(pubpath, 64 << 10, &pub, &publen, err) == -1)
		goto out;
	if (disk_userdata_tar(pub, publen, &tar, err) == -1)
		goto out;
	mi_say(ctx, "creating a %lld MB %s disk", (long long)m->disk_mb,
	    m->disk_format);
	if ((strcmp(m->disk_format, "qcow2") == 0 ?
	    disk_create_qcow2(disk, m->disk_mb, tar.p, tar.len, err) :
	    strcmp(m->disk_format, "ext4") == 0 ?
	    disk_create_ext4(disk, m->disk_mb, tar.p, tar.len, pub, publen,
	    !hv_qemu_kvm_usable(), say_cb, ctx, err) :
	    disk_create_raw(disk, m->disk_mb, tar.p, tar.len, err)) == -1)
		goto out;
	rc = 0;
out:
	buf_release(&tar);
	free(pubpath);
	free(pub);
	free(disk);
	return rc;
}
