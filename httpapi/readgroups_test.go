package httpapi

import (
	"testing"

	"github.com/sharehub/sharehub/projections"
)

// httpapi names the consumer groups its reads wait for without importing
// projections (make lint); they must stay the projections' own names.
func TestReadGroupsNameTheProjections(t *testing.T) {
	t.Parallel()
	if portalGroup != projections.Portal.Name || accountsGroup != projections.Accounts.Name {
		t.Fatalf("read groups %q, %q; projections %q, %q", portalGroup, accountsGroup, projections.Portal.Name, projections.Accounts.Name)
	}
}
