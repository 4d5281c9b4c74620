// Package quickbooksonline describes QuickBooks Online (Intuit): its
// developer-portal steps, the development and production keys an Intuit app
// yields, the app assessment questionnaire that gates production, and the
// e-mails Intuit sends along the way.
package quickbooksonline

import (
	_ "embed"

	"github.com/acctsetup/acctsetup/providers"
)

// ID is the provider's ID: package, CLI argument and vault segment.
const ID = "quickbooksonline"

//go:embed quickbooksonline.toml
var descriptor []byte

// New decodes and validates the QuickBooks Online descriptor.
func New() (*providers.Provider, error) {
	return providers.Decode("providers/quickbooksonline/quickbooksonline.toml", descriptor)
}
