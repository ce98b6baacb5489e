package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/internal/servicetest"
	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/storetest"
)

func TestFieldsConformance(t *testing.T) {
	t.Parallel()
	storetest.RunFields(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), servicetest.Postgres(t, pgExec), Options{SweepInterval: -1, Fields: storetest.Fields})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestFieldsSchema: the columns get Better Auth's PostgreSQL types, and an
// existing table gets the columns it lacks.
func TestFieldsSchema(t *testing.T) {
	t.Parallel()
	dsn := servicetest.Postgres(t, pgExec)
	old := openDSN(t, dsn, Options{})
	ctx := context.Background()
	u := newUser("old")
	if err := old.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	old.Close()
	if _, err := Open(ctx, dsn, Options{SweepInterval: -1, Fields: storetest.Fields}); err == nil || !strings.Contains(err.Error(), `"device"`) {
		t.Errorf("a required session column without default: err = %v", err)
	}
	s := openDSN(t, dsn, Options{Fields: store.AdditionalFields{User: storetest.Fields.User}})
	got, err := s.UserByID(ctx, u.ID)
	if err != nil || got.Fields.String("role") != "user" {
		t.Fatalf("an old row: %v, %v", got.Fields.Map(), err)
	}
	rows, err := s.Pool().Query(ctx, `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'user' ORDER BY ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var n, typ, null string
		rows.Scan(&n, &typ, &null)
		cols = append(cols, n+" "+typ+" "+null)
	}
	want := `role text NO, plan text YES, seats integer YES, beta boolean YES, trialEnds timestamp with time zone YES, tags jsonb YES, scores jsonb YES, prefs jsonb YES, secret_note text YES`
	if got := strings.Join(cols[7:], ", "); got != want {
		t.Errorf("columns:\n%s\nwant\n%s", got, want)
	}
	// Values in Better Auth's encodings.
	v := newUser("enc")
	v.Fields, _ = store.NewFields(storetest.Fields.User, map[string]any{"tags": []string{"a"}, "prefs": `{"b": 2, "a": 1}`, "trialEnds": at})
	if err := s.CreateUser(ctx, v); err != nil {
		t.Fatal(err)
	}
	var tags, prefs string
	var trial time.Time
	if err := s.Pool().QueryRow(ctx, `SELECT "tags"::text, "prefs"::text, "trialEnds" FROM "user" WHERE "id" = $1`, v.ID).Scan(&tags, &prefs, &trial); err != nil {
		t.Fatal(err)
	}
	if tags != `["a"]` || prefs != `{"a": 1, "b": 2}` || !trial.Equal(at) {
		t.Errorf("stored %s %s %v", tags, prefs, trial)
	}
}

// TestFieldsRenamed: additional fields on renamed and plural tables
// (Drizzle-style snake_case, Prisma-style model names): the conformance
// suite, and an existing renamed table given the columns it lacks.
func TestFieldsRenamed(t *testing.T) {
	t.Parallel()
	for _, n := range namings {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			storetest.RunFields(t, func(t *testing.T) store.Store {
				s, err := Open(context.Background(), servicetest.Postgres(t, pgExec), Options{SweepInterval: -1, Schema: n.schema, Fields: storetest.Fields})
				if err != nil {
					t.Fatal(err)
				}
				return s
			})
		})
		t.Run(n.name+"/AddColumns", func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := servicetest.Postgres(t, pgExec)
			old := openDSN(t, dsn, Options{Schema: n.schema})
			u := newUser("old")
			if err := old.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			old.Close()
			s := openDSN(t, dsn, Options{Schema: n.schema, Fields: store.AdditionalFields{User: storetest.Fields.User}})
			got, err := s.UserByID(ctx, u.ID)
			if err != nil || got.Fields.String("role") != "user" {
				t.Fatalf("an old row: %v, %v", got.Fields.Map(), err)
			}
			var cols int
			if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name IN ('role', 'secret_note')`,
				s.Tables().User.Name).Scan(&cols); err != nil || cols != 2 {
				t.Errorf("field columns of %s: %d, %v", s.Tables().User.Name, cols, err)
			}
			if _, err := s.UpdateUserFields(ctx, u.ID, map[string]any{"plan": "pro"}, time.Now()); err != nil {
				t.Fatal(err)
			}
			var plan string
			q := `SELECT "plan" FROM ` + store.Quote(s.Tables().User.Name)
			if err := s.Pool().QueryRow(ctx, q).Scan(&plan); err != nil || plan != "pro" {
				t.Errorf("%s: %q, %v", q, plan, err)
			}
		})
	}
}
