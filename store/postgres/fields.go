package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sessionkit/sessionkit/store"
)

// This file is everything the store does for additional fields
// (Options.Fields): their columns as Better Auth's migrator creates them
// for PostgreSQL (text, integer, boolean, timestamptz; jsonb for json,
// string[] and number[]), the query fragments render adds to the core
// statements, and their encodings. The columns follow the core ones in declaration
// order, as in Better Auth's tables.

// fieldSQLType is Better Auth's PostgreSQL column type for t.
func fieldSQLType(t store.FieldType) string {
	switch t {
	case store.FieldNumber:
		return "integer"
	case store.FieldBoolean:
		return "boolean"
	case store.FieldDate:
		return "timestamptz"
	case store.FieldJSON, store.FieldStrings, store.FieldNumbers:
		return "jsonb"
	}
	return "text"
}

// columnDefs returns ", <column> <type> [not null]" for each field: the
// text Better Auth's migrator adds to CREATE TABLE.
func columnDefs(decl []store.Field) string {
	var b strings.Builder
	for i := range decl {
		b.WriteString(", " + store.Quote(decl[i].Column()) + " " + fieldSQLType(decl[i].Type))
		if decl[i].Required {
			b.WriteString(" not null")
		}
	}
	return b.String()
}

// fieldNames returns ", <column>" for each field: the columns an INSERT
// names.
func fieldNames(decl []store.Field) string {
	var b strings.Builder
	for i := range decl {
		b.WriteString(", " + store.Quote(decl[i].Column()))
	}
	return b.String()
}

// fieldMarks returns ", $from, $from+1, …": n placeholders of an INSERT.
func fieldMarks(n, from int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(", $" + strconv.Itoa(from+i))
	}
	return b.String()
}

// addMissingColumns adds the columns of fields that an existing table
// lacks, as Better Auth's migrator does: a required one needs a fixed
// default to fill the rows already there.
func addMissingColumns(ctx context.Context, tx pgx.Tx, table string, decl []store.Field) error {
	if len(decl) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		have[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range decl {
		f := &decl[i]
		if have[f.Column()] {
			continue
		}
		q := `alter table ` + store.Quote(table) + ` add column ` + store.Quote(f.Column()) + ` ` + fieldSQLType(f.Type)
		if f.Required {
			lit, ok := defaultLiteral(f)
			if !ok {
				return fmt.Errorf("table %q lacks the required column %q and it has no fixed string, number or boolean default to fill existing rows: add it yourself (or run Better Auth's migrator)", table, f.Column())
			}
			q += ` not null default ` + lit
		}
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("add column %q to %q: %w", f.Column(), table, err)
		}
	}
	return nil
}

// defaultLiteral is f's fixed default as DDL.
func defaultLiteral(f *store.Field) (string, bool) {
	if _, isFunc := f.Default.(func() any); isFunc || f.Default == nil {
		return "", false
	}
	v, err := store.Normalize(f.Type, f.Default)
	if err != nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return `'` + strings.ReplaceAll(x, `'`, `''`) + `'`, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// fieldCols returns ", <prefix><column>" for each field; JSON columns are
// read as text, which keeps jsonb's own member order (the order Better
// Auth's pg driver sees).
func fieldCols(decl []store.Field, prefix string) string {
	var b strings.Builder
	for i := range decl {
		b.WriteString(", " + prefix + store.Quote(decl[i].Column()))
		switch decl[i].Type {
		case store.FieldJSON, store.FieldStrings, store.FieldNumbers:
			b.WriteString("::text")
		}
	}
	return b.String()
}

// fieldArgs returns f's values as the store writes them, in decl's order.
func fieldArgs(op string, decl []store.Field, f store.Fields) ([]any, error) {
	vals, err := f.Align(decl)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w: %w", op, store.ErrInvalid, err)
	}
	for i, v := range vals {
		vals[i] = fieldArg(decl[i].Type, v)
	}
	return vals, nil
}

