// Package postgres is a store.Store on PostgreSQL in Better Auth's schema,
// for running several instances of a service (or a service and a Better Auth
// app) on one database.
//
// It uses github.com/jackc/pgx/v5 with a pgxpool connection pool. Open
// creates the Better Auth tables and indexes that are missing (user,
// session, account, verification, with timestamptz dates and
// boolean booleans) and never drops anything, so it also opens a database
// Better Auth created, and several instances may start at once; the only
// change it makes to an existing table is to add the columns of declared
// additional fields (Options.Fields, fields.go) that it lacks.
//
// Every query is prepared on first use on each pooled connection and cached
// by pgx, so SessionByToken, the hot path, is one round trip: one probe of
// the unique index on session.token joined to the user by primary key.
// Behind a transaction-mode connection pooler (PgBouncer before 1.21),
// which cannot keep prepared statements, add default_query_exec_mode=exec
// to the connection string.
//
// A background sweeper deletes expired sessions in small batches with
// FOR UPDATE SKIP LOCKED, so any number of instances can sweep at the same
// time without waiting for each other or deleting a row twice.
//
// When the database goes away (a restart, a failover), calls fail with the
// driver's error, never with store.ErrNotFound, so the Manager answers 503
// rather than signing anyone out; the pool reconnects by itself once the
// database is back.
//
// Like store/sqlite, it only reads and writes the user and session tables
// (and the credential rows of account, and the rateLimit table);
// Options.Schema gives them the names Better Auth's modelName, fields and
// usePlural give them (store.Schema), rendered into every statement in one
// place (schema.go). It does not support extra NOT NULL columns without
// defaults that plugins may add, unless they are declared in
// Options.Fields.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessionkit/sessionkit/store"
)

// Options configures Open. The zero value gives the defaults.
type Options struct {
	// SweepInterval is how often a background goroutine deletes expired
	// sessions; the first sweep runs right after Open. Zero means one hour.
	// A negative value disables the sweeper (call DeleteExpired yourself, or
	// let another instance or Better Auth clean up).
	SweepInterval time.Duration
	// SweepBatch is the most sessions one sweep statement deletes, so that
	// a sweep never holds many row locks for long. Zero means 500.
	SweepBatch int
	// Logger receives the sweeper's errors (Error) and counts (Debug). Nil
	// means slog.Default(). It never receives tokens or the password of the
	// connection string.
	Logger *slog.Logger
	// Now is the sweeper's clock. Nil means time.Now.
	Now func() time.Time
	// Fields declares the additional fields of users and sessions, as the
	// Better Auth app sharing the database declares them. Open creates
	// their columns as Better Auth's migrator does for PostgreSQL (number
	// is integer, as there), in new tables and in existing ones that lack
	// them (a required column needs a fixed default; without one Open
	// fails). See fields.go.
	Fields store.AdditionalFields
	// Schema names the tables and columns, as the Better Auth app's
	// modelName, fields and usePlural name them. The zero Schema is Better
	// Auth's default naming. Open refuses a Schema naming a table or
	// column the database lacks (an error wrapping store.ErrSchema).
	Schema store.Schema
}

// Defaults for the zero Options.
const (
	defaultSweepInterval = time.Hour
	defaultSweepBatch    = 500
)

// Store is a store.Store and store.CredentialStore on PostgreSQL in Better
// Auth's schema. It is safe for concurrent use, and by any number of
// processes sharing the database.
type Store struct {
	pool   *pgxpool.Pool
	sql    statements   // every statement, with Options.Schema's names (schema.go)
	tables store.Tables // those names

	log        *slog.Logger
	now        func() time.Time
	sweepBatch int
	sweeper    *store.Sweeper // nil when the sweeper is off
	rl         rateLimitState // see ratelimit.go
	feed       feedState      // revocation feed watchers (feed.go)
	fields     store.AdditionalFields

	closeOnce sync.Once
}

var (
	_ store.Store           = (*Store)(nil)
	_ store.CredentialStore = (*Store)(nil)
)

