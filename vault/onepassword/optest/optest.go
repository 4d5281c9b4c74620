// Package optest is an in-memory 1Password account for tests. A [Service]
// implements the 1Password Go SDK's own ItemsAPI, SecretsAPI and VaultsAPI
// interfaces over vaults and items held in memory, so it can stand in for
// the SDK client wherever vault/onepassword takes one:
//
//	svc := optest.New("Integrations")
//	v := onepassword.New(svc, "Integrations")
//
// It behaves like the real service where acctsetup depends on it: item IDs
// are generated, Put replaces the whole item (and refuses a stale version),
// custom fields must be in a section that exists, GetAll answers per item,
// List returns overviews with tags and state, archived items are listed
// only when asked for, one-time password fields carry the current code, and
// Secrets.Resolve follows op://vault/item[/section]/field[?attribute=otp]
// with the SDK core's error messages ("no item matched the secret
// reference query", ...). It counts every call by method name (see
// [Service.Calls]) and can fail calls on demand (see [Service.FailWith]),
// for example with [RateLimitExceeded]. File attachments, sharing and vault
// administration are not implemented and return errors.
//
// A Service is safe for concurrent use.
package optest

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	sdk "github.com/1password/onepassword-sdk-go"

	"github.com/acctsetup/acctsetup/vault/totp"
)

// Service is an in-memory 1Password account; see the package comment. Its
// Items, Secrets and Vaults methods make it satisfy the API interface of
// vault/onepassword, as the SDK's *onepassword.Client does.
type Service struct {
	mu     sync.Mutex
	vaults []sdk.VaultOverview
	items  map[string]*sdk.Item     // by item ID; fields carry no Details
	state  map[string]sdk.ItemState // by item ID
	calls  map[string]int
	fail   func(method string) error
	now    func() time.Time
}

// New returns an account holding empty vaults with the given titles.
func New(vaultTitles ...string) *Service {
	s := &Service{
		items: make(map[string]*sdk.Item),
		state: make(map[string]sdk.ItemState),
		calls: make(map[string]int),
		now:   time.Now,
	}
	for _, t := range vaultTitles {
		s.AddVault(t)
	}
	return s
}

// AddVault adds an empty vault and returns its generated ID. Titles need
// not be unique, as in 1Password.
func (s *Service) AddVault(title string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	o := sdk.VaultOverview{ID: newID(), Title: title, VaultType: sdk.VaultTypeUserCreated, CreatedAt: now, UpdatedAt: now}
	s.vaults = append(s.vaults, o)
	return o.ID
}

// VaultID returns the ID of the first vault titled title, or "".
func (s *Service) VaultID(title string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.vaults {
		if v.Title == title {
			return v.ID
		}
	}
	return ""
}

// SetClock makes the service read the time from now (for timestamps and
// one-time password codes).
func (s *Service) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// FailWith installs fail, which every call consults first with its method
// name (for example "Items.List"; see [Service.Calls]): a non-nil error is
// returned as the call's error, after the call is counted, and nothing
// changes. FailWith(nil) removes it. fail may call the Service.
func (s *Service) FailWith(fail func(method string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = fail
}

// RateLimitExceeded returns the error the SDK returns when 1Password
// refuses a request for a rate limit. The SDK's type has only an unexported
// message, so its Error() is empty; errors.As still finds it.
func RateLimitExceeded() error { return &sdk.RateLimitExceededError{} }

// Calls returns how many times each method was called, by name: "Items.List",
// "Items.GetAll", "Items.Create", "Items.Put", "Secrets.Resolve",
// "Vaults.List", and so on ("<API>.<method>" for every method of the three
// APIs).
func (s *Service) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.calls)
}

// TotalCalls returns the number of calls made to all methods.
func (s *Service) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

// ResetCalls sets every call count to zero.
func (s *Service) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.calls)
}