// fieldArg encodes one normalized value: JSON types as JSON text.
func fieldArg(t store.FieldType, v any) any {
	switch x := v.(type) {
	case nil:
		switch t {
		case store.FieldJSON, store.FieldStrings, store.FieldNumbers:
			return pgtype.Text{} // a NULL of a type jsonb accepts
		}
		return nil
	case json.RawMessage:
		return string(x)
	case []string, []float64:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return v
}

// fieldsScan holds the scan destinations of one record's fields.
type fieldsScan struct {
	decl []store.Field
	raw  []any
}

func newFieldsScan(decl []store.Field) *fieldsScan {
	if len(decl) == 0 {
		return nil
	}
	return &fieldsScan{decl: decl, raw: make([]any, len(decl))}
}

func (f *fieldsScan) dest() []any {
	if f == nil {
		return nil
	}
	out := make([]any, len(f.raw))
	for i := range f.raw {
		out[i] = &f.raw[i]
	}
	return out
}

// fields converts what was scanned.
func (f *fieldsScan) fields() (store.Fields, error) {
	if f == nil {
		return store.Fields{}, nil
	}
	vals := make([]any, len(f.decl))
	for i, v := range f.raw {
		if v == nil {
			continue
		}
		var err error
		switch f.decl[i].Type {
		case store.FieldJSON, store.FieldStrings, store.FieldNumbers:
			s, ok := v.(string)
			if !ok {
				return store.Fields{}, fmt.Errorf("field %q: cannot read %T as JSON text", f.decl[i].Name, v)
			}
			vals[i], err = store.ParseFieldJSON(f.decl[i].Type, []byte(s))
		case store.FieldNumber:
			switch x := v.(type) {
			case pgtype.Numeric:
				fl, ferr := x.Float64Value()
				v, err = fl.Float64, ferr
			case int16:
				v = float64(x)
			case int32:
				v = float64(x)
			}
			if err == nil {
				vals[i], err = store.Normalize(store.FieldNumber, v)
			}
		default:
			vals[i], err = store.Normalize(f.decl[i].Type, v)
		}
		if err != nil {
			return store.Fields{}, fmt.Errorf("field %q: %w", f.decl[i].Name, err)
		}
	}
	return store.FieldsFromValues(f.decl, vals), nil
}

var _ store.FieldStore = (*Store)(nil)

// AdditionalFields implements store.FieldStore.
func (s *Store) AdditionalFields() store.AdditionalFields { return s.fields }

// UpdateUserFields implements store.FieldStore with one UPDATE … RETURNING.
func (s *Store) UpdateUserFields(ctx context.Context, id string, set map[string]any, updatedAt time.Time) (store.User, error) {
	t := s.tables.User
	sets, args, err := updateSet("update user fields", t, s.fields.User, set, updatedAt)
	if err != nil {
		return store.User{}, err
	}
	q := `UPDATE ` + store.Quote(t.Name) + ` SET ` + sets + ` WHERE ` + store.Quote(t.Col("id")) + ` = $` + strconv.Itoa(len(args)+1) + ` RETURNING ` + s.sql.rows.user
	return s.scanUser("update user fields", s.pool.QueryRow(ctx, q, append(args, id)...))
}

// UpdateSessionFields implements store.FieldStore with one UPDATE …
// RETURNING.
func (s *Store) UpdateSessionFields(ctx context.Context, token string, set map[string]any, updatedAt time.Time) (store.Session, error) {
	t := s.tables.Session
	sets, args, err := updateSet("update session fields", t, s.fields.Session, set, updatedAt)
	if err != nil {
		return store.Session{}, err
	}
	q := `UPDATE ` + store.Quote(t.Name) + ` SET ` + sets + ` WHERE ` + store.Quote(t.Col("token")) + ` = $` + strconv.Itoa(len(args)+1) + ` RETURNING ` + s.sql.rows.session
	var r sessionRow
	fs := newFieldsScan(s.fields.Session)
	err = s.pool.QueryRow(ctx, q, append(args, token)...).Scan(append(r.dest(), fs.dest()...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Session{}, store.ErrNotFound
	}
	if err != nil {
		return store.Session{}, mapError("update session fields", err)
	}
	return r.sessionWith(fs)
}

// updateSet builds the SET list of an update of the named fields and
// updatedAt. Column names come from the declaration and tbl only.
func updateSet(op string, tbl store.Table, decl []store.Field, set map[string]any, updatedAt time.Time) (string, []any, error) {
	vals, err := store.UpdateValues(decl, make([]any, len(decl)), set)
	if err != nil {
		return "", nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	var sets []string
	var args []any
	for i := range decl {
		if _, ok := set[decl[i].Name]; !ok {
			continue
		}
		if vals[i] == nil && decl[i].Required {
			return "", nil, fmt.Errorf("postgres: %s: %w: %w: %s is required", op, store.ErrInvalid, store.ErrField, decl[i].Name)
		}
		args = append(args, fieldArg(decl[i].Type, vals[i]))
		sets = append(sets, store.Quote(decl[i].Column())+" = $"+strconv.Itoa(len(args)))
	}
	args = append(args, store.Truncate(updatedAt))
	sets = append(sets, store.Quote(tbl.Col("updatedAt"))+" = $"+strconv.Itoa(len(args)))
	return strings.Join(sets, ", "), args, nil
}