// Open connects to the PostgreSQL database at dsn, creates the Better Auth
// tables and indexes that are missing and, unless o.SweepInterval is
// negative, starts the expired-session sweeper. Close stops it and closes
// the pool.
//
// dsn is a libpq connection string or URL, such as
// "postgres://user:password@127.0.0.1:5432/app?sslmode=disable"; pgxpool's
// parameters (pool_max_conns, pool_min_conns, pool_max_conn_lifetime, …)
// and PostgreSQL run-time parameters (search_path, application_name, …)
// are accepted in it. ctx bounds the connection and the migration.
//
// Errors never repeat dsn, which may hold a password.
func Open(ctx context.Context, dsn string, o Options) (*Store, error) {
	tables, err := o.Schema.Resolve()
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = defaultSweepInterval
	}
	if o.SweepBatch <= 0 {
		o.SweepBatch = defaultSweepBatch
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := o.Fields.Validate(); err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgconn's parse errors redact the password.
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: connect: %w", err)
	}
	s := &Store{pool: pool, sql: render(tables, o.Fields), tables: tables, log: o.Logger, now: o.Now, sweepBatch: o.SweepBatch, fields: o.Fields}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if o.SweepInterval > 0 {
		s.sweeper = store.StartSweeper(s, o.SweepInterval, s.sweepBatch, s.now, s.log.With("store", "postgres"))
	}
	return s, nil
}

// migrate creates what is missing of the schema in one transaction, under
// an advisory lock so that instances starting together take turns.
func (s *Store) migrate(ctx context.Context) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		for _, q := range s.sql.schema {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		if err := createIndexes(ctx, tx, slices.Concat(s.sql.indexes, s.sql.oauth.indexes)...); err != nil {
			return err
		}
		// CREATE TABLE IF NOT EXISTS leaves an existing table as it is,
		// so a misspelt column of Options.Schema is caught here, not as
		// a failed sign-in.
		expiryLocal, err := checkColumns(ctx, tx, s.tables)
		if err != nil {
			return err
		}
		if err := addMissingColumns(ctx, tx, s.tables.User.Name, s.fields.User); err != nil {
			return err
		}
		if err := addMissingColumns(ctx, tx, s.tables.Session.Name, s.fields.Session); err != nil {
			return err
		}
		s.feed.schema, err = migrateFeed(ctx, tx, s.tables.Session, expiryLocal)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: open: create schema: %w", err)
	}
	return nil
}

// mapError turns constraint violations into the store's sentinel errors,
// keeping PostgreSQL's message.
func mapError(op string, err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505": // unique_violation
			return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrDuplicate, err)
		case "23503": // foreign_key_violation
			return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrNotFound, err)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// Pool returns the underlying connection pool, for queries this package
// does not offer (reading accounts, say). Do not close it: call Close.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Tables returns the table and column names the store uses
// (Options.Schema, resolved), for queries of your own through Pool: quote
// them with store.Quote.
func (s *Store) Tables() store.Tables { return s.tables }

// Close stops the sweeper, waiting for a sweep in progress to end, and
// closes the pool. It always returns nil; calling it again does nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.sweeper.Stop()
		s.feed.stop()
		s.pool.Close()
	})
	return nil
}

// CreateUser implements store.Store. The email is stored lower-cased and an
// empty Image as NULL, as Better Auth does.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if err := u.Required(); err != nil {
		return fmt.Errorf("postgres: create user: %w", err)
	}
	args, err := s.userArgs(u)
	if err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, s.sql.insertUser, args...); err != nil {
		return mapError("create user", err)
	}
	return nil
}

// userArgs are s.sql.insertUser's arguments for u.
func (s *Store) userArgs(u store.User) ([]any, error) {
	fields, err := fieldArgs("create user", s.fields.User, u.Fields)
	if err != nil {
		return nil, err
	}
	return append([]any{u.ID, u.Name, strings.ToLower(u.Email), u.EmailVerified,
		pgtype.Text{String: u.Image, Valid: u.Image != ""}, store.Truncate(u.CreatedAt), store.Truncate(u.UpdatedAt)}, fields...), nil
}

// UserByID implements store.Store.
func (s *Store) UserByID(ctx context.Context, id string) (store.User, error) {
	return s.scanUser("user by id", s.pool.QueryRow(ctx, s.sql.userByID, id))
}

// UserByEmail implements store.Store. The lookup is case-insensitive because
// emails are stored lower-cased.
func (s *Store) UserByEmail(ctx context.Context, email string) (store.User, error) {
	return s.scanUser("user by email", s.pool.QueryRow(ctx, s.sql.userByEmail, strings.ToLower(email)))
}

