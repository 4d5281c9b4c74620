package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/audit"
	"github.com/acctsetup/acctsetup/providers"
)

const (
	flgAnswer           = "answer"
	flgReuse            = "reuse"
	flgAllowSelfSignoff = "allow-self-signoff"
)

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
				Description: "A question with a topic (data-protection, mfa-policy, ...) is offered the team's latest answer\n" +
					"to a question of the same topic from another provider: press Enter (or send an empty line)\n" +
					"to reuse it, or give --reuse.",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: flgAnswer, Usage: "the answer `TEXT`"},
					&cli.StringFlag{Name: flgEvidence, Usage: "what supports it: a `URL`, file path or document reference"},
					&cli.BoolFlag{Name: flgReuse, Usage: "reuse the team's answer to the same topic from another provider"},
				},
				Action: a.questionnaireAnswer,
			},
			{
				Name:      "signoff",
				Usage:     "sign off the answers as a compliance reviewer; production readiness needs it",
				ArgsUsage: "ID",
				Description: "A reviewer may not sign off answers they gave themselves: that is refused unless\n" +
					"--allow-self-signoff, which the audit trail records with the questions concerned.",
				Flags: []cli.Flag{
					envFlag("the `ENVIRONMENT` signed off (required)"),
					&cli.StringFlag{Name: flgNote, Usage: "a review `NOTE`"},
					&cli.BoolFlag{Name: flgAllowSelfSignoff, Usage: "sign off although you gave some of the answers (audited)"},
				},
				Action: a.questionnaireSignoff,
			},
			{
				Name:      "export",
				Usage:     "every provider's questionnaire with answers, evidence, who answered when, and sign-offs with their age",
				ArgsUsage: "[ID...]",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: flgFormat, Usage: "`FORMAT`: " + strings.Join(exportFormats, ", "), Value: "markdown"},
					&cli.StringFlag{Name: flgOutput, Aliases: []string{"o"}, Usage: "write to `FILE` instead of standard output"},
					jsonFlag(),
				},
				Action: a.questionnaireExport,
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
		return nil, nil, a.noQuestionnaire(p)
	}
	return p, in, nil
}

// noQuestionnaire refuses a provider without a questionnaire, naming those
// that have one.
func (a *app) noQuestionnaire(p *providers.Provider) error {
	var with []string
	reg, _ := a.registry() // loaded to find p
	for _, q := range reg.All() {
		if len(q.Questionnaire) > 0 {
			with = append(with, q.ID)
		}
	}
	return usageError(fmt.Errorf("%s has no questionnaire", p.ID), "providers with one: "+strings.Join(with, ", "))
}

type questionnaireJSON struct {
	Provider  string              `json:"provider"`
	Questions []answerJSON        `json:"questions"`
	SignOffs  []signOffJSON       `json:"signoffs"`
	Gaps      map[string][]string `json:"gaps"`
}

type answerJSON struct {
	ID       string     `json:"id"`
	Topic    string     `json:"topic,omitempty"`
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
		out.Questions = append(out.Questions, answerJSON{ID: q.ID, Topic: q.Topic, Text: q.Text, Required: q.Required, Guidance: q.Guidance,
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
		err := providers.Unknown("question", in[0], ids)
		return usageError(fmt.Errorf("%s: %w", p.ID, err), "acctsetup questionnaire show "+p.ID+" lists the questions")
	}
	offer, offered, err := a.topicAnswer(ctx.Context, p, q)
	if err != nil {
		return err
	}
	evidence := strings.TrimSpace(ctx.String(flgEvidence))
	text := strings.TrimSpace(ctx.String(flgAnswer))
	switch {
	case ctx.Bool(flgReuse) && ctx.IsSet(flgAnswer):
		return usageError(errors.New("give --answer or --reuse, not both"))
	case ctx.Bool(flgReuse) && !offered:
		return usageError(fmt.Errorf("no other provider's question of %s's topic %q is answered yet", q.ID, q.Topic),
			fmt.Sprintf("answer it: acctsetup questionnaire answer %s %s --answer TEXT", p.ID, q.ID))
	case ctx.Bool(flgReuse):
		text = offer.Text
	case !ctx.IsSet(flgAnswer):
		if a.io.InTTY {
			a.notef("%s\n%s", q.ID, wrap(q.Text, 2))
		}
		if offered {
			a.notef("the team answered %s's topic %q for %s/%s (%s, %s):\n%s\n(Enter reuses it)",
				q.ID, offer.Topic, offer.Provider, offer.Question, offer.Actor, offer.At.Local().Format(time.DateOnly), wrap(offer.Text, 2))
		}
		if text, err = a.readValue("answer: ", false); err != nil {
			return failure(err)
		}
		if text == "" && offered {
			text = offer.Text
		}
	}
	if text == "" {
		return usageError(fmt.Errorf("the answer to %s is empty", q.ID), "give it with --answer TEXT or on standard input")
	}
	if text == offer.Text && offered {
		evidence = strings.TrimPrefix(evidence+"; ", "; ") + fmt.Sprintf("reused from %s/%s", offer.Provider, offer.Question)
		if offer.Evidence != "" {
			evidence += " (" + offer.Evidence + ")"
		}
	}
	return a.saveAnswer(ctx.Context, p, q, text, evidence)
}

// topicAnswer finds the team's answer to offer for q: the newest answer to
// another enabled provider's question of the same topic.
func (a *app) topicAnswer(ctx context.Context, p *providers.Provider, q providers.Question) (checklists.TopicAnswer, bool, error) {
	if q.Topic == "" {
		return checklists.TopicAnswer{}, false, nil
	}
	reg, err := a.registry()
	if err != nil {
		return checklists.TopicAnswer{}, false, err
	}
	snap, err := a.loadSnapshot(ctx, false)
	if err != nil {
		return checklists.TopicAnswer{}, false, err
	}
	offer, ok := snap.TopicAnswer(reg.All(), p.ID, q)
	return offer, ok, nil
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
	actor := a.actor()
	own := checklists.AnsweredBy(p, snap.Answers(p.ID), actor)
	if len(own) > 0 && !ctx.Bool(flgAllowSelfSignoff) {
		return failure(fmt.Errorf("%s answered %s of %s's questionnaire (%s): a sign-off needs a reviewer who gave none of the answers",
			actor, plural(len(own), "question"), p.ID, firstFew(own, 5)),
			fmt.Sprintf("ask a reviewer to run acctsetup questionnaire signoff %s --env %s, or pass --allow-self-signoff (audited)", p.ID, env))
	}
	st, err := a.store(ctx.Context)
	if err != nil {
		return err
	}
	so := checklists.SignOff{Provider: p.ID, Environment: env, Actor: actor, Note: strings.TrimSpace(ctx.String(flgNote)), At: a.now()}
	ev := audit.Event{At: so.At, Actor: so.Actor, Action: "questionnaire.signoff", Provider: p.ID, Environment: env, Detail: auditDetail("", so.Note)}
	if len(own) > 0 {
		ev.Detail = strings.TrimPrefix(ev.Detail+"; ", "; ") + "self sign-off (--allow-self-signoff) of own answers: " + strings.Join(own, ", ")
	}
	if err := st.SaveSignOff(ctx.Context, so, ev); err != nil {
		return backendError(err)
	}
	a.printf("signed off %s's questionnaire for %s as %s\n", p.ID, env, so.Actor)
	return nil
}

// firstFew joins up to n names, saying how many more there are.
func firstFew(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}
