package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/internal/vectors"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/storetest"
)

// vectorDir is the vectors folder (internal/vectors.Dir: the committed copy,
// or $SESSIONKIT_VECTORS_DIR).
var vectorDir = vectors.Dir()

// openTemp opens a store on a new file in t.TempDir, sweeper off unless o
// says otherwise, and closes it when the test ends.
func openTemp(t testing.TB, o Options) *Store {
	t.Helper()
	if o.SweepInterval == 0 {
		o.SweepInterval = -1
	}
	s, err := OpenWith(filepath.Join(t.TempDir(), "sessions.db"), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// copyVector copies a vector database into t.TempDir (opening it writes:
// WAL mode, and Better Auth may refresh sessions) and returns the copy.
func copyVector(t *testing.T, name string) string {
	t.Helper()
	src, err := os.Open(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst := filepath.Join(t.TempDir(), name)
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, src); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		// Run closes the store; the sweeper is off because the suite's
		// clock is pinned and the sweeper's is not.
		s, err := OpenWith(filepath.Join(t.TempDir(), "sessions.db"), Options{SweepInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// masterRows returns the schema rows of db, sorted by name, without
// sessionkit's own additions (the revocation feed's table and trigger, and
// the sqlite_sequence its AUTOINCREMENT brings; see feed.go).
func masterRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master
		WHERE name NOT LIKE 'sessionkit\_%' ESCAPE '\' AND name <> 'sqlite_sequence' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var typ, name, tbl, q string
		if err := rows.Scan(&typ, &name, &tbl, &q); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join([]string{typ, name, tbl, q}, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemaMatchesBetterAuth compares sqlite_master of a database this
// package created with one Better Auth's migrator created.
func TestSchemaMatchesBetterAuth(t *testing.T) {
	t.Parallel()
	ours := masterRows(t, openTemp(t, Options{}).DB())

	theirs, err := sql.Open("sqlite", "file:"+filepath.ToSlash(copyVector(t, "none.db"))+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer theirs.Close()
	want := masterRows(t, theirs)
	if len(want) != 13 {
		t.Fatalf("the vector's sqlite_master has %d rows, want 13 (4 tables, 3 indexes, 6 automatic indexes):\n%s", len(want), strings.Join(want, "\n"))
	}
	if !slices.Equal(ours, want) {
		t.Errorf("schema differs from Better Auth's.\nours:\n%s\n\nBetter Auth's:\n%s", strings.Join(ours, "\n"), strings.Join(want, "\n"))
	}
}

// vectorUser is a row of Better Auth's user table in a vector's JSON.
type vectorUser struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	Email         string  `json:"email"`
	EmailVerified int     `json:"emailVerified"`
	Image         *string `json:"image"`
	CreatedAt     string  `json:"createdAt"`
	UpdatedAt     string  `json:"updatedAt"`
}

// vector is the part of a vector JSON file these tests read.
type vector struct {
	Meta struct {
		GeneratedAtMs int64 `json:"generatedAtMs"`
	} `json:"meta"`
	DB struct {
		User    []vectorUser `json:"user"`
		Session []struct {
			ID        string  `json:"id"`
			ExpiresAt string  `json:"expiresAt"`
			Token     string  `json:"token"`
			CreatedAt string  `json:"createdAt"`
			UpdatedAt string  `json:"updatedAt"`
			IPAddress *string `json:"ipAddress"`
			UserAgent *string `json:"userAgent"`
			UserID    string  `json:"userId"`
		} `json:"session"`
		Account []json.RawMessage `json:"account"`
	} `json:"db"`
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// checkTime reports a difference between a time the store returned and the
// text Better Auth stored.
func checkTime(t *testing.T, what string, got time.Time, want string) {
	t.Helper()
	if got.Location() != time.UTC || store.FormatTime(got) != want {
		t.Errorf("%s = %v (%s), want %s in UTC", what, got, got.Location(), want)
	}
}

// TestVectors opens every database Better Auth 1.7.25 wrote and finds each
// of its sessions, with its user, field for field.
func TestVectors(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(vectorDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 6 {
		t.Fatalf("found %d vector files in %s, want at least 6", len(files), vectorDir)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var v vector
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			if len(v.DB.Session) == 0 || len(v.DB.User) == 0 {
				t.Fatalf("%s: no sessions or users in the JSON's db", file)
			}
			path := copyVector(t, name+".db")

			// Open must not change a Better Auth schema (it only adds
			// the feed's own objects).
			before, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			wantSchema := masterRows(t, before)
			before.Close()

			// No sweeper: the vectors' sessions expire on fixed dates, and a
			// sweep on the real clock would delete them once those passed.
			s, err := OpenWith(path, Options{SweepInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := masterRows(t, s.DB()); !slices.Equal(got, wantSchema) {
				t.Errorf("Open changed the schema:\n%s\nwas:\n%s", strings.Join(got, "\n"), strings.Join(wantSchema, "\n"))
			}

			ctx := context.Background()
			now := time.UnixMilli(v.Meta.GeneratedAtMs)
			var live []string
			for _, want := range v.DB.Session {
				gs, gu, err := s.SessionByToken(ctx, want.Token)
				if err != nil {
					t.Errorf("SessionByToken(%q): %v", want.Token, err)
					continue
				}
				if gs.ID != want.ID || gs.Token != want.Token || gs.UserID != want.UserID ||
					gs.IPAddress != deref(want.IPAddress) || gs.UserAgent != deref(want.UserAgent) {
					t.Errorf("session %s = %+v, want %+v", want.ID, gs, want)
				}
				checkTime(t, "session "+want.ID+" expiresAt", gs.ExpiresAt, want.ExpiresAt)
				checkTime(t, "session "+want.ID+" createdAt", gs.CreatedAt, want.CreatedAt)
				checkTime(t, "session "+want.ID+" updatedAt", gs.UpdatedAt, want.UpdatedAt)
				if !gs.Expired(now) {
					live = append(live, want.Token)
				}

				i := slices.IndexFunc(v.DB.User, func(u vectorUser) bool { return u.ID == want.UserID })
				if i < 0 {
					t.Fatalf("session %s: user %s not in the JSON", want.ID, want.UserID)
				}
				wu := v.DB.User[i]
				if gu.ID != wu.ID || gu.Name != wu.Name || gu.Email != wu.Email ||
					gu.EmailVerified != (wu.EmailVerified == 1) || gu.Image != deref(wu.Image) {
					t.Errorf("user of session %s = %+v, want %+v", want.ID, gu, wu)
				}
				checkTime(t, "user createdAt", gu.CreatedAt, wu.CreatedAt)
				checkTime(t, "user updatedAt", gu.UpdatedAt, wu.UpdatedAt)

				byEmail, err := s.UserByEmail(ctx, strings.ToUpper(wu.Email))
				if err != nil || byEmail != gu {
					t.Errorf("UserByEmail(%q) = %+v, %v; want %+v", strings.ToUpper(wu.Email), byEmail, err, gu)
				}
			}

			// ListSessions at the vectors' clock: Better Auth's own rows,
			// compared as text, oldest first.
			list, err := s.ListSessions(ctx, v.DB.Session[0].UserID, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ss := range list {
				got = append(got, ss.Token)
			}
			if !slices.Equal(got, live) {
				t.Errorf("ListSessions at %v = %q, want %q", now, got, live)
			}

			// The account rows are Better Auth's, untouched.
			var accounts int
			if err := s.DB().QueryRow(`SELECT count(*) FROM "account"`).Scan(&accounts); err != nil {
				t.Fatal(err)
			}
			if accounts != len(v.DB.Account) {
				t.Errorf("account has %d rows, want %d", accounts, len(v.DB.Account))
			}
		})
	}
}

// TestPragmas checks the per-connection settings on several connections of
// the pool at once.
func TestPragmas(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{BusyTimeout: 1234 * time.Millisecond})
	ctx := context.Background()
	var conns []*sql.Conn
	for range 3 {
		c, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for i, c := range conns {
		for _, p := range []struct{ pragma, want string }{
			{"journal_mode", "wal"},
			{"busy_timeout", "1234"},
			{"foreign_keys", "1"},
			{"synchronous", "1"}, // NORMAL
			{"cache_size", "-16384"},
			{"mmap_size", "1073741824"},
			{"journal_size_limit", "67108864"},
			{"wal_autocheckpoint", "1000"}, // SQLite's default: see the package doc
		} {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
				t.Fatalf("conn %d: PRAGMA %s: %v", i, p.pragma, err)
			}
			if got != p.want {
				t.Errorf("conn %d: PRAGMA %s = %q, want %q", i, p.pragma, got, p.want)
			}
		}
	}

	// The default busy timeout.
	var got int
	if err := openTemp(t, Options{}).DB().QueryRow("PRAGMA busy_timeout").Scan(&got); err != nil || got != 5000 {
		t.Errorf("default PRAGMA busy_timeout = %d, %v; want 5000", got, err)
	}
}

// raw selects a date column as the text stored: the driver would parse a
// column declared "date" and database/sql would re-format it.
func raw(col string) string { return "CAST(" + col + " AS TEXT)" }

var isoMillis = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)

// TestRawFormats checks what lands in the tables: Better Auth's encodings.
func TestRawFormats(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 23, 10, 13, 0, time.FixedZone("CET", 3600)) // 22:10:13.000Z
	users := []store.User{
		{ID: store.NewID(), Name: "Plain", Email: "Plain.User@Example.COM", CreatedAt: at, UpdatedAt: at},
		{ID: store.NewID(), Name: "Verified", Email: "v@example.com", EmailVerified: true, Image: "https://example.com/v.png", CreatedAt: at, UpdatedAt: at.Add(time.Millisecond)},
	}
	for _, u := range users {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	sessions := []store.Session{
		{ID: store.NewID(), Token: store.NewID(), UserID: users[0].ID, ExpiresAt: at.Add(7 * 24 * time.Hour), CreatedAt: at, UpdatedAt: at},
		{ID: store.NewID(), Token: store.NewID(), UserID: users[1].ID, ExpiresAt: at.Add(time.Hour + 5*time.Millisecond), CreatedAt: at, UpdatedAt: at, IPAddress: "203.0.113.9", UserAgent: "Mozilla/5.0"},
	}
	for _, ss := range sessions {
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}

	userTests := []struct {
		id                     string
		email                  string
		verifiedType, verified string
		imageType              string
	}{
		{users[0].ID, "plain.user@example.com", "integer", "0", "null"},
		{users[1].ID, "v@example.com", "integer", "1", "text"},
	}
	for _, tc := range userTests {
		var email, vType, verified, imgType, cType, created, uType, updated string
		err := s.DB().QueryRow(`SELECT email, typeof(emailVerified), emailVerified, typeof(image),
			typeof(createdAt), `+raw("createdAt")+`, typeof(updatedAt), `+raw("updatedAt")+` FROM "user" WHERE id = ?`, tc.id).
			Scan(&email, &vType, &verified, &imgType, &cType, &created, &uType, &updated)
		if err != nil {
			t.Fatal(err)
		}
		if email != tc.email || vType != tc.verifiedType || verified != tc.verified || imgType != tc.imageType {
			t.Errorf("user %s: email %q, emailVerified %s %s, image %s; want %q, %s %s, %s",
				tc.id, email, vType, verified, imgType, tc.email, tc.verifiedType, tc.verified, tc.imageType)
		}
		for _, c := range [][2]string{{cType, created}, {uType, updated}} {
			if c[0] != "text" || !isoMillis.MatchString(c[1]) {
				t.Errorf("user %s: date stored as %s %q, want text like 2026-11-27T22:10:13.000Z", tc.id, c[0], c[1])
			}
		}
	}
	var created string
	if err := s.DB().QueryRow(`SELECT `+raw("createdAt")+` FROM "user" WHERE id = ?`, users[0].ID).Scan(&created); err != nil || created != "2026-11-27T22:10:13.000Z" {
		t.Errorf("createdAt = %q, %v; want 2026-11-27T22:10:13.000Z", created, err)
	}

	sessionTests := []struct {
		token, expires, ipType, ip, uaType, ua string
	}{
		{sessions[0].Token, "2026-12-04T22:10:13.000Z", "text", "", "text", ""},
		{sessions[1].Token, "2026-11-27T23:10:13.005Z", "text", "203.0.113.9", "text", "Mozilla/5.0"},
	}
	for _, tc := range sessionTests {
		var eType, expires, cType, created, uType, updated, ipType, ip, uaType, ua string
		err := s.DB().QueryRow(`SELECT typeof(expiresAt), `+raw("expiresAt")+`, typeof(createdAt), `+raw("createdAt")+`,
			typeof(updatedAt), `+raw("updatedAt")+`,
			typeof(ipAddress), ipAddress, typeof(userAgent), userAgent FROM "session" WHERE token = ?`, tc.token).
			Scan(&eType, &expires, &cType, &created, &uType, &updated, &ipType, &ip, &uaType, &ua)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range [][2]string{{eType, expires}, {cType, created}, {uType, updated}} {
			if c[0] != "text" || !isoMillis.MatchString(c[1]) {
				t.Errorf("session %s: date stored as %s %q, want ISO-8601 text with milliseconds and Z", tc.token, c[0], c[1])
			}
		}
		if expires != tc.expires || ipType != tc.ipType || ip != tc.ip || uaType != tc.uaType || ua != tc.ua {
			t.Errorf("session %s: expiresAt %q, ipAddress %s %q, userAgent %s %q; want %q, %s %q, %s %q",
				tc.token, expires, ipType, ip, uaType, ua, tc.expires, tc.ipType, tc.ip, tc.uaType, tc.ua)
		}
	}

	// A slide writes the same formats.
	if _, err := s.SlideSession(ctx, sessions[0].Token, at.Add(48*time.Hour+7*time.Millisecond), at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	var expires, updated string
	if err := s.DB().QueryRow(`SELECT `+raw("expiresAt")+`, `+raw("updatedAt")+` FROM "session" WHERE token = ?`, sessions[0].Token).Scan(&expires, &updated); err != nil {
		t.Fatal(err)
	}
	if expires != "2026-11-29T22:10:13.007Z" || updated != "2026-11-27T22:10:14.000Z" {
		t.Errorf("after SlideSession: expiresAt %q, updatedAt %q; want 2026-11-29T22:10:13.007Z, 2026-11-27T22:10:14.000Z", expires, updated)
	}
}

// TestReadsOtherWriters reads rows Better Auth or another tool could have
// written: NULL ipAddress and userAgent, and dates in other RFC 3339 forms.
func TestReadsOtherWriters(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	_, err := s.DB().Exec(`INSERT INTO "user" VALUES ('u1', 'Legacy', 'legacy@example.com', 1, NULL, '2026-11-27T22:10:13Z', '2026-11-27T23:10:13.5+01:00')`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.DB().Exec(`INSERT INTO "session" VALUES ('s1', '2026-12-04T22:10:13.933Z', 'tok', '2026-11-27T22:10:13.933Z', '2026-11-27T22:10:13.933Z', NULL, NULL, 'u1')`)
	if err != nil {
		t.Fatal(err)
	}
	ss, u, err := s.SessionByToken(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	if ss.IPAddress != "" || ss.UserAgent != "" || u.Image != "" || !u.EmailVerified {
		t.Errorf("got %+v %+v; want empty ipAddress, userAgent and image, emailVerified true", ss, u)
	}
	if want := time.Date(2026, 11, 27, 22, 10, 13, 0, time.UTC); !u.CreatedAt.Equal(want) || u.CreatedAt.Location() != time.UTC {
		t.Errorf("createdAt = %v, want %v", u.CreatedAt, want)
	}
	if want := time.Date(2026, 11, 27, 22, 10, 13, 500e6, time.UTC); !u.UpdatedAt.Equal(want) || u.UpdatedAt.Location() != time.UTC {
		t.Errorf("updatedAt = %v, want %v", u.UpdatedAt, want)
	}
}

// TestSweeper checks that the background sweeper deletes expired sessions,
// in batches, by its own clock, and leaves live ones.
func TestSweeper(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sweep.db")
	s, err := OpenWith(path, Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The sweeper's clock says 2200: sessions expiring in 2100 are expired
	// and those in 2300 live. By the real clock all of them are live, so a
	// sweeper that ignored Options.Now would delete nothing.
	clock := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	u := store.User{ID: store.NewID(), Name: "Sweep", Email: "sweep@example.com", CreatedAt: clock, UpdatedAt: clock}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	const expired, live = 23, 5
	var liveTokens []string
	for i := range expired + live {
		at := time.Date(2100, 1, 1, 0, 0, i, 0, time.UTC)
		if i >= expired {
			at = time.Date(2300, 1, 1, 0, 0, i, 0, time.UTC)
		}
		ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: u.ID, ExpiresAt: at, CreatedAt: clock, UpdatedAt: clock}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
		if i >= expired {
			liveTokens = append(liveTokens, ss.Token)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = OpenWith(path, Options{SweepInterval: 5 * time.Millisecond, SweepBatch: 4, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	count := func() (n int) {
		if err := s.DB().QueryRow(`SELECT count(*) FROM "session"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for count() != live {
		if time.Now().After(deadline) {
			t.Fatalf("after 10s the sweeper left %d sessions, want %d", count(), live)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, tok := range liveTokens {
		if _, _, err := s.SessionByToken(ctx, tok); err != nil {
			t.Errorf("live session %s: %v", tok, err)
		}
	}
	// Sessions that expire later are swept on a later tick.
	ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: u.ID, ExpiresAt: clock, CreatedAt: clock, UpdatedAt: clock}
	if err := s.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	for count() != live {
		if time.Now().After(deadline) {
			t.Fatalf("the sweeper did not delete a session expiring at its clock")
		}
		time.Sleep(5 * time.Millisecond)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.sweeper.Done():
	default:
		t.Error("Close returned before the sweeper stopped")
	}
}

// TestSweeperSwitch checks that the zero SweepInterval starts the sweeper
// and a negative one does not.
func TestSweeperSwitch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		interval time.Duration
		running  bool
	}{{0, true}, {time.Minute, true}, {-1, false}} {
		s, err := OpenWith(filepath.Join(t.TempDir(), "s.db"), Options{SweepInterval: tc.interval})
		if err != nil {
			t.Fatal(err)
		}
		if running := s.sweeper != nil; running != tc.running {
			t.Errorf("SweepInterval %v: sweeper running = %v, want %v", tc.interval, running, tc.running)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("this is not a database, just text\n", 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	shortGarbage := filepath.Join(dir, "short.db")
	if err := os.WriteFile(shortGarbage, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A WAL database that already has the schema: opening it read-only
	// needs no write until the schema transaction.
	walDB := filepath.Join(dir, "wal.db")
	s, err := Open(walDB)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A Better Auth database (rollback journal): switching it to WAL is
	// the first write.
	vector := copyVector(t, "none.db")

	tests := []struct {
		name    string
		path    string
		want    string   // in the error message
		is      error    // matched with errors.Is, if set
		noFiles []string // must not have been created
	}{
		{"not a database", garbage, "not a SQLite database", nil, nil},
		{"not a database, shorter than a header", shortGarbage, "not a SQLite database", nil, nil},
		{"missing directory", filepath.Join(dir, "no", "such", "dir", "s.db"), "does not exist", fs.ErrNotExist, []string{filepath.Join(dir, "no")}},
		{"parent is a file", filepath.Join(garbage, "s.db"), "not a directory", nil, nil},
		{"path is a directory", dir, "cannot open", nil, nil},
		{"read-only WAL database", "file:" + filepath.ToSlash(walDB) + "?mode=ro", "read-only", nil, nil},
		{"read-only Better Auth database", "file:" + filepath.ToSlash(vector) + "?mode=ro", "read-only", nil, nil},
		{"missing file, read-only", "file:" + filepath.ToSlash(filepath.Join(dir, "missing.db")) + "?mode=ro", "cannot open", nil, []string{filepath.Join(dir, "missing.db")}},
		{"empty path", "", "empty path", nil, nil},
		{"in memory", ":memory:", "in-memory", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded, want an error", tc.path)
			}
			t.Logf("Open(%q): %v", tc.path, err)
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.path)) {
				t.Errorf("Open(%q) = %q, want it to say %q and name the path", tc.path, err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Open(%q) = %v, want errors.Is %v", tc.path, err, tc.is)
			}
			for _, p := range tc.noFiles {
				if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("Open created %s", p)
				}
			}
		})
	}

	// Nothing was written to the read-only files.
	if got, err := os.ReadFile(garbage); err != nil || !strings.HasPrefix(string(got), "this is not") {
		t.Errorf("the garbage file changed: %v", err)
	}
}

// TestOpenReadOnlyFile uses file permissions, which only bind a process that
// is not root; as root the same SQLite path (a connection that cannot write)
// is exercised by the mode=ro cases of TestOpenErrors.
func TestOpenReadOnlyFile(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root ignores file permissions; TestOpenErrors covers read-only databases with mode=ro")
	}
	tests := []struct {
		name string
		prep func(t *testing.T) string
	}{
		{"Better Auth database", func(t *testing.T) string { return copyVector(t, "none.db") }},
		{"WAL database", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "wal.db")
			s, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			return p
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.prep(t)
			if err := os.Chmod(p, 0o444); err != nil {
				t.Fatal(err)
			}
			s, err := Open(p)
			if err == nil {
				s.Close()
				t.Fatalf("Open of a 0444 file succeeded")
			}
			if !strings.Contains(err.Error(), "read-only") || !strings.Contains(err.Error(), p) {
				t.Errorf("Open = %q, want it to say read-only and name the path", err)
			}
		})
	}
}

// TestPathNeedsEscaping opens a file whose name SQLite's URI syntax would
// otherwise misread.
func TestPathNeedsEscaping(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"a?b.db", "c#d.db", "e%20f.db", "g h.db"} {
		p := filepath.Join(dir, name)
		s, err := Open(p)
		if err != nil {
			t.Fatalf("Open(%q): %v", p, err)
		}
		s.Close()
		if _, err := os.Stat(p); err != nil {
			t.Errorf("Open(%q) did not create that file: %v", p, err)
		}
	}
}

// TestTwoStoresOneFile stands for two processes sharing the database, such
// as a Go service and a Better Auth app.
func TestTwoStoresOneFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "shared.db")
	// No sweepers: the session below expires on a fixed date, which a
	// sweep on the real clock would act on once it passed.
	a, err := OpenWith(path, Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenWith(path, Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 22, 10, 13, 927e6, time.UTC)
	u := store.User{ID: store.NewID(), Name: "Both", Email: "both@example.com", CreatedAt: at, UpdatedAt: at}
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: u.ID, ExpiresAt: at.Add(time.Hour), CreatedAt: at, UpdatedAt: at}
	if err := b.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateUser(ctx, u); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("second store: CreateUser of the same user = %v, want ErrDuplicate", err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			st := a
			if i%2 == 1 {
				st = b
			}
			if _, err := st.SlideSession(ctx, ss.Token, at.Add(time.Duration(i+2)*time.Hour), at); err != nil {
				t.Errorf("SlideSession: %v", err)
			}
		})
	}
	wg.Wait()
	if _, _, err := a.SessionByToken(ctx, ss.Token); err != nil {
		t.Errorf("SessionByToken: %v", err)
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.SessionByToken(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("SessionByToken with a cancelled context = %v, want context.Canceled", err)
	}
	if err := s.CreateUser(ctx, store.User{ID: "a", Name: "b", Email: "c"}); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateUser with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestDeleteExpiredLimit(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 22, 10, 13, 0, time.UTC)
	u := store.User{ID: store.NewID(), Name: "L", Email: "l@example.com", CreatedAt: at, UpdatedAt: at}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: u.ID, ExpiresAt: at, CreatedAt: at, UpdatedAt: at}
	if err := s.CreateSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{0, -1} {
		if n, err := s.DeleteExpired(ctx, at.Add(time.Hour), limit); n != 0 || err != nil {
			t.Errorf("DeleteExpired(limit %d) = %d, %v; want 0, nil", limit, n, err)
		}
	}
	if _, _, err := s.SessionByToken(ctx, ss.Token); err != nil {
		t.Errorf("a non-positive limit deleted the session: %v", err)
	}
}

func TestCloseTwice(t *testing.T) {
	t.Parallel()
	s, err := Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if _, _, err := s.SessionByToken(context.Background(), "x"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("SessionByToken after Close = %v, want an error other than ErrNotFound", err)
	}
}

// benchTokens sets up 100,000 sessions in one transaction and returns 1,024
// of their tokens, spread over the table.
func benchTokens(b *testing.B, s *Store) []string {
	b.Helper()
	const users, sessions = 1000, 100_000
	at := store.FormatTime(time.Date(2026, 11, 27, 22, 10, 13, 927e6, time.UTC))
	exp := store.FormatTime(time.Date(2026, 12, 4, 22, 10, 13, 927e6, time.UTC))
	tx, err := s.DB().Begin()
	if err != nil {
		b.Fatal(err)
	}
	insU, err := tx.Prepare(qInsertUser)
	if err != nil {
		b.Fatal(err)
	}
	insS, err := tx.Prepare(qInsertSession)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, users)
	for i := range ids {
		ids[i] = store.NewID()
		if _, err := insU.Exec(ids[i], "User", fmt.Sprintf("u%d@example.com", i), 1, nil, at, at); err != nil {
			b.Fatal(err)
		}
	}
	var tokens []string
	for i := range sessions {
		tok := store.NewID()
		if _, err := insS.Exec(store.NewID(), tok, ids[i%users], exp, at, at, "203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64)"); err != nil {
			b.Fatal(err)
		}
		if i%(sessions/1024) == 0 && len(tokens) < 1024 {
			tokens = append(tokens, tok)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return tokens
}

// BenchmarkSessionByToken measures the hot path on a table of 100,000
// sessions, serial and from parallel goroutines (the lookup pool), and
// serial through database/sql (a second store on the file, without the
// pool).
func BenchmarkSessionByToken(b *testing.B) {
	s := openTemp(b, Options{})
	tokens := benchTokens(b, s)
	viaSQL, err := OpenWith(s.path, Options{SweepInterval: -1, sqlLookup: true})
	if err != nil {
		b.Fatal(err)
	}
	defer viaSQL.Close()
	reqCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, c := range []struct {
		name string
		s    *Store
	}{{"serial", s}, {"database/sql", viaSQL}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, _, err := c.s.SessionByToken(reqCtx, tokens[i%len(tokens)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, _, err := s.SessionByToken(reqCtx, tokens[i%len(tokens)]); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	})
}

// TestSetPasswordConcurrentOneRow: calls racing to set the first password
// of a user leave one credential account, not one each.
func TestSetPasswordConcurrentOneRow(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{SweepInterval: -1})
	storetest.CredentialRace(t, s, func(ctx context.Context) (int, error) {
		const q = `SELECT count(*) FROM "account" GROUP BY "userId" ORDER BY count(*) DESC LIMIT 1`
		var n int
		err := s.DB().QueryRowContext(ctx, q).Scan(&n)
		return n, err
	})
}

// TestCreateUserWithPasswordAtomic makes the account insert fail with a
// trigger: the user insert before it must be rolled back.
func TestCreateUserWithPasswordAtomic(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{SweepInterval: -1})
	storetest.AtomicSignUp(t, s, func(ctx context.Context) error {
		_, err := s.DB().ExecContext(ctx, `CREATE TRIGGER "fail_account" BEFORE INSERT ON "account" BEGIN SELECT RAISE(ABORT, 'injected'); END`)
		return err
	}, func(ctx context.Context) error {
		_, err := s.DB().ExecContext(ctx, `DROP TRIGGER "fail_account"`)
		return err
	})
}
