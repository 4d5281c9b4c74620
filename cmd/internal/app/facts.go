package app

import (
	"context"

	"github.com/acctsetup/acctsetup/checklists"
	"github.com/acctsetup/acctsetup/vault"
)

// loadSnapshot reads the state store and, withValues, every vault value in
// one round trip.
func (a *app) loadSnapshot(ctx context.Context, withValues bool) (*checklists.Snapshot, error) {
	st, err := a.store(ctx)
	if err != nil {
		return nil, err
	}
	snap, err := checklists.Load(ctx, st)
	if err != nil {
		return nil, backendError(err)
	}
	if !withValues {
		return snap, nil
	}
	v, err := a.vaultToRead()
	if err != nil {
		return nil, err
	}
	if v == nil { // no vault yet: nothing stored
		return snap, nil
	}
	values, err := vault.ReadAll(ctx, v)
	if err != nil {
		return nil, a.vaultError(err)
	}
	snap.SetValues(values)
	return snap, nil
}
