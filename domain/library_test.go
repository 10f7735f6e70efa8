package domain_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

func TestFolder(t *testing.T) {
	t.Parallel()
	create := func(id uuid.UUID, parent uuid.UUID, name string, byCustomer uuid.UUID) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			var p *domain.Folder
			if parent != uuid.Nil {
				p = s.Folder(parent)
			}
			return s.Folder(id).Create(domain.NewFolder{ID: id, ProviderID: provider, Parent: p, Name: name, CreatedByCustomerID: byCustomer}, at(1))
		}
	}
	newF := n(70)
	run(t, []tc{
		{name: "a root folder", given: providerRegistered(), when: create(newF, uuid.Nil, " Contracts ", uuid.Nil),
			then: evs(domain.FolderCreated{FolderID: newF, ProviderID: provider, Name: "Contracts", CreatedAt: at(1)})},
		{name: "a subfolder", given: world(), when: create(newF, libSub, "Q1", uuid.Nil),
			then: evs(domain.FolderCreated{FolderID: newF, ProviderID: provider, ParentID: libSub, Name: "Q1", CreatedAt: at(1)})},
		{name: "a folder in a workspace belongs to it", given: world(), when: create(newF, wsSub, "2025", uuid.Nil),
			then: evs(domain.FolderCreated{FolderID: newF, ProviderID: provider, ParentID: wsSub, Name: "2025", WorkspaceCustomerID: cust, CreatedAt: at(1)})},
		{name: "a customer creates a folder in its workspace", given: world(), when: create(newF, workspace, "Uploads", cust),
			then: evs(domain.FolderCreated{FolderID: newF, ProviderID: provider, ParentID: workspace, Name: "Uploads", WorkspaceCustomerID: cust, CreatedByCustomerID: cust, CreatedAt: at(1)})},
		{name: "a customer cannot create in another customer's workspace", given: world(), when: create(newF, workspace, "Uploads", cust2), wantErr: domain.ErrForbidden},
		{name: "a missing parent", given: providerRegistered(), when: create(newF, libSub, "Q1", uuid.Nil), wantErr: domain.ErrNotFound},
		{name: "a parent of another provider", given: join(world(), rivalRegistered()), when: create(newF, rivalRoot, "Q1", uuid.Nil), wantErr: domain.ErrNotFound},
		{name: "a name with a slash", given: world(), when: create(newF, libSub, "a/b", uuid.Nil), wantErr: domain.ErrValidation},
		{name: "a name that is a dot-dot", given: world(), when: create(newF, libSub, "..", uuid.Nil), wantErr: domain.ErrValidation},
		{name: "an empty name", given: world(), when: create(newF, libSub, "", uuid.Nil), wantErr: domain.ErrValidation},
		{name: "an existing folder", given: world(), when: create(libSub, libRoot, "again", uuid.Nil), wantErr: domain.ErrConflict},
	})
}

