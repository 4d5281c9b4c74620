package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/providers"
)

const flgAnswer = "answer"

func (a *app) questionnaireCommand() *cli.Command {
	return &cli.Command{
		Name:  "questionnaire",
		Usage: "answer a provider's questionnaire and sign it off for compliance",
		Subcommands: []*cli.Command{
			{
				Name:      "show",
				Usage:     "show every question with its answer, evidence and the sign-offs",
				ArgsUsage: "ID",
				Flags:     []cli.Flag{jsonFlag()},
				Action:    a.questionnaireShow,
			},
			{
				Name:      "answer",
				Usage:     "answer one question: the text comes from --answer, standard input or a prompt",
				ArgsUsage: "ID QUESTION",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: flgAnswer, Usage: "the answer `TEXT`"},
					&cli.StringFlag{Name: flgEvidence, Usage: "what supports it: a `URL`, file path or document reference"},
				},
				Action: a.questionnaireAnswer,
			},
			{
				Name:      "signoff",
				Usage:     "sign off the answers as a compliance reviewer; production readiness needs it",
				ArgsUsage: "ID",
				Flags:     []cli.Flag{envFlag("the `ENVIRONMENT` signed off (required)"), &cli.StringFlag{Name: flgNote, Usage: "a review `NOTE`"}},
				Action:    a.questionnaireSignoff,
			},
		},
	}
}

// questionnaireArgs reads a provider ID (and rest) like providerArgs, and
// refuses providers without a questionnaire.
func (a *app) questionnaireArgs(ctx *cli.Context, rest ...string) (*providers.Provider, []string, error) {
	p, in, err := a.providerArgs(ctx, rest...)
	if err != nil {
		return nil, nil, err
	}
	if len(p.Questionnaire) == 0 {
		var with []string
		reg, _ := a.registry() // loaded by providerArgs
		for _, q := range reg.All() {
			if len(q.Questionnaire) > 0 {
				with = append(with, q.ID)
			}
		}
		return nil, nil, usageError(fmt.Errorf("%s has no questionnaire", p.ID), "providers with one: "+strings.Join(with, ", "))
	}
	return p, in, nil
}

type questionnaireJSON struct {
	Provider  string              `json:"provider"`
	Questions []answerJSON        `json:"questions"`
	SignOffs  []signOffJSON       `json:"signoffs"`
	Gaps      map[string][]string `json:"gaps"`
}

type answerJSON struct {
	ID       string     `json:"id"`
	Text     string     `json:"text"`
	Required bool       `json:"required"`
	Guidance string     `json:"guidance,omitempty"`
	Answer   string     `json:"answer"`
	Evidence string     `json:"evidence"`
	Actor    string     `json:"actor"`
	At       *time.Time `json:"at"`
}

type signOffJSON struct {
	Environment string    `json:"environment"`
	Actor       string    `json:"actor"`
	Note        string    `json:"note,omitempty"`
	At          time.Time `json:"at"`
}

func (a *app) questionnaireShow(ctx *cli.Context) error {
	p, _, err := a.questionnaireArgs(ctx)
	if err != nil {
		return err
	}
	snap, err := a.loadSnapshot(ctx.Context, false)
	if err != nil {
		return err
	}
	out := questionnaireJSON{Provider: p.ID, Questions: []answerJSON{}, SignOffs: []signOffJSON{}, Gaps: map[string][]string{}}
	for _, q := range p.Questionnaire {
		an := snap.Answers(p.ID)[q.ID]
		out.Questions = append(out.Questions, answerJSON{ID: q.ID, Text: q.Text, Required: q.Required, Guidance: q.Guidance,
			Answer: an.Text, Evidence: an.Evidence, Actor: an.Actor, At: timePtr(an.At)})
	}
	envs, err := a.enabledEnvironments(p)
	if err != nil {
		return err
	}
	for _, env := range envs {
		f := snap.Facts(p, env)
		if f.SignOff != nil {
			out.SignOffs = append(out.SignOffs, signOffJSON{Environment: env, Actor: f.SignOff.Actor, Note: f.SignOff.Note, At: f.SignOff.At.UTC()})
		}
		out.Gaps[env] = orEmpty(checklists.QuestionnaireGaps(p, env, f))
	}
	if ctx.Bool(flgJSON) {
		return a.writeJSON(out)
	}
	a.printf("%s questionnaire\n", p.Name)
	for i, q := range out.Questions {
		req := "optional"
		if q.Required {
			req = "required"
		}
		a.printf("\n%d. %s [%s, %s]\n%s\n", i+1, q.ID, req, map[bool]string{true: "answered", false: "unanswered"}[q.Answer != ""], wrap(q.Text, 3))
		if q.Guidance != "" {
			a.printf("%s\n", a.colour(dim, wrap("guidance: "+q.Guidance, 3)))
		}
		if q.Answer != "" {
			a.printf("%s\n   by %s %s", wrap("answer: "+q.Answer, 3), q.Actor, q.At.Local().Format("2006-01-02 15:04"))
			if q.Evidence != "" {
				a.printf(", evidence %s", q.Evidence)
			}
			a.printf("\n")
		} else {
			a.printf("   acctsetup questionnaire answer %s %s\n", p.ID, q.ID)
		}
	}
	a.printf("\n")
	for _, env := range envs {
		if gaps := out.Gaps[env]; len(gaps) > 0 {
			a.printf("%s: not complete: %s\n", env, strings.Join(gaps, "; "))
		} else {
			a.printf("%s: complete\n", env)
		}
	}
	for _, s := range out.SignOffs {
		a.printf("signed off for %s by %s on %s\n", s.Environment, s.Actor, s.At.Local().Format("2006-01-02 15:04"))
	}
	return nil
}

