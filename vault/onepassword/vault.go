package onepassword

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	sdk "github.com/1password/onepassword-sdk-go"

	"github.com/acctsetup/acctsetup/vault"
)

// API is the part of the 1Password SDK client the backend uses. Its methods
// return the SDK's own interfaces, so tests can fake them (see package
// optest); *onepassword.Client from the SDK satisfies it.
type API interface {
	Items() sdk.ItemsAPI
	Secrets() sdk.SecretsAPI
	Vaults() sdk.VaultsAPI
}

var _ API = (*sdk.Client)(nil)

// Vault keeps secrets in one 1Password vault, laid out as the package
// comment describes. It caches what it reads for its whole life, so use one
// Vault per command run. It is safe for concurrent use; its methods run one
// at a time, as the SDK's core does anyway.
type Vault struct {
	name    string // the configured vault name or ID
	connect func(context.Context) (API, error)

	mu      sync.Mutex // serializes methods and guards the fields below
	api     API
	vaultID string
	items   map[itemKey]*sdk.Item // the backend's items; nil until listed
}

var (
	_ vault.Vault      = (*Vault)(nil)
	_ vault.BulkReader = (*Vault)(nil)
)

// New returns the vault named vaultName (its title, or its ID) reached
// through api. New makes no request: the name is resolved to an ID by the
// first method that needs the service.
func New(api API, vaultName string) *Vault {
	return &Vault{name: vaultName, api: api}
}

// Open is like [New] but calls connect to get the API only when a method
// first needs the service, so that commands that never touch secrets never
// pay for an SDK client. connect is called at most once per successful
// connection: after an error, the next method call tries again. Use
// [ServiceAccount] for connect.
func Open(vaultName string, connect func(ctx context.Context) (API, error)) *Vault {
	return &Vault{name: vaultName, connect: connect}
}

// Get implements [vault.Vault].
func (v *Vault) Get(ctx context.Context, ref vault.Ref) (s vault.Secret, err error) {
	err = v.withItems(ctx, "get", &ref, func() error {
		s, err = v.cached(ref, "get")
		return err
	})
	return s, err
}

// cached returns ref's value from the loaded items.
func (v *Vault) cached(ref vault.Ref, op string) (vault.Secret, error) {
	k := keyOf(ref)
	item, ok := v.items[k]
	if !ok {
		return vault.Secret{}, fmt.Errorf("onepassword: %s %s: no item %q in vault %q: %w", op, ref, k.title(), v.name, vault.ErrNotFound)
	}
	value, ok := values(k, item)[ref.Field]
	if !ok {
		return vault.Secret{}, fmt.Errorf("onepassword: %s %s: no field %q in item %q in vault %q: %w", op, ref, ref.Field, k.title(), v.name, vault.ErrNotFound)
	}
	return vault.NewSecret(value), nil
}

// Set implements [vault.Vault]. It creates the item (Items.Create) when
// missing, and otherwise replaces it (Items.Put) with the field changed and
// every other field kept.
func (v *Vault) Set(ctx context.Context, ref vault.Ref, value vault.Secret, meta vault.Meta) error {
	if meta.SetAt.IsZero() {
		meta.SetAt = time.Now()
	}
	return v.withItems(ctx, "set", &ref, func() error { return v.set(ctx, ref, value, meta) })
}

func (v *Vault) set(ctx context.Context, ref vault.Ref, value vault.Secret, meta vault.Meta) error {
	k, op := keyOf(ref), "set "+ref.String()
	var (
		item *sdk.Item
		err  error
	)
	if old, ok := v.items[k]; ok {
		item, err = v.put(ctx, op, k, old, func(it *sdk.Item) { setField(k, it, ref.Field, value.Reveal(), meta) }, value.Reveal())
	} else {
		item, err = v.create(ctx, op, k, newItem(k, v.vaultID, ref.Field, value.Reveal(), meta), value.Reveal())
	}
	if err != nil {
		return err
	}
	v.items[k] = item
	return nil
}

// create creates k's item. op and value are for errors.
func (v *Vault) create(ctx context.Context, op string, k itemKey, params sdk.ItemCreateParams, value string) (*sdk.Item, error) {
	created, err := v.api.Items().Create(ctx, params)
	if err != nil {
		return nil, v.writeError(fmt.Sprintf("%s: create item %q in vault %q", op, k.title(), v.name), err, value)
	}
	return &created, nil
}

