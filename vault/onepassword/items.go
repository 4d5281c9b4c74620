package onepassword

import (
	"slices"
	"strings"
	"time"

	sdk "github.com/1password/onepassword-sdk-go"

	"github.com/acctsetup/acctsetup/vault"
)

// TOTPField is the field that holds a portal login's MFA seed (an
// otpauth:// URI or a base32 seed). It is stored as the one-time password
// field of the provider and environment's Login item rather than in the API
// Credentials item, so that the 1Password apps show the current code.
const TOTPField = "mfa_totp"

// The item layout described in the package comment.
const (
	titlePrefix  = "acctsetup"
	loginSuffix  = "portal"
	valueSection = "credentials"
	metaSection  = "acctsetup"
)

var sections = []sdk.ItemSection{
	{ID: valueSection, Title: "Credentials"},
	{ID: metaSection, Title: "acctsetup metadata"},
}

// Metadata field suffixes, in the order they are written.
const (
	metaSetAt     = "set_at"
	metaSetBy     = "set_by"
	metaRotatedAt = "rotated_at"
	metaRotatedBy = "rotated_by"
	metaExpiresAt = "expires_at"
)

var metaSuffixes = []string{metaSetAt, metaSetBy, metaRotatedAt, metaRotatedBy, metaExpiresAt}

// itemKey names one of the backend's items.
type itemKey struct {
	provider, environment string
	login                 bool // the Login item holding TOTPField
}

func keyOf(ref vault.Ref) itemKey {
	return itemKey{provider: ref.Provider, environment: ref.Environment, login: ref.Field == TOTPField}
}

// title returns the item's title, e.g. "acctsetup-xero-production".
func (k itemKey) title() string {
	t := titlePrefix + "-" + k.provider + "-" + k.environment
	if k.login {
		t += "-" + loginSuffix
	}
	return t
}

func (k itemKey) category() sdk.ItemCategory {
	if k.login {
		return sdk.ItemCategoryLogin
	}
	return sdk.ItemCategoryAPICredentials
}

func (k itemKey) tags() []string {
	return []string{titlePrefix, titlePrefix + "/" + k.provider}
}

// owns reports whether field is stored in this item: TOTPField in the Login
// item, every other field in the API Credentials item.
func (k itemKey) owns(field string) bool { return (field == TOTPField) == k.login }

func (k itemKey) ref(field string) vault.Ref {
	return vault.Ref{Provider: k.provider, Environment: k.environment, Field: field}
}

func (k itemKey) notes() string {
	return "Managed by acctsetup: the " + k.provider + " " + k.environment + " credentials. " +
		"Change values with \"acctsetup secret set\"; the fields in \"acctsetup metadata\" " +
		"record who set each value and when."
}

// parseTitle returns the key of an item titled as this backend titles its
// items, and false for any other title.
func parseTitle(title string) (itemKey, bool) {
	parts := strings.Split(title, "-")
	if parts[0] != titlePrefix {
		return itemKey{}, false
	}
	var k itemKey
	switch {
	case len(parts) == 3:
		k = itemKey{provider: parts[1], environment: parts[2]}
	case len(parts) == 4 && parts[3] == loginSuffix:
		k = itemKey{provider: parts[1], environment: parts[2], login: true}
	default:
		return itemKey{}, false
	}
	if k.ref("x").Validate() != nil {
		return itemKey{}, false
	}
	return k, true
}

func inSection(f sdk.ItemField, section string) bool {
	return f.SectionID != nil && *f.SectionID == section
}

// values returns the item's secrets by field name: the fields of the
// credentials section whose title is a valid field name that k owns.
func values(k itemKey, item *sdk.Item) map[string]string {
	vals := make(map[string]string)
	for _, f := range item.Fields {
		if !inSection(f, valueSection) || !k.owns(f.Title) || k.ref(f.Title).Validate() != nil {
			continue
		}
		if _, dup := vals[f.Title]; !dup { // the first of two fields with one title wins
			vals[f.Title] = f.Value
		}
	}
	return vals
}

