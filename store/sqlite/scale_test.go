package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// Dates of the bulk-filled sessions: live ones expire after scaleNow,
// expired ones before it. It is the real time, so that the live sessions
// are live for middleware.Load too.
var (
	scaleNow     = time.Now().UTC().Truncate(time.Millisecond)
	scaleCreated = store.FormatTime(scaleNow.Add(-time.Hour))
)

// fill adds n sessions of n/100+1 users to s in one transaction of two
// INSERT … SELECT over a recursive CTE (about 2 s a million on 2 cores),
// the first n/step of them expired (none when step is 0), and returns up to
// 1,024 tokens of live sessions spread over the table. Ids and tokens are
// random, as sign-ins make them, so the indexes have their real shape.
func fill(tb testing.TB, s *Store, n, step int) []string {
	tb.Helper()
	ctx := context.Background()
	c, err := s.DB().Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	// A big page cache for the random inserts into the indexes, on this
	// connection only, for the fill.
	if _, err := c.ExecContext(ctx, `PRAGMA cache_size = -524288`); err != nil {
		tb.Fatal(err)
	}
	defer c.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, defaultCacheSize))
	users := n/100 + 1
	expired := 0
	if step > 0 {
		expired = (n + step - 1) / step
	}
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO "user" (`+userColumns+`)
		WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i+1 < ?)
		SELECT 'scale-user-' || i, 'User ' || i, 'scale' || i || '@example.com', 1, NULL, ?, ? FROM c`,
		users, scaleCreated, scaleCreated); err != nil {
		tb.Fatal(err)
	}
	// The first n/step sessions expired within a day before scaleNow, the
	// others expire in a week less up to an hour (signed in within the hour,
	// so middleware.Load does not slide them): distinct dates, in roughly the
	// order of creation, as Better Auth's fixed expiresIn makes them. Rows
	// go in in token order (ids share the token's order), so the fill
	// appends to the two unique indexes instead of inserting at random.
	if _, err := tx.ExecContext(ctx, `INSERT INTO "session" (`+sessionColumns+`)
		WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i+1 < ?),
		r(i, tok) AS (SELECT i, lower(hex(randomblob(16))) FROM c ORDER BY 2)
		SELECT 'ses' || tok, tok, 'scale-user-' || (i % ?),
			strftime('%Y-%m-%dT%H:%M:%fZ', ?, CASE WHEN i < ? THEN '-' || (86400 - i % 86400) ELSE '+' || (604800 - i % 3600) END || ' seconds'),
			?, ?, '203.0.113.7', 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' FROM r`,
		n, users, store.FormatTime(scaleNow), expired, scaleCreated, scaleCreated); err != nil {
		tb.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	// Start from an empty WAL, as a database that has been running does
	// most of the time, not with the fill still to copy into the file.
	if _, err := c.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		tb.Fatal(err)
	}
	every := max(1, n/1024)
	rows, err := c.QueryContext(ctx, `SELECT "token" FROM "session" WHERE rowid % ? = 0 AND "expiresAt" > ? LIMIT 1024`,
		every, store.FormatTime(scaleNow))
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var tokens []string
	for rows.Next() {
		var tok string
		if err := rows.Scan(&tok); err != nil {
			tb.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	if err := rows.Err(); err != nil || len(tokens) == 0 {
		tb.Fatalf("tokens: %d, %v", len(tokens), err)
	}
	return tokens
}

// TestDeleteExpiredUsesIndex checks that a sweep batch reads the expiry
// index, not the table: a batch costs what it deletes. Without the index
// every batch scanned the table (48 s for 100,000 expired rows among a
// million).
func TestDeleteExpiredUsesIndex(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	rows, err := s.DB().Query(`EXPLAIN QUERY PLAN `+qDeleteExpired, store.FormatTime(scaleNow), 500)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(plan, "\n")
	if !strings.Contains(joined, `sessionkit_session_expiresAt_idx (expiresAt<?)`) &&
		!strings.Contains(joined, `sessionkit_session_expiresAt_idx (expiresAt<=?)`) ||
		slices.ContainsFunc(plan, func(d string) bool { return d == "SCAN session" }) {
		t.Errorf("DeleteExpired's plan does not range over the expiry index:\n%s", joined)
	}
}

// scaleSizes are the table sizes TestScale measures: 10k and 100k by
// default (a few seconds; 10k only under the race detector), up to a million with SESSIONKIT_SCALE=1M.
func scaleSizes(t *testing.T) []int {
	switch v := os.Getenv("SESSIONKIT_SCALE"); v {
	case "":
		if raceEnabled {
			return []int{10_000}
		}
		return []int{10_000, 100_000}
	case "1M":
		return []int{10_000, 100_000, 1_000_000}
	default:
		t.Fatalf("SESSIONKIT_SCALE=%q, want unset or 1M", v)
		return nil
	}
}

// TestScale builds session tables of each size in bulk, a tenth of the
// sessions expired, and reports a lookup's median time, the sign-in rate
// of one writer, the sweep of the expired tenth and the WAL left behind.
// It checks that the sweep deletes exactly the expired rows, records none
// of them in the revocation feed, and, at a million, takes well under the
// 48 s of a table scan per batch.
func TestScale(t *testing.T) {
	if testing.Short() {
		t.Skip("scale test: builds databases of 10k and 100k sessions")
	}
	for _, n := range scaleSizes(t) {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "scale.db")
			s, err := OpenWith(path, Options{SweepInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()

			start := time.Now()
			tokens := fill(t, s, n, 10)
			build := time.Since(start)

			// Lookups: median of 5 rounds over the tokens.
			var rounds []time.Duration
			for range 5 {
				start := time.Now()
				for _, tok := range tokens {
					if _, _, err := s.SessionByToken(ctx, tok); err != nil {
						t.Fatal(err)
					}
				}
				rounds = append(rounds, time.Since(start)/time.Duration(len(tokens)))
			}
			slices.Sort(rounds)
			lookup := rounds[len(rounds)/2]

			// Sign-ins: one writer, 1,000 sessions.
			const signIns = 1000
			start = time.Now()
			for i := range signIns {
				ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: fmt.Sprint("scale-user-", i%(n/100+1)),
					ExpiresAt: scaleNow.Add(time.Hour), CreatedAt: scaleNow, UpdatedAt: scaleNow}
				if err := s.CreateSession(ctx, ss); err != nil {
					t.Fatal(err)
				}
			}
			rate := float64(signIns) / time.Since(start).Seconds()

			var feedBefore int
			if err := s.DB().QueryRow(`SELECT count(*) FROM "sessionkit_revocation"`).Scan(&feedBefore); err != nil {
				t.Fatal(err)
			}
			start = time.Now()
			deleted, err := store.Sweep(ctx, s, scaleNow, defaultSweepBatch)
			sweep := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if want := (n + 9) / 10; deleted != want {
				t.Errorf("sweep deleted %d sessions, want %d", deleted, want)
			}
			var left, feedAfter int
			if err := s.DB().QueryRow(`SELECT count(*) FROM "session" WHERE "expiresAt" <= ?`, store.FormatTime(scaleNow)).Scan(&left); err != nil || left != 0 {
				t.Errorf("%d expired sessions left after the sweep (%v)", left, err)
			}
			if err := s.DB().QueryRow(`SELECT count(*) FROM "sessionkit_revocation"`).Scan(&feedAfter); err != nil || feedAfter != feedBefore {
				t.Errorf("the sweep recorded %d revocations (%v), want none", feedAfter-feedBefore, err)
			}
			fi, _ := os.Stat(path)
			wal, _ := os.Stat(path + "-wal")
			t.Logf("%8d sessions: built in %v (%d MiB); lookup %v; %.0f sign-ins/s; swept %d in %v (%.1f µs/row); WAL %d KiB",
				n, build.Round(time.Millisecond), fi.Size()>>20, lookup, rate, deleted, sweep.Round(time.Millisecond),
				float64(sweep.Microseconds())/float64(max(deleted, 1)), walSize(wal)>>10)
			// The goal is 5 s on a quiet 2-core machine; on the shared one
			// it took 11-21 s. The bound catches a return of the table scan
			// per batch, which took 48 s.
			if n >= 1_000_000 && sweep > 25*time.Second {
				t.Errorf("sweeping %d expired sessions among %d took %v, want well under 48 s (goal 5 s)", deleted, n, sweep)
			}
		})
	}
}

