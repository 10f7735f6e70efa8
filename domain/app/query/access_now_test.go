package query_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// DocumentAudience of the fake records that it was asked, and with which filter.
func (f *fake) DocumentAudience(_ context.Context, provider, document uuid.UUID, visible query.GroupFilter) ([]query.Access, error) {
	f.asked = append(f.asked, "DocumentAudience")
	f.filters = append(f.filters, visible)
	return nil, nil
}

// TestDocumentAudience: who can see a document is asked only for a document
// the viewer may see, and only about the customers the viewer's groups see.
func TestDocumentAudience(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		viewer     query.Viewer
		doc        uuid.UUID
		wantErr    error
		wantFilter query.GroupFilter
	}{
		{"an admin: every customer", admin, docLib, nil, query.GroupFilter{All: true, Groups: []uuid.UUID{}}},
		{"a member: its groups' customers only", reader, docLib, nil, query.GroupFilter{Groups: []uuid.UUID{g1}}},
		{"a member without groups: no customer, links still", loner, docLib, nil, query.GroupFilter{Groups: []uuid.UUID{}}},
		{"a member of another group's workspace document", reader, docWS2, domain.ErrNotFound, query.GroupFilter{}},
		{"another provider's staff", otherAdm, docLib, domain.ErrNotFound, query.GroupFilter{}},
		{"a portal user is never staff", portalC1, docWS1, domain.ErrNotFound, query.GroupFilter{}},
		{"a removed document", admin, docRemoved, domain.ErrNotFound, query.GroupFilter{}},
		{"an unknown document", admin, id(99), domain.ErrNotFound, query.GroupFilter{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := world()
			h := query.New(f).DocumentAudience
			_, err := h.Handle(context.Background(), query.DocumentAudience{Viewer: tt.viewer, DocumentID: tt.doc})
			wantErr(t, err, tt.wantErr)
			asked := slices.Contains(f.asked, "DocumentAudience")
			if tt.wantErr != nil {
				if asked {
					t.Fatalf("the read model was asked for a document the viewer may not see: %v", f.asked)
				}
				return
			}
			if !asked || len(f.filters) == 0 {
				t.Fatalf("asked %v", f.asked)
			}
			if diff := cmp.Diff(tt.wantFilter, f.filters[len(f.filters)-1]); diff != "" {
				t.Errorf("filter (-want +got):\n%s", diff)
			}
		})
	}
}

// RootFolders of the fake records that it was asked, and with which filter.
func (f *fake) RootFolders(_ context.Context, provider uuid.UUID, visible query.GroupFilter, after *query.NameKey, limit int) ([]query.Folder, error) {
	f.asked = append(f.asked, "RootFolders")
	f.filters = append(f.filters, visible)
	return nil, nil
}

// TestListFolders: the top of the library is the viewer's own company's, with
// the viewer's group filter; a parent the viewer may not see is not found and
// nothing is listed.
func TestListFolders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		viewer  query.Viewer
		parent  *uuid.UUID
		wantErr error
		asked   string
	}{
		{"the top, for an admin", admin, nil, nil, "RootFolders"},
		{"the top, for a member", reader, nil, nil, "RootFolders"},
		{"inside the library", reader, ref(lib), nil, "Subfolders"},
		{"inside the group's workspace", reader, ref(ws1), nil, "Subfolders"},
		{"inside another group's workspace", reader, ref(ws2), domain.ErrNotFound, ""},
		{"inside another provider's folder", otherAdm, ref(lib), domain.ErrNotFound, ""},
		{"a portal user has no library", portalC1, nil, domain.ErrNotFound, ""},
		{"an inactive user has none either", inactive, nil, domain.ErrNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := world()
			_, err := query.New(f).ListFolders.Handle(context.Background(), query.ListFolders{Viewer: tt.viewer, ParentID: tt.parent, Limit: 10})
			wantErr(t, err, tt.wantErr)
			listed := slices.Contains(f.asked, "RootFolders") || slices.Contains(f.asked, "Subfolders")
			if tt.asked == "" && listed || tt.asked != "" && !slices.Contains(f.asked, tt.asked) {
				t.Fatalf("asked %v, want %q", f.asked, tt.asked)
			}
		})
	}
}
