package vault

import (
	"fmt"
	"regexp"
	"strings"
)

// Ref names one secret, written "provider/environment/field",
// for example "xero/production/client_id".
type Ref struct {
	Provider    string // [a-z0-9]+, the provider ID
	Environment string // [a-z0-9]+, e.g. "sandbox" or "production"
	Field       string // [a-z][a-z0-9_]*, the credential field name
}

var (
	segmentRE = regexp.MustCompile(`^[a-z0-9]+$`)
	fieldRE   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// String returns "provider/environment/field".
func (r Ref) String() string {
	return r.Provider + "/" + r.Environment + "/" + r.Field
}

// ParseRef parses "provider/environment/field" and validates each segment.
func ParseRef(s string) (Ref, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return Ref{}, fmt.Errorf("vault: invalid ref %q: want provider/environment/field", s)
	}
	r := Ref{Provider: parts[0], Environment: parts[1], Field: parts[2]}
	if err := r.Validate(); err != nil {
		return Ref{}, err
	}
	return r, nil
}

// Validate reports whether every segment of r is well-formed. Backends call
// it before touching storage.
func (r Ref) Validate() error {
	switch {
	case !segmentRE.MatchString(r.Provider):
		return fmt.Errorf("vault: invalid ref %q: provider %q must match [a-z0-9]+", r, r.Provider)
	case !segmentRE.MatchString(r.Environment):
		return fmt.Errorf("vault: invalid ref %q: environment %q must match [a-z0-9]+", r, r.Environment)
	case !fieldRE.MatchString(r.Field):
		return fmt.Errorf("vault: invalid ref %q: field %q must match [a-z][a-z0-9_]*", r, r.Field)
	}
	return nil
}

// ParseReference parses a reference of the form scheme + "://" +
// ref.String(), as backends that name secrets by their Ref write them
// (for example "age://xero/production/client_id").
func ParseReference(scheme, reference string) (Ref, error) {
	rest, ok := strings.CutPrefix(reference, scheme+"://")
	if !ok {
		return Ref{}, fmt.Errorf("vault: reference %q is not a %s:// reference", reference, scheme)
	}
	return ParseRef(rest)
}
