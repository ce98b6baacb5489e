// Command loadgen measures requests per second, p50 and p99 latency and peak
// RSS of net/http servers built from sessionkit and its peers, each in a
// process of its own on 127.0.0.1, driven in turn (interleaved rounds, so
// machine noise hits all alike) by a bounded load generator in this process.
// It only ever connects to the loopback addresses its own children print.
//
//	cd bench && go run ./loadgen                     # 10k and 1M sessions, 3 rounds of 5 s
//	go run ./loadgen -sizes 10000,100000 -rounds 2   # quicker
//
// Servers: bare (a handler that answers "ok"), sessionkit-sqlite-N (cookie
// cache off: every request reads the SQLite store holding N sessions),
// sessionkit-compact and sessionkit-jwe (answered from the cookie cache),
// scs-sqlite (scs with a SQLite store on the same driver, sqlite3store's
// queries, 10k sessions) and gorilla-cookiestore.
package main

import (
	"bufio"
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
	"path/filepath"
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

func main() {
	serve := flag.String("serve", "", "internal: run this server and print its address")
	db := flag.String("db", "", "internal: the SQLite file of the server")
	sizes := flag.String("sizes", "10000,1000000", "session counts of the sessionkit-sqlite servers")
	dur := flag.Duration("duration", 5*time.Second, "load per server per round (at most 1m)")
	rounds := flag.Int("rounds", 3, "interleaved rounds (at most 20)")
	conc := flag.Int("c", 8, "concurrent connections (at most 64)")
	only := flag.String("only", "", "comma-separated server names to run (default all)")
	flag.Parse()
	if *serve != "" {
		runServer(*serve, *db)
		return
	}
	*dur = min(*dur, time.Minute)
	*rounds = max(1, min(*rounds, 20))
	*conc = max(1, min(*conc, 64))

	dir, err := os.MkdirTemp("", "loadgen")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	names := []string{"bare"}
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
	names = append(names, "sessionkit-compact", "sessionkit-jwe", "scs-sqlite", "gorilla-cookiestore")
	dbs["scs-sqlite"] = filepath.Join(dir, "scs.db")
	if *only != "" {
		keep := strings.Split(*only, ",")
		names = slices.DeleteFunc(names, func(n string) bool { return !slices.Contains(keep, n) })
	}
	for _, name := range names {
		if n, ok := strings.CutPrefix(name, "sessionkit-sqlite-"); ok {
			start := time.Now()
			fillSessionkit(dbs[name], long(n))
			log.Printf("%s: filled in %v", name, time.Since(start).Round(time.Millisecond))
		}
	}

	servers := make([]*server, 0, len(names))
	for _, name := range names {
		s, err := start(name, dbs[name])
		if err != nil {
			log.Fatal(err)
		}
		defer s.stop()
		servers = append(servers, s)
	}
	for r := range *rounds {
		for _, s := range servers {
			res, err := drive(s, *dur, *conc)
			if err != nil {
				log.Fatalf("%s: %v", s.name, err)
			}
			s.results = append(s.results, res)
			log.Printf("round %d %-24s %8.0f req/s p50 %v p99 %v", r+1, s.name, res.rps, res.p50, res.p99)
		}
	}
	med := map[string]result{}
	for _, s := range servers {
		med[s.name] = s.median()
	}
	ratio := func(name, base string) string {
		b, ok := med[base]
		if !ok || b.rps == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f×", med[name].rps/b.rps)
	}
	fmt.Printf("\n| server | req/s | vs bare | vs scs-sqlite | p50 | p99 | peak RSS | file-backed RSS at the end |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, s := range servers {
		m := med[s.name]
		peak, file := s.peakRSS()
		fmt.Printf("| %s | %.0f | %s | %s | %v | %v | %d MiB | %d MiB |\n", s.name, m.rps, ratio(s.name, "bare"), ratio(s.name, "scs-sqlite"),
			m.p50.Round(time.Microsecond), m.p99.Round(time.Microsecond), peak>>20, file>>20)
	}
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
// n/100+1 users, in one transaction.
func fillSessionkit(path string, n int) {
	st, err := sqlite.OpenWith(path, sqlite.Options{SweepInterval: -1})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC()
	at := store.FormatTime(now.Add(-time.Hour))
	exp := store.FormatTime(now.Add(7 * 24 * time.Hour))
	tx, err := st.DB().Begin()
	if err != nil {
		log.Fatal(err)
	}
	if _, err := tx.Exec(`PRAGMA cache_size = -524288`); err != nil {
		log.Fatal(err)
	}
	users := n/100 + 1
	for _, q := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO "user" ("id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt")
			WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i+1 < ?)
			SELECT 'user-' || i, 'User ' || i, 'u' || i || '@example.com', 1, NULL, ?, ? FROM c`, []any{users, at, at}},
		{`INSERT INTO "session" ("id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent")
			WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i+1 < ?),
			r(i, tok) AS (SELECT i, lower(hex(randomblob(16))) FROM c ORDER BY 2)
			SELECT 'ses' || tok, tok, 'user-' || (i % ?), ?, ?, ?, '127.0.0.1', 'loadgen' FROM r`, []any{n, users, exp, at, at}},
	} {
		if _, err := tx.Exec(q.q, q.args...); err != nil {
			log.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	if _, err := st.DB().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		log.Fatal(err)
	}
	// The tokens of 1,024 sessions spread over the table, for the server
	// to hand out: picking them there would scan the table through its
	// memory map and count the whole file in its RSS.
	rows, err := st.DB().Query(`SELECT "token" FROM "session" WHERE rowid % ? = 0 LIMIT 1024`, max(1, n/1024))
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
}

// hello is what a child prints once it listens.
type hello struct {
	Addr    string   `json:"addr"`
	Cookies []string `json:"cookies"`
}

func start(name, db string) (*server, error) {
	cmd := exec.Command(os.Args[0], "-serve", name, "-db", db)
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

func (s *server) stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
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

// median is the round with the median rate; p50 and p99 are medians too.
func (s *server) median() result {
	med := func(f func(result) float64) float64 {
		v := make([]float64, len(s.results))
		for i, r := range s.results {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return result{
		rps: med(func(r result) float64 { return r.rps }),
		p50: time.Duration(med(func(r result) float64 { return float64(r.p50) })),
		p99: time.Duration(med(func(r result) float64 { return float64(r.p99) })),
	}
}

// drive sends GET / with the server's cookies, in rotation, over conc
// keep-alive connections for d, and fails on any answer but 200.
func drive(s *server, d time.Duration, conc int) (result, error) {
	tr := &http.Transport{
		MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, DisableCompression: true,
		DialContext: (&net.Dialer{}).DialContext,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	url := "http://" + s.addr + "/"
	deadline := time.Now().Add(d)
	lat := make([][]time.Duration, conc)
	errs := make(chan error, conc)
	var wg sync.WaitGroup
	begin := time.Now()
	for w := range conc {
		wg.Go(func() {
			l := make([]time.Duration, 0, 1<<16)
			for i := w; time.Now().Before(deadline); i += conc {
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Cookie", s.cookies[i%len(s.cookies)])
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				_, _ = bufio.NewReader(res.Body).Discard(1 << 10)
				res.Body.Close()
				if res.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", res.StatusCode)
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
	}, nil
}

// runServer is the child: it builds the server, listens on 127.0.0.1,
// prints its hello and serves until killed.
func runServer(name, db string) {
	h, cookies := build(name, db)
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
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(ok) }), []string{"x=y"}
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
		u := store.User{ID: store.NewID(), Name: "Ada Lovelace", Email: "ada@example.com", CreatedAt: m.Now(), UpdatedAt: m.Now()}
		if err := m.Store().CreateUser(context.Background(), u); err != nil {
			log.Fatal(err)
		}
		rec := httptest.NewRecorder()
		if _, err := m.SignIn(rec, httptest.NewRequest("POST", "/", nil), u.ID, sessionkit.SignInOptions{}); err != nil {
			log.Fatal(err)
		}
		return sessionkitHandler(m), []string{cookieHeader(rec)}
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
	for range 1024 {
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
