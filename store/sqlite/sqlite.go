// Package sqlite is sessionkit's default store.Store: a SQLite database file
// in Better Auth's own schema, so a Go service and a Better Auth app can share
// one database and each other's sessions.
//
// It uses modernc.org/sqlite (pure Go, no cgo). Open creates the Better Auth
// tables and indexes that are missing (user, session, account, verification;
// as Better Auth's migrator makes them) and never drops anything, so it also opens a database
// Better Auth created; the only change it makes to an existing table is to
// add the columns of declared additional fields (Options.Fields, fields.go)
// that it lacks, as Better Auth's migrator would. Values use Better Auth's encodings: dates
// are ISO-8601 text in UTC with milliseconds, booleans are 0/1, a missing
// image is NULL, and emails are lower-cased.
//
// # Settings
//
// Every connection of the pool gets these settings (DSN parameters, since
// database/sql opens connections at will), each for a reason:
//
//   - journal_mode=WAL (persistent; Better Auth's SQLite drivers handle it):
//     readers never wait for writers, and a commit is one append to the WAL.
//   - synchronous=NORMAL: a transaction is committed once its frames are
//     written to the WAL, before SQLite answers; the WAL is fsynced before
//     each checkpoint and the database file after it. A write the store
//     acknowledged survives a crash or kill -9 of the process (it is in the
//     operating system's page cache; TestSQLiteKill9 in internal/multi
//     checks it); a power loss or kernel crash may roll back the commits
//     made since the last checkpoint, but never corrupts the file. FULL
//     would fsync the WAL at every commit; this store has always used
//     NORMAL. When the WAL is synced: see wal_autocheckpoint below.
//   - busy_timeout (Options.BusyTimeout, 5 s): wait for another connection
//     or process holding the write lock instead of failing at once.
//   - foreign_keys=ON, as Better Auth's schema expects (cascades).
//   - BEGIN IMMEDIATE for transactions: take the write lock up front so a
//     transaction never fails halfway while upgrading its lock.
//   - mmap_size=1 GiB: lookups read B-tree pages from a memory map of the
//     file instead of copying them with pread (address space, not memory:
//     the pages are the kernel's page cache, shared by all connections).
//     Only reads use the map; writes still go through the WAL.
//   - cache_size=16 MiB per connection (an upper bound, filled on demand):
//     with the map serving reads, it holds the pages a write transaction
//     changes and those read back from the WAL. The sweep's connection
//     has 64 MiB while it sweeps (sweep.go), so a batch's changed pages
//     do not spill into the WAL before its commit.
//   - journal_size_limit=64 MiB: what a rewound WAL keeps on disk.
//   - wal_autocheckpoint stays at SQLite's 1,000 pages on every pool
//     connection: the commit that passes it checkpoints (PASSIVE) and so
//     fsyncs the WAL, which bounds what a power loss can take, and keeps
//     the WAL small between the WAL guard's checkpoints. The sweep's
//     connection turns it off while it sweeps and checkpoints (PASSIVE,
//     then TRUNCATE) between its batches once the WAL passes 32 MiB, so
//     that it fsyncs per 32 MiB of WAL instead of twice per batch.
//
// What synchronous=NORMAL gives, then: a commit acknowledged to the caller
// survives the process's crash; a power loss or kernel crash keeps every
// commit up to the WAL's last fsync, which each checkpoint does (normally
// within 1,000 pages, about 4 MiB, of WAL; during a sweep within 32 MiB:
// the sweep's deletions, which the next sweep repeats, and the commits of
// other connections whose own automatic checkpoint found the checkpoint
// lock taken), and never corrupts the file. The sweep changes no setting
// of any other connection.
//
// SQLite's automatic checkpoints never complete while lookups and sign-ins
// keep the WAL in use, so the WAL would grow without bound (hundreds of MiB
// in seconds of sign-ins). A goroutine of the store therefore looks at the
// WAL's size every 50 ms, or when a write finds it past 16 MiB, and past
// 16 MiB checkpoints it (PASSIVE, then TRUNCATE, which waits up to 100 ms
// for readers and briefly holds off writers). That alone kept the WAL under
// 64 MiB only on a quiet machine: a TRUNCATE fails whenever a sign-in's own
// automatic checkpoint holds SQLite's checkpoint lock, and with the CPU
// starved the WAL reached up to 153 MiB. So this process's sign-ins and
// slides look at the WAL's size (a stat, at most one a millisecond between
// them) before they write, and past 48 MiB wait until the store has emptied
// it, at most the busy timeout (then they fail, having written nothing) or
// until their context ends: the WAL stays under 48 MiB plus one write per
// connection whatever the load (TestWALBounded), as long as no other process
// keeps a read transaction open on it for longer than the busy timeout
// (which then fails this process's sign-ins until it ends:
// TestWALGateLongReader). Another process's writes, sign-outs and the
// sweep's batches are not held back. While a sweep runs, the guard only
// copies frames (PASSIVE) beside the sweep's batches, unless the WAL is past
// 48 MiB, and the sweep empties the WAL between them; one checkpoint of the
// store runs at a time. See wal.go.
//
// Open also creates one index of its own, sessionkit_session_expiresAt_idx,
// so the sweeper deletes expired sessions without scanning the table (see
// sweepSchema and Options.SweepBatch). It never runs ANALYZE or PRAGMA
// optimize, which with this driver make the prepared statements recompile
// on every call.
//
// # The lookup
//
// SessionByToken, run on every request the cookie cache does not answer,
// does not go through database/sql: it has a pool of its own of up to
// MaxOpenConns connections to the same file, opened through SQLite's C API
// as modernc.org/sqlite/lib exposes it (the same SQLite the driver runs),
// with the settings above (busy timeout, mmap, cache) and query_only. Each
// has the lookup prepared once and is used by one goroutine at a time, so
// it is opened with SQLITE_OPEN_NOMUTEX: the driver opens every connection
// with SQLITE_OPEN_FULLMUTEX, a constant in its code that no DSN parameter
// or pragma changes, which makes every SQLite call lock and unlock a mutex
// nobody else takes. The driver also read every column's name and
// declared type and allocated C memory for the token on each query, and
// database/sql converted every value: the lookup costs 1 allocation
// instead of 70 (see reader.go and BenchmarkLookup). A lookup that SQLite
// fails drops its connection. The pool runs the same rendered statement
// as the rest of the store, so a renamed Options.Schema takes it too; the
// statement stays prepared in database/sql as well, for a lookup the pool
// cannot read (Store.readers nil).
//
// The store only reads and writes the user and session tables (and the
// credential rows of account); account and verification are created for
// Better Auth's benefit and left alone. Options.Schema gives the tables and
// columns the names Better Auth's modelName, fields and usePlural give
// them (store.Schema); every statement is rendered from those names in one
// place (schema.go). It does not support integer dates (drizzle-kit's and
// Prisma's SQLite schemas; Open refuses them), nor extra NOT NULL columns
// without defaults that plugins may add, unless they are declared in
// Options.Fields.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sessionkit/sessionkit/store"
)

