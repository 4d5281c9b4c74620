package optest_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	sdk "github.com/1password/onepassword-sdk-go"

	"github.com/acctsetup/acctsetup/vault/onepassword/optest"
)

var ctx = context.Background()

func login(vaultID, title, password string) sdk.ItemCreateParams {
	return sdk.ItemCreateParams{
		Title: title, Category: sdk.ItemCategoryLogin, VaultID: vaultID, Tags: []string{"team"},
		Fields:   []sdk.ItemField{{ID: "password", Title: "password", FieldType: sdk.ItemFieldTypeConcealed, Value: password}},
		Sections: []sdk.ItemSection{{ID: "extra", Title: "Extra"}},
	}
}

func TestCreateGeneratesIDs(t *testing.T) {
	t.Parallel()
	svc := optest.New("Integrations")
	vid := svc.VaultID("Integrations")
	if !regexp.MustCompile(`^[a-z2-7]{26}$`).MatchString(vid) {
		t.Errorf("vault ID %q does not look like a 1Password ID", vid)
	}
	a, err := svc.Items().Create(ctx, login(vid, "A", "pw"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Items().Create(ctx, login(vid, "A", "pw"))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID || len(a.ID) != 26 || a.Version != 1 || a.VaultID != vid || a.CreatedAt.IsZero() {
		t.Errorf("created items %+v and %+v: want distinct generated IDs, version 1, the vault and a time", a, b)
	}
}

func TestPutReplacesWholeItem(t *testing.T) {
	t.Parallel()
	svc := optest.New("Integrations")
	vid := svc.VaultID("Integrations")
	it, err := svc.Items().Create(ctx, login(vid, "A", "pw"))
	if err != nil {
		t.Fatal(err)
	}
	stale := it
	it.Fields = nil
	it.Tags = nil
	it.Title = "B"
	got, err := svc.Items().Put(ctx, it)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "B" || len(got.Fields) != 0 || len(got.Tags) != 0 || got.Version != 2 {
		t.Errorf("Put returned %+v, want the item as put, version 2", got)
	}
	if _, err := svc.Items().Put(ctx, stale); err == nil || !strings.Contains(err.Error(), "conflict") {
		t.Errorf("Put of a stale version error = %v, want a conflict", err)
	}
	stale.ID = "nosuchitem"
	if _, err := svc.Items().Put(ctx, stale); err == nil || err.Error() != "resource not found" {
		t.Errorf("Put of a missing item error = %v, want resource not found", err)
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	svc := optest.New("Integrations")
	vid := svc.VaultID("Integrations")
	for _, tt := range []struct {
		name string
		edit func(*sdk.ItemCreateParams)
		want string
	}{
		{"custom field without section", func(p *sdk.ItemCreateParams) {
			p.Fields = append(p.Fields, sdk.ItemField{ID: "pin", Title: "pin", FieldType: sdk.ItemFieldTypeConcealed})
		}, "custom field with id 'pin' must be part of a section"},
		{"unknown section", func(p *sdk.ItemCreateParams) {
			s := "nope"
			p.Fields = append(p.Fields, sdk.ItemField{ID: "pin", Title: "pin", SectionID: &s, FieldType: sdk.ItemFieldTypeConcealed})
		}, "field pin was linked to section id 'nope', but no section with this id exists"},
		{"duplicate field ID", func(p *sdk.ItemCreateParams) { p.Fields = append(p.Fields, p.Fields[0]) }, "file and field IDs must be unique within an item"},
		{"duplicate tag", func(p *sdk.ItemCreateParams) { p.Tags = []string{"a", "a"} }, "tags list contains duplicate tags(s)"},
		{"no vault", func(p *sdk.ItemCreateParams) { p.VaultID = "nope" }, "The item creation parameters contained an invalid vault id"},
	} {
		p := login(vid, "A", "pw")
		tt.edit(&p)
		if _, err := svc.Items().Create(ctx, p); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Create error = %v, want %q", tt.name, err, tt.want)
		}
	}
	if items := svc.VaultItems(vid); len(items) != 0 {
		t.Errorf("invalid Creates stored %d items", len(items))
	}
}

func TestListAndGetAll(t *testing.T) {
	t.Parallel()
	svc := optest.New("Integrations", "Other")
	vid := svc.VaultID("Integrations")
	a, _ := svc.Items().Create(ctx, login(vid, "A", "pw"))
	b, _ := svc.Items().Create(ctx, login(vid, "B", "pw"))
	if _, err := svc.Items().Create(ctx, login(svc.VaultID("Other"), "C", "pw")); err != nil {
		t.Fatal(err)
	}
	if err := svc.Items().Archive(ctx, vid, b.ID); err != nil {
		t.Fatal(err)
	}
	titles := func(filters ...sdk.ItemListFilter) string {
		list, err := svc.Items().List(ctx, vid, filters...)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range list {
			out = append(out, fmt.Sprintf("%s:%s:%s", o.Title, o.State, strings.Join(o.Tags, ",")))
		}
		return strings.Join(out, " ")
	}
	byState := func(active, archived bool) sdk.ItemListFilter {
		return sdk.NewItemListFilterTypeVariantByState(&sdk.ItemListFilterByStateInner{Active: active, Archived: archived})
	}
	for _, tt := range []struct {
		filters []sdk.ItemListFilter
		want    string
	}{
		{nil, "A:active:team"},
		{[]sdk.ItemListFilter{byState(true, false)}, "A:active:team"},
		{[]sdk.ItemListFilter{byState(false, true)}, "B:archived:team"},
		{[]sdk.ItemListFilter{byState(true, true)}, "A:active:team B:archived:team"},
	} {
		if got := titles(tt.filters...); got != tt.want {
			t.Errorf("List(%v) = %q, want %q", tt.filters, got, tt.want)
		}
	}

	resp, err := svc.Items().GetAll(ctx, vid, []string{a.ID, "missing", b.ID})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.IndividualResponses
	if len(r) != 3 || r[0].Content == nil || r[0].Content.Title != "A" ||
		r[1].Error == nil || r[1].Error.Type != sdk.ItemsGetAllErrorTypeVariantItemNotFound ||
		r[2].Content == nil || r[2].Content.Title != "B" {
		t.Errorf("GetAll = %+v, want A, item not found, B", r)
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	svc := optest.New("Integrations")
	vid := svc.VaultID("Integrations")
	p := login(vid, "Portal", "pw")
	extra := "extra"
	p.Fields = append(p.Fields, sdk.ItemField{ID: "otp", Title: "one-time password", SectionID: &extra, FieldType: sdk.ItemFieldTypeTOTP,
		Value: "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"})
	if _, err := svc.Items().Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ ref, want, wantErr string }{ // want is a regexp
		{ref: "op://Integrations/Portal/password", want: "pw"},
		{ref: "op://integrations/portal/Extra/one-time password", want: `^otpauth://totp/x\?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ$`},
		{ref: "op://" + vid + "/Portal/otp?attribute=otp", want: `^\d{6}$`},
		{ref: "op://Integrations/Portal/password?attribute=otp", wantErr: "error resolving secret reference: TOTP attribute can only be applied to TOTP-type fields"},
		{ref: "op://Integrations/Nope/password", wantErr: "error resolving secret reference: no item matched the secret reference query"},
		{ref: "op://Integrations/Portal/nope", wantErr: "error resolving secret reference: the specified field cannot be found within the item"},
		{ref: "op://Integrations/Portal/Nope/password", wantErr: "error resolving secret reference: no section matched the secret reference"},
		{ref: "op://Nope/Portal/password", wantErr: "error resolving secret reference: no vault matched the secret reference query"},
		{ref: "Integrations/Portal/password", wantErr: `error resolving secret reference: secret reference is not prefixed with "op://"`},
		{ref: "op://Integrations/Portal", wantErr: `error resolving secret reference: secret reference has invalid format - must be "op://<vault>/<item>/[section/]field"`},
	} {
		got, err := svc.Secrets().Resolve(ctx, tt.ref)
		switch {
		case tt.wantErr != "":
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Resolve(%q) error = %v, want %q", tt.ref, err, tt.wantErr)
			}
		case err != nil || !regexp.MustCompile(tt.want).MatchString(got):
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.ref, got, err, tt.want)
		}
	}

	all, err := svc.Secrets().ResolveAll(ctx, []string{"op://Integrations/Portal/password", "op://Integrations/Nope/password"})
	if err != nil {
		t.Fatal(err)
	}
	ok, bad := all.IndividualResponses["op://Integrations/Portal/password"], all.IndividualResponses["op://Integrations/Nope/password"]
	if ok.Content == nil || ok.Content.Secret != "pw" || bad.Error == nil || bad.Error.Type != sdk.ResolveReferenceErrorTypeVariantItemNotFound {
		t.Errorf("ResolveAll = %+v", all.IndividualResponses)
	}
}

