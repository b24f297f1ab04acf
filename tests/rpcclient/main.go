// rpcclient: a docker-machine stand-in for testing the plugin's wire layer,
// written with Go's standard library only (net/rpc + encoding/gob, exactly
// what docker-machine v0.16.2 uses).
//
// It starts the plugin as docker-machine does (MACHINE_PLUGIN_TOKEN=42,
// MACHINE_PLUGIN_DRIVER_NAME, stdin /dev/null, first stdout line within
// 10 s), dials it with rpc.DialHTTP, calls GetVersion (falling back to the
// RpcServerDriver service name), heartbeats on a timer and runs a sequence:
//
//	rpcclient -plugin PATH -sequence handshake
//	rpcclient -plugin PATH -store DIR -name NAME -sequence create [-flag k=v]...
//	rpcclient -plugin PATH -sequence raw -method GetState [-arg-int N | -arg-string S | -arg-bytes S]
//	rpcclient -plugin PATH -sequence heartbeat -sleep-ms 3000   (needs XHYVE_PLUGIN_TEST_SLEEP=1)
//	rpcclient -plugin PATH -bench 2000 [-bench-method GetState]
//	rpcclient -plugin PATH -startup 20
//
// Every call prints one line "call METHOD -> RESULT" (or "-> error: TEXT").
// The exit status is non-zero on any unexpected error.
package main

