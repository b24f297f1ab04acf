//go:build !linux

package main

import (
	"net"
	"time"
)

// waitSent: no portable way to see the send queue; give loopback a moment.
func waitSent(c *net.TCPConn) {
	time.Sleep(200 * time.Millisecond)
}
