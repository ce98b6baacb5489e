// Command loadgen measures requests per second, p50 and p99 latency and peak
// RSS of net/http servers built from sessionkit and its peers, each in a
// process of its own on 127.0.0.1, driven in turn (interleaved rounds, so
// machine noise hits all alike) by a bounded load generator in this process.
// It only ever connects to the loopback addresses its own children print.
//
//	cd bench && go run ./loadgen                     # 10k and 1M sessions, 6 rounds of 3 s
//	go run ./loadgen -sizes 10000,100000 -rounds 2   # quicker
//	go run ./loadgen -dir lg -only bare,sessionkit-compact -cpuprofile lg
//
// Ratios are medians of per-round ratios: each server against bare and
// scs-sqlite in the same round. Server CPU is the child's user+system time
// (from /proc) per request served: what the server costs, whatever the
// generator took.
//
// Servers: bare (a handler that answers "ok"), sessionkit-sqlite-N (cookie
// cache off: every request reads the SQLite store holding N sessions),
// sessionkit-compact and sessionkit-jwe (answered from the cookie cache;
// requests rotate over the cookies of 1,024 signed-in users, and bare gets
// compact's),
// scs-sqlite (scs with a SQLite store on the same driver, sqlite3store's
// queries, 10k sessions) and gorilla-cookiestore.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gorilla/sessions"
	_ "modernc.org/sqlite"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/middleware"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

const secret = "loadgen-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// signedIn is how many sessions a server's requests rotate over: the
// sessionkit-compact and sessionkit-jwe servers sign in that many users,
// the SQLite servers pick that many tokens from their files, scs-sqlite
// keeps that many cookies.
const signedIn = 1024