import (
	"bufio"
	"encoding/gob"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/rpc"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The mcnflag types, registered under docker-machine's names.
type Flag interface {
	FlagName() string
	Default() interface{}
}

type StringFlag struct {
	Name   string
	Usage  string
	EnvVar string
	Value  string
}

type IntFlag struct {
	Name   string
	Usage  string
	EnvVar string
	Value  int
}

type BoolFlag struct {
	Name   string
	Usage  string
	EnvVar string
}

type StringSliceFlag struct {
	Name   string
	Usage  string
	EnvVar string
	Value  []string
}

func (f StringFlag) FlagName() string      { return f.Name }
func (f StringFlag) Default() interface{}  { return f.Value }
func (f IntFlag) FlagName() string         { return f.Name }
func (f IntFlag) Default() interface{}     { return f.Value }
func (f BoolFlag) FlagName() string        { return f.Name }
func (f BoolFlag) Default() interface{}    { return false }
func (f StringSliceFlag) FlagName() string { return f.Name }
func (f StringSliceFlag) Default() interface{} {
	if f.Value == nil {
		return []string{}
	}
	return f.Value
}

// drivers.DriverOptions and rpcdriver.RPCFlags.
type DriverOptions interface {
	String(key string) string
}

type RPCFlags struct {
	Values map[string]interface{}
}

func (r RPCFlags) String(key string) string {
	s, _ := r.Values[key].(string)
	return s
}

func init() {
	gob.RegisterName("*rpcdriver.RPCFlags", &RPCFlags{})
	gob.RegisterName("*mcnflag.IntFlag", &IntFlag{})
	gob.RegisterName("*mcnflag.StringFlag", &StringFlag{})
	gob.RegisterName("*mcnflag.StringSliceFlag", &StringSliceFlag{})
	gob.RegisterName("*mcnflag.BoolFlag", &BoolFlag{})
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

var (
	pluginPath  = flag.String("plugin", "", "plugin binary to start")
	driverName  = flag.String("driver", "xhyve", "MACHINE_PLUGIN_DRIVER_NAME")
	storeDir    = flag.String("store", "", "StorePath for SetConfigRaw")
	machineName = flag.String("name", "test1", "machine name")
	sequence    = flag.String("sequence", "handshake", "handshake, create, raw, heartbeat, none")
	method      = flag.String("method", "GetState", "method for -sequence raw")
	argInt      = flag.Int64("arg-int", 0, "int argument for -sequence raw")
	argString   = flag.String("arg-string", "", "string argument for -sequence raw")
	argBytes    = flag.String("arg-bytes", "", "[]byte argument for -sequence raw")
	argKind     = flag.String("arg", "empty", "argument kind for -sequence raw: empty, int, string, bytes")
	replyKind   = flag.String("reply", "any", "reply kind for -sequence raw: any, int, string, bytes, empty")
	service     = flag.String("service", "", "force a service name (default: RPCServerDriver, falling back)")
	hbEvery     = flag.Duration("heartbeat", 5*time.Second, "heartbeat period (0: none)")
	sleepMs     = flag.Int("sleep-ms", 3000, "length of the slow call for -sequence heartbeat")
	benchN      = flag.Int("bench", 0, "time N calls of -bench-method and print the median")
	benchMethod = flag.String("bench-method", "GetState", "method timed by -bench")
	pipelineN   = flag.Int("pipeline", 0, "send N SetConfigRaw calls of -pipeline-bytes at once, then print the plugin's resident memory")
	pipelineB   = flag.Int("pipeline-bytes", 15<<20, "size of each -pipeline argument")
	dripBytes   = flag.Int("drip", 0, "write requests in pieces of this many bytes, one write each (0: whole)")
	startupN    = flag.Int("startup", 0, "start the plugin N times and print the median time to the address line")
	exitN       = flag.Int("exit-time", 0, "run -plugin PATH (any program) N times as -startup starts a plugin, and print the median time to its exit")
	noClose     = flag.Bool("no-close", false, "hang up instead of calling Close at the end")
	waitExit    = flag.Duration("wait-exit", 0, "after the sequence, wait this long for the plugin to exit and print its status")
	pollEvery   = flag.Duration("poll", 3*time.Second, "GetState polling period in -sequence create")
	overrides   multi
	calls       multi
)

type plugin struct {
	cmd    *exec.Cmd
	addr   string
	done   chan struct{}
	status int
}

var errNoAddress = errors.New("plugin exited without printing its address")

// start runs the plugin the way libmachine/drivers/plugin/localbinary does.
func start(path string) (*plugin, time.Duration, error) {
	cmd := exec.Command(path)
	cmd.Env = append(os.Environ(), "MACHINE_PLUGIN_TOKEN=42",
		"MACHINE_PLUGIN_DRIVER_NAME="+*driverName)
	cmd.Stdin = nil
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, err
	}
	errp, err := cmd.StderrPipe()
	if err != nil {
		return nil, 0, err
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	p := &plugin{cmd: cmd, done: make(chan struct{}), status: -1}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		first := true
		for {
			l, err := r.ReadString('\n')
			if l != "" || err == nil {
				if first {
					lines <- l
					first = false
				} else {
					fmt.Fprintf(os.Stderr, "(%s) %s", *machineName, l)
				}
			}
			if err != nil {
				if first {
					close(lines)
				}
				return
			}
		}
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := bufio.NewScanner(errp)
		for s.Scan() {
			fmt.Fprintf(os.Stderr, "(%s) DBG | %s\n", *machineName, s.Text())
		}
	}()
	go func() {
		wg.Wait()
		err := cmd.Wait()
		p.status = 0
		if ee, ok := err.(*exec.ExitError); ok {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				p.status = 128 + int(ws.Signal())
			} else {
				p.status = ee.ExitCode()
			}
		} else if err != nil {
			p.status = -1
		}
		close(p.done)
	}()
	select {
	case l, ok := <-lines:
		if !ok {
			return p, time.Since(t0), errNoAddress
		}
		p.addr = strings.TrimSpace(l)
		return p, time.Since(t0), nil
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		return p, 0, errors.New("Failed to dial the plugin server in 10s")
	}
}

func (p *plugin) rssKB() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				n, _ := strconv.Atoi(f[1])
				return n
			}
		}
	}
	return -1
}

type client struct {
	rpc     *rpc.Client
	service string
	failed  bool
	mu      sync.Mutex // serialises the output lines
}

func (c *client) call(m string, arg, reply interface{}) error {
	return c.rpc.Call(c.service+"."+m, arg, reply)
}

