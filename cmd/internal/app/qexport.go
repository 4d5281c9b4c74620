package app

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/providers"
)

var exportFormats = []string{"markdown", "csv", "json"}

// exportedQuestionnaire is one provider's questionnaire in the export.
type exportedQuestionnaire struct {
	Provider  string             `json:"provider"`
	Name      string             `json:"name"`
	Questions []exportedQuestion `json:"questions"`
	SignOffs  []exportedSignOff  `json:"signoffs"`
}

type exportedQuestion struct {
	ID         string     `json:"id"`
	Topic      string     `json:"topic,omitempty"`
	Text       string     `json:"text"`
	Required   bool       `json:"required"`
	Answer     string     `json:"answer"`
	Evidence   string     `json:"evidence"`
	AnsweredBy string     `json:"answered_by"`
	AnsweredAt *time.Time `json:"answered_at"`
}

type exportedSignOff struct {
	Environment string    `json:"environment"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
	AgeDays     int       `json:"age_days"`
	Note        string    `json:"note,omitempty"`
}

// questionnaireExport writes every selected provider's questionnaire: the
// named ones, or every enabled provider that has one.
func (a *app) questionnaireExport(ctx *cli.Context) error {
	format, err := formatFlag(ctx, exportFormats)
	if err != nil {
		return err
	}
	var ps []*providers.Provider
	for _, id := range a.positional {
		p, err := a.provider(id)
		if err != nil {
			return err
		}
		if len(p.Questionnaire) == 0 {
			return a.noQuestionnaire(p)
		}
		ps = append(ps, p)
	}
	if len(a.positional) == 0 {
		enabled, err := a.enabled()
		if err != nil {
			return err
		}
		ps = slices.DeleteFunc(enabled, func(p *providers.Provider) bool { return len(p.Questionnaire) == 0 })
	}
	snap, err := a.loadSnapshot(ctx.Context, false)
	if err != nil {
		return err
	}
	now := a.now()
	out := []exportedQuestionnaire{}
	for _, p := range ps {
		envs, err := a.enabledEnvironments(p)
		if err != nil {
			return err
		}
		out = append(out, exported(snap.Questionnaire(p, envs), now))
	}
	var b bytes.Buffer
	switch format {
	case "json":
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		err = enc.Encode(out)
	case "csv":
		err = exportCSV(&b, out)
	default:
		exportMarkdown(&b, out, now)
	}
	if err != nil {
		return fmt.Errorf("write the questionnaire export: %w", err)
	}
	return a.writeOutput(ctx.String(flgOutput), "the questionnaire export", b.Bytes())
}

func exported(r checklists.QuestionnaireRecord, now time.Time) exportedQuestionnaire {
	e := exportedQuestionnaire{Provider: r.Provider.ID, Name: r.Provider.Name, Questions: []exportedQuestion{}, SignOffs: []exportedSignOff{}}
	for _, q := range r.Provider.Questionnaire {
		an := r.Answers[q.ID]
		e.Questions = append(e.Questions, exportedQuestion{ID: q.ID, Topic: q.Topic, Text: q.Text, Required: q.Required,
			Answer: an.Text, Evidence: an.Evidence, AnsweredBy: an.Actor, AnsweredAt: timePtr(an.At)})
	}
	for _, so := range r.SignOffs {
		e.SignOffs = append(e.SignOffs, exportedSignOff{Environment: so.Environment, By: so.Actor, At: so.At.UTC(),
			AgeDays: int(now.Sub(so.At) / (24 * time.Hour)), Note: so.Note})
	}
	return e
}

// exportCSV writes one row per question per provider, with the sign-off
// of each environment on every row of its provider, for a spreadsheet.
func exportCSV(b *bytes.Buffer, qs []exportedQuestionnaire) error {
	envs := []string{providers.Production, providers.Sandbox}
	header := []string{"provider", "provider_name", "question", "topic", "required", "question_text", "answer", "evidence", "answered_by", "answered_at"}
	for _, env := range envs {
		header = append(header, env+"_signed_off_by", env+"_signed_off_at", env+"_signoff_age_days")
	}
	rows := [][]string{header}
	for _, q := range qs {
		for _, item := range q.Questions {
			at := ""
			if item.AnsweredAt != nil {
				at = item.AnsweredAt.Format(time.RFC3339)
			}
			row := []string{q.Provider, q.Name, item.ID, item.Topic, strconv.FormatBool(item.Required), item.Text, item.Answer, item.Evidence, item.AnsweredBy, at}
			for _, env := range envs {
				i := slices.IndexFunc(q.SignOffs, func(s exportedSignOff) bool { return s.Environment == env })
				if i < 0 {
					row = append(row, "", "", "")
					continue
				}
				s := q.SignOffs[i]
				row = append(row, s.By, s.At.Format(time.RFC3339), strconv.Itoa(s.AgeDays))
			}
			rows = append(rows, row)
		}
	}
	return csv.NewWriter(b).WriteAll(rows)
}

func exportMarkdown(b *bytes.Buffer, qs []exportedQuestionnaire, now time.Time) {
	fmt.Fprintf(b, "# Questionnaires\n\nExported %s.\n", now.UTC().Format("2006-01-02 15:04 UTC"))
	for _, q := range qs {
		fmt.Fprintf(b, "\n## %s (`%s`)\n\n", q.Name, q.Provider)
		if len(q.SignOffs) == 0 {
			b.WriteString("Not signed off.\n")
		}
		for _, s := range q.SignOffs {
			fmt.Fprintf(b, "- Signed off for %s by %s on %s (%d days ago)", s.Environment, s.By, s.At.Format(time.DateOnly), s.AgeDays)
			if s.Note != "" {
				fmt.Fprintf(b, ": %s", mdEscape(s.Note))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n| Question | Topic | Required | Answer | Evidence | Answered by |\n|---|---|---|---|---|---|\n")
		for _, item := range q.Questions {
			by := "-"
			if item.AnsweredAt != nil {
				by = item.AnsweredBy + " on " + item.AnsweredAt.Format(time.DateOnly)
			}
			fmt.Fprintf(b, "| `%s` %s | %s | %s | %s | %s | %s |\n", item.ID, mdEscape(item.Text), cmp.Or(item.Topic, "-"),
				map[bool]string{true: "yes", false: "no"}[item.Required], cmp.Or(mdEscape(item.Answer), "-"), cmp.Or(mdEscape(item.Evidence), "-"), by)
		}
	}
}