func TestDocument(t *testing.T) {
	t.Parallel()
	newD := n(71)
	add := func(folder uuid.UUID, name string, f domain.FileInfo, hidden bool) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			return s.Document(newD).Add(domain.NewDocument{ID: newD, Folder: s.Folder(folder), Name: name, File: f, Hidden: hidden}, at(1))
		}
	}
	addVersion := func(f domain.FileInfo, hidden bool) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			return s.Document(doc).AddVersion(f, hidden, uuid.Nil, at(1))
		}
	}
	visibility := func(v int, visible bool) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			return s.Document(doc).SetVersionVisibility(v, visible, at(1))
		}
	}
	download := func(v int) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			return s.Document(doc).RecordDownload(n(14), cust, n(13), v, at(1))
		}
	}
	removed := evs(domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: t0})
	v2hidden := evs(domain.DocumentVersionAdded{DocumentID: doc, ProviderID: provider, Version: 2, FileInfo: file2, Hidden: true, AddedAt: t0})
	badSHA := file1
	badSHA.SHA256 = "ABC"
	badType := file1
	badType.MediaType = "pdf"
	negative := file1
	negative.Size = -1
	run(t, []tc{
		{name: "add a document with its first version", given: world(), when: add(libSub, "Spec.pdf", file1, false),
			then: evs(domain.DocumentAdded{DocumentID: newD, ProviderID: provider, FolderID: libSub, Name: "Spec.pdf", FileInfo: file1, AddedAt: at(1)})},
		{name: "a document added hidden (QUBEdocs: hidden until shared)", given: world(), when: add(libSub, "Spec.pdf", file1, true),
			then: evs(domain.DocumentAdded{DocumentID: newD, ProviderID: provider, FolderID: libSub, Name: "Spec.pdf", FileInfo: file1, Hidden: true, AddedAt: at(1)})},
		{name: "a document in a workspace belongs to it", given: world(), when: add(workspace, "Offer.pdf", file1, false),
			then: evs(domain.DocumentAdded{DocumentID: newD, ProviderID: provider, FolderID: workspace, Name: "Offer.pdf", WorkspaceCustomerID: cust, FileInfo: file1, AddedAt: at(1)})},
		{name: "add into a missing folder", given: providerRegistered(), when: add(libSub, "Spec.pdf", file1, false), wantErr: domain.ErrNotFound},
		{name: "add with a bad hash", given: world(), when: add(libSub, "Spec.pdf", badSHA, false), wantErr: domain.ErrValidation},
		{name: "add with a bad media type", given: world(), when: add(libSub, "Spec.pdf", badType, false), wantErr: domain.ErrValidation},
		{name: "add with a negative size", given: world(), when: add(libSub, "Spec.pdf", negative, false), wantErr: domain.ErrValidation},
		{name: "add without a name", given: world(), when: add(libSub, " ", file1, false), wantErr: domain.ErrValidation},
		{name: "add an existing document", given: world(), when: func(s *domain.State) ([]domain.Event, error) {
			return s.Document(doc).Add(domain.NewDocument{ID: doc, Folder: s.Folder(libSub), Name: "x", File: file1}, at(1))
		}, wantErr: domain.ErrConflict},
		{name: "versions are numbered", given: join(world(), v2hidden), when: addVersion(file1, false),
			then: evs(domain.DocumentVersionAdded{DocumentID: doc, ProviderID: provider, Version: 3, FileInfo: file1, AddedAt: at(1)})},
		{name: "a version of a removed document", given: join(world(), removed), when: addVersion(file2, false), wantErr: domain.ErrNotFound},
		{name: "a version with a bad file", given: world(), when: addVersion(badSHA, false), wantErr: domain.ErrValidation},
		{name: "publish a hidden version", given: join(world(), v2hidden), when: visibility(2, true),
			then: evs(domain.VersionVisibilityChanged{DocumentID: doc, ProviderID: provider, Version: 2, Hidden: false, ChangedAt: at(1)})},
		{name: "hide a version", given: world(), when: visibility(1, false),
			then: evs(domain.VersionVisibilityChanged{DocumentID: doc, ProviderID: provider, Version: 1, Hidden: true, ChangedAt: at(1)})},
		{name: "publish a visible version records nothing", given: world(), when: visibility(1, true)},
		{name: "visibility of a missing version", given: world(), when: visibility(2, true), wantErr: domain.ErrNotFound},
		{name: "visibility of version 0", given: world(), when: visibility(0, true), wantErr: domain.ErrNotFound},
		{name: "visibility on a removed document", given: join(world(), removed), when: visibility(1, false), wantErr: domain.ErrNotFound},
		{name: "record a download", given: world(), when: download(1),
			then: evs(domain.DocumentDownloaded{DownloadID: n(14), DocumentID: doc, ProviderID: provider, CustomerID: cust, UserID: n(13), Version: 1, DownloadedAt: at(1)})},
		{name: "record a download of a missing version", given: world(), when: download(5), wantErr: domain.ErrNotFound},
		{name: "record a download of a removed document", given: join(world(), removed), when: download(1), wantErr: domain.ErrNotFound},
	})
}

