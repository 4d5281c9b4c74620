// Package codat describes Codat: the unified API's own setup, the API key that
// authenticates every request and the webhook signing secret that proves
// events come from Codat, in a test instance and a production instance.
package codat

import (
	_ "embed"

	"github.com/acctsetup/acctsetup/providers"
)

// ID is the provider's ID: package, CLI argument and vault segment.
const ID = "codat"

//go:embed codat.toml
var descriptor []byte

// New decodes and validates the Codat descriptor.
func New() (*providers.Provider, error) {
	return providers.Decode("providers/codat/codat.toml", descriptor)
}
