// Package sageintacct probes Sage Intacct Web Services sender credentials:
// the module's descriptor is sageintacct.toml, embedded by package
// providers.
package sageintacct

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/acctsetup/acctsetup/providers/probe"
	"github.com/acctsetup/acctsetup/vault"
)

// GatewayURL is the XML Web Services gateway, one for every company
// (Endpoint::DEFAULT_ENDPOINT in Sage's official intacct-sdk-php).
const GatewayURL = "https://api.intacct.com/ia/xml/xmlgw.phtml"

// probeLogin is the company login the probe sends: no company has it, so
// no real user can be locked out by the probe.
const probeLogin = "acctsetup-probe"

// Probe sends the sender ID and password in a request's control block with
// a login that cannot exist. The gateway checks the control block (the
// sender) before the operation's login: a control status of success means
// the sender authenticated, whatever becomes of the login; a control
// failure with XL03000006 ("... is not a valid transport policy" for an
// unknown sender, "Incorrect Intacct XML Partner ID or password" for a
// wrong password) means it did not. Sage's SDK reads the XML whatever the
// HTTP status, and so does the probe. Its tests
// (test/Intacct/Exception/ResponseExceptionTest.php) hold both answers.
var Probe probe.Prober = gateway{}

type gateway struct{}

func (gateway) Fields() []string { return []string{"sender_id", "sender_password"} }

func (gateway) Probe(ctx context.Context, client *http.Client, env string, creds map[string]vault.Secret) probe.Result {
	body, err := request(creds["sender_id"].Reveal(), creds["sender_password"].Reveal())
	if err != nil {
		return probe.Result{Verdict: probe.Unknown, Detail: "could not write the request"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, GatewayURL, bytes.NewReader(body))
	if err != nil {
		return probe.Result{Verdict: probe.Unknown, Detail: "bad gateway URL"}
	}
	req.Header.Set("Content-Type", "application/xml")
	status, answer, r := probe.Send(client, req)
	if r != nil {
		return *r
	}
	return classify(status, answer)
}

// request writes the probe's request, as Sage's SDK writes one
// (RequestBlock, ControlBlock, LoginAuthentication, ApiSessionCreate).
func request(senderID, password string) ([]byte, error) {
	type login struct {
		UserID    string `xml:"userid"`
		CompanyID string `xml:"companyid"`
		Password  string `xml:"password"`
	}
	var r struct {
		XMLName xml.Name `xml:"request"`
		Control struct {
			SenderID          string `xml:"senderid"`
			Password          string `xml:"password"`
			ControlID         string `xml:"controlid"`
			UniqueID          bool   `xml:"uniqueid"`
			DTDVersion        string `xml:"dtdversion"`
			IncludeWhitespace bool   `xml:"includewhitespace"`
		} `xml:"control"`
		Operation struct {
			Login    login `xml:"authentication>login"`
			Function struct {
				ControlID     string   `xml:"controlid,attr"`
				GetAPISession struct{} `xml:"getAPISession"`
			} `xml:"content>function"`
		} `xml:"operation"`
	}
	r.Control.SenderID, r.Control.Password = senderID, password
	r.Control.ControlID, r.Control.DTDVersion = "acctsetup-probe", "3.0"
	r.Operation.Login = login{UserID: probeLogin, CompanyID: probeLogin, Password: probeLogin}
	r.Operation.Function.ControlID = "acctsetup-probe"
	out, err := xml.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}

// classify reads the gateway's answer.
func classify(status int, body []byte) probe.Result {
	var answer struct {
		Control struct {
			Status string `xml:"status"`
		} `xml:"control"`
		Errors []struct {
			Number       string `xml:"errorno"`
			Description2 string `xml:"description2"`
		} `xml:"errormessage>error"`
	}
	if err := xml.Unmarshal(body, &answer); err != nil {
		return probe.Result{Verdict: probe.Unknown, Detail: fmt.Sprintf("HTTP %d: an answer that is not the gateway's XML", status)}
	}
	switch answer.Control.Status {
	case "success":
		return probe.Result{Verdict: probe.Valid, Detail: "control status success: the gateway accepted the sender"}
	case "failure":
		for _, e := range answer.Errors {
			d := strings.ToLower(e.Description2)
			switch {
			case e.Number != "XL03000006":
			case strings.Contains(d, "not a valid transport policy"):
				return probe.Result{Verdict: probe.Rejected, Field: "sender_id", Detail: "control status failure, XL03000006: the gateway does not know the sender ID"}
			case strings.Contains(d, "partner id or password"):
				return probe.Result{Verdict: probe.Rejected, Field: "sender_password", Detail: "control status failure, XL03000006: the gateway refused the sender ID or password"}
			}
		}
		return probe.Result{Verdict: probe.Unknown, Detail: "control status failure for another reason than the sender"}
	}
	return probe.Result{Verdict: probe.Unknown, Detail: fmt.Sprintf("HTTP %d: an answer without a control status", status)}
}
