package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// This file is everything the store does for additional fields
// (Options.Fields): their columns, as Better Auth's migrator creates them
// for SQLite, the query fragments that read and write them, and their
// encodings, which are Better Auth's Kysely adapter's for SQLite: text;
// numbers as numbers (integer affinity); booleans as 0/1; dates as
// ISO-8601 text; string[], number[] and json as JSON text. The columns
// follow the core ones in declaration order, as in Better Auth's tables.

// fieldSQLType is Better Auth's SQLite column type for t.
func fieldSQLType(t store.FieldType) string {
	switch t {
	case store.FieldNumber, store.FieldBoolean:
		return "integer"
	case store.FieldDate:
		return "date"
	}
	return "text" // string, string[], number[], json
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

// fieldNames returns ", <column>" for each field: the columns an
// INSERT names.
func fieldNames(decl []store.Field) string {
	var b strings.Builder
	for i := range decl {
		b.WriteString(", " + store.Quote(decl[i].Column()))
	}
	return b.String()
}

// addMissingColumns adds, as Better Auth's migrator would, the columns of
// fields that an existing table lacks. A required field needs a default
// that SQLite can store (a string, number or boolean one), as SQLite
// refuses a NOT NULL column without one.
func addMissingColumns(ctx context.Context, tx *sql.Tx, table string, decl []store.Field) error {
	if len(decl) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT "name" FROM pragma_table_info(?)`, table)
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
			d, isFunc := f.Default.(func() any)
			lit, ok := defaultLiteral(f)
			if d != nil || isFunc || !ok {
				return fmt.Errorf("table %q lacks the required column %q and it has no fixed string, number or boolean default to fill existing rows: add it yourself (or run Better Auth's migrator)", table, f.Column())
			}
			q += ` not null default ` + lit
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("add column %q to %q: %w", f.Column(), table, err)
		}
	}
	return nil
}

// defaultLiteral is f's default as Kysely writes it in DDL.
func defaultLiteral(f *store.Field) (string, bool) {
	switch v := f.Default.(type) {
	case string:
		return `'` + strings.ReplaceAll(v, `'`, `''`) + `'`, f.Type == store.FieldString
	case bool:
		if v {
			return "1", f.Type == store.FieldBoolean
		}
		return "0", f.Type == store.FieldBoolean
	}
	if n, err := store.Normalize(store.FieldNumber, f.Default); err == nil && f.Type == store.FieldNumber && f.Default != nil {
		return fmt.Sprint(n), true
	}
	return "", false
}

// fieldCols returns ", <prefix><column>" for each field, dates selected as
// +col (see the Queries comment in schema.go): the columns a SELECT or
// RETURNING reads.
func fieldCols(decl []store.Field, prefix string) string {
	var b strings.Builder
	for i := range decl {
		b.WriteString(", ")
		if decl[i].Type == store.FieldDate {
			b.WriteByte('+')
		}
		b.WriteString(prefix + store.Quote(decl[i].Column()))
	}
	return b.String()
}

// fieldArgs returns f's values as the store writes them, in decl's order.
func fieldArgs(op string, decl []store.Field, f store.Fields) ([]any, error) {
	vals, err := f.Align(decl)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w: %w", op, store.ErrInvalid, err)
	}
	for i, v := range vals {
		if vals[i], err = fieldArg(v); err != nil {
			return nil, fmt.Errorf("sqlite: %s: field %q: %w", op, decl[i].Name, err)
		}
	}
	return vals, nil
}

// fieldArg encodes one normalized value.
func fieldArg(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, float64:
		return x, nil
	case bool:
		return boolInt(x), nil
	case time.Time:
		return store.FormatTime(x), nil
	case json.RawMessage:
		return string(x), nil
	case []string, []float64:
		b, err := json.Marshal(x)
		return string(b), err
	}
	return nil, fmt.Errorf("%w: cannot store %T", store.ErrField, v)
}

// scanFields returns Scan destinations for decl's columns, which fill the
// Fields it stores in dst.
func scanFields(decl []store.Field, dst *store.Fields) []any {
	if len(decl) == 0 {
		return nil
	}
	vals := make([]any, len(decl))
	*dst = store.FieldsFromValues(decl, vals)
	out := make([]any, len(decl))
	for i := range decl {
		out[i] = fieldDest{t: decl[i].Type, v: &vals[i]}
	}
	return out
}

