package sqlite

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/libc/sys/types"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sessionkit/sessionkit/store"
)

// The lookup pool. SessionByToken is the one query on every request the
// cookie cache does not answer, and through database/sql and the driver it
// paid for much that a point lookup does not need: the driver reads every
// column's name and declared type on every query, copies the token into
// freshly allocated C memory, and each value makes a trip through
// database/sql's conversions; and SQLite locks the connection's mutex on
// every call, because the driver opens connections with
// SQLITE_OPEN_FULLMUTEX (a constant in its code: no DSN parameter or pragma
// turns it off). So the lookup has connections of its own, opened through
// the C API the driver is built on (modernc.org/sqlite/lib, the same
// SQLite): SQLITE_OPEN_NOMUTEX, since the pool hands a connection to one
// goroutine at a time; query_only; the statements prepared once per
// connection; the token copied into a buffer the connection keeps; columns
// read by position.
//
// They are ordinary connections to the same file, with the same settings as
// the pool's (busy timeout, mmap, cache), reading in WAL mode: a lookup
// never waits for a writer and sees every committed write, the store's or
// another process's.
//
// The statements are the store's rendered s.sql.sessionRowidsByToken and
// sessionByRowids (schema.go; sessionByToken on tables without rowids), so a renamed schema takes this path too:
// their columns are the session's and then the user's fields in a fixed
// order, whatever their names, and scan reads them by position
// (lookupKinds). A SELECT with other columns cannot be read here:
// openReader refuses one whose column count differs, and the store then
// must not have a pool (Store.readers nil), so that SessionByToken goes
// through database/sql.
//
// The hint. A lookup by token walks four B-trees (the token index, the
// session table, the user id index, the user table), each one level deeper
// at a million rows than at ten thousand, and at a million their pages are
// far apart in the memory map: cache and TLB misses made a lookup 1.24-1.34x
// slower at 1M sessions than at 10k, nearly all of it in those walks. So
// the pool remembers where a token's rows were: hints maps a keyed hash of
// the token to the session's and the user's rowids, filled only by lookups
// that found the session, and a token with a hint is read by those rowids
// (sessionByRowids: two rowid seeks, no index). It remembers no content:
// the rows are read from the database as they are at the time of the
// request, and they are the token's only if the session row's token equals
// the token (compared in constant time) and the user row's id equals the
// session's userId (in the statement). Anything else (the session deleted,
// its rowid reused, rowids renumbered by VACUUM, a collision of hashes, a
// slot overwritten meanwhile) drops the hint and reads by token, as a
// token without a hint is read; an SQLite error on either path is the
// lookup's error, never a reason to try the other. The hint is not
// SQLite's page cache (which WAL mode empties whenever another connection
// writes): rowids stay where they are when rows are updated. With it, a
// found token costs about the same CPU at 1M sessions as at 10k
// (bench/README.md: BenchmarkLookup, the rest is the two rowid seeks' one
// more level and colder pages); a miss costs a hash and a slot read more
// than before. A table without rowids (WITHOUT ROWID) fails to prepare
// sessionRowidsByToken, and that connection reads by token only.

// lookupColumns is the number of columns the lookup returns: render's
// sessionFields and then its userFields.
const lookupColumns = 15

var (
	// errReadersClosed is returned by a lookup after Close.
	errReadersClosed = errors.New("sqlite: store is closed")
	// errOutOfMemory is a failed C allocation.
	errOutOfMemory = errors.New("sqlite: out of memory")
)

// readerPool hands out reader connections, at most cap(slots) at a time,
// opening them as needed and keeping them until Close.
type readerPool struct {
	uri    string    // the database as a file: URI, without driver parameters
	sql    lookupSQL // the lookups, prepared on each new connection
	pragma []string  // run on each new connection
	hint   *hints    // shared by the connections

	slots chan struct{} // one token per connection in use

	mu     sync.Mutex
	idle   []*reader
	closed bool
}

// lookupSQL is the statements a reader prepares (rendered by schema.go).
type lookupSQL struct {
	byToken       string // sessionByToken
	rowidsByToken string // sessionRowidsByToken: byToken and the two rowids
	byRowids      string // sessionByRowids
}