// Options configures OpenWith. The zero value gives the defaults Open uses.
type Options struct {
	// SweepInterval is how often a background goroutine deletes expired
	// sessions; the first sweep runs right after Open. Zero means one hour.
	// A negative value disables the sweeper (call DeleteExpired yourself, or
	// let Better Auth's own cleanup run).
	SweepInterval time.Duration
	// SweepBatch is how many sessions the first statement of a sweep
	// deletes, and the fewest any does. Later batches double while one
	// holds the write lock under 50 ms and no writer of this process waits
	// (up to 2,000), and halve when they do (see SweepExpired). Zero
	// means 500.
	SweepBatch int
	// BusyTimeout is how long a statement waits for another connection or
	// process (such as a Better Auth app) to release the database lock before
	// failing with "database is locked". Zero means five seconds.
	BusyTimeout time.Duration
	// MaxOpenConns caps the connection pool, and separately the pool of
	// lookup connections SessionByToken uses (see the package
	// documentation), so a process holds at most twice as many. Zero means
	// the larger of 4 and GOMAXPROCS. Idle connections are kept up to the
	// same number, because opening one re-runs the PRAGMAs and re-prepares
	// every statement.
	MaxOpenConns int
	// Logger receives the sweeper's errors (Error) and counts (Debug). Nil
	// means slog.Default().
	Logger *slog.Logger
	// Now is the sweeper's clock. Nil means time.Now.
	Now func() time.Time
	// Fields declares the additional fields of users and sessions, as the
	// Better Auth app sharing the database declares them. Open creates
	// their columns as Better Auth's migrator does: in new tables, and in
	// existing ones that lack them (a required column needs a fixed
	// default to fill existing rows; without one Open fails, as Better
	// Auth's migrator refuses). See fields.go for the encodings.
	Fields store.AdditionalFields
	// Schema names the tables and columns, as the Better Auth app's
	// modelName, fields and usePlural name them. The zero Schema is Better
	// Auth's default naming. OpenWith refuses a Schema naming a table or
	// column the database lacks (an error wrapping store.ErrSchema).
	Schema store.Schema

	// sqlLookup makes SessionByToken use the prepared database/sql
	// statement instead of the lookup pool (the tests of that path).
	sqlLookup bool
}

