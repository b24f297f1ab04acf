/*
 * net_darwin: macOS has no Linux bridge or tap; its machines use the
 * xhyve backend, where vmnet.framework (inside xhyve) is the network and
 * bootpd hands out the addresses. The QEMU backend's shared network is
 * refused with a clear line. Cross-compiled and linked for macOS by
 * `make macos`; never run here (no Mac).
 */
#include "net.h"

static int
no_bridge(struct xherr *err)
{
	return xherr_set(err, XHE_FAIL, "the QEMU backend's shared network "
	    "(a bridge and taps) is Linux-only: on macOS use the xhyve "
	    "backend, whose vmnet network needs nothing from xhinv");
}

int
net_bridge_up(const char *bridge, uint32_t gw, int prefix, struct xherr *err)
{
	(void)bridge;
	(void)gw;
	(void)prefix;
	return no_bridge(err);
}

int
net_bridge_down(const char *bridge, struct xherr *err)
{
	(void)bridge;
	(void)err;
	return 0;	/* nothing of ours can be up */
}

int
net_tap_open(const char *bridge, const char *tap, int *fdp, struct xherr *err)
{
	(void)bridge;
	(void)tap;
	*fdp = -1;
	return no_bridge(err);
}
