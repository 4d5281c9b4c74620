// Package kashflow describes IRIS KashFlow, a provider Codat retired: it stays listed so
// that state recorded before the removal still reads.
package kashflow

import (
	_ "embed"

	"github.com/acctsetup/acctsetup/providers"
)

// ID is the provider's ID: package, CLI argument and vault segment.
const ID = "kashflow"

//go:embed kashflow.toml
var descriptor []byte

// New decodes and validates the IRIS KashFlow descriptor.
func New() (*providers.Provider, error) {
	return providers.Decode("providers/kashflow/kashflow.toml", descriptor)
}