// Defaults for the zero Options.
const (
	defaultSweepInterval = time.Hour
	defaultSweepBatch    = 500
	defaultBusyTimeout   = 5 * time.Second
)

// Per-connection settings; see dsn.
const (
	// defaultCacheSize is SQLite's page cache per connection, in KiB when
	// negative (PRAGMA cache_size).
	defaultCacheSize = -16384
	// mmapSize is how much of the file SQLite reads through a memory map
	// (PRAGMA mmap_size), so a lookup does not copy its B-tree pages.
	mmapSize = 1 << 30
	// journalSizeLimit is the size SQLite truncates the WAL to after a
	// checkpoint reset it (PRAGMA journal_size_limit).
	journalSizeLimit = 64 << 20
)

// Store is a store.Store on a SQLite file in Better Auth's schema. It is safe
// for concurrent use, and by several processes sharing the file.
type Store struct {
	db     *sql.DB
	path   string
	sql    statements   // every statement, with Options.Schema's names (schema.go)
	tables store.Tables // those names

	insertUser          *sql.Stmt
	userByID            *sql.Stmt
	userByEmail         *sql.Stmt
	insertSession       *sql.Stmt
	sessionByToken      *sql.Stmt // SessionByToken when readers is nil
	slideSession        *sql.Stmt
	deleteSession       *sql.Stmt
	listSessions        *sql.Stmt
	deleteUserSessions  *sql.Stmt
	deleteOtherSessions *sql.Stmt
	deleteExpired       *sql.Stmt
	updatePassword      *sql.Stmt
	insertPassword      *sql.Stmt
	passwordHash        *sql.Stmt

	// readers are SessionByToken's connections (reader.go); nil when they
	// cannot serve it, and then sessionByToken does.
	readers *readerPool

	log        *slog.Logger
	busy       time.Duration // busy_timeout of the pool's connections
	now        func() time.Time
	sweepBatch int
	sweeper    *store.Sweeper // nil when the sweeper is off
	fields     store.AdditionalFields

	feed feedState // revocation feed watchers (feed.go)

	walStop context.CancelFunc // stops walGuard (wal.go); nil when not started
	walDone chan struct{}
	walFile string     // the WAL's file name ("" without a main file)
	ckptMu  sync.Mutex // one checkpoint at a time (checkpointOn)
	gate    walGate    // where writes wait while the WAL is past walLimit

	// The sweep (sweep.go).
	sweepPolicy sweepPolicy
	sweeping    atomic.Int32 // sweeps in progress that checkpoint themselves
	// Failure injection for the tests: sweepHook runs at the sweep's steps
	// ("pragma", "batch") with the sweep's connection, ckptHook before each
	// checkpoint; an error fails the step.
	sweepHook func(step string, c *sql.Conn) error
	ckptHook  func() error

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if needed) the SQLite database at path with the
// default Options. See OpenWith.
func Open(path string) (*Store, error) { return OpenWith(path, Options{}) }

