package query_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

func TestPortalArchive(t *testing.T) {
	t.Parallel()
	top, sub, deeper, other := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	doc := func(folder uuid.UUID, name string) domain.PortalDocument {
		return domain.PortalDocument{ID: uuid.New(), FolderID: folder, Name: name, File: domain.FileInfo{Size: 1}}
	}
	view := domain.PortalView{Open: true,
		Folders: []domain.PortalFolder{
			{ID: top, Name: "Year end/2025", Top: true},
			{ID: sub, ParentID: top, Name: ".."},
			{ID: deeper, ParentID: sub, Name: "Scans"},
			{ID: other, Name: "Other", Top: true},
		},
		Documents: []domain.PortalDocument{
			doc(top, "Report.pdf"), doc(top, "report.pdf"), doc(top, "../../etc/passwd"), doc(top, "/abs.txt"),
			doc(sub, "a\x00b.txt"), doc(deeper, "scan.png"), doc(other, "not.me"),
		},
	}
	for _, tc := range []struct {
		name    string
		view    domain.PortalView
		folder  uuid.UUID
		want    []string
		wantErr error
	}{
		{name: "a folder with everything below it, names made safe and unique", view: view, folder: top, want: []string{
			"Year end_2025/_/Scans/scan.png", "Year end_2025/_/a_b.txt",
			"Year end_2025/Report.pdf", "Year end_2025/report (2).pdf", "Year end_2025/_.._etc_passwd", "Year end_2025/_abs.txt"}},
		{name: "a subfolder alone", view: view, folder: deeper, want: []string{"Scans/scan.png"}},
		{name: "a folder the view does not show", view: view, folder: uuid.New(), wantErr: domain.ErrNotFound},
		{name: "a closed portal (paused) shows nothing", view: domain.PortalView{Open: false, Folders: view.Folders, Documents: view.Documents},
			folder: top, wantErr: domain.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := query.PortalArchive(tc.view, tc.folder)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			var paths []string
			for _, e := range got {
				paths = append(paths, e.Path)
				if strings.HasPrefix(e.Path, "/") || slices.Contains(strings.Split(e.Path, "/"), "..") {
					t.Errorf("unsafe path %q", e.Path)
				}
			}
			if !slices.Equal(paths, tc.want) {
				t.Fatalf("paths\n got %q\nwant %q", paths, tc.want)
			}
		})
	}
}

func TestSanitizeArchiveName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain.pdf": "plain.pdf", "": "_", ".": "_", "..": "_", "...": "_", ".hidden": "hidden", "a/b\\c": "a_b_c",
		"C:\\evil": "C__evil", "trailing. ": "trailing", "tab\tname": "tab_name", "\u202eexe.pdf": "_exe.pdf",
		"bad\xffutf8": "bad_utf8", strings.Repeat("é", 150): strings.Repeat("é", 100),
	} {
		if got := query.SanitizeArchiveName(in); got != want {
			t.Errorf("SanitizeArchiveName(%q) = %q, want %q", in, got, want)
		}
	}
}
