package domain_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

var (
	cust2  = n(23)
	ws2    = n(24)
	newCo  = n(5)
	newUsr = n(12)
	week   = t0.Add(7 * 24 * time.Hour)
)

func connectedEvents(customerID, folderID, companyID uuid.UUID, name string, withGroup bool, when time.Time) []domain.Event {
	out := evs(domain.CustomerConnected{CustomerID: customerID, ProviderID: provider, CompanyID: companyID, CompanyName: name, WorkspaceFolderID: folderID, Via: domain.ViaProvider, ConnectedAt: when})
	if withGroup {
		out = append(out, domain.CustomerAssignedToGroup{CustomerID: customerID, ProviderID: provider, GroupID: group, AssignedAt: when})
	}
	return append(out,
		domain.FolderCreated{FolderID: folderID, ProviderID: provider, Name: name, WorkspaceCustomerID: customerID, CreatedAt: when},
		domain.ProviderCustomerAdded{ProviderID: provider, CustomerID: customerID, CustomerCompanyID: companyID},
	)
}

func invitedEvents() []domain.Event {
	return evs(
		domain.CustomerInvited{
			CustomerID: cust2, ProviderID: provider, CompanyID: newCo, CompanyName: "Newco",
			Contact: domain.PersonalData{Name: "Nina", Email: "nina@newco.test"}, WorkspaceFolderID: ws2,
			TokenHash: "inv", ExpiresAt: week, InvitedAt: t0,
		},
		domain.FolderCreated{FolderID: ws2, ProviderID: provider, Name: "Newco", WorkspaceCustomerID: cust2, CreatedAt: t0},
		domain.ProviderCustomerAdded{ProviderID: provider, CustomerID: cust2, CustomerCompanyID: newCo},
	)
}

func TestConnectAndInviteCustomer(t *testing.T) {
	t.Parallel()
	connect := func(customerID, folderID, companyID uuid.UUID, withGroup bool) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			var g *domain.Group
			if withGroup {
				g = s.Group(group)
			}
			return domain.ConnectCustomer(s.Company(provider), domain.NewCustomer{CustomerID: customerID, WorkspaceFolderID: folderID, Company: s.Company(companyID), Group: g}, domain.ViaProvider, at(1))
		}
	}
	invite := func(mod func(*domain.CustomerInvitation)) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			in := domain.CustomerInvitation{
				CustomerID: cust2, CompanyID: newCo, WorkspaceFolderID: ws2, CompanyName: " Newco ",
				ContactName: "Nina", ContactEmail: "Nina@Newco.test", TokenHash: "inv", ExpiresAt: week,
			}
			if mod != nil {
				mod(&in)
			}
			return domain.InviteCustomer(s.Company(provider), in, t0)
		}
	}
	run(t, []tc{
		{
			name:  "connect a company on the platform, in a group",
			given: join(providerRegistered(), acmeRegistered(), groupCreated()),
			do:    connect(cust, workspace, acmeCo, true),
			then:  connectedEvents(cust, workspace, acmeCo, "Acme Corp", true, at(1)),
		},
		{
			name:  "connect without a group",
			given: join(providerRegistered(), acmeRegistered()),
			do:    connect(cust, workspace, acmeCo, false),
			then:  connectedEvents(cust, workspace, acmeCo, "Acme Corp", false, at(1)),
		},
		{
			name:    "connect the same company twice",
			given:   connected(),
			do:      connect(cust2, ws2, acmeCo, false),
			wantErr: domain.ErrConflict,
		},
		{
			name:  "a revoked customer's company may be connected again, as a new customer",
			given: join(connected(), revoked()),
			do:    connect(cust2, ws2, acmeCo, false),
			then:  connectedEvents(cust2, ws2, acmeCo, "Acme Corp", false, at(1)),
		},
		{
			name:    "connect a company that is not on the platform",
			given:   providerRegistered(),
			do:      connect(cust, workspace, acmeCo, false),
			wantErr: domain.ErrNotFound,
		},
		{
			name:    "connect a company to itself",
			given:   providerRegistered(),
			do:      connect(cust, workspace, provider, false),
			wantErr: domain.ErrValidation,
		},
		{
			name:    "connect into another provider's group",
			given:   join(providerRegistered(), acmeRegistered(), rivalRegistered(), evs(domain.CustomerGroupCreated{GroupID: group, ProviderID: rival, Name: "Acme", Code: "Acme-4821", CreatedAt: t0})),
			do:      connect(cust, workspace, acmeCo, true),
			wantErr: domain.ErrNotFound,
		},
		{
			name:  "invite a company not yet on the platform",
			given: providerRegistered(),
			do:    invite(nil),
			then:  invitedEvents(),
		},
		{
			name:    "invite with a bad contact e-mail",
			given:   providerRegistered(),
			do:      invite(func(in *domain.CustomerInvitation) { in.ContactEmail = "nina" }),
			wantErr: domain.ErrValidation,
		},
		{
			name:    "invite without a contact name",
			given:   providerRegistered(),
			do:      invite(func(in *domain.CustomerInvitation) { in.ContactName = " " }),
			wantErr: domain.ErrValidation,
		},
		{
			name:    "invite without a company name",
			given:   providerRegistered(),
			do:      invite(func(in *domain.CustomerInvitation) { in.CompanyName = "" }),
			wantErr: domain.ErrValidation,
		},
		{
			name:    "invite with an expiry in the past",
			given:   providerRegistered(),
			do:      invite(func(in *domain.CustomerInvitation) { in.ExpiresAt = t0.Add(-time.Second) }),
			wantErr: domain.ErrValidation,
		},
		{
			name:    "invite into a missing group",
			given:   providerRegistered(),
			do:      invite(func(in *domain.CustomerInvitation) { in.Group = &domain.Group{} }),
			wantErr: domain.ErrNotFound,
		},
	})
}

