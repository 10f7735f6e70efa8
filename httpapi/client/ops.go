package client

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Operation is one documented operation of openapi.yaml that the client offers.
type Operation struct {
	ID     string // operationId
	Method string
	Path   string // as documented, with {params}
}

// path fills the operation's {params} in order.
func (o Operation) path(params ...string) string {
	p := o.Path
	for _, v := range params {
		i, j := strings.IndexByte(p, '{'), strings.IndexByte(p, '}')
		if i < 0 || j < i {
			break
		}
		p = p[:i] + url.PathEscape(v) + p[j+1:]
	}
	return p
}

// The operations the typed methods call (TestOperationsAreDocumented checks each
// against openapi.yaml).
var (
	OpSignup             = Operation{"signup", http.MethodPost, "/api/v1/signup"}
	OpCreateSession      = Operation{"createSession", http.MethodPost, "/api/v1/sessions"}
	OpConnectCustomer    = Operation{"connectCustomer", http.MethodPost, "/api/v1/customers"}
	OpCreateFolder       = Operation{"createFolder", http.MethodPost, "/api/v1/folders"}
	OpAddDocument        = Operation{"addDocument", http.MethodPost, "/api/v1/documents"}
	OpAddVersion         = Operation{"addDocumentVersion", http.MethodPost, "/api/v1/documents/{id}/versions"}
	OpGrantShare         = Operation{"grantShare", http.MethodPost, "/api/v1/shares"}
	OpCancelShare        = Operation{"cancelShare", http.MethodPost, "/api/v1/shares/{id}/cancel"}
	OpCreateLink         = Operation{"createLink", http.MethodPost, "/api/v1/documents/{id}/links"}
	OpCancelLink         = Operation{"cancelLink", http.MethodPost, "/api/v1/links/{id}/cancel"}
	OpPortalDocuments    = Operation{"portalDocuments", http.MethodGet, "/api/v1/portal/providers/{provider_id}/documents"}
	OpPortalContent      = Operation{"portalContent", http.MethodGet, "/api/v1/portal/documents/{id}/content"}
	OpLinkMetadata       = Operation{"linkMetadata", http.MethodGet, "/l/{token}"}
	OpLinkContent        = Operation{"linkContent", http.MethodGet, "/l/{token}/content"}
	OpShareHistory       = Operation{"shareHistory", http.MethodGet, "/api/v1/documents/{id}/share-history"}
	OpHealthz            = Operation{"healthz", http.MethodGet, "/healthz"}
	OpReadyz             = Operation{"readyz", http.MethodGet, "/readyz"}
	OpDeleteSession      = Operation{"deleteCurrentSession", http.MethodDelete, "/api/v1/sessions/current"}
	OpListCustomers      = Operation{"listCustomers", http.MethodGet, "/api/v1/customers"}
	OpListShares         = Operation{"listShares", http.MethodGet, "/api/v1/shares"}
	OpListDocuments      = Operation{"listDocuments", http.MethodGet, "/api/v1/documents"}
	OpPortalProviders    = Operation{"portalProviders", http.MethodGet, "/api/v1/portal/providers"}
	OpCustomerPortalView = Operation{"customerPortalView", http.MethodGet, "/api/v1/customers/{id}/portal-view"}
)

// Operations lists every operation the client offers.
func Operations() []Operation {
	return []Operation{OpSignup, OpCreateSession, OpConnectCustomer, OpCreateFolder, OpAddDocument, OpAddVersion,
		OpGrantShare, OpCancelShare, OpCreateLink, OpCancelLink, OpPortalDocuments, OpPortalContent, OpLinkMetadata,
		OpLinkContent, OpShareHistory, OpHealthz, OpReadyz, OpDeleteSession, OpListCustomers, OpListShares,
		OpListDocuments, OpPortalProviders, OpCustomerPortalView}
}

// Call sends a JSON body (when in is not nil) to op with its path params and
// decodes the answer into a T.
func Call[T any](ctx context.Context, c *Client, op Operation, token string, in any, params ...string) (T, Answer, error) {
	a := c.JSON(ctx, op.Method, op.path(params...), token, in)
	v, err := Decode[T](a, op.ID)
	return v, a, err
}

// Session is the answer of signup and sign-in.
type Session struct {
	Token     string     `json:"token"`
	UserID    uuid.UUID  `json:"user_id"`
	CompanyID uuid.UUID  `json:"company_id"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// SignupInput registers a company and its first admin.
type SignupInput struct {
	CompanyName string `json:"company_name"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	Password    string `json:"password"`
}

// Signup registers a company; the answer carries a session token.
func (c *Client) Signup(ctx context.Context, in SignupInput) (Session, Answer, error) {
	return Call[Session](ctx, c, OpSignup, "", in)
}

// SignIn opens a session.
func (c *Client) SignIn(ctx context.Context, email, password string) (Session, Answer, error) {
	return Call[Session](ctx, c, OpCreateSession, "", map[string]string{"email": email, "password": password})
}