func main() {
	serve := flag.String("serve", "", "internal: run this server and print its address")
	db := flag.String("db", "", "internal: the SQLite file of the server")
	sizes := flag.String("sizes", "10000,1000000", "session counts of the sessionkit-sqlite servers")
	dur := flag.Duration("duration", 3*time.Second, "load per server per round (at most 1m)")
	rounds := flag.Int("rounds", 6, "interleaved rounds (at most 20)")
	warm := flag.Duration("warmup", 2*time.Second, "discarded load per server before the rounds (at most 1m)")
	conc := flag.Int("c", 8, "concurrent connections (at most 64)")
	only := flag.String("only", "", "comma-separated server names to run (default all)")
	prof := flag.String("cpuprofile", "", "write each server's CPU profile to this directory, as <server>.pprof")
	keep := flag.String("dir", "", "keep the SQLite files in this directory and reuse them for a day (default: a temporary one)")
	flag.Parse()
	if *serve != "" {
		runServer(*serve, *db, *prof)
		return
	}
	*dur = min(*dur, time.Minute)
	*warm = min(*warm, time.Minute)
	*rounds = max(1, min(*rounds, 20))
	*conc = max(1, min(*conc, 64))

	dir := *keep
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
	} else {
		tmp, err := os.MkdirTemp("", "loadgen")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}

	// Servers compared with each other run next to each other: bare and
	// the cookie codecs, then the SQLite ones and scs.
	names := []string{"bare", "sessionkit-compact", "sessionkit-jwe", "gorilla-cookiestore"}
	dbs := map[string]string{}
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1024 || n > 10_000_000 {
			log.Fatalf("size %q: want a number in 1024..10M", f)
		}
		name := "sessionkit-sqlite-" + short(n)
		names = append(names, name)
		dbs[name] = filepath.Join(dir, name+".db")
	}
	names = append(names, "scs-sqlite")
	dbs["scs-sqlite"] = filepath.Join(dir, "scs.db")
	if *only != "" {
		keep := strings.Split(*only, ",")
		names = slices.DeleteFunc(names, func(n string) bool { return !slices.Contains(keep, n) })
	}
	for _, name := range names {
		if n, ok := strings.CutPrefix(name, "sessionkit-sqlite-"); ok {
			// Reused for a day (its sessions live a week).
			if fi, err := os.Stat(dbs[name] + ".tokens"); err == nil && time.Since(fi.ModTime()) < 24*time.Hour {
				log.Printf("%s: reusing %s", name, dbs[name])
				continue
			}
			start := time.Now()
			fillSessionkit(dbs[name], long(n))
			log.Printf("%s: filled in %v", name, time.Since(start).Round(time.Millisecond))
		}
	}

	servers := make([]*server, 0, len(names))
	for _, name := range names {
		s, err := start(name, dbs[name], *prof)
		if err != nil {
			log.Fatal(err)
		}
		defer s.stop()
		servers = append(servers, s)
	}
	// A discarded warm-up: the first requests of a server fault in its
	// memory map, fill its caches and grow its heap.
	for _, s := range servers {
		if _, err := drive(s, *warm, *conc); err != nil {
			log.Fatalf("%s: warm-up: %v", s.name, err)
		}
	}
	for r := range *rounds {
		// Every other round runs backwards (ABBA), so a drift in the
		// machine's load favours no server.
		order := slices.Clone(servers)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, s := range order {
			res, err := drive(s, *dur, *conc)
			if err != nil {
				log.Fatalf("%s: %v", s.name, err)
			}
			s.results = append(s.results, res)
			log.Printf("round %d %-24s %8.0f req/s p50 %v p99 %v server CPU %v/req", r+1, s.name, res.rps, res.p50, res.p99, res.cpu)
		}
	}
	byName := map[string]*server{}
	for _, s := range servers {
		byName[s.name] = s
	}
	// ratio is the median over rounds of name's rate over base's in the
	// same round.
	ratio := func(name, base string) string {
		b, ok := byName[base]
		if !ok {
			return "-"
		}
		v := make([]float64, 0, *rounds)
		for r, res := range byName[name].results {
			v = append(v, res.rps/b.results[r].rps)
		}
		return fmt.Sprintf("%.2f×", median(v))
	}
	fmt.Printf("\n| server | req/s | vs bare | vs scs-sqlite | p50 | p99 | server CPU/req | peak RSS | of which file-backed |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, s := range servers {
		m := s.median()
		peak, file := s.peakRSS()
		fmt.Printf("| %s | %.0f | %s | %s | %v | %v | %v | %d MiB | %d MiB |\n", s.name, m.rps, ratio(s.name, "bare"), ratio(s.name, "scs-sqlite"),
			m.p50.Round(time.Microsecond), m.p99.Round(time.Microsecond), m.cpu.Round(100*time.Nanosecond), peak>>20, file>>20)
	}
}

