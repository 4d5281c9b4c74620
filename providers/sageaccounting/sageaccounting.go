// Package sageaccounting describes Sage Accounting (Sage Business Cloud
// Accounting): its developer self-service portal steps and the client ID and
// secret a Sage app yields for API v3.1.
package sageaccounting

import (
	_ "embed"

	"github.com/acctsetup/acctsetup/providers"
)

// ID is the provider's ID: package, CLI argument and vault segment.
const ID = "sageaccounting"

//go:embed sageaccounting.toml
var descriptor []byte

// New decodes and validates the Sage Accounting descriptor.
func New() (*providers.Provider, error) {
	return providers.Decode("providers/sageaccounting/sageaccounting.toml", descriptor)
}