func (c *client) say(format string, a ...interface{}) {
	c.mu.Lock()
	fmt.Printf(format+"\n", a...)
	c.mu.Unlock()
}

// show calls m and prints one line; ok tells whether an error was expected.
func (c *client) show(m string, arg, reply interface{}, wantErr bool) error {
	err := c.call(m, arg, reply)
	if err != nil {
		c.say("call %s -> error: %s", m, err)
		if !wantErr {
			c.failed = true
		}
		return err
	}
	if wantErr {
		c.failed = true
	}
	c.say("call %s -> %s", m, render(reply))
	return nil
}

func render(v interface{}) string {
	switch r := v.(type) {
	case nil:
		return "ok"
	case *struct{}:
		return "ok"
	case *int:
		return strconv.Itoa(*r)
	case *string:
		return strconv.Quote(*r)
	case *[]byte:
		return string(*r)
	case *interface{}:
		return fmt.Sprintf("%#v", *r)
	case *[]Flag:
		var parts []string
		for _, f := range *r {
			parts = append(parts, fmt.Sprintf("%T%+v", f, f))
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// dripConn writes what it is given in pieces of n bytes, one write each,
// with a pause between them, so the plugin reads a value bit by bit.
type dripConn struct {
	net.Conn
	n int
}

func (d dripConn) Write(b []byte) (int, error) {
	done := 0
	for done < len(b) {
		k := d.n
		if k > len(b)-done {
			k = len(b) - done
		}
		w, err := d.Conn.Write(b[done : done+k])
		done += w
		if err != nil {
			return done, err
		}
		time.Sleep(20 * time.Microsecond)
	}
	return done, nil
}

// dialHTTP is rpc.DialHTTP (the CONNECT handshake, then a gob client),
// over a dripping connection when -drip is set.
func dialHTTP(addr string) (*rpc.Client, error) {
	if *dripBytes <= 0 {
		return rpc.DialHTTP("tcp", addr)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	io.WriteString(conn, "CONNECT "+rpc.DefaultRPCPath+" HTTP/1.0\n\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: "CONNECT"})
	if err == nil && resp.Status != "200 Connected to Go RPC" {
		err = errors.New("unexpected HTTP response: " + resp.Status)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return rpc.NewClient(dripConn{conn, *dripBytes}), nil
}

// cpuMs: the plugin's user + system CPU time so far.
func (p *plugin) cpuMs() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndex(s, ")")+2:])
	if len(f) < 13 {
		return -1
	}
	u, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return (u + st) * 10 // clock ticks of 10 ms
}

func dial(p *plugin) (*client, error) {
	r, err := dialHTTP(p.addr)
	if err != nil {
		return nil, err
	}
	c := &client{rpc: r, service: "RPCServerDriver"}
	if *service != "" {
		c.service = *service
	}
	var v int
	if err := c.call("GetVersion", struct{}{}, &v); err != nil {
		if *service != "" {
			return nil, fmt.Errorf("GetVersion: %s", err)
		}
		c.say("call GetVersion -> error: %s (retrying as RpcServerDriver)", err)
		c.service = "RpcServerDriver"
		if err := c.call("GetVersion", struct{}{}, &v); err != nil {
			return nil, fmt.Errorf("GetVersion: %s", err)
		}
	}
	if v != 1 {
		return nil, fmt.Errorf("Driver binary uses an incompatible API version (%d)", v)
	}
	c.say("call GetVersion -> %d", v)
	return c, nil
}

func (c *client) heartbeat(stop chan struct{}) {
	if *hbEvery <= 0 {
		return
	}
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(*hbEvery):
				if err := c.call("Heartbeat", struct{}{}, nil); err != nil {
					select {
					case <-stop:
					default:
						c.say("heartbeat -> error: %s", err)
					}
					return
				}
			}
		}
	}()
}

