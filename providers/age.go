package providers

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Age is a calendar length such as "24mo", "90d", "2y" or "6w". Calendar
// units matter: Microsoft Entra secrets live "24 months", not 730 days.
// The zero Age means no limit.
type Age struct {
	n    int
	unit string // "d", "w", "mo" or "y"
}

var agePattern = regexp.MustCompile(`^([1-9][0-9]{0,3})(d|w|mo|y)$`)

// ParseAge parses "N" followed by d (days), w (weeks), mo (months) or y (years).
func ParseAge(s string) (Age, error) {
	m := agePattern.FindStringSubmatch(s)
	if m == nil {
		return Age{}, fmt.Errorf("invalid age %q: want a whole number and a unit, like 90d, 6w, 24mo or 2y", s)
	}
	n, _ := strconv.Atoi(m[1]) // the pattern allows only digits
	return Age{n: n, unit: m[2]}, nil
}

// IsZero reports whether the age is unset (no limit).
func (a Age) IsZero() bool { return a.n == 0 }

// After returns the time a value set at t reaches this age.
func (a Age) After(t time.Time) time.Time { return a.shift(t, 1) }

// Before returns the time this long before t.
func (a Age) Before(t time.Time) time.Time { return a.shift(t, -1) }

// shift moves t by the age, forwards (sign 1) or backwards (sign -1).
func (a Age) shift(t time.Time, sign int) time.Time {
	n := sign * a.n
	switch a.unit {
	case "d":
		return t.AddDate(0, 0, n)
	case "w":
		return t.AddDate(0, 0, 7*n)
	case "mo":
		return t.AddDate(0, n, 0)
	case "y":
		return t.AddDate(n, 0, 0)
	}
	return t
}

// String returns the age as written, or "" for no limit.
func (a Age) String() string {
	if a.IsZero() {
		return ""
	}
	return strconv.Itoa(a.n) + a.unit
}

// MarshalText implements encoding.TextMarshaler.
func (a Age) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Age) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*a = Age{}
		return nil
	}
	v, err := ParseAge(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
