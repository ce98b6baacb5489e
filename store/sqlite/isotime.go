package sqlite

import (
	"time"

	"github.com/sessionkit/sessionkit/store"
)

// parseTime parses a date as store.ParseTime does, with a fast path for the
// one layout Better Auth and this store write, 2006-01-02T15:04:05.000Z,
// which every lookup reads five times: time.Parse costs about as much as
// the rest of the row's decoding. Anything the fast path does not accept
// goes to store.ParseTime, so the results are the same (FuzzParseTime).
func parseTime(s string) (time.Time, error) {
	if t, ok := parseFast(s); ok {
		return t, nil
	}
	return store.ParseTime(s) // the same result or error as time.Parse
}

// parseFast parses s when it is in Better Auth's layout and a valid date,
// and reports whether it was. It keeps nothing of s.
func parseFast(s string) (time.Time, bool) {
	if len(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
		s[16] != ':' || s[19] != '.' || s[23] != 'Z' {
		return time.Time{}, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	ms, ok7 := digits(s[20:23])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(time.Month(month), year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, ms*1e6, time.UTC), true
}

// digits parses s, ASCII digits only.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int(c)
	}
	return n, true
}

// daysIn returns the number of days of month in year.
func daysIn(month time.Month, year int) int {
	if month == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31 - int(month-1)%7%2
}
