package scenario_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/scenario"
)

// stateSink applies every batch to one domain state, as the store would.
type stateSink struct{ st *domain.State }

func (s stateSink) Record(b scenario.Batch) error { return s.st.ApplyChanges(b.Changes) }

// The bench tenant has the shape its spec asks: the heavy customer sees exactly
// HeavyDocuments documents, the level folder 50 items, and the other customers
// see something too.
func TestTenantHasItsShape(t *testing.T) {
	t.Parallel()
	st := domain.NewState()
	heavy := uuid.New()
	if err := st.Apply(domain.CompanyRegistered{CompanyID: heavy, Name: "Heavy", Via: domain.ViaSignup}); err != nil {
		t.Fatal(err)
	}
	ten, err := scenario.NewTenant(context.Background(), stateSink{st}, scenario.TenantSpec{
		Customers: 20, Documents: 1000, Links: 5, Heavy: heavy, HeavyName: "Heavy", HeavyDocuments: 500}, 7)
	if err != nil {
		t.Fatal(err)
	}
	v := st.PortalView(ten.HeavyCustomerID)
	if len(v.Documents) != 500 {
		t.Fatalf("the heavy customer sees %d documents, want 500", len(v.Documents))
	}
	if fs, ds := v.Children(ten.Level); len(fs)+len(ds) != 50 {
		t.Fatalf("the level holds %d folders and %d documents, want 50 items", len(fs), len(ds))
	}
	seeing := 0
	for _, c := range st.Customers() {
		if c.ID != ten.HeavyCustomerID && len(st.PortalView(c.ID).Documents) > 0 {
			seeing++
		}
	}
	if seeing < 10 {
		t.Fatalf("only %d other customers see anything", seeing)
	}
}
