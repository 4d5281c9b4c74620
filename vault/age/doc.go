// Package agevault is the local [vault.Vault] backend: every secret lives in
// one file encrypted with age (filippo.io/age) to one or more recipients, so a
// team can share it and the standard age tool can read it:
//
//	age -d -i .acctsetup/identity.txt .acctsetup/vault.age
//
// The package lives in directory vault/age but is named agevault so that it
// does not clash with filippo.io/age, which every caller also imports.
//
// # File format
//
// Decrypted, the file is JSON. Secrets are sorted by ref; times are RFC 3339
// in UTC, and rotated_at, rotated_by and expires_at are left out when unset:
//
//	{
//	  "version": 2,
//	  "secrets": [
//	    {
//	      "provider": "businesscentral",
//	      "environment": "production",
//	      "field": "client_secret",
//	      "value": "...",
//	      "set_at": "2025-01-02T03:04:05.123456789Z",
//	      "set_by": "priya@example.com",
//	      "rotated_at": "2026-06-02T09:00:00Z",
//	      "rotated_by": "sam@example.com",
//	      "expires_at": "2028-06-02T09:00:00Z"
//	    }
//	  ]
//	}
//
// Version 1 files, whose secrets carry only updated_at, are read as if it
// were set_at and written back as version 2. Unknown fields and other
// versions are rejected rather than silently dropped on the next write.
//
// # Recipients
//
// Every write encrypts to all the recipients given to [Open] (X25519 "age1..."
// keys or SSH keys, see [ParseRecipients]) and also to the identity's own
// recipient when the identity is an X25519 key, so the writer can always read
// back what it wrote.
//
// # Concurrency and durability
//
// A sibling file "<path>.lock" (mode 0600) is locked with flock(2): shared for
// reads, exclusive for writes, so goroutines and processes on one machine can
// use the same vault at once. A write re-reads the file under the lock,
// applies its change, writes the temporary file "<dir>/.<name>.tmp" (mode
// 0600, created exclusively), fsyncs it, renames it over the vault and fsyncs
// the directory. A reader therefore sees the old file or the new one, never a
// half-written one, and concurrent writers lose nothing. On any error the
// vault file is left as it was. A writer killed midway leaves at most the
// temporary file, which the next write replaces, and no lock: the kernel
// releases a flock with its holder. The lock is advisory and local: it does
// not protect a vault on a network file system shared between machines.
//
// # Links
//
// The vault file, the lock file and the temporary file are opened with
// O_NOFOLLOW and must be regular files: a symbolic link (or a FIFO) at any of
// them fails every operation with [ErrNotRegular], so whoever can create
// files beside the vault cannot make acctsetup write, create or truncate a
// file elsewhere. A link in the directories above the vault is followed.
//
// # Errors
//
// Errors are prefixed "agevault: ", name the files involved and never contain
// a secret value.
package agevault