func TestRemoveDocument(t *testing.T) {
	t.Parallel()
	remove := func(docID, byCustomer uuid.UUID, when time.Time) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			d := s.Document(docID)
			in := domain.DocumentRemoval{Document: d, Shares: map[uuid.UUID]*domain.Share{}, Links: map[uuid.UUID]*domain.Link{}, Customers: map[uuid.UUID]*domain.Customer{}, By: admin, ByCustomer: byCustomer}
			for _, id := range d.ShareIDs {
				in.Shares[id] = s.Share(id)
				in.Customers[s.Share(id).CustomerID] = s.Customer(s.Share(id).CustomerID)
			}
			for _, id := range d.LinkIDs {
				in.Links[id] = s.Link(id)
			}
			return domain.RemoveDocument(in, when)
		}
	}
	upload := n(72)
	uploaded := evs(domain.DocumentAdded{DocumentID: upload, ProviderID: provider, FolderID: workspace, Name: "mine.pdf", WorkspaceCustomerID: cust, UploadedByCustomerID: cust, FileInfo: file1, AddedAt: t0})
	link2 := n(61)
	run(t, []tc{
		{
			name: "removal cancels the document's active shares and live links",
			given: join(world(), docShare(share1, doc, domain.PermissionView), linkCreated(link1, "", time.Time{}),
				linkCreated(link2, "", at(time.Hour))),
			do: remove(doc, uuid.Nil, at(1)),
			then: evs(
				domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: at(1)},
				domain.ShareCancelled{ShareID: share1, ProviderID: provider, CustomerID: cust, DocumentID: doc, Reason: domain.ReasonDocumentRemoved, CancelledBy: admin, CancelledAt: at(1)},
				domain.CustomerShareRemoved{CustomerID: cust, ShareID: share1},
				domain.LinkCancelled{LinkID: link1, ProviderID: provider, DocumentID: doc, Reason: domain.ReasonDocumentRemoved, CancelledBy: admin, CancelledAt: at(1)},
				domain.LinkCancelled{LinkID: link2, ProviderID: provider, DocumentID: doc, Reason: domain.ReasonDocumentRemoved, CancelledBy: admin, CancelledAt: at(1)},
			),
		},
		{
			name: "removal leaves cancelled shares and gone links alone",
			given: join(world(), docShare(share1, doc, domain.PermissionView), cancelled(share1, doc, uuid.Nil, domain.ReasonCancelled),
				linkCreated(link1, "", at(time.Minute)), linkCreated(link2, "", time.Time{}),
				evs(domain.LinkCancelled{LinkID: link2, ProviderID: provider, DocumentID: doc, Reason: domain.ReasonCancelled, CancelledBy: admin, CancelledAt: t0})),
			do:   remove(doc, uuid.Nil, at(time.Hour)),
			then: evs(domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: at(time.Hour)}),
		},
		{
			name:  "a customer removes its own upload",
			given: join(world(), uploaded),
			do:    remove(upload, cust, at(1)),
			then:  evs(domain.DocumentRemoved{DocumentID: upload, ProviderID: provider, RemovedByCustomerID: cust, RemovedAt: at(1)}),
		},
		{name: "a customer never removes what the provider shared", given: world(), do: remove(wsDoc, cust, at(1)), wantErr: domain.ErrForbidden},
		{name: "remove twice", given: join(world(), evs(domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: t0})), do: remove(doc, uuid.Nil, at(1)), wantErr: domain.ErrNotFound},
		{name: "remove a missing document", do: remove(doc, uuid.Nil, at(1)), wantErr: domain.ErrNotFound},
	})
}
