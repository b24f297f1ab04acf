/*
 * bootpd: what the driver does to macOS's DHCP server, which owns
 * /var/db/dhcpd_leases (its parser is lease_bootpd.c). The caller holds the
 * lock and, setuid, root (priv.h).
 *
 *	bootpd_orphans(file)			our stale temporary files go
 *	bootpd_rewrite(file, store, mac, ...)	the file without mac's blocks:
 *						a backup in <store>/backups
 *						first, then a temporary file
 *						with the original's owner and
 *						mode, fsync, rename
 *	bootpd_reload("launchctl kickstart ...")	bootpd reads it again
 */
#ifndef BOOTPD_H
#define BOOTPD_H

#include "xherr.h"

#define BOOTPD_FILE_MAX (64u << 20)

/* Temporary files of ours (file.tmp.XXXXXX) older than a minute: a writer
 * killed between its temporary file and the rename left them. */
void bootpd_orphans(const char *lease_file);
/* One read-modify-write of the lease file without the blocks of canon_mac
 * (a canonical MAC). *removed: how many went; *backup (the caller's): the
 * backup's path when any did. bootpd writing the file meanwhile makes the
 * rename refused (XHE_STATE): read it again. No file: nothing removed. */
int bootpd_rewrite(const char *lease_file, const char *store,
    const char *canon_mac, int *removed, char **backup, struct xherr *err);
/* Run the reload command (words split on spaces, no shell). */
int bootpd_reload(const char *words, int timeout_ms, struct xherr *err);

#endif
