package checklists

import (
	"context"

	"github.com/acctsetup/acctsetup/providers"
	"github.com/acctsetup/acctsetup/vault"
)

// MFAField is the vault field that holds a portal login's TOTP seed.
const MFAField = "mfa_totp"

// Snapshot is everything the checklists are derived from, read once per
// command: one query per table of the state store and, when a command
// needs them, every vault value in one read. Values stay in memory for the
// run only.
type Snapshot struct {
	records     map[string]StepRecord        // by provider/env/step
	secrets     map[string]SecretMeta        // by provider/env/field
	answers     map[string]map[string]Answer // by provider, then question
	signoffs    map[string]SignOff           // the newest, by provider/env
	obligations map[string]ObligationRecord  // by provider/env/obligation
	values      map[string]vault.Secret      // by provider/env/field
}

// Load reads the state store's records into a snapshot without vault
// values (see SetValues).
func Load(ctx context.Context, st Store) (*Snapshot, error) {
	s := &Snapshot{
		records: map[string]StepRecord{}, secrets: map[string]SecretMeta{},
		answers: map[string]map[string]Answer{}, signoffs: map[string]SignOff{},
		obligations: map[string]ObligationRecord{}, values: map[string]vault.Secret{},
	}
	records, err := st.Steps(ctx, "", "")
	if err != nil {
		return nil, err
	}
	for _, r := range records {
		s.records[key(r.Provider, r.Environment, r.Step)] = r
	}
	metas, err := st.Secrets(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, m := range metas {
		s.secrets[key(m.Provider, m.Environment, m.Field)] = m
	}
	answers, err := st.Answers(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, an := range answers {
		if s.answers[an.Provider] == nil {
			s.answers[an.Provider] = map[string]Answer{}
		}
		s.answers[an.Provider][an.Question] = an
	}
	signoffs, err := st.SignOffs(ctx, "", "")
	if err != nil {
		return nil, err
	}
	for _, so := range signoffs { // newest first: keep the first seen
		if _, ok := s.signoffs[so.Provider+"/"+so.Environment]; !ok {
			s.signoffs[so.Provider+"/"+so.Environment] = so
		}
	}
	obligations, err := st.Obligations(ctx, "", "")
	if err != nil {
		return nil, err
	}
	for _, o := range obligations {
		s.obligations[key(o.Provider, o.Environment, o.Obligation)] = o
	}
	return s, nil
}

// SetValues gives the snapshot the vault's values (vault.ReadAll), to check
// formats, MFA enrolment and environments sharing a value.
func (s *Snapshot) SetValues(values map[vault.Ref]vault.Secret) {
	for ref, v := range values {
		s.values[key(ref.Provider, ref.Environment, ref.Field)] = v
	}
}

// TopicAnswer is the team's latest answer to another question of the same
// topic, offered when answering one that has none yet.
type TopicAnswer struct {
	Answer
	Topic string
}

// TopicAnswer returns the newest answer, among ps's questions that share
// q's topic (other than q itself), to offer for q; false when q has no
// topic or none is answered.
func (s *Snapshot) TopicAnswer(ps []*providers.Provider, owner string, q providers.Question) (TopicAnswer, bool) {
	var best TopicAnswer
	if q.Topic == "" {
		return best, false
	}
	for _, p := range ps {
		for _, other := range p.Questionnaire {
			if other.Topic != q.Topic || (p.ID == owner && other.ID == q.ID) {
				continue
			}
			if a, ok := s.answers[p.ID][other.ID]; ok && a.Text != "" && a.At.After(best.At) {
				best = TopicAnswer{Answer: a, Topic: q.Topic}
			}
		}
	}
	return best, best.Text != ""
}

// Answers returns a provider's questionnaire answers by question ID.
func (s *Snapshot) Answers(provider string) map[string]Answer { return s.answers[provider] }

func key(provider, env, item string) string { return provider + "/" + env + "/" + item }

// Facts returns the checklist facts of one provider and environment.
func (s *Snapshot) Facts(p *providers.Provider, env string) Facts {
	f := Facts{
		Records:     map[string]StepRecord{},
		Credentials: map[string]Credential{},
		Answers:     s.answers[p.ID],
		Obligations: map[string]ObligationRecord{},
	}
	for _, step := range p.StepsFor(env) {
		if r, ok := s.records[key(p.ID, env, step.ID)]; ok {
			f.Records[step.ID] = r
		}
	}
	for _, c := range p.CredentialsFor(env) {
		k := key(p.ID, env, c.Name)
		var state Credential
		if m, ok := s.secrets[k]; ok {
			state.Meta = &m
		}
		if v, ok := s.values[k]; ok {
			state.Present = true
			state.Invalid = c.Check(v.Reveal())
		}
		f.Credentials[c.Name] = state
	}
	_, f.MFAEnrolled = s.values[key(p.ID, env, MFAField)]
	if so, ok := s.signoffs[p.ID+"/"+env]; ok {
		f.SignOff = &so
	}
	for _, o := range p.CalendarFor(env) {
		if r, ok := s.obligations[key(p.ID, env, o.ID)]; ok {
			f.Obligations[o.ID] = r
		}
	}
	return f
}

// Credentials returns the well-formed credential values stored for one
// provider and environment, by field: what a live probe may send.
func (s *Snapshot) Credentials(p *providers.Provider, env string) map[string]vault.Secret {
	out := map[string]vault.Secret{}
	for _, c := range p.CredentialsFor(env) {
		if v, ok := s.values[key(p.ID, env, c.Name)]; ok && c.Check(v.Reveal()) == nil {
			out[c.Name] = v
		}
	}
	return out
}

// Shared lists the credential fields whose value is the same in another
// environment of the provider.
func (s *Snapshot) Shared(p *providers.Provider, env string) []string {
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

// QuestionnaireRecord is one provider's questionnaire as a compliance
// reviewer reads it: every question with its answer, and the latest
// sign-off of each environment.
type QuestionnaireRecord struct {
	Provider *providers.Provider
	// Answers holds the answered questions' answers, by question ID.
	Answers  map[string]Answer
	SignOffs []SignOff // one per environment signed off, in envs' order
}

// Questionnaire returns p's questionnaire record over envs.
func (s *Snapshot) Questionnaire(p *providers.Provider, envs []string) QuestionnaireRecord {
	r := QuestionnaireRecord{Provider: p, Answers: map[string]Answer{}}
	for id, a := range s.answers[p.ID] {
		r.Answers[id] = a
	}
	for _, env := range envs {
		if so, ok := s.signoffs[p.ID+"/"+env]; ok {
			r.SignOffs = append(r.SignOffs, so)
		}
	}
	return r
}
