package query

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Invitations in the lists (issue 16): an invitation that was never accepted
// and is past its expiry shows as expired. Nothing is written when it expires:
// the status is computed at read time against the request's clock, with the
// rule the accept command applies (domain.AcceptCustomerInvitation: expired
// from the expiry instant on).

// StatusExpired is the status shown for an invited customer or user whose
// invitation expired unaccepted.
const StatusExpired = "expired"

// statusInvited is the read models' status of a pending invitation.
const statusInvited = "invited"

// InvitationStatus is status as shown at now: expired for an invitation past
// expiresAt, status otherwise (a zero now never expires anything).
func InvitationStatus(status string, expiresAt *time.Time, now time.Time) string {
	if status == statusInvited && expiresAt != nil && !now.IsZero() && !now.Before(*expiresAt) {
		return StatusExpired
	}
	return status
}

// pending is the expiry to show: only while the invitation is pending (invited
// or expired), nil otherwise.
func pending(status string, expiresAt *time.Time) *time.Time {
	if status == statusInvited || status == StatusExpired {
		return expiresAt
	}
	return nil
}

// shownCustomer is c with its status and expiry as shown at now.
func shownCustomer(c Customer, now time.Time) Customer {
	c.Status = InvitationStatus(c.Status, c.InvitationExpiresAt, now)
	c.InvitationExpiresAt = pending(c.Status, c.InvitationExpiresAt)
	return c
}

// ListCustomerUsers asks for the portal users of a customer the viewer may see.
type ListCustomerUsers struct {
	Viewer     Viewer
	CustomerID uuid.UUID
	Now        time.Time
	After      *NameKey
	Limit      int
}

// ListCustomerUsersHandler answers ListCustomerUsers.
type ListCustomerUsersHandler struct {
	rm       CustomerReadModel
	customer GetCustomerHandler
}

// Handle answers ErrNotFound for a customer the viewer may not read (as
// GetCustomer does), and shows expired invitations as such.
func (h ListCustomerUsersHandler) Handle(ctx context.Context, q ListCustomerUsers) ([]CustomerUser, error) {
	c, err := h.customer.Handle(ctx, GetCustomer{Viewer: q.Viewer, ID: q.CustomerID})
	if err != nil {
		return nil, err
	}
	users, err := h.rm.CustomerUsers(ctx, c.ID, q.After, q.Limit)
	if err != nil {
		return nil, err
	}
	for i, u := range users {
		users[i].Status = InvitationStatus(u.Status, u.InvitationExpiresAt, q.Now)
		users[i].InvitationExpiresAt = pending(users[i].Status, u.InvitationExpiresAt)
	}
	return users, nil
}
