package app

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// Document requests (issue 17): staff with write access to a customer ask it for
// a file; the customer's users answer by uploading (the upload is the customer's
// deposit, in the request's folder of its workspace); the platform reminds them
// once when the due date passes.

// RequestDocument is the input of Service.RequestDocument. FolderID uuid.Nil:
// the customer's workspace folder. DueAt zero: no due date.
type RequestDocument struct {
	CustomerID uuid.UUID
	Title      string
	Note       string
	DueAt      time.Time
	FolderID   uuid.UUID
}

// RequestResult is a request as a command left it.
type RequestResult struct {
	Request  query.Request
	Appended AppendResult
}

// RequestDocument opens a document request for a customer the actor may
// manage (write access to its group, or admin).
func (s *Service) RequestDocument(ctx context.Context, call Call, cmd RequestDocument) (RequestResult, error) {
	var out RequestResult
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		c, err := u.customer(cmd.CustomerID)
		if err != nil {
			return err
		}
		scope, err := u.customerScope(p, c)
		if err != nil {
			return err
		}
		if err := u.authorize(p, domain.ActionManageCustomer, scope); err != nil {
			return err
		}
		folderID := cmd.FolderID
		if folderID == uuid.Nil {
			folderID = c.WorkspaceFolderID
		}
		f, err := u.folder(folderID)
		if err != nil {
			return err
		}
		id, err := u.id()
		if err != nil {
			return err
		}
		events, err := domain.RequestDocument(domain.NewDocumentRequest{ID: id, Customer: c, Folder: f, Title: cmd.Title,
			Note: cmd.Note, DueAt: cmd.DueAt, By: p.UserID}, u.now)
		if err != nil {
			return err
		}
		out.Request = query.RequestOf(after(&domain.DocumentRequest{}, cloneRequest, events))
		return u.recordNew(events)
	})
	return out, err
}

// CancelDocumentRequest withdraws a request (final) of a customer the actor may
// manage. A request of a customer it may not see answers domain.ErrNotFound.
func (s *Service) CancelDocumentRequest(ctx context.Context, call Call, requestID uuid.UUID) (RequestResult, error) {
	var out RequestResult
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		r, err := u.request(requestID)
		if err != nil {
			return err
		}
		if !r.Exists() {
			return fmt.Errorf("request: %w", domain.ErrNotFound)
		}
		c, err := u.customer(r.CustomerID)
		if err != nil {
			return err
		}
		scope, err := u.customerScope(p, c)
		if err != nil {
			return err
		}
		if err := u.authorize(p, domain.ActionManageCustomer, scope); err != nil {
			return err
		}
		events, err := r.Cancel(p.UserID, u.now)
		if err != nil {
			return err
		}
		out.Request = query.RequestOf(after(r, cloneRequest, events))
		return u.recordOn(r, events)
	})
	return out, err
}

// FulfilDocumentRequest is the input of Service.FulfilDocumentRequest.
type FulfilDocumentRequest struct {
	RequestID uuid.UUID
	Name      string
	File      domain.FileInfo
}

// FulfilResult is the request after the upload and the document it made.
type FulfilResult struct {
	Request  query.Request
	Document DocumentResult
	Appended AppendResult
}

// FulfilDocumentRequest uploads a document for a request as a user of the
// request's customer: the document is the customer's deposit in the request's
// folder, and the request records it. See requestTarget for who may.
func (s *Service) FulfilDocumentRequest(ctx context.Context, call Call, cmd FulfilDocumentRequest) (FulfilResult, error) {
	out := FulfilResult{Document: DocumentResult{Version: 1}}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, r, c, f, err := u.requestTarget(cmd.RequestID)
		if err != nil {
			return err
		}
		docID, err := u.id()
		if err != nil {
			return err
		}
		added, err := (&domain.Document{}).Add(domain.NewDocument{ID: docID, Folder: f, Name: cmd.Name, File: cmd.File, UploadedByCustomerID: c.ID}, u.now)
		if err != nil {
			return err
		}
		fulfilled, err := r.Fulfil(docID, p.UserID, u.now)
		if err != nil {
			return err
		}
		out.Document.DocumentID = docID
		out.Document.Document, out.Document.Changed = documentView(after(&domain.Document{}, cloneDocument, added), 1)
		out.Request = query.RequestOf(after(r, cloneRequest, fulfilled))
		if err := u.recordNew(added); err != nil {
			return err
		}
		return u.recordOn(r, fulfilled)
	})
	out.Document.Appended = out.Appended
	return out, err
}

// AuthorizeRequestUpload checks, before an upload's body is read, that the
// actor may fulfil the request (FulfilDocumentRequest's rule), and returns the
// provider whose storage the file takes.
func (s *Service) AuthorizeRequestUpload(ctx context.Context, call Call, requestID uuid.UUID) (uuid.UUID, error) {
	var provider uuid.UUID
	err := s.check(ctx, call, func(u *unit) error {
		_, r, _, _, err := u.requestTarget(requestID)
		if err != nil {
			return err
		}
		provider = r.ProviderID
		return nil
	})
	return provider, err
}

// requestTarget loads a request a portal user wants to fulfil, with its
// customer and folder. The actor must be a user of exactly the request's
// customer whose portal is open (active, documents on): anything else answers
// domain.ErrNotFound, as if the request did not exist; a cancelled request
// conflicts.
func (u *unit) requestTarget(requestID uuid.UUID) (domain.Principal, *domain.DocumentRequest, *domain.Customer, *domain.Folder, error) {
	r, err := u.request(requestID)
	if err != nil {
		return domain.Principal{}, nil, nil, nil, err
	}
	notFound := fmt.Errorf("request: %w", domain.ErrNotFound)
	if !r.Exists() {
		return domain.Principal{}, nil, nil, nil, notFound
	}
	p, provider, c, err := u.portalCustomer(r.ProviderID)
	if err != nil {
		return p, nil, nil, nil, err
	}
	if c.ID != r.CustomerID {
		return p, nil, nil, nil, notFound
	}
	view, err := u.portalView(provider, c, nil, nil)
	if err != nil {
		return p, nil, nil, nil, err
	}
	if !view.Open {
		return p, nil, nil, nil, notFound
	}
	if r.Status == domain.RequestCancelled {
		return p, nil, nil, nil, fmt.Errorf("request %s was cancelled: %w", r.ID, domain.ErrConflict)
	}
	f, err := u.folder(r.FolderID)
	if err != nil {
		return p, nil, nil, nil, err
	}
	if !f.Exists() {
		return p, nil, nil, nil, fmt.Errorf("request folder: %w", domain.ErrNotFound)
	}
	return p, r, c, f, nil
}

// RemindDocumentRequest records the reminder of an overdue open request, once
// (a second call conflicts): the platform acts, no user. Reminder sweeps
// (RemindOverdue) call it.
func (s *Service) RemindDocumentRequest(ctx context.Context, requestID uuid.UUID) (AppendResult, error) {
	return s.exec(ctx, Call{}, func(u *unit) error {
		u.system = true
		r, err := u.request(requestID)
		if err != nil {
			return err
		}
		events, err := r.Remind(u.now)
		if err != nil {
			return err
		}
		u.tenant = r.ProviderID
		return u.recordOn(r, events)
	})
}

func (u *unit) request(id uuid.UUID) (*domain.DocumentRequest, error) {
	return load[domain.DocumentRequest](u, domain.RequestStream(id))
}

func cloneRequest(r domain.DocumentRequest) domain.DocumentRequest {
	r.Documents = append([]uuid.UUID(nil), r.Documents...)
	return r
}
