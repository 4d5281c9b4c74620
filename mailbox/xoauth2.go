package mailbox

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/emersion/go-sasl"
)

// mechXOAUTH2 is the SASL mechanism Gmail and Microsoft 365 use for OAuth 2.0
// access tokens. go-sasl dropped its client as non-standard, and Microsoft
// 365 offers only XOAUTH2, so this file has the few lines it takes.
const mechXOAUTH2 = "XOAUTH2"

// xoauth2Client is a SASL client for XOAUTH2
// (https://developers.google.com/gmail/imap/xoauth2-protocol).
//
// The initial response carries the user and the token. A server that
// refuses them sends one challenge, a base64 JSON object with the reason;
// the client must answer it with an empty response, after which the server
// ends the exchange with a tagged NO. The challenge is kept in serverError
// so that the error can say why.
type xoauth2Client struct {
	user, token string
	serverError string // the server's JSON error, compacted; "" if none
}

var _ sasl.Client = (*xoauth2Client)(nil)

func newXOAUTH2Client(user, token string) *xoauth2Client {
	return &xoauth2Client{user: user, token: token}
}

// Start returns the initial response:
// "user=" user "\x01auth=Bearer " token "\x01\x01".
func (x *xoauth2Client) Start() (mech string, ir []byte, err error) {
	return mechXOAUTH2, []byte("user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}

// Next records the server's error challenge and answers it with the empty
// response the protocol asks for, so that the server can finish with NO.
func (x *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	x.serverError = describeXOAUTH2Error(challenge)
	return []byte{}, nil
}

// describeXOAUTH2Error turns an XOAUTH2 error challenge into one line: the
// JSON compacted when it is JSON, else the bytes quoted.
func describeXOAUTH2Error(challenge []byte) string {
	var buf bytes.Buffer
	if json.Valid(challenge) && json.Compact(&buf, challenge) == nil {
		return buf.String()
	}
	return strconv.Quote(string(challenge))
}
