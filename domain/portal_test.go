package domain_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

func TestPortalView(t *testing.T) {
	t.Parallel()
	guide := func(p domain.Permission, top bool) domain.PortalDocument {
		return domain.PortalDocument{ID: doc, FolderID: libSub, Name: "Guide.pdf", Version: 1, File: file1, Permission: p, Top: top}
	}
	invoice := func(top bool) domain.PortalDocument {
		return domain.PortalDocument{ID: wsDoc, FolderID: wsSub, Name: "Invoice 1.pdf", Version: 1, File: file1, Permission: domain.PermissionEdit, Top: top}
	}
	manuals := func(p domain.Permission) domain.PortalFolder {
		return domain.PortalFolder{ID: libRoot, Name: "Manuals", Permission: p, Top: true}
	}
	y2025 := func(p domain.Permission, top bool) domain.PortalFolder {
		return domain.PortalFolder{ID: libSub, ParentID: libRoot, Name: "2025", Permission: p, Top: top}
	}
	open := func(folders []domain.PortalFolder, docs ...domain.PortalDocument) domain.PortalView {
		return domain.PortalView{CustomerID: cust, ProviderID: provider, Open: true, Folders: folders, Documents: docs}
	}
	closed := domain.PortalView{CustomerID: cust, ProviderID: provider}
	resumed := evs(domain.SharingResumed{CustomerID: cust, ProviderID: provider, ResumedAt: t0})
	masterOn := evs(domain.MasterAccessGranted{CustomerID: cust, ProviderID: provider, GrantedAt: t0})
	toggled := func(v *bool) []domain.Event {
		return evs(domain.PortalDocumentsToggled{CustomerID: cust, ProviderID: provider, DocumentsEnabled: v, ToggledAt: t0})
	}
	defaultOff := evs(domain.PortalDefaultsChanged{CompanyID: provider, DocumentsEnabledDefault: false, ChangedAt: t0})
	cases := []struct {
		name  string
		given []domain.Event
		want  domain.PortalView
	}{
		{"nothing shared: an open, empty portal", world(), open(nil)},
		{"a shared document (CommTrak: visible in portal)", join(world(), docShare(share1, doc, domain.PermissionView)),
			open(nil, guide(domain.PermissionView, true))},
		{"a shared folder shows everything below it (CA Cloud Desk: BILLING folder)", join(world(), folderShare(share1, libRoot, domain.PermissionView)),
			open([]domain.PortalFolder{y2025(domain.PermissionView, false), manuals(domain.PermissionView)}, guide(domain.PermissionView, false))},
		{"a shared subfolder is top level when its parent is not shared", join(world(), folderShare(share1, libSub, domain.PermissionEdit)),
			open([]domain.PortalFolder{y2025(domain.PermissionEdit, true)}, guide(domain.PermissionEdit, false))},
		{"the highest permission of covering shares wins", join(world(), docShare(share1, doc, domain.PermissionView), folderShare(share2, libRoot, domain.PermissionEdit)),
			open([]domain.PortalFolder{y2025(domain.PermissionEdit, false), manuals(domain.PermissionEdit)}, guide(domain.PermissionEdit, false))},
		{"a cancelled share shows nothing (JarvisDrive: don't share)", join(world(), docShare(share1, doc, domain.PermissionView), cancelled(share1, doc, uuid.Nil, domain.ReasonCancelled)),
			open(nil)},
		{"a paused customer sees nothing (PDoc: pause sharing)", join(world(), docShare(share1, doc, domain.PermissionView), paused()), closed},
		{"shares granted while paused stay invisible until resumed", join(world(), paused(), docShare(share1, doc, domain.PermissionView)), closed},
		{"after resume, everything shared shows again", join(world(), paused(), docShare(share1, doc, domain.PermissionView), resumed),
			open(nil, guide(domain.PermissionView, true))},
		{"a revoked customer sees nothing", join(world(), revoked()), closed},
		{"an invited customer sees nothing", join(providerRegistered(), library(), invitedEvents()),
			domain.PortalView{CustomerID: cust2, ProviderID: provider}},
		{"documents module off for the customer", join(world(), docShare(share1, doc, domain.PermissionView), toggled(ptr(false))), closed},
		{"documents module off by the provider default", join(world(), docShare(share1, doc, domain.PermissionView), defaultOff), closed},
		{"documents module on for this customer despite the default (CommTrak: current customer or all)", join(world(), docShare(share1, doc, domain.PermissionView), defaultOff, toggled(ptr(true))),
			open(nil, guide(domain.PermissionView, true))},
		{"back to the provider default", join(world(), docShare(share1, doc, domain.PermissionView), toggled(ptr(false)), toggled(nil)),
			open(nil, guide(domain.PermissionView, true))},
		{"master access shows the whole workspace, whose contents are the top (CA Cloud Desk)", join(world(), masterOn),
			domain.PortalView{CustomerID: cust, ProviderID: provider, Open: true, Root: workspace,
				Folders: []domain.PortalFolder{
					{ID: workspace, Name: "Acme Corp", Permission: domain.PermissionEdit, Workspace: true},
					{ID: wsSub, ParentID: workspace, Name: "Invoices", Permission: domain.PermissionEdit, Top: true},
				},
				Documents: []domain.PortalDocument{invoice(false)}}},
		{"without master access or a share the workspace is not shown", world(), open(nil)},
		{"a hidden version is not shown (QUBEdocs: hidden by default)", join(world(), docShare(share1, doc, domain.PermissionView), evs(
			domain.DocumentVersionAdded{DocumentID: doc, ProviderID: provider, Version: 2, FileInfo: file2, Hidden: true, AddedAt: t0})),
			open(nil, guide(domain.PermissionView, true))},
		{"publishing the version shows it", join(world(), docShare(share1, doc, domain.PermissionView), evs(
			domain.DocumentVersionAdded{DocumentID: doc, ProviderID: provider, Version: 2, FileInfo: file2, Hidden: true, AddedAt: t0},
			domain.VersionVisibilityChanged{DocumentID: doc, ProviderID: provider, Version: 2, Hidden: false, ChangedAt: t0})),
			open(nil, domain.PortalDocument{ID: doc, FolderID: libSub, Name: "Guide.pdf", Version: 2, File: file2, Permission: domain.PermissionView, Top: true})},
		{"a document without a visible version is not shown", join(world(), docShare(share1, doc, domain.PermissionView), evs(
			domain.VersionVisibilityChanged{DocumentID: doc, ProviderID: provider, Version: 1, Hidden: true, ChangedAt: t0})),
			open(nil)},
		{"a removed document is not shown", join(world(), docShare(share1, doc, domain.PermissionView), evs(
			domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: t0})),
			open(nil)},
		{"another customer's shares do not count", join(world(), connectedEvents(cust2, ws2, newCo, "Newco", false, t0), evs(
			domain.PortalShareGranted{ShareID: share1, ProviderID: provider, CustomerID: cust2, DocumentID: doc, Permission: domain.PermissionView, GrantedBy: admin, GrantedAt: t0},
			domain.CustomerShareAdded{CustomerID: cust2, ShareID: share1, DocumentID: doc})),
			open(nil)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := domain.NewState()
			if err := s.Apply(c.given...); err != nil {
				t.Fatal(err)
			}
			got := s.PortalView(c.want.CustomerID)
			if diff := cmp.Diff(c.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("portal view (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPortalViewPermissions(t *testing.T) {
	t.Parallel()
	upload := n(72)
	s := domain.NewState()
	if err := s.Apply(join(world(),
		folderShare(share1, libRoot, domain.PermissionView),
		evs(domain.MasterAccessGranted{CustomerID: cust, ProviderID: provider, GrantedAt: t0},
			domain.DocumentAdded{DocumentID: upload, ProviderID: provider, FolderID: workspace, Name: "mine.pdf", WorkspaceCustomerID: cust, UploadedByCustomerID: cust, FileInfo: file1, AddedAt: t0}),
	)...); err != nil {
		t.Fatal(err)
	}
	v := s.PortalView(cust)
	check := func(what string, err, want error) {
		t.Helper()
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", what, err, want)
		}
	}
	// JarvisDrive/CA Cloud Desk: customers deposit files where they may edit...
	check("upload into the workspace (master access)", v.MayUpload(workspace), nil)
	check("upload into a workspace subfolder", v.MayUpload(wsSub), nil)
	// ...a view-only share is read-only...
	check("upload into a view-only shared folder", v.MayUpload(libSub), domain.ErrForbidden)
	// ...and what is not visible does not exist for them.
	check("upload into an invisible folder", v.MayUpload(rivalRoot), domain.ErrNotFound)
	// "The customer will not be able to delete the documents you share to him."
	check("remove a provider document", v.MayRemove(wsDoc), domain.ErrForbidden)
	check("remove a shared library document", v.MayRemove(doc), domain.ErrForbidden)
	check("remove its own upload", v.MayRemove(upload), nil)
	check("remove an invisible document", v.MayRemove(rivalDoc), domain.ErrNotFound)

	folders, docs := v.Children(uuid.Nil)
	var names []string
	for _, f := range folders {
		names = append(names, f.Name)
	}
	for _, d := range docs {
		names = append(names, d.Name)
	}
	if diff := cmp.Diff([]string{"Invoices", "Manuals", "mine.pdf"}, names); diff != "" {
		t.Errorf("top of the portal (-want +got):\n%s", diff)
	}
	folders, docs = v.Children(libRoot)
	if len(folders) != 1 || folders[0].ID != libSub || len(docs) != 0 {
		t.Errorf("inside Manuals: %v %v", folders, docs)
	}
	if _, ok := v.Document(doc); !ok {
		t.Error("Guide.pdf must be visible through the folder share")
	}
}

// TestPortalViewSubset checks that a view computed from only the documents and
// folders a command loads (the document and its ancestors) agrees with the view
// of the whole library, which is how the application layer uses the oracle.
func TestPortalViewSubset(t *testing.T) {
	t.Parallel()
	s := domain.NewState()
	if err := s.Apply(join(world(), folderShare(share1, libRoot, domain.PermissionEdit), evs(domain.MasterAccessGranted{CustomerID: cust, ProviderID: provider, GrantedAt: t0}))...); err != nil {
		t.Fatal(err)
	}
	full := s.PortalView(cust)
	for _, d := range full.Documents {
		in := s.PortalInput(cust)
		docs := map[uuid.UUID]*domain.Document{d.ID: s.Document(d.ID)}
		folders := map[uuid.UUID]*domain.Folder{}
		for f := s.Folder(d.FolderID); f.Exists(); f = s.Folder(f.ParentID) {
			folders[f.ID] = f
		}
		in.Documents, in.Folders = docs, folders
		got, ok := domain.ComputePortalView(in).Document(d.ID)
		if !ok {
			t.Fatalf("%s invisible in the subset view", d.Name)
		}
		if got.Permission != d.Permission || got.Version != d.Version {
			t.Errorf("%s: subset %v, full %v", d.Name, got, d)
		}
	}
}
