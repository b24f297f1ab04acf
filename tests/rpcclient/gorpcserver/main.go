// gorpcserver: a minimal Go net/rpc plugin server, set up exactly as a Go
// docker-machine plugin (libmachine/drivers/plugin.RegisterDriver): both
// service names, rpc.HandleHTTP, 127.0.0.1:0, address as the first stdout
// line, exit 0 on Close, exit 1 after the heartbeat timeout. It is the
// baseline that rpcclient -bench compares the C plugin with.
package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"strconv"
	"time"
)

type Server struct {
	closeCh     chan bool
	heartbeatCh chan bool
	machine     string
}

func (s *Server) GetVersion(_ *struct{}, reply *int) error { *reply = 1; return nil }
func (s *Server) Heartbeat(_ *struct{}, _ *struct{}) error { s.heartbeatCh <- true; return nil }
func (s *Server) Close(_ *struct{}, _ *struct{}) error     { s.closeCh <- true; return nil }
func (s *Server) GetState(_ *struct{}, reply *int) error   { *reply = 4; return nil }
func (s *Server) DriverName(_ *struct{}, reply *string) error {
	*reply = "gobaseline"
	return nil
}
func (s *Server) GetMachineName(_ *struct{}, reply *string) error {
	*reply = s.machine
	return nil
}
func (s *Server) SetConfigRaw(data []byte, _ *struct{}) error {
	s.machine = fmt.Sprintf("%d-bytes", len(data))
	return nil
}
func (s *Server) Sleep(ms int, reply *int) error {
	if ms < 0 || ms > 60000 {
		return errors.New("Sleep: out of range")
	}
	time.Sleep(time.Duration(ms) * time.Millisecond)
	*reply = ms
	return nil
}

func main() {
	timeout := 10 * time.Second
	if v := os.Getenv("XHYVE_PLUGIN_HEARTBEAT_TIMEOUT_MS"); v != "" {
		if ms, err := strconv.Atoi(v); err == nil {
			timeout = time.Duration(ms) * time.Millisecond
		}
	}
	s := &Server{closeCh: make(chan bool), heartbeatCh: make(chan bool)}
	rpc.RegisterName("RpcServerDriver", s)
	rpc.RegisterName("RPCServerDriver", s)
	rpc.HandleHTTP()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error loading RPC server: %s\n", err)
		os.Exit(1)
	}
	fmt.Println(l.Addr())
	go http.Serve(l, nil)
	for {
		select {
		case <-s.closeCh:
			os.Exit(0)
		case <-s.heartbeatCh:
			continue
		case <-time.After(timeout):
			os.Exit(1)
		}
	}
}
