package onepassword_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/1password/onepassword-sdk-go"

	"github.com/acctsetup/acctsetup/vault"
	"github.com/acctsetup/acctsetup/vault/onepassword"
	"github.com/acctsetup/acctsetup/vault/onepassword/optest"
	"github.com/acctsetup/acctsetup/vault/vaulttest"
)

func TestConformance(t *testing.T) {
	vaulttest.Run(t, func(t *testing.T) vault.Vault {
		return onepassword.New(optest.New(vaultName), vaultName)
	})
}

func TestReference(t *testing.T) {
	t.Parallel()
	v := onepassword.New(nil, vaultName)
	for _, tt := range []struct {
		ref  vault.Ref
		want string
	}{
		{refID, "op://Integrations/acctsetup-xero-production/client_id"},
		{vault.Ref{Provider: "businesscentral", Environment: "sandbox", Field: "client_secret"}, "op://Integrations/acctsetup-businesscentral-sandbox/client_secret"},
		{refTOTP, "op://Integrations/acctsetup-xero-production-portal/mfa_totp"},
	} {
		if got := v.Reference(tt.ref); got != tt.want {
			t.Errorf("Reference(%s) = %q, want %q", tt.ref, got, tt.want)
		}
	}
}

// fieldRow is an item field as the tests compare it.
type fieldRow struct {
	Section, ID, Title string
	Type               sdk.ItemFieldType
	Value              string
}

func rows(it sdk.Item) []fieldRow {
	var out []fieldRow
	for _, f := range it.Fields {
		r := fieldRow{ID: f.ID, Title: f.Title, Type: f.FieldType, Value: f.Value}
		if f.SectionID != nil {
			r.Section = *f.SectionID
		}
		out = append(out, r)
	}
	return out
}

