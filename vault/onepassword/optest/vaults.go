package optest

import (
	"context"

	sdk "github.com/1password/onepassword-sdk-go"
)

type vaults struct{ s *Service }

func (a vaults) Create(ctx context.Context, params sdk.VaultCreateParams) (sdk.Vault, error) {
	if err := a.s.enter(ctx, "Vaults.Create"); err != nil {
		return sdk.Vault{}, err
	}
	id := a.s.AddVault(params.Title)
	return a.get(id)
}

func (a vaults) List(ctx context.Context, _ ...sdk.VaultListParams) ([]sdk.VaultOverview, error) {
	if err := a.s.enter(ctx, "Vaults.List"); err != nil {
		return nil, err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	out := make([]sdk.VaultOverview, len(a.s.vaults))
	for i, v := range a.s.vaults {
		out[i] = a.s.overview(v)
	}
	return out, nil
}

// overview returns v with its active item count. s.mu must be held.
func (s *Service) overview(v sdk.VaultOverview) sdk.VaultOverview {
	v.ActiveItemCount = 0
	for id, it := range s.items {
		if it.VaultID == v.ID && s.state[id] == sdk.ItemStateActive {
			v.ActiveItemCount++
		}
	}
	return v
}

func (a vaults) GetOverview(ctx context.Context, vaultID string) (sdk.VaultOverview, error) {
	if err := a.s.enter(ctx, "Vaults.GetOverview"); err != nil {
		return sdk.VaultOverview{}, err
	}
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	for _, v := range a.s.vaults {
		if v.ID == vaultID {
			return a.s.overview(v), nil
		}
	}
	return sdk.VaultOverview{}, errResourceNotFound
}

func (a vaults) Get(ctx context.Context, vaultID string, _ sdk.VaultGetParams) (sdk.Vault, error) {
	if err := a.s.enter(ctx, "Vaults.Get"); err != nil {
		return sdk.Vault{}, err
	}
	return a.get(vaultID)
}

func (a vaults) get(vaultID string) (sdk.Vault, error) {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	for _, v := range a.s.vaults {
		if v.ID == vaultID {
			o := a.s.overview(v)
			return sdk.Vault{ID: o.ID, Title: o.Title, Description: o.Description, VaultType: o.VaultType, ActiveItemCount: o.ActiveItemCount}, nil
		}
	}
	return sdk.Vault{}, errResourceNotFound
}

func (a vaults) Update(ctx context.Context, _ string, _ sdk.VaultUpdateParams) (sdk.Vault, error) {
	return sdk.Vault{}, a.unsupported(ctx, "Vaults.Update")
}

func (a vaults) Delete(ctx context.Context, _ string) error {
	return a.unsupported(ctx, "Vaults.Delete")
}

func (a vaults) GrantGroupPermissions(ctx context.Context, _ string, _ []sdk.GroupAccess) error {
	return a.unsupported(ctx, "Vaults.GrantGroupPermissions")
}

func (a vaults) UpdateGroupPermissions(ctx context.Context, _ []sdk.GroupVaultAccess) error {
	return a.unsupported(ctx, "Vaults.UpdateGroupPermissions")
}

func (a vaults) RevokeGroupPermissions(ctx context.Context, _, _ string) error {
	return a.unsupported(ctx, "Vaults.RevokeGroupPermissions")
}

func (a vaults) unsupported(ctx context.Context, method string) error {
	if err := a.s.enter(ctx, method); err != nil {
		return err
	}
	return errNotSupported(method)
}
