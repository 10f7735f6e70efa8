package projections

import (
	"strings"
	"testing"
)

func TestSplitDDLDefersOnlySecondaryIndexes(t *testing.T) {
	for _, p := range All() {
		tables, indexes := splitDDL(p.DDL)
		if strings.Contains(tables, "CREATE INDEX") || !strings.Contains(indexes, "CREATE INDEX") {
			t.Fatalf("%s: indexes not split off:\n%s\n---\n%s", p.Name, tables, indexes)
		}
		if got, want := strings.Count(tables, "CREATE TABLE"), strings.Count(p.DDL, "CREATE TABLE"); got != want {
			t.Fatalf("%s: %d of %d tables kept", p.Name, got, want)
		}
		if got, want := strings.Count(indexes, "CREATE INDEX"), strings.Count(p.DDL, "CREATE INDEX"); got != want {
			t.Fatalf("%s: %d of %d indexes deferred", p.Name, got, want)
		}
	}
}

func TestTypesAreTheEventsAProjectionApplies(t *testing.T) {
	has := func(xs []string, x string) bool {
		for _, v := range xs {
			if v == x {
				return true
			}
		}
		return false
	}
	portal, accounts := Portal.Types(), Accounts.Types()
	for _, typ := range []string{"CustomerConnected", "PortalShareGranted", "DocumentAdded", "LinkOpened", "DocumentDownloaded", "CompanyRegistered"} {
		if !has(portal, typ) {
			t.Errorf("portal does not list %s: %v", typ, portal)
		}
	}
	for _, typ := range []string{"DocumentShareAdded", "UserRegistered", "CustomerShareAdded"} {
		if has(portal, typ) {
			t.Errorf("portal lists %s, which it ignores", typ)
		}
	}
	for _, typ := range []string{"UserRegistered", "UserInvited", "GroupAccessGranted", "CompanyRegistered"} {
		if !has(accounts, typ) {
			t.Errorf("accounts does not list %s: %v", typ, accounts)
		}
	}
	if has(accounts, "LinkOpened") {
		t.Error("accounts lists LinkOpened")
	}
}
