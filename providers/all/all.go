// Package all is acctsetup's catalogue: every built-in provider, decoded
// from the descriptors embedded in package providers, with the live
// credential probes of those whose token endpoint can tell a good
// credential from a bad one.
//
// Adding a provider is adding its folder, providers/<id>, with <id>.toml;
// a provider with a probe also adds one line to probes. Then run
// go generate ./providers/all to write its page in docs/providers.
package all

//go:generate go run ./internal/gendocs ../../docs/providers

import (
	"github.com/acctsetup/acctsetup/providers"
)

// Registry decodes every built-in provider. It reports every descriptor
// error at once rather than stopping at the first.
func Registry() (*providers.Registry, error) {
	return providers.Builtin()
}