func walSize(fi os.FileInfo) int64 {
	if fi == nil {
		return 0
	}
	return fi.Size()
}

// TestSweepCompare sweeps the expired tenth of the same bulk-built file
// (copied fresh for each run) in the store's batches of 500 and in batches
// of 5,000, in interleaved rounds, and reports for each the median time, the CPU time of the
// process, the longest batch (how long a batch holds the write lock, during
// which sign-ins wait) and the WAL's peak size. 20,000 sessions by default;
// SESSIONKIT_SCALE=1M: a million. Run:
//
//	SESSIONKIT_SCALE=1M go test -run TestSweepCompare -v ./store/sqlite
func TestSweepCompare(t *testing.T) {
	if testing.Short() {
		t.Skip("sweep comparison: builds a database and copies it 6 times")
	}
	n := 20_000
	if os.Getenv("SESSIONKIT_SCALE") == "1M" {
		n = 1_000_000
	}
	dir := t.TempDir()
	base := filepath.Join(dir, "base.db")
	s, err := OpenWith(base, Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, s, n, 10)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	variants := []struct {
		name  string
		batch int
	}{
		{"store: batches of 500", defaultSweepBatch},
		{"batches of 5,000", 5000},
	}
	times := make([][]time.Duration, len(variants))
	cpu := make([][]time.Duration, len(variants))
	longest := make([][]time.Duration, len(variants))
	peak := make([]int64, len(variants))
	for round := range 3 {
		for i, v := range variants {
			batch := v.batch
			path := filepath.Join(dir, fmt.Sprintf("run%d-%d.db", round, i))
			copyFile(t, base, path)
			s, err := OpenWith(path, Options{SweepInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			var total, worst time.Duration
			deleted := 0
			cpu0 := cpuTime(t)
			for {
				start := time.Now()
				k, err := s.DeleteExpired(context.Background(), scaleNow, batch)
				d := time.Since(start)
				total += d
				worst = max(worst, d)
				deleted += k
				if err != nil {
					t.Fatal(err)
				}
				if fi, err := os.Stat(path + "-wal"); err == nil {
					peak[i] = max(peak[i], fi.Size())
				}
				if k < batch {
					break
				}
			}
			used := cpuTime(t) - cpu0
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if want := (n + 9) / 10; deleted != want {
				t.Fatalf("batches of %d: swept %d, want %d", batch, deleted, want)
			}
			t.Logf("round %d, %s: %v, CPU %v, longest batch %v", round, v.name,
				total.Round(time.Millisecond), used.Round(time.Millisecond), worst.Round(time.Millisecond))
			times[i] = append(times[i], total)
			cpu[i] = append(cpu[i], used)
			longest[i] = append(longest[i], worst)
			for _, f := range []string{path, path + "-wal", path + "-shm"} {
				os.Remove(f)
			}
		}
	}
	median := func(d []time.Duration) time.Duration {
		d = slices.Clone(d)
		slices.Sort(d)
		return d[len(d)/2]
	}
	for i, v := range variants {
		t.Logf("%d sessions, sweep of %d, %-48s median %v (%.1f µs/row, %.2fx the store's), CPU %v (%.2fx), longest batch %v, WAL peak %d MiB",
			n, (n+9)/10, v.name+":", median(times[i]).Round(time.Millisecond),
			float64(median(times[i]).Microseconds())/float64((n+9)/10), float64(median(times[i]))/float64(median(times[0])),
			median(cpu[i]).Round(time.Millisecond), float64(median(cpu[i]))/float64(median(cpu[0])),
			median(longest[i]).Round(time.Millisecond), peak[i]>>20)
		if peak[i] > journalSizeLimit {
			t.Errorf("%s: the WAL reached %d MiB, want at most %d", v.name, peak[i]>>20, journalSizeLimit>>20)
		}
	}
}

// copyFile copies the database file src (closed, checkpointed) to dst.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// On disk before the run, so that the run's fsyncs do not write the copy.
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