func TestItemLayout(t *testing.T) {
	t.Parallel()
	svc, v := newVault(t)
	ctx := context.Background()
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	meta := vault.Meta{SetAt: at, SetBy: "priya@example.com", RotatedAt: at.AddDate(0, 6, 0), RotatedBy: "sam@example.com", ExpiresAt: at.AddDate(2, 0, 0)}
	if err := v.Set(ctx, refID, vault.NewSecret(valueID), vault.Meta{SetAt: at, SetBy: "priya@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := v.Set(ctx, refSecret, vault.NewSecret(valueSecret), meta); err != nil {
		t.Fatal(err)
	}
	if err := v.Set(ctx, refTOTP, vault.NewSecret(seedURI), vault.Meta{SetAt: at}); err != nil {
		t.Fatal(err)
	}

	all := items(t, svc)
	if len(all) != 2 {
		t.Fatalf("vault has %d items, want 2", len(all))
	}
	api, ok := all["acctsetup-xero-production"]
	if !ok {
		t.Fatalf("no item acctsetup-xero-production among %q", slices.Sorted(maps.Keys(all)))
	}
	if api.Category != sdk.ItemCategoryAPICredentials {
		t.Errorf("category = %s, want %s", api.Category, sdk.ItemCategoryAPICredentials)
	}
	if want := []string{"acctsetup", "acctsetup/xero"}; !slices.Equal(api.Tags, want) {
		t.Errorf("tags = %q, want %q", api.Tags, want)
	}
	if want := []sdk.ItemSection{{ID: "credentials", Title: "Credentials"}, {ID: "acctsetup", Title: "acctsetup metadata"}}; !slices.Equal(api.Sections, want) {
		t.Errorf("sections = %+v, want %+v", api.Sections, want)
	}
	if !strings.HasPrefix(api.Notes, "Managed by acctsetup") {
		t.Errorf("notes = %q, want a note saying acctsetup manages the item", api.Notes)
	}
	want := []fieldRow{
		{"credentials", "client_id", "client_id", sdk.ItemFieldTypeConcealed, valueID},
		{"credentials", "client_secret", "client_secret", sdk.ItemFieldTypeConcealed, valueSecret},
		{"acctsetup", "client_id.set_at", "client_id.set_at", sdk.ItemFieldTypeText, "2025-03-04T04:06:07Z"},
		{"acctsetup", "client_id.set_by", "client_id.set_by", sdk.ItemFieldTypeText, "priya@example.com"},
		{"acctsetup", "client_secret.set_at", "client_secret.set_at", sdk.ItemFieldTypeText, "2025-03-04T04:06:07Z"},
		{"acctsetup", "client_secret.set_by", "client_secret.set_by", sdk.ItemFieldTypeText, "priya@example.com"},
		{"acctsetup", "client_secret.rotated_at", "client_secret.rotated_at", sdk.ItemFieldTypeText, "2025-09-04T04:06:07Z"},
		{"acctsetup", "client_secret.rotated_by", "client_secret.rotated_by", sdk.ItemFieldTypeText, "sam@example.com"},
		{"acctsetup", "client_secret.expires_at", "client_secret.expires_at", sdk.ItemFieldTypeText, "2027-03-04T04:06:07Z"},
	}
	if got := rows(api); !slices.Equal(got, want) {
		t.Errorf("fields of acctsetup-xero-production:\n got %+v\nwant %+v", got, want)
	}

	login := all["acctsetup-xero-production-portal"]
	if login.Category != sdk.ItemCategoryLogin {
		t.Errorf("portal item category = %q, want %s", login.Category, sdk.ItemCategoryLogin)
	}
	wantLogin := []fieldRow{
		{"credentials", "mfa_totp", "mfa_totp", sdk.ItemFieldTypeTOTP, seedURI},
		{"acctsetup", "mfa_totp.set_at", "mfa_totp.set_at", sdk.ItemFieldTypeText, "2025-03-04T04:06:07Z"},
	}
	if got := rows(login); !slices.Equal(got, wantLogin) {
		t.Errorf("fields of acctsetup-xero-production-portal:\n got %+v\nwant %+v", got, wantLogin)
	}
	for _, title := range []string{"acctsetup-xero-production", "acctsetup-xero-production-portal"} {
		ref := "op://" + vaultName + "/" + title + "/client_id"
		if title != "acctsetup-xero-production" {
			ref = "op://" + vaultName + "/" + title + "/mfa_totp"
		}
		if _, err := svc.Secrets().Resolve(ctx, ref); err != nil {
			t.Errorf("1Password cannot resolve %q: %v", ref, err)
		}
	}
}

func TestTOTP(t *testing.T) {
	t.Parallel()
	svc, v := newVault(t)
	ctx := context.Background()
	svc.SetClock(func() time.Time { return time.Unix(59, 0) }) // RFC 6238 test vector: 94287082, 6 digits: 287082
	set(t, v, refTOTP, seedURI)

	login := items(t, svc)["acctsetup-xero-production-portal"]
	i := slices.IndexFunc(login.Fields, func(f sdk.ItemField) bool { return f.ID == onepassword.TOTPField })
	if i < 0 {
		t.Fatalf("no %s field in the Login item: %+v", onepassword.TOTPField, rows(login))
	}
	f := login.Fields[i]
	if f.FieldType != sdk.ItemFieldTypeTOTP || f.Value != seedURI {
		t.Errorf("field %s = %s %q, want %s with the otpauth URI", f.ID, f.FieldType, f.Value, sdk.ItemFieldTypeTOTP)
	}
	if f.Details == nil || f.Details.OTP() == nil || f.Details.OTP().Code == nil || *f.Details.OTP().Code != "287082" {
		t.Errorf("field %s has no current code 287082: %+v", f.ID, f.Details)
	}

	if got := get(t, v, refTOTP); got != seedURI {
		t.Errorf("Get(%s) = %q, want the otpauth URI", refTOTP, got)
	}
	code, err := v.Resolve(ctx, v.Reference(refTOTP)+"?attribute=otp")
	if err != nil || code.Reveal() != "287082" {
		t.Errorf("Resolve(...?attribute=otp) = %q, %v; want the code 287082", code.Reveal(), err)
	}
	// The seed never goes to the API Credentials item.
	if _, ok := items(t, svc)["acctsetup-xero-production"]; ok {
		t.Error("Set of the TOTP seed created an API Credentials item")
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	t.Parallel()
	svc, v := newVault(t)
	ctx := context.Background()
	at := time.Date(2025, 3, 4, 5, 6, 7, 890_000_000, time.FixedZone("EST", -5*3600))
	meta := vault.Meta{SetAt: at, SetBy: "priya@example.com", RotatedAt: at.Add(time.Hour), RotatedBy: "sam@example.com", ExpiresAt: at.AddDate(2, 0, 0)}
	if err := v.Set(ctx, refSecret, vault.NewSecret(valueSecret), meta); err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(-time.Second)
	set(t, v, refID, valueID) // zero meta: set now
	after := time.Now().Add(time.Second)

	// A new Vault reads what the first wrote.
	entries, err := onepassword.New(svc, vaultName).List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("List() = %v, want 2 entries", entries)
	}
	got := entries[1].Meta // client_secret sorts after client_id
	want := vault.Meta{
		SetAt: at.UTC().Truncate(time.Second), SetBy: meta.SetBy,
		RotatedAt: at.Add(time.Hour).UTC().Truncate(time.Second), RotatedBy: meta.RotatedBy,
		ExpiresAt: at.AddDate(2, 0, 0).UTC().Truncate(time.Second),
	}
	if got != want {
		t.Errorf("List() meta of %s = %+v, want %+v (whole seconds, UTC)", entries[1].Ref, got, want)
	}
	if set := entries[0].SetAt; set.Before(before.Truncate(time.Second)) || set.After(after) || set.Location() != time.UTC {
		t.Errorf("List() SetAt of %s = %v, want the time of Set in UTC", entries[0].Ref, set)
	}
	if entries[0].SetBy != "" || !entries[0].RotatedAt.IsZero() || !entries[0].ExpiresAt.IsZero() {
		t.Errorf("List() meta of %s = %+v, want only SetAt", entries[0].Ref, entries[0].Meta)
	}
}

func TestMetadataEditedByHand(t *testing.T) {
	t.Parallel()
	svc, v := newVault(t)
	set(t, v, refID, valueID)
	editItem(t, svc, "acctsetup-xero-production", func(it *sdk.Item) {
		for i, f := range it.Fields {
			if f.ID == "client_id.set_at" {
				it.Fields[i].Value = "last tuesday"
			}
		}
	})
	entries, err := onepassword.New(svc, vaultName).List(context.Background())
	if err != nil || len(entries) != 1 {
		t.Fatalf("List() = %v, %v; want one entry", entries, err)
	}
	if !entries[0].SetAt.IsZero() {
		t.Errorf("SetAt = %v, want zero for a time that does not parse", entries[0].SetAt)
	}
}

// seed stores n secrets across providers and environments, plus a TOTP
// seed per item, and an item of someone else's.
func seed(t *testing.T, svc *optest.Service, n int) []vault.Ref {
	t.Helper()
	v := onepassword.New(svc, vaultName)
	var refs []vault.Ref
	for i := range n {
		ref := vault.Ref{Provider: fmt.Sprintf("p%d", i/4), Environment: []string{"sandbox", "production"}[i/2%2], Field: []string{"client_id", "client_secret"}[i%2]}
		if i%4 == 3 {
			ref.Field = onepassword.TOTPField
		}
		set(t, v, ref, "value-"+ref.String())
		refs = append(refs, ref)
	}
	createItem(t, svc, sdk.ItemCreateParams{Title: "Mailbox", Category: sdk.ItemCategoryLogin,
		Fields: []sdk.ItemField{{ID: "password", Title: "password", FieldType: sdk.ItemFieldTypeConcealed, Value: "hunter2"}}})
	return refs
}

// recorder records the item IDs Items.GetAll is asked for.
type recorder struct {
	*optest.Service
	mu  sync.Mutex
	ids [][]string
}

func (r *recorder) Items() sdk.ItemsAPI { return recordingItems{r.Service.Items(), r} }

type recordingItems struct {
	sdk.ItemsAPI
	r *recorder
}

func (i recordingItems) GetAll(ctx context.Context, vaultID string, ids []string) (sdk.ItemsGetAllResponse, error) {
	i.r.mu.Lock()
	i.r.ids = append(i.r.ids, ids)
	i.r.mu.Unlock()
	return i.ItemsAPI.GetAll(ctx, vaultID, ids)
}

// TestBulkReadCalls checks what "check" costs: three requests however many
// secrets there are, and none more for any read after them.
func TestBulkReadCalls(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 8, 30, 120} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			svc := optest.New(vaultName)
			refs := seed(t, svc, n)
			svc.ResetCalls()
			rec := &recorder{Service: svc}
			v := onepassword.New(rec, vaultName)
			ctx := context.Background()

			entries, err := v.List(ctx)
			if err != nil || len(entries) != n {
				t.Fatalf("List() = %d entries, %v; want %d", len(entries), err, n)
			}
			all, err := vault.ReadAll(ctx, v)
			if err != nil || len(all) != n {
				t.Fatalf("ReadAll() = %d values, %v; want %d", len(all), err, n)
			}
			for _, ref := range refs {
				if got := get(t, v, ref); got != "value-"+ref.String() {
					t.Errorf("Get(%s) = %q", ref, got)
				}
				if s, err := v.Resolve(ctx, v.Reference(ref)); err != nil || s.Reveal() != "value-"+ref.String() {
					t.Errorf("Resolve(%q) = %q, %v", v.Reference(ref), s.Reveal(), err)
				}
			}
			missing := vault.Ref{Provider: "p0", Environment: "production", Field: "webhook_secret"}
			if _, err := v.Get(ctx, missing); !errors.Is(err, vault.ErrNotFound) {
				t.Errorf("Get(%s) error = %v, want ErrNotFound", missing, err)
			}
			if _, err := v.Resolve(ctx, v.Reference(missing)); !errors.Is(err, vault.ErrNotFound) {
				t.Errorf("Resolve(%s) error = %v, want ErrNotFound", v.Reference(missing), err)
			}
			wantCalls(t, svc, map[string]int{"Vaults.List": 1, "Items.List": 1, "Items.GetAll": 1})

			// Items.GetAll fetched the backend's items only, not the mailbox.
			if len(rec.ids) != 1 || len(rec.ids[0]) != len(items(t, svc))-1 {
				t.Errorf("Items.GetAll asked for %v, want the %d acctsetup items", rec.ids, len(items(t, svc))-1)
			}
		})
	}
}

