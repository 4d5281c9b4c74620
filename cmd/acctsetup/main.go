// Acctsetup sets up a team's integrations with its customers' accounting
// software. Before the first customer connects through a unified API such as
// Codat, someone must register an app in each provider's developer portal,
// store the keys it yields, keep the shared portal login's MFA, answer
// questionnaires, sign agreements and catch approval e-mails. acctsetup
// encodes each provider's portal steps, keeps the keys in a vault, and tells
// CI and compliance reviewers whether every provider is ready.
//
// Usage:
//
//	acctsetup init                              write acctsetup.toml
//	acctsetup providers list | show ID          what each provider needs
//	acctsetup onboard ID [--env E]              walk the steps, resuming where you stopped
//	acctsetup status [ID] [--env E]             each step: done, todo or blocked
//	acctsetup step done|undo|block ID STEP      record a portal step, with --evidence
//	acctsetup secret set ID FIELD [--env E]     store a key (standard input or a hidden prompt)
//	acctsetup secret rotate ID FIELD [--env E]  replace a key, keeping who set it first
//	acctsetup secret get ID FIELD --reveal      print a key (audited)
//	acctsetup secret rm ID FIELD [--env E]      remove a key
//	acctsetup secret list [ID]                  what is stored, never the values
//	acctsetup otp enroll ID [--code N] [--qr F] keep a portal login's TOTP seed
//	acctsetup otp code ID                       the current code (audited)
//	acctsetup vault recipients list|add|rm      who can read the age vault
//	acctsetup vault migrate --to BACKEND        move every secret, e.g. to 1Password
//	acctsetup mailbox login|scan|watch          provider e-mails advance steps
//	acctsetup mailbox review|accept|dismiss     what waits for a person
//	acctsetup questionnaire show|answer|signoff answer a provider's questionnaire
//	acctsetup questionnaire export              every provider's answers and sign-offs
//	acctsetup calendar list | done ID OBL       obligations after onboarding (renewals, reviews)
//	acctsetup check [ID...] [--env E] [--probe] readiness: exit 0 ready, 1 not ready
//	acctsetup report [--since 7d]               what changed since then; exit 1 on a regression
//	acctsetup audit log|verify|head|export      the hash-chained audit trail
//
// The team mailbox is [mailbox] in acctsetup.toml. preset = "gmail" or
// "microsoft365" fills in its host, port, TLS, the XOAUTH2 login with its
// OAuth 2.0 flow, and whose Authentication-Results vouch for a sender
// (Gmail's mx.google.com; for Microsoft 365 the field Exchange Online adds,
// which names no server: trust = "exchange_online"); keys written in the
// file win over the preset. "acctsetup mailbox login --oauth" then stores
// the client credentials in the vault (Microsoft 365: an Entra app's tenant
// ID, client ID and client secret; Google: the client ID, client secret and
// a refresh token), one hidden prompt or line of standard input each; scan
// and watch fetch access tokens as they need them, renew them before they
// expire, and never store one.
//
// Every command that prints data takes --json. Exit codes: 0 ready or done,
// 1 not ready or refused, 2 usage or configuration error, 3 a backend (vault,
// mailbox, database) could not be reached.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/acctsetup/acctsetup/cmd/internal/app"
)

func main() { os.Exit(run()) }

// run runs the command line until it ends or is interrupted.
func run(options ...app.Option) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.Main(ctx, os.Args, app.SystemIO(), os.Getenv, options...)
}
