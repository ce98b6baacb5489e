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
//   - SessionByToken: the store's lookup alone;
//   - Load: an authenticated request through middleware.Load (cookie
//     parsed and its HMAC checked, cache off, so every request reads the
//     store).
//
// The file of each size is built once; -lookup.rounds N runs the three
// sub-benchmarks N times in turn on it (raw, SessionByToken, Load, raw, …),
// so that machine noise hits all three alike. go test numbers repeated
// names #01, #02…; strip that for benchstat:
//
// Each reports cpu-ns/op beside ns/op: the process's CPU time per lookup,
// which machine load inflates far less than wall time.
//
//	SESSIONKIT_SCALE=1M go test -run '^$' -bench Lookup ./store/sqlite -args -lookup.rounds 6 |
//		sed -E 's/#[0-9]+-/-/' > lookup.txt && benchstat -col /sessions lookup.txt
func BenchmarkLookup(b *testing.B) {
	big := 100_000
	if os.Getenv("SESSIONKIT_SCALE") == "1M" {
		big = 1_000_000
	}
	for _, n := range []int{10_000, big} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "lookup.db")
			st, err := sqlite.OpenWith(path, sqlite.Options{SweepInterval: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			tokens := sqlite.Fill(b, st, n)
			// Flush the fill to disk and warm the page cache and the memory
			// map first, so that the first sub-benchmark does not pay for
			// the kernel's write-back or for the others' page faults.
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
			for range *lookupRounds {
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
				b.Run("Load", func(b *testing.B) { loadbench.Run(b, st, tokens) })
			}
		})
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
