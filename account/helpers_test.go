package account_test

import (
	"net/http"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/account"
	"github.com/sessionkit/sessionkit/store/memory"
)

const testSecret = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// newManager is a Manager on a memory store (unless cfg names one),
// closed with the test.
func newManager(t testing.TB, cfg sessionkit.Config) *sessionkit.Manager {
	t.Helper()
	if cfg.Secret == "" {
		cfg.Secret = testSecret
	}
	if cfg.Store == nil {
		cfg.Store = memory.New()
	}
	m, err := sessionkit.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// harness is Accounts on a Manager of a memory store.
type harness struct {
	m *sessionkit.Manager
	a *account.Accounts
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	m := newManager(t, sessionkit.Config{})
	a, err := account.New(m, account.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{m, a}
}

// cookieHeader is the Cookie header a browser sends back after cs.
func cookieHeader(cs []*http.Cookie) string {
	r := &http.Request{Header: http.Header{}}
	for _, c := range cs {
		if c.MaxAge >= 0 && c.Value != "" {
			r.AddCookie(c)
		}
	}
	return r.Header.Get("Cookie")
}