// readMeta returns field's metadata from the metadata section. A time that
// does not parse (edited by hand) reads as unset rather than failing every
// read of the vault.
func readMeta(item *sdk.Item, field string) vault.Meta {
	var m vault.Meta
	for _, f := range item.Fields {
		name, ok := strings.CutPrefix(f.Title, field+".")
		if !ok || !inSection(f, metaSection) {
			continue
		}
		switch name {
		case metaSetAt:
			m.SetAt = parseTime(f.Value)
		case metaSetBy:
			m.SetBy = f.Value
		case metaRotatedAt:
			m.RotatedAt = parseTime(f.Value)
		case metaRotatedBy:
			m.RotatedBy = f.Value
		case metaExpiresAt:
			m.ExpiresAt = parseTime(f.Value)
		}
	}
	return m
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func formatTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// metaFields returns the metadata fields of field, leaving out unset ones.
func metaFields(field string, m vault.Meta) []sdk.ItemField {
	text := map[string]string{metaSetBy: m.SetBy, metaRotatedBy: m.RotatedBy}
	for name, t := range map[string]time.Time{metaSetAt: m.SetAt, metaRotatedAt: m.RotatedAt, metaExpiresAt: m.ExpiresAt} {
		if !t.IsZero() {
			text[name] = formatTime(t)
		}
	}
	var fields []sdk.ItemField
	for _, name := range metaSuffixes {
		if text[name] != "" {
			fields = append(fields, newField(field+"."+name, metaSection, sdk.ItemFieldTypeText, text[name]))
		}
	}
	return fields
}

func newField(id, section string, typ sdk.ItemFieldType, value string) sdk.ItemField {
	return sdk.ItemField{ID: id, Title: id, SectionID: &section, FieldType: typ, Value: value}
}

// isFieldOrMeta reports whether f is field's value or one of its metadata
// fields.
func isFieldOrMeta(f sdk.ItemField, field string) bool {
	if inSection(f, valueSection) {
		return f.Title == field
	}
	name, ok := strings.CutPrefix(f.Title, field+".")
	return ok && inSection(f, metaSection) && slices.Contains(metaSuffixes, name)
}

// setField stores value and meta as field in item, in place: an existing
// value field and its metadata keep their positions, a new value goes after
// the other values and its metadata last. It also restores the sections and
// tags the layout needs.
func setField(k itemKey, item *sdk.Item, field, value string, meta vault.Meta) {
	typ := sdk.ItemFieldTypeConcealed
	if k.login {
		typ = sdk.ItemFieldTypeTOTP
	}
	valueField := newField(field, valueSection, typ, value)
	var kept []sdk.ItemField
	valueAt, metaAt := -1, -1
	for _, f := range item.Fields {
		switch {
		case inSection(f, valueSection) && f.Title == field:
			if valueAt < 0 {
				valueAt = len(kept)
			}
		case isFieldOrMeta(f, field):
			if metaAt < 0 {
				metaAt = len(kept)
			}
		default:
			kept = append(kept, f)
		}
	}
	if metaAt < 0 {
		metaAt = len(kept)
	}
	kept = slices.Insert(kept, metaAt, metaFields(field, meta)...)
	if valueAt < 0 {
		// After the last value field, so that values stay above metadata.
		valueAt = len(kept)
		for valueAt > 0 && !inSection(kept[valueAt-1], valueSection) {
			valueAt--
		}
	}
	item.Fields = slices.Insert(kept, valueAt, valueField)
	for _, s := range sections {
		if !slices.ContainsFunc(item.Sections, func(have sdk.ItemSection) bool { return have.ID == s.ID }) {
			item.Sections = append(item.Sections, s)
		}
	}
	for _, tag := range k.tags() {
		if !slices.Contains(item.Tags, tag) {
			item.Tags = append(item.Tags, tag)
		}
	}
}

// removeField deletes field and its metadata from item, in place, and
// reports whether anything is left that is worth keeping: a value of the
// backend's, or a non-empty field a person added.
func removeField(item *sdk.Item, field string) (keep bool) {
	item.Fields = slices.DeleteFunc(item.Fields, func(f sdk.ItemField) bool { return isFieldOrMeta(f, field) })
	for _, f := range item.Fields {
		if inSection(f, valueSection) || (!inSection(f, metaSection) && f.Value != "") {
			return true
		}
	}
	return false
}

// newItem returns the parameters that create k's item holding one field.
func newItem(k itemKey, vaultID, field, value string, meta vault.Meta) sdk.ItemCreateParams {
	item := sdk.Item{}
	setField(k, &item, field, value, meta)
	notes := k.notes()
	return sdk.ItemCreateParams{
		Category: k.category(),
		VaultID:  vaultID,
		Title:    k.title(),
		Fields:   item.Fields,
		Sections: item.Sections,
		Notes:    &notes,
		Tags:     item.Tags,
	}
}
