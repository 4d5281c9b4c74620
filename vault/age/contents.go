package agevault

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/acctsetup/acctsetup/vault"
)

// formatVersion is the version of the decrypted JSON this package writes.
// It also reads version 1, whose secrets had updated_at instead of the
// metadata fields; updated_at becomes set_at.
const formatVersion = 2

// fileJSON is the decrypted file, as documented in the package comment.
type fileJSON struct {
	Version int          `json:"version"`
	Secrets []secretJSON `json:"secrets"`
}

type secretJSON struct {
	Provider    string    `json:"provider"`
	Environment string    `json:"environment"`
	Field       string    `json:"field"`
	Value       string    `json:"value"`
	SetAt       time.Time `json:"set_at,omitzero"`
	SetBy       string    `json:"set_by,omitempty"`
	RotatedAt   time.Time `json:"rotated_at,omitzero"`
	RotatedBy   string    `json:"rotated_by,omitempty"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"` // version 1 only
}

func (s secretJSON) meta() vault.Meta {
	return vault.Meta{SetAt: s.SetAt, SetBy: s.SetBy, RotatedAt: s.RotatedAt, RotatedBy: s.RotatedBy, ExpiresAt: s.ExpiresAt}
}

func (s secretJSON) ref() vault.Ref {
	return vault.Ref{Provider: s.Provider, Environment: s.Environment, Field: s.Field}
}

// contents is the decrypted vault, keyed by ref.
type contents struct {
	secrets map[vault.Ref]secretJSON
}

func (c *contents) set(ref vault.Ref, value string, meta vault.Meta) {
	if meta.SetAt.IsZero() {
		meta.SetAt = time.Now()
	}
	meta = vault.UTC(meta)
	c.secrets[ref] = secretJSON{
		Provider:    ref.Provider,
		Environment: ref.Environment,
		Field:       ref.Field,
		Value:       value,
		SetAt:       meta.SetAt,
		SetBy:       meta.SetBy,
		RotatedAt:   meta.RotatedAt,
		RotatedBy:   meta.RotatedBy,
		ExpiresAt:   meta.ExpiresAt,
	}
}

// sorted returns the secrets sorted by ref string.
func (c *contents) sorted() []secretJSON {
	return slices.SortedFunc(maps.Values(c.secrets), func(a, b secretJSON) int {
		return cmp.Compare(a.ref().String(), b.ref().String())
	})
}

// marshal encodes c as the documented JSON.
func (c *contents) marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(fileJSON{Version: formatVersion, Secrets: c.sorted()}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unmarshal decodes the documented JSON. Its errors describe the problem
// without quoting the input, which holds secret values.
func unmarshal(data []byte) (*contents, error) {
	var f fileJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, describeJSONError(err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	if f.Version != 1 && f.Version != formatVersion {
		return nil, fmt.Errorf("unsupported format version %d (want %d)", f.Version, formatVersion)
	}
	c := &contents{secrets: make(map[vault.Ref]secretJSON, len(f.Secrets))}
	for i, s := range f.Secrets {
		ref := s.ref()
		if err := ref.Validate(); err != nil {
			return nil, fmt.Errorf("secret %d: %w", i, err)
		}
		if _, dup := c.secrets[ref]; dup {
			return nil, fmt.Errorf("secret %d: duplicate ref %s", i, ref)
		}
		switch {
		case f.Version == 1:
			s.SetAt, s.UpdatedAt = s.UpdatedAt, time.Time{}
		case !s.UpdatedAt.IsZero():
			return nil, fmt.Errorf("secret %d: updated_at belongs to version 1; version %d has set_at", i, formatVersion)
		}
		// Times are kept in UTC, as they are written; one that RFC 3339
		// cannot write in UTC would make every later write fail.
		for _, at := range []*time.Time{&s.SetAt, &s.RotatedAt, &s.ExpiresAt} {
			if *at = at.UTC(); at.Year() < 0 || at.Year() > 9999 {
				return nil, fmt.Errorf("secret %d: a time is outside the years 0000 to 9999 in UTC", i)
			}
		}
		c.secrets[ref] = s
	}
	return c, nil
}

// describeJSONError turns a decoding error into one that does not quote the
// input: json's and time's own messages can include bytes from it.
func describeJSONError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tim *time.ParseError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("invalid JSON at byte offset %d", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Errorf("invalid JSON: field %q has the wrong type", typ.Field)
	case errors.As(err, &tim):
		return errors.New("invalid JSON: a time is not in RFC 3339 form")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("invalid JSON: truncated")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// Names a key, never a value.
		return fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	default:
		return errors.New("invalid JSON")
	}
}