func TestWriteCalls(t *testing.T) {
	t.Parallel()
	svc, v := newVault(t)
	ctx := context.Background()
	steps := []struct {
		name string
		do   func() error
		want map[string]int
	}{
		{"first Set lists, finds nothing, creates", func() error { return v.Set(ctx, refID, vault.NewSecret(valueID), vault.Meta{}) },
			map[string]int{"Vaults.List": 1, "Items.List": 1, "Items.Create": 1}},
		{"Set into the same item puts it", func() error { return v.Set(ctx, refSecret, vault.NewSecret(valueSecret), vault.Meta{}) },
			map[string]int{"Items.Put": 1}},
		{"Set of the TOTP seed creates the Login item", func() error { return v.Set(ctx, refTOTP, vault.NewSecret(seedURI), vault.Meta{}) },
			map[string]int{"Items.Create": 1}},
		{"reads are cached", func() error { _, err := v.List(ctx); return err }, map[string]int{}},
		{"Delete of one of two fields puts the item", func() error { return v.Delete(ctx, refID) },
			map[string]int{"Items.Put": 1}},
		{"Delete of the last field deletes the item", func() error { return v.Delete(ctx, refSecret) },
			map[string]int{"Items.Delete": 1}},
		{"Delete of a missing field asks nothing", func() error {
			if err := v.Delete(ctx, refSecret); !errors.Is(err, vault.ErrNotFound) {
				return fmt.Errorf("Delete(%s) error = %v, want ErrNotFound", refSecret, err)
			}
			return nil
		}, map[string]int{}},
	}
	svc.ResetCalls()
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		t.Run(s.name, func(t *testing.T) { wantCalls(t, svc, s.want) })
	}
	if got := slices.Sorted(maps.Keys(items(t, svc))); !slices.Equal(got, []string{"acctsetup-xero-production-portal"}) {
		t.Errorf("items left = %q, want only the portal login", got)
	}
}

