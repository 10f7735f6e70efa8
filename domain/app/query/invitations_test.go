package query_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// An invitation expires at t0+1h in these tests.
var invitationEnds = t0.Add(time.Hour)

func TestInvitationStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  string
		expires *time.Time
		now     time.Time
		want    string
	}{
		{"invited, before the expiry", "invited", &invitationEnds, t0, "invited"},
		{"invited, at the expiry instant (accept refuses it then)", "invited", &invitationEnds, invitationEnds, "expired"},
		{"invited, after the expiry", "invited", &invitationEnds, invitationEnds.Add(time.Second), "expired"},
		{"invited, no expiry known", "invited", nil, invitationEnds.Add(time.Hour), "invited"},
		{"invited, no clock", "invited", &invitationEnds, time.Time{}, "invited"},
		{"active past an old expiry", "active", &invitationEnds, invitationEnds.Add(time.Hour), "active"},
		{"deactivated past an old expiry", "deactivated", &invitationEnds, invitationEnds.Add(time.Hour), "deactivated"},
		{"revoked customer past an old expiry", "revoked", &invitationEnds, invitationEnds.Add(time.Hour), "revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := query.InvitationStatus(tt.status, tt.expires, tt.now); got != tt.want {
				t.Fatalf("status %q, want %q", got, tt.want)
			}
		})
	}
}

// portalUsers gives c1 an invited, an active and a deactivated portal user.
func portalUsers(f *fake) (invited, active, gone uuid.UUID) {
	invited, active, gone = id(40), id(41), id(42)
	old := t0.Add(-48 * time.Hour)
	f.users[c1] = []query.CustomerUser{
		{UserID: invited, Name: "Ivy", Status: "invited", InvitedAt: &t0, InvitationExpiresAt: &invitationEnds},
		{UserID: active, Name: "Abe", Status: "active", InvitedAt: &old, ActivatedAt: &t0, InvitationExpiresAt: &t0},
		{UserID: gone, Name: "Gus", Status: "deactivated", InvitedAt: &old, InvitationExpiresAt: &t0},
	}
	return invited, active, gone
}

func TestListCustomerUsersAuthorizesAsGetCustomer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		viewer   query.Viewer
		customer uuid.UUID
		wantErr  error
	}{
		{"an admin", admin, c1, nil},
		{"a member of the customer's group", reader, c1, nil},
		{"a member of another group", reader, c2, domain.ErrNotFound},
		{"an ungrouped customer is for admins", loner, c3, domain.ErrNotFound},
		{"another provider's admin", otherAdm, c1, domain.ErrNotFound},
		{"the customer's own portal user is not staff", portalC1, c1, domain.ErrNotFound},
		{"the customer company's staff", c1Staff, c1, domain.ErrNotFound},
		{"an inactive viewer", inactive, c1, domain.ErrNotFound},
		{"an unknown customer", admin, id(99), domain.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := world()
			portalUsers(f)
			users, err := query.New(f).ListCustomerUsers.Handle(context.Background(),
				query.ListCustomerUsers{Viewer: tt.viewer, CustomerID: tt.customer, Now: t0, Limit: 10})
			wantErr(t, err, tt.wantErr)
			if tt.wantErr != nil {
				if slices.Contains(f.asked, "CustomerUsers") || users != nil {
					t.Fatalf("a refused viewer's list was read: %v, %v", f.asked, users)
				}
				return
			}
			if len(users) != 3 {
				t.Fatalf("users %v", users)
			}
		})
	}
}

func TestListCustomerUsersShowsExpiredInvitations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		now         time.Time
		wantInvited string
	}{
		{"before the expiry", t0, "invited"},
		{"at the expiry", invitationEnds, "expired"},
		{"a day later", invitationEnds.Add(24 * time.Hour), "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := world()
			invited, active, gone := portalUsers(f)
			users, err := query.New(f).ListCustomerUsers.Handle(context.Background(),
				query.ListCustomerUsers{Viewer: admin, CustomerID: c1, Now: tt.now, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			got := map[uuid.UUID]query.CustomerUser{}
			for _, u := range users {
				got[u.UserID] = u
			}
			if u := got[invited]; u.Status != tt.wantInvited || u.InvitationExpiresAt == nil || !u.InvitationExpiresAt.Equal(invitationEnds) {
				t.Fatalf("invitee %+v, want %s until %s", u, tt.wantInvited, invitationEnds)
			}
			if u := got[active]; u.Status != "active" || u.InvitationExpiresAt != nil {
				t.Fatalf("active user %+v: no pending invitation to show", u)
			}
			if u := got[gone]; u.Status != "deactivated" || u.InvitationExpiresAt != nil {
				t.Fatalf("deactivated user %+v", u)
			}
		})
	}
}

func TestCustomerReadsShowExpiredInvitations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"before the expiry", t0, "invited"},
		{"after the expiry", invitationEnds.Add(time.Minute), "expired"},
		{"no clock: as stored", time.Time{}, "invited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := world()
			c := f.customers[c3]
			c.InvitationExpiresAt = &invitationEnds
			f.customers[c3] = c
			active := f.customers[c1]
			active.InvitationExpiresAt = &t0 // accepted long ago: nothing pending
			f.listed = []query.Customer{c, active}
			q := query.New(f)

			got, err := q.GetCustomer.Handle(context.Background(), query.GetCustomer{Viewer: admin, ID: c3, Now: tt.now})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.want || got.InvitationExpiresAt == nil {
				t.Fatalf("customer %s until %v, want %s", got.Status, got.InvitationExpiresAt, tt.want)
			}
			list, err := q.ListCustomers.Handle(context.Background(), query.ListCustomers{Viewer: admin, Status: tt.want, Now: tt.now, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[0].Status != tt.want || list[1].Status != "active" || list[1].InvitationExpiresAt != nil {
				t.Fatalf("list %+v", list)
			}
			if flt := f.customerFilters[0]; !flt.Now.Equal(tt.now) || flt.Status != tt.want {
				t.Fatalf("the read model was asked %+v: the filter needs the clock", flt)
			}
		})
	}
}

func TestListStaffShowsExpiredInvitations(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		now  time.Time
		want string
	}{{t0, "invited"}, {invitationEnds, "expired"}} {
		f := world()
		f.staff = []query.Staff{
			{UserID: id(50), Name: "Ned", Status: "invited", InvitationExpiresAt: &invitationEnds},
			{UserID: id(51), Name: "Ada", Status: "active", InvitationExpiresAt: &t0},
		}
		rows, err := query.New(f).ListStaff.Handle(context.Background(), query.ListStaff{Viewer: admin, Now: tt.now, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if rows[0].Status != tt.want || rows[0].InvitationExpiresAt == nil || rows[1].Status != "active" || rows[1].InvitationExpiresAt != nil {
			t.Fatalf("at %s: %+v", tt.now, rows)
		}
	}
}