// put replaces k's item with a copy of old changed by edit. op and value
// are for errors.
func (v *Vault) put(ctx context.Context, op string, k itemKey, old *sdk.Item, edit func(*sdk.Item), value string) (*sdk.Item, error) {
	item := *old
	item.Fields = slices.Clone(old.Fields)
	item.Sections = slices.Clone(old.Sections)
	item.Tags = slices.Clone(old.Tags)
	edit(&item)
	updated, err := v.api.Items().Put(ctx, item)
	if err != nil {
		return nil, v.writeError(fmt.Sprintf("%s: update item %q in vault %q", op, k.title(), v.name), err, value)
	}
	return &updated, nil
}

// writeError wraps the error of a write. The write may or may not have
// happened, so the cache is dropped and the next read lists the items
// again, except after a rate limit, which refuses the request.
func (v *Vault) writeError(op string, err error, value string) error {
	err = apiError(op, err, value)
	if !errors.Is(err, ErrRateLimited) {
		v.items = nil
	}
	return err
}

// Delete implements [vault.Vault]. Deleting an item's last value deletes
// the item (Items.Delete), unless a person added fields of their own to it;
// otherwise the item is replaced without the field (Items.Put).
func (v *Vault) Delete(ctx context.Context, ref vault.Ref) error {
	return v.withItems(ctx, "delete", &ref, func() error { return v.delete(ctx, ref) })
}

func (v *Vault) delete(ctx context.Context, ref vault.Ref) error {
	if _, err := v.cached(ref, "delete"); err != nil {
		return err
	}
	k := keyOf(ref)
	old := v.items[k]
	keep := removeField(&sdk.Item{Fields: slices.Clone(old.Fields)}, ref.Field)
	if !keep {
		if err := v.api.Items().Delete(ctx, v.vaultID, old.ID); err != nil {
			return v.writeError(fmt.Sprintf("delete %s: delete item %q in vault %q", ref, k.title(), v.name), err, "")
		}
		delete(v.items, k)
		return nil
	}
	item, err := v.put(ctx, "delete "+ref.String(), k, old, func(it *sdk.Item) { removeField(it, ref.Field) }, "")
	if err != nil {
		return err
	}
	v.items[k] = item
	return nil
}