func TestGetMissingCalls(t *testing.T) {
	t.Parallel()
	svc, v := newVault(t)
	for range 3 {
		if _, err := v.Get(context.Background(), refID); !errors.Is(err, vault.ErrNotFound) {
			t.Fatalf("Get(%s) error = %v, want ErrNotFound", refID, err)
		}
	}
	// No acctsetup items: nothing to fetch, and no retry.
	wantCalls(t, svc, map[string]int{"Vaults.List": 1, "Items.List": 1})
}

func TestResolveOtherReferences(t *testing.T) {
	t.Parallel()
	svc, v := newVault(t)
	ctx := context.Background()
	createItem(t, svc, sdk.ItemCreateParams{Title: "Mailbox", Category: sdk.ItemCategoryLogin,
		Sections: []sdk.ItemSection{{ID: "imap", Title: "IMAP"}},
		Fields: []sdk.ItemField{
			{ID: "password", Title: "password", FieldType: sdk.ItemFieldTypeConcealed, Value: "hunter2"},
			{ID: "host", Title: "host", SectionID: ptr("imap"), FieldType: sdk.ItemFieldTypeText, Value: "imap.example.com"},
		}})
	old := createItem(t, svc, sdk.ItemCreateParams{Title: "Old mailbox", Category: sdk.ItemCategoryLogin,
		Fields: []sdk.ItemField{{ID: "password", Title: "password", FieldType: sdk.ItemFieldTypeConcealed, Value: "old"}}})
	if err := svc.Items().Archive(ctx, old.VaultID, old.ID); err != nil {
		t.Fatal(err)
	}
	svc.AddVault("Elsewhere")
	svc.AddVault("Elsewhere")
	svc.ResetCalls()

	for _, tt := range []struct {
		ref      string
		want     string
		notFound bool
		wantErr  string
		calls    int
	}{
		{ref: "op://Integrations/Mailbox/password", want: "hunter2", calls: 1},
		{ref: "op://integrations/mailbox/IMAP/host", want: "imap.example.com", calls: 1},
		{ref: "op://Integrations/Calendar/password", notFound: true, calls: 1},
		{ref: "op://Integrations/Mailbox/token", notFound: true, calls: 1},
		{ref: "op://Integrations/Mailbox/SMTP/host", notFound: true, calls: 1},
		{ref: "op://Integrations/Old mailbox/password", notFound: true, calls: 1},
		{ref: "op://Personal/Mailbox/password", wantErr: `onepassword: resolve "op://Personal/Mailbox/password": error resolving secret reference: no vault matched the secret reference query`, calls: 1},
		{ref: "op://Elsewhere/Mailbox/password", wantErr: `onepassword: resolve "op://Elsewhere/Mailbox/password": error resolving secret reference: more than one vault matched the secret reference query`, calls: 1},
		{ref: "op://Integrations/Mailbox", wantErr: `onepassword: invalid secret reference "op://Integrations/Mailbox": want op://vault/item[/section]/field`},
		{ref: "op://Integrations//password", wantErr: `onepassword: invalid secret reference "op://Integrations//password": want op://vault/item[/section]/field`},
		{ref: "op://a/b/c/d/e", wantErr: `onepassword: invalid secret reference "op://a/b/c/d/e": want op://vault/item[/section]/field`},
		{ref: "hunter2", wantErr: "onepassword: invalid secret reference: it does not start with op://"},
	} {
		s, err := v.Resolve(ctx, tt.ref)
		switch {
		case tt.notFound:
			if !errors.Is(err, vault.ErrNotFound) {
				t.Errorf("Resolve(%q) error = %v, want ErrNotFound", tt.ref, err)
			}
		case tt.wantErr != "":
			if err == nil || err.Error() != tt.wantErr || errors.Is(err, vault.ErrNotFound) {
				t.Errorf("Resolve(%q) error = %v, want %q", tt.ref, err, tt.wantErr)
			}
		case err != nil || s.Reveal() != tt.want:
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.ref, s.Reveal(), err, tt.want)
		}
		if got := svc.Calls()["Secrets.Resolve"]; got != tt.calls {
			t.Errorf("Resolve(%q) made %d Secrets.Resolve calls, want %d (no retry)", tt.ref, got, tt.calls)
		}
		if got := svc.TotalCalls(); got != tt.calls {
			t.Errorf("Resolve(%q) made %d API calls, want %d: %v", tt.ref, got, tt.calls, svc.Calls())
		}
		svc.ResetCalls()
	}
}

