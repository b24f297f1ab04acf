/*
 * nfs: pure editing of /etc/exports for a machine's NFS shares. Bytes in,
 * bytes out; no I/O and no nfsd: the caller reads the file, writes the
 * result atomically, runs `nfsd -F TMP checkexports` on it first and
 * `nfsd update` after.
 *
 *	struct buf out;
 *	int changed;
 *	buf_init(&out);
 *	if (nfs_exports_set(buf, len, "dev", "/Users", "192.168.64.5",
 *	    "alice", &out, &changed, &err) == -1)
 *		return xherr_wrap(&err, "cannot update /etc/exports");
 *	if (changed)
 *		... write out.p, out.len ...
 *	buf_release(&out);
 *
 * Each share is one block, as the original driver (and its nfsexports
 * library) wrote it:
 *
 *	# BEGIN: docker-machine-driver-xhyve dev-/Users
 *	/Users 192.168.64.5 -alldirs -mapall=alice
 *	# END: docker-machine-driver-xhyve dev-/Users
 *
 * The identifier is "<machine>-<share>"; v0.3.3 wrote "<machine>" alone
 * (its one share was /Users). Machine names have no '/' and shares start
 * with one, so the first "-/" splits an identifier without doubt.
 *
 * Only lines that start with "# BEGIN: docker-machine-driver-xhyve " or
 * "# END: docker-machine-driver-xhyve " are ours; every other byte of the
 * file is kept as it is, other tools' blocks included. A file whose
 * markers do not pair up (BEGIN without END, END without BEGIN, END of
 * another identifier, BEGIN inside a block, a marker without identifier
 * or with a NUL byte) is refused with the line, never rewritten.
 *
 * Ownership: out is appended to, and left as it was on error. Strings in
 * struct nfs_blocks belong to it until nfs_blocks_release.
 */
#ifndef NFS_H
#define NFS_H

#include <stddef.h>

#include "ident.h"
#include "util.h"
#include "xherr.h"

/* The marker's tag, after "# BEGIN: " and "# END: ". */
#define NFS_TAG "docker-machine-driver-xhyve"

/*
 * One block of ours:
 *  id       the identifier, "<machine>-<share>" or v0.3.3's "<machine>"
 *  machine  the id up to "-/", or the whole id
 *  share    the id from the '/' after "-"; NULL in the v0.3.3 form
 *  body     the lines between the markers, without the newline (and CR)
 *           that ends the last; "" when there are none
 *  ip       the body's second field when it is IPv4 (canonical), else ""
 *  start, end  its bytes: from the start of the BEGIN line to past the
 *           END line's newline (or the end of the file)
 */
struct nfs_block {
	char *id;
	char *machine;
	char *share;
	char *body;
	char ip[IDENT_IP_LEN];
	unsigned begin_line, end_line;	/* from 1 */
	size_t start, end;
};

struct nfs_blocks {
	struct nfs_block *v;
	size_t n, cap;
};

/* Our blocks in file order. -1 (XHE_INVAL, "line N: ...") when the
 * markers do not pair up; out is then empty. */
int nfs_exports_parse_blocks(const char *buf, size_t len,
    struct nfs_blocks *out, struct xherr *err);
void nfs_blocks_release(struct nfs_blocks *b);

/* Append to out the file with the block for machine's share exporting it
 * to ip as "<share> <ip> -alldirs -mapall=<user>". An existing block with
 * that identifier and another line is replaced in place (the original
 * kept a stale IP: its #71), later duplicates are dropped, and so is a
 * v0.3.3 block of machine exporting the same share (it would conflict).
 * Otherwise the block is appended, after a newline if the file does not
 * end with one. *changed (may be NULL) is 0 when out is the file as it
 * was. Refused: an invalid machine name; a share that is not a canonical
 * absolute path ('/', no "." or ".." or empty components, no trailing
 * '/'), or holds white space, a control byte, a quote, '\\' or '#' (the
 * exports syntax cannot quote them); ip not IPv4 (written canonical); a
 * user not [a-z_][a-z0-9_.-]* (at most 255 bytes); a file that does not
 * parse. buf may be NULL with len 0 (no file yet). */
int nfs_exports_set(const char *buf, size_t len, const char *machine,
    const char *share, const char *ip, const char *user, struct buf *out,
    int *changed, struct xherr *err);

/* Append to out the file without any block of machine: every share's, and
 * the v0.3.3 form's (which the original could not remove). *removed (may
 * be NULL) counts them; with 0, out is the file as it was. A removed block
 * goes from the start of its BEGIN line to the end of its END line,
 * newline included. Refused: an invalid machine name, a file that does
 * not parse. */
int nfs_exports_remove(const char *buf, size_t len, const char *machine,
    struct buf *out, int *removed, struct xherr *err);

#endif