// VaultItems returns copies of every item in the vault, active and
// archived, sorted by title and then ID, as Items.Get would return them.
func (s *Service) VaultItems(vaultID string) []sdk.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sdk.Item
	for _, it := range s.items {
		if it.VaultID == vaultID {
			out = append(out, s.read(it))
		}
	}
	slices.SortFunc(out, func(a, b sdk.Item) int {
		return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Items returns the service's ItemsAPI.
func (s *Service) Items() sdk.ItemsAPI { return items{s} }

// Secrets returns the service's SecretsAPI.
func (s *Service) Secrets() sdk.SecretsAPI { return secrets{s} }

// Vaults returns the service's VaultsAPI.
func (s *Service) Vaults() sdk.VaultsAPI { return vaults{s} }

// enter counts a call to method and returns the error it must fail with:
// the context's, or the one FailWith's function gives.
func (s *Service) enter(ctx context.Context, method string) error {
	s.mu.Lock()
	s.calls[method]++
	fail := s.fail
	s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if fail != nil {
		return fail(method)
	}
	return nil
}

// errNotSupported is returned by the methods the fake leaves out.
func errNotSupported(method string) error {
	return fmt.Errorf("optest: %s is not supported", method)
}

// Messages of the SDK core (v0.4.1) that the fake reproduces.
var (
	errResourceNotFound = errors.New("resource not found")
	errConflict         = errors.New("a conflict occurred on the server. this usually happens due to a race condition in requests")
)

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// read returns a copy of it as the service returns items: one-time
// password fields carry the current code. s.mu must be held.
func (s *Service) read(it *sdk.Item) sdk.Item {
	c := clone(*it)
	for i, f := range c.Fields {
		if f.FieldType != sdk.ItemFieldTypeTOTP {
			continue
		}
		var otp sdk.OTPFieldDetails
		if code, err := totpCode(f.Value, s.now()); err != nil {
			msg := err.Error()
			otp.ErrorMessage = &msg
		} else {
			otp.Code = &code
		}
		d := sdk.NewItemFieldDetailsTypeVariantOTP(&otp)
		c.Fields[i].Details = &d
	}
	return c
}

func totpCode(value string, now time.Time) (string, error) {
	k, err := totp.Parse(value)
	if err != nil {
		return "", err
	}
	code, _, err := k.Code(now)
	return code, err
}

// clone deep-copies an item, leaving out field details (the service
// computes them on read).
func clone(it sdk.Item) sdk.Item {
	it.Fields = slices.Clone(it.Fields)
	for i, f := range it.Fields {
		if f.SectionID != nil {
			id := *f.SectionID
			it.Fields[i].SectionID = &id
		}
		it.Fields[i].Details = nil
	}
	it.Sections = slices.Clone(it.Sections)
	it.Tags = slices.Clone(it.Tags)
	it.Websites = slices.Clone(it.Websites)
	it.Files = slices.Clone(it.Files)
	if it.Document != nil {
		d := *it.Document
		it.Document = &d
	}
	return it
}

// builtIn lists the fields that need no section, by category: 1Password
// requires every other ("custom") field to be part of a section.
var builtIn = map[sdk.ItemCategory][]string{
	sdk.ItemCategoryLogin:          {"username", "password"},
	sdk.ItemCategoryAPICredentials: {"username", "credential", "type", "filename", "validFrom", "expires", "hostname"},
	sdk.ItemCategoryPassword:       {"password"},
}

// validate checks an item as 1Password does before storing it, with its
// messages.
func validate(it *sdk.Item) error {
	var problems []string
	seen := make(map[string]bool)
	for _, f := range it.Fields {
		if seen[f.ID] {
			problems = append(problems, "file and field IDs must be unique within an item")
		}
		seen[f.ID] = true
		switch {
		case f.SectionID == nil && !slices.Contains(builtIn[it.Category], f.ID):
			problems = append(problems, fmt.Sprintf("custom field with id '%s' must be part of a section", f.ID))
		case f.SectionID != nil && !slices.ContainsFunc(it.Sections, func(s sdk.ItemSection) bool { return s.ID == *f.SectionID }):
			problems = append(problems, fmt.Sprintf("field %s was linked to section id '%s', but no section with this id exists", f.ID, *f.SectionID))
		case f.FieldType == "":
			problems = append(problems, fmt.Sprintf("field '%s' had an unsupported field type", f.ID))
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(it.Tags)))) != len(it.Tags) {
		problems = append(problems, "tags list contains duplicate tags(s)")
	}
	if it.Category == "" {
		problems = append(problems, "the item category is missing")
	}
	if len(problems) > 0 {
		return errors.New("invalid user input: encountered the following errors: " + strings.Join(problems, ", "))
	}
	return nil
}

func (s *Service) hasVault(id string) bool {
	return slices.ContainsFunc(s.vaults, func(v sdk.VaultOverview) bool { return v.ID == id })
}

// item returns the item with id in vaultID, or errResourceNotFound. s.mu
// must be held.
func (s *Service) item(vaultID, id string) (*sdk.Item, error) {
	it, ok := s.items[id]
	if !ok || it.VaultID != vaultID {
		return nil, errResourceNotFound
	}
	return it, nil
}

type items struct{ s *Service }

func (a items) Create(ctx context.Context, params sdk.ItemCreateParams) (sdk.Item, error) {
	if err := a.s.enter(ctx, "Items.Create"); err != nil {
		return sdk.Item{}, err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.s.create(params)
}

func (s *Service) create(params sdk.ItemCreateParams) (sdk.Item, error) {
	if !s.hasVault(params.VaultID) {
		//lint:ignore ST1005 the 1Password service's own message, word for word, as the SDK passes it on
		return sdk.Item{}, errors.New("The item creation parameters contained an invalid vault id")
	}
	if len(params.Files) > 0 || params.Document != nil {
		return sdk.Item{}, errNotSupported("creating items with files")
	}
	now := s.now()
	it := clone(sdk.Item{
		ID: newID(), Title: params.Title, Category: params.Category, VaultID: params.VaultID,
		Fields: params.Fields, Sections: params.Sections, Tags: params.Tags, Websites: params.Websites,
		Version: 1, CreatedAt: now, UpdatedAt: now,
	})
	if params.Notes != nil {
		it.Notes = *params.Notes
	}
	if err := validate(&it); err != nil {
		return sdk.Item{}, err
	}
	s.items[it.ID] = &it
	s.state[it.ID] = sdk.ItemStateActive
	return s.read(&it), nil
}

func (a items) CreateAll(ctx context.Context, vaultID string, params []sdk.ItemCreateParams) (sdk.ItemsUpdateAllResponse, error) {
	if err := a.s.enter(ctx, "Items.CreateAll"); err != nil {
		return sdk.ItemsUpdateAllResponse{}, err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	var resp sdk.ItemsUpdateAllResponse
	for _, p := range params {
		var r sdk.Response[sdk.Item, sdk.ItemUpdateFailureReason]
		if p.VaultID != vaultID {
			e := sdk.NewItemUpdateFailureReasonTypeVariantItemValidationError("the item is not in the vault of the batch")
			r.Error = &e
		} else if it, err := a.s.create(p); err != nil {
			e := sdk.NewItemUpdateFailureReasonTypeVariantItemValidationError(sdk.ErrorMessage(err.Error()))
			r.Error = &e
		} else {
			r.Content = &it
		}
		resp.IndividualResponses = append(resp.IndividualResponses, r)
	}
	return resp, nil
}

func (a items) Get(ctx context.Context, vaultID, itemID string) (sdk.Item, error) {
	if err := a.s.enter(ctx, "Items.Get"); err != nil {
		return sdk.Item{}, err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	it, err := a.s.item(vaultID, itemID)
	if err != nil {
		return sdk.Item{}, err
	}
	return a.s.read(it), nil
}

func (a items) GetAll(ctx context.Context, vaultID string, itemIDs []string) (sdk.ItemsGetAllResponse, error) {
	if err := a.s.enter(ctx, "Items.GetAll"); err != nil {
		return sdk.ItemsGetAllResponse{}, err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	if !a.s.hasVault(vaultID) {
		return sdk.ItemsGetAllResponse{}, errResourceNotFound
	}
	var resp sdk.ItemsGetAllResponse
	for _, id := range itemIDs {
		var r sdk.Response[sdk.Item, sdk.ItemsGetAllError]
		if it, err := a.s.item(vaultID, id); err != nil {
			e := sdk.NewItemsGetAllErrorTypeVariantItemNotFound()
			r.Error = &e
		} else {
			c := a.s.read(it)
			r.Content = &c
		}
		resp.IndividualResponses = append(resp.IndividualResponses, r)
	}
	return resp, nil
}

// Put replaces the stored item with item, keeping its ID, vault, category
// and creation time, and increments the version. An item whose version is
// not the stored one was changed by someone else since it was read: Put
// refuses it, as the service does.
func (a items) Put(ctx context.Context, item sdk.Item) (sdk.Item, error) {
	if err := a.s.enter(ctx, "Items.Put"); err != nil {
		return sdk.Item{}, err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	old, err := a.s.item(item.VaultID, item.ID)
	if err != nil {
		return sdk.Item{}, err
	}
	if item.Version != old.Version {
		return sdk.Item{}, errConflict
	}
	it := clone(item)
	it.Category, it.CreatedAt = old.Category, old.CreatedAt
	it.Version, it.UpdatedAt = old.Version+1, a.s.now()
	if err := validate(&it); err != nil {
		return sdk.Item{}, err
	}
	a.s.items[it.ID] = &it
	return a.s.read(&it), nil
}

func (a items) Delete(ctx context.Context, vaultID, itemID string) error {
	if err := a.s.enter(ctx, "Items.Delete"); err != nil {
		return err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.s.delete(vaultID, itemID)
}

func (s *Service) delete(vaultID, itemID string) error {
	if _, err := s.item(vaultID, itemID); err != nil {
		return err
	}
	delete(s.items, itemID)
	delete(s.state, itemID)
	return nil
}

func (a items) DeleteAll(ctx context.Context, vaultID string, itemIDs []string) (sdk.ItemsDeleteAllResponse, error) {
	if err := a.s.enter(ctx, "Items.DeleteAll"); err != nil {
		return sdk.ItemsDeleteAllResponse{}, err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	resp := sdk.ItemsDeleteAllResponse{IndividualResponses: make(map[string]sdk.Response[struct{}, sdk.ItemUpdateFailureReason])}
	for _, id := range itemIDs {
		var r sdk.Response[struct{}, sdk.ItemUpdateFailureReason]
		if err := a.s.delete(vaultID, id); err != nil {
			e := sdk.NewItemUpdateFailureReasonTypeVariantItemNotFound()
			r.Error = &e
		} else {
			r.Content = &struct{}{}
		}
		resp.IndividualResponses[id] = r
	}
	return resp, nil
}

func (a items) Archive(ctx context.Context, vaultID, itemID string) error {
	if err := a.s.enter(ctx, "Items.Archive"); err != nil {
		return err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	if _, err := a.s.item(vaultID, itemID); err != nil {
		return err
	}
	a.s.state[itemID] = sdk.ItemStateArchived
	return nil
}

// List returns overviews of the vault's items, sorted by title and then
// ID. Without a ByState filter it lists active items only.
func (a items) List(ctx context.Context, vaultID string, filters ...sdk.ItemListFilter) ([]sdk.ItemOverview, error) {
	if err := a.s.enter(ctx, "Items.List"); err != nil {
		return nil, err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	if !a.s.hasVault(vaultID) {
		return nil, errResourceNotFound
	}
	want := map[sdk.ItemState]bool{sdk.ItemStateActive: true}
	for _, f := range filters {
		if st := f.ByState(); f.Type == sdk.ItemListFilterTypeVariantByState && st != nil {
			want = map[sdk.ItemState]bool{sdk.ItemStateActive: st.Active, sdk.ItemStateArchived: st.Archived}
		}
	}
	var out []sdk.ItemOverview
	for id, it := range a.s.items {
		if it.VaultID != vaultID || !want[a.s.state[id]] {
			continue
		}
		out = append(out, sdk.ItemOverview{
			ID: it.ID, Title: it.Title, Category: it.Category, VaultID: it.VaultID,
			Websites: slices.Clone(it.Websites), Tags: slices.Clone(it.Tags),
			CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, State: a.s.state[id],
		})
	}
	slices.SortFunc(out, func(a, b sdk.ItemOverview) int {
		return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (a items) Shares() sdk.ItemsSharesAPI { return shares{} }
func (a items) Files() sdk.ItemsFilesAPI   { return files{} }

type shares struct{}

func (shares) GetAccountPolicy(context.Context, string, string) (sdk.ItemShareAccountPolicy, error) {
	return sdk.ItemShareAccountPolicy{}, errNotSupported("Items.Shares.GetAccountPolicy")
}

func (shares) ValidateRecipients(context.Context, sdk.ItemShareAccountPolicy, []string) ([]sdk.ValidRecipient, error) {
	return nil, errNotSupported("Items.Shares.ValidateRecipients")
}

func (shares) Create(context.Context, sdk.Item, sdk.ItemShareAccountPolicy, sdk.ItemShareParams) (string, error) {
	return "", errNotSupported("Items.Shares.Create")
}

type files struct{}

func (files) Attach(context.Context, sdk.Item, sdk.FileCreateParams) (sdk.Item, error) {
	return sdk.Item{}, errNotSupported("Items.Files.Attach")
}

func (files) Read(context.Context, string, string, sdk.FileAttributes) ([]byte, error) {
	return nil, errNotSupported("Items.Files.Read")
}

func (files) Delete(context.Context, sdk.Item, string, string) (sdk.Item, error) {
	return sdk.Item{}, errNotSupported("Items.Files.Delete")
}

func (files) ReplaceDocument(context.Context, sdk.Item, sdk.DocumentCreateParams) (sdk.Item, error) {
	return sdk.Item{}, errNotSupported("Items.Files.ReplaceDocument")
}