func bareJSON(name, store string) []byte {
	return []byte(fmt.Sprintf(`{"IPAddress":"","MachineName":%q,"SSHUser":"","SSHPort":0,"SSHKeyPath":"","StorePath":%q,"SwarmMaster":false,"SwarmHost":"","SwarmDiscovery":""}`, name, store))
}

// rpcFlags builds SetConfigFromFlags' argument as docker-machine create does.
func rpcFlags(flags []Flag) (DriverOptions, error) {
	vals := map[string]interface{}{
		"driver":                *driverName,
		"engine-install-url":    "https://get.docker.com",
		"engine-storage-driver": "",
		"swarm":                 false,
		"swarm-master":          false,
		"swarm-experimental":    false,
		"swarm-discovery":       "",
		"swarm-addr":            "",
		"swarm-host":            "tcp://0.0.0.0:3376",
		"swarm-image":           "swarm:latest",
		"swarm-strategy":        "spread",
	}
	kinds := map[string]Flag{}
	for _, f := range flags {
		vals[f.FlagName()] = f.Default()
		kinds[f.FlagName()] = f
	}
	seen := map[string]bool{}
	for _, o := range overrides {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			return nil, fmt.Errorf("-flag %q: want name=value", o)
		}
		switch kinds[k].(type) {
		case *IntFlag:
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("-flag %s: %s", k, err)
			}
			vals[k] = n
		case *BoolFlag:
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("-flag %s: %s", k, err)
			}
			vals[k] = b
		case *StringSliceFlag:
			if !seen[k] {
				vals[k] = []string{}
				seen[k] = true
			}
			vals[k] = append(vals[k].([]string), v)
		default:
			if strings.HasPrefix(k, "engine-") && k != "engine-install-url" && k != "engine-storage-driver" {
				l, _ := vals[k].([]string)
				vals[k] = append(l, v)
			} else {
				vals[k] = v
			}
		}
	}
	return &RPCFlags{Values: vals}, nil
}

func runHandshake(c *client, full bool) {
	c.show("SetConfigRaw", bareJSON(*machineName, *storeDir), nil, false)
	var name string
	c.show("GetMachineName", struct{}{}, &name, false)
	if name != *machineName {
		c.say("unexpected machine name %q", name)
		c.failed = true
	}
	if full {
		c.show("GetMachineName", struct{}{}, &name, false)
	}
	var dn string
	c.show("DriverName", struct{}{}, &dn, false)
	var flags []Flag
	c.show("GetCreateFlags", struct{}{}, &flags, false)
	opts, err := rpcFlags(flags)
	if err != nil {
		c.say("%s", err)
		c.failed = true
		return
	}
	if c.show("SetConfigFromFlags", &opts, nil, false) == nil && !full {
		var raw []byte
		c.show("GetConfigRaw", struct{}{}, &raw, false)
	}
}

