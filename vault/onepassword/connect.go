package onepassword

import (
	"context"
	"errors"
	"sync"

	sdk "github.com/1password/onepassword-sdk-go"
)

// IntegrationName is the integration name the SDK client reports to
// 1Password, which shows it in the account's activity records.
const IntegrationName = "acctsetup"

// connectMu serializes client creation: the SDK (v0.4.1) loads its shared
// WebAssembly core into a package variable without a lock.
var connectMu sync.Mutex

// Connect creates an SDK client authenticated with a 1Password service
// account token (usually the value of OP_SERVICE_ACCOUNT_TOKEN), reporting
// itself as [IntegrationName] at version.
//
// It is slow and heavy: the first client in a process loads the SDK's
// WebAssembly core, measured at about 3 seconds and 150 MB, and
// authenticating is a request of its own. Create one client per process and
// only when needed; see [Open] and [ServiceAccount]. Errors never contain
// the token.
func Connect(ctx context.Context, token, version string) (*sdk.Client, error) {
	if token == "" {
		return nil, errors.New("onepassword: connect: the service account token is empty")
	}
	if version == "" {
		version = sdk.DefaultIntegrationVersion
	}
	connectMu.Lock()
	defer connectMu.Unlock()
	c, err := sdk.NewClient(ctx, sdk.WithServiceAccountToken(token), sdk.WithIntegrationInfo(IntegrationName, version))
	if err != nil {
		return nil, apiError("connect", err, token)
	}
	return c, nil
}

// ServiceAccount returns a connect function for [Open] that calls
// [Connect] with token and version.
func ServiceAccount(token, version string) func(context.Context) (API, error) {
	return func(ctx context.Context) (API, error) {
		c, err := Connect(ctx, token, version)
		if err != nil {
			return nil, err // not a typed nil *sdk.Client in an API
		}
		return c, nil
	}
}