func TestAcceptCustomerInvitation(t *testing.T) {
	t.Parallel()
	accept := func(hash string, name string, when time.Time) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			return domain.AcceptCustomerInvitation(s.Customer(cust2), hash, newUsr, name, when)
		}
	}
	accepted := evs(
		domain.CompanyRegistered{CompanyID: newCo, Name: "Newco", Via: domain.ViaCustomerInvitation, RegisteredAt: at(1)},
		domain.UserRegistered{UserID: newUsr, CompanyID: newCo, Personal: domain.PersonalData{Name: "Nina", Email: "nina@newco.test"}, Role: domain.RoleAdmin, RegisteredAt: at(1)},
		domain.CustomerInvitationAccepted{CustomerID: cust2, ProviderID: provider, CompanyID: newCo, UserID: newUsr, AcceptedAt: at(1)},
	)
	run(t, []tc{
		{
			name:  "accept creates the company and its first admin; the customer is active",
			given: join(providerRegistered(), invitedEvents()),
			do:    accept("inv", "", at(1)),
			then:  accepted,
		},
		{
			name:  "accept with the person's own name",
			given: join(providerRegistered(), invitedEvents()),
			do:    accept("inv", "Nina N.", at(1)),
			then: evs(
				accepted[0],
				domain.UserRegistered{UserID: newUsr, CompanyID: newCo, Personal: domain.PersonalData{Name: "Nina N.", Email: "nina@newco.test"}, Role: domain.RoleAdmin, RegisteredAt: at(1)},
				accepted[2],
			),
		},
		{
			name:    "accept with a wrong token",
			given:   join(providerRegistered(), invitedEvents()),
			do:      accept("other", "", at(1)),
			wantErr: domain.ErrNotFound,
		},
		{
			name:    "accept an unknown invitation",
			do:      accept("inv", "", at(1)),
			wantErr: domain.ErrNotFound,
		},
		{
			name:    "accept after expiry",
			given:   join(providerRegistered(), invitedEvents()),
			do:      accept("inv", "", week),
			wantErr: domain.ErrInvitationGone,
		},
		{
			name:    "accept twice",
			given:   join(providerRegistered(), invitedEvents(), accepted),
			do:      accept("inv", "", at(2)),
			wantErr: domain.ErrInvitationGone,
		},
		{
			name:    "accept a withdrawn (revoked) invitation",
			given:   join(providerRegistered(), invitedEvents(), evs(domain.SharingRevoked{CustomerID: cust2, ProviderID: provider, RevokedAt: at(1)})),
			do:      accept("inv", "", at(2)),
			wantErr: domain.ErrInvitationGone,
		},
	})
}