func median(v []float64) float64 {
	slices.Sort(v)
	if len(v)%2 == 0 {
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return v[len(v)/2]
}

func short(n int) string {
	switch {
	case n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

func long(s string) int {
	mul := 1
	if v, ok := strings.CutSuffix(s, "M"); ok {
		s, mul = v, 1_000_000
	} else if v, ok := strings.CutSuffix(s, "k"); ok {
		s, mul = v, 1000
	}
	n, _ := strconv.Atoi(s)
	return n * mul
}

// fillSessionkit creates a sessionkit SQLite file of n live sessions of
// n/100 users: the store creates the schema, then one transaction fills
// it without a journal (a fixture, rebuilt from scratch when a run
// fails), and the store's own settings apply when the server opens it.
func fillSessionkit(path string, n int) {
	removeDB(path)
	st, err := sqlite.OpenWith(path, sqlite.Options{SweepInterval: -1})
	if err != nil {
		log.Fatal(err)
	}
	if err := st.Close(); err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=cache_size(-524288)&_pragma=foreign_keys(ON)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	now := time.Now().UTC()
	at := store.FormatTime(now.Add(-time.Hour))
	exp := store.FormatTime(now.Add(7 * 24 * time.Hour))
	tx, err := db.Begin()
	if err != nil {
		log.Fatal(err)
	}
	// Rows go in in key order (a token is its row's number in hex, then
	// random hex; ids and user ids sort the same way), so every index of
	// the table is appended to, never split at random, and nothing is
	// sorted: a million rows take seconds, not minutes.
	users := (n + 99) / 100
	for _, q := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO "user" ("id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt")
			WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i+1 < ?)
			SELECT printf('user-%08d', i), 'User ' || i, printf('u%08d@example.com', i), 1, NULL, ?, ? FROM c`, []any{users, at, at}},
		{`INSERT INTO "session" ("id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent")
			WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i+1 < ?),
			r(i, tok) AS (SELECT i, printf('%08x', i) || lower(hex(randomblob(12))) FROM c)
			SELECT 'ses' || tok, tok, printf('user-%08d', i / 100), ?, ?, ?, '127.0.0.1', 'loadgen' FROM r`, []any{n, exp, at, at}},
	} {
		if _, err := tx.Exec(q.q, q.args...); err != nil {
			log.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA journal_mode = WAL`); err != nil {
		log.Fatal(err)
	}
	// The tokens of 1,024 sessions spread over the table, for the server
	// to hand out: picking them there would scan the table through its
	// memory map and count the whole file in its RSS.
	rows, err := db.Query(`SELECT "token" FROM "session" WHERE rowid % ? = 0 LIMIT ?`, max(1, n/signedIn), signedIn)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	var toks []string
	for rows.Next() {
		var tok string
		if err := rows.Scan(&tok); err != nil {
			log.Fatal(err)
		}
		toks = append(toks, tok)
	}
	if err := os.WriteFile(path+".tokens", []byte(strings.Join(toks, "\n")), 0o600); err != nil {
		log.Fatal(err)
	}
}

// removeDB deletes a SQLite file and its WAL, if any.
func removeDB(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + ".tokens"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			log.Fatal(err)
		}
	}
}

// server is a child process serving one variant.
type server struct {
	name    string
	cmd     *exec.Cmd
	addr    string
	cookies []string
	results []result
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	cpu      time.Duration // the server's CPU time per request
}

// hello is what a child prints once it listens.
type hello struct {
	Addr    string   `json:"addr"`
	Cookies []string `json:"cookies"`
}