func runCreate(c *client) {
	runHandshake(c, true)
	if c.failed {
		return
	}
	step := func(m string, reply interface{}) bool {
		return c.show(m, struct{}{}, reply, false) == nil
	}
	var raw []byte
	var s string
	if !step("PreCreateCheck", nil) || !step("GetConfigRaw", &raw) {
		return
	}
	// Create, while another goroutine checks that Heartbeat and GetState
	// are answered meanwhile (docker-machine heartbeats every 5 s).
	stop := make(chan struct{})
	probe := make(chan string, 1)
	go func() {
		var hb, st []time.Duration
		states := map[int]int{}
		for {
			select {
			case <-stop:
				if len(hb) == 0 {
					probe <- "none"
					return
				}
				probe <- fmt.Sprintf("heartbeats=%d max=%dms getstate=%d max=%dms states=%v",
					len(hb), pct(hb, 1).Milliseconds(), len(st), pct(st, 1).Milliseconds(), states)
				return
			case <-time.After(500 * time.Millisecond):
				t := time.Now()
				if c.call("Heartbeat", struct{}{}, nil) == nil {
					hb = append(hb, time.Since(t))
				}
				t = time.Now()
				var v int
				if c.call("GetState", struct{}{}, &v) == nil {
					st = append(st, time.Since(t))
					states[v]++
				}
			}
		}
	}()
	ok := step("Create", nil)
	close(stop)
	during := <-probe
	c.say("during Create: %s", during)
	if during == "none" {
		c.say("no Heartbeat was answered while Create ran")
		c.failed = true
	}
	if !ok || !step("GetConfigRaw", &raw) || !step("DriverName", &s) {
		return
	}
	c.say("config %s", raw)
	if !waitState(c, 1) {
		return
	}
	var port int
	var key, user, host string
	if !step("GetSSHHostname", &host) || !step("GetSSHPort", &port) ||
		!step("GetSSHKeyPath", &key) || !step("GetSSHUsername", &user) {
		return
	}
	if fi, err := os.Stat(key); err != nil {
		c.say("ssh key: %s", err)
		c.failed = true
	} else if fi.Mode().Perm()&0077 != 0 {
		c.say("ssh key: permissions %#o for %q are too open", fi.Mode().Perm(), key)
		c.failed = true
	} else {
		c.say("ssh key %s mode %#o", key, fi.Mode().Perm())
	}
	var ip, url string
	if !step("GetIP", &ip) || !step("GetURL", &url) || !step("Stop", nil) || !waitState(c, 4) {
		return
	}
	c.show("GetURL", struct{}{}, &s, true)
	c.show("GetIP", struct{}{}, &s, true)
	if !step("Start", nil) || !waitState(c, 1) || !step("GetIP", &s) {
		return
	}
	if s != ip {
		c.say("the IP changed across Stop/Start: %s then %s", ip, s)
		c.failed = true
	}
	if !step("Remove", nil) {
		return
	}
	// As docker-machine rm: the machine directory (its config.json and
	// certificates) is the client's to delete, once Remove has returned.
	if *storeDir != "" && *machineName != "" {
		os.RemoveAll(filepath.Join(*storeDir, "machines", *machineName))
	}
	step("GetState", new(int))
}

func waitState(c *client, want int) bool {
	for i := 0; i < 60; i++ {
		var st int
		if c.show("GetState", struct{}{}, &st, false) != nil {
			return false
		}
		if st == want {
			return true
		}
		time.Sleep(*pollEvery)
	}
	c.say("state %d not reached", want)
	c.failed = true
	return false
}

func runRaw(c *client) {
	var arg interface{} = struct{}{}
	switch *argKind {
	case "int":
		arg = int(*argInt)
	case "string":
		arg = *argString
	case "bytes":
		arg = []byte(*argBytes)
	}
	var reply interface{}
	switch *replyKind {
	case "int":
		reply = new(int)
	case "string":
		reply = new(string)
	case "bytes":
		reply = new([]byte)
	case "empty":
		reply = new(struct{})
	}
	err := c.call(*method, arg, reply)
	if err != nil {
		c.say("call %s -> error: %s", *method, err)
		c.failed = true
		return
	}
	c.say("call %s -> %s", *method, render(reply))
}

// runCalls makes each -call in order and prints its result; errors are
// printed (tests compare them) but do not fail the run.
func runCalls(c *client) {
	for _, spec := range calls {
		parts := strings.SplitN(spec, " ", 3)
		m := parts[0]
		var arg interface{} = struct{}{}
		if len(parts) == 3 {
			switch parts[1] {
			case "int":
				n, _ := strconv.Atoi(parts[2])
				arg = n
			case "string":
				arg = parts[2]
			case "bytes":
				arg = []byte(parts[2])
			}
		}
		var reply interface{}
		switch {
		case m == "GetConfigRaw":
			reply = new([]byte)
		case m == "GetState" || m == "GetVersion" || m == "GetSSHPort":
			reply = new(int)
		case m == "GetCreateFlags":
			reply = new([]Flag)
		case strings.HasPrefix(m, "Get") || m == "DriverName":
			reply = new(string)
		default:
			reply = new(struct{})
		}
		if err := c.call(m, arg, reply); err != nil {
			c.say("call %s -> error: %s", m, err)
			continue
		}
		c.say("call %s -> %s", m, render(reply))
	}
}

