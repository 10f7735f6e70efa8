package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// routes is the one place routes are registered. Every route must also be in
// openapi.yaml (TestRoutesMatchOpenAPI fails otherwise).
//
// Groups (chi Group: the middleware runs after routing, so route patterns are known
// to the idempotency hash, logs and metrics):
//   - operations: no auth, no timeout (metrics are not here: they are served on a
//     listener of their own, see MetricsHandler);
//   - public API: request timeout, Idempotency-Key;
//   - authenticated API: request timeout, bearer session, the portal users'
//     boundary (handlers_me.go), Idempotency-Key;
//   - link answers (/l/...): link security headers (no-store, no-referrer, noindex);
//     file transfers take no request timeout (the server's timeouts bound them).
//
// Reads of read models add s.fresh.Reads("<projection consumer group>", ...) so
// that X-Min-Position works, e.g.
//
//	r.With(s.fresh.Reads("portal_view")).Get("/api/v1/portal/providers", s.handle(s.listProviders))
func (s *Server) routes(r chi.Router) {
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/api/v1/openapi.yaml", s.openapi)
	// The API reference (handlers_docs.go), with a CSP of its own.
	r.Get("/docs", s.docsPage)
	r.Get("/docs/{file}", s.docsPage)

	r.Group(func(r chi.Router) {
		r.Use(s.credentialGate, s.timeout, s.idem.Middleware)
		r.Post("/api/v1/sessions", s.handle(s.createSession))
		r.Post("/api/v1/signup", s.handle(s.signup))
		r.Post("/api/v1/invitations/{token}/accept", s.handle(s.acceptInvitation))
		r.Post("/api/v1/register", s.handle(s.register))
		r.Post("/api/v1/password-resets", s.handle(s.requestPasswordReset))
		r.Post("/api/v1/password-resets/{token}", s.handle(s.resetPassword))
		r.Post("/api/v1/email-verifications/{token}", s.handle(s.verifyEmail))
	})

	r.Group(func(r chi.Router) {
		r.Use(s.timeout, auth.Require(s.sessions, s.resolve), s.ackWrites, portalBoundary, s.idem.Middleware)
		r.Delete("/api/v1/sessions/current", s.handle(s.deleteSession))

		// Accounts (handlers_accounts.go).
		r.Post("/api/v1/me/password", s.handle(s.changePassword))
		r.Post("/api/v1/me/email-verification", s.handle(s.resendEmailVerification))
		r.Get("/api/v1/me/sessions", s.handle(s.mySessions))
		r.Delete("/api/v1/me/sessions", s.handle(s.signOutEverywhere))
		r.Delete("/api/v1/me/sessions/{id}", s.handle(s.revokeMySession))
		r.Post("/api/v1/staff/{user_id}/deactivate", s.handle(s.setStaffActive(false)))
		r.Post("/api/v1/staff/{user_id}/reactivate", s.handle(s.setStaffActive(true)))
		r.Post("/api/v1/customers/{id}/users/{user_id}/deactivate", s.handle(s.setPortalUserActive(false)))
		r.Post("/api/v1/customers/{id}/users/{user_id}/reactivate", s.handle(s.setPortalUserActive(true)))
		r.Post("/api/v1/customers/{id}/invitation/resend", s.handle(s.resendCustomerInvitation))
		r.Post("/api/v1/customers/{id}/users/{user_id}/invitation/resend", s.handle(s.resendPortalUserInvitation))

		// Provider side: customers, settings, groups, staff.
		r.Post("/api/v1/customers", s.handle(s.connectCustomer))
		r.Post("/api/v1/customers/invitations", s.handle(s.inviteCustomer))
		r.Post("/api/v1/customers/{id}/pause", s.handle(s.customerCommand((*app.Service).PauseCustomer)))
		r.Post("/api/v1/customers/{id}/resume", s.handle(s.customerCommand((*app.Service).ResumeCustomer)))
		r.Post("/api/v1/customers/{id}/revoke", s.handle(s.customerCommand((*app.Service).RevokeCustomer)))
		r.Put("/api/v1/customers/{id}/master-access", s.handle(s.setMasterAccess))
		r.Put("/api/v1/customers/{id}/portal-settings", s.handle(s.setPortalSettings))
		r.Put("/api/v1/customers/{id}/group", s.handle(s.assignGroup))
		r.Post("/api/v1/customers/{id}/users/invitations", s.handle(s.inviteCustomerUser))
		r.Put("/api/v1/settings/portal", s.handle(s.setPortalDefault))
		r.Post("/api/v1/groups", s.handle(s.createGroup))
		r.Patch("/api/v1/groups/{id}", s.handle(s.updateGroup))
		r.Post("/api/v1/groups/{id}/code", s.handle(s.rotateGroupCode))
		r.Put("/api/v1/groups/{id}/members/{user_id}", s.handle(s.putGroupMember))
		r.Delete("/api/v1/groups/{id}/members/{user_id}", s.handle(s.deleteGroupMember))
		r.Post("/api/v1/staff/invitations", s.handle(s.inviteStaff))
		r.Patch("/api/v1/staff/{user_id}", s.handle(s.changeStaff))

		// Provider side: library, shares, links.
		r.Post("/api/v1/folders", s.handle(s.createFolder))
		r.Put("/api/v1/documents/{id}/versions/{n}/visibility", s.handle(s.setVersionVisibility))
		r.Delete("/api/v1/documents/{id}", s.handle(s.removeDocument))
		r.Post("/api/v1/shares", s.handle(s.grantShare))
		r.Post("/api/v1/shares/bulk", s.handle(s.grantShares))
		r.Patch("/api/v1/shares/{id}", s.handle(s.changeShare))
		r.Post("/api/v1/shares/{id}/cancel", s.handle(s.cancelShare))
		r.Post("/api/v1/documents/{id}/links", s.handle(s.createLink))
		r.Post("/api/v1/links/{id}/cancel", s.handle(s.cancelLink))
		r.Get("/api/v1/links/{id}", s.handle(s.getLink))
		r.Patch("/api/v1/links/{id}", s.handle(s.changeLink))
		r.Post("/api/v1/folders/{id}/links", s.handle(s.createFolderLink))

		// Portal side.
		r.Post("/api/v1/portal/providers/{provider_id}/folders", s.handle(s.portalCreateFolder))
		r.Delete("/api/v1/portal/documents/{id}", s.handle(s.portalRemoveDocument))
		r.Post("/api/v1/portal/providers/{provider_id}/leave", s.handle(s.leaveProvider))

		// Document requests and notification preferences (handlers_requests.go,
		// handlers_notifications.go).
		r.Post("/api/v1/customers/{id}/requests", s.handle(s.createRequest))
		r.Post("/api/v1/requests/{id}/cancel", s.handle(s.cancelRequest))
		r.Put("/api/v1/me/notifications", s.handle(s.putNotifications))

		// Reads of the read models (handlers_reads_*.go), with X-Min-Position.
		r.Group(func(r chi.Router) {
			r.Use(s.fresh.Reads(readGroups...), s.withViewer)
			r.Get("/api/v1/me", s.handle(s.me))
			r.Get("/api/v1/directory", s.handle(s.directory))
			r.Get("/api/v1/customers", s.handle(s.listCustomers))
			r.Get("/api/v1/customers/{id}", s.handle(s.getCustomer))
			r.Get("/api/v1/customers/{id}/portal-view", s.handle(s.customerPortalView))
			r.Get("/api/v1/customers/{id}/users", s.handle(s.listCustomerUsers))
			r.Get("/api/v1/groups", s.handle(s.listGroups))
			r.Get("/api/v1/staff", s.handle(s.listStaff))
			r.Get("/api/v1/folders", s.handle(s.listFolders))
			r.Get("/api/v1/folders/{id}", s.handle(s.getFolder))
			r.Get("/api/v1/documents", s.handle(s.listDocuments))
			r.Get("/api/v1/documents/{id}", s.handle(s.getDocument))
			r.Get("/api/v1/shares", s.handle(s.listShares))
			r.Get("/api/v1/documents/{id}/share-history", s.handle(s.shareHistory))
			r.Get("/api/v1/documents/{id}/access", s.handle(s.documentAudience))
			r.Get("/api/v1/portal/providers", s.handle(s.portalProviders))
			r.Get("/api/v1/portal/providers/{provider_id}/documents", s.handle(s.portalDocuments))
			r.Get("/api/v1/requests", s.handle(s.listRequests))
			r.Get("/api/v1/portal/providers/{provider_id}/requests", s.handle(s.portalRequests))
			r.Get("/api/v1/me/notifications", s.handle(s.getNotifications))
		})
	})

	// Downloads: authenticated reads without the JSON request timeout (the server's
	// write timeout bounds a slow download).
	r.Group(func(r chi.Router) {
		r.Use(auth.Require(s.sessions, s.resolve), s.ackWrites, portalBoundary, s.fresh.Reads(readGroups...), s.withViewer)
		r.Get("/api/v1/documents/{id}/content", s.handle(s.documentContent))
		r.Get("/api/v1/portal/documents/{id}/content", s.handle(s.portalContent))
		r.Get("/api/v1/portal/providers/{provider_id}/folders/{id}/archive", s.handle(s.portalArchive))
	})

	// Uploads: authenticated and idempotent, but without the JSON request timeout
	// (uploadBody cuts off a body that stalls; the server's read timeout bounds the
	// whole upload).
	r.Group(func(r chi.Router) {
		r.Use(s.uploadBody, auth.Require(s.sessions, s.resolve), s.ackWrites, portalBoundary, s.idem.Middleware)
		r.Post("/api/v1/documents", s.handle(s.addDocument))
		r.Post("/api/v1/documents/{id}/versions", s.handle(s.addVersion))
		r.Post("/api/v1/portal/providers/{provider_id}/documents", s.handle(s.portalUpload))
		r.Post("/api/v1/portal/requests/{id}/documents", s.handle(s.fulfilRequest))
	})

	// Audit (handlers_audit.go): admins and auditors, from the log itself. No
	// request timeout: an export streams for as long as the log is, and a replay
	// or a verification reads a whole tenant.
	r.Group(func(r chi.Router) {
		r.Use(auth.Require(s.sessions, s.resolve), portalBoundary, s.fresh.Reads(accountsGroup), s.withViewer)
		r.Get("/api/v1/audit/events", s.handle(s.auditEvents))
		r.Get("/api/v1/audit/verify", s.handle(s.auditVerify))
		r.Get("/api/v1/audit/customers/{id}/portal-view", s.handle(s.auditPortalView))
		// Who could reach a document is a portal read-model query.
		r.With(s.fresh.Reads(portalGroup)).Get("/api/v1/audit/documents/{id}/access", s.handle(s.auditDocumentAccess))
	})

	r.Group(func(r chi.Router) {
		r.Use(web.LinkHeaders)
		// A folder link's listing reads the portal read model (X-Min-Position).
		// GET /l/{token} answers a browser with a page (handlers_linkpage.go),
		// whose password form posts to POST /l/{token}.
		r.With(s.fresh.Reads(readGroups...)).Get("/l/{token}", s.handle(s.linkEntry))
		r.With(s.fresh.Reads(readGroups...)).Post("/l/{token}", s.handle(s.linkPageForm))
		r.Get("/l/{token}/content", s.handle(s.linkContent))
		r.Get("/l/{token}/documents/{document_id}/content", s.handle(s.folderLinkContent))
	})

	// The web console and portal (package console): HTML pages with their own
	// router, sessions (cookie) and CSRF checks, behind one mount point.
	r.Get("/", http.RedirectHandler("/app/", http.StatusSeeOther).ServeHTTP)
	r.Get("/app/*", s.console.ServeHTTP)
	r.Post("/app/*", s.console.ServeHTTP)
	// The links mails carry open in a browser: to the console's forms.
	r.Get("/invitations/*", s.toConsole("/app/invitations/"))
	r.Get("/password-resets/*", s.toConsole("/app/password-reset/"))
}

// handle adapts handlers that return an error; every error answer goes through
// problem.Write.
func (s *Server) handle(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return problem.Handler(fn)
}
