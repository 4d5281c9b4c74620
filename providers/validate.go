package providers

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/go-playground/validator/v10"

	"github.com/acctsetup/acctsetup/providers/tomlfile"
)

var (
	providerIDPattern = regexp.MustCompile(`^[a-z0-9]+$`)
	stepIDPattern     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	fieldNamePattern  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// validate returns the shared validator: struct tags name fields by their
// TOML keys, and the tags below are the descriptor vocabulary. Credential
// rules may use them too ("token" is the usual baseline).
var validate = sync.OnceValue(func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	must := func(tag string, fn validator.Func) {
		if err := v.RegisterValidation(tag, fn); err != nil {
			panic(err) // only on a programming error in the tag list
		}
	}
	must("providerid", matches(providerIDPattern))
	must("stepid", matches(stepIDPattern))
	must("fieldname", matches(fieldNamePattern))
	must("https_url", func(fl validator.FieldLevel) bool { return isHTTPSURL(fl.Field().String()) })
	// token: printable, no white space, no control characters. Codat warns
	// that keys must not contain spaces; no provider issues keys with them.
	must("token", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
			return unicode.IsSpace(r) || !unicode.IsPrint(r)
		})
	})
	return v
})

func matches(re *regexp.Regexp) validator.Func {
	return func(fl validator.FieldLevel) bool { return re.MatchString(fl.Field().String()) }
}

// Validate checks the provider on its own: field rules and the cross-checks
// below. Descriptors loaded with Decode are already validated. Validate also
// compiles the signal subjects for [Signals.Classify], so it must not run
// while another goroutine classifies mail with the same provider.
func (p *Provider) Validate() error {
	return p.validate(p.ID+".toml", nil)
}

// validate checks the provider; data is its descriptor's text, read for
// the lines of errors only when there are some (nil: lines unknown).
func (p *Provider) validate(file string, data []byte) error {
	var errs []error
	var loc *tomlfile.Locator
	add := func(field, format string, args ...any) {
		if loc == nil {
			l := tomlfile.NewLocator(data)
			loc = &l
		}
		errs = append(errs, &tomlfile.Error{File: file, Line: loc.Line(field), Field: field, Msg: fmt.Sprintf(format, args...)})
	}

	if err := validate().Struct(p); err != nil {
		var ves validator.ValidationErrors
		if !errors.As(err, &ves) {
			return fmt.Errorf("providers: validate %s: %w", file, err)
		}
		for _, fe := range ves {
			field := strings.TrimPrefix(fe.Namespace(), "Provider.")
			add(field, "%s", describeTag(fe))
		}
	}

	envs := map[string]bool{}
	for i, e := range p.Environments {
		if envs[e.Name] {
			add(fmt.Sprintf("environments[%d].name", i), "environment %q is declared twice", e.Name)
		}
		envs[e.Name] = true
	}

	p.validateSteps(add)
	p.validateCredentials(add)
	p.validateQuestionnaire(add)
	p.validateSignals(add)
	p.validateCalendar(add)
	p.validateSources(add)
	return errors.Join(errs...)
}

type addFunc func(field, format string, args ...any)

func (p *Provider) validateSteps(add addFunc) {
	index := map[string]int{}
	for i, s := range p.Steps {
		if _, dup := index[s.ID]; dup {
			add(fmt.Sprintf("steps[%d].id", i), "step %q is declared twice", s.ID)
			continue
		}
		index[s.ID] = i
	}
	for i, s := range p.Steps {
		for _, env := range s.Environments {
			if _, ok := p.Environment(env); !ok {
				add(fmt.Sprintf("steps[%d].environments", i), "environment %q is not declared by the provider", env)
			}
		}
		for _, dep := range s.DependsOn {
			field := fmt.Sprintf("steps[%d].depends_on", i)
			j, ok := index[dep]
			switch {
			case !ok:
				add(field, "step %q depends on unknown step %q", s.ID, dep)
			case dep == s.ID:
				add(field, "step %q depends on itself", s.ID)
			default:
				for _, env := range p.EnvironmentNames() {
					if s.AppliesTo(env) && !p.Steps[j].AppliesTo(env) {
						add(field, "step %q depends on %q, which is not a step of the %s environment", s.ID, dep, env)
					}
				}
			}
		}
		if s.Kind != KindCredential && len(s.Credentials) > 0 {
			add(fmt.Sprintf("steps[%d].credentials", i), "only credential steps list credentials (kind is %q)", s.Kind)
		}
		for _, name := range s.Credentials {
			c, ok := p.Credential(name)
			if !ok {
				add(fmt.Sprintf("steps[%d].credentials", i), "step %q names unknown credential %q", s.ID, name)
				continue
			}
			for _, env := range p.EnvironmentNames() {
				if s.AppliesTo(env) && !c.AppliesTo(env) {
					add(fmt.Sprintf("steps[%d].credentials", i), "credential %q does not exist in the %s environment", name, env)
				}
			}
		}
		if s.Kind == KindQuestionnaire && len(p.Questionnaire) == 0 {
			add(fmt.Sprintf("steps[%d].kind", i), "questionnaire step %q but the provider has no questionnaire", s.ID)
		}
	}
	if cycle := findCycle(p.Steps, index); cycle != nil {
		add(fmt.Sprintf("steps[%d].depends_on", index[cycle[0]]), "dependency cycle: %s", strings.Join(cycle, " -> "))
	}
}

