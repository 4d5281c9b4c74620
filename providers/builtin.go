package providers

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"sync"
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
	var descriptors []string
	for _, p := range paths {
		if dir, file := path.Split(p); file == path.Clean(dir)+".toml" {
			descriptors = append(descriptors, p) // a module's descriptor is named after its folder
		}
	}
	ps, err := decodeAll(descriptors, func(name string) (*Provider, error) {
		data, err := builtin.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("providers: read %s: %w", name, err)
		}
		return Decode("providers/"+name, data)
	})
	if err != nil {
		return nil, err
	}
	return NewRegistry(ps...)
}

// decodeAll decodes each named descriptor with decode, spread over the
// CPUs: decoding is most of a short command's time. It returns the
// providers that decoded, in name order, and every error joined.
func decodeAll(names []string, decode func(name string) (*Provider, error)) ([]*Provider, error) {
	ps := make([]*Provider, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Go(func() {
			for i := range next {
				ps[i], errs[i] = decode(names[i])
			}
		})
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	return slices.DeleteFunc(ps, func(p *Provider) bool { return p == nil }), errors.Join(errs...)
}
