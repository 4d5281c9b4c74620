package app

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/providers"
)

func (a *app) providersCommand() *cli.Command {
	return &cli.Command{
		Name:  "providers",
		Usage: "list the providers acctsetup knows, or show one's steps and credentials",
		Subcommands: []*cli.Command{
			{
				Name:   "list",
				Usage:  "list every provider with its environments",
				Flags:  []cli.Flag{jsonFlag()},
				Action: a.providersList,
			},
			{
				Name:      "show",
				Usage:     "show a provider's portal steps, credentials, questionnaire and redirect URIs",
				ArgsUsage: "ID",
				Flags:     []cli.Flag{jsonFlag()},
				Action:    a.providersShow,
			},
		},
	}
}

type providerSummary struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Environments []string `json:"environments"`
	Retired      bool     `json:"retired"`
}

func (a *app) providersList(ctx *cli.Context) error {
	if _, err := a.args(ctx, 0, 0, "no arguments"); err != nil {
		return err
	}
	reg, err := a.registry()
	if err != nil {
		return err
	}
	list := []providerSummary{}
	for _, p := range reg.All() {
		list = append(list, providerSummary{ID: p.ID, Name: p.Name, Environments: orEmpty(p.EnvironmentNames()), Retired: p.Retired})
	}
	if ctx.Bool(flgJSON) {
		return a.writeJSON(list)
	}
	t := a.table("ID", "NAME", "ENVIRONMENTS", "")
	for _, p := range list {
		note := ""
		if p.Retired {
			note = "retired"
		}
		envs := strings.Join(p.Environments, ", ")
		if envs == "" {
			envs = "-"
		}
		t.row(p.ID, p.Name, envs, note)
	}
	return t.flush()
}

type providerDetail struct {
	ID            string              `json:"id"`
	Name          string              `json:"name"`
	PortalURL     string              `json:"portal_url"`
	DocsURL       string              `json:"docs_url,omitempty"`
	Summary       string              `json:"summary,omitempty"`
	Retired       bool                `json:"retired"`
	RetiredNote   string              `json:"retired_note,omitempty"`
	Environments  []environmentDetail `json:"environments"`
	Steps         []stepDetail        `json:"steps"`
	Credentials   []credentialDetail  `json:"credentials"`
	Questionnaire []questionDetail    `json:"questionnaire"`
	SenderDomains []string            `json:"sender_domains"`
	Limits        []string            `json:"limits"`
	Sources       []string            `json:"sources"`
}

type environmentDetail struct {
	Name         string   `json:"name"`
	RedirectURIs []string `json:"redirect_uris"`
	Note         string   `json:"note,omitempty"`
}

type stepDetail struct {
	ID           string   `json:"id"`
	Kind         string   `json:"kind"`
	Title        string   `json:"title"`
	DependsOn    []string `json:"depends_on"`
	URL          string   `json:"url"`
	Environments []string `json:"environments"`
	Credentials  []string `json:"credentials,omitempty"`
	Instructions string   `json:"instructions"`
}

type credentialDetail struct {
	Name         string   `json:"name"`
	Label        string   `json:"label"`
	Secret       bool     `json:"secret"`
	Rule         string   `json:"rule"`
	Pattern      string   `json:"pattern,omitempty"`
	MaxAge       string   `json:"max_age"`
	ShownOnce    bool     `json:"shown_once"`
	Environments []string `json:"environments"`
	Note         string   `json:"note,omitempty"`
}

type questionDetail struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Required bool   `json:"required"`
	Guidance string `json:"guidance,omitempty"`
}