func (s *Store) scanUser(op string, row pgx.Row) (store.User, error) {
	var u userRow
	fs := newFieldsScan(s.fields.User)
	err := row.Scan(append(u.dest(), fs.dest()...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, store.ErrNotFound
	}
	if err != nil {
		return store.User{}, mapError(op, err)
	}
	out := u.user()
	if out.Fields, err = fs.fields(); err != nil {
		return store.User{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	return out, nil
}

// CreateSession implements store.Store. IPAddress and UserAgent are stored
// as given ("" stays "", as Better Auth writes it).
func (s *Store) CreateSession(ctx context.Context, ss store.Session) error {
	if err := ss.Required(); err != nil {
		return fmt.Errorf("postgres: create session: %w", err)
	}
	fields, err := fieldArgs("create session", s.fields.Session, ss.Fields)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, s.sql.insertSession, append([]any{ss.ID, ss.Token, ss.UserID,
		store.Truncate(ss.ExpiresAt), store.Truncate(ss.CreatedAt), store.Truncate(ss.UpdatedAt),
		ss.IPAddress, ss.UserAgent}, fields...)...)
	if err != nil {
		return mapError("create session", err)
	}
	return nil
}

// SessionByToken implements store.Store with one prepared JOIN: a single
// round trip once the connection has prepared it.
func (s *Store) SessionByToken(ctx context.Context, token string) (store.Session, store.User, error) {
	var r struct {
		s sessionRow
		u userRow
	}
	sf, uf := newFieldsScan(s.fields.Session), newFieldsScan(s.fields.User)
	dest := make([]any, 0, 15)
	dest = append(dest, r.s.dest()...)
	dest = append(dest, sf.dest()...)
	dest = append(dest, r.u.dest()...)
	dest = append(dest, uf.dest()...)
	err := s.pool.QueryRow(ctx, s.sql.sessionByToken, token).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Session{}, store.User{}, store.ErrNotFound
	}
	if err != nil {
		return store.Session{}, store.User{}, fmt.Errorf("postgres: session by token: %w", err)
	}
	ss, err := r.s.sessionWith(sf)
	if err != nil {
		return store.Session{}, store.User{}, err
	}
	u := r.u.user()
	if u.Fields, err = uf.fields(); err != nil {
		return store.Session{}, store.User{}, fmt.Errorf("postgres: session by token: %w", err)
	}
	return ss, u, nil
}

// SlideSession implements store.Store with one UPDATE … RETURNING.
func (s *Store) SlideSession(ctx context.Context, token string, expiresAt, updatedAt time.Time) (store.Session, error) {
	var r sessionRow
	fs := newFieldsScan(s.fields.Session)
	err := s.pool.QueryRow(ctx, s.sql.slideSession, store.Truncate(expiresAt), store.Truncate(updatedAt), token).Scan(append(r.dest(), fs.dest()...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Session{}, store.ErrNotFound
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("postgres: slide session: %w", err)
	}
	return r.sessionWith(fs)
}

// DeleteSession implements store.Store.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if _, err := s.pool.Exec(ctx, s.sql.deleteSession, token); err != nil {
		return fmt.Errorf("postgres: delete session: %w", err)
	}
	return nil
}

// ListSessions implements store.Store.
func (s *Store) ListSessions(ctx context.Context, userID string, now time.Time) ([]store.Session, error) {
	rows, err := s.pool.Query(ctx, s.sql.listSessions, userID, store.Truncate(now))
	if err != nil {
		return nil, fmt.Errorf("postgres: list sessions: %w", err)
	}
	defer rows.Close()
	var out []store.Session
	var r sessionRow
	fs := newFieldsScan(s.fields.Session)
	dest := append(r.dest(), fs.dest()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("postgres: list sessions: %w", err)
		}
		ss, err := r.sessionWith(fs)
		if err != nil {
			return nil, err
		}
		out = append(out, ss)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list sessions: %w", err)
	}
	return out, nil
}

// DeleteUserSessions implements store.Store.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	if _, err := s.pool.Exec(ctx, s.sql.deleteUserSessions, userID); err != nil {
		return fmt.Errorf("postgres: delete user sessions: %w", err)
	}
	return nil
}

