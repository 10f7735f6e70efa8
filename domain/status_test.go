package domain_test

import (
	"testing"
	"time"

	"github.com/sharehub/sharehub/domain"
)

func TestAccessStatusAt(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		cancelled bool
		expiresAt time.Time
		want      domain.AccessStatus
	}{
		{"no expiry", false, time.Time{}, domain.AccessActive},
		{"expires later", false, at.Add(time.Nanosecond), domain.AccessActive},
		{"expires at that instant", false, at, domain.AccessExpired},
		{"expired before", false, at.Add(-time.Hour), domain.AccessExpired},
		{"cancelled wins over expiry", true, at.Add(-time.Hour), domain.AccessCancelled},
		{"cancelled", true, time.Time{}, domain.AccessCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := domain.AccessStatusAt(tt.cancelled, tt.expiresAt, at); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
