// faultd: a small fault-injecting HTTP server for testing the ISO download
// cache (libcurl) against misbehaving servers. Go's standard library only.
//
//	faultd -root DIR [-log FILE]
//
// It listens on 127.0.0.1:0, prints "127.0.0.1:PORT" as its first stdout
// line, and serves until killed (SIGTERM or SIGINT: exit 0). PATH below is
// a file path under -root ("." and ".." cannot leave it; directories 404).
//
//	/files/PATH            the file through http.ServeContent: Range,
//	                       If-Range, If-None-Match, If-Modified-Since, 206,
//	                       304 and 416 exactly as Go implements them. Strong
//	                       ETag: '"' + hex(sha256(content)[:16]) + '"'.
//	/drop/N/PATH           the first request for this exact URL (path and
//	                       query) since start: 200 with the full
//	                       Content-Length, ETag and Last-Modified, the first
//	                       N body bytes, then the TCP connection is reset
//	                       (RST, after the kernel has delivered those N
//	                       bytes). Later requests: as /files/PATH. With
//	                       ?always=1 every request drops.
//	/short/PATH            200 with the full Content-Length, half the body
//	                       (size/2 bytes), then a clean close (FIN). Always.
//	/status/CODE/anything  status CODE with a one-line text body.
//	/ratelimit/anything    GitHub's unauthenticated rate-limit answer: 403,
//	                       X-RateLimit-Limit: 60, X-RateLimit-Remaining: 0,
//	                       X-RateLimit-Reset: now+3600, JSON message.
//	/api/repos/OWNER/REPO/releases/latest     (github.com API)
//	/api/v3/repos/OWNER/REPO/releases/latest  (GitHub Enterprise API)
//	                       -root/releases/OWNER/REPO.json through
//	                       ServeContent (ETag, 304), application/json;
//	                       GitHub's 404 JSON when the file is missing.
//	/hang/anything         never answers; returns when the client hangs up
//	                       (logged with status 499, as nginx does).
//	anything else          404.
//
// Access log (-log FILE, default stderr): one line per request, written
// when the handler ends, tab-separated, empty fields as "-":
//
//	method path status body_bytes_sent range if_range if_none_match if_modified_since authorization
//
// path is the decoded URL path without the query (nginx's $uri);
// body_bytes_sent counts the body bytes the handler wrote (on /drop/ and
// /short/ they are flushed to the socket before the connection ends).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	root    string
	logFile *os.File
	logMu   sync.Mutex

	etagMu    sync.Mutex
	etagCache = map[string]etagEntry{} // by file path

	dropMu   sync.Mutex
	dropSeen = map[string]bool{} // by request URI
)

type etagEntry struct {
	size  int64
	mtime time.Time
	etag  string
}

// logWriter wraps the ResponseWriter to record the status and count the
// body bytes written.
type logWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *logWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func field(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

func logRequest(r *http.Request, w *logWriter) {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	h := r.Header
	line := strings.Join([]string{
		field(r.Method), field(r.URL.Path), strconv.Itoa(status),
		strconv.FormatInt(w.bytes, 10), field(h.Get("Range")),
		field(h.Get("If-Range")), field(h.Get("If-None-Match")),
		field(h.Get("If-Modified-Since")), field(h.Get("Authorization")),
	}, "\t") + "\n"
	logMu.Lock()
	logFile.WriteString(line) // unbuffered: one write per line
	logMu.Unlock()
}

// localFile maps a URL path tail to a file under root; ".." cannot escape.
func localFile(p string) string {
	return filepath.Join(root, filepath.FromSlash(path.Clean("/"+p)))
}

// openFile opens a regular file and returns it with its size, mtime and
// strong ETag (recomputed when size or mtime change).
func openFile(name string) (*os.File, os.FileInfo, string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, "", err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = os.ErrNotExist
	}
	if err != nil {
		f.Close()
		return nil, nil, "", err
	}
	etagMu.Lock()
	e, ok := etagCache[name]
	etagMu.Unlock()
	if !ok || e.size != fi.Size() || !e.mtime.Equal(fi.ModTime()) {
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			f.Close()
			return nil, nil, "", err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, nil, "", err
		}
		e = etagEntry{fi.Size(), fi.ModTime(), `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`}
		etagMu.Lock()
		etagCache[name] = e
		etagMu.Unlock()
	}
	return f, fi, e.etag, nil
}

// serveFile: the file through http.ServeContent with our ETag.
func serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	f, fi, etag, err := openFile(name)
	if err != nil {
		return false
	}
	defer f.Close()
	w.Header().Set("ETag", etag)
	http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
	return true
}