// OpenWith opens (creating it if needed) the SQLite database at path, creates
// the Better Auth tables and indexes that are missing, prepares every query
// and, unless o.SweepInterval is negative, starts the expired-session
// sweeper. Close stops it.
//
// path is a file name, or a SQLite URI starting with "file:" (see
// https://www.sqlite.org/uri.html), to which OpenWith appends its own
// parameters. The store writes, so a read-only URI (mode=ro) fails here. Every
// connection runs with the settings in the package documentation;
// write transactions begin IMMEDIATE. In-memory
// databases are not supported: each pooled connection would see its own.
//
// Problems with the file surface here rather than at the first query: the
// error names the path and says when the directory is missing, the file is
// not a SQLite database, or the database is read-only.
func OpenWith(path string, o Options) (*Store, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	if err := o.Fields.Validate(); err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	tables, err := o.Schema.Resolve()
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = defaultSweepInterval
	}
	if o.SweepBatch <= 0 {
		o.SweepBatch = defaultSweepBatch
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = defaultBusyTimeout
	}
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = max(4, runtime.GOMAXPROCS(0))
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}

	db, err := sql.Open("sqlite", dsn(path, o.BusyTimeout))
	if err != nil {
		return nil, openError(path, err)
	}
	db.SetMaxOpenConns(o.MaxOpenConns)
	db.SetMaxIdleConns(o.MaxOpenConns)

	s := &Store{db: db, path: path, sql: render(tables, o.Fields), tables: tables, log: o.Logger, busy: o.BusyTimeout, now: o.Now, sweepBatch: o.SweepBatch, sweepPolicy: defaultSweepPolicy, fields: o.Fields, gate: walGate{wake: make(chan struct{}, 1)}}
	// SessionByToken goes through the lookup pool unless it cannot serve
	// the lookup: it reads the 15 core columns of s.sql.sessionByToken by
	// position (lookupKinds in reader.go), so with additional fields (extra
	// columns in that SELECT) readers stays nil and the prepared
	// s.sessionByToken serves.
	if !o.sqlLookup && o.Fields.Empty() {
		s.readers = newReaderPool(fileURI(path), s.sql, o.BusyTimeout, o.MaxOpenConns)
	}
	s.feed.dsn = dsn(path, o.BusyTimeout)
	if err := s.init(); err != nil {
		s.closeStatements()
		db.Close()
		return nil, err
	}
	file, err := s.mainFile(context.Background())
	if err != nil {
		s.closeStatements()
		db.Close()
		return nil, openError(path, err)
	}
	if file != "" {
		s.walFile = file + "-wal"
		ctx, cancel := context.WithCancel(context.Background())
		s.walStop, s.walDone = cancel, make(chan struct{})
		go s.walGuard(ctx)
	}
	if o.SweepInterval > 0 {
		s.sweeper = store.StartSweepFunc(s.SweepExpired, o.SweepInterval, s.now, s.log.With("store", "sqlite", "path", path))
	}
	return s, nil
}

// checkPath rejects paths that cannot work and, for plain file names, a
// missing directory, which SQLite would only report as "unable to open
// database file".
func checkPath(path string) error {
	switch {
	case path == "":
		return fmt.Errorf("sqlite: open %q: empty path", path)
	case path == ":memory:" || strings.HasPrefix(path, "file::memory:") ||
		strings.HasPrefix(path, "file:") && strings.Contains(path, "mode=memory"):
		return fmt.Errorf("sqlite: open %q: in-memory databases are not supported (use store/memory)", path)
	case strings.HasPrefix(path, "file:"):
		return nil // a URI: SQLite resolves it
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("sqlite: open %q: directory %q does not exist: %w", path, dir, err)
	case err != nil:
		return fmt.Errorf("sqlite: open %q: %w", path, err)
	case !fi.IsDir():
		return fmt.Errorf("sqlite: open %q: %q is not a directory", path, dir)
	}
	return nil
}

