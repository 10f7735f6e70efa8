package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// TestAuthorizeMatrix spells out, for every kind of principal and every kind of
// scope, the answer to every action, as a row of letters in domain.Actions order:
// O allowed, N ErrNotFound (may not even see it), F ErrForbidden.
//
//	view_customer manage_customer add_customer share view_library edit_library
//	manage_staff manage_groups manage_settings read_audit
func TestAuthorizeMatrix(t *testing.T) {
	t.Parallel()
	if len(domain.Actions) != 10 {
		t.Fatalf("the matrix covers 10 actions, there are %d: extend it", len(domain.Actions))
	}
	staff := func(role domain.Role, canShare, auditor bool) domain.Principal {
		return domain.Principal{UserID: member, CompanyID: provider, Role: role, CanShare: canShare, Auditor: auditor, Active: true}
	}
	type actor struct {
		name   string
		p      domain.Principal
		access domain.AccessLevel // the principal's access to the customer's group
	}
	// portal is an active portal user of (providerID, customerID) whose customer's
	// company is company, with every flag a staff user could have.
	portal := func(company, providerID, customerID uuid.UUID) domain.Principal {
		return domain.Principal{UserID: member, CompanyID: company, Role: domain.RoleAdmin, CanShare: true, Auditor: true, Active: true,
			Kind: domain.UserKindPortal, PortalOf: domain.PortalOf{ProviderID: providerID, CustomerID: customerID}}
	}
	inactivePortal := portal(provider, rival, n(60))
	inactivePortal.Active = false
	inactiveAdmin := staff(domain.RoleAdmin, true, true)
	inactiveAdmin.Active = false
	otherAdmin := staff(domain.RoleAdmin, true, true)
	otherAdmin.CompanyID = rival
	actors := []actor{
		{"admin", staff(domain.RoleAdmin, false, false), domain.AccessNone},
		{"invited admin (not active)", inactiveAdmin, domain.AccessWrite},
		{"admin of another company", otherAdmin, domain.AccessWrite},
		{"member without group access", staff(domain.RoleMember, false, false), domain.AccessNone},
		{"member with read", staff(domain.RoleMember, false, false), domain.AccessRead},
		{"member with read and can_share", staff(domain.RoleMember, true, false), domain.AccessRead},
		{"member with write", staff(domain.RoleMember, false, false), domain.AccessWrite},
		{"member with write and can_share", staff(domain.RoleMember, true, false), domain.AccessWrite},
		{"auditor", staff(domain.RoleMember, false, true), domain.AccessNone},
		{"auditor with write and can_share", staff(domain.RoleMember, true, true), domain.AccessWrite},
		{"admin and auditor", staff(domain.RoleAdmin, true, true), domain.AccessNone},
		// Portal users: never staff of any company, not even of their customer's
		// company (the first), whatever flags or group access they were given.
		{"portal user whose customer is this company", portal(provider, rival, n(60)), domain.AccessWrite},
		{"portal user of this provider", portal(acmeCo, provider, cust), domain.AccessWrite},
		{"inactive portal user", inactivePortal, domain.AccessWrite},
	}
	// want[actor][scope]: scopes are the library (no customer), a customer in a
	// group (the actor has its access there), an ungrouped customer.
	want := map[string][3]string{
		//                                   library       grouped customer  ungrouped customer
		"admin":                            {"OOOOOOOOOO", "OOOOOOOOOO", "OOOOOOOOOO"},
		"invited admin (not active)":       {"NNNNNNNNNN", "NNNNNNNNNN", "NNNNNNNNNN"},
		"admin of another company":         {"NNNNNNNNNN", "NNNNNNNNNN", "NNNNNNNNNN"},
		"member without group access":      {"NNFFOOFFFF", "NNFNNNFFFF", "NNFNNNFFFF"},
		"member with read":                 {"NNFFOOFFFF", "OFFFOFFFFF", "NNFNNNFFFF"},
		"member with read and can_share":   {"NNFOOOFFFF", "OFFFOFFFFF", "NNFNNNFFFF"},
		"member with write":                {"NNFFOOFFFF", "OOOFOOFFFF", "NNFNNNFFFF"},
		"member with write and can_share":  {"NNFOOOFFFF", "OOOOOOFFFF", "NNFNNNFFFF"},
		"auditor":                          {"NNFFOFFFFO", "NNFNNNFFFO", "NNFNNNFFFO"},
		"auditor with write and can_share": {"NNFFOFFFFO", "OFFFOFFFFO", "NNFNNNFFFO"},
		"admin and auditor":                {"OOOOOOOOOO", "OOOOOOOOOO", "OOOOOOOOOO"},

		"portal user whose customer is this company": {"NNNNNNNNNN", "NNNNNNNNNN", "NNNNNNNNNN"},
		"portal user of this provider":               {"NNNNNNNNNN", "NNNNNNNNNN", "NNNNNNNNNN"},
		"inactive portal user":                       {"NNNNNNNNNN", "NNNNNNNNNN", "NNNNNNNNNN"},
	}
	for _, a := range actors {
		scopes := [3]domain.Scope{
			domain.LibraryScope(provider),
			domain.CustomerScope(provider, a.access),
			domain.CustomerScope(provider, domain.AccessNone),
		}
		for si, scope := range scopes {
			var got strings.Builder
			for _, act := range domain.Actions {
				err := domain.Authorize(a.p, act, scope)
				switch {
				case err == nil:
					got.WriteByte('O')
				case errors.Is(err, domain.ErrNotFound):
					got.WriteByte('N')
				case errors.Is(err, domain.ErrForbidden):
					got.WriteByte('F')
				default:
					t.Fatalf("%s %s: unexpected error %v", a.name, act, err)
				}
			}
			if w := want[a.name][si]; got.String() != w {
				t.Errorf("%s, scope %d: got %s, want %s (%s)", a.name, si, got.String(), w, explain(got.String(), w))
			}
		}
	}
}