// DeleteOtherSessions implements store.Store.
func (s *Store) DeleteOtherSessions(ctx context.Context, userID, keepToken string) error {
	if _, err := s.pool.Exec(ctx, s.sql.deleteOtherSessions, userID, keepToken); err != nil {
		return fmt.Errorf("postgres: delete other sessions: %w", err)
	}
	return nil
}

// DeleteExpired implements store.Store with one DELETE of at most limit
// rows, skipping rows another sweeper holds. A limit of zero or less
// deletes nothing.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	tag, err := s.pool.Exec(ctx, s.sql.deleteExpired, store.Truncate(now), limit)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired sessions: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// SetPassword implements store.CredentialStore in one statement: it updates
// the user's credential account, or creates it when missing.
func (s *Store) SetPassword(ctx context.Context, userID, hash string, now time.Time) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return mapError("set password", err)
	}
	defer tx.Rollback(ctx)
	// Lock the user's row, so that two calls for a user without a password
	// take turns instead of both inserting a credential account.
	tag, err := tx.Exec(ctx, s.sql.lockUser, userID)
	if err != nil {
		return mapError("set password", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: set password: user %w", store.ErrNotFound)
	}
	if _, err := tx.Exec(ctx, s.sql.setPassword, userID, hash, store.Truncate(now), store.NewID()); err != nil {
		return mapError("set password", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return mapError("set password", err)
	}
	return nil
}

// CreateUserWithPassword implements store.CredentialStore: the user and
// its credential account are inserted in one transaction.
func (s *Store) CreateUserWithPassword(ctx context.Context, u store.User, hash string) error {
	if err := u.Required(); err != nil {
		return fmt.Errorf("postgres: create user: %w", err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return mapError("create user", err)
	}
	defer tx.Rollback(ctx)
	args, err := s.userArgs(u)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, s.sql.insertUser, args...); err != nil {
		return mapError("create user", err)
	}
	if _, err := tx.Exec(ctx, s.sql.insertPassword, store.NewID(), u.ID, hash, store.Truncate(u.CreatedAt)); err != nil {
		return mapError("create user: credential account", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return mapError("create user", err)
	}
	return nil
}

// PasswordHash implements store.CredentialStore.
func (s *Store) PasswordHash(ctx context.Context, userID string) (string, error) {
	var h string
	err := s.pool.QueryRow(ctx, s.sql.passwordHash, userID).Scan(&h)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", store.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("postgres: password hash: %w", err)
	}
	return h, nil
}

// userRow holds a scanned user row: nullable image as pgtype.Text, so that
// scanning allocates nothing beyond the strings.
type userRow struct {
	id, name, email  string
	verified         bool
	image            pgtype.Text
	created, updated time.Time
}

func (r *userRow) dest() []any {
	return []any{&r.id, &r.name, &r.email, &r.verified, &r.image, &r.created, &r.updated}
}

func (r *userRow) user() store.User {
	return store.User{ID: r.id, Name: r.name, Email: r.email, EmailVerified: r.verified, Image: r.image.String,
		CreatedAt: r.created.UTC(), UpdatedAt: r.updated.UTC()}
}

// sessionRow holds a scanned session row, in sessionColumns order.
type sessionRow struct {
	id, token, userID         string
	expires, created, updated time.Time
	ip, agent                 pgtype.Text
}

func (r *sessionRow) dest() []any {
	return []any{&r.id, &r.token, &r.userID, &r.expires, &r.created, &r.updated, &r.ip, &r.agent}
}

// sessionWith is session with the fields fs scanned.
func (r *sessionRow) sessionWith(fs *fieldsScan) (store.Session, error) {
	out := r.session()
	var err error
	if out.Fields, err = fs.fields(); err != nil {
		return store.Session{}, fmt.Errorf("postgres: session: %w", err)
	}
	return out, nil
}

func (r *sessionRow) session() store.Session {
	return store.Session{ID: r.id, Token: r.token, UserID: r.userID,
		ExpiresAt: r.expires.UTC(), CreatedAt: r.created.UTC(), UpdatedAt: r.updated.UTC(),
		IPAddress: r.ip.String, UserAgent: r.agent.String}
}