// dsn turns path into a modernc.org/sqlite data source name. The PRAGMAs are
// DSN parameters, not statements run once, because database/sql opens new
// connections at will and each one needs them. busy_timeout comes first so
// that switching to WAL waits for other connections instead of failing.
func dsn(path string, busy time.Duration) string {
	params := "_pragma=busy_timeout(" + strconv.FormatInt(busy.Milliseconds(), 10) + ")" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=journal_mode(WAL)" +
		// NORMAL is safe in WAL mode: a power loss may lose the last
		// commits, never corrupt the file.
		"&_pragma=synchronous(NORMAL)" +
		"&_pragma=cache_size(" + strconv.Itoa(defaultCacheSize) + ")" +
		"&_pragma=mmap_size(" + strconv.Itoa(mmapSize) + ")" +
		"&_pragma=journal_size_limit(" + strconv.Itoa(journalSizeLimit) + ")" +
		// BEGIN IMMEDIATE takes the write lock up front, so a transaction
		// never fails halfway with SQLITE_BUSY while upgrading its lock.
		"&_txlock=immediate"
	uri := fileURI(path)
	if strings.Contains(uri, "?") {
		return uri + "&" + params
	}
	return uri + "?" + params
}

// fileURI returns path as a SQLite file: URI: a URI as given, a file name
// escaped, so that '?', '#' and '%' in it are not read as parameters.
func fileURI(path string) string {
	if strings.HasPrefix(path, "file:") {
		return path
	}
	u := url.URL{Path: filepath.ToSlash(path)}
	return "file:" + u.EscapedPath()
}

// init creates the schema and prepares the statements.
func (s *Store) init() error {
	ctx := context.Background()
	// The first connection runs the PRAGMAs, which read the file header:
	// this is where a file that is not a database is caught.
	if err := s.db.PingContext(ctx); err != nil {
		return openError(s.path, err)
	}
	// One IMMEDIATE transaction, which also fails on a read-only database,
	// so that is reported now rather than at the first sign-in. BEGIN
	// IMMEDIATE alone does not tell (SQLite quietly starts a read
	// transaction on a read-only connection), and CREATE … IF NOT EXISTS
	// writes nothing once the tables exist, hence the probe: a DELETE that
	// matches no row but needs a write transaction.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return openError(s.path, err)
	}
	for _, q := range slices.Concat(s.sql.schema, s.sql.feed, []string{s.sql.writeProbe}) {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			return openError(s.path, fmt.Errorf("create schema: %w", err))
		}
	}
	// CREATE TABLE IF NOT EXISTS leaves an existing table as it is, so a
	// misspelt column of Options.Schema is caught here, not as a failed
	// sign-in.
	if err := checkColumns(ctx, tx, s.tables); err != nil {
		tx.Rollback()
		return fmt.Errorf("sqlite: open %q: %w", s.path, err)
	}
	for _, t := range []struct {
		name string
		decl []store.Field
	}{{s.tables.User.Name, s.fields.User}, {s.tables.Session.Name, s.fields.Session}} {
		if err := addMissingColumns(ctx, tx, t.name, t.decl); err != nil {
			tx.Rollback()
			return openError(s.path, fmt.Errorf("additional fields: %w", err))
		}
	}
	if err := createIndexes(ctx, tx, slices.Concat(s.sql.indexes, []store.Index{s.sql.sweep}, s.sql.oauth.indexes)...); err != nil {
		tx.Rollback()
		return openError(s.path, fmt.Errorf("create schema: %w", err))
	}
	if err := tx.Commit(); err != nil {
		return openError(s.path, err)
	}

	for _, p := range []struct {
		stmt **sql.Stmt
		q    string
	}{
		{&s.insertUser, s.sql.insertUser},
		{&s.userByID, s.sql.userByID},
		{&s.userByEmail, s.sql.userByEmail},
		{&s.insertSession, s.sql.insertSession},
		{&s.sessionByToken, s.sql.sessionByToken},
		{&s.slideSession, s.sql.slideSession},
		{&s.deleteSession, s.sql.deleteSession},
		{&s.listSessions, s.sql.listSessions},
		{&s.deleteUserSessions, s.sql.deleteUserSessions},
		{&s.deleteOtherSessions, s.sql.deleteOtherSessions},
		{&s.deleteExpired, s.sql.deleteExpired},
		{&s.updatePassword, s.sql.updatePassword},
		{&s.insertPassword, s.sql.insertPassword},
		{&s.passwordHash, s.sql.passwordHash},
	} {
		st, err := s.db.PrepareContext(ctx, p.q)
		if err != nil {
			return fmt.Errorf("sqlite: open %q: prepare (is this Better Auth's schema?): %w", s.path, err)
		}
		*p.stmt = st
	}
	return nil
}

