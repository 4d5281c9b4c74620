package providers

import (
	"testing"
	"time"
)

func TestParseAge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string // Age.String() of the result
		wantErr string
	}{
		{name: "days", in: "90d", want: "90d"},
		{name: "weeks", in: "6w", want: "6w"},
		{name: "months", in: "24mo", want: "24mo"},
		{name: "years", in: "2y", want: "2y"},
		{name: "one", in: "1d", want: "1d"},
		{name: "four digits", in: "9999d", want: "9999d"},
		{name: "zero", in: "0d", wantErr: `invalid age "0d": want a whole number and a unit, like 90d, 6w, 24mo or 2y`},
		{name: "leading zero", in: "024mo", wantErr: `invalid age "024mo": want a whole number and a unit, like 90d, 6w, 24mo or 2y`},
		{name: "minutes are not months", in: "24m", wantErr: `invalid age "24m": want a whole number and a unit, like 90d, 6w, 24mo or 2y`},
		{name: "negative", in: "-1d", wantErr: `invalid age "-1d": want a whole number and a unit, like 90d, 6w, 24mo or 2y`},
		{name: "fraction", in: "1.5y", wantErr: `invalid age "1.5y": want a whole number and a unit, like 90d, 6w, 24mo or 2y`},
		{name: "empty", in: "", wantErr: `invalid age "": want a whole number and a unit, like 90d, 6w, 24mo or 2y`},
		{name: "no unit", in: "90", wantErr: `invalid age "90": want a whole number and a unit, like 90d, 6w, 24mo or 2y`},
		{name: "no number", in: "mo", wantErr: `invalid age "mo": want a whole number and a unit, like 90d, 6w, 24mo or 2y`},
		{name: "upper case", in: "24MO", wantErr: `invalid age "24MO": want a whole number and a unit, like 90d, 6w, 24mo or 2y`},
		{name: "space", in: "24 mo", wantErr: `invalid age "24 mo": want a whole number and a unit, like 90d, 6w, 24mo or 2y`},
		{name: "five digits", in: "10000d", wantErr: `invalid age "10000d": want a whole number and a unit, like 90d, 6w, 24mo or 2y`},
		{name: "Go duration", in: "720h", wantErr: `invalid age "720h": want a whole number and a unit, like 90d, 6w, 24mo or 2y`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseAge(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("ParseAge(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				if !got.IsZero() {
					t.Errorf("ParseAge(%q) = %q with an error, want the zero Age", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAge(%q) error = %v", tt.in, err)
			}
			if got.String() != tt.want || got.IsZero() {
				t.Errorf("ParseAge(%q) = %q (IsZero %v), want %q", tt.in, got, got.IsZero(), tt.want)
			}
		})
	}
}

func TestAgeAfter(t *testing.T) {
	t.Parallel()
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 30, 0, 0, time.UTC) }
	tests := []struct {
		name string
		age  string
		from time.Time
		want time.Time
	}{
		// Business Central: a secret set on 31 January 2026 with a 24-month
		// limit expires on 31 January 2028, not 730 days later (30 January).
		{name: "24 months", age: "24mo", from: date(2026, time.January, 31), want: date(2028, time.January, 31)},
		// time.AddDate normalises 31 February 2026 to 3 March 2026; After
		// inherits that rather than clamping to the end of February.
		{name: "one month from the 31st", age: "1mo", from: date(2026, time.January, 31), want: date(2026, time.March, 3)},
		{name: "months across a year", age: "3mo", from: date(2026, time.November, 15), want: date(2027, time.February, 15)},
		{name: "90 days", age: "90d", from: date(2026, time.January, 1), want: date(2026, time.April, 1)},
		{name: "90 days across a leap day", age: "90d", from: date(2028, time.January, 1), want: date(2028, time.March, 31)},
		{name: "6 weeks", age: "6w", from: date(2026, time.January, 1), want: date(2026, time.February, 12)},
		{name: "2 years", age: "2y", from: date(2026, time.June, 30), want: date(2028, time.June, 30)},
		// AddDate again: 29 February 2026 does not exist, so it becomes 1 March.
		{name: "2 years from a leap day", age: "2y", from: date(2024, time.February, 29), want: date(2026, time.March, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := ParseAge(tt.age)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.After(tt.from); !got.Equal(tt.want) {
				t.Errorf("ParseAge(%q).After(%s) = %s, want %s", tt.age, tt.from.Format(time.DateOnly), got.Format(time.DateTime), tt.want.Format(time.DateTime))
			}
		})
	}

	// Calendar units keep the wall clock in the value's own zone.
	zone := time.FixedZone("UTC+10", 10*60*60)
	from := time.Date(2026, time.March, 1, 23, 0, 0, 0, zone)
	if got, want := mustAge(t, "1mo").After(from), time.Date(2026, time.April, 1, 23, 0, 0, 0, zone); !got.Equal(want) || got.Location() != zone {
		t.Errorf("1mo.After(%s) = %s, want %s in the same zone", from, got, want)
	}

	// The zero Age means no limit: After returns its argument.
	if got := (Age{}).After(from); !got.Equal(from) {
		t.Errorf("Age{}.After(%s) = %s, want it unchanged", from, got)
	}
}

func mustAge(t *testing.T, s string) Age {
	t.Helper()
	a, err := ParseAge(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAgeText(t *testing.T) {
	t.Parallel()

	// Round trip through the text interfaces the TOML decoder uses.
	for _, s := range []string{"90d", "6w", "24mo", "2y"} {
		var a Age
		if err := a.UnmarshalText([]byte(s)); err != nil {
			t.Errorf("UnmarshalText(%q) error = %v", s, err)
			continue
		}
		b, err := a.MarshalText()
		if err != nil || string(b) != s {
			t.Errorf("MarshalText() after UnmarshalText(%q) = %q, %v; want %q", s, b, err, s)
		}
	}

	// "" is no limit, and clears a previous value.
	a := mustAge(t, "24mo")
	if err := a.UnmarshalText(nil); err != nil || !a.IsZero() || a.String() != "" {
		t.Errorf("UnmarshalText(\"\") = %q (IsZero %v), %v; want the zero Age and no error", a, a.IsZero(), err)
	}
	if b, err := a.MarshalText(); err != nil || len(b) != 0 {
		t.Errorf("MarshalText() of the zero Age = %q, %v; want empty", b, err)
	}

	// A bad value is an error and leaves the Age as it was.
	a = mustAge(t, "90d")
	err := a.UnmarshalText([]byte("90days"))
	if want := `invalid age "90days": want a whole number and a unit, like 90d, 6w, 24mo or 2y`; err == nil || err.Error() != want {
		t.Errorf("UnmarshalText(\"90days\") error = %v, want %q", err, want)
	}
	if a.String() != "90d" {
		t.Errorf("after a failed UnmarshalText the Age = %q, want it unchanged (90d)", a)
	}
}
