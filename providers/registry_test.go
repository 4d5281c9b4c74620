package providers

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func ids(ps []*Provider) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// builtinIDs are the IDs the suggestions below are measured against.
var builtinIDs = []string{"businesscentral", "codat", "quickbooksonline", "sageaccounting", "xero"}

func newTestRegistry(t *testing.T) *Registry {
	t.Helper()
	// Out of order on purpose: the registry sorts.
	r, err := NewRegistry(&Provider{ID: "xero"}, &Provider{ID: "codat"}, &Provider{ID: "sageaccounting"},
		&Provider{ID: "businesscentral"}, &Provider{ID: "quickbooksonline"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestNewRegistry(t *testing.T) {
	t.Parallel()
	r := newTestRegistry(t)
	if got := ids(r.All()); !reflect.DeepEqual(got, builtinIDs) {
		t.Errorf("All() = %v, want %v", got, builtinIDs)
	}

	_, err := NewRegistry(&Provider{ID: "xero"}, &Provider{ID: "codat"}, &Provider{ID: "xero"})
	if want := `providers: provider "xero" is registered twice`; err == nil || err.Error() != want {
		t.Errorf("NewRegistry(duplicate) error = %v, want %q", err, want)
	}

	empty, err := NewRegistry()
	if err != nil || len(empty.All()) != 0 {
		t.Errorf("NewRegistry() = %v, %v; want an empty registry", empty.All(), err)
	}
}

func TestRegistryLookup(t *testing.T) {
	t.Parallel()
	xero := &Provider{ID: "xero", Name: "Xero"}
	r, err := NewRegistry(&Provider{ID: "codat"}, xero)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := r.Lookup("xero"); err != nil || p != xero {
		t.Errorf("Lookup(xero) = %p, %v; want the registered provider %p", p, err, xero)
	}

	tests := []struct {
		name           string
		id             string
		wantSuggestion string
		wantErr        string
	}{
		{name: "transposed", id: "xeor", wantSuggestion: "xero", wantErr: `unknown provider "xeor" (did you mean "xero"?)`},
		{name: "case matters", id: "Xero", wantSuggestion: "xero", wantErr: `unknown provider "Xero" (did you mean "xero"?)`},
		{name: "far off", id: "zzzz", wantErr: `unknown provider "zzzz" (known: codat, xero)`},
		{name: "empty", id: "", wantErr: `unknown provider "" (known: codat, xero)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := r.Lookup(tt.id)
			if p != nil {
				t.Errorf("Lookup(%q) = %v, want nil", tt.id, p)
			}
			var ue *UnknownError
			if !errors.As(err, &ue) {
				t.Fatalf("Lookup(%q) error = %T %v, want *UnknownError", tt.id, err, err)
			}
			if ue.What != "provider" || ue.Name != tt.id || ue.Suggestion != tt.wantSuggestion {
				t.Errorf("UnknownError = {What %q, Name %q, Suggestion %q}, want {provider, %q, %q}", ue.What, ue.Name, ue.Suggestion, tt.id, tt.wantSuggestion)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("Error() = %q, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestUnknownErrorMessage(t *testing.T) {
	t.Parallel()
	many := make([]string, 21)
	for i := range many {
		many[i] = fmt.Sprintf("step-%02d", i)
	}
	tests := []struct {
		name string
		err  UnknownError
		want string
	}{
		{name: "suggestion wins over the list", err: UnknownError{What: "step", Name: "create-ap", Suggestion: "create-app", Known: []string{"create-app"}}, want: `unknown step "create-ap" (did you mean "create-app"?)`},
		{name: "short list", err: UnknownError{What: "credential", Name: "secret", Known: []string{"client_id", "client_secret"}}, want: `unknown credential "secret" (known: client_id, client_secret)`},
		{name: "twenty are listed", err: UnknownError{What: "step", Name: "x", Known: many[:20]}, want: `unknown step "x" (known: step-00, step-01, step-02, step-03, step-04, step-05, step-06, step-07, step-08, step-09, step-10, step-11, step-12, step-13, step-14, step-15, step-16, step-17, step-18, step-19)`},
		{name: "more than twenty are not", err: UnknownError{What: "step", Name: "x", Known: many}, want: `unknown step "x"`},
		{name: "nothing known", err: UnknownError{What: "question", Name: "hosting"}, want: `unknown question "hosting"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string
	}{
		{in: "xeor", want: "xero"},
		{in: "zero", want: "xero"},
		{in: "xer", want: "xero"},
		{in: "quickbooks", want: "quickbooksonline"},
		{in: "QuickBooks", want: "quickbooksonline"},
		{in: "quickbookonline", want: "quickbooksonline"},
		{in: "sage", want: "sageaccounting"},
		{in: "busines", want: "businesscentral"},
		{in: "codta", want: "codat"},
		// A substring of three or more letters counts even when the
		// Jaro-Winkler score alone (0.70 here) would be too low.
		{in: "books", want: "quickbooksonline"},
		{in: "accounting", want: "sageaccounting"},
		// Scores just under the 0.8 threshold suggest nothing.
		{in: "qbo", want: ""},   // 0.76
		{in: "zerox", want: ""}, // 0.78
		{in: "zzzz", want: ""},
		{in: "freeagent", want: ""},
		{in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := Suggest(tt.in, builtinIDs); got != tt.want {
				t.Errorf("Suggest(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got := Suggest("xero", nil); got != "" {
		t.Errorf("Suggest(xero, nil) = %q, want \"\"", got)
	}
}

func TestRegistryOverride(t *testing.T) {
	t.Parallel()
	r := newTestRegistry(t)
	origXero, _ := r.Lookup("xero")
	newXero := &Provider{ID: "xero", Name: "Xero (local)"}
	freeagent := &Provider{ID: "freeagent", Name: "FreeAgent"}

	o := r.Override(newXero, freeagent)

	want := []string{"businesscentral", "codat", "freeagent", "quickbooksonline", "sageaccounting", "xero"}
	if got := ids(o.All()); !reflect.DeepEqual(got, want) {
		t.Errorf("Override().All() = %v, want %v", got, want)
	}
	if p, err := o.Lookup("xero"); err != nil || p != newXero {
		t.Errorf("Override().Lookup(xero) = %v, %v; want the overriding provider", p, err)
	}
	if p, err := o.Lookup("freeagent"); err != nil || p != freeagent {
		t.Errorf("Override().Lookup(freeagent) = %v, %v; want the added provider", p, err)
	}
	if p, err := o.Lookup("codat"); err != nil || p.ID != "codat" {
		t.Errorf("Override().Lookup(codat) = %v, %v; want the untouched built-in", p, err)
	}

	// The original registry is unchanged.
	if got := ids(r.All()); !reflect.DeepEqual(got, builtinIDs) {
		t.Errorf("after Override, original All() = %v, want %v", got, builtinIDs)
	}
	if p, _ := r.Lookup("xero"); p != origXero {
		t.Errorf("after Override, original Lookup(xero) = %v, want the original provider", p)
	}
	if _, err := r.Lookup("freeagent"); err == nil {
		t.Errorf("after Override, original Lookup(freeagent) = nil error, want unknown")
	}

	// Nothing to override: an equal copy.
	if got := ids(r.Override().All()); !reflect.DeepEqual(got, builtinIDs) {
		t.Errorf("Override().All() with no providers = %v, want %v", got, builtinIDs)
	}
}

// TestUnknownMatches: a name several known names hold lists them all; one
// that only one holds, or of under three letters, gets the closest.
func TestUnknownMatches(t *testing.T) {
	t.Parallel()
	known := []string{"sage200", "sage50", "sageaccounting", "sageintacct", "xero"}
	tests := []struct {
		name, want string
	}{
		{"sage", `unknown provider "sage" (did you mean one of "sage200", "sage50", "sageaccounting", "sageintacct"?)`},
		{"SAGE5", `unknown provider "SAGE5" (did you mean "sage50"?)`},
		{"xer", `unknown provider "xer" (did you mean "xero"?)`},
		{"sa", `unknown provider "sa" (did you mean "sage50"?)`},
	}
	for _, tt := range tests {
		if got := Unknown("provider", tt.name, known).Error(); got != tt.want {
			t.Errorf("Unknown(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