// findCycle returns the step IDs of one dependency cycle, first repeated
// last, or nil. Unknown dependencies are reported elsewhere and skipped here.
func findCycle(steps []Step, index map[string]int) []string {
	const (
		unseen = iota
		open
		closed
	)
	state := make([]int, len(steps))
	var path []string
	var visit func(i int) []string
	visit = func(i int) []string {
		state[i] = open
		path = append(path, steps[i].ID)
		for _, dep := range steps[i].DependsOn {
			j, ok := index[dep]
			if !ok || dep == steps[i].ID {
				continue
			}
			switch state[j] {
			case open:
				start := slices.Index(path, dep)
				return append(slices.Clone(path[start:]), dep)
			case unseen:
				if c := visit(j); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[i] = closed
		return nil
	}
	for i := range steps {
		if state[i] == unseen {
			if c := visit(i); c != nil {
				return c
			}
		}
	}
	return nil
}

func (p *Provider) validateCredentials(add addFunc) {
	seen := map[string]bool{}
	for i, c := range p.Credentials {
		field := fmt.Sprintf("credentials[%d]", i)
		if seen[c.Name] {
			add(field+".name", "credential %q is declared twice", c.Name)
		}
		seen[c.Name] = true
		var applies, unstored []string
		for _, env := range p.EnvironmentNames() {
			if c.AppliesTo(env) {
				applies = append(applies, env)
				if !p.storedIn(c.Name, env) {
					unstored = append(unstored, env)
				}
			}
		}
		switch {
		case len(unstored) > 0 && len(unstored) == len(applies):
			add(field+".name", "credential %q is not stored by any credential step", c.Name)
		case len(unstored) > 0:
			add(field+".name", "credential %q is not stored by any credential step of the %s environment", c.Name, strings.Join(unstored, " or "))
		}
		if err := checkRule(c.Rule); err != nil {
			add(field+".rule", "%v", err)
		}
		if c.Pattern != "" {
			if _, err := regexp.Compile(c.Pattern); err != nil {
				add(field+".pattern", "invalid regular expression: %v", err)
			}
		}
		for _, env := range c.Environments {
			if _, ok := p.Environment(env); !ok {
				add(field+".environments", "environment %q is not declared by the provider", env)
			}
		}
	}
}

// storedIn reports whether a credential step of env stores the field.
func (p *Provider) storedIn(field, env string) bool {
	return slices.ContainsFunc(p.StepsFor(env), func(s Step) bool {
		return s.Kind == KindCredential && slices.Contains(s.Credentials, field)
	})
}

// checkRule reports whether tag is a usable validator tag list. The
// validator panics on unknown tags, so the panic is turned into an error.
func checkRule(tag string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid rule %q: %v", tag, r)
		}
	}()
	_ = validate().Var("probe", tag)
	return nil
}

func (p *Provider) validateQuestionnaire(add addFunc) {
	seen := map[string]bool{}
	for i, q := range p.Questionnaire {
		if seen[q.ID] {
			add(fmt.Sprintf("questionnaire[%d].id", i), "question %q is declared twice", q.ID)
		}
		seen[q.ID] = true
	}
	if len(p.Questionnaire) > 0 && !slices.ContainsFunc(p.Steps, func(s Step) bool { return s.Kind == KindQuestionnaire }) {
		add("questionnaire", "the provider has a questionnaire but no questionnaire step")
	}
}

