// Package query is the read side of sharehub's application layer, beside the
// commands of package app (in the manner of wild-workouts' app/query): one type
// per question, each with a Handle method that takes the caller as a Viewer,
// resolved once per request, decides what that viewer may see
// (domain.Authorize / domain.AuthorizePortal, the customer-group filter) and asks
// read-model interfaces for the rows.
//
// The interfaces (readmodels.go) are implemented by package projections over the
// PostgreSQL read models, and by fakes in this package's tests. A query answers
// ErrNotFound for anything the viewer may not see, exactly like something that
// does not exist.
//
// It depends on domain, google/uuid and the standard library only; it must not
// import pgx, watermill, chi, eventstore, projections or httpapi.
package query
