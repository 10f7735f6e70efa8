package app

// What a command's append is checked against (issue 14 §4).
//
// A unit of work appends each stream it writes at the version it read it at
// (StreamAppend.ExpectedVersion); the store refuses the whole batch when any of
// those streams moved in between (domain.ErrConcurrencyConflict, and the command
// runs again from a fresh load). That is the whole guarantee. A stream the unit
// only read is not checked: a decision that depended on it can commit after a
// concurrent change to it did. Three things extend the check to a stream the
// command would otherwise only read:
//   - a guard event (domain.IsGuard) appended to it in the same batch, which
//     makes it a stream the batch writes (GrantShare writes CustomerShareAdded
//     on the customer and DocumentShareAdded on the document, so a concurrent
//     revoke or delete conflicts with it);
//   - a StreamGuard record (guard.go): the batch commits only if the stream is
//     still at the version read, without writing to it (link opens);
//   - a claim (Claim record): a unique value is taken by the constraint, not by
//     a read (emails, group codes).
//
// Reads each command relies on ("checked": a stream the batch appends to, or
// guards; "not checked": read only):
//
//	command                        checked                                        not checked
//	RegisterCompany                new company, new user; email claim             -
//	InviteStaff                    new user; email claim                          actor (role)
//	AcceptInvitation               the invited user                               -
//	AcceptCustomerInvitation       customer, new company, new user; email claim    -
//	ChangeRole                     target user                                    actor (role)
//	CreateGroup                    new group                                      actor (role)
//	GrantGroupAccess/Revoke...     group                                          actor, the user granted
//	ConnectCustomer/InviteCustomer company (ProviderCustomerAdded), new customer  actor, group of a new customer
//	RegisterWithGroupCode          provider company, new customer, new company,   group whose code it was
//	                               new user; email claim
//	Pause/Resume/SetMasterAccess/
//	SetPortalDocuments/AssignGroup customer                                       actor, its group (scope)
//	RevokeCustomer, LeaveProvider  customer, company, each share and link ended   actor, group (scope)
//	SetPortalDefault/
//	UpdatePortalSettings           company                                        actor
//	InviteCustomerUser             customer (CustomerUserInvited), new user       actor, group (scope)
//	UpdateGroup, RotateGroupCode   group; new code claimed                        actor
//	CreateFolder                   new folder                                     actor, parent folder chain, customer and group (scope)
//	AddDocument                    new document                                   actor, folder chain, customer and group (scope),
//	                                                                              company (new_versions_hidden)
//	AddVersion/SetVersionVisibility document                                      actor, folder chain, customer and group (scope),
//	                                                                              company (new_versions_hidden)
//	RemoveDocument                 document, its shares and links ended           actor, folder chain, customer and group (scope)
//	GrantShare                     new share, customer (CustomerShareAdded),      actor, the folder shared, group (scope)
//	                               document (DocumentShareAdded)
//	ChangeSharePermission/Cancel   share                                          actor, customer and group (scope)
//	CreateLink                     new link, document (DocumentLinkAdded),        actor, folder chain, group (scope)
//	                               customer (CustomerLinkAdded) in a workspace
//	CancelLink                     link                                           actor, document (scope)
//	RecordLinkOpen/OpenLink        new open; link (StreamGuard)                   document
//	PortalCreateFolder/PortalUpload new folder or document; portal user,          company (documents default), folders
//	                               customer, the shares of the target folder's
//	                               chain (StreamGuard)
//	PortalRemoveDocument           document, its shares and links ended;          company, folders
//	                               portal user, customer, shares (StreamGuard)
//	RecordDownload                 new download; portal user, customer, the       company, folders
//	                               document, the shares of it and of its
//	                               folder chain (StreamGuard)
//
// "actor" is the caller's user stream read by principal (its role and flags):
// a command that starts just before the caller is demoted may still commit after
// the demotion. "scope" is the group that limits which customers a member
// manages (customerScope).
//
// The portal commands and RecordDownload record access (a download, an upload, a
// folder) that a share, the customer's standing and the document decide. Those
// reads used to be unchecked, and a download or an upload that read the share
// just before its cancellation (or the customer's pause) committed was recorded
// just after it. They are now guarded (guardRead): share, customer and document
// streams are guarded() kinds, so every write to them locks them, and the
// portal command's batch conflicts and retries, finding the access gone
// (TestPortalWritesAfterConcurrentEndOfAccess; on PostgreSQL
// TestPortalDownloadAfterShareCancelOnPostgres). Still read only: the provider
// company's documents default (SetPortalDefault, a setting rather than an end of
// access) and the folder chain (folders are never removed or moved).

// guardRead makes the batch depend on a stream the command only reads: it commits
// only if the stream is still at the version loaded (a StreamGuard; dropped when
// the batch appends to the stream anyway). The stream's kind must be guarded(), so
// that every write to it takes the lock that orders it with the guard.
func (u *unit) guardRead(a interface {
	StreamID() string
	Version() int64
}) {
	if guarded(a.StreamID()) {
		u.records = append(u.records, StreamGuard{StreamID: a.StreamID(), Version: a.Version()})
	}
}