func TestRegisterWithGroupCode(t *testing.T) {
	t.Parallel()
	register := func(email string) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			g := s.Group(domain.GroupIDForCode("acme-4821"))
			return domain.RegisterWithGroupCode(g, s.Company(g.ProviderID), domain.GroupRegistration{
				CompanyID: newCo, UserID: newUsr, CustomerID: cust2, WorkspaceFolderID: ws2,
				CompanyName: "Newco", Name: "Nina", Email: email, Code: "ACME-4821",
			}, at(1))
		}
	}
	run(t, []tc{
		{
			name:  "a new company registers with a group code and becomes an active customer in that group",
			given: join(providerRegistered(), groupCreated()),
			do:    register("nina@newco.test"),
			then: evs(
				domain.CompanyRegistered{CompanyID: newCo, Name: "Newco", Via: domain.ViaGroupCode, RegisteredAt: at(1)},
				domain.UserRegistered{UserID: newUsr, CompanyID: newCo, Personal: domain.PersonalData{Name: "Nina", Email: "nina@newco.test"}, Role: domain.RoleAdmin, RegisteredAt: at(1)},
				domain.CustomerConnected{CustomerID: cust2, ProviderID: provider, CompanyID: newCo, CompanyName: "Newco", WorkspaceFolderID: ws2, Via: domain.ViaGroupCode, ConnectedAt: at(1)},
				domain.CustomerAssignedToGroup{CustomerID: cust2, ProviderID: provider, GroupID: group, AssignedAt: at(1)},
				domain.FolderCreated{FolderID: ws2, ProviderID: provider, Name: "Newco", WorkspaceCustomerID: cust2, CreatedAt: at(1)},
				domain.ProviderCustomerAdded{ProviderID: provider, CustomerID: cust2, CustomerCompanyID: newCo},
			),
		},
		{
			name:    "an unknown group code",
			given:   providerRegistered(),
			do:      register("nina@newco.test"),
			wantErr: domain.ErrNotFound,
		},
		{
			name:    "a bad e-mail",
			given:   join(providerRegistered(), groupCreated()),
			do:      register("nina@"),
			wantErr: domain.ErrValidation,
		},
	})
}

func TestCustomerLifecycle(t *testing.T) {
	t.Parallel()
	pause := func(s *domain.State) ([]domain.Event, error) { return s.Customer(cust).Pause(at(1)) }
	resume := func(s *domain.State) ([]domain.Event, error) { return s.Customer(cust).Resume(at(1)) }
	revoke := func(s *domain.State) ([]domain.Change, error) {
		c := s.Customer(cust)
		shares := map[uuid.UUID]*domain.Share{}
		for _, id := range c.ActiveShareIDs() {
			shares[id] = s.Share(id)
		}
		return domain.RevokeCustomer(s.Company(c.ProviderID), c, shares, admin, at(1))
	}
	revokedAt1 := evs(
		domain.SharingRevoked{CustomerID: cust, ProviderID: provider, Reason: domain.ReasonCustomerRevoked, RevokedAt: at(1)},
		domain.ProviderCustomerRemoved{ProviderID: provider, CustomerID: cust, CustomerCompanyID: acmeCo},
	)
	cancelledByRevoke := func(id, docID, folderID uuid.UUID) domain.Event {
		return domain.ShareCancelled{ShareID: id, ProviderID: provider, CustomerID: cust, DocumentID: docID, FolderID: folderID, Reason: domain.ReasonCustomerRevoked, CancelledBy: admin, CancelledAt: at(1)}
	}
	run(t, []tc{
		{name: "pause an active customer", given: connected(), when: pause,
			then: evs(domain.SharingPaused{CustomerID: cust, ProviderID: provider, PausedAt: at(1)})},
		{name: "pause a paused customer", given: join(connected(), paused()), when: pause, wantErr: domain.ErrConflict},
		{name: "pause an invited customer", given: join(providerRegistered(), invitedEvents()),
			when:    func(s *domain.State) ([]domain.Event, error) { return s.Customer(cust2).Pause(at(1)) },
			wantErr: domain.ErrConflict},
		{name: "pause a revoked customer", given: join(connected(), revoked()), when: pause, wantErr: domain.ErrCustomerRevoked},
		{name: "pause a missing customer", when: pause, wantErr: domain.ErrNotFound},
		{name: "resume a paused customer", given: join(connected(), paused()), when: resume,
			then: evs(domain.SharingResumed{CustomerID: cust, ProviderID: provider, ResumedAt: at(1)})},
		{name: "resume an active customer", given: connected(), when: resume, wantErr: domain.ErrConflict},
		{name: "resume a revoked customer", given: join(connected(), paused(), revoked()), when: resume, wantErr: domain.ErrCustomerRevoked},
		{
			name:  "revoke cancels every active share, each with its own event",
			given: join(world(), docShare(share1, doc, domain.PermissionView), folderShare(share2, libRoot, domain.PermissionEdit)),
			do:    revoke,
			then:  join(revokedAt1, evs(cancelledByRevoke(share1, doc, uuid.Nil), cancelledByRevoke(share2, uuid.Nil, libRoot))),
		},
		{
			name: "revoke skips shares already cancelled",
			given: join(world(), docShare(share1, doc, domain.PermissionView), cancelled(share1, doc, uuid.Nil, domain.ReasonCancelled),
				folderShare(share2, libRoot, domain.PermissionEdit)),
			do:   revoke,
			then: join(revokedAt1, evs(cancelledByRevoke(share2, uuid.Nil, libRoot))),
		},
		{name: "revoke a paused customer", given: join(connected(), paused()), do: revoke, then: revokedAt1},
		{
			name:  "revoke an invited customer withdraws the invitation",
			given: join(providerRegistered(), invitedEvents()),
			do: func(s *domain.State) ([]domain.Change, error) {
				return domain.RevokeCustomer(s.Company(provider), s.Customer(cust2), nil, admin, at(1))
			},
			then: evs(
				domain.SharingRevoked{CustomerID: cust2, ProviderID: provider, Reason: domain.ReasonCustomerRevoked, RevokedAt: at(1)},
				domain.ProviderCustomerRemoved{ProviderID: provider, CustomerID: cust2, CustomerCompanyID: newCo},
			),
		},
		{name: "revoke twice", given: join(connected(), revoked()), do: revoke, wantErr: domain.ErrCustomerRevoked},
		{name: "revoke a missing customer", given: providerRegistered(), do: revoke, wantErr: domain.ErrNotFound},
	})
}