// fullHeaders: what a 200 for the whole file carries.
func fullHeaders(w http.ResponseWriter, fi os.FileInfo, etag string) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
	h.Set("ETag", etag)
	h.Set("Last-Modified", fi.ModTime().UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
}

// truncated answers 200 with the full Content-Length but only n body
// bytes, then ends the connection: reset (RST) or a clean close (FIN).
func truncated(w *logWriter, name string, n int64, reset bool) bool {
	f, fi, etag, err := openFile(name)
	if err != nil {
		return false
	}
	defer f.Close()
	if n > fi.Size() {
		n = fi.Size()
	}
	fullHeaders(w, fi, etag)
	w.WriteHeader(http.StatusOK)
	io.CopyN(w, f, n)
	w.ResponseWriter.(http.Flusher).Flush()
	conn, _, err := w.ResponseWriter.(http.Hijacker).Hijack()
	if err != nil {
		return true
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		waitSent(tc) // an RST discards unsent data: let it go first
		tc.SetLinger(0)
	}
	conn.Close()
	return true
}

func githubJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	io.WriteString(w, body)
}

const notFoundJSON = `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/releases/releases#get-the-latest-release"}`

const rateLimitJSON = `{"message":"API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}`

// releases: /api[/v3]/repos/OWNER/REPO/releases/latest
func releases(w http.ResponseWriter, r *http.Request, rest string) {
	p := strings.Split(rest, "/")
	if len(p) != 5 || p[0] != "repos" || p[3] != "releases" || p[4] != "latest" ||
		!pathElem(p[1]) || !pathElem(p[2]) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if !serveFile(w, r, filepath.Join(root, "releases", p[1], p[2]+".json")) {
		githubJSON(w, http.StatusNotFound, notFoundJSON)
	}
}

func pathElem(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`)
}

func handle(w *logWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/files/"):
		if serveFile(w, r, localFile(p[len("/files/"):])) {
			return
		}
	case strings.HasPrefix(p, "/drop/"):
		ns, file, _ := strings.Cut(p[len("/drop/"):], "/")
		n, err := strconv.ParseInt(ns, 10, 64)
		if err != nil || n < 0 {
			break
		}
		name := localFile(file)
		dropMu.Lock()
		drop := !dropSeen[r.URL.RequestURI()] || r.URL.Query().Get("always") == "1"
		dropSeen[r.URL.RequestURI()] = true
		dropMu.Unlock()
		if drop && truncated(w, name, n, true) || !drop && serveFile(w, r, name) {
			return
		}
	case strings.HasPrefix(p, "/short/"):
		name := localFile(p[len("/short/"):])
		if fi, err := os.Stat(name); err == nil && truncated(w, name, fi.Size()/2, false) {
			return
		}
	case strings.HasPrefix(p, "/status/"):
		cs, _, _ := strings.Cut(p[len("/status/"):], "/")
		code, err := strconv.Atoi(cs)
		if err != nil || code < 200 || code > 599 {
			http.Error(w, "bad status code", http.StatusBadRequest)
			return
		}
		http.Error(w, fmt.Sprintf("%d %s", code, http.StatusText(code)), code)
		return
	case strings.HasPrefix(p, "/ratelimit/"):
		h := w.Header()
		h.Set("X-RateLimit-Limit", "60")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Used", "60")
		h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Unix()+3600, 10))
		githubJSON(w, http.StatusForbidden, rateLimitJSON)
		return
	case strings.HasPrefix(p, "/api/v3/"):
		releases(w, r, p[len("/api/v3/"):])
		return
	case strings.HasPrefix(p, "/api/"):
		releases(w, r, p[len("/api/"):])
		return
	case strings.HasPrefix(p, "/hang/"):
		<-r.Context().Done() // cancelled when the client closes
		w.status = 499
		return
	}
	http.NotFound(w, r)
}

func main() {
	flag.StringVar(&root, "root", "", "directory served (required)")
	logPath := flag.String("log", "", "access log file (default stderr)")
	flag.Parse()
	if root == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: faultd -root DIR [-log FILE]")
		os.Exit(2)
	}
	logFile = os.Stderr
	if *logPath != "" {
		f, err := os.OpenFile(*logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "faultd:", err)
			os.Exit(1)
		}
		logFile = f
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultd:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stdout, ln.Addr().String()) // os.Stdout is unbuffered

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		os.Exit(0)
	}()

	srv := &http.Server{
		ReadHeaderTimeout: 30 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			lw := &logWriter{ResponseWriter: w}
			defer logRequest(r, lw)
			handle(lw, r)
		}),
	}
	err = srv.Serve(ln)
	fmt.Fprintln(os.Stderr, "faultd:", err)
	os.Exit(1)
}
