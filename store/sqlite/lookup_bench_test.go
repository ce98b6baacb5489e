package sqlite_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/loadbench"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/sqlite"
)

type benchKey struct{}

var lookupRounds = flag.Int("lookup.rounds", 1, "BenchmarkLookup: rounds of its three sub-benchmarks on each file")

// BenchmarkLookup compares, on the same file in the same run, at 10,000
// sessions and at 100,000 (a million with SESSIONKIT_SCALE=1M):
//
//   - raw: a prepared database/sql lookup of the same JOIN, scanned into
//     strings, dates parsed with store.ParseTime, the result put into a
//     request's context: what a hand-written handler would do;
//   - SessionByToken: the store's lookup alone; the tokens were looked up
//     before, so each is read by its hint (reader.go);
//   - unhinted: the same with the token's hint dropped first, what a
//     lookup costs when the hint misses;
//   - Load: an authenticated request through middleware.Load (cookie
//     parsed and its HMAC checked, cache off, so every request reads the
//     store), hinted.
//
// Both files are built first; -lookup.rounds N then runs the
// sub-benchmarks N times in turn on each file (10k: raw, SessionByToken,
// unhinted, Load; 1M: the same; 10k again, …), so that machine noise hits
// both sizes and all four alike. go test numbers repeated names #01, #02…;
// strip that for benchstat.
//
// Each reports cpu-ns/op beside ns/op: the process's CPU time per lookup,
// which machine load inflates far less than wall time.
//
//	SESSIONKIT_SCALE=1M go test -run '^$' -bench Lookup -benchtime 5000x ./store/sqlite -args -lookup.rounds 6 |
//		sed -E 's/#[0-9]+//' > lookup.txt && benchstat -col /sessions lookup.txt
func BenchmarkLookup(b *testing.B) {
	big := 100_000
	if os.Getenv("SESSIONKIT_SCALE") == "1M" {
		big = 1_000_000
	}
	type file struct {
		n      int
		st     *sqlite.Store
		tokens []string
	}
	var files []file
	for _, n := range []int{10_000, big} {
		path := filepath.Join(b.TempDir(), "lookup.db")
		st, err := sqlite.OpenWith(path, sqlite.Options{SweepInterval: -1})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		tokens := sqlite.Fill(b, st, n)
		// Flush the fill to disk and warm the page cache and the memory
		// map first, so that the first sub-benchmark does not pay for the
		// kernel's write-back or for the others' page faults.
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		for range 3 {
			for _, tok := range tokens {
				if _, _, err := st.SessionByToken(context.Background(), tok); err != nil {
					b.Fatal(err)
				}
			}
		}
		files = append(files, file{n, st, tokens})
	}
	for range *lookupRounds {
		for _, f := range files {
			st, tokens := f.st, f.tokens
			b.Run(fmt.Sprintf("sessions=%d", f.n), func(b *testing.B) {
				b.Run("raw", func(b *testing.B) { rawLookup(b, st, tokens) })
				b.Run("SessionByToken", func(b *testing.B) {
					ctx := context.Background()
					b.ReportAllocs()
					cpu := loadbench.CPU(b)
					for i := 0; b.Loop(); i++ {
						if _, _, err := st.SessionByToken(ctx, tokens[i%len(tokens)]); err != nil {
							b.Fatal(err)
						}
					}
					loadbench.ReportCPU(b, cpu)
				})
				b.Run("unhinted", func(b *testing.B) {
					b.ReportAllocs()
					cpu := loadbench.CPU(b)
					for i := 0; b.Loop(); i++ {
						if err := sqlite.LookupUnhinted(st, tokens[i%len(tokens)]); err != nil {
							b.Fatal(err)
						}
					}
					loadbench.ReportCPU(b, cpu)
				})
				b.Run("Load", func(b *testing.B) { loadbench.Run(b, st, tokens) })
			})
		}
	}
}

func rawLookup(b *testing.B, st *sqlite.Store, tokens []string) {
	stmt, err := st.DB().Prepare(`SELECT s.id, +s.expiresAt, s.token, +s.createdAt, +s.updatedAt, s.ipAddress, s.userAgent, s.userId,
		u.id, u.name, u.email, u.emailVerified, u.image, +u.createdAt, +u.updatedAt
		FROM session s JOIN "user" u ON u.id = s.userId WHERE s.token = ?`)
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	r := httptest.NewRequest("GET", "/", nil)
	b.ReportAllocs()
	cpu := loadbench.CPU(b)
	for i := 0; b.Loop(); i++ {
		var s store.Session
		var u store.User
		var exp, created, updated, uc, uu string
		var img sql.NullString
		if err := stmt.QueryRowContext(context.Background(), tokens[i%len(tokens)]).Scan(
			&s.ID, &exp, &s.Token, &created, &updated, &s.IPAddress, &s.UserAgent, &s.UserID,
			&u.ID, &u.Name, &u.Email, &u.EmailVerified, &img, &uc, &uu); err != nil {
			b.Fatal(err)
		}
		s.ExpiresAt, _ = store.ParseTime(exp)
		s.CreatedAt, _ = store.ParseTime(created)
		s.UpdatedAt, _ = store.ParseTime(updated)
		u.CreatedAt, _ = store.ParseTime(uc)
		u.UpdatedAt, _ = store.ParseTime(uu)
		u.Image = img.String
		sess := &sessionkit.Session{Session: s, User: u}
		if r.WithContext(context.WithValue(r.Context(), benchKey{}, sess)).Context().Value(benchKey{}) == nil {
			b.Fatal("no session")
		}
	}
	loadbench.ReportCPU(b, cpu)
}
