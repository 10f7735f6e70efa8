package scenario_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/scenario"
)

func generate(t *testing.T, n int, seed int64) []domain.Recorded {
	t.Helper()
	var log scenario.Log
	if err := scenario.New(&log, n, seed).Run(context.Background()); err != nil {
		t.Fatalf("%d events from seed %d: %v", n, seed, err)
	}
	return log.Events
}

// The generated log has exactly the events asked for, satisfies every domain
// invariant, and covers what its users (benchmarks, property tests) are meant to
// exercise.
func TestGeneratedLogIsValidAndRealistic(t *testing.T) {
	t.Parallel()
	const n = 30_000
	log := generate(t, n, 42)
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
func TestGeneratedLogHasExactlyTheEventsAsked(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 7, 250, 1999} {
		log := generate(t, n, int64(n))
		if len(log) != n {
			t.Fatalf("asked for %d events, got %d", n, len(log))
		}
		if err := domain.CheckLog(log); err != nil {
			t.Fatalf("%d events: %v", n, err)
		}
	}
}

// A fixed seed is a fixed scenario: same streams, versions, types, tenants and
// times (event ids aside); another seed is another one.
func TestSameSeedSameScenario(t *testing.T) {
	t.Parallel()
	shape := func(log []domain.Recorded) []string {
		out := make([]string, len(log))
		for i, r := range log {
			out[i] = r.StreamID + "/" + r.Type + "/" + r.Meta.TenantID.String() + "/" + r.RecordedAt.String()
		}
		return out
	}
	a, b, c := shape(generate(t, 3000, 7)), shape(generate(t, 3000, 7)), shape(generate(t, 3000, 8))
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave two scenarios")
	}
	if slices.Equal(a, c) {
		t.Fatal("two seeds gave the same scenario")
	}
}
