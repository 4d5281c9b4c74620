package app

import (
	"context"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/providers"
	"github.com/acctsetup/acctsetup/vault"
)

// mfaField is the vault field that holds a portal login's TOTP seed.
const mfaField = "mfa_totp"

// snapshot is everything the checklists need, read once per command: one
// query per table and one vault read.
type snapshot struct {
	records map[string]checklists.StepRecord // by provider/env/step
	secrets map[string]checklists.SecretMeta // by provider/env/field
	answers map[string]map[string]checklists.Answer
	signoff map[string]checklists.SignOff // newest, by provider/env
	values  map[string]vault.Secret       // by provider/env/field
}

// loadSnapshot reads the state store and the vault.
func (a *app) loadSnapshot(ctx context.Context, withValues bool) (*snapshot, error) {
	st, err := a.store(ctx)
	if err != nil {
		return nil, err
	}
	s := &snapshot{
		records: map[string]checklists.StepRecord{}, secrets: map[string]checklists.SecretMeta{},
		answers: map[string]map[string]checklists.Answer{}, signoff: map[string]checklists.SignOff{},
		values: map[string]vault.Secret{},
	}
	records, err := st.Steps(ctx, "", "")
	if err != nil {
		return nil, backendError(err)
	}
	for _, r := range records {
		s.records[key(r.Provider, r.Environment, r.Step)] = r
	}
	metas, err := st.Secrets(ctx, "")
	if err != nil {
		return nil, backendError(err)
	}
	for _, m := range metas {
		s.secrets[key(m.Provider, m.Environment, m.Field)] = m
	}
	answers, err := st.Answers(ctx, "")
	if err != nil {
		return nil, backendError(err)
	}
	for _, an := range answers {
		if s.answers[an.Provider] == nil {
			s.answers[an.Provider] = map[string]checklists.Answer{}
		}
		s.answers[an.Provider][an.Question] = an
	}
	signoffs, err := st.SignOffs(ctx, "", "")
	if err != nil {
		return nil, backendError(err)
	}
	for _, so := range signoffs { // newest first: keep the first seen
		if _, ok := s.signoff[so.Provider+"/"+so.Environment]; !ok {
			s.signoff[so.Provider+"/"+so.Environment] = so
		}
	}
	if withValues {
		if err := a.readVault(ctx, s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// readVault reads every value in one round trip, to check formats and
// compare environments; values stay in memory for this run only.
func (a *app) readVault(ctx context.Context, s *snapshot) error {
	v, err := a.vaultToRead()
	if err != nil || v == nil {
		return err
	}
	all, err := vault.ReadAll(ctx, v)
	if err != nil {
		return a.vaultError(err)
	}
	for ref, val := range all {
		s.values[ref.String()] = val
	}
	return nil
}

func key(provider, env, item string) string { return provider + "/" + env + "/" + item }

// facts returns the checklist facts of one provider and environment.
func (s *snapshot) facts(p *providers.Provider, env string) checklists.Facts {
	f := checklists.Facts{
		Records:     map[string]checklists.StepRecord{},
		Credentials: map[string]checklists.Credential{},
		Answers:     s.answers[p.ID],
	}
	for _, step := range p.StepsFor(env) {
		if r, ok := s.records[key(p.ID, env, step.ID)]; ok {
			f.Records[step.ID] = r
		}
	}
	for _, c := range p.CredentialsFor(env) {
		k := key(p.ID, env, c.Name)
		var state checklists.Credential
		if m, ok := s.secrets[k]; ok {
			state.Meta = &m
		}
		if v, ok := s.values[k]; ok {
			state.Present = true
			state.Invalid = c.Check(v.Reveal())
		}
		f.Credentials[c.Name] = state
	}
	_, f.MFAEnrolled = s.values[key(p.ID, env, mfaField)]
	if so, ok := s.signoff[p.ID+"/"+env]; ok {
		f.SignOff = &so
	}
	return f
}

// shared lists credential fields whose value is the same in another
// environment of the provider.
func (s *snapshot) shared(p *providers.Provider, env string) []string {
	var out []string
	for _, c := range p.CredentialsFor(env) {
		mine, ok := s.values[key(p.ID, env, c.Name)]
		if !ok {
			continue
		}
		for _, other := range p.EnvironmentNames() {
			if v, ok := s.values[key(p.ID, other, c.Name)]; other != env && ok && v.Reveal() == mine.Reveal() {
				out = append(out, c.Name)
				break
			}
		}
	}
	return out
}