// fieldDest scans one additional field in Better Auth's encoding.
type fieldDest struct {
	t store.FieldType
	v *any
}

// Scan implements sql.Scanner.
func (d fieldDest) Scan(src any) error {
	if src == nil {
		*d.v = nil
		return nil
	}
	if b, ok := src.([]byte); ok {
		src = string(b)
	}
	var v any
	var err error
	switch d.t {
	case store.FieldString:
		v = src
	case store.FieldNumber:
		switch x := src.(type) {
		case int64:
			v = float64(x)
		case float64:
			v = x
		default:
			err = fmt.Errorf("cannot read %T as a number", src)
		}
	case store.FieldBoolean:
		var b bool
		err = boolDest{&b}.Scan(src)
		v = b
	case store.FieldDate:
		var t time.Time
		err = timeDest{&t}.Scan(src)
		v = t
	default: // JSON text
		s, ok := src.(string)
		if !ok {
			return fmt.Errorf("cannot read %T as JSON text", src)
		}
		v, err = store.ParseFieldJSON(d.t, []byte(s))
	}
	if err != nil {
		return err
	}
	*d.v, err = store.Normalize(d.t, v)
	return err
}

var _ store.FieldStore = (*Store)(nil)

// AdditionalFields implements store.FieldStore.
func (s *Store) AdditionalFields() store.AdditionalFields { return s.fields }

// UpdateUserFields implements store.FieldStore: one UPDATE of the named
// columns and updatedAt, and the user read back, in one transaction.
func (s *Store) UpdateUserFields(ctx context.Context, id string, set map[string]any, updatedAt time.Time) (store.User, error) {
	var u store.User
	err := s.updateFields(ctx, "user", s.tables.User, "id", s.fields.User, set, updatedAt, id, func(tx *sql.Tx) error {
		var err error
		u, err = s.scanUser("update user fields", tx.StmtContext(ctx, s.userByID).QueryRowContext(ctx, id))
		return err
	})
	return u, err
}

// UpdateSessionFields implements store.FieldStore.
func (s *Store) UpdateSessionFields(ctx context.Context, token string, set map[string]any, updatedAt time.Time) (store.Session, error) {
	var ss store.Session
	err := s.updateFields(ctx, "session", s.tables.Session, "token", s.fields.Session, set, updatedAt, token, func(tx *sql.Tx) error {
		var err error
		ss, _, err = s.lookupWith(ctx, tx.StmtContext(ctx, s.sessionByToken), token)
		return err
	})
	return ss, err
}

// updateFields sets the named fields of the row of tbl whose keyField
// (Better Auth's field name) is key, then calls read inside the same
// transaction. Column names come from the declaration and tbl only.
func (s *Store) updateFields(ctx context.Context, model string, tbl store.Table, keyField string, decl []store.Field, set map[string]any, updatedAt time.Time, key string, read func(*sql.Tx) error) error {
	op := "update " + model + " fields"
	vals, err := store.UpdateValues(decl, make([]any, len(decl)), set)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	var sets []string
	var args []any
	for i := range decl {
		if _, ok := set[decl[i].Name]; !ok {
			continue
		}
		if vals[i] == nil && decl[i].Required {
			return fmt.Errorf("sqlite: %s: %w: %w: %s is required", op, store.ErrInvalid, store.ErrField, decl[i].Name)
		}
		a, err := fieldArg(vals[i])
		if err != nil {
			return fmt.Errorf("sqlite: %s: %w", op, err)
		}
		sets = append(sets, store.Quote(decl[i].Column())+" = ?")
		args = append(args, a)
	}
	sets = append(sets, store.Quote(tbl.Col("updatedAt"))+" = ?")
	args = append(args, store.FormatTime(updatedAt), key)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return mapError(op, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE `+store.Quote(tbl.Name)+` SET `+strings.Join(sets, ", ")+` WHERE `+store.Quote(tbl.Col(keyField))+` = ?`, args...)
	if err != nil {
		return mapError(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	if err := read(tx); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return err
		}
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return mapError(op, err)
	}
	return nil
}
