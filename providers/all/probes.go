package all

import (
	"maps"
	"slices"

	"github.com/acctsetup/acctsetup/providers/businesscentral"
	"github.com/acctsetup/acctsetup/providers/codat"
	"github.com/acctsetup/acctsetup/providers/probe"
	"github.com/acctsetup/acctsetup/providers/quickbooksonline"
	"github.com/acctsetup/acctsetup/providers/sageintacct"
	"github.com/acctsetup/acctsetup/providers/xero"
)

// probes holds each provider whose live endpoint can tell good credentials
// from bad without spending anything, by ID. The others' endpoints either
// document no distinct answer for a bad client, or count a failed attempt
// against the key (Exact Online blocks a key after 10 errors an hour).
var probes = map[string]probe.Prober{
	"businesscentral":  businesscentral.Probe,
	"codat":            codat.Probe,
	"quickbooksonline": quickbooksonline.Probe,
	"sageintacct":      sageintacct.Probe,
	"xero":             xero.Probe,
}

// Probe returns the live credential probe of a built-in provider.
func Probe(id string) (probe.Prober, bool) {
	p, ok := probes[id]
	return p, ok
}

// HasProbe reports whether a built-in provider has a live probe.
func HasProbe(id string) bool {
	_, ok := probes[id]
	return ok
}

// ProbedProviders lists the IDs of the providers with a live probe, sorted.
func ProbedProviders() []string {
	return slices.Sorted(maps.Keys(probes))
}
