package mailbox

import (
	"maps"
	"slices"
)

// The OAuth 2.0 flows that get XOAUTH2 access tokens (package
// mailbox/oauth).
const (
	OAuthGoogle       = "google"       // a refresh token for Gmail
	OAuthMicrosoft365 = "microsoft365" // client credentials of an Entra app for Exchange Online
)

// Preset is how a hosted mail service is reached and whose authentication
// results it writes, so that a team names the service rather than its
// settings.
type Preset struct {
	Host  string
	Port  int
	TLS   string
	Auth  string
	OAuth string // OAuthGoogle or OAuthMicrosoft365
	Trust Trust
}

// presets are the hosted services by the name a config gives them.
var presets = map[string]Preset{
	// Gmail and Google Workspace: IMAP at imap.gmail.com:993 over TLS
	// (https://developers.google.com/workspace/gmail/imap/imap-smtp), SASL
	// XOAUTH2 with an access token for the scope https://mail.google.com/
	// (https://developers.google.com/workspace/gmail/imap/xoauth2-protocol).
	// Gmail writes its Authentication-Results as "mx.google.com; ...".
	"gmail": {Host: "imap.gmail.com", Port: 993, TLS: TLSImplicit, Auth: AuthXOAUTH2, OAuth: OAuthGoogle,
		Trust: Trust{AuthservID: "mx.google.com"}},
	// Microsoft 365 (Exchange Online): IMAP at outlook.office365.com:993 over
	// TLS with OAuth 2.0
	// (https://support.microsoft.com/en-us/office/pop-imap-and-smtp-settings-8361e398-8af4-4e97-b147-6c6c4ac95353),
	// SASL XOAUTH2
	// (https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth),
	// and Authentication-Results without an authserv-id (see
	// authenticateExchange).
	"microsoft365": {Host: "outlook.office365.com", Port: 993, TLS: TLSImplicit, Auth: AuthXOAUTH2, OAuth: OAuthMicrosoft365,
		Trust: Trust{ExchangeOnline: true}},
}

// LookupPreset returns the preset of a hosted service: "gmail" or
// "microsoft365".
func LookupPreset(name string) (Preset, bool) {
	p, ok := presets[name]
	return p, ok
}

// PresetNames lists the presets, sorted.
func PresetNames() []string {
	return slices.Sorted(maps.Keys(presets))
}
