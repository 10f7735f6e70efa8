package domain

import "github.com/google/uuid"

// Reaches reports whether customer c is given the library item that lies in the
// folder chain folders (the item's folder and every folder above it, by id) and,
// for a document, is documentID (uuid.Nil for a folder or a new document): an
// active share of c covers the document or one of those folders, or the item lies
// in c's workspace. Whether c sees it at this instant (paused, documents module
// off, no visible version yet) does not matter: a change made now shows as soon
// as it does. This is who "can see" an item for DESIGN.md v1.1's rule that
// changing what a customer sees needs write access to that customer.
func Reaches(c *Customer, documentID uuid.UUID, folders map[uuid.UUID]*Folder) bool {
	if !c.Exists() || c.Status == StatusRevoked {
		return false
	}
	for _, f := range folders {
		if f.WorkspaceCustomerID == c.ID && c.ID != uuid.Nil {
			return true
		}
	}
	for _, t := range c.Shares {
		if documentID != uuid.Nil && t.DocumentID == documentID {
			return true
		}
		if _, ok := folders[t.FolderID]; ok && t.FolderID != uuid.Nil {
			return true
		}
	}
	return false
}
