// Package logcapture is a slog.Handler that keeps every record, for tests
// that assert the events a package logs.
package logcapture

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// Handler keeps every record it handles. Safe for concurrent use.
type Handler struct {
	mu   sync.Mutex
	recs []Record
}

// Record is one logged record: its level, message, context and attributes
// (values as slog prints them).
type Record struct {
	Level   slog.Level
	Message string
	Ctx     context.Context
	Attrs   map[string]string
}

// New returns a Handler and a Logger writing to it.
func New() (*Handler, *slog.Logger) {
	h := &Handler{}
	return h, slog.New(h)
}

// Enabled is true at every level.
func (h *Handler) Enabled(context.Context, slog.Level) bool { return true }

// Handle keeps r.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	rec := Record{Level: r.Level, Message: r.Message, Ctx: ctx, Attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs[a.Key] = a.Value.Resolve().String()
		return true
	})
	h.mu.Lock()
	h.recs = append(h.recs, rec)
	h.mu.Unlock()
	return nil
}

// WithAttrs is not supported: the packages under test log plain records.
func (h *Handler) WithAttrs([]slog.Attr) slog.Handler { return h }

// WithGroup is not supported, as WithAttrs.
func (h *Handler) WithGroup(string) slog.Handler { return h }

// Records returns the records with that message, in order.
func (h *Handler) Records(msg string) []Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Record
	for _, r := range h.recs {
		if r.Message == msg {
			out = append(out, r)
		}
	}
	return out
}

// Reset forgets every record.
func (h *Handler) Reset() {
	h.mu.Lock()
	h.recs = nil
	h.mu.Unlock()
}

// Contains returns the first record whose message or an attribute
// contains s, or "" when none does: a test asserts that no secret leaked.
func (h *Handler) Contains(s string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.recs {
		line := fmt.Sprint(r.Message, r.Attrs)
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}