func start(name, db, prof string) (*server, error) {
	args := []string{"-serve", name, "-db", db}
	if prof != "" {
		args = append(args, "-cpuprofile", filepath.Join(prof, name+".pprof"))
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var h hello
	if err := json.NewDecoder(bufio.NewReader(out)).Decode(&h); err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if host, _, err := net.SplitHostPort(h.Addr); err != nil || host != "127.0.0.1" || len(h.Cookies) == 0 {
		cmd.Process.Kill()
		return nil, fmt.Errorf("%s: bad hello %+v", name, h)
	}
	return &server{name: name, cmd: cmd, addr: h.Addr, cookies: h.Cookies}, nil
}

// stop ends the child: an interrupt first, so it can write its profile.
func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// cpu is the child's user and system CPU time so far.
func (s *server) cpu() time.Duration {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: utime is
	// the 12th, stime the 13th, in clock ticks (100 a second on Linux).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// peakRSS is the child's VmHWM, and its resident file-backed pages now
// (RssFile: the SQLite file's pages in the memory map, which the kernel
// can drop at will).
func (s *server) peakRSS() (peak, file int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	kb := func(v string) int64 {
		n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		return n << 10
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			peak = kb(v)
		}
		if v, ok := strings.CutPrefix(l, "RssFile:"); ok {
			file = kb(v)
		}
	}
	return peak, file
}

// median is the median of each measure over the rounds.
func (s *server) median() result {
	med := func(f func(result) float64) float64 {
		v := make([]float64, len(s.results))
		for i, r := range s.results {
			v[i] = f(r)
		}
		return median(v)
	}
	return result{
		rps: med(func(r result) float64 { return r.rps }),
		p50: time.Duration(med(func(r result) float64 { return float64(r.p50) })),
		p99: time.Duration(med(func(r result) float64 { return float64(r.p99) })),
		cpu: time.Duration(med(func(r result) float64 { return float64(r.cpu) })),
	}
}

// drive sends GET / with the server's cookies, in rotation, over conc
// keep-alive connections for d, and fails on any answer but 200.
//
// Each connection writes a prepared request and reads the answer with
// get (what wrk does): the generator spends a write, a read and no
// allocation a request, so on a 2-core machine it takes as little CPU as
// it can from the server it measures, and the same for every server.
func drive(s *server, d time.Duration, conc int) (result, error) {
	reqs := make([][]byte, len(s.cookies))
	for i, c := range s.cookies {
		reqs[i] = []byte("GET / HTTP/1.1\r\nHost: " + s.addr + "\r\nUser-Agent: loadgen\r\nAccept: */*\r\nCookie: " + c + "\r\n\r\n")
	}
	deadline := time.Now().Add(d)
	lat := make([][]time.Duration, conc)
	errs := make(chan error, conc)
	var wg sync.WaitGroup
	cpu0 := s.cpu()
	begin := time.Now()
	for w := range conc {
		wg.Go(func() {
			conn, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			conn.SetDeadline(deadline.Add(10 * time.Second))
			br := bufio.NewReaderSize(conn, 16<<10)
			l := make([]time.Duration, 0, 1<<16)
			for i := w; time.Now().Before(deadline); i += conc {
				t0 := time.Now()
				if _, err := conn.Write(reqs[i%len(reqs)]); err != nil {
					errs <- err
					return
				}
				if err := get(br); err != nil {
					errs <- err
					return
				}
				if len(l) < 1<<22 { // bounded memory
					l = append(l, time.Since(t0))
				}
			}
			lat[w] = l
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	cpu := s.cpu() - cpu0
	select {
	case err := <-errs:
		return result{}, err
	default:
	}
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return result{}, fmt.Errorf("no requests")
	}
	slices.Sort(all)
	return result{
		rps: float64(len(all)) / elapsed.Seconds(),
		p50: all[len(all)/2],
		p99: all[len(all)*99/100],
		cpu: cpu / time.Duration(len(all)),
	}, nil
}

// get reads one response: a 200 status line, headers with a
// Content-Length (every server here answers with one) and at most 64 KiB of
// body, which it discards.
func get(br *bufio.Reader) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("answer %q", bytes.TrimSpace(line))
	}
	n := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(string(k), "Content-Length") {
			n, err = strconv.Atoi(string(bytes.TrimSpace(v)))
			if err != nil {
				return err
			}
		}
	}
	if n < 0 || n > 64<<10 {
		return fmt.Errorf("content length %d", n)
	}
	_, err = br.Discard(n)
	return err
}

// runServer is the child: it builds the server, listens on 127.0.0.1,
// prints its hello and serves until killed.
func runServer(name, db, prof string) {
	h, cookies := build(name, db)
	if prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		go func() {
			<-sig
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(0)
		}()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(hello{Addr: ln.Addr().String(), Cookies: cookies}); err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.Serve(ln))
}

var ok = []byte("ok")