// newReaderPool returns a pool of up to size connections to uri, each
// with the store's lookups in st prepared.
func newReaderPool(uri string, st statements, busy time.Duration, size int) *readerPool {
	return &readerPool{
		uri:  uri,
		sql:  lookupSQL{byToken: st.sessionByToken, rowidsByToken: st.sessionRowidsByToken, byRowids: st.sessionByRowids},
		hint: &hints{seed: maphash.MakeSeed()},
		pragma: []string{
			"PRAGMA busy_timeout = " + strconv.FormatInt(busy.Milliseconds(), 10),
			"PRAGMA cache_size = " + strconv.Itoa(defaultCacheSize),
			"PRAGMA mmap_size = " + strconv.Itoa(mmapSize),
			"PRAGMA query_only = 1",
		},
		slots: make(chan struct{}, size),
	}
}

// get returns a reader for the caller's exclusive use; give it back with
// put.
func (p *readerPool) get() (*reader, error) {
	p.slots <- struct{}{}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.slots
		return nil, errReadersClosed
	}
	if n := len(p.idle); n > 0 {
		r := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return r, nil
	}
	p.mu.Unlock()
	r, err := openReader(p.uri, p.sql, p.pragma, p.hint)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return r, nil
}

// put returns r to the pool, or closes it when the pool is closed or r
// failed (a connection that saw an error is not trusted again: the next
// lookup opens a new one).
func (p *readerPool) put(r *reader, failed bool) {
	p.mu.Lock()
	if p.closed || failed {
		p.mu.Unlock()
		r.close()
	} else {
		p.idle = append(p.idle, r)
		p.mu.Unlock()
	}
	<-p.slots
}

// close closes the idle readers; those in use are closed when they come
// back. Later gets fail.
func (p *readerPool) close() error {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	var errs []error
	for _, r := range idle {
		errs = append(errs, r.close())
	}
	return errors.Join(errs...)
}

// reader is one SQLite connection with the lookups prepared on it. It
// is not safe for concurrent use (nor is its libc.TLS).
type reader struct {
	tls   *libc.TLS
	db    uintptr // sqlite3*
	stmt  uintptr // sqlite3_stmt*: by token, then the rowids when hint is set
	byRow uintptr // sqlite3_stmt*: by rowids; 0 when hint is nil
	hint  *hints  // the pool's; nil when the tables have no rowids
	arg   uintptr // C buffer holding the bound token
	argN  int     // its size
}

// openReader opens uri, runs pragma and prepares the lookups of q: by
// token with the rowids and by rowids, using hint, or when the tables have
// no rowids, by token alone. The lookups must return the lookupColumns
// columns scan reads (and then the rowids).
func openReader(uri string, q lookupSQL, pragma []string, hint *hints) (_ *reader, err error) {
	r := &reader{tls: libc.NewTLS()}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	var rc int32
	r.db, rc, err = r.withOut(uri, func(name, out uintptr) int32 {
		return sqlite3.Xsqlite3_open_v2(r.tls, name, out,
			sqlite3.SQLITE_OPEN_READWRITE|sqlite3.SQLITE_OPEN_NOMUTEX|sqlite3.SQLITE_OPEN_URI, 0)
	})
	if err != nil {
		return nil, err
	}
	if rc != sqlite3.SQLITE_OK {
		return nil, r.error("open lookup connection", rc)
	}
	sqlite3.Xsqlite3_extended_result_codes(r.tls, r.db, 1)
	for _, q := range pragma {
		if err := r.exec(q); err != nil {
			return nil, err
		}
	}
	// Both statements with rowids, or the lookup by token alone: the
	// rowid ones fail to prepare only on tables without rowids (the
	// statements differ from the plain one in nothing else), and then the
	// plain one tells whether the schema is readable at all.
	if r.stmt, err = r.prepare(q.rowidsByToken, lookupColumns+2); err == nil {
		if r.byRow, err = r.prepare(q.byRowids, lookupColumns); err == nil {
			r.hint = hint
			return r, nil
		}
	}
	r.finalize()
	if r.stmt, err = r.prepare(q.byToken, lookupColumns); err != nil {
		return nil, err
	}
	return r, nil
}

// prepare prepares query, which must return n columns.
func (r *reader) prepare(query string, n int32) (uintptr, error) {
	stmt, rc, err := r.withOut(query, func(q, out uintptr) int32 {
		return sqlite3.Xsqlite3_prepare_v3(r.tls, r.db, q, -1, sqlite3.SQLITE_PREPARE_PERSISTENT, out, 0)
	})
	if err != nil {
		return 0, err
	}
	if rc != sqlite3.SQLITE_OK {
		return 0, fmt.Errorf("prepare (is this Better Auth's schema?): %w", r.error("", rc))
	}
	if got := sqlite3.Xsqlite3_column_count(r.tls, stmt); got != n {
		sqlite3.Xsqlite3_finalize(r.tls, stmt)
		return 0, fmt.Errorf("prepare: the lookup returns %d columns, a lookup connection reads %d", got, n)
	}
	return stmt, nil
}