// openError wraps an error from opening path, saying in words what the
// common SQLite codes mean.
func openError(path string, err error) error {
	switch sqliteCode(err) & 0xff {
	case sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("sqlite: open %q: not a SQLite database: %w", path, err)
	case sqlite3.SQLITE_READONLY:
		return fmt.Errorf("sqlite: open %q: database is read-only: %w", path, err)
	case sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("sqlite: open %q: cannot open the database file: %w", path, err)
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("sqlite: open %q: database is locked by another connection: %w", path, err)
	}
	return fmt.Errorf("sqlite: open %q: %w", path, err)
}

// sqliteCode returns the extended SQLite result code in err, or 0.
func sqliteCode(err error) int {
	var e *msqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// mapError turns constraint violations into the store's sentinel errors,
// keeping SQLite's message.
func mapError(op string, err error) error {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("sqlite: %s: %w: %w", op, store.ErrDuplicate, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("sqlite: %s: %w: %w", op, store.ErrNotFound, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// DB returns the underlying pool, for queries this package does not offer
// (reading accounts, say). Do not close it: call Close.
func (s *Store) DB() *sql.DB { return s.db }

// Tables returns the table and column names the store uses
// (Options.Schema, resolved), for queries of your own through DB: quote
// them with store.Quote.
func (s *Store) Tables() store.Tables { return s.tables }

// Close stops the sweeper, waiting for a sweep in progress to end, and closes
// the database. Calling it again returns the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.sweeper.Stop()
		if s.walStop != nil {
			s.walStop()
			<-s.walDone
		}
		s.feed.stop()
		var readers error
		if s.readers != nil {
			readers = s.readers.close()
		}
		s.closeErr = errors.Join(readers, s.closeStatements(), s.db.Close())
	})
	return s.closeErr
}

func (s *Store) closeStatements() error {
	var errs []error
	for _, st := range []*sql.Stmt{
		s.insertUser, s.userByID, s.userByEmail, s.insertSession, s.sessionByToken, s.slideSession,
		s.deleteSession, s.listSessions, s.deleteUserSessions, s.deleteOtherSessions, s.deleteExpired,
		s.updatePassword, s.insertPassword, s.passwordHash,
	} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// CreateUser implements store.Store. The email is stored lower-cased and an
// empty Image as NULL, as Better Auth does.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if err := u.Required(); err != nil {
		return fmt.Errorf("sqlite: create user: %w", err)
	}
	args, err := s.userArgs(u)
	if err != nil {
		return err
	}
	done, err := s.beginWrite(ctx, "create user") // waits while the WAL is full (wal.go)
	if err != nil {
		return err
	}
	defer done() // the sweep yields to it (sweep.go)
	if _, err := s.insertUser.ExecContext(ctx, args...); err != nil {
		return mapError("create user", err)
	}
	return nil
}

// userArgs are the insertUser statement's arguments for u.
func (s *Store) userArgs(u store.User) ([]any, error) {
	var image any
	if u.Image != "" {
		image = u.Image
	}
	fields, err := fieldArgs("create user", s.fields.User, u.Fields)
	if err != nil {
		return nil, err
	}
	return append([]any{u.ID, u.Name, strings.ToLower(u.Email), boolInt(u.EmailVerified), image,
		store.FormatTime(u.CreatedAt), store.FormatTime(u.UpdatedAt)}, fields...), nil
}

// UserByID implements store.Store.
func (s *Store) UserByID(ctx context.Context, id string) (store.User, error) {
	return s.scanUser("user by id", s.userByID.QueryRowContext(ctx, id))
}

// UserByEmail implements store.Store. The lookup is case-insensitive because
// emails are stored lower-cased.
func (s *Store) UserByEmail(ctx context.Context, email string) (store.User, error) {
	return s.scanUser("user by email", s.userByEmail.QueryRowContext(ctx, strings.ToLower(email)))
}

