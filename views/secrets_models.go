package views

// ClientSecrets is the Secrets section of the Edit OAuth Client dialog: each
// secret's creation, last use and expiry (never the secret), and the links
// to rotate the secret and to revoke the old one.
type ClientSecrets struct {
	Rows []SecretRow
	// RotateURL (GET: the Rotate Secret dialog) is empty when the client
	// cannot be rotated (an expired Technical User client is extended).
	RotateURL string
	// RevokeURL (GET: the confirmation) is set while an old secret works.
	RevokeURL string
}

// SecretRow is one secret of a client, as display text.
type SecretRow struct {
	Label    string // "Current", "Previous", "Expired"
	Created  string // "2026-11-25 18:40 UTC"
	LastUsed string // "2026-11-25 18:41 UTC" or "Never"
	Expires  string // "2026-12-02 18:40 UTC", "No expiry", …
	Active   bool
}

// Form field names of the Rotate Secret dialog: how long the current secret
// keeps working, a number and its unit (…_unit: "hours" or "days").
const (
	FieldOldSecretExpires = "old_secret_expires"
)

// RotateSecretForm is the Rotate Secret dialog: how long the current secret
// keeps working once the new one is issued.
type RotateSecretForm struct {
	ClientID string
	Name     string
	Action   string // POST target
	Value    string // number input FieldOldSecretExpires
	Unit     string // select FieldOldSecretExpires + "_unit"
	Units    []Option
	Hint     string // "From 1 hour to 30 days."
	Error    string // the field's message
	// Blocked, when set, says why the secret cannot be rotated now (two
	// secrets work already); the dialog then offers RevokeURL instead.
	Blocked   string
	RevokeURL string
}

// RevokeSecretDialog asks before the old secret of a rotation stops working.
type RevokeSecretDialog struct {
	ClientID   string
	Name       string
	Action     string // POST target
	OldExpires string // display text: until when the old secret would work
	LastUsed   string // display text: when the old secret was last used
}