// finalize finalizes the prepared statements.
func (r *reader) finalize() {
	for _, st := range []*uintptr{&r.stmt, &r.byRow} {
		if *st != 0 {
			sqlite3.Xsqlite3_finalize(r.tls, *st)
			*st = 0
		}
	}
}

// withOut calls f with arg as a C string and the address of a pointer f
// may set (sqlite3_open_v2's sqlite3**, sqlite3_prepare_v3's stmt**), and
// returns that pointer and f's result code.
func (r *reader) withOut(arg string, f func(arg, out uintptr) int32) (uintptr, int32, error) {
	carg, err := libc.CString(arg)
	if err != nil {
		return 0, 0, err
	}
	defer libc.Xfree(r.tls, carg)
	out := libc.Xmalloc(r.tls, ptrSize)
	if out == 0 {
		return 0, 0, errOutOfMemory
	}
	defer libc.Xfree(r.tls, out)
	*(*uintptr)(cPtr(out)) = 0
	rc := f(carg, out)
	return *(*uintptr)(cPtr(out)), rc, nil
}

// exec runs one statement that returns no rows.
func (r *reader) exec(q string) error {
	cq, err := libc.CString(q)
	if err != nil {
		return err
	}
	defer libc.Xfree(r.tls, cq)
	if rc := sqlite3.Xsqlite3_exec(r.tls, r.db, cq, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return r.error(q, rc)
	}
	return nil
}

// close releases everything r holds.
func (r *reader) close() error {
	var err error
	r.finalize()
	if r.db != 0 {
		if rc := sqlite3.Xsqlite3_close_v2(r.tls, r.db); rc != sqlite3.SQLITE_OK {
			err = fmt.Errorf("sqlite: close lookup connection: %w", sqliteError{code: int(rc), msg: "close failed"})
		}
		r.db = 0
	}
	if r.arg != 0 {
		libc.Xfree(r.tls, r.arg)
		r.arg = 0
	}
	if r.tls != nil {
		r.tls.Close()
		r.tls = nil
	}
	return err
}

// sqliteError is an error of a reader connection: SQLite's extended result
// code and message.
type sqliteError struct {
	code int
	msg  string
}

func (e sqliteError) Error() string {
	return e.msg + " (SQLite result code " + strconv.Itoa(e.code) + ")"
}

// error returns rc and the connection's message as an error, op before it.
func (r *reader) error(op string, rc int32) error {
	e := sqliteError{code: int(rc), msg: "SQLite error " + strconv.Itoa(int(rc))}
	if r.db != 0 {
		e.code = int(sqlite3.Xsqlite3_extended_errcode(r.tls, r.db))
		e.msg = libc.GoString(sqlite3.Xsqlite3_errmsg(r.tls, r.db))
	}
	if op == "" {
		return e
	}
	return fmt.Errorf("%s: %w", op, e)
}

// lookup returns the session of token and its user: by the rowids of its
// hint if it has one and they still hold its rows, else by token (and
// then the hint is set). When SQLite fails, lookup reports failed, and the
// pool drops the connection; a failure never falls back to the other
// statement.
func (r *reader) lookup(token string) (ss store.Session, u store.User, failed bool, err error) {
	if r.hint == nil {
		ss, u, _, _, failed, err = r.byToken(token)
		return ss, u, failed, err
	}
	key := r.hint.key(token)
	if sRow, uRow, ok := r.hint.get(key); ok {
		var found bool
		if ss, u, found, failed, err = r.byRowids(token, sRow, uRow); found || failed {
			return ss, u, failed, err
		}
		r.hint.drop(key)
	}
	var sRow, uRow int64
	if ss, u, sRow, uRow, failed, err = r.byToken(token); err == nil {
		r.hint.put(key, sRow, uRow)
	}
	return ss, u, failed, err
}