func (s *Store) scanUser(op string, row *sql.Row) (store.User, error) {
	var u store.User
	err := row.Scan(append(userDest(&u), scanFields(s.fields.User, &u.Fields)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, store.ErrNotFound
	}
	if err != nil {
		return store.User{}, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return u, nil
}

// CreateSession implements store.Store. IPAddress and UserAgent are stored
// as given ("" stays "", as Better Auth writes it).
func (s *Store) CreateSession(ctx context.Context, ss store.Session) error {
	if err := ss.Required(); err != nil {
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	fields, err := fieldArgs("create session", s.fields.Session, ss.Fields)
	if err != nil {
		return err
	}
	done, err := s.beginWrite(ctx, "create session") // waits while the WAL is full (wal.go)
	if err != nil {
		return err
	}
	defer done() // the sweep yields to it (sweep.go)
	_, err = s.insertSession.ExecContext(ctx, append([]any{ss.ID, ss.Token, ss.UserID,
		store.FormatTime(ss.ExpiresAt), store.FormatTime(ss.CreatedAt), store.FormatTime(ss.UpdatedAt),
		ss.IPAddress, ss.UserAgent}, fields...)...)
	if err != nil {
		return mapError("create session", err)
	}
	return nil
}

// SessionByToken implements store.Store with one prepared JOIN
// (s.sql.sessionByToken), run on a connection of the lookup pool
// (reader.go), or through database/sql when the pool cannot serve it
// (readers is nil).
//
// It is the hot path, run on every request the cookie cache does not answer.
// The lookup is one index probe that never waits for writers in WAL mode,
// so the context is checked once here and its cancellation is not watched
// during the query: through database/sql, a context that can be cancelled
// makes database/sql and modernc.org/sqlite each start a goroutine to watch
// it, about a third of the lookup. Waiting for a free connection is not
// cancellable either; each pool has MaxOpenConns.
func (s *Store) SessionByToken(ctx context.Context, token string) (store.Session, store.User, error) {
	if err := ctx.Err(); err != nil {
		return store.Session{}, store.User{}, err
	}
	if s.readers != nil {
		return s.readerLookup(token)
	}
	return s.lookup(context.WithoutCancel(ctx), token)
}

// readerLookup runs the lookup on a connection of the lookup pool.
func (s *Store) readerLookup(token string) (store.Session, store.User, error) {
	r, err := s.readers.get()
	if err != nil {
		return store.Session{}, store.User{}, fmt.Errorf("sqlite: session by token: %w", err)
	}
	ss, u, failed, err := r.lookup(token)
	s.readers.put(r, failed)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.Session{}, store.User{}, err
		}
		return store.Session{}, store.User{}, fmt.Errorf("sqlite: session by token: %w", err)
	}
	return ss, u, nil
}

// lookup runs the lookup through database/sql's prepared sessionByToken,
// with ctx as given.
func (s *Store) lookup(ctx context.Context, token string) (store.Session, store.User, error) {
	return s.lookupWith(ctx, s.sessionByToken, token)
}

// lookupWith runs the hot-path query st (the statement, or its copy in a
// transaction).
func (s *Store) lookupWith(ctx context.Context, st *sql.Stmt, token string) (store.Session, store.User, error) {
	var ss store.Session
	var u store.User
	dest := make([]any, 0, lookupColumns) // constant: stays on the stack without fields
	dest = append(dest, sessionDest(&ss)...)
	dest = append(dest, scanFields(s.fields.Session, &ss.Fields)...)
	dest = append(dest, userDest(&u)...)
	dest = append(dest, scanFields(s.fields.User, &u.Fields)...)
	err := st.QueryRowContext(ctx, token).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, store.User{}, store.ErrNotFound
	}
	if err != nil {
		return store.Session{}, store.User{}, fmt.Errorf("sqlite: session by token: %w", err)
	}
	return ss, u, nil
}

