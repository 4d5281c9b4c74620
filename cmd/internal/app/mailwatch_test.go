package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/acctsetup/acctsetup/mailbox"
)

// TestWatchHealth: /healthz is 200 only while every folder is watching.
func TestWatchHealth(t *testing.T) {
	t.Parallel()
	h := newWatchHealth([]string{"INBOX", "Archive"}, time.Now())
	check := func(want int, wantBody string) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.report(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		if rec.Code != want || !strings.Contains(rec.Body.String(), wantBody) {
			t.Errorf("healthz = %d %s, want %d with %s", rec.Code, rec.Body, want, wantBody)
		}
	}
	check(http.StatusServiceUnavailable, `"status":"starting"`)
	for _, step := range []struct {
		e    mailbox.Event
		code int
		body string
	}{
		{mailbox.Event{Folder: "INBOX", State: mailbox.StateWatching, Text: "watching (idle)"}, http.StatusServiceUnavailable, `"status":"degraded"`},
		{mailbox.Event{Folder: "Archive", State: mailbox.StateWatching, Text: "watching (idle)"}, http.StatusOK, `"status":"ok"`},
		{mailbox.Event{Folder: "INBOX", Text: "fetched 1 message (900 bytes)"}, http.StatusOK, `"last_event":"INBOX: fetched 1 message (900 bytes)"`},
		{mailbox.Event{Folder: "INBOX", State: mailbox.StateReconnecting, Text: "reconnecting in 1s: EOF"}, http.StatusServiceUnavailable, `"INBOX":"reconnecting"`},
		{mailbox.Event{Folder: "INBOX", State: mailbox.StateWatching, Text: "watching (idle)"}, http.StatusOK, `"status":"ok"`},
	} {
		h.event(step.e)
		check(step.code, step.body)
	}
}
