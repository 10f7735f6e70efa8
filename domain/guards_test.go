package domain_test

import (
	"testing"

	"github.com/sharehub/sharehub/domain"
)

func TestGuardTypesAreRegisteredEvents(t *testing.T) {
	known := map[string]bool{}
	for _, typ := range domain.EventTypes() {
		known[typ] = true
	}
	for _, typ := range domain.GuardTypes() {
		if !known[typ] {
			t.Errorf("guard %s is not a registered event type", typ)
		}
	}
	if domain.IsGuard(domain.CustomerConnected{}.EventType()) {
		t.Error("CustomerConnected is a business fact, not a guard")
	}
	if !domain.IsGuard(domain.DocumentShareAdded{}.EventType()) {
		t.Error("DocumentShareAdded is a guard")
	}
}