func detail(p *providers.Provider) providerDetail {
	d := providerDetail{
		ID: p.ID, Name: p.Name, PortalURL: p.PortalURL, DocsURL: p.DocsURL, Summary: p.Summary,
		Retired: p.Retired, RetiredNote: p.RetiredNote,
		Environments: []environmentDetail{}, Steps: []stepDetail{}, Credentials: []credentialDetail{},
		Questionnaire: []questionDetail{}, SenderDomains: orEmpty(p.Signals.Domains),
		Limits: orEmpty(p.Limits), Sources: orEmpty(p.Sources),
	}
	for _, e := range p.Environments {
		d.Environments = append(d.Environments, environmentDetail{Name: e.Name, RedirectURIs: orEmpty(e.RedirectURIs), Note: e.Note})
	}
	for _, s := range p.Steps {
		envs := s.Environments
		if len(envs) == 0 {
			envs = p.EnvironmentNames()
		}
		d.Steps = append(d.Steps, stepDetail{ID: s.ID, Kind: string(s.Kind), Title: s.Title, DependsOn: orEmpty(s.DependsOn),
			URL: s.URL, Environments: envs, Credentials: s.Credentials, Instructions: s.Instructions})
	}
	for _, c := range p.Credentials {
		envs := c.Environments
		if len(envs) == 0 {
			envs = p.EnvironmentNames()
		}
		d.Credentials = append(d.Credentials, credentialDetail{Name: c.Name, Label: c.Label, Secret: c.Secret, Rule: c.Rule,
			Pattern: c.Pattern, MaxAge: c.MaxAge.String(), ShownOnce: c.ShownOnce, Environments: envs, Note: c.Note})
	}
	for _, q := range p.Questionnaire {
		d.Questionnaire = append(d.Questionnaire, questionDetail{ID: q.ID, Text: q.Text, Required: q.Required, Guidance: q.Guidance})
	}
	return d
}

func (a *app) providersShow(ctx *cli.Context) error {
	p, _, err := a.providerArgs(ctx)
	if err != nil {
		return err
	}
	d := detail(p)
	if ctx.Bool(flgJSON) {
		return a.writeJSON(d)
	}
	a.printf("%s (%s)\n", d.Name, d.ID)
	if d.Retired {
		a.printf("retired: %s\n", d.RetiredNote)
	}
	if d.Summary != "" {
		a.printf("%s\n", wrap(d.Summary, 2))
	}
	a.printf("\nportal: %s\n", d.PortalURL)
	if d.DocsURL != "" {
		a.printf("guide:  %s\n", d.DocsURL)
	}
	for _, e := range d.Environments {
		a.printf("\n%s", e.Name)
		if e.Note != "" {
			a.printf(": %s", e.Note)
		}
		a.printf("\n")
		for _, u := range e.RedirectURIs {
			a.printf("  redirect URI %s\n", u)
		}
	}
	if d.Retired {
		return nil
	}
	a.printf("\nsteps:\n")
	for i, s := range d.Steps {
		a.printf("%3d. %-26s %-13s %s", i+1, s.ID, s.Kind, s.Title)
		if len(s.Environments) < len(d.Environments) {
			a.printf(" [%s only]", strings.Join(s.Environments, ", "))
		}
		a.printf("\n")
		if len(s.DependsOn) > 0 {
			a.printf("     after %s\n", strings.Join(s.DependsOn, ", "))
		}
	}
	a.printf("\ncredentials:\n")
	for _, c := range d.Credentials {
		var traits []string
		if c.Secret {
			traits = append(traits, "secret")
		}
		if c.ShownOnce {
			traits = append(traits, "shown once")
		}
		if c.MaxAge != "" {
			traits = append(traits, "max age "+c.MaxAge)
		}
		a.printf("  %-24s %s; rule %s", c.Name, c.Label, c.Rule)
		if len(traits) > 0 {
			a.printf(" (%s)", strings.Join(traits, ", "))
		}
		a.printf("\n")
	}
	if n := len(d.Questionnaire); n > 0 {
		a.printf("\nquestionnaire: %d questions (acctsetup questionnaire show %s)\n", n, d.ID)
	}
	if len(d.Limits) > 0 {
		a.printf("\nlimits:\n")
		for _, l := range d.Limits {
			a.printf("  - %s\n", l)
		}
	}
	a.printf("\nstep instructions: acctsetup onboard %s; JSON: acctsetup providers show %s --json\n", d.ID, d.ID)
	return nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// wrap folds text into lines of at most 90 characters, indented.
func wrap(text string, indent int) string {
	var b strings.Builder
	pad := strings.Repeat(" ", indent)
	line := 0
	for _, w := range strings.Fields(text) {
		if line > 0 && line+1+len(w) > 90 {
			b.WriteString("\n")
			line = 0
		}
		if line == 0 {
			b.WriteString(pad)
			line = indent
		} else {
			b.WriteString(" ")
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}

// stepRef formats provider/environment/step for messages.
func stepRef(p *providers.Provider, env, step string) string {
	return fmt.Sprintf("%s/%s/%s", p.ID, env, step)
}
