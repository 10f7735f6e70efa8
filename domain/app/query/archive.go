package query

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// ArchiveEntry is one document of a folder's ZIP archive: its path inside the
// archive (slash-separated, relative, sanitised and unique) and the document as
// the portal shows it.
type ArchiveEntry struct {
	Path     string
	Document domain.PortalDocument
}

// PortalArchive answers the documents a portal view shows below folder (itself
// included, at any depth), each with its archive path "<folder>/<sub>/<name>",
// in a stable order (folders depth first by name, then documents by name).
// A folder the view does not show (another customer's, a hidden one, or any
// while the portal is closed: paused, revoked, documents off) is
// domain.ErrNotFound, so that it cannot be told from one that does not exist.
//
// Visibility is the view's (ComputePortalView through PortalViewHandler): this
// only walks what it shows, so an archive holds exactly what the listing does.
func PortalArchive(view domain.PortalView, folder uuid.UUID) ([]ArchiveEntry, error) {
	if !view.Open {
		return nil, fmt.Errorf("archive folder %s: %w", folder, domain.ErrNotFound)
	}
	var top *domain.PortalFolder
	children := map[uuid.UUID][]domain.PortalFolder{}
	for i, f := range view.Folders {
		if f.ID == folder {
			top = &view.Folders[i]
		}
		children[f.ParentID] = append(children[f.ParentID], f)
	}
	if top == nil {
		return nil, fmt.Errorf("archive folder %s: %w", folder, domain.ErrNotFound)
	}
	docs := map[uuid.UUID][]domain.PortalDocument{}
	for _, d := range view.Documents {
		docs[d.FolderID] = append(docs[d.FolderID], d)
	}
	var out []ArchiveEntry
	var walk func(f domain.PortalFolder, dir string, depth int)
	walk = func(f domain.PortalFolder, dir string, depth int) {
		if depth > maxArchiveDepth {
			return // a cycle cannot happen in a tree; this bounds a corrupt one
		}
		names := newNameSet()
		for _, sub := range children[f.ID] { // view.Folders is sorted by name, then id
			if sub.ID == f.ID {
				continue
			}
			walk(sub, path.Join(dir, names.unique(SanitizeArchiveName(sub.Name), true)), depth+1)
		}
		for _, d := range docs[f.ID] {
			out = append(out, ArchiveEntry{Path: path.Join(dir, names.unique(SanitizeArchiveName(d.Name), false)), Document: d})
		}
	}
	walk(*top, SanitizeArchiveName(top.Name), 0)
	return out, nil
}

// maxArchiveDepth bounds the folder depth an archive walks.
const maxArchiveDepth = 64

// maxArchiveNameBytes bounds one path segment (file systems take 255 bytes).
const maxArchiveNameBytes = 200

// SanitizeArchiveName makes a document or folder name one safe path segment
// for any unzip tool: no separators (/ or \), no control characters, none of
// the characters Windows refuses (<>:"|?*), no "." or ".." (nor leading dots or
// trailing dots and spaces), at most 200 bytes of valid UTF-8; what is left
// empty becomes "_". A name can then neither climb out of the archive's folder
// (zip slip) nor be absolute.
func SanitizeArchiveName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(name, "_") {
		switch {
		case r == '/' || r == '\\' || r == ':' || r == '<' || r == '>' || r == '"' || r == '|' || r == '?' || r == '*':
			b.WriteRune('_')
		case unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Bidi_Control, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.TrimRight(strings.TrimLeft(strings.TrimSpace(b.String()), "."), ". ")
	if len(s) > maxArchiveNameBytes {
		cut := maxArchiveNameBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = strings.TrimRight(s[:cut], ". ")
	}
	if s == "" {
		return "_"
	}
	return s
}

// nameSet gives every entry of one archive folder a distinct name, compared
// case-insensitively (unzipping onto Windows or macOS would merge "A.pdf" and
// "a.pdf"): "report.pdf", "report (2).pdf", ...
type nameSet map[string]bool

func newNameSet() nameSet { return nameSet{} }

func (s nameSet) unique(name string, folder bool) string {
	stem, ext := name, ""
	if !folder {
		if e := path.Ext(name); e != "" && e != name {
			stem, ext = strings.TrimSuffix(name, e), e
		}
	}
	candidate := name
	for n := 2; s[strings.ToLower(candidate)]; n++ {
		candidate = stem + " (" + strconv.Itoa(n) + ")" + ext
	}
	s[strings.ToLower(candidate)] = true
	return candidate
}
