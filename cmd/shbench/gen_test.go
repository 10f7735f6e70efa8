package main

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// The generated log has exactly the events asked for, verifies, satisfies every
// domain invariant, and covers what the benchmarks are meant to exercise.
func TestGenerateLogIsValidAndRealistic(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const n = 30_000
	if err := generateLog(ctx, pool, n, 42); err != nil {
		t.Fatal(err)
	}
	store := eventstore.New(pool, nil)
	rep, err := audit.VerifyChains(ctx, pool, nil)
	if err != nil || !rep.OK || rep.EventsChecked != n {
		t.Fatalf("chains: %+v %v", rep, err)
	}
	log, err := store.ReadAll(ctx, 0, n+1)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != n {
		t.Fatalf("%d events, want exactly %d", len(log), n)
	}
	if err := domain.CheckLog(log); err != nil {
		t.Fatalf("invariants: %v", err)
	}

	types := map[string]int{}
	tenants := map[uuid.UUID]bool{}
	reasons := map[string]bool{}
	var folderShare, editShare, expiring, hidden, subfolder, workspaceDoc bool
	st := domain.NewState()
	for i, r := range log {
		types[r.Type]++
		tenants[r.Meta.TenantID] = true
		if i > 0 && r.RecordedAt.Before(log[i-1].RecordedAt) {
			t.Fatalf("recorded_at goes back at position %d", r.Position)
		}
		switch e := r.Event.(type) {
		case domain.ShareCancelled:
			reasons[e.Reason] = true
		case domain.PortalShareGranted:
			folderShare = folderShare || e.FolderID != uuid.Nil
			editShare = editShare || e.Permission == domain.PermissionEdit
		case domain.LinkCreated:
			expiring = expiring || !e.ExpiresAt.IsZero()
		case domain.DocumentVersionAdded:
			hidden = hidden || e.Hidden
		case domain.FolderCreated:
			subfolder = subfolder || (e.ParentID != uuid.Nil && e.WorkspaceCustomerID == uuid.Nil)
		case domain.DocumentAdded:
			workspaceDoc = workspaceDoc || e.WorkspaceCustomerID != uuid.Nil
		case domain.UserRegistered:
			if e.Personal.Email == "" || e.Personal.Email == domain.Forgotten {
				t.Fatalf("personal data does not read back: %+v", e.Personal)
			}
		}
		if err := st.Apply(r.Event); err != nil {
			t.Fatal(err)
		}
	}
	for _, typ := range []string{"CompanyRegistered", "UserRegistered", "UserInvited", "UserActivated", "UserRoleChanged",
		"CustomerGroupCreated", "GroupAccessGranted", "CustomerConnected", "CustomerInvited", "CustomerInvitationAccepted",
		"CustomerAssignedToGroup", "SharingPaused", "SharingResumed", "SharingRevoked", "MasterAccessGranted",
		"PortalDocumentsToggled", "CustomerUserInvited", "FolderCreated", "DocumentAdded", "DocumentVersionAdded",
		"VersionVisibilityChanged", "DocumentRemoved", "PortalShareGranted", "SharePermissionChanged", "ShareCancelled",
		"LinkCreated", "LinkCancelled", "LinkOpened", "LinkPasswordRejected", "DocumentDownloaded"} {
		if types[typ] == 0 {
			t.Errorf("no %s in the generated log", typ)
		}
	}
	if !reasons[domain.ReasonCancelled] || !reasons[domain.ReasonCustomerRevoked] {
		t.Errorf("share cancellations by reason: %v", reasons)
	}
	if !folderShare || !editShare || !expiring || !hidden || !subfolder || !workspaceDoc {
		t.Errorf("missing: folder share %v, edit share %v, expiring link %v, hidden version %v, subfolder %v, workspace document %v",
			folderShare, editShare, expiring, hidden, subfolder, workspaceDoc)
	}
	status := map[domain.CustomerStatus]int{}
	for _, c := range st.Customers() {
		status[c.Status]++
	}
	for _, s := range []domain.CustomerStatus{domain.StatusInvited, domain.StatusActive, domain.StatusPaused, domain.StatusRevoked} {
		if status[s] == 0 {
			t.Errorf("no customer ends %s: %v", s, status)
		}
	}
	if len(tenants) < 8 {
		t.Errorf("only %d tenants", len(tenants))
	}
	t.Logf("%d tenants, customers %v, types %v", len(tenants), status, types)
}

// Tiny logs come out exact too: the last events are single-event commands.
func TestGenerateLogHasExactlyTheEventsAsked(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 7, 250, 1999} {
		pool, _ := pgtest.NewDatabase(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := generateLog(ctx, pool, n, int64(n)); err != nil {
			t.Fatalf("%d events: %v", n, err)
		}
		log, err := eventstore.New(pool, nil).ReadAll(ctx, 0, n+1)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != n {
			t.Fatalf("asked for %d events, got %d", n, len(log))
		}
		if err := domain.CheckLog(log); err != nil {
			t.Fatalf("%d events: %v", n, err)
		}
	}
}