func (a *app) questionnaireAnswer(ctx *cli.Context) error {
	p, in, err := a.questionnaireArgs(ctx, "a question ID")
	if err != nil {
		return err
	}
	q, ok := p.Question(in[0])
	if !ok {
		ids := make([]string, len(p.Questionnaire))
		for i, q := range p.Questionnaire {
			ids[i] = q.ID
		}
		err := &providers.UnknownError{What: "question", Name: in[0], Suggestion: providers.Suggest(in[0], ids), Known: ids}
		return usageError(fmt.Errorf("%s: %w", p.ID, err), "acctsetup questionnaire show "+p.ID+" lists the questions")
	}
	text := strings.TrimSpace(ctx.String(flgAnswer))
	if !ctx.IsSet(flgAnswer) {
		if a.io.InTTY {
			a.notef("%s\n%s", q.ID, wrap(q.Text, 2))
		}
		if text, err = a.readValue("answer: ", false); err != nil {
			return failure(err)
		}
	}
	if text == "" {
		return usageError(fmt.Errorf("the answer to %s is empty", q.ID), "give it with --answer TEXT or on standard input")
	}
	return a.saveAnswer(ctx.Context, p, q, text, strings.TrimSpace(ctx.String(flgEvidence)))
}

// saveAnswer stores an answer with its audit event.
func (a *app) saveAnswer(ctx context.Context, p *providers.Provider, q providers.Question, text, evidence string) error {
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	ans := checklists.Answer{Provider: p.ID, Question: q.ID, Text: text, Evidence: evidence, Actor: a.actor(), At: a.now()}
	ev := audit.Event{At: ans.At, Actor: ans.Actor, Action: "questionnaire.answer", Provider: p.ID, Subject: q.ID, Detail: auditDetail(ans.Evidence, "")}
	if err := st.SaveAnswer(ctx, ans, ev); err != nil {
		return backendError(err)
	}
	a.printf("answered %s/%s\n", p.ID, q.ID)
	return nil
}

func (a *app) questionnaireSignoff(ctx *cli.Context) error {
	p, _, err := a.questionnaireArgs(ctx)
	if err != nil {
		return err
	}
	env := ctx.String(flgEnv)
	if env == "" {
		return usageError(fmt.Errorf("say which environment you sign off with --env"), fmt.Sprintf("acctsetup questionnaire signoff %s --env production", p.ID))
	}
	if _, err := a.environmentsFor(p, env); err != nil {
		return err
	}
	snap, err := a.loadSnapshot(ctx.Context, false)
	if err != nil {
		return err
	}
	var unanswered []string
	for _, q := range checklists.Unanswered(p, snap.Answers(p.ID)) {
		unanswered = append(unanswered, q.ID)
	}
	if len(unanswered) > 0 {
		return failure(fmt.Errorf("cannot sign off %s: %s not answered: %s", p.ID,
			plural(len(unanswered), "required question"), strings.Join(unanswered, ", ")),
			fmt.Sprintf("acctsetup questionnaire answer %s %s", p.ID, unanswered[0]))
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	so := checklists.SignOff{Provider: p.ID, Environment: env, Actor: a.actor(), Note: strings.TrimSpace(ctx.String(flgNote)), At: a.now()}
	ev := audit.Event{At: so.At, Actor: so.Actor, Action: "questionnaire.signoff", Provider: p.ID, Environment: env, Detail: auditDetail("", so.Note)}
	if err := st.SaveSignOff(ctx.Context, so, ev); err != nil {
		return backendError(err)
	}
	a.printf("signed off %s's questionnaire for %s as %s\n", p.ID, env, so.Actor)
	return nil
}