// byRowids reads the rows at sRow and uRow, and reports found if they are
// the session of token and its user.
func (r *reader) byRowids(token string, sRow, uRow int64) (ss store.Session, u store.User, found, failed bool, err error) {
	for i, v := range []int64{sRow, uRow} {
		if rc := sqlite3.Xsqlite3_bind_int64(r.tls, r.byRow, int32(i+1), v); rc != sqlite3.SQLITE_OK {
			return ss, u, false, true, r.error("bind", rc)
		}
	}
	defer sqlite3.Xsqlite3_reset(r.tls, r.byRow)
	switch rc := sqlite3.Xsqlite3_step(r.tls, r.byRow); rc {
	case sqlite3.SQLITE_ROW:
	case sqlite3.SQLITE_DONE:
		return ss, u, false, false, nil
	default:
		return ss, u, false, true, r.error("", rc)
	}
	// Column 1 is the session's token (lookupKinds). A token column that
	// is not text (NULL) does not match.
	if sqlite3.Xsqlite3_column_type(r.tls, r.byRow, 1) != sqlite3.SQLITE_TEXT {
		return ss, u, false, false, nil
	}
	got := cBytes(sqlite3.Xsqlite3_column_text(r.tls, r.byRow, 1), sqlite3.Xsqlite3_column_bytes(r.tls, r.byRow, 1))
	if subtle.ConstantTimeCompare(got, unsafe.Slice(unsafe.StringData(token), len(token))) != 1 {
		return ss, u, false, false, nil
	}
	// A row that cannot be read is the data's fault, not the connection's.
	return ss, u, true, false, r.scan(r.byRow, &ss, &u)
}

// byToken reads the session of token and its user, and their rowids when
// the reader has a hint.
func (r *reader) byToken(token string) (ss store.Session, u store.User, sRow, uRow int64, failed bool, err error) {
	n := len(token)
	if n+1 > r.argN {
		if r.arg != 0 {
			libc.Xfree(r.tls, r.arg)
		}
		size := max(64, n+1)
		if r.arg = libc.Xmalloc(r.tls, types.Size_t(size)); r.arg == 0 {
			r.argN = 0
			return ss, u, 0, 0, true, errOutOfMemory
		}
		r.argN = size
	}
	copy(unsafe.Slice((*byte)(cPtr(r.arg)), n), token)
	// SQLITE_STATIC (0): the buffer outlives the statement's use of it.
	if rc := sqlite3.Xsqlite3_bind_text(r.tls, r.stmt, 1, r.arg, int32(n), 0); rc != sqlite3.SQLITE_OK {
		return ss, u, 0, 0, true, r.error("bind", rc)
	}
	// reset ends the read transaction the statement holds after a row.
	defer sqlite3.Xsqlite3_reset(r.tls, r.stmt)
	switch rc := sqlite3.Xsqlite3_step(r.tls, r.stmt); rc {
	case sqlite3.SQLITE_ROW:
	case sqlite3.SQLITE_DONE:
		return ss, u, 0, 0, false, store.ErrNotFound
	default:
		return ss, u, 0, 0, true, r.error("", rc)
	}
	// A row that cannot be read is the data's fault, not the connection's.
	if err = r.scan(r.stmt, &ss, &u); err == nil && r.hint != nil {
		sRow = sqlite3.Xsqlite3_column_int64(r.tls, r.stmt, lookupColumns)
		uRow = sqlite3.Xsqlite3_column_int64(r.tls, r.stmt, lookupColumns+1)
	}
	return ss, u, sRow, uRow, false, err
}

// Columns of the lookup, in order (render's sessionFields, then its
// userFields), and how each is read.
const (
	colText     = iota // text, required
	colNullText        // text, NULL reads as ""
	colDate            // a Better Auth date
	colBool            // 0/1
)

var lookupKinds = [lookupColumns]uint8{
	colText, colText, colText, colDate, colDate, colDate, colNullText, colNullText, // session
	colText, colText, colText, colBool, colNullText, colDate, colDate, // user
}

// scan reads the current row of stmt. All text columns are copied into one
// Go allocation that the strings share.
func (r *reader) scan(stmt uintptr, ss *store.Session, u *store.User) error {
	var (
		types [lookupColumns]int32
		ptrs  [lookupColumns]uintptr
		lens  [lookupColumns]int32
		total int
	)
	// The type first: sqlite3_column_text may convert the value.
	for i, k := range lookupKinds {
		types[i] = sqlite3.Xsqlite3_column_type(r.tls, stmt, int32(i))
		if k == colBool || types[i] == sqlite3.SQLITE_NULL || k == colDate && types[i] == sqlite3.SQLITE_INTEGER {
			continue
		}
		ptrs[i] = sqlite3.Xsqlite3_column_text(r.tls, stmt, int32(i))
		lens[i] = sqlite3.Xsqlite3_column_bytes(r.tls, stmt, int32(i))
		if k != colDate {
			total += int(lens[i])
		}
	}
	buf := make([]byte, 0, total)
	var texts [lookupColumns]string
	var times [lookupColumns]time.Time
	for i, k := range lookupKinds {
		switch k {
		case colText, colNullText:
			if types[i] == sqlite3.SQLITE_NULL {
				if k == colText {
					return fmt.Errorf("column %d is NULL", i)
				}
				continue
			}
			start := len(buf)
			buf = append(buf, cBytes(ptrs[i], lens[i])...)
			texts[i] = unsafe.String(unsafe.SliceData(buf[start:]), len(buf)-start)
		case colDate:
			t, err := r.date(stmt, types[i], i, ptrs[i], lens[i])
			if err != nil {
				return fmt.Errorf("column %d: %w", i, err)
			}
			times[i] = t
		case colBool:
			if types[i] != sqlite3.SQLITE_INTEGER {
				return fmt.Errorf("column %d: cannot read SQLite type %d as a boolean", i, types[i])
			}
		}
	}
	*ss = store.Session{ID: texts[0], Token: texts[1], UserID: texts[2],
		ExpiresAt: times[3], CreatedAt: times[4], UpdatedAt: times[5], IPAddress: texts[6], UserAgent: texts[7]}
	*u = store.User{ID: texts[8], Name: texts[9], Email: texts[10],
		EmailVerified: sqlite3.Xsqlite3_column_int64(r.tls, stmt, 11) != 0, Image: texts[12],
		CreatedAt: times[13], UpdatedAt: times[14]}
	return nil
}