func TestCustomerSettings(t *testing.T) {
	t.Parallel()
	master := func(on bool) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) { return s.Customer(cust).SetMasterAccess(on, at(1)) }
	}
	docs := func(v *bool) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) { return s.Customer(cust).SetDocumentsEnabled(v, at(1)) }
	}
	assign := func(g uuid.UUID) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			var gr *domain.Group
			if g != uuid.Nil {
				gr = s.Group(g)
			}
			return s.Customer(cust).AssignGroup(gr, at(1))
		}
	}
	masterOn := evs(domain.MasterAccessGranted{CustomerID: cust, ProviderID: provider, GrantedAt: t0})
	docsOff := evs(domain.PortalDocumentsToggled{CustomerID: cust, ProviderID: provider, DocumentsEnabled: ptr(false), ToggledAt: t0})
	inGroup := evs(domain.CustomerAssignedToGroup{CustomerID: cust, ProviderID: provider, GroupID: group, AssignedAt: t0})
	group2 := domain.GroupIDForCode("Beta-0001")
	group2Created := evs(domain.CustomerGroupCreated{GroupID: group2, ProviderID: provider, Name: "Beta", Code: "Beta-0001", CreatedAt: t0})
	rivalGroup := domain.GroupIDForCode("Rival-0001")
	run(t, []tc{
		{name: "master access on", given: connected(), when: master(true),
			then: evs(domain.MasterAccessGranted{CustomerID: cust, ProviderID: provider, GrantedAt: at(1)})},
		{name: "master access off", given: join(connected(), masterOn), when: master(false),
			then: evs(domain.MasterAccessWithdrawn{CustomerID: cust, ProviderID: provider, WithdrawnAt: at(1)})},
		{name: "master access on when on records nothing", given: join(connected(), masterOn), when: master(true)},
		{name: "master access on a paused customer", given: join(connected(), paused()), when: master(true),
			then: evs(domain.MasterAccessGranted{CustomerID: cust, ProviderID: provider, GrantedAt: at(1)})},
		{name: "master access on a revoked customer", given: join(connected(), revoked()), when: master(true), wantErr: domain.ErrCustomerRevoked},
		{name: "master access on a missing customer", when: master(true), wantErr: domain.ErrNotFound},
		{name: "documents module off for one customer", given: connected(), when: docs(ptr(false)),
			then: evs(domain.PortalDocumentsToggled{CustomerID: cust, ProviderID: provider, DocumentsEnabled: ptr(false), ToggledAt: at(1)})},
		{name: "documents module on explicitly", given: join(connected(), docsOff), when: docs(ptr(true)),
			then: evs(domain.PortalDocumentsToggled{CustomerID: cust, ProviderID: provider, DocumentsEnabled: ptr(true), ToggledAt: at(1)})},
		{name: "documents module back to the provider default", given: join(connected(), docsOff), when: docs(nil),
			then: evs(domain.PortalDocumentsToggled{CustomerID: cust, ProviderID: provider, ToggledAt: at(1)})},
		{name: "documents module unchanged records nothing", given: join(connected(), docsOff), when: docs(ptr(false))},
		{name: "documents module default when default records nothing", given: connected(), when: docs(nil)},
		{name: "documents module on a revoked customer", given: join(connected(), revoked()), when: docs(ptr(true)), wantErr: domain.ErrCustomerRevoked},
		{name: "assign to a group", given: join(connected(), groupCreated()), when: assign(group),
			then: evs(domain.CustomerAssignedToGroup{CustomerID: cust, ProviderID: provider, GroupID: group, AssignedAt: at(1)})},
		{name: "move to another group", given: join(connected(), groupCreated(), group2Created, inGroup), when: assign(group2),
			then: evs(domain.CustomerAssignedToGroup{CustomerID: cust, ProviderID: provider, GroupID: group2, PreviousGroupID: group, AssignedAt: at(1)})},
		{name: "take out of its group", given: join(connected(), groupCreated(), inGroup), when: assign(uuid.Nil),
			then: evs(domain.CustomerAssignedToGroup{CustomerID: cust, ProviderID: provider, PreviousGroupID: group, AssignedAt: at(1)})},
		{name: "assign to its own group records nothing", given: join(connected(), groupCreated(), inGroup), when: assign(group)},
		{name: "assign to a missing group", given: connected(), when: assign(group), wantErr: domain.ErrNotFound},
		{name: "assign to another provider's group", given: join(connected(), rivalRegistered(),
			evs(domain.CustomerGroupCreated{GroupID: rivalGroup, ProviderID: rival, Name: "Rival", Code: "Rival-0001", CreatedAt: t0})),
			when: assign(rivalGroup), wantErr: domain.ErrNotFound},
		{name: "assign a revoked customer", given: join(connected(), groupCreated(), revoked()), when: assign(group), wantErr: domain.ErrCustomerRevoked},
	})
}