// Customer is a provider's customer.
type Customer struct {
	ID                uuid.UUID  `json:"id"`
	CompanyID         uuid.UUID  `json:"company_id"`
	CompanyName       string     `json:"company_name"`
	Status            string     `json:"status"`
	GroupID           *uuid.UUID `json:"group_id"`
	WorkspaceFolderID uuid.UUID  `json:"workspace_folder_id"`
}

// ConnectCustomer connects a registered company as the caller's customer.
func (c *Client) ConnectCustomer(ctx context.Context, token string, companyID uuid.UUID) (Customer, Answer, error) {
	return Call[Customer](ctx, c, OpConnectCustomer, token, map[string]string{"company_id": companyID.String()})
}

// Folder is a folder of the library.
type Folder struct {
	ID       uuid.UUID  `json:"id"`
	Name     string     `json:"name"`
	ParentID *uuid.UUID `json:"parent_id"`
}

// CreateFolder creates a folder (under parent when not nil).
func (c *Client) CreateFolder(ctx context.Context, token, name string, parent *uuid.UUID) (Folder, Answer, error) {
	return Call[Folder](ctx, c, OpCreateFolder, token, struct {
		Name     string     `json:"name"`
		ParentID *uuid.UUID `json:"parent_id,omitempty"`
	}{name, parent})
}

// Document is a document with its newest version.
type Document struct {
	ID       uuid.UUID `json:"id"`
	Name     string    `json:"name"`
	FolderID uuid.UUID `json:"folder_id"`
	Version  int       `json:"version"`
	Size     int64     `json:"size"`
	SHA256   string    `json:"sha256"`
}

// UploadDocument adds a document to a folder.
func (c *Client) UploadDocument(ctx context.Context, token string, folderID uuid.UUID, fileName string, content []byte) (Document, Answer, error) {
	a := c.Upload(ctx, OpAddDocument.Path, token, map[string]string{"folder_id": folderID.String()}, fileName, content)
	d, err := Decode[Document](a, OpAddDocument.ID)
	return d, a, err
}

// AddVersion uploads the next version of a document.
func (c *Client) AddVersion(ctx context.Context, token string, documentID uuid.UUID, fileName string, content []byte) (Document, Answer, error) {
	a := c.Upload(ctx, OpAddVersion.path(documentID.String()), token, nil, fileName, content)
	d, err := Decode[Document](a, OpAddVersion.ID)
	return d, a, err
}

// Share is a portal share.
type Share struct {
	ID         uuid.UUID  `json:"id"`
	Status     string     `json:"status"`
	CustomerID uuid.UUID  `json:"customer_id"`
	DocumentID *uuid.UUID `json:"document_id"`
	FolderID   *uuid.UUID `json:"folder_id"`
	Permission string     `json:"permission"`
}

// GrantShareInput shares a document or a folder (one of the two) with a customer.
type GrantShareInput struct {
	CustomerID uuid.UUID  `json:"customer_id"`
	DocumentID *uuid.UUID `json:"document_id,omitempty"`
	FolderID   *uuid.UUID `json:"folder_id,omitempty"`
	Permission string     `json:"permission"`
}

// GrantShare grants a portal share.
func (c *Client) GrantShare(ctx context.Context, token string, in GrantShareInput) (Share, Answer, error) {
	return Call[Share](ctx, c, OpGrantShare, token, in)
}

// CancelShare cancels a share for good.
func (c *Client) CancelShare(ctx context.Context, token string, shareID uuid.UUID) (Share, Answer, error) {
	return Call[Share](ctx, c, OpCancelShare, token, nil, shareID.String())
}

// Link is a shareable link; URL is present only in the answer that created it.
type Link struct {
	ID         uuid.UUID `json:"id"`
	URL        string    `json:"url,omitempty"`
	DocumentID uuid.UUID `json:"document_id"`
	Status     string    `json:"status"`
}

// Token is the link's token (from URL).
func (l Link) Token() string { return LinkToken(l.URL) }

// CreateLink creates a link to a document.
func (c *Client) CreateLink(ctx context.Context, token string, documentID uuid.UUID) (Link, Answer, error) {
	return Call[Link](ctx, c, OpCreateLink, token, map[string]any{}, documentID.String())
}

// CancelLink cancels a link.
func (c *Client) CancelLink(ctx context.Context, token string, linkID uuid.UUID) (Link, Answer, error) {
	return Call[Link](ctx, c, OpCancelLink, token, nil, linkID.String())
}

// PortalDocumentsPath is the path of a provider's documents in the portal, flat
// (every document the caller sees, not one folder's).
func PortalDocumentsPath(providerID uuid.UUID) string {
	return OpPortalDocuments.path(providerID.String()) + "?flat=true"
}

// PortalContentPath is the path of a document's content in the portal.
func PortalContentPath(documentID uuid.UUID) string { return OpPortalContent.path(documentID.String()) }

// LinkPath is the path of a link's metadata (what opening the URL resolves).
func LinkPath(token string) string { return OpLinkMetadata.path(token) }