func TestResolveOwnReferences(t *testing.T) {
	t.Parallel()
	svc := optest.New(vaultName)
	set(t, onepassword.New(svc, vaultName), refID, valueID)
	ctx := context.Background()

	// Before the items are listed, a reference costs one Resolve and nothing else.
	svc.ResetCalls()
	v := onepassword.New(svc, vaultName)
	if s, err := v.Resolve(ctx, v.Reference(refID)); err != nil || s.Reveal() != valueID {
		t.Errorf("Resolve(%q) = %v; want the value", v.Reference(refID), err)
	}
	if _, err := v.Resolve(ctx, v.Reference(refSecret)); !errors.Is(err, vault.ErrNotFound) {
		t.Errorf("Resolve(%q) error = %v, want ErrNotFound", v.Reference(refSecret), err)
	}
	wantCalls(t, svc, map[string]int{"Secrets.Resolve": 2})

	// After, its own references cost nothing, in any case and by vault ID.
	if _, err := v.List(ctx); err != nil {
		t.Fatal(err)
	}
	svc.ResetCalls()
	for _, ref := range []string{
		v.Reference(refID),
		"op://integrations/acctsetup-xero-production/client_id",
		"op://" + svc.VaultID(vaultName) + "/acctsetup-xero-production/client_id",
	} {
		if s, err := v.Resolve(ctx, ref); err != nil || s.Reveal() != valueID {
			t.Errorf("Resolve(%q) = %v; want the value", ref, err)
		}
	}
	for _, ref := range []string{v.Reference(refSecret), v.Reference(refTOTP), "op://Integrations/acctsetup-qbo-sandbox/client_id"} {
		if _, err := v.Resolve(ctx, ref); !errors.Is(err, vault.ErrNotFound) {
			t.Errorf("Resolve(%q) error = %v, want ErrNotFound", ref, err)
		}
	}
	wantCalls(t, svc, map[string]int{})
}

