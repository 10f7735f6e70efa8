package app

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// Uploads are authorized before their body is read (issue 12): a client that may
// not put a file somewhere must not make the server store it first. The checks
// below run the same rules as the commands that later record the file (which check
// again, at append time); they append nothing and answer the provider whose
// storage the file would take.

// check runs decide on freshly loaded state without appending anything.
func (s *Service) check(ctx context.Context, call Call, decide func(u *unit) error) error {
	u := &unit{ctx: ctx, s: s, call: call, now: s.clock().UTC().Truncate(time.Microsecond),
		loaded: map[string]domain.Aggregate{}, index: map[string]int{}}
	return decide(u)
}

// AuthorizeAddDocument checks that the actor may add a document to the folder
// (AddDocument's rule) and returns the provider it belongs to.
func (s *Service) AuthorizeAddDocument(ctx context.Context, call Call, folderID uuid.UUID) (uuid.UUID, error) {
	var provider uuid.UUID
	err := s.check(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		f, err := u.folder(folderID)
		if err != nil {
			return err
		}
		scope, err := u.folderScope(p, f)
		if err != nil {
			return err
		}
		if err := u.authorize(p, domain.ActionEditLibrary, scope); err != nil {
			return err
		}
		provider = scope.ProviderID
		return nil
	})
	return provider, err
}

// AuthorizeAddVersion checks that the actor may add a version to the document
// (AddVersion's rule) and returns the provider it belongs to.
func (s *Service) AuthorizeAddVersion(ctx context.Context, call Call, documentID uuid.UUID) (uuid.UUID, error) {
	var provider uuid.UUID
	err := s.check(ctx, call, func(u *unit) error {
		_, d, err := u.documentFor(domain.ActionEditLibrary, documentID)
		if err != nil {
			return err
		}
		if !d.Exists() {
			return fmt.Errorf("document: %w", domain.ErrNotFound)
		}
		provider = d.ProviderID
		return nil
	})
	return provider, err
}

// AuthorizePortalUpload checks that the actor's portal lets it upload into the
// folder (uuid.Nil: its workspace folder) of that provider (PortalUpload's rule).
func (s *Service) AuthorizePortalUpload(ctx context.Context, call Call, providerID, folderID uuid.UUID) error {
	return s.check(ctx, call, func(u *unit) error {
		_, _, err := u.portalTarget(providerID, folderID)
		return err
	})
}
