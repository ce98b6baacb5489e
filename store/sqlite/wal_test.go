package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// TestWALBounded signs in for 5 s at 2 writers, with 2 readers looking
// sessions up meanwhile, and checks that the WAL file never grows past
// 64 MiB. Without the store's checkpointer, readers and the other writer
// keep SQLite's automatic checkpoints from ever resetting the WAL, which
// grew to 486-911 MiB in 5 s.
func TestWALBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("signs in for 5 s")
	}
	t.Parallel()
	peak, signIns, lookups := walSignIns(t, Options{SweepInterval: -1})
	t.Logf("5 s: %d sign-ins, %d lookups, WAL peak %d MiB", signIns, lookups, peak>>20)
	if peak > 64<<20 {
		t.Errorf("the WAL grew to %d MiB, want at most 64 MiB", peak>>20)
	}
}

// walSignIns signs in for 5 s at 2 writers with 2 readers on a store
// opened with o and returns the WAL's peak size and the counts.
func walSignIns(t *testing.T, o Options) (peak, signIns, lookups int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wal.db")
	s, err := OpenWith(path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tokens := fill(t, s, 10_000, 0)

	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var nSignIns, nLookups atomic.Int64
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: "scale-user-" + string(rune('0'+w)),
					ExpiresAt: scaleNow.Add(time.Hour), CreatedAt: scaleNow, UpdatedAt: scaleNow,
					IPAddress: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"}
				if err := s.CreateSession(ctx, ss); err != nil {
					t.Error(err)
					return
				}
				nSignIns.Add(1)
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := s.SessionByToken(ctx, tokens[i%len(tokens)]); err != nil {
					t.Error(err)
					return
				}
				nLookups.Add(1)
			}
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if fi, err := os.Stat(path + "-wal"); err == nil {
			peak = max(peak, fi.Size())
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	return peak, nSignIns.Load(), nLookups.Load()
}

// TestWALGuardLongReader: a reader in another connection holds an old
// snapshot while the WAL is past the guard's threshold (and under
// walLimit). The guard's TRUNCATE checkpoint cannot complete and holds off
// writers while it waits, so it must wait briefly (walBusy), not the 5 s
// busy timeout: every sign-in meanwhile answers within 2 s.
func TestWALGuardLongReader(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a WAL past 16 MiB")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "reader.db")
	s, err := OpenWith(path, Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tokens := fill(t, s, 1000, 0)

	// Another process's long read transaction.
	other, err := sql.Open("sqlite", dsn(path, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	tx, err := other.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM "session"`).Scan(&n); err != nil {
		t.Fatal(err)
	}

	// Grow the WAL past the threshold, then keep signing in for 2 s, or
	// until the WAL nears walLimit, past which sign-ins wait for the reader
	// (TestWALGateLongReader).
	var worst time.Duration
	deadline := time.Now().Add(2 * time.Second)
	for i := 0; ; i++ {
		fi, err := os.Stat(path + "-wal")
		if err == nil && fi.Size() > walCheckpointAt && (time.Now().After(deadline) || fi.Size() > walLimit-4<<20) {
			break
		}
		if err == nil && fi.Size() <= walCheckpointAt {
			deadline = time.Now().Add(2 * time.Second)
		}
		start := time.Now()
		ss := store.Session{ID: store.NewID(), Token: store.NewID(), UserID: "scale-user-0",
			ExpiresAt: scaleNow.Add(time.Hour), CreatedAt: scaleNow, UpdatedAt: scaleNow,
			UserAgent: strings.Repeat("x", 2000)}
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
		worst = max(worst, time.Since(start))
		if i > 200_000 {
			t.Fatal("the WAL never passed the threshold")
		}
	}
	if _, _, err := s.SessionByToken(ctx, tokens[0]); err != nil {
		t.Fatal(err)
	}
	t.Logf("slowest sign-in with a long reader holding the WAL: %v", worst)
	if worst > 2*time.Second {
		t.Errorf("a sign-in took %v while the guard waited for a long reader, want under 2 s", worst)
	}
	// The pool's busy timeout is back on every connection.
	var bt int
	if err := s.DB().QueryRow(`PRAGMA busy_timeout`).Scan(&bt); err != nil || bt != 5000 {
		t.Errorf("busy_timeout = %d, %v; want 5000", bt, err)
	}
}

// bigSession is a sign-in whose 64 KiB user agent writes about 17 pages to
// the WAL, so that a few hundred of them fill it past walLimit.
func bigSession() store.Session {
	return store.Session{ID: store.NewID(), Token: store.NewID(), UserID: "scale-user-0",
		ExpiresAt: scaleNow.Add(time.Hour), CreatedAt: scaleNow, UpdatedAt: scaleNow,
		UserAgent: strings.Repeat("x", 64<<10)}
}

// fillWAL signs bigSessions in until one fails, which must be with
// errWALFull, and returns the tokens of those that succeeded and that
// error.
func fillWAL(t *testing.T, s *Store) (acked []string, full error) {
	t.Helper()
	for i := 0; ; i++ {
		if i > 10_000 {
			t.Fatal("the WAL never filled")
		}
		ss := bigSession()
		err := s.CreateSession(context.Background(), ss)
		switch {
		case err == nil:
			acked = append(acked, ss.Token)
		case errors.Is(err, errWALFull):
			return acked, err
		default:
			t.Fatalf("sign-in %d: %v, want nil or errWALFull", i, err)
		}
	}
}

// longReader starts a read transaction on another handle of the database
// at path (another process's), which keeps the WAL from being reset until
// it ends (Rollback; the test's end rolls it back too).
func longReader(t *testing.T, path string) *sql.Tx {
	t.Helper()
	other, err := sql.Open("sqlite", dsn(path, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	tx, err := other.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM "session"`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return tx
}

// checkAcked checks that every acknowledged sign-in is there.
func checkAcked(t *testing.T, s *Store, acked []string) {
	t.Helper()
	for _, tok := range acked {
		if _, _, err := s.SessionByToken(context.Background(), tok); err != nil {
			t.Fatalf("an acknowledged sign-in is missing: %v", err)
		}
	}
}

// walResumes signs in until one succeeds (the guard resets the WAL at its
// next try) and checks that the WAL is under walLimit then.
func walResumes(t *testing.T, s *Store, path string) {
	t.Helper()
	for i := 0; ; i++ {
		err := s.CreateSession(context.Background(), bigSession())
		if err == nil {
			break
		}
		if !errors.Is(err, errWALFull) || i == 20 {
			t.Fatalf("sign-in %d after the WAL could be reset again: %v", i, err)
		}
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() > walLimit {
		t.Errorf("WAL after sign-ins resumed: %v, %v; want under %d MiB", fi.Size(), err, walLimit>>20)
	}
}

// TestWALGateLongReader: another process's read transaction keeps the WAL
// from being reset while this process signs in. Sign-ins go on until the
// WAL passes walLimit, then wait, and fail with errWALFull after the busy
// timeout instead of hanging; the WAL stays under 64 MiB; a sign-in whose
// context ends while it waits fails with the context's error and is not
// stored; every acknowledged sign-in is there; once the reader ends, the
// guard resets the WAL and sign-ins succeed again.
func TestWALGateLongReader(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a WAL past 48 MiB")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gate.db")
	s, err := OpenWith(path, Options{SweepInterval: -1, BusyTimeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fill(t, s, 100, 0)

	tx := longReader(t, path)
	ctx := context.Background()

	acked, full := fillWAL(t, s)
	t.Logf("%d sign-ins, then: %v", len(acked), full)
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() > 64<<20 {
		t.Errorf("WAL with a reader holding it: %d MiB, %v; want at most 64 MiB", fi.Size()>>20, err)
	}

	// A sign-in waiting for the WAL, cancelled: once it waits (a round of
	// the gate exists), cancel it.
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		for {
			s.gate.mu.Lock()
			waiting := s.gate.round != nil
			s.gate.mu.Unlock()
			if waiting {
				cancel()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	ss := bigSession()
	err = s.CreateSession(cctx, ss)
	cancel()
	if !errors.Is(err, context.Canceled) || errors.Is(err, errWALFull) {
		t.Errorf("a sign-in cancelled while it waits for the WAL = %v, want context.Canceled", err)
	}
	if _, _, err := s.SessionByToken(ctx, ss.Token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the cancelled sign-in: %v, want store.ErrNotFound", err)
	}
	// A slide waits too, and fails the same way.
	if _, err := s.SlideSession(ctx, acked[0], scaleNow.Add(2*time.Hour), scaleNow); !errors.Is(err, errWALFull) {
		t.Errorf("a slide while the WAL is full = %v, want errWALFull", err)
	}
	// A sign-out is never held back.
	if err := s.DeleteSession(ctx, acked[0]); err != nil {
		t.Errorf("a sign-out while the WAL is full: %v", err)
	}
	checkAcked(t, s, acked[1:])

	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	walResumes(t, s, path)
	checkAcked(t, s, acked[1:])
}

// TestWALGateCheckpointFails: every checkpoint of the guard fails. A long
// reader fills the WAL past walLimit (as in TestWALGateLongReader); once it
// ends, the WAL still cannot be reset, so sign-ins keep failing, after the
// busy timeout, with errWALFull and the checkpoint's error; every
// acknowledged sign-in is there; once checkpoints work again, sign-ins
// resume.
func TestWALGateCheckpointFails(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a WAL past 48 MiB")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ckpt.db")
	s, err := OpenWith(path, Options{SweepInterval: -1, BusyTimeout: 300 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fill(t, s, 100, 0)
	errInjected := errors.New("injected")
	setHook := func(h func() error) { // the guard reads it under ckptMu
		s.ckptMu.Lock()
		s.ckptHook = h
		s.ckptMu.Unlock()
	}
	setHook(func() error { return errInjected })
	tx := longReader(t, path)

	acked, _ := fillWAL(t, s)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	err = s.CreateSession(context.Background(), bigSession())
	t.Logf("%d sign-ins, then, with the reader gone: %v", len(acked), err)
	if !errors.Is(err, errWALFull) || !errors.Is(err, errInjected) {
		t.Errorf("a sign-in while checkpoints fail = %v, want errWALFull with the checkpoint's error", err)
	}
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() > 64<<20 {
		t.Errorf("WAL while checkpoints fail: %d MiB, %v; want at most 64 MiB", fi.Size()>>20, err)
	}
	checkAcked(t, s, acked)

	setHook(nil)
	walResumes(t, s, path)
	checkAcked(t, s, acked)
}

// TestWALGateHold: the guard's hold stops writes at the gate and waits for
// those in flight; ended lets the waiting ones through.
func TestWALGateHold(t *testing.T) {
	g := walGate{wake: make(chan struct{}, 1)}
	if g.enter(false) != nil {
		t.Fatal("an open gate held a write")
	}
	held := make(chan struct{})
	go func() {
		g.hold(time.Hour)
		close(held)
	}()
	for {
		g.mu.Lock()
		h := g.held
		g.mu.Unlock()
		if h {
			break
		}
		time.Sleep(time.Millisecond)
	}
	wait := g.enter(false)
	if wait == nil {
		t.Fatal("a write went through while the guard held the gate")
	}
	select {
	case <-held:
		t.Fatal("hold returned with a write in flight")
	default:
	}
	g.leave()
	<-held // the write in flight ended
	select {
	case <-wait:
		t.Fatal("a waiting write was let through before the checkpoint ended")
	default:
	}
	errCkpt := errors.New("checkpoint")
	g.ended(errCkpt)
	<-wait
	if !errors.Is(g.err(), errCkpt) {
		t.Errorf("err() = %v, want the checkpoint's", g.err())
	}
	if g.enter(false) != nil {
		t.Error("the gate held a write after the checkpoint ended")
	}
	if g.enter(true) == nil {
		t.Error("a write went through a full WAL")
	}
	g.looked()
	g.leave()
	if g.inflight != 0 || g.round != nil {
		t.Errorf("gate left with %d in flight, round %v", g.inflight, g.round)
	}
}
