package secondary

import (
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/memory"
)

// recNotifier records announcements, or fails them with err.
type recNotifier struct {
	mu  sync.Mutex
	got []store.Revocation
	err error
}

func (n *recNotifier) Announce(_ context.Context, rs ...store.Revocation) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.err != nil {
		return n.err
	}
	n.got = append(n.got, rs...)
	return nil
}

func (n *recNotifier) WatchRevocations(context.Context, time.Time, store.RevocationSink) error {
	return nil
}

func byToken(tok string) store.Revocation {
	return store.Revocation{TokenHash: sha256.Sum256([]byte(tok))}
}

// TestAnnounce: every way the Store ends sessions announces them (by id
// where the value names it, else by token hash), in both modes without a
// database feed; and an announcement that fails fails the call with every
// session as it was, so the caller can retry.
func TestAnnounce(t *testing.T) {
	paths := []struct {
		name string
		run  func(s *Store, u string, a, b store.Session) error
		want func(a, b store.Session) []store.Revocation
	}{
		{"delete session", func(s *Store, _ string, a, _ store.Session) error {
			return s.DeleteSession(context.Background(), a.Token)
		},
			func(a, _ store.Session) []store.Revocation { return []store.Revocation{{SessionID: a.ID}} }},
		{"delete other sessions", func(s *Store, u string, _, b store.Session) error {
			return s.DeleteOtherSessions(context.Background(), u, b.Token)
		}, func(a, _ store.Session) []store.Revocation { return []store.Revocation{byToken(a.Token)} }},
		{"delete user sessions", func(s *Store, u string, _, _ store.Session) error {
			return s.DeleteUserSessions(context.Background(), u)
		},
			func(a, b store.Session) []store.Revocation {
				return []store.Revocation{byToken(a.Token), byToken(b.Token)}
			}},
	}
	modes := []struct {
		name string
		o    func() Options
	}{
		{"secondary alone", func() Options { return Options{} }},
		{"preserve in database", func() Options {
			return Options{Primary: memory.New(), StoreSessionInDatabase: true, PreserveSessionInDatabase: true}
		}},
	}
	for _, m := range modes {
		for _, p := range paths {
			t.Run(m.name+"/"+p.name, func(t *testing.T) {
				n := &recNotifier{}
				o := m.o()
				o.Notifier = n
				f := newFixture(t, memKV(t), o)
				a := f.session(t, at.Add(-time.Minute), time.Hour)
				b := f.session(t, at, time.Hour)

				n.err = errors.New("redis down")
				if err := p.run(f.s, f.user.ID, a, b); !errors.Is(err, n.err) {
					t.Fatalf("with the announcement failing: %v, want it", err)
				}
				for _, ss := range []store.Session{a, b} {
					if _, _, err := f.s.SessionByToken(context.Background(), ss.Token); err != nil {
						t.Fatalf("a failed announcement ended a session: %v", err)
					}
				}

				n.err = nil
				if err := p.run(f.s, f.user.ID, a, b); err != nil {
					t.Fatal(err)
				}
				if want := p.want(a, b); !slices.Equal(n.got, want) {
					t.Fatalf("announced %v, want %v", n.got, want)
				}
				if _, _, err := f.s.SessionByToken(context.Background(), a.Token); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("session still there: %v", err)
				}
			})
		}
	}
}

// TestAnnounceGoneKey: signing out a session whose key is already gone
// (lost, or deleted by Better Auth where no event says so) still announces
// it, by token, so cached copies elsewhere end.
func TestAnnounceGoneKey(t *testing.T) {
	n := &recNotifier{}
	f := newFixture(t, memKV(t), Options{Notifier: n})
	a := f.session(t, at, time.Hour)
	if err := f.kv.Delete(a.Token); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteSession(context.Background(), a.Token); err != nil {
		t.Fatal(err)
	}
	if want := []store.Revocation{byToken(a.Token)}; !slices.Equal(n.got, want) {
		t.Fatalf("announced %v, want %v", n.got, want)
	}
}

// TestNotifierNotUsedWithDatabaseFeed: with every session a row of a
// Primary that has a feed, that feed tells, and nothing is announced.
func TestNotifierNotUsedWithDatabaseFeed(t *testing.T) {
	n := &recNotifier{err: errors.New("must not be called")}
	f := newFixture(t, memKV(t), Options{Primary: memory.New(), StoreSessionInDatabase: true, Notifier: n})
	a := f.session(t, at, time.Hour)
	if err := f.s.DeleteSession(context.Background(), a.Token); err != nil {
		t.Fatal(err)
	}
}

func TestMembers(t *testing.T) {
	rs := []store.Revocation{{SessionID: "abc"}, byToken("tok"), {}}
	ms := members(rs)
	if len(ms) != 2 {
		t.Fatalf("members %q", ms)
	}
	for i, m := range ms {
		if r, ok := parseMember(m); !ok || r != rs[i] {
			t.Errorf("parseMember(%q) = %v, %v; want %v", m, r, ok, rs[i])
		}
	}
	for _, bad := range []string{"", "s:", "t:zz", "t:abcd", "x:abc", "tok"} {
		if _, ok := parseMember(bad); ok {
			t.Errorf("parseMember(%q) accepted", bad)
		}
	}
}
