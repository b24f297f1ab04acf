/*
 * ssh: the machine's SSH key and the check that the guest answers SSH.
 *
 * ssh_keygen() makes <dir>/id_rsa (RSA 2048 in PEM "RSA PRIVATE KEY" form,
 * mode 0600: docker-machine's SSH client reads that form) and id_rsa.pub,
 * with OpenSSH's ssh-keygen. ssh_wait() waits, bounded, for an SSH banner
 * on IP:22 (what "the guest answers SSH" means before any login).
 * ssh_client_argv() builds the ssh(1) command line `xhinv ssh` runs;
 * ssh_run() runs a script in the guest with it (shared-folder mounts).
 */
#ifndef SSH_H
#define SSH_H

#include <signal.h>

#include "util.h"
#include "xherr.h"

#define SSH_USER "docker"

int ssh_keygen(const char *dir, struct xherr *err);
/* Wait until ip:port sends "SSH-"; *cancel (may be NULL) interrupts. */
int ssh_wait(const char *ip, int port, int timeout_ms,
    volatile sig_atomic_t *cancel, struct xherr *err);
void ssh_client_argv(const char *key, const char *ip, char *const *cmd,
    int ncmd, struct strv *argv);
/* Run script with the guest's shell as SSH_USER, at most timeout_ms; its
 * output (stdout and stderr) is appended to out. Not exit 0: -1, with the
 * status and the output's last line in err. */
int ssh_run(const char *key, const char *ip, const char *script,
    int timeout_ms, struct buf *out, struct xherr *err);

#endif