func build(name, db string) (http.Handler, []string) {
	switch {
	case name == "bare":
		// The same Cookie header as sessionkit-compact's, which a browser
		// sends whatever the handler: the servers differ only in what
		// the handler does with it.
		_, cookies := build("sessionkit-compact", db)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(ok) }), cookies
	case strings.HasPrefix(name, "sessionkit-sqlite-"):
		st, err := sqlite.Open(db)
		if err != nil {
			log.Fatal(err)
		}
		m, err := sessionkit.New(sessionkit.Config{Secret: secret, Store: st})
		if err != nil {
			log.Fatal(err)
		}
		toks, err := os.ReadFile(db + ".tokens")
		if err != nil {
			log.Fatal(err)
		}
		var cookies []string
		for _, tok := range strings.Split(string(toks), "\n") {
			cookies = append(cookies, sessionCookie(tok))
		}
		return sessionkitHandler(m), cookies
	case name == "sessionkit-compact" || name == "sessionkit-jwe":
		m, err := sessionkit.New(sessionkit.Config{
			Secret: secret, Store: memory.New(),
			CookieCache: sessionkit.CookieCache{Enabled: true, Strategy: strings.TrimPrefix(name, "sessionkit-"), MaxAge: time.Hour},
		})
		if err != nil {
			log.Fatal(err)
		}
		// As many signed-in users as the SQLite servers rotate over, each
		// with a cache cookie of its own.
		cookies := make([]string, 0, signedIn)
		for i := range signedIn {
			u := store.User{ID: store.NewID(), Name: "Ada Lovelace " + strconv.Itoa(i), Email: "ada" + strconv.Itoa(i) + "@example.com", CreatedAt: m.Now(), UpdatedAt: m.Now()}
			if err := m.Store().CreateUser(context.Background(), u); err != nil {
				log.Fatal(err)
			}
			rec := httptest.NewRecorder()
			if _, err := m.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
				log.Fatal(err)
			}
			cookies = append(cookies, cookieHeader(rec))
		}
		return sessionkitHandler(m), cookies
	case name == "scs-sqlite":
		return scsServer(db)
	case name == "gorilla-cookiestore":
		cs := sessions.NewCookieStore([]byte(secret[:32]))
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		s, _ := cs.Get(req, "session")
		s.Values["user"] = "ada"
		if err := s.Save(req, rec); err != nil {
			log.Fatal(err)
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, err := cs.Get(r, "session")
			if err != nil || s.Values["user"] != "ada" {
				http.Error(w, "no session", http.StatusUnauthorized)
				return
			}
			w.Write(ok)
		}), []string{cookieHeader(rec)}
	}
	log.Fatalf("unknown server %q", name)
	return nil, nil
}

func sessionkitHandler(m *sessionkit.Manager) http.Handler {
	return middleware.Load(m)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, found := sessionkit.FromContext(r.Context()); !found {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		w.Write(ok)
	}))
}

// sessionCookie is the Cookie header a browser sends for token: Better
// Auth's signed session_token.
func sessionCookie(token string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(token))
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	sig = strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(sig)
	return "better-auth.session_token=" + token + "." + sig
}

func cookieHeader(rec *httptest.ResponseRecorder) string {
	var parts []string
	for _, c := range rec.Result().Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// scsServer is scs on SQLite: the queries and table of scs's sqlite3store
// on modernc.org/sqlite (sqlite3store itself needs cgo), 10,000 sessions,
// requests rotating over 1,024 of them.
func scsServer(path string) (http.Handler, []string) {
	removeDB(path)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, data BLOB NOT NULL, expiry REAL NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions(expiry)`,
		`INSERT INTO sessions WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i+1 < 10000)
			SELECT lower(hex(randomblob(16))), x'00', julianday('now', '+7 days') FROM c`,
	} {
		if _, err := db.Exec(q); err != nil {
			log.Fatal(err)
		}
	}
	sm := scs.New()
	sm.Store = scsStore{db}
	sm.Lifetime = 24 * time.Hour
	login := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "user", "ada")
	}))
	var cookies []string
	for range signedIn {
		rec := httptest.NewRecorder()
		login.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		cookies = append(cookies, cookieHeader(rec))
	}
	return sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sm.GetString(r.Context(), "user") != "ada" {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		w.Write(ok)
	})), cookies
}

// scsStore is scs's sqlite3store, query for query.
type scsStore struct{ db *sql.DB }

func (s scsStore) Find(token string) ([]byte, bool, error) {
	var b []byte
	err := s.db.QueryRow(`SELECT data FROM sessions WHERE token = $1 AND julianday('now') < expiry`, token).Scan(&b)
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	return b, err == nil, err
}

func (s scsStore) Commit(token string, b []byte, expiry time.Time) error {
	_, err := s.db.Exec(`REPLACE INTO sessions (token, data, expiry) VALUES ($1, $2, julianday($3))`, token, b, expiry.UTC().Format("2006-01-02T15:04:05.999"))
	return err
}

func (s scsStore) Delete(token string) error {
	_, err := s.db.Exec(`DELETE FROM sessions WHERE token = $1`, token)
	return err
}
