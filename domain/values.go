package domain

import (
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Role of a user inside their own company.
type Role string

const (
	RoleAdmin  Role = "admin"  // sees and does everything (the "Business Partner Admin")
	RoleMember Role = "member" // restricted by group access and flags
)

func (r Role) valid() bool { return r == RoleAdmin || r == RoleMember }

// AccessLevel is what a staff user may do with the customers of one group.
type AccessLevel string

const (
	AccessNone  AccessLevel = ""
	AccessRead  AccessLevel = "read"
	AccessWrite AccessLevel = "write"
)

func (a AccessLevel) valid() bool { return a == AccessRead || a == AccessWrite }

// Permission of a portal share: view, or edit (view and deposit files).
type Permission string

const (
	PermissionNone Permission = ""
	PermissionView Permission = "view"
	PermissionEdit Permission = "edit"
)

func (p Permission) valid() bool { return p == PermissionView || p == PermissionEdit }

func (p Permission) rank() int {
	switch p {
	case PermissionView:
		return 1
	case PermissionEdit:
		return 2
	}
	return 0
}

func maxPermission(a, b Permission) Permission {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// CustomerStatus is the life cycle of a customer connection.
type CustomerStatus string

const (
	StatusInvited CustomerStatus = "invited"
	StatusActive  CustomerStatus = "active"
	StatusPaused  CustomerStatus = "paused"
	StatusRevoked CustomerStatus = "revoked"
)

// Reasons recorded on ShareCancelled and LinkCancelled.
const (
	ReasonCancelled       = "cancelled"        // a user cancelled it
	ReasonCustomerRevoked = "customer_revoked" // its customer was revoked
	ReasonDocumentRemoved = "document_removed" // its document was removed
)

// How a company or customer came to be (CompanyRegistered.Via, CustomerConnected.Via).
const (
	ViaSignup             = "signup"
	ViaCustomerInvitation = "customer_invitation"
	ViaGroupCode          = "group_code"
	ViaProvider           = "provider"
)

// PersonalData is the personal information an event carries. Each event keeps it in
// one clearly named field so that a later change can encrypt it per person (and
// erase it by discarding the key) without touching the rest of the payload.
type PersonalData struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// FileInfo describes one stored file version; the content itself is stored once,
// addressed by its SHA-256.
type FileInfo struct {
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type"`
}

const (
	maxNameLen     = 200
	maxGroupName   = 50
	maxEmailLen    = 254
	minPasswordLen = 10 // accounts and links (API v1.1)
	maxPasswordLen = 1024
)

// cleanName trims s and checks it is a usable display name: not empty, at most max
// characters, no control characters.
func cleanName(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", invalid(field, "must not be empty")
	case !utf8.ValidString(s):
		return "", invalid(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		return "", invalid(field, "is too long")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", invalid(field, "must not contain control characters")
	}
	return s, nil
}

// cleanItemName is cleanName for folder and document names, which also end up in
// paths and downloads.
func cleanItemName(field, s string) (string, error) {
	s, err := cleanName(field, s, maxNameLen)
	if err != nil {
		return "", err
	}
	if s == "." || s == ".." || strings.ContainsAny(s, `/\`) {
		return "", invalid(field, `must not be "." or ".." or contain a slash`)
	}
	return s, nil
}

// NormalizeEmail checks that s is a bare e-mail address and returns it in the form
// used for uniqueness: trimmed and lower case.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", invalid("email", "must not be empty")
	}
	if len(s) > maxEmailLen {
		return "", invalid("email", "is too long")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", invalid("email", "is not an e-mail address")
	}
	return s, nil
}

// ValidatePassword checks a login password before it is hashed.
func ValidatePassword(p string) error {
	switch {
	case utf8.RuneCountInString(p) < minPasswordLen:
		return invalid("password", fmt.Sprintf("must be at least %d characters", minPasswordLen))
	case len(p) > maxPasswordLen:
		return invalid("password", "is too long")
	}
	return nil
}

// ValidateLinkPassword checks an optional link password before it is hashed ("" means
// no password).
func ValidateLinkPassword(p string) error {
	if len(p) > maxPasswordLen {
		return invalid("password", "is too long")
	}
	if p != "" && strings.TrimSpace(p) == "" {
		return invalid("password", "must not be only spaces")
	}
	if p != "" && utf8.RuneCountInString(p) < minPasswordLen {
		return invalid("password", fmt.Sprintf("must be at least %d characters", minPasswordLen))
	}
	return nil
}

func validateFile(f FileInfo) error {
	if len(f.SHA256) != 64 || strings.ToLower(f.SHA256) != f.SHA256 {
		return invalid("sha256", "must be 64 lower-case hex digits")
	}
	if _, err := hex.DecodeString(f.SHA256); err != nil {
		return invalid("sha256", "must be 64 lower-case hex digits")
	}
	if f.Size < 0 {
		return invalid("size", "must not be negative")
	}
	typ, sub, ok := strings.Cut(f.MediaType, "/")
	if !ok || typ == "" || sub == "" || len(f.MediaType) > 255 || strings.ContainsAny(f.MediaType, " \t\r\n") {
		return invalid("media_type", "must look like type/subtype")
	}
	return nil
}

// validExpiry checks an optional expiry instant (zero: never expires).
func validExpiry(field string, at, now time.Time) error {
	if !at.IsZero() && !at.After(now) {
		return invalid(field, "must be in the future")
	}
	return nil
}
