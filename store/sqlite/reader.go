package sqlite

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
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
// goroutine at a time; query_only; the statement prepared once per
// connection; the token copied into a buffer the connection keeps; columns
// read by position.
//
// They are ordinary connections to the same file, with the same settings as
// the pool's (busy timeout, mmap, cache), reading in WAL mode: a lookup
// never waits for a writer and sees every committed write, the store's or
// another process's.
//
// The statement is the store's rendered s.sql.sessionByToken (schema.go),
// so a renamed schema takes this path too: its columns are the session's
// and then the user's fields in a fixed order, whatever their names, and
// scan reads them by position (lookupKinds). A SELECT with other columns
// cannot be read here: openReader refuses one whose column count differs,
// and the store then must not have a pool (Store.readers nil), so that
// SessionByToken goes through database/sql.

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
	uri    string   // the database as a file: URI, without driver parameters
	query  string   // the lookup, prepared on each new connection
	pragma []string // run on each new connection

	slots chan struct{} // one token per connection in use

	mu     sync.Mutex
	idle   []*reader
	closed bool
}

// newReaderPool returns a pool of up to size connections to uri, each
// with query (the store's sessionByToken statement) prepared.
func newReaderPool(uri, query string, busy time.Duration, size int) *readerPool {
	return &readerPool{
		uri:   uri,
		query: query,
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
	r, err := openReader(p.uri, p.query, p.pragma)
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

// reader is one SQLite connection with the lookup prepared on it. It
// is not safe for concurrent use (nor is its libc.TLS).
type reader struct {
	tls  *libc.TLS
	db   uintptr // sqlite3*
	stmt uintptr // sqlite3_stmt*
	arg  uintptr // C buffer holding the bound token
	argN int     // its size
}

// openReader opens uri, runs pragma and prepares query, which must return
// the lookupColumns columns scan reads.
func openReader(uri, query string, pragma []string) (_ *reader, err error) {
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
	r.stmt, rc, err = r.withOut(query, func(q, out uintptr) int32 {
		return sqlite3.Xsqlite3_prepare_v3(r.tls, r.db, q, -1, sqlite3.SQLITE_PREPARE_PERSISTENT, out, 0)
	})
	if err != nil {
		return nil, err
	}
	if rc != sqlite3.SQLITE_OK {
		return nil, fmt.Errorf("prepare (is this Better Auth's schema?): %w", r.error("", rc))
	}
	if n := sqlite3.Xsqlite3_column_count(r.tls, r.stmt); n != lookupColumns {
		return nil, fmt.Errorf("prepare: the lookup returns %d columns, a lookup connection reads %d", n, lookupColumns)
	}
	return r, nil
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
	if r.stmt != 0 {
		sqlite3.Xsqlite3_finalize(r.tls, r.stmt)
		r.stmt = 0
	}
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

// lookup runs the lookup for token. When SQLite fails, lookup reports
// failed, and the pool drops the connection.
func (r *reader) lookup(token string) (ss store.Session, u store.User, failed bool, err error) {
	n := len(token)
	if n+1 > r.argN {
		if r.arg != 0 {
			libc.Xfree(r.tls, r.arg)
		}
		size := max(64, n+1)
		if r.arg = libc.Xmalloc(r.tls, types.Size_t(size)); r.arg == 0 {
			r.argN = 0
			return ss, u, true, errOutOfMemory
		}
		r.argN = size
	}
	copy(unsafe.Slice((*byte)(cPtr(r.arg)), n), token)
	// SQLITE_STATIC (0): the buffer outlives the statement's use of it.
	if rc := sqlite3.Xsqlite3_bind_text(r.tls, r.stmt, 1, r.arg, int32(n), 0); rc != sqlite3.SQLITE_OK {
		return ss, u, true, r.error("bind", rc)
	}
	// reset ends the read transaction the statement holds after a row.
	defer sqlite3.Xsqlite3_reset(r.tls, r.stmt)
	switch rc := sqlite3.Xsqlite3_step(r.tls, r.stmt); rc {
	case sqlite3.SQLITE_ROW:
	case sqlite3.SQLITE_DONE:
		return ss, u, false, store.ErrNotFound
	default:
		return ss, u, true, r.error("", rc)
	}
	// A row that cannot be read is the data's fault, not the connection's.
	err = r.scan(&ss, &u)
	return ss, u, false, err
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

// scan reads the current row. All text columns are copied into one Go
// allocation that the strings share.
func (r *reader) scan(ss *store.Session, u *store.User) error {
	var (
		types [lookupColumns]int32
		ptrs  [lookupColumns]uintptr
		lens  [lookupColumns]int32
		total int
	)
	// The type first: sqlite3_column_text may convert the value.
	for i, k := range lookupKinds {
		types[i] = sqlite3.Xsqlite3_column_type(r.tls, r.stmt, int32(i))
		if k == colBool || types[i] == sqlite3.SQLITE_NULL || k == colDate && types[i] == sqlite3.SQLITE_INTEGER {
			continue
		}
		ptrs[i] = sqlite3.Xsqlite3_column_text(r.tls, r.stmt, int32(i))
		lens[i] = sqlite3.Xsqlite3_column_bytes(r.tls, r.stmt, int32(i))
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
			t, err := r.date(types[i], i, ptrs[i], lens[i])
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
		EmailVerified: sqlite3.Xsqlite3_column_int64(r.tls, r.stmt, 11) != 0, Image: texts[12],
		CreatedAt: times[13], UpdatedAt: times[14]}
	return nil
}

// date reads a date column as timeDest does: text in Better Auth's layout
// (or any store.ParseTime reads), or an integer of Unix milliseconds.
func (r *reader) date(typ int32, i int, p uintptr, n int32) (time.Time, error) {
	switch typ {
	case sqlite3.SQLITE_INTEGER:
		return time.UnixMilli(sqlite3.Xsqlite3_column_int64(r.tls, r.stmt, int32(i))).UTC(), nil
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
