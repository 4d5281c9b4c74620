// Package tomlfiletest checks the errors of tomlfile.Decode and of the
// decoders built on it, for tests and fuzz targets.
package tomlfiletest

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/acctsetup/acctsetup/providers/tomlfile"
)

var (
	// goType is a Go type, or a kind the TOML library names one by.
	goType = regexp.MustCompile(`\b(slice|boolean|float|float64|u?int(8|16|32|64)?|integer)\b|interface \{\}|\[\]any|map\[string\]`)
	// quoted is a quoted string: a value from the file, not a word of ours.
	quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'[^']*'`)
)

// CheckErrors reports what is wrong with err, a decoding error of data
// read from file: it must join only *tomlfile.Error values, each naming
// file, on a line data has (or 0), and a type mismatch ("must be ...")
// names types in words, never as Go does.
func CheckErrors(file string, data []byte, err error) error {
	lines := bytes.Count(data, []byte("\n")) + 1
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		var te *tomlfile.Error
		if !errors.As(e, &te) {
			return fmt.Errorf("error %T %q is not a *tomlfile.Error", e, e)
		}
		if te.File != file || te.Line < 0 || te.Line > lines || te.Msg == "" {
			return fmt.Errorf("error %+v: want file %s, a line from 0 to %d and a message", te, file, lines)
		}
		if t := goType.FindString(quoted.ReplaceAllString(te.Msg, "")); strings.HasPrefix(te.Msg, "must be ") && t != "" {
			return fmt.Errorf("error %q names a type as Go does (%s)", te, t)
		}
	}
	return nil
}