func TestCallsAndFailures(t *testing.T) {
	t.Parallel()
	svc := optest.New("Integrations")
	vid := svc.VaultID("Integrations")
	svc.FailWith(func(method string) error {
		if method == "Items.List" {
			return optest.RateLimitExceeded()
		}
		return nil
	})
	_, err := svc.Items().List(ctx, vid)
	if _, ok := errors.AsType[*sdk.RateLimitExceededError](err); !ok {
		t.Errorf("List error = %v, want RateLimitExceededError", err)
	}
	if _, err := svc.Vaults().List(ctx); err != nil {
		t.Errorf("Vaults.List error = %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := svc.Items().Get(cancelled, vid, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a cancelled context error = %v", err)
	}
	if got := svc.Calls(); got["Items.List"] != 1 || got["Vaults.List"] != 1 || got["Items.Get"] != 1 || svc.TotalCalls() != 3 {
		t.Errorf("Calls() = %v, want one each of Items.List, Vaults.List, Items.Get", got)
	}
	svc.ResetCalls()
	if svc.TotalCalls() != 0 {
		t.Errorf("TotalCalls() after ResetCalls = %d", svc.TotalCalls())
	}
}

func TestConcurrentCreates(t *testing.T) {
	t.Parallel()
	svc := optest.New("Integrations")
	vid := svc.VaultID("Integrations")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := svc.Items().Create(ctx, login(vid, fmt.Sprint(i), "pw")); err != nil {
				t.Error(err)
			}
			if _, err := svc.Items().List(ctx, vid); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(svc.VaultItems(vid)); n != 20 {
		t.Errorf("%d items after 20 concurrent Creates", n)
	}
}