func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

func pct(d []time.Duration, p float64) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[int(float64(len(d)-1)*p)]
}

// runHeartbeatDuringSlow calls Sleep(ms) and, while it runs, Heartbeat
// every 100 ms, printing the heartbeat round trips.
func runHeartbeatDuringSlow(c *client) {
	done := make(chan error, 1)
	t0 := time.Now()
	go func() {
		var r int
		done <- c.call("Sleep", *sleepMs, &r)
	}()
	var rtts []time.Duration
	var sleepErr error
	var sleepTook time.Duration
loop:
	for {
		select {
		case sleepErr = <-done:
			sleepTook = time.Since(t0)
			break loop
		case <-time.After(100 * time.Millisecond):
			h0 := time.Now()
			if err := c.call("Heartbeat", struct{}{}, nil); err != nil {
				c.say("call Heartbeat -> error: %s", err)
				c.failed = true
				return
			}
			d := time.Since(h0)
			if time.Since(t0) < time.Duration(*sleepMs)*time.Millisecond {
				rtts = append(rtts, d)
			}
		}
	}
	if sleepErr != nil {
		c.say("call Sleep -> error: %s", sleepErr)
		c.failed = true
		return
	}
	c.say("call Sleep -> %d ms (took %d ms)", *sleepMs, sleepTook.Milliseconds())
	if len(rtts) == 0 {
		c.say("no heartbeat answered during Sleep")
		c.failed = true
		return
	}
	max := pct(rtts, 1)
	c.say("heartbeats during Sleep: n=%d median=%dus max=%dus", len(rtts),
		median(rtts).Microseconds(), max.Microseconds())
	if max > time.Duration(*sleepMs)*time.Millisecond/4 {
		c.say("heartbeat waited behind the slow call")
		c.failed = true
	}
}

func runBench(c *client, p *plugin) {
	var reply interface{}
	switch *benchMethod {
	case "GetState", "GetVersion", "GetSSHPort":
		reply = new(int)
	default:
		reply = new(string)
	}
	for i := 0; i < 50; i++ { // warm up
		c.call(*benchMethod, struct{}{}, reply)
	}
	d := make([]time.Duration, 0, *benchN)
	errs := 0
	for i := 0; i < *benchN; i++ {
		t := time.Now()
		if err := c.call(*benchMethod, struct{}{}, reply); err != nil {
			errs++
		}
		d = append(d, time.Since(t))
	}
	c.say("bench %s n=%d errors=%d median=%dus p90=%dus p99=%dus", *benchMethod, *benchN, errs,
		median(d).Microseconds(), pct(d, 0.9).Microseconds(), pct(d, 0.99).Microseconds())
	c.say("rss_kb %d", p.rssKB())
}

// runPipeline: N large SetConfigRaw calls in flight at once (each a JSON
// object padded to -pipeline-bytes), then the plugin's resident memory
// at its peak-ish (right after the replies) and a second later.
func runPipeline(c *client, p *plugin) {
	pad := strings.Repeat("x", *pipelineB-64)
	arg := []byte(`{"MachineName":"pipe","BootCmd":"` + pad + `"}`)
	calls := make([]*rpc.Call, 0, *pipelineN)
	cpu0 := p.cpuMs()
	t := time.Now()
	for i := 0; i < *pipelineN; i++ {
		calls = append(calls, c.rpc.Go("RPCServerDriver.SetConfigRaw", arg, nil, nil))
	}
	errs := 0
	for _, call := range calls {
		<-call.Done
		if call.Error != nil {
			errs++
		}
	}
	after := p.rssKB()
	time.Sleep(time.Second)
	c.say("pipeline n=%d bytes=%d drip=%d errors=%d seconds=%.2f plugin_cpu_ms=%d rss_kb_after=%d rss_kb_1s=%d",
		*pipelineN, len(arg), *dripBytes, errs, time.Since(t).Seconds(), p.cpuMs()-cpu0, after, p.rssKB())
}

