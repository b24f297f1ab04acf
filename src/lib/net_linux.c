/* net_linux: the bridge and tap ioctls (the rest of net.h is net.c). */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ident.h"

static int
ctl_socket(struct xherr *err)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s == -1)
		xherr_sys(err, "cannot open a control socket");
	return s;
}

static int
perm_hint(struct xherr *err, const char *what, const char *ifname)
{
	int saved = errno;

	if (saved == EPERM || saved == EACCES)
		return xherr_set(err, XHE_PERM, "no privilege to %s %s: run "
		    "as root (CAP_NET_ADMIN), as vmnet needs root on macOS",
		    what, ifname);
	errno = saved;
	return xherr_sys(err, "cannot %s %s", what, ifname);
}

static int
set_up(int s, const char *ifname, struct xherr *err)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1)
		return xherr_sys(err, "cannot read the flags of %s", ifname);
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1)
		return perm_hint(err, "bring up", ifname);
	return 0;
}

static int
set_addr(int s, const char *ifname, unsigned long req, uint32_t addr,
    struct xherr *err)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(addr);
	if (ioctl(s, req, &ifr) == -1)
		return perm_hint(err, "set the address of", ifname);
	return 0;
}

int
net_bridge_up(const char *bridge, uint32_t gw, int prefix, struct xherr *err)
{
	int s, rc = -1;

	if (net_check_ifname(bridge, err) == -1)
		return -1;
	if ((s = ctl_socket(err)) == -1)
		return -1;
	if (if_nametoindex(bridge) == 0 &&
	    ioctl(s, SIOCBRADDBR, bridge) == -1 && errno != EEXIST) {
		perm_hint(err, "create the bridge", bridge);
		goto out;
	}
	if (set_addr(s, bridge, SIOCSIFADDR, gw, err) == -1 ||
	    set_addr(s, bridge, SIOCSIFNETMASK, 0xffffffffu << (32 - prefix),
	    err) == -1 ||
	    set_up(s, bridge, err) == -1)
		goto out;
	rc = 0;
out:
	close(s);
	return rc;
}

int
net_bridge_down(const char *bridge, struct xherr *err)
{
	struct ifreq ifr;
	int s, rc = 0;

	if (net_check_ifname(bridge, err) == -1)
		return -1;
	if (if_nametoindex(bridge) == 0)
		return 0;
	if ((s = ctl_socket(err)) == -1)
		return -1;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", bridge);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags &= ~IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	if (ioctl(s, SIOCBRDELBR, bridge) == -1 && errno != ENXIO)
		rc = perm_hint(err, "delete the bridge", bridge);
	close(s);
	return rc;
}

int
net_tap_open(const char *bridge, const char *tap, int *fdp, struct xherr *err)
{
	struct ifreq ifr;
	int fd, s = -1;

	*fdp = -1;
	if (net_check_ifname(bridge, err) == -1 ||
	    net_check_ifname(tap, err) == -1)
		return -1;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd == -1)
		return perm_hint(err, "open /dev/net/tun for", tap);
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", tap);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		if (errno == EBUSY)
			xherr_set(err, XHE_STATE, "tap %s is in use: is the "
			    "machine still running?", tap);
		else
			perm_hint(err, "create the tap", tap);
		goto fail;
	}
	if ((s = ctl_socket(err)) == -1)
		goto fail;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", bridge);
	ifr.ifr_ifindex = (int)if_nametoindex(tap);
	if (ifr.ifr_ifindex == 0 || (ioctl(s, SIOCBRADDIF, &ifr) == -1 &&
	    errno != EBUSY)) {
		perm_hint(err, "add a tap to the bridge", bridge);
		goto fail;
	}
	if (set_up(s, tap, err) == -1)
		goto fail;
	close(s);
	*fdp = fd;
	return 0;
fail:
	if (s != -1)
		close(s);
	close(fd);
	return -1;
}

