package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/checklists/sqlstore"
)

func TestMail(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	testMail(t, s)
}

func TestPostgreSQLMail(t *testing.T) {
	t.Parallel()
	testMail(t, openPostgres(t, postgresSchema(t)))
}

// testMail records an advancing message and one for review, checks that a
// second copy of either changes nothing, decides the reviewed one, and
// keeps checkpoints.
func testMail(t *testing.T, s *sqlstore.Store) {
	ctx := t.Context()
	approved := checklists.MailMessage{MessageID: "cert-1@xero.com", Folder: "INBOX", From: "noreply@xero.com",
		Subject: "Your certification was approved", Date: t0, Provider: "xero", Signal: "certification-passed",
		Event: "approved", Step: "pass-certification", Status: checklists.MailAdvanced, SeenAt: t0.Add(time.Minute), Actor: "mailbox"}
	step := stepRecord("xero", "production", "pass-certification", checklists.Done, approved.SeenAt)
	step.Evidence, step.Actor = "<cert-1@xero.com>", "mailbox"
	forged := checklists.MailMessage{MessageID: "fake-1@evil.example", Folder: "INBOX", From: "noreply@xero-mail.com",
		Subject: "Your certification was approved", Date: t0, Provider: "xero", Signal: "certification-passed",
		Event: "approved", Step: "pass-certification", Status: checklists.MailReview, Reason: "look-alike sender",
		SeenAt: t0.Add(2 * time.Minute), Actor: "mailbox"}

	for i, tc := range []struct {
		m     checklists.MailMessage
		steps []checklists.StepRecord
		want  bool
	}{
		{approved, []checklists.StepRecord{step}, true},
		{forged, nil, true},
		{approved, []checklists.StepRecord{step}, false}, // the same message again: nothing
		{forged, nil, false},
	} {
		ev := event("mailbox."+string(tc.m.Status), tc.m.Provider, "", tc.m.Step, tc.m.MessageID, tc.m.SeenAt)
		got, err := s.RecordMail(ctx, tc.m, tc.steps, ev)
		if err != nil || got != tc.want {
			t.Fatalf("RecordMail #%d (%s) = %v, %v; want %v", i+1, tc.m.MessageID, got, err, tc.want)
		}
	}
	verifyChain(t, s, 2) // the duplicates wrote no audit event
	if steps, err := s.Steps(ctx, "xero", "production"); err != nil || len(steps) != 1 || steps[0].Evidence != "<cert-1@xero.com>" {
		t.Errorf("Steps = %+v, %v; want the step done with the message as evidence", steps, err)
	}
	review, err := s.Mail(ctx, checklists.MailReview)
	want := forged
	want.Date, want.SeenAt = want.Date.UTC(), want.SeenAt.UTC()
	if err != nil || len(review) != 1 || review[0] != want {
		t.Errorf("Mail(review) = %+v, %v; want [%+v]", review, err, want)
	}
	if all, err := s.Mail(ctx, ""); err != nil || len(all) != 2 || all[0].MessageID != approved.MessageID {
		t.Errorf("Mail(\"\") = %+v, %v; want both, oldest first", all, err)
	}

	decided := forged
	decided.Status, decided.Actor, decided.DecidedAt = checklists.MailDismissed, "ana", t0.Add(time.Hour)
	if err := s.DecideMail(ctx, decided, nil, event("mailbox.dismiss", "xero", "", "", decided.MessageID, decided.DecidedAt)); err != nil {
		t.Fatalf("DecideMail = %v", err)
	}
	if err := s.DecideMail(ctx, decided, nil, event("mailbox.dismiss", "xero", "", "", decided.MessageID, decided.DecidedAt)); err == nil {
		t.Error("DecideMail on a message no longer under review succeeded")
	}
	if review, _ := s.Mail(ctx, checklists.MailReview); len(review) != 0 {
		t.Errorf("Mail(review) after dismissal = %+v, want none", review)
	}
	verifyChain(t, s, 3)

	cps := []checklists.MailCheckpoint{{Folder: "INBOX", UIDValidity: 7, LastUID: 10}, {Folder: "Archive", UIDValidity: 4294967295, LastUID: 4294967290}}
	for _, cp := range cps {
		if err := s.SaveMailCheckpoint(ctx, cp); err != nil {
			t.Fatal(err)
		}
	}
	cps[0].LastUID = 12
	if err := s.SaveMailCheckpoint(ctx, cps[0]); err != nil {
		t.Fatal(err)
	}
	got, err := s.MailCheckpoints(ctx)
	if wantCps := []checklists.MailCheckpoint{cps[1], cps[0]}; err != nil || !slices.Equal(got, wantCps) {
		t.Errorf("MailCheckpoints = %+v, %v; want %+v", got, err, wantCps)
	}
}
