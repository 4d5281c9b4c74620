package checklists_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/readiness"
	"github.com/acctsetup/acctsetup/providers"
)

// tenantTOML stores a client ID and, optionally, a tenant ID.
const tenantTOML = `
id = "tenantbooks"
name = "Tenant Books"
portal_url = "https://portal.tenant.example"

[[environments]]
name = "production"

[[steps]]
id = "store-ids"
title = "Store the IDs"
kind = "credential"
credentials = ["client_id", "tenant_id"]
instructions = "Store them."

[[credentials]]
name = "client_id"
label = "Client ID"
rule = "uuid"

[[credentials]]
name = "tenant_id"
label = "Directory (tenant) ID"
rule = "uuid"
optional = true
`

// TestOptionalCredential: a missing optional credential neither keeps its
// step from being done nor is a finding; a malformed one is both.
func TestOptionalCredential(t *testing.T) {
	t.Parallel()
	p, err := providers.Decode("tenantbooks.toml", []byte(tenantTOML))
	if err != nil {
		t.Fatal(err)
	}
	present := checklists.Credential{Present: true}
	malformed := checklists.Credential{Present: true, Invalid: errors.New(`tenant_id: value breaks rule "uuid"`)}
	tests := []struct {
		name         string
		tenant       checklists.Credential
		wantDone     bool
		wantFindings []string
	}{
		{"missing", checklists.Credential{}, true, nil},
		{"stored", present, true, nil},
		{"malformed", malformed, false, []string{"tenantbooks/production/credential-malformed/tenant_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := checklists.Facts{Credentials: map[string]checklists.Credential{"client_id": present, "tenant_id": tt.tenant}}
			st := checklists.Evaluate(p, providers.Production, f)[0]
			if done := st.Status == checklists.Done; done != tt.wantDone {
				t.Errorf("store-ids done = %v (missing %v), want %v", done, st.Missing, tt.wantDone)
			}
			var ids []string
			for _, fd := range readiness.Evaluate(readiness.Input{Provider: p, Env: providers.Production, Facts: f}, readiness.Error).Findings {
				ids = append(ids, fd.ID)
			}
			if !slices.Equal(ids, tt.wantFindings) {
				t.Errorf("findings %v, want %v", ids, tt.wantFindings)
			}
		})
	}
}
