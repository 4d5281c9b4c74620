package vaulttest_test

import (
	"testing"

	"github.com/acctsetup/acctsetup/vault"
	"github.com/acctsetup/acctsetup/vault/vaulttest"
)

func TestMemory(t *testing.T) {
	vaulttest.Run(t, func(t *testing.T) vault.Vault { return &vaulttest.Memory{} })
}
