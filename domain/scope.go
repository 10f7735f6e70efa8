package domain

import "github.com/google/uuid"

// LibraryOwner is the customer whose data a folder or document is: the customer
// of the workspace it lies in or, for a document outside any workspace, the
// customer that deposited it (DESIGN.md v1.1: customer deposits are private).
// uuid.Nil: the provider's own library.
func LibraryOwner(workspaceCustomer, uploadedByCustomer uuid.UUID) uuid.UUID {
	if workspaceCustomer != uuid.Nil {
		return workspaceCustomer
	}
	return uploadedByCustomer
}

// ItemScope is the scope of library data owned by owner (LibraryOwner; uuid.Nil:
// the provider's library) for a principal with the given access to the owner's
// group. The command side (app's unit of work) and the query side both build
// library scopes through it.
func ItemScope(providerID, owner uuid.UUID, access AccessLevel) Scope {
	if owner == uuid.Nil {
		return LibraryScope(providerID)
	}
	return CustomerScope(providerID, access)
}
