package sageintacct_test

import (
	"encoding/xml"
	"net/http"
	"testing"

	"github.com/acctsetup/acctsetup/providers/probe"
	"github.com/acctsetup/acctsetup/providers/probe/probetest"
	"github.com/acctsetup/acctsetup/providers/sageintacct"
	"github.com/acctsetup/acctsetup/vault"
)

// Answers from the tests of Sage's official intacct-sdk-php
// (test/Intacct/Exception/ResponseExceptionTest.php): testGetAuthErrors,
// a sender accepted and a login refused; testGetErrors, a sender the
// gateway does not know. The wrong-password wording, "Incorrect Intacct XML
// Partner ID or password.", is from other clients' fixtures (secondary).
const (
	senderAccepted = `<?xml version="1.0" encoding="UTF-8"?>
<response>
      <control>
            <status>success</status>
            <senderid>testsenderid</senderid>
            <controlid>ControlIdHere</controlid>
            <uniqueid>false</uniqueid>
            <dtdversion>3.0</dtdversion>
      </control>
      <operation>
            <authentication>
                  <status>failure</status>
                  <userid>fakeuser</userid>
                  <companyid>fakecompany</companyid>
            </authentication>
            <errormessage>
                  <error>
                        <errorno>XL03000006</errorno>
                        <description></description>
                        <description2>Sign-in information is incorrect</description2>
                        <correction></correction>
                  </error>
            </errormessage>
      </operation>
</response>`
	unknownSender = `<?xml version="1.0" encoding="UTF-8"?>
<response>
      <control>
            <status>failure</status>
            <senderid>testsenderid</senderid>
            <controlid>ControlIdHere</controlid>
            <uniqueid>false</uniqueid>
            <dtdversion>3.0</dtdversion>
      </control>
      <errormessage>
            <error>
                  <errorno>XL03000006</errorno>
                  <description></description>
                  <description2>test is not a valid transport policy.</description2>
                  <correction></correction>
            </error>
      </errormessage>
</response>`
	wrongPassword = `<?xml version="1.0" encoding="UTF-8"?>
<response><control><status>failure</status><senderid>AcmeLedgerMPP</senderid><controlid>acctsetup-probe</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control>
<errormessage><error><errorno>XL03000006</errorno><description></description><description2>Incorrect Intacct XML Partner ID or password.</description2><correction></correction></error></errormessage></response>`
	badRequest = `<?xml version="1.0" encoding="UTF-8"?>
<response><control><status>failure</status></control>
<errormessage><error><errorno>invalidRequest</errorno><description>Invalid Request</description><description2></description2></error></errormessage></response>`
)

func creds(id, password string) map[string]vault.Secret {
	return map[string]vault.Secret{"sender_id": vault.NewSecret(id), "sender_password": vault.NewSecret(password)}
}

// check holds the request to what Sage's SDK sends: a POST of XML to the
// gateway, the sender in the control block, a login no company has.
func check(t *testing.T, r *http.Request, body string, c map[string]vault.Secret) {
	if r.Method != http.MethodPost || r.Host != "api.intacct.com" || r.URL.Path != "/ia/xml/xmlgw.phtml" || r.Header.Get("Content-Type") != "application/xml" {
		t.Errorf("request %s %s%s (%s), want a POST of XML to api.intacct.com/ia/xml/xmlgw.phtml", r.Method, r.Host, r.URL.Path, r.Header.Get("Content-Type"))
	}
	var req struct {
		Control struct {
			SenderID string `xml:"senderid"`
			Password string `xml:"password"`
		} `xml:"control"`
		Login struct {
			UserID    string `xml:"userid"`
			CompanyID string `xml:"companyid"`
		} `xml:"operation>authentication>login"`
		Function *struct{} `xml:"operation>content>function>getAPISession"`
	}
	if err := xml.Unmarshal([]byte(body), &req); err != nil {
		t.Fatalf("request body: %v", err)
	}
	if req.Control.SenderID != c["sender_id"].Reveal() || req.Control.Password != c["sender_password"].Reveal() {
		t.Errorf("control block sender %q: want the stored sender ID and password", req.Control.SenderID)
	}
	if req.Login.UserID != "acctsetup-probe" || req.Login.CompanyID != "acctsetup-probe" || req.Function == nil {
		t.Errorf("operation: login %+v, getAPISession %v; want the probe's own login and getAPISession", req.Login, req.Function != nil)
	}
}

func TestProbe(t *testing.T) {
	t.Parallel()
	good := creds("AcmeLedgerMPP", "v9#Lq2!tWm7zRk")
	probetest.Run(t, sageintacct.Probe, "production", check,
		probetest.Scenario{Name: "sender accepted", Creds: good, Status: 200, Body: senderAccepted,
			Want: probe.Result{Verdict: probe.Valid, Detail: "control status success: the gateway accepted the sender"}},
		probetest.Scenario{Name: "unknown sender", Creds: creds("testsenderid", "v9#Lq2!tWm7zRk"), Status: 200, Body: unknownSender,
			Want: probe.Result{Verdict: probe.Rejected, Field: "sender_id", Detail: "control status failure, XL03000006: the gateway does not know the sender ID"}},
		probetest.Scenario{Name: "wrong password", Creds: creds("AcmeLedgerMPP", "Tr0ub4dor&3-horse"), Status: 200, Body: wrongPassword,
			Want: probe.Result{Verdict: probe.Rejected, Field: "sender_password", Detail: "control status failure, XL03000006: the gateway refused the sender ID or password"}},
		probetest.Scenario{Name: "another control failure", Creds: good, Status: 200, Body: badRequest,
			Want: probe.Result{Verdict: probe.Unknown, Detail: "control status failure for another reason than the sender"}},
		probetest.Scenario{Name: "not XML", Creds: good, Status: 200, Body: `{"message":"maintenance"}`,
			Want: probe.Result{Verdict: probe.Unknown, Detail: "HTTP 200: an answer that is not the gateway's XML"}},
	)
}
