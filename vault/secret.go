package vault

import "fmt"

const redacted = "[redacted]"

// Secret is a credential value. It prints as "[redacted]" with every fmt verb
// (including %v, %+v, %#v, %s, %q, %x and %d) and marshals to "[redacted]" as
// text or JSON, so it cannot leak through logs, errors or reports. Call
// [Secret.Reveal] only at the point where the value is actually sent somewhere.
//
// fmt cannot call methods on unexported struct fields, so a Secret held in an
// unexported field of a struct that is itself printed with %v is printed raw.
// Keep Secrets in exported fields or local variables.
//
// The zero Secret is the empty value.
type Secret struct{ v string }

// NewSecret wraps v.
func NewSecret(v string) Secret { return Secret{v: v} }

// Reveal returns the value.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether the value is empty.
func (s Secret) IsZero() bool { return s.v == "" }

// String returns "[redacted]".
func (s Secret) String() string { return redacted }

// GoString returns "[redacted]".
func (s Secret) GoString() string { return redacted }

// Format writes "[redacted]" for every verb and flag. Without it, verbs such
// as %d or %x would print the underlying field.
func (s Secret) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(redacted)) }

// MarshalText returns "[redacted]".
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON returns the JSON string "[redacted]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