func (p *Provider) validateSignals(add addFunc) {
	if len(p.Signals.Rules) > 0 && len(p.Signals.Domains) == 0 {
		add("signals.domains", "signal rules need at least one sender domain")
	}
	for i, w := range p.Signals.BrandExceptions {
		if !slices.ContainsFunc(p.Brands(), func(b string) bool { return strings.Contains(w, b) }) {
			add(fmt.Sprintf("signals.brand_exceptions[%d]", i), "%q holds none of the brands %s, so it excepts nothing", w, strings.Join(p.Brands(), ", "))
		}
	}
	for i, r := range p.Signals.Relays {
		_, domain, isAddress := strings.Cut(r, "@")
		if !isAddress {
			domain = r
		}
		if !p.Signals.Speaks(domain) {
			add(fmt.Sprintf("signals.relays[%d]", i), "relay %q is not within the signal domains", r)
		}
	}
	seen := map[string]bool{}
	for i, r := range p.Signals.Rules {
		field := fmt.Sprintf("signals.rules[%d]", i)
		if seen[r.ID] {
			add(field+".id", "signal %q is declared twice", r.ID)
		}
		seen[r.ID] = true
		if _, ok := p.Step(r.Step); !ok && r.Step != "" {
			add(field+".step", "signal %q names unknown step %q", r.ID, r.Step)
		}
		if err := p.Signals.Rules[i].compile(); err != nil {
			add(field+".subject", "invalid regular expression: %v", err)
		}
	}
}

func (p *Provider) validateCalendar(add addFunc) {
	seen := map[string]bool{}
	for i, o := range p.Calendar {
		field := fmt.Sprintf("calendar[%d]", i)
		if seen[o.ID] {
			add(field+".id", "obligation %q is declared twice", o.ID)
		}
		seen[o.ID] = true
		switch {
		case o.Every.IsZero() && o.Due == "":
			add(field, "obligation %q needs every (it recurs), due (a date) or both", o.ID)
		case !o.Every.IsZero() && o.After == "" && o.Due == "":
			add(field+".every", "obligation %q recurs but nothing starts its clock: add after (a step) or due (a first date)", o.ID)
		case o.Every.IsZero() && o.After != "":
			add(field+".after", "obligation %q names a step to start its clock but does not recur: add every", o.ID)
		}
		for _, env := range o.Environments {
			if _, ok := p.Environment(env); !ok {
				add(field+".environments", "environment %q is not declared by the provider", env)
			}
		}
		if o.After == "" {
			continue
		}
		s, ok := p.Step(o.After)
		if !ok {
			add(field+".after", "obligation %q starts after unknown step %q", o.ID, o.After)
			continue
		}
		if s.Kind.Derived() {
			// Derived steps have no done date to start a clock from.
			add(field+".after", "obligation %q starts after %s step %q: name an action, agreement or approval step, whose done date is recorded", o.ID, s.Kind, o.After)
		}
		for _, env := range p.EnvironmentNames() {
			if o.AppliesTo(env) && !s.AppliesTo(env) {
				add(field+".after", "obligation %q starts after %q, which is not a step of the %s environment", o.ID, o.After, env)
			}
		}
	}
}

// validateSources checks every source given: an https URL, or "unverified"
// with a note saying why. Built-in descriptors give one for every step,
// credential, redirect URI and obligation (a test holds them to it);
// a team's own descriptors may leave them out.
func (p *Provider) validateSources(add addFunc) {
	check := func(field, source, note string) {
		switch {
		case source == Unverified && strings.TrimSpace(note) == "":
			add(field+"_note", "a source of %q needs a note saying why no page documents it", Unverified)
		case source != "" && source != Unverified && !isHTTPSURL(source):
			add(field, "must be an https:// URL or %q, not %q", Unverified, source)
		}
	}
	for i, e := range p.Environments {
		check(fmt.Sprintf("environments[%d].redirect_source", i), e.RedirectSource, e.RedirectSourceNote)
	}
	for i, s := range p.Steps {
		check(fmt.Sprintf("steps[%d].source", i), s.Source, s.SourceNote)
	}
	for i, c := range p.Credentials {
		check(fmt.Sprintf("credentials[%d].source", i), c.Source, c.SourceNote)
	}
	for i, o := range p.Calendar {
		check(fmt.Sprintf("calendar[%d].source", i), o.Source, o.SourceNote)
	}
}

func isHTTPSURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

// describeTag turns a failed struct tag into a sentence.
func describeTag(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required", "required_if":
		return "is required"
	case "oneof":
		return fmt.Sprintf("must be one of: %s, not %q", strings.ReplaceAll(fe.Param(), " ", ", "), fe.Value())
	case "https_url":
		return fmt.Sprintf("must be an https:// URL, not %q", fe.Value())
	case "providerid":
		return fmt.Sprintf("must be lower-case letters and digits only ([a-z0-9]+), not %q", fe.Value())
	case "stepid":
		return fmt.Sprintf("must be lower-case kebab-case (like create-app), not %q", fe.Value())
	case "fieldname":
		return fmt.Sprintf("must be lower-case snake_case (like client_id), not %q", fe.Value())
	case "fqdn":
		return fmt.Sprintf("must be a domain name, not %q", fe.Value())
	case "datetime":
		return fmt.Sprintf("must be a date like 2027-09-30, not %q", fe.Value())
	}
	return fmt.Sprintf("fails %q", fe.Tag())
}
