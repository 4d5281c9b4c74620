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

// formatVersion is the version of the decrypted JSON this package reads and writes.
const formatVersion = 1

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
	UpdatedAt   time.Time `json:"updated_at"`
}

func (s secretJSON) ref() vault.Ref {
	return vault.Ref{Provider: s.Provider, Environment: s.Environment, Field: s.Field}
}

// contents is the decrypted vault, keyed by ref.
type contents struct {
	secrets map[vault.Ref]secretJSON
}

func (c *contents) set(ref vault.Ref, value string) {
	c.secrets[ref] = secretJSON{
		Provider:    ref.Provider,
		Environment: ref.Environment,
		Field:       ref.Field,
		Value:       value,
		UpdatedAt:   time.Now().UTC(),
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
	if f.Version != formatVersion {
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
		return errors.New("invalid JSON: updated_at is not an RFC 3339 time")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("invalid JSON: truncated")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// Names a key, never a value.
		return fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	default:
		return errors.New("invalid JSON")
	}
}