// date reads a date column as timeDest does: text in Better Auth's layout
// (or any store.ParseTime reads), or an integer of Unix milliseconds.
func (r *reader) date(stmt uintptr, typ int32, i int, p uintptr, n int32) (time.Time, error) {
	switch typ {
	case sqlite3.SQLITE_INTEGER:
		return time.UnixMilli(sqlite3.Xsqlite3_column_int64(r.tls, stmt, int32(i))).UTC(), nil
	case sqlite3.SQLITE_TEXT, sqlite3.SQLITE_BLOB:
		// Parsed in place: the fast path keeps nothing of the text. Other
		// layouts get a copy, since time.Parse may keep part of it (a zone
		// name) and its errors quote it.
		b := cBytes(p, n)
		view := unsafe.String(unsafe.SliceData(b), len(b))
		if t, ok := parseFast(view); ok {
			return t, nil
		}
		return store.ParseTime(strings.Clone(view))
	}
	return time.Time{}, fmt.Errorf("cannot read SQLite type %d as a date", typ)
}

// cBytes is the n bytes at p, SQLite's memory, valid until the statement
// moves on.
func cBytes(p uintptr, n int32) []byte {
	if p == 0 || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(cPtr(p)), int(n))
}

// ptrSize is the size of a C pointer.
const ptrSize = types.Size_t(unsafe.Sizeof(uintptr(0)))

// cPtr turns the address of SQLite's (libc's, not Go's) memory into a
// pointer. It reads the uintptr's bits rather than converting it, a
// conversion go vet cannot tell from a misuse of a Go pointer.
func cPtr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

// hintSlots bounds the hints: a direct-mapped table of 65,536 slots of 24
// bytes (1.5 MiB), the slot chosen by the top bits of the key. A token's
// hint lasts until a token whose key maps to the same slot is looked up.
const hintBits = 16

// hints remembers where the rows of tokens that were found are: for a
// keyed hash of the token (maphash with a seed of the pool's, so that
// which tokens share a slot cannot be chosen), the session's and the
// user's rowids. It is safe for concurrent use. A slot's three words are
// written and read without a lock, so a reader may see a mix of two hints;
// like any wrong hint, that fails lookup's checks and reads by token.
type hints struct {
	seed  maphash.Seed
	slots [1 << hintBits]hintSlot
}

type hintSlot struct {
	key, sRow, uRow atomic.Uint64 // key 0: empty
}

// key is the hint's key of token, never 0.
func (h *hints) key(token string) uint64 { return maphash.String(h.seed, token) | 1 }

func (h *hints) slot(key uint64) *hintSlot { return &h.slots[key>>(64-hintBits)] }

// get returns the rowids hinted for key.
func (h *hints) get(key uint64) (sRow, uRow int64, ok bool) {
	sl := h.slot(key)
	if sl.key.Load() != key {
		return 0, 0, false
	}
	return int64(sl.sRow.Load()), int64(sl.uRow.Load()), true
}

// put hints sRow and uRow for key, in place of whatever its slot held.
func (h *hints) put(key uint64, sRow, uRow int64) {
	sl := h.slot(key)
	sl.key.Store(0)
	sl.sRow.Store(uint64(sRow))
	sl.uRow.Store(uint64(uRow))
	sl.key.Store(key)
}

// drop forgets key's hint, unless its slot holds another key by now.
func (h *hints) drop(key uint64) { h.slot(key).key.CompareAndSwap(key, 0) }
