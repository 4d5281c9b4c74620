// Package clearbooks describes Clear Books, a provider Codat retired: it stays listed so
// that state recorded before the removal still reads.
package clearbooks

import (
	_ "embed"

	"github.com/acctsetup/acctsetup/providers"
)

// ID is the provider's ID: package, CLI argument and vault segment.
const ID = "clearbooks"

//go:embed clearbooks.toml
var descriptor []byte

// New decodes and validates the Clear Books descriptor.
func New() (*providers.Provider, error) {
	return providers.Decode("providers/clearbooks/clearbooks.toml", descriptor)
}
