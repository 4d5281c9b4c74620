// Package all is the registry of providers built into acctsetup: one
// constructor per provider module, sorted by ID. TestEveryModuleIsRegistered
// fails when a providers/<id> folder is missing here.
package all

import (
	"errors"

	"github.com/acctsetup/acctsetup/providers"
	"github.com/acctsetup/acctsetup/providers/businesscentral"
	"github.com/acctsetup/acctsetup/providers/clearbooks"
	"github.com/acctsetup/acctsetup/providers/codat"
	"github.com/acctsetup/acctsetup/providers/kashflow"
	"github.com/acctsetup/acctsetup/providers/pandle"
	"github.com/acctsetup/acctsetup/providers/quickbooksonline"
	"github.com/acctsetup/acctsetup/providers/sageaccounting"
	"github.com/acctsetup/acctsetup/providers/xero"
)

// constructors lists every built-in provider module, sorted by ID.
var constructors = []func() (*providers.Provider, error){
	businesscentral.New,
	clearbooks.New,
	codat.New,
	kashflow.New,
	pandle.New,
	quickbooksonline.New,
	sageaccounting.New,
	xero.New,
}

// Registry decodes every built-in provider. It reports every descriptor
// error at once rather than stopping at the first.
func Registry() (*providers.Registry, error) {
	ps := make([]*providers.Provider, 0, len(constructors))
	var errs []error
	for _, newProvider := range constructors {
		p, err := newProvider()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ps = append(ps, p)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return providers.NewRegistry(ps...)
}