func explain(got, want string) string {
	var diffs []string
	for i := range got {
		if got[i] != want[i] {
			diffs = append(diffs, fmt.Sprintf("%s=%c", domain.Actions[i], got[i]))
		}
	}
	return strings.Join(diffs, " ")
}

func TestAuthorizeUnknownUser(t *testing.T) {
	t.Parallel()
	if err := domain.Authorize(domain.Principal{}, domain.ActionViewLibrary, domain.LibraryScope(uuid.Nil)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a principal without a user must see nothing, got %v", err)
	}
}

func TestAuthorizePortal(t *testing.T) {
	t.Parallel()
	s := domain.NewState()
	if err := s.Apply(join(world(), evs(
		domain.UserRegistered{UserID: n(13), CompanyID: acmeCo, Personal: domain.PersonalData{Name: "Carl", Email: "carl@acme.test"}, Role: domain.RoleMember, RegisteredAt: t0},
		domain.UserInvited{UserID: n(14), CompanyID: acmeCo, Personal: domain.PersonalData{Name: "Dora", Email: "dora@acme.test"}, Role: domain.RoleMember, TokenHash: "x", ExpiresAt: week, InvitedAt: t0},
	), invitedEvents())...); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		user     uuid.UUID
		customer uuid.UUID
		want     error
	}{
		{"a user of the customer company", n(13), cust, nil},
		{"an invited (inactive) user of the customer company", n(14), cust, domain.ErrNotFound},
		{"the provider's own staff", admin, cust, domain.ErrNotFound},
		{"a customer that has not accepted its invitation", n(13), cust2, domain.ErrNotFound},
		{"a missing customer", n(13), n(99), domain.ErrNotFound},
	}
	for _, c := range cases {
		err := domain.AuthorizePortal(s.User(c.user).Principal(), s.Customer(c.customer))
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}