func TestRateLimited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		method string
		do     func(v *onepassword.Vault) error
	}{
		{"Vaults.List", func(v *onepassword.Vault) error { _, err := v.Get(ctx, refID); return err }},
		{"Items.List", func(v *onepassword.Vault) error { _, err := v.List(ctx); return err }},
		{"Items.GetAll", func(v *onepassword.Vault) error { _, err := v.GetAll(ctx); return err }},
		{"Items.Put", func(v *onepassword.Vault) error {
			return v.Set(ctx, refSecret, vault.NewSecret(valueSecret), vault.Meta{})
		}},
		{"Items.Create", func(v *onepassword.Vault) error { return v.Set(ctx, refTOTP, vault.NewSecret(seedURI), vault.Meta{}) }},
		{"Items.Delete", func(v *onepassword.Vault) error { return v.Delete(ctx, refID) }},
		{"Secrets.Resolve", func(v *onepassword.Vault) error {
			_, err := v.Resolve(ctx, "op://Integrations/Mailbox/password")
			return err
		}},
	} {
		t.Run(tt.method, func(t *testing.T) {
			t.Parallel()
			svc := optest.New(vaultName)
			set(t, onepassword.New(svc, vaultName), refID, valueID)
			svc.ResetCalls()
			svc.FailWith(func(method string) error {
				if method == tt.method {
					return optest.RateLimitExceeded()
				}
				return nil
			})
			v := onepassword.New(svc, vaultName)
			err := tt.do(v)
			if !errors.Is(err, onepassword.ErrRateLimited) {
				t.Fatalf("error = %v, want ErrRateLimited", err)
			}
			if _, ok := errors.AsType[*sdk.RateLimitExceededError](err); !ok {
				t.Errorf("error %v does not wrap the SDK's RateLimitExceededError", err)
			}
			for _, want := range []string{"onepassword: ", "rate limit exceeded", "1,000 reads and 100 writes an hour", "5,000 on Teams", "Connect server"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if n := svc.Calls()[tt.method]; n != 1 {
				t.Errorf("%s called %d times, want 1: no retry", tt.method, n)
			}
		})
	}
}

// TestRateLimitedWriteKeepsCache checks that a refused write does not make
// the next read list everything again.
func TestRateLimitedWriteKeepsCache(t *testing.T) {
	t.Parallel()
	svc, v := newVault(t)
	set(t, v, refID, valueID)
	svc.FailWith(func(method string) error {
		if method == "Items.Put" {
			return optest.RateLimitExceeded()
		}
		return nil
	})
	svc.ResetCalls()
	if err := v.Set(context.Background(), refID, vault.NewSecret("new"), vault.Meta{}); !errors.Is(err, onepassword.ErrRateLimited) {
		t.Fatalf("Set error = %v, want ErrRateLimited", err)
	}
	if got := get(t, v, refID); got != valueID {
		t.Errorf("Get after a refused Set = %q, want the old value", got)
	}
	wantCalls(t, svc, map[string]int{"Items.Put": 1})
}

