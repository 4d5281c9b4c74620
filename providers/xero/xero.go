// Package xero describes Xero: its developer-portal steps, the keys a Xero app
// yields, and the e-mails Xero sends along the way. It is the reference
// provider module: new ones copy its files, names and order.
package xero

import (
	_ "embed"

	"github.com/acctsetup/acctsetup/providers"
)

// ID is the provider's ID: package, CLI argument and vault segment.
const ID = "xero"

//go:embed xero.toml
var descriptor []byte

// New decodes and validates the Xero descriptor.
func New() (*providers.Provider, error) {
	return providers.Decode("providers/xero/xero.toml", descriptor)
}
