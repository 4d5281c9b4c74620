// Package onepassword is the 1Password [vault.Vault] backend: secrets live as
// fields of items in one 1Password vault, read and written through the
// 1Password Go SDK (github.com/1password/onepassword-sdk-go) with a
// service-account token, so that a team keeps its portal keys and the shared
// portal logins' MFA seeds where it already keeps its passwords.
//
// # Item layout
//
// Each provider and environment has one API Credentials item, and a Login
// item when the portal login's MFA seed ([TOTPField], "mfa_totp") is stored.
// Titles have no spaces, so that secret references need no quoting in
// shells and env files; the segments are [a-z0-9]+, so a title maps back to
// exactly one provider and environment:
//
//	acctsetup-xero-production          API Credentials   every field but mfa_totp
//	acctsetup-xero-production-portal   Login             mfa_totp, as a one-time password field
//
// Both are tagged "acctsetup" and "acctsetup/<provider>" (the 1Password apps
// show the second nested under the first). Tags are for people: the backend
// finds its items by title, and restores missing tags on its next write.
// An item looks like this in the 1Password app:
//
//	acctsetup-xero-production                     tags: acctsetup, acctsetup/xero
//	  Credentials                                 section, ID "credentials"
//	    client_id                   ••••••••      concealed; field ID and title = the field
//	    client_secret               ••••••••
//	  acctsetup metadata                          section, ID "acctsetup"
//	    client_id.set_at            2025-03-04T04:06:07Z      text, RFC 3339, UTC
//	    client_id.set_by            priya@example.com
//	    client_secret.set_at        2025-03-04T04:06:07Z
//	    client_secret.rotated_at    2025-09-04T04:06:07Z
//	    client_secret.rotated_by    sam@example.com
//	    client_secret.expires_at    2027-03-04T04:06:07Z
//	  notes: Managed by acctsetup: ...
//
// The metadata fields are those of [vault.Meta]; unset ones are left out, and
// times keep whole seconds. A value lives in the "credentials" section; fields
// a person adds elsewhere in the item are kept on every write and otherwise
// ignored. [Vault.Delete] of an item's last value deletes the item, unless a
// person has added fields of their own to it.
//
// # Secret references
//
// [Vault.Reference] returns "op://<vault>/<item title>/<field>", for example
// "op://Integrations/acctsetup-xero-production/client_id", with the vault as
// configured (name or ID). 1Password's own tools read the same references
// ("op read", "op run"). [Vault.Resolve] accepts any op:// reference,
// including ones with a section or a "?attribute=otp" query.
//
// # Requests and rate limits
//
// 1Password service accounts may make few requests an hour and a day (see
// [ErrRateLimited]), so a [Vault] reads everything it needs at once and keeps
// it for the life of the value (one command run):
//
//   - the vault name is resolved to its ID once (Vaults.List);
//   - the first read or write lists the vault's active items (Items.List) and
//     fetches the backend's own items, if any, in one batch (Items.GetAll), which
//     [Vault.List], [Vault.Get], [Vault.GetAll] and [Vault.Resolve] of the
//     backend's own references then serve without further requests;
//   - a write is one request (Items.Create, Items.Put or Items.Delete) and
//     updates the cache.
//
// So reading every secret costs three requests however many there are, a
// missing secret costs no request once the items are listed, and nothing is
// ever retried: not on "not found", and not on a rate limit. Changes made by
// other processes after the first read are not seen by this Vault.
//
// # Not found
//
// The SDK reports most failures as plain errors carrying the message of its
// core. For its own items the backend knows what exists from the listing and
// never needs those messages. For other references, [Vault.Resolve] wraps
// [vault.ErrNotFound] when the SDK's message says that no item, section or
// field matched, or that the item is archived (messages of SDK v0.4.1). A
// vault that does not match is a plain error: it means the vault name is
// wrong or not shared with the service account, not that a secret is unset.
//
// # Connecting
//
// Creating an SDK client loads the SDK's WebAssembly core: in measurements
// it took about 3 seconds and grew the process by about 150 MB, and the
// SDK's core runs one call at a time. Create one client per process, only
// when a command needs the vault: [Open] with [ServiceAccount] connects on
// the first call that needs the service, and [Vault.Reference] never does.
// Importing this package does no work.
//
// # Errors
//
// Errors are prefixed "onepassword: ", name the vault, item and field
// involved, and never contain a secret value or the token.
package onepassword
