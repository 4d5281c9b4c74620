package providers

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
)

// builtin holds every built-in descriptor, providers/<id>/<id>.toml. Adding
// a provider is adding its folder: nothing here names it.
//
//go:embed */*.toml
var builtin embed.FS

// Builtin decodes every built-in descriptor and returns them as a registry
// of its own, which the caller may change. It reports every descriptor
// error at once.
func Builtin() (*Registry, error) {
	paths, err := fs.Glob(builtin, "*/*.toml")
	if err != nil {
		return nil, fmt.Errorf("providers: list built-in descriptors: %w", err)
	}
	var (
		ps   []*Provider
		errs []error
	)
	for _, p := range paths {
		dir, file := path.Split(p)
		if file != path.Clean(dir)+".toml" {
			continue // a module's descriptor is named after its folder
		}
		data, err := builtin.ReadFile(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("providers: read %s: %w", p, err))
			continue
		}
		provider, err := Decode("providers/"+p, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ps = append(ps, provider)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return NewRegistry(ps...)
}