func TestInviteCustomerUser(t *testing.T) {
	t.Parallel()
	invite := func(customerID uuid.UUID, email string) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			return domain.InviteCustomerUser(s.Customer(customerID), domain.NewUser{ID: newUsr, Name: "Carl", Email: email, Role: domain.RoleAdmin}, admin, "uh", week, at(1))
		}
	}
	run(t, []tc{
		{
			name:  "invite a portal user of this provider for this customer (not a member of its company)",
			given: connected(),
			do:    invite(cust, "carl@acme.test"),
			then: evs(
				domain.UserInvited{UserID: newUsr, CompanyID: acmeCo, Kind: domain.UserKindPortal, ProviderID: provider, CustomerID: cust, Personal: domain.PersonalData{Name: "Carl", Email: "carl@acme.test"},
					Role: domain.RoleMember, InvitedBy: admin, TokenHash: "uh", ExpiresAt: week, InvitedAt: at(1)},
				domain.CustomerUserInvited{CustomerID: cust, ProviderID: provider, UserID: newUsr, InvitedAt: at(1)},
			),
		},
		{name: "for a revoked customer", given: join(connected(), revoked()), do: invite(cust, "carl@acme.test"), wantErr: domain.ErrCustomerRevoked},
		{name: "for a customer still invited", given: join(providerRegistered(), invitedEvents()), do: invite(cust2, "carl@acme.test"), wantErr: domain.ErrConflict},
		{name: "with a bad e-mail", given: connected(), do: invite(cust, "carl"), wantErr: domain.ErrValidation},
		{name: "for a missing customer", do: invite(cust, "carl@acme.test"), wantErr: domain.ErrNotFound},
	})
}