// List implements [vault.Vault].
func (v *Vault) List(ctx context.Context) ([]vault.Entry, error) {
	entries := []vault.Entry{}
	err := v.withItems(ctx, "list", nil, func() error {
		for k, item := range v.items {
			for field := range values(k, item) {
				entries = append(entries, vault.Entry{Ref: k.ref(field), Meta: readMeta(item, field)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(entries, func(a, b vault.Entry) int { return cmp.Compare(a.Ref.String(), b.Ref.String()) })
	return entries, nil
}

// GetAll implements [vault.BulkReader]: at most three requests (Vaults.List,
// Items.List, Items.GetAll) for every value, none if the items are cached.
func (v *Vault) GetAll(ctx context.Context) (map[vault.Ref]vault.Secret, error) {
	all := make(map[vault.Ref]vault.Secret)
	err := v.withItems(ctx, "read all", nil, func() error {
		for k, item := range v.items {
			for field, value := range values(k, item) {
				all[k.ref(field)] = vault.NewSecret(value)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// Reference implements [vault.Vault]: "op://<vault>/<item title>/<field>",
// with the vault as given to [New] or [Open]. It makes no request.
func (v *Vault) Reference(ref vault.Ref) string {
	return "op://" + v.name + "/" + keyOf(ref).title() + "/" + ref.Field
}

// Resolve implements [vault.Vault] for any op:// secret reference. A
// reference to one of the backend's own fields, without section or query,
// is served from the cache when the items are already listed, and then
// costs no request even when nothing is there. Any other reference costs
// one SecretsAPI.Resolve, which is not retried; see the package comment for
// how "not found" is told apart.
func (v *Vault) Resolve(ctx context.Context, reference string) (vault.Secret, error) {
	r, err := parseReference(reference)
	if err != nil {
		return vault.Secret{}, err
	}
	if err := ctx.Err(); err != nil {
		return vault.Secret{}, fmt.Errorf("onepassword: resolve %q: %w", reference, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if ref, ok := v.own(r); ok && v.items != nil {
		return v.cached(ref, "resolve")
	}
	api, err := v.client(ctx)
	if err != nil {
		return vault.Secret{}, err
	}
	s, err := api.Secrets().Resolve(ctx, reference)
	if err != nil {
		return vault.Secret{}, resolveError(reference, err)
	}
	return vault.NewSecret(s), nil
}

// own returns the Ref that r names when it is a reference to one of the
// backend's fields, as Reference writes them. Names in references are
// case-insensitive; titles are compared exactly, as the backend writes them.
func (v *Vault) own(r opRef) (vault.Ref, bool) {
	if r.section != "" || r.query != "" || !(strings.EqualFold(r.vault, v.name) || r.vault == v.vaultID) {
		return vault.Ref{}, false
	}
	k, ok := parseTitle(r.item)
	if !ok {
		return vault.Ref{}, false
	}
	ref := k.ref(r.field)
	if ref.Validate() != nil || !k.owns(r.field) {
		return vault.Ref{}, false
	}
	return ref, true
}

// client returns the API, connecting on first use. v.mu must be held.
func (v *Vault) client(ctx context.Context) (API, error) {
	if v.api != nil {
		return v.api, nil
	}
	if v.connect == nil {
		return nil, errors.New("onepassword: no SDK client: use New or Open")
	}
	api, err := v.connect(ctx)
	if err != nil {
		return nil, err
	}
	v.api = api
	return api, nil
}

// load connects, resolves the vault ID and lists the backend's items, each
// at most once. v.mu must be held.
func (v *Vault) load(ctx context.Context) error {
	if v.items != nil {
		return nil
	}
	api, err := v.client(ctx)
	if err != nil {
		return err
	}
	if v.vaultID == "" {
		if v.vaultID, err = v.findVault(ctx, api); err != nil {
			return err
		}
	}
	overviews, err := api.Items().List(ctx, v.vaultID, sdk.NewItemListFilterTypeVariantByState(
		&sdk.ItemListFilterByStateInner{Active: true}))
	if err != nil {
		return apiError(fmt.Sprintf("list items in vault %q", v.name), err)
	}
	keys := make(map[string]itemKey)
	titles := make(map[itemKey]string) // item ID by key, to find duplicates
	for _, o := range overviews {
		k, ok := parseTitle(o.Title)
		if !ok || o.State == sdk.ItemStateArchived {
			continue
		}
		if other, dup := titles[k]; dup {
			return fmt.Errorf("onepassword: vault %q has two items titled %q (IDs %s and %s): merge them into one or delete one",
				v.name, o.Title, other, o.ID)
		}
		if o.Category != k.category() {
			return fmt.Errorf("onepassword: item %q (ID %s) in vault %q is a %s item, want %s: rename or delete it",
				o.Title, o.ID, v.name, o.Category, k.category())
		}
		titles[k] = o.ID
		keys[o.ID] = k
	}
	items := make(map[itemKey]*sdk.Item, len(keys))
	if len(keys) > 0 {
		resp, err := api.Items().GetAll(ctx, v.vaultID, slices.Sorted(maps.Keys(keys)))
		if err != nil {
			return apiError(fmt.Sprintf("get %d items in vault %q", len(keys), v.name), err)
		}
		for _, r := range resp.IndividualResponses {
			switch {
			case r.Content != nil:
				if k, ok := keys[r.Content.ID]; ok {
					items[k] = r.Content
				}
			case r.Error != nil && r.Error.Type == sdk.ItemsGetAllErrorTypeVariantItemNotFound:
				// deleted since Items.List
			case r.Error != nil:
				return fmt.Errorf("onepassword: get items in vault %q: %s", v.name, r.Error.Internal())
			}
		}
	}
	v.items = items
	return nil
}

// findVault returns the ID of the vault v names: the vault with that ID, or
// the only one with that title.
func (v *Vault) findVault(ctx context.Context, api API) (string, error) {
	vaults, err := api.Vaults().List(ctx)
	if err != nil {
		return "", apiError("list vaults", err)
	}
	var ids []string
	for _, o := range vaults {
		if o.ID == v.name {
			return o.ID, nil
		}
		if strings.EqualFold(o.Title, v.name) {
			ids = append(ids, o.ID)
		}
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("onepassword: vault %q not found: it does not exist or is not shared with the service account", v.name)
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("onepassword: %d vaults are titled %q (IDs %s): configure the vault by its ID", len(ids), v.name, strings.Join(ids, ", "))
}

// withItems runs fn with v locked and its items loaded, after checking ctx
// and ref, which is nil for List and GetAll; op and ref name the operation
// in errors.
func (v *Vault) withItems(ctx context.Context, op string, ref *vault.Ref, fn func() error) error {
	if ref != nil {
		op += " " + ref.String()
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("onepassword: %s: %w", op, err)
	}
	if ref != nil {
		if err := ref.Validate(); err != nil {
			return err
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.load(ctx); err != nil {
		return err
	}
	return fn()
}