func runStartup(path string) int {
	var d []time.Duration
	var rss []int
	for i := 0; i < *startupN; i++ {
		p, took, err := start(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		d = append(d, took)
		time.Sleep(50 * time.Millisecond)
		rss = append(rss, p.rssKB())
		p.cmd.Process.Kill()
		<-p.done
	}
	sort.Ints(rss)
	fmt.Printf("startup %s n=%d median=%dus max=%dus idle_rss_kb=%d\n", filepath.Base(path), *startupN,
		median(d).Microseconds(), pct(d, 1).Microseconds(), rss[len(rss)/2])
	return 0
}

// runExitTime times a program that exits without printing an address
// (/bin/true) with start() itself, the harness runStartup times plugins
// with: from Start to the end of its output, which is its exit.
func runExitTime(path string) int {
	var d []time.Duration
	for i := 0; i < *exitN; i++ {
		p, took, err := start(path)
		if err != errNoAddress {
			fmt.Fprintf(os.Stderr, "%s: expected it to exit without output: %v\n", path, err)
			if p != nil && p.cmd.Process != nil {
				p.cmd.Process.Kill()
			}
			return 1
		}
		<-p.done
		d = append(d, took)
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("exit %s n=%d median=%dus max=%dus\n", filepath.Base(path), *exitN,
		median(d).Microseconds(), pct(d, 1).Microseconds())
	return 0
}

func main() {
	flag.Var(&overrides, "flag", "create flag override name=value (repeatable)")
	flag.Var(&calls, "call", "for -sequence calls: \"METHOD [int|string|bytes ARG]\" (repeatable, in order)")
	flag.Parse()
	if *pluginPath == "" {
		fmt.Fprintln(os.Stderr, "usage: rpcclient -plugin PATH [-sequence handshake|create|raw|heartbeat|none] [-bench N] [-startup N]")
		os.Exit(2)
	}
	if *startupN > 0 {
		os.Exit(runStartup(*pluginPath))
	}
	if *exitN > 0 {
		os.Exit(runExitTime(*pluginPath))
	}
	p, _, err := start(*pluginPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error attempting to get plugin server address for RPC: %s\n", err)
		os.Exit(1)
	}
	defer func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
		}
	}()
	fmt.Printf("plugin address %s\n", p.addr)
	c, err := dial(p)
	if err != nil {
		fmt.Printf("dial: %s\n", err)
		p.cmd.Process.Kill()
		os.Exit(1)
	}
	stop := make(chan struct{})
	c.heartbeat(stop)

	switch *sequence {
	case "handshake":
		runHandshake(c, false)
	case "create":
		runCreate(c)
	case "raw":
		runRaw(c)
	case "heartbeat":
		runHeartbeatDuringSlow(c)
	case "calls":
		runCalls(c)
	case "none":
	default:
		fmt.Fprintf(os.Stderr, "unknown sequence %q\n", *sequence)
		os.Exit(2)
	}
	if *benchN > 0 {
		runBench(c, p)
	}
	if *pipelineN > 0 {
		runPipeline(c, p)
	}
	close(stop)
	if *noClose {
		c.rpc.Close()
	} else {
		// The plugin may exit before the reply is written (as Go ones do).
		err := c.call("Close", struct{}{}, nil)
		if err != nil && !errors.Is(err, rpc.ErrShutdown) && !errors.Is(err, io.ErrUnexpectedEOF) {
			c.say("call Close -> error: %s", err)
		} else {
			c.say("call Close -> ok")
		}
		c.rpc.Close()
	}
	if *waitExit > 0 {
		select {
		case <-p.done:
			fmt.Printf("plugin exited status %d\n", p.status)
		case <-time.After(*waitExit):
			fmt.Printf("plugin still running after %s\n", *waitExit)
			c.failed = true
		}
	}
	if c.failed {
		os.Exit(1)
	}
}
