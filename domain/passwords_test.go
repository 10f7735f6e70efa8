package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sharehub/sharehub/domain"
)

// Account and link passwords need at least 10 characters (API v1.1); a link may
// have no password at all.
func TestPasswordLength(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		validate func(string) error
		password string
		ok       bool
	}{
		{"account: 9 characters", domain.ValidatePassword, "123456789", false},
		{"account: 10 characters", domain.ValidatePassword, "1234567890", true},
		{"account: 10 runes, more bytes", domain.ValidatePassword, "äöüäöüäöüä", true},
		{"account: empty", domain.ValidatePassword, "", false},
		{"link: none", domain.ValidateLinkPassword, "", true},
		{"link: 9 characters", domain.ValidateLinkPassword, "s3cret-pw", false},
		{"link: 10 characters", domain.ValidateLinkPassword, "s3cret-pw!", true},
		{"link: spaces only", domain.ValidateLinkPassword, strings.Repeat(" ", 12), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := c.validate(c.password)
			if c.ok != (err == nil) {
				t.Fatalf("got %v, want ok=%v", err, c.ok)
			}
			var v *domain.ValidationError
			if err != nil && (!errors.As(err, &v) || v.Field != "password") {
				t.Fatalf("got %v, want a validation error naming password", err)
			}
		})
	}
}
