/*
 * config: the driver's state as docker-machine stores it (the "Driver"
 * object of config.json) and the create flags. Pure: bytes and values in,
 * structs out; no I/O.
 *
 *	struct config c;
 *	config_init(&c);			the original's defaults
 *	config_parse(&c, json, len, &err);	SetConfigRaw: merge
 *	config_set_flags(&c, rpcflags, &err);	SetConfigFromFlags
 *	char *json = config_format(&c);		GetConfigRaw (the caller's)
 *	config_release(&c);
 *
 * Field names are the original driver's (docs/original-driver.md §2), so
 * existing config.json files and `docker-machine inspect -f` templates keep
 * working. The legacy shapes minikube and minishift still send are
 * accepted: "Virtio9p": true with "Virtio9pFolder" (one share, default
 * /Users), and "NFSShare": true (share /Users); they are written back in
 * the current shape. Unknown fields are ignored, as Go does; a known field
 * of the wrong JSON type is an error naming the field.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdint.h>

#include "gob.h"
#include "util.h"
#include "xherr.h"

struct config {
	/* libmachine's BaseDriver */
	char *ip_address;		/* IPAddress */
	char *machine_name;		/* MachineName */
	char *ssh_user;			/* SSHUser */
	int64_t ssh_port;		/* SSHPort */
	char *ssh_key_path;		/* SSHKeyPath */
	char *store_path;		/* StorePath */
	int swarm_master;		/* SwarmMaster */
	char *swarm_host;		/* SwarmHost */
	char *swarm_discovery;		/* SwarmDiscovery */
	/* the xhyve driver's own */
	char *boot2docker_url;		/* Boot2DockerURL */
	char *ca_cert_path;		/* CaCertPath */
	char *private_key_path;		/* PrivateKeyPath */
	int64_t cpu;			/* CPU */
	int64_t memory;			/* Memory (MB) */
	int64_t disk_size;		/* DiskSize (MB) */
	int64_t disk_number;		/* DiskNumber (unused; -1) */
	char *mac_addr;			/* MacAddr */
	char *uuid;			/* UUID */
	int qcow2;			/* Qcow2 */
	int raw_disk;			/* RawDisk */
	struct strv nfs_shares;		/* NFSShares */
	char *nfs_shares_root;		/* NFSSharesRoot */
	struct strv virtio9p;		/* Virtio9p */
	char *virtio9p_root;		/* Virtio9pRoot */
	int nfs_share;			/* NFSShare (legacy bool) */
	char *boot_cmd;			/* BootCmd */
	char *boot_kernel;		/* BootKernel */
	char *boot_initrd;		/* BootInitrd */
	char *initrd;			/* Initrd (base name) */
	char *vmlinuz;			/* Vmlinuz (base name) */
	/* ours */
	char *boot2docker_sha256;	/* Boot2DockerSHA256 */
	char *backend;			/* Backend: "", "qemu", "xhyve" */
	char *network;			/* Network: "shared" */
	char *disk_format;		/* DiskFormat: "", "raw", "qcow2", "ext4" */
};

void config_init(struct config *c);
void config_release(struct config *c);
/* Merge a JSON object into c. On error c is unchanged. */
int config_parse(struct config *c, const char *json, size_t len,
    struct xherr *err);
/* Compact JSON; the caller's. */
char *config_format(const struct config *c);

/* The create flags, in GetCreateFlags order: the original's 14, then ours. */
extern const struct gob_flag config_flags[];
extern const size_t config_nflags;
/* Apply SetConfigFromFlags' argument (an interface holding RPCFlags). Every
 * driver flag present must have the flag's type. On error c is unchanged. */
int config_set_flags(struct config *c, const struct gob_value *arg,
    struct xherr *err);

#endif
