package domain

import "sort"

// Guard events are the write side's bookkeeping, not business facts. Each records
// on one aggregate's stream that something happened to another, so that a later
// command on that aggregate (a revoke, a delete, a second invitation) sees it and
// its append is checked against concurrent changes by the stream's version. The
// business fact is always a separate event of the same batch (a ShareGranted
// beside its CustomerShareAdded).
//
// Projections that did not register a guard skip it, exports mark it as one, and
// the audit log lists it only when asked; the hash chains still cover it, since it
// is in the log like any other event.
var guardTypes = map[string]bool{
	ProviderCustomerAdded{}.EventType():   true,
	ProviderCustomerRemoved{}.EventType(): true,
	CustomerShareAdded{}.EventType():      true,
	CustomerShareRemoved{}.EventType():    true,
	CustomerUserInvited{}.EventType():     true,
	CustomerLinkAdded{}.EventType():       true,
	DocumentShareAdded{}.EventType():      true,
	DocumentLinkAdded{}.EventType():       true,
}

// IsGuard reports whether eventType is write-side bookkeeping (see guardTypes).
func IsGuard(eventType string) bool { return guardTypes[eventType] }

// GuardTypes lists the guard event types, sorted.
func GuardTypes() []string {
	out := make([]string, 0, len(guardTypes))
	for t := range guardTypes {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
