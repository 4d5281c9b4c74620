package codat_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/acctsetup/acctsetup/providers/codat"
	"github.com/acctsetup/acctsetup/providers/probe"
	"github.com/acctsetup/acctsetup/providers/probe/probetest"
	"github.com/acctsetup/acctsetup/vault"
)

const (
	goodKey = "Jk3Lm9Np2Qr5St8Vw1Xy4Za7Bc0De6FgHi"
	badKey  = "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0PpOo"
)

// The answers of GET /profile as Codat's Platform API documents them
// (static/oas/Codat-Platform.json, components.responses), verbatim.
const (
	profile      = `{"name":"Bob's Burgers","logoUrl":"https://client-images.codat.io/logo/042399f5-d104-4f38-9ce8-cac3524f4e88_5806cb1f-7342-4c0e-a0a8-99bfbc47b0ff.png","iconUrl":"https://client-images.codat.io/icon/042399f5-d104-4f38-9ce8-cac3524f4e88_3f5623af-d992-4c22-bc08-e58c520a8526.ico","redirectUrl":"https://bobs-burgers.{countrySuffix}/{companyId}","whiteListUrls":["https://bobs-burgers.com","https://bobs-burgers.co.uk"],"confirmCompanyName":true}`
	unauthorized = `{"statusCode":401,"service":"PublicApi","error":"Unauthorized","correlationId":"7eb40d6b415d7bcd99ce658268284056","canBeRetried":"Unknown","detailedErrorCode":0}`
	forbidden    = `{"statusCode":403,"service":"PublicApi","error":"You are using an outdated API key or a key not associated with that resource.","correlationId":"bc997528a9d7abb9161ef45f05d38599","canBeRetried":"Unknown","detailedErrorCode":0}`
	paymentReq   = `{"statusCode":429,"service":"PublicApi","error":"You have exceeded the 50-company limit that applies to a Free plan. We recommend that you delete any companies you no longer need and retry the request.","correlationId":"bc997528a9d7abb9161ef45f05d38599","canBeRetried":"Unknown","detailedErrorCode":0}`
	tooMany      = `{"statusCode":429,"service":"PublicApi","error":"You have made too many requests in a given amount of time; please retry later.","correlationId":"bc997528a9d7abb9161ef45f05d38599","canBeRetried":"Unknown","detailedErrorCode":0}`
	maintenance  = `{"statusCode":500,"service":"PublicApi","error":"The Codat API is temporarily offline for maintenance. Please try again later.","correlationId":"bc997528a9d7abb9161ef45f05d38599","canBeRetried":"Unknown","detailedErrorCode":0}`
	serverError  = `{"statusCode":500,"service":"PublicApi","error":"There is a problem with our server. Please try again later.","correlationId":"bc997528a9d7abb9161ef45f05d38599","canBeRetried":"Unknown","detailedErrorCode":0}`
)

func TestProbe(t *testing.T) {
	t.Parallel()
	key := func(k string) map[string]vault.Secret { return map[string]vault.Secret{"api_key": vault.NewSecret(k)} }
	check := func(t *testing.T, r *http.Request, _ string, creds map[string]vault.Secret) {
		if r.Method != http.MethodGet || r.Host != "api.codat.io" || r.URL.Path != "/profile" || r.URL.RawQuery != "" {
			t.Errorf("request %s %s%s?%s, want GET api.codat.io/profile", r.Method, r.Host, r.URL.Path, r.URL.RawQuery)
		}
		if want := "Basic " + base64.StdEncoding.EncodeToString([]byte(creds["api_key"].Reveal())); r.Header.Get("Authorization") != want {
			t.Errorf("Authorization = %q, want Basic and the key alone, base64-encoded", r.Header.Get("Authorization"))
		}
	}
	rejected := func(detail string) probe.Result {
		return probe.Result{Verdict: probe.Rejected, Field: "api_key", Detail: detail}
	}
	for _, env := range []string{"sandbox", "production"} {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			probetest.Run(t, codat.Probe, env, check,
				probetest.Scenario{Name: "good key", Creds: key(goodKey), Status: 200, Body: profile,
					Want: probe.Result{Verdict: probe.Valid, Detail: "HTTP 200: the profile was read"}},
				probetest.Scenario{Name: "bad key", Creds: key(badKey), Status: 401, Body: unauthorized,
					Want: rejected("HTTP 401: the key was not accepted")},
				probetest.Scenario{Name: "outdated key", Creds: key(goodKey), Status: 403, Body: forbidden,
					Want: rejected("HTTP 403: an outdated API key")},
				probetest.Scenario{Name: "plan limit", Creds: key(goodKey), Status: 402, Body: paymentReq,
					Want: probe.Result{Verdict: probe.Valid, Detail: "HTTP 402: the key authenticated, but the account has hit a plan limit"}},
				probetest.Scenario{Name: "documented rate limit", Creds: key(goodKey), Status: 429, Body: tooMany,
					Want: probe.Result{Verdict: probe.Unknown, Detail: "HTTP 429: rate limited; try again later"}},
				probetest.Scenario{Name: "documented server error", Creds: key(goodKey), Status: 500, Body: serverError,
					Want: probe.Result{Verdict: probe.Unknown, Detail: "HTTP 500: the provider's server failed"}},
				probetest.Scenario{Name: "maintenance", Creds: key(goodKey), Status: 503, Body: maintenance,
					Want: probe.Result{Verdict: probe.Unknown, Detail: "HTTP 503: the provider's server failed"}},
			)
		})
	}
}
