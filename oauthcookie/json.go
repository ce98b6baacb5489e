package oauthcookie

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// objectWriter writes a JSON object member by member, strings escaped as
// JSON.stringify does for everything but U+2028 and U+2029 (which Go
// escapes; JSON.parse reads both forms).
type objectWriter struct {
	buf bytes.Buffer
	enc *json.Encoder
	n   int
	err error
}

func newObjectWriter() *objectWriter {
	w := &objectWriter{}
	w.buf.WriteByte('{')
	w.enc = json.NewEncoder(&w.buf)
	w.enc.SetEscapeHTML(false)
	return w
}

// value writes member k with v encoded by encoding/json.
func (w *objectWriter) value(k string, v any) {
	if w.err != nil {
		return
	}
	if w.n > 0 {
		w.buf.WriteByte(',')
	}
	w.n++
	w.encode(k)
	w.buf.WriteByte(':')
	w.encode(v)
}

func (w *objectWriter) encode(v any) {
	if w.err = w.enc.Encode(v); w.err == nil {
		w.buf.Truncate(w.buf.Len() - 1) // Encode's newline
	}
}

func (w *objectWriter) str(k, v string) { w.value(k, v) }

// optStr writes k unless v is "" (undefined in Better Auth's object).
func (w *objectWriter) optStr(k, v string) {
	if v != "" {
		w.value(k, v)
	}
}

func (w *objectWriter) num(k string, v int64) { w.raw(k, json.RawMessage(strconv.FormatInt(v, 10))) }

// raw writes k with v as it is; v must be valid JSON.
func (w *objectWriter) raw(k string, v json.RawMessage) {
	if w.err == nil && !json.Valid(v) {
		w.err = fmt.Errorf("oauthcookie: member %q is not valid JSON", k)
	}
	w.value(k, v)
}

func (w *objectWriter) close() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	w.buf.WriteByte('}')
	return w.buf.Bytes(), nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// object reads a JSON object's members; the last of a repeated name wins,
// as in JSON.parse.
func object(b []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalid)
	}
	return m, nil
}

// reqString reads member k as a string: ok is false when it is absent; a
// member of another type (null included) is an error, as for zod's
// z.string().optional().
func reqString(m map[string]json.RawMessage, k string) (s string, ok bool, err error) {
	raw, ok := m[k]
	if !ok {
		return "", false, nil
	}
	if len(raw) == 0 || raw[0] != '"' {
		return "", true, fmt.Errorf("%w: %s is not a string", ErrInvalid, k)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, fmt.Errorf("%w: %s is not a string", ErrInvalid, k)
	}
	return s, true, nil
}
