package postgres

import (
	"github.com/sessionkit/sessionkit/internal/loadbench"

	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessionkit/sessionkit/internal/servicetest"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/storetest"
)

// at is the tests' pinned clock.
var at = time.Date(2026, 11, 27, 22, 10, 13, 927e6, time.UTC)

// openTemp opens a store on a schema of the test's own, sweeper off unless
// o says otherwise, and closes it when the test ends.
func openTemp(t testing.TB, o Options) *Store {
	t.Helper()
	return openDSN(t, servicetest.Postgres(t, pgExec), o)
}

func openDSN(t testing.TB, dsn string, o Options) *Store {
	t.Helper()
	if o.SweepInterval == 0 {
		o.SweepInterval = -1
	}
	s, err := Open(context.Background(), dsn, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newUser(name string) store.User {
	id := store.NewID()
	return store.User{ID: id, Name: name, Email: strings.ToLower(name) + "-" + id + "@example.com", CreatedAt: at, UpdatedAt: at}
}

func newSession(userID string, expires time.Time) store.Session {
	return store.Session{ID: store.NewID(), Token: store.NewID(), UserID: userID, ExpiresAt: expires, CreatedAt: at, UpdatedAt: at}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		// Run closes the store; the sweeper is off because the suite's
		// clock is pinned and the sweeper's is not.
		s, err := Open(context.Background(), servicetest.Postgres(t, pgExec), Options{SweepInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestSchema checks the columns' PostgreSQL types and the indexes against
// Better Auth's schema (plus sessionkit's own revocation table, feed.go),
// and that opening again (a second instance, or a
// database Better Auth created) changes nothing.
func TestSchema(t *testing.T) {
	t.Parallel()
	dsn := servicetest.Postgres(t, pgExec)
	s := openDSN(t, dsn, Options{})
	ctx := context.Background()
	columns := func() string {
		rows, err := s.Pool().Query(ctx, `SELECT table_name, column_name, data_type, is_nullable
			FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for rows.Next() {
			var tbl, col, typ, null string
			if err := rows.Scan(&tbl, &col, &typ, &null); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s.%s %s %s\n", tbl, col, typ, null)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows, err = s.Pool().Query(ctx, `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				t.Fatal(err)
			}
			i := strings.Index(def, " ON ")
			fmt.Fprintf(&b, "index %s%s\n", name, def[i:])
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	var schemaName string
	if err := s.Pool().QueryRow(ctx, `SELECT current_schema()`).Scan(&schemaName); err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(columns(), schemaName+".", "")
	want := `account.id text NO
account.accountId text NO
account.providerId text NO
account.userId text NO
account.accessToken text YES
account.refreshToken text YES
account.idToken text YES
account.accessTokenExpiresAt timestamp with time zone YES
account.refreshTokenExpiresAt timestamp with time zone YES
account.scope text YES
account.password text YES
account.createdAt timestamp with time zone NO
account.updatedAt timestamp with time zone NO
session.id text NO
session.expiresAt timestamp with time zone NO
session.token text NO
session.createdAt timestamp with time zone NO
session.updatedAt timestamp with time zone NO
session.ipAddress text YES
session.userAgent text YES
session.userId text NO
sessionkit_revocation.seq bigint NO
sessionkit_revocation.sessionId text NO
sessionkit_revocation.revokedAt timestamp with time zone NO
user.id text NO
user.name text NO
user.email text NO
user.emailVerified boolean NO
user.image text YES
user.createdAt timestamp with time zone NO
user.updatedAt timestamp with time zone NO
verification.id text NO
verification.identifier text NO
verification.value text NO
verification.expiresAt timestamp with time zone NO
verification.createdAt timestamp with time zone NO
verification.updatedAt timestamp with time zone NO
index account_pkey ON account USING btree (id)
index account_userId_idx ON account USING btree ("userId")
index session_pkey ON session USING btree (id)
index session_token_key ON session USING btree (token)
index session_userId_idx ON session USING btree ("userId")
index sessionkit_account_providerId_accountId_idx ON account USING btree ("providerId", "accountId")
index sessionkit_revocation_pkey ON sessionkit_revocation USING btree (seq)
index sessionkit_revocation_revokedAt_idx ON sessionkit_revocation USING btree ("revokedAt")
index sessionkit_verification_expiresAt_idx ON verification USING btree ("expiresAt")
index user_email_key ON "user" USING btree (email)
index user_pkey ON "user" USING btree (id)
index verification_identifier_idx ON verification USING btree (identifier)
index verification_pkey ON verification USING btree (id)
`
	if got != want {
		t.Errorf("schema differs from Better Auth's.\ngot:\n%s\nwant:\n%s", got, want)
	}

	// Opening again keeps the data and the schema.
	u := newUser("Kept")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	again := openDSN(t, dsn, Options{})
	if _, err := again.UserByID(ctx, u.ID); err != nil {
		t.Errorf("after a second Open: UserByID = %v", err)
	}
	if got2 := strings.ReplaceAll(columns(), schemaName+".", ""); got2 != got {
		t.Errorf("a second Open changed the schema:\n%s", got2)
	}
}

// TestConcurrentOpen starts several instances on one empty schema at once:
// the advisory lock must keep their migrations from colliding.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	dsn := servicetest.Postgres(t, pgExec)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			s, err := Open(context.Background(), dsn, Options{SweepInterval: -1})
			if err != nil {
				t.Errorf("concurrent Open: %v", err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
}

// TestValues reads back raw column values: Better Auth's PostgreSQL
// encodings (timestamptz, boolean, NULL image, lower-cased email).
func TestValues(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	ctx := context.Background()
	u := store.User{ID: "u1", Name: "Ada", Email: "Ada@Example.COM", EmailVerified: true, CreatedAt: at, UpdatedAt: at.Add(time.Millisecond)}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	var email string
	var verified bool
	var image *string
	var created time.Time
	err := s.Pool().QueryRow(ctx, `SELECT "email", "emailVerified", "image", "createdAt" FROM "user" WHERE "id" = 'u1'`).Scan(&email, &verified, &image, &created)
	if err != nil {
		t.Fatal(err)
	}
	if email != "ada@example.com" || !verified || image != nil || !created.Equal(at) {
		t.Errorf("row = %q %v %v %v; want ada@example.com true NULL %v", email, verified, image, created, at)
	}

	// A row another writer made: NULL ipAddress and userAgent, microseconds.
	_, err = s.Pool().Exec(ctx, `INSERT INTO "session" VALUES ('s1', '2026-12-04 22:10:13.933+00', 'tok', '2026-11-27 23:10:13.5+01', now(), NULL, NULL, 'u1')`)
	if err != nil {
		t.Fatal(err)
	}
	ss, gu, err := s.SessionByToken(ctx, "tok")
	if err != nil {
		t.Fatal(err)
	}
	if ss.IPAddress != "" || ss.UserAgent != "" || gu.Image != "" || gu.Email != "ada@example.com" {
		t.Errorf("got %+v %+v", ss, gu)
	}
	if want := time.Date(2026, 11, 27, 22, 10, 13, 500e6, time.UTC); !ss.CreatedAt.Equal(want) || ss.CreatedAt.Location() != time.UTC {
		t.Errorf("createdAt = %v, want %v in UTC", ss.CreatedAt, want)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	ctx := context.Background()
	u := newUser("Err")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	dupEmail := newUser("Other")
	dupEmail.Email = strings.ToUpper(u.Email)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"same user id", s.CreateUser(ctx, u), store.ErrDuplicate},
		{"same email in another case", s.CreateUser(ctx, dupEmail), store.ErrDuplicate},
		{"empty email", s.CreateUser(ctx, store.User{ID: "x", Name: "X"}), store.ErrInvalid},
		{"session of an unknown user", s.CreateSession(ctx, newSession("nobody", at)), store.ErrNotFound},
		{"session without token", s.CreateSession(ctx, store.Session{ID: "s", UserID: u.ID}), store.ErrInvalid},
		{"password of an unknown user", s.SetPassword(ctx, "nobody", "h", at), store.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) {
				t.Errorf("err = %v, want %v", tc.err, tc.want)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	base := servicetest.PostgresDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tests := []struct {
		name, dsn string
	}{
		{"not a connection string", "postgres://user:hunter2-secret@[::1"},
		{"wrong password", func() string {
			u, err := url.Parse(base)
			if err != nil {
				t.Fatal(err)
			}
			u.User = url.UserPassword(u.User.Username(), "hunter2-secret")
			return u.String()
		}()},
		{"nobody listening", "postgres://user:hunter2-secret@127.0.0.1:1/db?connect_timeout=2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.dsn, Options{SweepInterval: -1})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			t.Logf("Open: %v", err)
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error repeats the password: %v", err)
			}
		})
	}
}

// TestSweeper checks the background sweeper, by its own clock, with two
// instances sweeping one table at once.
func TestSweeper(t *testing.T) {
	t.Parallel()
	dsn := servicetest.Postgres(t, pgExec)
	s := openDSN(t, dsn, Options{})
	ctx := context.Background()
	clock := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	u := newUser("Sweep")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	const expired, live = 57, 5
	batch := &pgx.Batch{}
	for i := range expired + live {
		exp := time.Date(2100, 1, 1, 0, 0, i, 0, time.UTC)
		if i >= expired {
			exp = time.Date(2300, 1, 1, 0, 0, i, 0, time.UTC)
		}
		ss := newSession(u.ID, exp)
		batch.Queue(qInsertSession, ss.ID, ss.Token, ss.UserID, ss.ExpiresAt, ss.CreatedAt, ss.UpdatedAt, "", "")
	}
	if err := s.Pool().SendBatch(ctx, batch).Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		openDSN(t, dsn, Options{SweepInterval: 5 * time.Millisecond, SweepBatch: 4, Now: func() time.Time { return clock }})
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM "session"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == live {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10s the sweepers left %d sessions, want %d", n, live)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDeleteExpiredRace runs many DeleteExpired calls on two instances at
// once: every expired row is deleted exactly once, none live.
func TestDeleteExpiredRace(t *testing.T) {
	t.Parallel()
	dsn := servicetest.Postgres(t, pgExec)
	a, b := openDSN(t, dsn, Options{}), openDSN(t, dsn, Options{})
	ctx := context.Background()
	u := newUser("Race")
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	const expired, live = 300, 20
	batch := &pgx.Batch{}
	for i := range expired + live {
		exp := at.Add(-time.Duration(i+1) * time.Second)
		if i >= expired {
			exp = at.Add(time.Hour)
		}
		ss := newSession(u.ID, exp)
		batch.Queue(qInsertSession, ss.ID, ss.Token, ss.UserID, ss.ExpiresAt, ss.CreatedAt, ss.UpdatedAt, "", "")
	}
	if err := a.Pool().SendBatch(ctx, batch).Close(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			s := a
			if w%2 == 1 {
				s = b
			}
			for range 100 { // bounded: 8*100*7 far exceeds the 300 rows
				n, err := s.DeleteExpired(ctx, at, 7)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	if total != expired {
		t.Errorf("deleted %d sessions in all, want %d", total, expired)
	}
	list, err := a.ListSessions(ctx, u.ID, at)
	if err != nil || len(list) != live {
		t.Errorf("live sessions left: %d, %v; want %d", len(list), err, live)
	}
}

func TestDeleteExpiredLimit(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{})
	ctx := context.Background()
	u := newUser("Limit")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	ss := newSession(u.ID, at)
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

func TestContextAndClose(t *testing.T) {
	t.Parallel()
	s, err := Open(context.Background(), servicetest.Postgres(t, pgExec), Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.SessionByToken(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("SessionByToken with a cancelled context = %v, want context.Canceled", err)
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

// TestDatabaseRestart cuts every connection to the database (what a
// restart or failover looks like from here) while lookups run: each one
// either succeeds with the right answer or fails with an error that is not
// ErrNotFound, and the pool reconnects once the database is back.
func TestDatabaseRestart(t *testing.T) {
	t.Parallel()
	dsn := servicetest.Postgres(t, pgExec)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := servicetest.NewProxy(t, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
	s := openDSN(t, servicetest.WithParam(t, servicetest.WithHost(t, dsn, p.Addr()), "connect_timeout", "2"), Options{})
	ctx := context.Background()
	u := newUser("Restart")
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	live, revoked := newSession(u.ID, at.Add(time.Hour)), newSession(u.ID, at.Add(time.Hour))
	for _, ss := range []store.Session{live, revoked} {
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteSession(ctx, revoked.Token); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, failed int
	for range 8 {
		wg.Go(func() {
			for i := 0; i < 100000; i++ { // bounded; stop ends it long before
				select {
				case <-stop:
					return
				default:
				}
				tok := live.Token
				if i%2 == 1 {
					tok = revoked.Token
				}
				c, cancel := context.WithTimeout(ctx, 3*time.Second)
				_, _, err := s.SessionByToken(c, tok)
				cancel()
				switch {
				case tok == live.Token && errors.Is(err, store.ErrNotFound):
					t.Errorf("a valid session read as not found during the outage: %v", err)
				case tok == revoked.Token && err == nil:
					t.Errorf("a deleted session read as valid")
				}
				mu.Lock()
				if err == nil || errors.Is(err, store.ErrNotFound) {
					ok++
				} else {
					failed++
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	p.Down()
	if p.Cut() == 0 {
		t.Error("the proxy had no connection to cut")
	}
	time.Sleep(300 * time.Millisecond)
	p.Up()
	// The pool reconnects: within a few seconds lookups succeed again.
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, _, err := s.SessionByToken(ctx, live.Token); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no successful lookup 15s after the database came back: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("lookups: %d answered, %d failed with an error during the outage", ok, failed)
	if failed == 0 {
		t.Error("no lookup failed while the database was down: the proxy did not cut anything")
	}
}

// benchTokens loads 100,000 sessions of 1,000 users with COPY and returns
// 1,024 of their tokens, spread over the table.
func benchTokens(b *testing.B, s *Store) []string {
	b.Helper()
	ctx := context.Background()
	const users, sessions = 1000, 100_000
	// Relative to the real clock: the Load sub-benchmark's Manager reads it.
	at := store.Truncate(time.Now())
	exp := at.Add(7 * 24 * time.Hour)
	ids := make([]string, users)
	var urows [][]any
	for i := range ids {
		ids[i] = store.NewID()
		urows = append(urows, []any{ids[i], "User", fmt.Sprintf("u%d@example.com", i), true, nil, at, at})
	}
	if _, err := s.Pool().CopyFrom(ctx, pgx.Identifier{"user"}, []string{"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"}, pgx.CopyFromRows(urows)); err != nil {
		b.Fatal(err)
	}
	var tokens []string
	srows := make([][]any, 0, sessions)
	for i := range sessions {
		tok := store.NewID()
		srows = append(srows, []any{store.NewID(), tok, ids[i%users], exp, at, at, "203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64)"})
		if i%(sessions/1024) == 0 && len(tokens) < 1024 {
			tokens = append(tokens, tok)
		}
	}
	if _, err := s.Pool().CopyFrom(ctx, pgx.Identifier{"session"}, []string{"id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent"}, pgx.CopyFromRows(srows)); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `ANALYZE "user", "session"`); err != nil {
		b.Fatal(err)
	}
	return tokens
}

// BenchmarkSessionByToken measures the hot path on a table of 100,000
// sessions, beside the raw driver running the same prepared JOIN with
// QueryRow and scanning into plain variables: the difference is what the
// store adds.
func BenchmarkSessionByToken(b *testing.B) {
	s := openTemp(b, Options{})
	tokens := benchTokens(b, s)
	ctx := context.Background()
	raw := func(ctx context.Context, token string) error {
		var id, tok, uid, name, email string
		var exp, created, updated, uc, uu time.Time
		var ip, ua, image *string
		var verified bool
		return s.Pool().QueryRow(ctx, qSessionByToken, token).Scan(&id, &tok, &uid, &exp, &created, &updated, &ip, &ua,
			&uid, &name, &email, &verified, &image, &uc, &uu)
	}
	store := func(ctx context.Context, token string) error {
		_, _, err := s.SessionByToken(ctx, token)
		return err
	}
	b.Run("Load", func(b *testing.B) { loadbench.Run(b, s, tokens) })
	for _, c := range []struct {
		name   string
		lookup func(context.Context, string) error
	}{
		{"SessionByToken", store},
		{"raw pgx QueryRow", raw},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := c.lookup(ctx, tokens[i%len(tokens)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if err := c.lookup(ctx, tokens[i%len(tokens)]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// TestSetPasswordConcurrentOneRow: calls racing to set the first password
// of a user leave one credential account, not one each.
func TestSetPasswordConcurrentOneRow(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{SweepInterval: -1})
	storetest.CredentialRace(t, s, func(ctx context.Context) (int, error) {
		const q = `SELECT count(*) FROM "account" GROUP BY "userId" ORDER BY count(*) DESC LIMIT 1`
		var n int
		err := s.Pool().QueryRow(ctx, q).Scan(&n)
		return n, err
	})
}

// TestCreateUserWithPasswordAtomic makes the account insert fail with a
// trigger: the user insert before it must be rolled back.
func TestCreateUserWithPasswordAtomic(t *testing.T) {
	t.Parallel()
	s := openTemp(t, Options{SweepInterval: -1})
	storetest.AtomicSignUp(t, s, func(ctx context.Context) error {
		_, err := s.Pool().Exec(ctx, `CREATE FUNCTION fail_account() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$;
			CREATE TRIGGER fail_account BEFORE INSERT ON "account" FOR EACH ROW EXECUTE FUNCTION fail_account()`)
		return err
	}, func(ctx context.Context) error {
		_, err := s.Pool().Exec(ctx, `DROP TRIGGER fail_account ON "account"; DROP FUNCTION fail_account()`)
		return err
	})
}

// pgExec runs one SQL statement on a connection of its own, for
// servicetest.Postgres.
func pgExec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