// SlideSession implements store.Store with one UPDATE … RETURNING.
func (s *Store) SlideSession(ctx context.Context, token string, expiresAt, updatedAt time.Time) (store.Session, error) {
	done, err := s.beginWrite(ctx, "slide session") // waits while the WAL is full (wal.go)
	if err != nil {
		return store.Session{}, err
	}
	defer done() // the sweep yields to it (sweep.go)
	var ss store.Session
	err = s.slideSession.QueryRowContext(ctx, store.FormatTime(expiresAt), store.FormatTime(updatedAt), token).
		Scan(append(sessionDest(&ss), scanFields(s.fields.Session, &ss.Fields)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, store.ErrNotFound
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("sqlite: slide session: %w", err)
	}
	return ss, nil
}

// DeleteSession implements store.Store.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	defer s.write()() // the sweep yields to it (sweep.go); never held back by the WAL's size (wal.go)
	if _, err := s.deleteSession.ExecContext(ctx, token); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

// ListSessions implements store.Store. Like Better Auth, it compares
// expiresAt with now as ISO-8601 text.
func (s *Store) ListSessions(ctx context.Context, userID string, now time.Time) ([]store.Session, error) {
	rows, err := s.listSessions.QueryContext(ctx, userID, store.FormatTime(now))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list sessions: %w", err)
	}
	defer rows.Close()
	var out []store.Session
	for rows.Next() {
		var ss store.Session
		if err := rows.Scan(append(sessionDest(&ss), scanFields(s.fields.Session, &ss.Fields)...)...); err != nil {
			return nil, fmt.Errorf("sqlite: list sessions: %w", err)
		}
		out = append(out, ss)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list sessions: %w", err)
	}
	return out, nil
}

// DeleteUserSessions implements store.Store.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	defer s.write()() // the sweep yields to it (sweep.go); never held back by the WAL's size (wal.go)
	if _, err := s.deleteUserSessions.ExecContext(ctx, userID); err != nil {
		return fmt.Errorf("sqlite: delete user sessions: %w", err)
	}
	return nil
}

// DeleteOtherSessions implements store.Store.
func (s *Store) DeleteOtherSessions(ctx context.Context, userID, keepToken string) error {
	defer s.write()() // the sweep yields to it (sweep.go); never held back by the WAL's size (wal.go)
	if _, err := s.deleteOtherSessions.ExecContext(ctx, userID, keepToken); err != nil {
		return fmt.Errorf("sqlite: delete other sessions: %w", err)
	}
	return nil
}

// DeleteExpired implements store.Store with one DELETE of at most limit rows.
// A limit of zero or less deletes nothing (SQLite would read a negative
// LIMIT as no limit).
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	res, err := s.deleteExpired.ExecContext(ctx, store.FormatTime(now), limit)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return int(n), nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// userDest returns Scan destinations for a user's columns, in render's order.
func userDest(u *store.User) []any {
	return []any{&u.ID, &u.Name, &u.Email, boolDest{&u.EmailVerified}, nullStringDest{&u.Image},
		timeDest{&u.CreatedAt}, timeDest{&u.UpdatedAt}}
}

// sessionDest returns Scan destinations for a session's columns, in render's order.
func sessionDest(ss *store.Session) []any {
	return []any{&ss.ID, &ss.Token, &ss.UserID, timeDest{&ss.ExpiresAt}, timeDest{&ss.CreatedAt},
		timeDest{&ss.UpdatedAt}, nullStringDest{&ss.IPAddress}, nullStringDest{&ss.UserAgent}}
}

// timeDest scans a Better Auth date. The driver hands columns declared
// "date" over as time.Time when it can parse them, and as text otherwise
// (and for RETURNING columns); integers are taken as Unix milliseconds, which
// some tools write.
type timeDest struct{ t *time.Time }

// Scan implements sql.Scanner.
func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*d.t = v.UTC()
	case string:
		t, err := parseTime(v)
		if err != nil {
			return err
		}
		*d.t = t
	case []byte:
		t, err := parseTime(string(v))
		if err != nil {
			return err
		}
		*d.t = t
	case int64:
		*d.t = time.UnixMilli(v).UTC()
	default:
		return fmt.Errorf("cannot read %T as a date", src)
	}
	return nil
}

// nullStringDest scans nullable text, NULL reading as "".
type nullStringDest struct{ s *string }

// Scan implements sql.Scanner.
func (d nullStringDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.s = ""
	case string:
		*d.s = v
	case []byte:
		*d.s = string(v)
	default:
		return fmt.Errorf("cannot read %T as text", src)
	}
	return nil
}

// boolDest scans Better Auth's 0/1 booleans.
type boolDest struct{ b *bool }

// Scan implements sql.Scanner.
func (d boolDest) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*d.b = v != 0
	case bool:
		*d.b = v
	default:
		return fmt.Errorf("cannot read %T as a boolean", src)
	}
	return nil
}
