package main

import (
	"net"
	"syscall"
	"time"
	"unsafe"
)

// waitSent waits (up to 5 s) until the peer has acknowledged everything
// written to c: SIOCOUTQ (TIOCOUTQ) counts unsent plus unacknowledged bytes.
func waitSent(c *net.TCPConn) {
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		var n int32
		var errno syscall.Errno
		raw.Control(func(fd uintptr) {
			_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd,
				syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&n)))
		})
		if errno != 0 || n == 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}
