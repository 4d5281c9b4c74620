// Package businesscentral describes Microsoft Dynamics 365 Business Central:
// the Microsoft Entra app registration steps in the Azure portal, the client
// ID and expiring client secret they yield, and the MFA Microsoft enforces on
// the portal login.
package businesscentral

import (
	_ "embed"

	"github.com/acctsetup/acctsetup/providers"
)

// ID is the provider's ID: package, CLI argument and vault segment.
const ID = "businesscentral"

//go:embed businesscentral.toml
var descriptor []byte

// New decodes and validates the Business Central descriptor.
func New() (*providers.Provider, error) {
	return providers.Decode("providers/businesscentral/businesscentral.toml", descriptor)
}
