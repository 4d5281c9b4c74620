// Package pandle describes Pandle, a provider Codat retired: it stays listed so
// that state recorded before the removal still reads.
package pandle

import (
	_ "embed"

	"github.com/acctsetup/acctsetup/providers"
)

// ID is the provider's ID: package, CLI argument and vault segment.
const ID = "pandle"

//go:embed pandle.toml
var descriptor []byte

// New decodes and validates the Pandle descriptor.
func New() (*providers.Provider, error) {
	return providers.Decode("providers/pandle/pandle.toml", descriptor)
}