// TestFailedWriteReloads checks that after a write that may or may not
// have happened, the next read asks 1Password again.
func TestFailedWriteReloads(t *testing.T) {
	t.Parallel()
	svc, v := newVault(t)
	set(t, v, refID, valueID)
	svc.FailWith(func(method string) error {
		if method == "Items.Put" {
			return errors.New("request timeout")
		}
		return nil
	})
	svc.ResetCalls()
	err := v.Set(context.Background(), refSecret, vault.NewSecret(valueSecret), vault.Meta{})
	want := `onepassword: set xero/production/client_secret: update item "acctsetup-xero-production" in vault "Integrations": request timeout`
	if err == nil || err.Error() != want {
		t.Fatalf("Set error = %v, want %q", err, want)
	}
	svc.FailWith(nil)
	get(t, v, refID)
	wantCalls(t, svc, map[string]int{"Items.Put": 1, "Items.List": 1, "Items.GetAll": 1})
}

func TestErrorsHideValues(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"Items.Create", "Items.Put"} {
		svc, v := newVault(t)
		set(t, v, refID, valueID)
		svc.FailWith(func(m string) error {
			if m == method {
				return fmt.Errorf("invalid user input: field value %q is too long", valueSecret)
			}
			return nil
		})
		ref := refSecret
		if method == "Items.Create" {
			ref = vault.Ref{Provider: "qbo", Environment: "sandbox", Field: "client_secret"}
		}
		err := v.Set(context.Background(), ref, vault.NewSecret(valueSecret), vault.Meta{})
		if err == nil || strings.Contains(err.Error(), valueSecret) || !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("%s failing: Set error = %v, want the value redacted", method, err)
		}
		for e := err; e != nil; e = errors.Unwrap(e) {
			if strings.Contains(e.Error(), valueSecret) {
				t.Errorf("%s failing: a wrapped error contains the value: %v", method, e)
			}
		}
	}
}

func TestDeleteKeepsItemWithOwnerFields(t *testing.T) {
	t.Parallel()
	// A person fills in the item's built-in username.
	svc := editedByPerson(t, func(it *sdk.Item) {
		it.Fields = append(it.Fields, sdk.ItemField{ID: "username", Title: "username", FieldType: sdk.ItemFieldTypeText, Value: "ops@example.com"})
	})
	v := onepassword.New(svc, vaultName)
	if err := v.Delete(context.Background(), refID); err != nil {
		t.Fatal(err)
	}
	it, ok := items(t, svc)["acctsetup-xero-production"]
	if !ok {
		t.Fatal("Delete removed an item holding a person's field")
	}
	want := []fieldRow{{"", "username", "username", sdk.ItemFieldTypeText, "ops@example.com"}}
	if got := rows(it); !slices.Equal(got, want) {
		t.Errorf("fields after Delete = %+v, want %+v", got, want)
	}
}

func TestSetKeepsOtherContent(t *testing.T) {
	t.Parallel()
	svc := editedByPerson(t, func(it *sdk.Item) {
		it.Sections = append(it.Sections, sdk.ItemSection{ID: "portal", Title: "Portal"})
		it.Fields = append(it.Fields, sdk.ItemField{ID: "app_url", Title: "app_url", SectionID: ptr("portal"), FieldType: sdk.ItemFieldTypeURL, Value: "https://developer.xero.com/app/manage"})
		it.Tags = []string{"team-integrations"} // a person replaced the tags
		it.Notes = "Owner: Priya"
	})

	v := onepassword.New(svc, vaultName)
	set(t, v, refSecret, valueSecret)
	set(t, v, refID, "rotated")
	it := items(t, svc)["acctsetup-xero-production"]
	if want := []string{"team-integrations", "acctsetup", "acctsetup/xero"}; !slices.Equal(it.Tags, want) {
		t.Errorf("tags = %q, want %q", it.Tags, want)
	}
	if it.Notes != "Owner: Priya" {
		t.Errorf("notes = %q, want the person's notes kept", it.Notes)
	}
	var ids []string
	for _, f := range it.Fields {
		ids = append(ids, f.ID)
	}
	// Fields keep their places; new ones go after their kind.
	if want := []string{"client_id", "client_secret", "client_id.set_at", "app_url", "client_secret.set_at"}; !slices.Equal(ids, want) {
		t.Errorf("field IDs = %q, want %q", ids, want)
	}
	if got := get(t, v, refID); got != "rotated" {
		t.Errorf("Get(%s) = %q, want the new value", refID, got)
	}
	entries, err := v.List(context.Background())
	if err != nil || len(entries) != 2 {
		t.Errorf("List() = %v, %v; want the two values only", entries, err)
	}
}

