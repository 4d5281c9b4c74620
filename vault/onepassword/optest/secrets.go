package optest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	sdk "github.com/1password/onepassword-sdk-go"
)

// resolveError is a failed secret reference: the typed error ResolveAll
// returns and the message Resolve returns, both as the SDK core has them.
type resolveError struct {
	typ sdk.ResolveReferenceErrorTypes
	msg string
}

func (e *resolveError) Error() string { return "error resolving secret reference: " + e.msg }

func (e *resolveError) sdkError() sdk.ResolveReferenceError {
	switch e.typ {
	case sdk.ResolveReferenceErrorTypeVariantParsing:
		return sdk.NewResolveReferenceErrorTypeVariantParsing(sdk.ErrorMessage(e.msg))
	case sdk.ResolveReferenceErrorTypeVariantUnableToGenerateTOTPCode:
		return sdk.NewResolveReferenceErrorTypeVariantUnableToGenerateTOTPCode(sdk.ErrorMessage(e.msg))
	}
	return sdk.ResolveReferenceError{Type: e.typ} // the other variants carry no message
}

func refError(typ sdk.ResolveReferenceErrorTypes, msg string) *resolveError {
	return &resolveError{typ: typ, msg: msg}
}

var errBadFormat = refError(sdk.ResolveReferenceErrorTypeVariantParsing,
	`secret reference has invalid format - must be "op://<vault>/<item>/[section/]field"`)

// pick returns the one element of list whose ID is name or whose title is
// name in any case, as secret references match; none or many is the error
// when not exactly one is.
func pick[T any](name string, list []T, id, title func(T) string, none, many *resolveError) (T, *resolveError) {
	var found []T
	for _, x := range list {
		if id(x) == name || strings.EqualFold(title(x), name) {
			found = append(found, x)
		}
	}
	var zero T
	switch len(found) {
	case 0:
		return zero, none
	case 1:
		return found[0], nil
	}
	return zero, many
}

// resolve follows a secret reference. s.mu must be held.
func (s *Service) resolve(reference string) (sdk.ResolvedReference, *resolveError) {
	rest, ok := strings.CutPrefix(reference, "op://")
	if !ok {
		return sdk.ResolvedReference{}, refError(sdk.ResolveReferenceErrorTypeVariantParsing, `secret reference is not prefixed with "op://"`)
	}
	path, rawQuery, _ := strings.Cut(rest, "?")
	parts := strings.Split(path, "/")
	if len(parts) < 3 || len(parts) > 4 || strings.Contains(path, "//") || strings.HasSuffix(path, "/") {
		return sdk.ResolvedReference{}, errBadFormat
	}
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return sdk.ResolvedReference{}, errBadFormat
	}

	v, rerr := pick(parts[0], s.vaults,
		func(v sdk.VaultOverview) string { return v.ID }, func(v sdk.VaultOverview) string { return v.Title },
		refError(sdk.ResolveReferenceErrorTypeVariantVaultNotFound, "no vault matched the secret reference query"),
		refError(sdk.ResolveReferenceErrorTypeVariantTooManyVaults, "more than one vault matched the secret reference query"))
	if rerr != nil {
		return sdk.ResolvedReference{}, rerr
	}
	var inVault []*sdk.Item
	for _, it := range s.items {
		if it.VaultID == v.ID {
			inVault = append(inVault, it)
		}
	}
	it, rerr := pick(parts[1], inVault,
		func(it *sdk.Item) string { return it.ID }, func(it *sdk.Item) string { return it.Title },
		refError(sdk.ResolveReferenceErrorTypeVariantItemNotFound, "no item matched the secret reference query"),
		refError(sdk.ResolveReferenceErrorTypeVariantTooManyItems, "more than one item matched the secret reference query"))
	if rerr != nil {
		return sdk.ResolvedReference{}, rerr
	}
	if s.state[it.ID] != sdk.ItemStateActive {
		return sdk.ResolvedReference{}, refError(sdk.ResolveReferenceErrorTypeVariantOther, "item is not in an active state")
	}

	fields := it.Fields
	if len(parts) == 4 {
		noSection := refError(sdk.ResolveReferenceErrorTypeVariantNoMatchingSections, "no section matched the secret reference")
		section, rerr := pick(parts[2], it.Sections,
			func(s sdk.ItemSection) string { return s.ID }, func(s sdk.ItemSection) string { return s.Title },
			noSection, noSection)
		if rerr != nil {
			return sdk.ResolvedReference{}, rerr
		}
		fields = slices.DeleteFunc(slices.Clone(it.Fields), func(f sdk.ItemField) bool {
			return f.SectionID == nil || *f.SectionID != section.ID
		})
	}
	f, rerr := pick(parts[len(parts)-1], fields,
		func(f sdk.ItemField) string { return f.ID }, func(f sdk.ItemField) string { return f.Title },
		refError(sdk.ResolveReferenceErrorTypeVariantFieldNotFound, "the specified field cannot be found within the item"),
		refError(sdk.ResolveReferenceErrorTypeVariantTooManyMatchingFields, "more than one field matched the secret reference"))
	if rerr != nil {
		return sdk.ResolvedReference{}, rerr
	}
	value := f.Value
	switch attr := query.Get("attribute"); attr {
	case "":
	case "otp", "totp":
		if f.FieldType != sdk.ItemFieldTypeTOTP {
			return sdk.ResolvedReference{}, refError(sdk.ResolveReferenceErrorTypeVariantIncompatibleTOTPQueryParameterField, "TOTP attribute can only be applied to TOTP-type fields")
		}
		code, err := totpCode(f.Value, s.now())
		if err != nil {
			return sdk.ResolvedReference{}, refError(sdk.ResolveReferenceErrorTypeVariantUnableToGenerateTOTPCode, "TOTP code could not be generated: "+err.Error())
		}
		value = code
	default:
		return sdk.ResolvedReference{}, refError(sdk.ResolveReferenceErrorTypeVariantOther, fmt.Sprintf("optest: attribute %q is not supported", attr))
	}
	return sdk.ResolvedReference{Secret: value, ItemID: it.ID, VaultID: v.ID}, nil
}

type secrets struct{ s *Service }

func (a secrets) Resolve(ctx context.Context, reference string) (string, error) {
	if err := a.s.enter(ctx, "Secrets.Resolve"); err != nil {
		return "", err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	r, rerr := a.s.resolve(reference)
	if rerr != nil {
		return "", errors.New(rerr.Error()) // the SDK's plain error
	}
	return r.Secret, nil
}

func (a secrets) ResolveAll(ctx context.Context, references []string) (sdk.ResolveAllResponse, error) {
	if err := a.s.enter(ctx, "Secrets.ResolveAll"); err != nil {
		return sdk.ResolveAllResponse{}, err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	resp := sdk.ResolveAllResponse{IndividualResponses: make(map[string]sdk.Response[sdk.ResolvedReference, sdk.ResolveReferenceError])}
	for _, ref := range references {
		var r sdk.Response[sdk.ResolvedReference, sdk.ResolveReferenceError]
		if res, rerr := a.s.resolve(ref); rerr != nil {
			e := rerr.sdkError()
			r.Error = &e
		} else {
			r.Content = &res
		}
		resp.IndividualResponses[ref] = r
	}
	return resp, nil
}
