package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/sessionkit/sessionkit/store"
	"github.com/sessionkit/sessionkit/store/storetest"
)

func TestFieldsConformance(t *testing.T) {
	t.Parallel()
	storetest.RunFields(t, func(t *testing.T) store.Store {
		s, err := OpenWith(filepath.Join(t.TempDir(), "fields.db"), Options{SweepInterval: -1, Fields: storetest.Fields})
		if err != nil {
			t.Fatal(err)
		}
		// The lookup pool reads the 15 core columns by position: with
		// field columns in the SELECT, database/sql serves the lookup.
		if s.readers != nil {
			t.Fatal("a store with additional fields has a lookup pool")
		}
		return s
	})
}

// TestFieldsSchemaAndEncoding: new tables get the columns Better Auth's
// migrator writes, and values are stored in its Kysely encodings.
func TestFieldsSchemaAndEncoding(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "enc.db")
	s, err := OpenWith(path, Options{SweepInterval: -1, Fields: storetest.Fields})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ddl string
	if err := s.DB().QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'user'`).Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	const wantCols = `"updatedAt" date not null, "role" text not null, "plan" text, "seats" integer, "beta" integer, "trialEnds" date, "tags" text, "scores" text, "prefs" text, "secret_note" text)`
	if !strings.HasSuffix(ddl, wantCols) {
		t.Errorf("user table:\n%s\nwant it to end with\n%s", ddl, wantCols)
	}
	ctx := context.Background()
	at := time.Date(2030, 5, 6, 7, 8, 9, 10e6, time.UTC)
	u := store.User{ID: "u1", Name: "n", Email: "e@example.com", CreatedAt: at, UpdatedAt: at}
	u.Fields, _ = store.NewFields(storetest.Fields.User, map[string]any{
		"role": "admin", "seats": 3, "beta": true, "trialEnds": at, "tags": []string{"a", "b"}, "scores": []float64{1.5}, "prefs": `{"x": 1}`,
	})
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	var role, trial, tags, scores, prefs string
	var seats, beta any
	if err := s.DB().QueryRow(`SELECT "role", "seats", "beta", +"trialEnds", "tags", "scores", "prefs" FROM "user"`).
		Scan(&role, &seats, &beta, &trial, &tags, &scores, &prefs); err != nil {
		t.Fatal(err)
	}
	if role != "admin" || seats != int64(3) || beta != int64(1) || trial != "2030-05-06T07:08:09.010Z" ||
		tags != `["a","b"]` || scores != `[1.5]` || prefs != `{"x":1}` {
		t.Errorf("stored %q %v %v %q %q %q %q", role, seats, beta, trial, tags, scores, prefs)
	}
}

// TestFieldsAddColumns: Open adds the columns an existing table lacks, as
// Better Auth's migrator does, under the default and the renamed schemas,
// and refuses a required one it cannot fill.
func TestFieldsAddColumns(t *testing.T) {
	t.Parallel()
	schemas := append([]struct {
		name   string
		schema store.Schema
	}{{"Default", store.Schema{}}}, namings...)
	for _, n := range schemas {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			testFieldsAddColumns(t, n.schema)
		})
	}
}

func testFieldsAddColumns(t *testing.T, schema store.Schema) {
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := OpenWith(path, Options{SweepInterval: -1, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := old.CreateUser(ctx, store.User{ID: "u0", Email: "old@example.com"}); err != nil {
		t.Fatal(err)
	}
	old.Close()

	req := store.AdditionalFields{User: []store.Field{{Name: "tenantId", Type: store.FieldString, Required: true}}}
	if _, err := OpenWith(path, Options{SweepInterval: -1, Schema: schema, Fields: req}); err == nil || !strings.Contains(err.Error(), "tenantId") {
		t.Errorf("a required column without default: err = %v", err)
	}
	if _, err := OpenWith(path, Options{SweepInterval: -1, Schema: schema, Fields: storetest.Fields}); err == nil || !strings.Contains(err.Error(), `"device"`) {
		t.Errorf("the required session column without default: err = %v", err)
	}
	s, err := OpenWith(path, Options{SweepInterval: -1, Schema: schema, Fields: store.AdditionalFields{User: storetest.Fields.User}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.UserByID(ctx, "u0")
	if err != nil {
		t.Fatal(err)
	}
	if u.Fields.String("role") != "user" {
		t.Errorf("an old row reads role %q, want the column default", u.Fields.String("role"))
	}
	table := s.Tables().User.Name
	var ddl string
	if err := s.DB().QueryRow(`SELECT sql FROM sqlite_master WHERE name = ?`, table).Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ddl, `"role" text not null default 'user'`) || !strings.Contains(ddl, `"secret_note" text`) {
		t.Errorf("%s table: %s", table, ddl)
	}
	if _, err := s.UpdateUserFields(ctx, "u0", map[string]any{"plan": "pro"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	var plan string
	q := `SELECT "plan" FROM ` + store.Quote(table)
	if err := s.DB().QueryRow(q).Scan(&plan); err != nil || plan != "pro" {
		t.Errorf("%s: %q, %v", q, plan, err)
	}
}

// TestFieldsBadRow: a row whose JSON column is not JSON is an error, not
// a user without the field.
func TestFieldsBadRow(t *testing.T) {
	t.Parallel()
	s, err := OpenWith(filepath.Join(t.TempDir(), "bad.db"), Options{SweepInterval: -1, Fields: storetest.Fields})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	u := store.User{ID: "u1", Email: "e@example.com"}
	u.Fields, _ = store.NewFields(storetest.Fields.User, map[string]any{"role": "user"})
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE "user" SET "tags" = '[1'`, `UPDATE "user" SET "tags" = NULL, "seats" = 'many'`} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UserByID(ctx, "u1"); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("after %s: err = %v, want a read error", q, err)
		}
	}
	var _ *sql.DB = s.DB()
}

// TestFieldsRenamed: the additional-fields conformance suite on renamed
// and plural tables (Drizzle-style snake_case, Prisma-style model names);
// TestFieldsAddColumns adds columns to them.
func TestFieldsRenamed(t *testing.T) {
	t.Parallel()
	for _, n := range namings {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			storetest.RunFields(t, func(t *testing.T) store.Store {
				s, err := OpenWith(filepath.Join(t.TempDir(), "fields.db"), Options{SweepInterval: -1, Schema: n.schema, Fields: storetest.Fields})
				if err != nil {
					t.Fatal(err)
				}
				return s
			})
		})
	}
}