func TestVaultLookup(t *testing.T) {
	t.Parallel()
	svc := optest.New(vaultName, "Twin", "Twin")
	id := svc.VaultID(vaultName)
	ctx := context.Background()
	for _, name := range []string{vaultName, "integrations", id} {
		v := onepassword.New(svc, name)
		set(t, v, refID, valueID)
		if got := items(t, svc); len(got) != 1 {
			t.Errorf("vault %q: Set wrote %d items into %s, want 1", name, len(got), vaultName)
		}
	}
	for _, tt := range []struct{ name, wantErr string }{
		{"Missing", `onepassword: vault "Missing" not found: it does not exist or is not shared with the service account`},
		{"Twin", `onepassword: 2 vaults are titled "Twin" (IDs `},
	} {
		_, err := onepassword.New(svc, tt.name).Get(ctx, refID)
		if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) || errors.Is(err, vault.ErrNotFound) {
			t.Errorf("Get in vault %q error = %v, want %q...", tt.name, err, tt.wantErr)
		}
	}
}

func TestForeignItemsWithOurTitles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		items   []sdk.ItemCreateParams
		wantErr string
	}{
		{"duplicate", []sdk.ItemCreateParams{
			{Title: "acctsetup-xero-production", Category: sdk.ItemCategoryAPICredentials},
			{Title: "acctsetup-xero-production", Category: sdk.ItemCategoryAPICredentials},
		}, `onepassword: vault "Integrations" has two items titled "acctsetup-xero-production" (IDs `},
		{"category", []sdk.ItemCreateParams{
			{Title: "acctsetup-xero-production", Category: sdk.ItemCategorySecureNote},
		}, `onepassword: item "acctsetup-xero-production" (ID `},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc, v := newVault(t)
			for _, p := range tt.items {
				createItem(t, svc, p)
			}
			_, err := v.List(context.Background())
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("List() error = %v, want %q...", err, tt.wantErr)
			}
		})
	}
	// Titles that only look alike are someone else's and ignored.
	svc, v := newVault(t)
	for _, title := range []string{"acctsetup-xero", "acctsetup-Xero-production", "acctsetup-xero-production-notes", "acctsetup xero production"} {
		createItem(t, svc, sdk.ItemCreateParams{Title: title, Category: sdk.ItemCategorySecureNote})
	}
	if entries, err := v.List(context.Background()); err != nil || len(entries) != 0 {
		t.Errorf("List() = %v, %v; want nothing", entries, err)
	}
}

func TestOpenConnectsLazily(t *testing.T) {
	t.Parallel()
	svc := optest.New(vaultName)
	var (
		mu       sync.Mutex
		connects int
		fail     = true
	)
	v := onepassword.Open(vaultName, func(ctx context.Context) (onepassword.API, error) {
		mu.Lock()
		defer mu.Unlock()
		connects++
		if fail {
			return nil, errors.New("onepassword: connect: request timeout")
		}
		return svc, nil
	})
	if got := v.Reference(refID); got == "" || connects != 0 {
		t.Fatalf("Reference() connected %d times, want 0", connects)
	}
	if _, err := v.Get(context.Background(), refID); err == nil || err.Error() != "onepassword: connect: request timeout" {
		t.Errorf("Get with a failing connect error = %v, want the connect error", err)
	}
	fail = false
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := v.Get(context.Background(), refID); !errors.Is(err, vault.ErrNotFound) {
				t.Errorf("Get error = %v, want ErrNotFound", err)
			}
		})
	}
	wg.Wait()
	if connects != 2 {
		t.Errorf("connect called %d times, want 2: once failing, once for all ten Gets", connects)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	svc, v := newVault(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		ref := vault.Ref{Provider: fmt.Sprintf("p%d", i%3), Environment: "production", Field: fmt.Sprintf("f%d", i)}
		wg.Go(func() {
			for range 5 {
				if err := v.Set(ctx, ref, vault.NewSecret("v"), vault.Meta{}); err != nil {
					t.Error(err)
				}
				if _, err := v.Get(ctx, ref); err != nil {
					t.Error(err)
				}
				if _, err := v.List(ctx); err != nil {
					t.Error(err)
				}
				if _, err := v.Resolve(ctx, v.Reference(ref)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	entries, err := onepassword.New(svc, vaultName).List(ctx)
	if err != nil || len(entries) != 8 {
		t.Errorf("List() = %d entries, %v; want 8", len(entries), err)
	}
}
