package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
)

// isoWorld is company A built fully (a customer, a group, staff, folders, a
// document with two versions, a share, a link, a customer's own upload) and
// company B (its admin, a member with can_share and write access to a group of B,
// and a customer, folder and document of its own, to mix with A's ids).
type isoWorld struct {
	a, aStaff, c, b, bMember account
	aStaffEmail              string
	staffInvitationToken     string // used: accepting it again is 410
	cust, invited            customerResponse
	group                    groupResponse
	folder, wsFolder         folderResponse
	portalFolder             folderResponse // created by C in A's workspace
	doc, custDoc             documentResponse
	share                    shareResponse
	link                     linkResponse
	linkToken                string
	request                  requestResponse // A asks its customer for a file

	bGroup  groupResponse
	bCust   customerResponse
	bFolder folderResponse
	bDoc    documentResponse

	// Portal users (issue 11): of A for C (the same customer as the matrix's
	// target), of A for another customer D, and of B for C (the same company,
	// another provider's customer).
	d                       account
	dCust                   customerResponse
	pSame, pOther, pForeign account

	// secrets are A's ids, names and tokens, by description: no answer to B may
	// carry one (unless the probe says it may).
	secrets map[string]string
}

const (
	isoDocV1 = "%PDF-1.4 alpha ledger, first version: quarterly figures"
	isoDocV2 = "%PDF-1.4 alpha ledger, second version: restated figures"
	isoUpV1  = "charlie's receipts for alpha, uploaded through the portal"
)

func isoToken(url string) string { return url[strings.LastIndex(url, "/")+1:] }

func hexSHA(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func newIsoWorld(t *testing.T, ts *testServer) *isoWorld { return newIsoWorldTagged(t, ts, "") }

// newIsoWorldTagged builds the world with tag in every name and address, so that
// many worlds can share one platform (TestIsolationAtScale).
func newIsoWorldTagged(t *testing.T, ts *testServer, tag string) *isoWorld {
	t.Helper()
	n := func(s string) string { // a name of this world
		if tag == "" {
			return s
		}
		return s + " " + tag
	}
	m := func(local, domain string) string { // an address of this world
		if tag == "" {
			return local + "@" + domain
		}
		return local + "." + tag + "@" + domain
	}
	f := func(base, ext string) string { // a file name of this world
		if tag == "" {
			return base + ext
		}
		return base + "-" + tag + ext
	}
	w := &isoWorld{aStaffEmail: m("quill.staffer", "alpha-secretive.test")}
	w.a = ts.signupCompany(t, n("Alpha Secretive Holdings"))
	w.c = ts.signupCompany(t, n("Charlie Client GmbH"))
	w.b = ts.signupCompany(t, n("Bravo Intruder Corp"))

	// A: customer, group, staff with write access.
	w.cust = ts.connect(t, w.a, w.c)
	a := ts.send(t, &w.a, "POST", "/api/v1/groups", `{"name":"`+n("AlphaVaultGroup")+`"}`)
	expectWritten(t, "A group", a, 201)
	w.group = decodeAs[groupResponse](t, a)
	expectWritten(t, "A assigns", ts.send(t, &w.a, "PUT", "/api/v1/customers/"+w.cust.ID.String()+"/group",
		`{"group_id":"`+w.group.ID.String()+`"}`), 200)
	a = ts.send(t, &w.a, "POST", "/api/v1/staff/invitations", `{"name":"`+n("Alpha Staffer Quill")+`","email":"`+w.aStaffEmail+`","can_share":true}`)
	expectWritten(t, "A invites staff", a, 201)
	inv := decodeAs[userInvitationResponse](t, a)
	w.staffInvitationToken = isoToken(inv.InvitationURL)
	a = ts.send(t, nil, "POST", "/api/v1/invitations/"+w.staffInvitationToken+"/accept", `{"password":"correct horse battery"}`)
	expectWritten(t, "A staff accepts", a, 201)
	acc := decodeAs[acceptInvitationResponse](t, a)
	w.aStaff = account{CompanyID: acc.CompanyID, UserID: acc.UserID, Token: acc.Token}
	expectWritten(t, "A staff access", ts.send(t, &w.a, "PUT", "/api/v1/groups/"+w.group.ID.String()+"/members/"+w.aStaff.UserID.String(),
		`{"access":"write"}`), 200)
	a = ts.send(t, &w.a, "POST", "/api/v1/customers/invitations",
		`{"company_name":"`+n("Alpha Pending Prospect")+`","contact_name":"`+n("Pending Contact Perrin")+`","email":"`+m("perrin", "alpha-prospect.test")+`","group_id":"`+w.group.ID.String()+`"}`)
	expectWritten(t, "A invites a customer", a, 201)
	w.invited = decodeAs[customerResponse](t, a)

	// A: library, share, link.
	w.folder = ts.folder(t, w.a, `{"name":"`+n("Alpha Ledger Folder")+`"}`)
	w.wsFolder = ts.folder(t, w.a, `{"name":"`+n("Alpha Workspace Drawer")+`","customer_id":"`+w.cust.ID.String()+`"}`)
	w.doc = ts.document(t, w.a, w.folder.ID, f("alpha-ledger-secret", ".pdf"), isoDocV1)
	expectWritten(t, "A version 2", ts.upload(t, &w.a, "/api/v1/documents/"+w.doc.ID.String()+"/versions", nil, "v2.pdf", isoDocV2), 201)
	a = ts.send(t, &w.a, "POST", "/api/v1/shares", `{"customer_id":"`+w.cust.ID.String()+`","document_id":"`+w.doc.ID.String()+`","permission":"view"}`)
	expectWritten(t, "A shares", a, 201)
	w.share = decodeAs[shareResponse](t, a)
	a = ts.send(t, &w.a, "POST", "/api/v1/documents/"+w.doc.ID.String()+"/links", `{}`)
	expectWritten(t, "A links", a, 201)
	w.link = decodeAs[linkResponse](t, a)
	w.linkToken = isoToken(w.link.URL)
	a = ts.send(t, &w.a, "POST", "/api/v1/customers/"+w.cust.ID.String()+"/requests", `{"title":"Alpha statements"}`)
	expectWritten(t, "A asks its customer", a, 201)
	w.request = decodeAs[requestResponse](t, a)

	// C, A's customer, uploads into A's workspace.
	expectWritten(t, "A master access", ts.send(t, &w.a, "PUT", "/api/v1/customers/"+w.cust.ID.String()+"/master-access", `{"enabled":true}`), 200)
	portal := "/api/v1/portal/providers/" + w.a.CompanyID.String()
	a = ts.send(t, &w.c, "POST", portal+"/folders", `{"name":"`+n("Charlie Receipts For Alpha")+`"}`)
	expectWritten(t, "C portal folder", a, 201)
	w.portalFolder = decodeAs[folderResponse](t, a)
	a = ts.upload(t, &w.c, portal+"/documents", map[string]string{"folder_id": w.portalFolder.ID.String()}, f("charlie-receipts-for-alpha", ".txt"), isoUpV1)
	expectWritten(t, "C uploads", a, 201)
	w.custDoc = decodeAs[documentResponse](t, a)

	// B: a member who may share and write, a customer (C, too), its own library.
	a = ts.send(t, &w.b, "POST", "/api/v1/groups", `{"name":"`+n("BravoGroup")+`"}`)
	expectWritten(t, "B group", a, 201)
	w.bGroup = decodeAs[groupResponse](t, a)
	w.bMember = ts.invitedStaff(t, w.b, `{"name":"`+n("Bravo Member")+`","email":"`+m("member", "bravo-intruder.test")+`","can_share":true}`)
	expectWritten(t, "B member access", ts.send(t, &w.b, "PUT", "/api/v1/groups/"+w.bGroup.ID.String()+"/members/"+w.bMember.UserID.String(),
		`{"access":"write"}`), 200)
	w.bCust = ts.connect(t, w.b, w.c)
	expectWritten(t, "B assigns", ts.send(t, &w.b, "PUT", "/api/v1/customers/"+w.bCust.ID.String()+"/group",
		`{"group_id":"`+w.bGroup.ID.String()+`"}`), 200)
	w.bFolder = ts.folder(t, w.b, `{"name":"`+n("Bravo Folder")+`"}`)
	w.bDoc = ts.document(t, w.b, w.bFolder.ID, "bravo.txt", "bravo's own")

	// Portal users.
	w.d = ts.signupCompany(t, n("Delta Other Customer"))
	w.dCust = ts.connect(t, w.a, w.d)
	w.pSame = ts.portalUser(t, w.a, w.cust.ID, n("Petra Same"), m("petra", "charlie-client.test"))
	w.pOther = ts.portalUser(t, w.a, w.dCust.ID, n("Otto Other"), m("otto", "delta-other.test"))
	w.pForeign = ts.portalUser(t, w.b, w.bCust.ID, n("Fritz Foreign"), m("fritz", "charlie-client.test"))

	w.secrets = map[string]string{
		"A company id":              w.a.CompanyID.String(),
		"A company name":            n("Alpha Secretive Holdings"),
		"A admin id":                w.a.UserID.String(),
		"A admin token":             w.a.Token,
		"A admin name":              "Admin of " + n("Alpha Secretive Holdings"),
		"A staff id":                w.aStaff.UserID.String(),
		"A staff token":             w.aStaff.Token,
		"A staff name":              n("Alpha Staffer Quill"),
		"A staff email":             w.aStaffEmail,
		"A staff invitation token":  w.staffInvitationToken,
		"A customer id":             w.cust.ID.String(),
		"A workspace folder id":     w.cust.WorkspaceFolderID.String(),
		"A invited customer id":     w.invited.ID.String(),
		"A invited company id":      w.invited.CompanyID.String(),
		"A invited company name":    n("Alpha Pending Prospect"),
		"A invited contact":         n("Pending Contact Perrin"),
		"A invited email":           m("perrin", "alpha-prospect.test"),
		"A invitation token":        isoToken(w.invited.InvitationURL),
		"A invited workspace":       w.invited.WorkspaceFolderID.String(),
		"A group id":                w.group.ID.String(),
		"A group name":              n("AlphaVaultGroup"),
		"A group code":              w.group.Code,
		"A folder id":               w.folder.ID.String(),
		"A folder name":             n("Alpha Ledger Folder"),
		"A workspace sub id":        w.wsFolder.ID.String(),
		"A workspace sub name":      n("Alpha Workspace Drawer"),
		"A portal folder id":        w.portalFolder.ID.String(),
		"A portal folder name":      n("Charlie Receipts For Alpha"),
		"A document id":             w.doc.ID.String(),
		"A document name":           f("alpha-ledger-secret", ""),
		"A document v1":             isoDocV1,
		"A document v2":             isoDocV2,
		"A document v1 sha256":      hexSHA(isoDocV1),
		"A document v2 sha256":      hexSHA(isoDocV2),
		"A customer upload id":      w.custDoc.ID.String(),
		"A customer upload name":    f("charlie-receipts-for-alpha", ""),
		"A customer upload content": isoUpV1,
		"A customer upload sha256":  hexSHA(isoUpV1),
		"A share id":                w.share.ID.String(),
		"A link id":                 w.link.ID.String(),
		"A link token":              w.linkToken,
	}
	return w
}

// isoProbe is one call of the matrix, made as B's admin and as B's member.
type isoProbe struct {
	name   string
	path   string            // A's ids substituted (with a query, when the route takes one)
	body   string            // JSON body
	fields map[string]string // multipart upload with these fields (and a file) when non-nil
	// admin and member are the statuses each may get (default 404; 403 or 404).
	admin, member []int
	// mayShow names secrets the answer may carry by design (the directory lists
	// every company by name).
	mayShow []string
	// oracle says why the answer may differ from that for ids nobody has ("": it
	// may not).
	oracle string
	// control, when set, is an account of A's side for which the same GET answers
	// 200: the probe's ids and path are right.
	control *account
}

var (
	isoNotFound    = []int{404}
	isoNotFoundOr  = []int{403, 404}
	isoOwnList     = []int{200, 404}
	isoOwnListOr   = []int{200, 403, 404}
	isoRefusedAuth = []int{403}
)

func isoReq(name, path, body string) isoProbe { return isoProbe{name: name, path: path, body: body} }

func isoUpload(name, path string, fields map[string]string) isoProbe {
	if fields == nil {
		fields = map[string]string{}
	}
	return isoProbe{name: name, path: path, fields: fields}
}

func (p isoProbe) statuses(admin, member []int) isoProbe {
	p.admin, p.member = admin, member
	return p
}

func (p isoProbe) knowable(why string) isoProbe {
	p.oracle = why
	return p
}

func (p isoProbe) controlledBy(who account) isoProbe {
	p.control = &who
	return p
}

// isolationRoutes lists, for every route of the router ("METHOD pattern"), the
// probes B makes with A's ids. A route missing here fails TestIsolationMatrix.
func isolationRoutes(w *isoWorld) map[string][]isoProbe {
	id := func(u uuid.UUID) string { return u.String() }
	cust, doc, folder := "/api/v1/customers/"+id(w.cust.ID), "/api/v1/documents/"+id(w.doc.ID), "/api/v1/folders/"+id(w.folder.ID)
	custDoc := "/api/v1/documents/" + id(w.custDoc.ID)
	portal := "/api/v1/portal/providers/" + id(w.a.CompanyID)
	groupMember := func(g, u uuid.UUID) string { return "/api/v1/groups/" + id(g) + "/members/" + id(u) }
	share := func(c uuid.UUID, target string, t uuid.UUID) string {
		return `{"customer_id":"` + id(c) + `","` + target + `":"` + id(t) + `","permission":"view"}`
	}
	bulk := func(c uuid.UUID, target string, t uuid.UUID) string {
		return `{"customer_ids":["` + id(c) + `"],"` + target + `":["` + id(t) + `"],"permission":"view"}`
	}
	customerCommands := func(verb string) []isoProbe {
		return []isoProbe{
			isoReq("A's customer", cust+"/"+verb, ""),
			isoReq("A's invited customer", "/api/v1/customers/"+id(w.invited.ID)+"/"+verb, ""),
		}
	}
	return map[string][]isoProbe{
		// Public: the bearer is ignored; A's tokens are tried where one is taken.
		"POST /api/v1/sessions": {isoReq("A's staff email, a guessed password", "/api/v1/sessions",
			`{"email":"`+w.aStaffEmail+`","password":"wrong horse battery"}`).statuses([]int{401}, []int{401})},
		"POST /api/v1/invitations/{token}/accept": {
			isoReq("A's used staff invitation", "/api/v1/invitations/"+w.staffInvitationToken+"/accept", `{"password":"correct horse battery"}`).
				statuses([]int{404, 410}, []int{404, 410}).
				knowable("API.md: a used invitation is 410 to whoever holds its token"),
			isoReq("A's group code as a token", "/api/v1/invitations/"+w.group.Code+"/accept", `{"password":"correct horse battery"}`),
			isoReq("A's link token as a token", "/api/v1/invitations/"+w.linkToken+"/accept", `{"password":"correct horse battery"}`),
			isoReq("A's customer id as a token", "/api/v1/invitations/"+id(w.invited.ID)+"/accept", `{"password":"correct horse battery"}`),
		},
		"POST /api/v1/register": {
			isoReq("A's group id as a code", "/api/v1/register",
				`{"group_code":"`+id(w.group.ID)+`","company_name":"Bravo Again","name":"B","email":"again@bravo-intruder.test","password":"correct horse battery"}`).
				statuses([]int{400, 404}, []int{400, 404}),
			isoReq("A's link token as a code", "/api/v1/register",
				`{"group_code":"`+w.linkToken+`","company_name":"Bravo Again","name":"B","email":"again@bravo-intruder.test","password":"correct horse battery"}`).
				statuses([]int{400, 404}, []int{400, 404}),
		},
		"GET /l/{token}": {
			isoReq("A's link id as a token", "/l/"+id(w.link.ID), ""),
			isoReq("A's share id as a token", "/l/"+id(w.share.ID), ""),
			isoReq("A's document id as a token", "/l/"+id(w.doc.ID), ""),
		},
		"GET /l/{token}/content": {
			isoReq("A's link id as a token", "/l/"+id(w.link.ID)+"/content", ""),
			isoReq("A's document id as a token", "/l/"+id(w.doc.ID)+"/content", ""),
		},
		"GET /l/{token}/documents/{document_id}/content": {
			isoReq("A's link id as a token", "/l/"+id(w.link.ID)+"/documents/"+id(w.doc.ID)+"/content", ""),
			isoReq("A's document link's token", "/l/"+w.linkToken+"/documents/"+id(w.doc.ID)+"/content", ""),
		},

		// Provider side: customers, settings, groups, staff.
		"POST /api/v1/customers": {
			isoReq("into A's group", "/api/v1/customers", `{"company_id":"`+id(w.c.CompanyID)+`","group_id":"`+id(w.group.ID)+`"}`),
			isoReq("A's customer id as a company", "/api/v1/customers", `{"company_id":"`+id(w.cust.ID)+`"}`),
			isoReq("A's invited company (not yet active)", "/api/v1/customers", `{"company_id":"`+id(w.invited.CompanyID)+`"}`).
				statuses([]int{404, 409}, []int{403, 404, 409}),
		},
		"POST /api/v1/customers/invitations": {isoReq("into A's group", "/api/v1/customers/invitations",
			`{"company_name":"Bravo Prospect","contact_name":"P","email":"p@bravo-prospect.test","group_id":"`+id(w.group.ID)+`"}`)},
		"POST /api/v1/customers/{id}/pause":  customerCommands("pause"),
		"POST /api/v1/customers/{id}/resume": customerCommands("resume"),
		"POST /api/v1/customers/{id}/revoke": customerCommands("revoke"),
		"PUT /api/v1/customers/{id}/master-access": {
			isoReq("A's customer", cust+"/master-access", `{"enabled":false}`),
		},
		"PUT /api/v1/customers/{id}/portal-settings": {
			isoReq("A's customer", cust+"/portal-settings", `{"documents_enabled":false}`),
		},
		"PUT /api/v1/customers/{id}/group": {
			isoReq("A's customer into B's group", cust+"/group", `{"group_id":"`+id(w.bGroup.ID)+`"}`),
			isoReq("A's customer into A's group", cust+"/group", `{"group_id":"`+id(w.group.ID)+`"}`),
			isoReq("B's customer into A's group", "/api/v1/customers/"+id(w.bCust.ID)+"/group", `{"group_id":"`+id(w.group.ID)+`"}`),
		},
		"POST /api/v1/customers/{id}/users/invitations": {
			isoReq("A's customer", cust+"/users/invitations", `{"name":"Mole","email":"mole@bravo-intruder.test"}`),
		},
		"PUT /api/v1/groups/{id}/members/{user_id}": {
			isoReq("A's group, A's staff", groupMember(w.group.ID, w.aStaff.UserID), `{"access":"write"}`),
			isoReq("A's group, B's member", groupMember(w.group.ID, w.bMember.UserID), `{"access":"write"}`),
			isoReq("B's group, A's staff", groupMember(w.bGroup.ID, w.aStaff.UserID), `{"access":"write"}`),
		},
		"PATCH /api/v1/groups/{id}": {
			isoReq("A's group: rename", "/api/v1/groups/"+id(w.group.ID), `{"name":"Taken Over"}`),
			isoReq("A's group: close self-registration", "/api/v1/groups/"+id(w.group.ID), `{"self_registration":false}`),
		},
		"POST /api/v1/groups/{id}/code": {
			isoReq("A's group", "/api/v1/groups/"+id(w.group.ID)+"/code", ""),
		},
		"DELETE /api/v1/groups/{id}/members/{user_id}": {
			isoReq("A's group, A's staff", groupMember(w.group.ID, w.aStaff.UserID), ""),
			isoReq("B's group, A's staff", groupMember(w.bGroup.ID, w.aStaff.UserID), ""),
		},
		// Accounts (issue 16).
		"DELETE /api/v1/me/sessions/{id}": {
			isoReq("A's admin id as a session", "/api/v1/me/sessions/"+id(w.a.UserID), ""),
		},
		"POST /api/v1/password-resets/{token}": {
			isoReq("A's used staff invitation as a reset", "/api/v1/password-resets/"+w.staffInvitationToken, `{"password":"correct horse battery"}`),
			isoReq("A's link token as a reset", "/api/v1/password-resets/"+w.linkToken, `{"password":"correct horse battery"}`),
		},
		"POST /api/v1/email-verifications/{token}": {
			isoReq("A's used staff invitation as a verification", "/api/v1/email-verifications/"+w.staffInvitationToken, ""),
		},
		"POST /api/v1/staff/{user_id}/deactivate": {
			isoReq("A's staff", "/api/v1/staff/"+id(w.aStaff.UserID)+"/deactivate", ""),
			isoReq("A's admin", "/api/v1/staff/"+id(w.a.UserID)+"/deactivate", ""),
		},
		"POST /api/v1/staff/{user_id}/reactivate": {
			isoReq("A's staff", "/api/v1/staff/"+id(w.aStaff.UserID)+"/reactivate", ""),
		},
		"POST /api/v1/customers/{id}/users/{user_id}/deactivate": {
			isoReq("A's customer's portal user", cust+"/users/"+id(w.pSame.UserID)+"/deactivate", ""),
		},
		"POST /api/v1/customers/{id}/users/{user_id}/reactivate": {
			isoReq("A's customer's portal user", cust+"/users/"+id(w.pSame.UserID)+"/reactivate", ""),
		},
		"POST /api/v1/customers/{id}/invitation/resend": {
			isoReq("A's invited customer", "/api/v1/customers/"+id(w.invited.ID)+"/invitation/resend", ""),
		},
		"POST /api/v1/customers/{id}/users/{user_id}/invitation/resend": {
			isoReq("A's customer's portal user", cust+"/users/"+id(w.pSame.UserID)+"/invitation/resend", ""),
		},
		"PATCH /api/v1/staff/{user_id}": {
			isoReq("A's staff", "/api/v1/staff/"+id(w.aStaff.UserID), `{"admin":true}`),
			isoReq("A's admin", "/api/v1/staff/"+id(w.a.UserID), `{"can_share":false}`),
		},

		// Provider side: library, shares, links.
		"POST /api/v1/folders": {
			isoReq("under A's folder", "/api/v1/folders", `{"name":"Mole","parent_id":"`+id(w.folder.ID)+`"}`),
			isoReq("in A's customer's workspace", "/api/v1/folders", `{"name":"Mole","customer_id":"`+id(w.cust.ID)+`"}`),
			isoReq("under A's workspace folder", "/api/v1/folders", `{"name":"Mole","parent_id":"`+id(w.cust.WorkspaceFolderID)+`"}`),
		},
		"PUT /api/v1/documents/{id}/versions/{n}/visibility": {
			isoReq("A's document", doc+"/versions/1/visibility", `{"visible":false}`),
			isoReq("A's customer's upload", custDoc+"/versions/1/visibility", `{"visible":false}`),
		},
		"DELETE /api/v1/documents/{id}": {
			isoReq("A's document", doc, ""),
			isoReq("A's customer's upload", custDoc, ""),
		},
		"POST /api/v1/shares": {
			isoReq("A's document to A's customer", "/api/v1/shares", share(w.cust.ID, "document_id", w.doc.ID)),
			isoReq("A's document to B's customer", "/api/v1/shares", share(w.bCust.ID, "document_id", w.doc.ID)),
			isoReq("A's folder to B's customer", "/api/v1/shares", share(w.bCust.ID, "folder_id", w.folder.ID)),
			isoReq("A's workspace to B's customer", "/api/v1/shares", share(w.bCust.ID, "folder_id", w.cust.WorkspaceFolderID)),
			isoReq("B's document to A's customer", "/api/v1/shares", share(w.cust.ID, "document_id", w.bDoc.ID)),
		},
		"POST /api/v1/shares/bulk": {
			isoReq("A's document to A's customer", "/api/v1/shares/bulk", bulk(w.cust.ID, "document_ids", w.doc.ID)),
			isoReq("A's document to B's customer", "/api/v1/shares/bulk", bulk(w.bCust.ID, "document_ids", w.doc.ID)),
			isoReq("A's folder to B's customer", "/api/v1/shares/bulk", bulk(w.bCust.ID, "folder_ids", w.folder.ID)),
			isoReq("A's workspace to B's customer", "/api/v1/shares/bulk", bulk(w.bCust.ID, "folder_ids", w.cust.WorkspaceFolderID)),
			isoReq("B's document to A's customer", "/api/v1/shares/bulk", bulk(w.cust.ID, "document_ids", w.bDoc.ID)),
		},
		"GET /api/v1/documents/{id}/access": {
			isoReq("A's document", doc+"/access", "").controlledBy(w.a),
			isoReq("A's customer's upload", custDoc+"/access", "").controlledBy(w.a),
		},
		"GET /api/v1/folders": {
			isoReq("below A's folder", "/api/v1/folders?parent_id="+id(w.folder.ID), "").statuses(isoOwnList, isoOwnListOr),
			isoReq("below A's workspace", "/api/v1/folders?parent_id="+id(w.cust.WorkspaceFolderID), "").statuses(isoOwnList, isoOwnListOr),
			isoReq("the top (B's own)", "/api/v1/folders", "").statuses(isoOwnList, isoOwnListOr),
		},
		"PATCH /api/v1/shares/{id}":       {isoReq("A's share", "/api/v1/shares/"+id(w.share.ID), `{"permission":"edit"}`)},
		"POST /api/v1/shares/{id}/cancel": {isoReq("A's share", "/api/v1/shares/"+id(w.share.ID)+"/cancel", "")},
		"POST /api/v1/documents/{id}/links": {
			isoReq("A's document", doc+"/links", `{}`),
			isoReq("A's customer's upload", custDoc+"/links", `{}`),
		},
		"POST /api/v1/links/{id}/cancel": {isoReq("A's link", "/api/v1/links/"+id(w.link.ID)+"/cancel", "")},
		"GET /api/v1/links/{id}":         {isoReq("A's link, its url", "/api/v1/links/"+id(w.link.ID), "")},
		"PATCH /api/v1/links/{id}":       {isoReq("A's link", "/api/v1/links/"+id(w.link.ID), `{"expires_at":null,"password":null}`)},
		"POST /api/v1/folders/{id}/links": {
			isoReq("A's folder", folder+"/links", `{}`),
			isoReq("A's workspace", "/api/v1/folders/"+id(w.cust.WorkspaceFolderID)+"/links", `{}`),
		},

		// Portal side: B is nobody's customer.
		"POST /api/v1/portal/providers/{provider_id}/folders": {
			isoReq("provider A", portal+"/folders", `{"name":"Mole"}`),
			isoReq("provider A, A's folder", portal+"/folders", `{"name":"Mole","parent_id":"`+id(w.portalFolder.ID)+`"}`),
		},
		"DELETE /api/v1/portal/documents/{id}": {
			isoReq("A's customer's upload", "/api/v1/portal/documents/"+id(w.custDoc.ID), ""),
			isoReq("A's document", "/api/v1/portal/documents/"+id(w.doc.ID), ""),
		},
		"POST /api/v1/portal/providers/{provider_id}/leave": {
			isoReq("provider A", portal+"/leave", ""),
			isoReq("A's customer company as a provider", "/api/v1/portal/providers/"+id(w.c.CompanyID)+"/leave", ""),
		},

		// Reads: lists answer B's own rows only; A's resources are 404.
		"GET /api/v1/directory": {isoReq("search for A", "/api/v1/directory?q=Alpha", "").
			statuses(isoOwnList, isoOwnListOr).with("A company id", "A company name")},
		"GET /api/v1/customers": {
			isoReq("A's group", "/api/v1/customers?group_id="+id(w.group.ID), "").statuses(isoOwnList, isoOwnListOr),
			isoReq("A's invitee by name", "/api/v1/customers?q=Pending", "").statuses(isoOwnList, isoOwnListOr),
			isoReq("everything", "/api/v1/customers?limit=500", "").statuses(isoOwnList, isoOwnListOr),
		},
		"GET /api/v1/customers/{id}": {
			isoReq("A's customer", cust, "").controlledBy(w.a),
			isoReq("A's invited customer", "/api/v1/customers/"+id(w.invited.ID), "").controlledBy(w.a),
		},
		"GET /api/v1/customers/{id}/portal-view": {isoReq("A's customer", cust+"/portal-view", "").controlledBy(w.a)},
		"GET /api/v1/customers/{id}/users": {
			isoReq("A's customer's portal users", cust+"/users", "").controlledBy(w.a),
			isoReq("A's invited customer's users", "/api/v1/customers/"+id(w.invited.ID)+"/users", "").controlledBy(w.a),
		},
		"GET /api/v1/groups": {isoReq("all groups", "/api/v1/groups", "").statuses(isoOwnList, isoOwnListOr)},
		"GET /api/v1/staff":  {isoReq("A's staff by name", "/api/v1/staff?q=Quill", "").statuses(isoOwnList, isoOwnListOr)},
		"GET /api/v1/folders/{id}": {
			isoReq("A's folder", folder, "").controlledBy(w.a),
			isoReq("A's workspace", "/api/v1/folders/"+id(w.cust.WorkspaceFolderID), "").controlledBy(w.a),
			isoReq("A's customer's portal folder", "/api/v1/folders/"+id(w.portalFolder.ID), "").controlledBy(w.a),
		},
		"GET /api/v1/documents": {
			isoReq("in A's folder", "/api/v1/documents?folder_id="+id(w.folder.ID), "").statuses(isoOwnList, isoOwnListOr),
			isoReq("of A's customer", "/api/v1/documents?customer_id="+id(w.cust.ID), "").statuses(isoOwnList, isoOwnListOr),
			isoReq("by A's name", "/api/v1/documents?q=alpha", "").statuses(isoOwnList, isoOwnListOr),
		},
		"GET /api/v1/documents/{id}": {
			isoReq("A's document", doc, "").controlledBy(w.a),
			isoReq("A's customer's upload", custDoc, "").controlledBy(w.a),
		},
		"GET /api/v1/documents/{id}/content": {
			isoReq("A's document", doc+"/content", "").controlledBy(w.a),
			isoReq("A's document, version 1", doc+"/content?version=1", "").controlledBy(w.a),
			isoReq("A's customer's upload", custDoc+"/content", "").controlledBy(w.a),
		},
		"GET /api/v1/shares": {
			isoReq("of A's customer", "/api/v1/shares?customer_id="+id(w.cust.ID), "").statuses(isoOwnList, isoOwnListOr),
			isoReq("of A's document", "/api/v1/shares?document_id="+id(w.doc.ID), "").statuses(isoOwnList, isoOwnListOr),
		},
		"GET /api/v1/documents/{id}/share-history": {isoReq("A's document", doc+"/share-history", "").controlledBy(w.a)},
		"GET /api/v1/portal/providers":             {isoReq("B's providers", "/api/v1/portal/providers", "").statuses(isoOwnList, isoOwnListOr)},
		"GET /api/v1/portal/providers/{provider_id}/documents": {
			isoReq("provider A", portal+"/documents", "").controlledBy(w.c),
			isoReq("provider A, flat", portal+"/documents?flat=true", "").controlledBy(w.c),
			isoReq("provider A, A's folder", portal+"/documents?folder_id="+id(w.portalFolder.ID), "").controlledBy(w.c),
		},
		"GET /api/v1/portal/documents/{id}/content": {
			isoReq("A's shared document", "/api/v1/portal/documents/"+id(w.doc.ID)+"/content", "").controlledBy(w.c),
			isoReq("A's customer's upload", "/api/v1/portal/documents/"+id(w.custDoc.ID)+"/content", "").controlledBy(w.c),
		},

		// Uploads.
		"POST /api/v1/documents": {
			isoUpload("into A's folder", "/api/v1/documents", map[string]string{"folder_id": id(w.folder.ID)}),
			isoUpload("into A's workspace", "/api/v1/documents", map[string]string{"folder_id": id(w.cust.WorkspaceFolderID)}),
		},
		"POST /api/v1/documents/{id}/versions": {
			isoUpload("A's document", doc+"/versions", nil),
			isoUpload("A's customer's upload", custDoc+"/versions", nil),
		},
		// Document requests (issue 17).
		"POST /api/v1/customers/{id}/requests":                {isoReq("A's customer", cust+"/requests", `{"title":"Mole"}`)},
		"POST /api/v1/requests/{id}/cancel":                   {isoReq("A's request", "/api/v1/requests/"+id(w.request.ID)+"/cancel", "")},
		"GET /api/v1/requests":                                {isoReq("A's customer", "/api/v1/requests?customer_id="+id(w.cust.ID), "")},
		"GET /api/v1/portal/providers/{provider_id}/requests": {isoReq("provider A", portal+"/requests", "")},
		"POST /api/v1/portal/requests/{id}/documents":         {isoUpload("A's request", "/api/v1/portal/requests/"+id(w.request.ID)+"/documents", nil)},
		"POST /api/v1/portal/providers/{provider_id}/documents": {
			isoUpload("provider A", portal+"/documents", nil),
			isoUpload("provider A, A's folder", portal+"/documents", map[string]string{"folder_id": id(w.portalFolder.ID)}),
		},

		// Audit (admins and auditors of the provider; a member is refused).
		"GET /api/v1/audit/events": {
			isoReq("B's log", "/api/v1/audit/events?limit=500", "").statuses([]int{200}, isoRefusedAuth),
			isoReq("A's streams by name", "/api/v1/audit/events?stream=document-"+id(w.doc.ID), "").statuses([]int{200}, isoRefusedAuth),
		},
		"GET /api/v1/audit/verify": {isoReq("B's chains", "/api/v1/audit/verify", "").statuses([]int{200}, isoRefusedAuth)},
		"GET /api/v1/audit/customers/{id}/portal-view": {
			isoReq("A's customer", "/api/v1/audit/customers/"+id(w.cust.ID)+"/portal-view", "").controlledBy(w.a),
		},
		"GET /api/v1/audit/documents/{id}/access": {
			isoReq("A's document", "/api/v1/audit/documents/"+id(w.doc.ID)+"/access", "").controlledBy(w.a),
		},
	}
}

func (p isoProbe) with(secrets ...string) isoProbe {
	p.mayShow = append(p.mayShow, secrets...)
	return p
}

// isolationExempt are the routes without a foreign id to pass, each with why.
var isolationExempt = map[string]string{
	"GET /":                              "redirects to /app/; takes no id",
	"GET /app/*":                         "the web console: TestConsoleIsolationMatrix probes each of its routes",
	"POST /app/*":                        "the web console: TestConsoleIsolationMatrix probes each of its routes",
	"GET /invitations/*":                 "redirects a mailed link to the console's form; reads nothing",
	"GET /password-resets/*":             "redirects a mailed link to the console's form; reads nothing",
	"GET /healthz":                       "operations: no tenant data",
	"GET /readyz":                        "operations: no tenant data",
	"GET /api/v1/openapi.yaml":           "the public contract",
	"POST /api/v1/signup":                "creates a new company; takes no id",
	"DELETE /api/v1/sessions/current":    "ends the caller's own session; takes no id",
	"PUT /api/v1/settings/portal":        "sets the caller's own company default; takes no id",
	"GET /api/v1/me":                     "the caller's own account; takes no id",
	"POST /api/v1/me/password":           "the caller's own password; takes no id",
	"GET /api/v1/me/sessions":            "the caller's own sessions; takes no id",
	"DELETE /api/v1/me/sessions":         "ends the caller's own sessions; takes no id",
	"POST /api/v1/me/email-verification": "the caller's own address; takes no id",
	"GET /api/v1/me/notifications":       "the caller's own preference; takes no id",
	"PUT /api/v1/me/notifications":       "the caller's own preference; takes no id",
	"POST /api/v1/password-resets":       "202 for any address, after the same work (TestPasswordResetAnswersAlikeWhateverTheAddress); takes no id",
	"POST /api/v1/groups":                "creates a group in the caller's company; takes no id",
	"POST /api/v1/staff/invitations":     "invites into the caller's company; takes no id (A's staff email: TestIsolationPublicTokens)",
	"GET /docs":                          "the API reference page: no tenant data",
	"GET /docs/{file}":                   "the API reference's static assets: no tenant data",
	"POST /l/{token}":                    "the link page's form: the token is the only credential, as GET /l/{token} (TestLinkPageFormPasswordIsThrottledAndRecorded)",
	"GET /api/v1/portal/providers/{provider_id}/folders/{id}/archive": "the portal view decides, as the listing (TestPortalArchiveRefusesWhatThePortalDoesNotShow: other customer's, unshared, unknown, wrong provider, paused: 404)",
}

// isoPortalExempt are the exempt routes (no id) that a portal user may not use,
// with a body each: they must answer 404 like every provider-side route.
var isoPortalExempt = map[string]string{
	"PUT /api/v1/settings/portal":    `{"documents_enabled_default":false}`,
	"POST /api/v1/groups":            `{"name":"Moles"}`,
	"POST /api/v1/staff/invitations": `{"name":"Mole","email":"mole@portal-mole.test","admin":true}`,
}

// isoCaller is one caller of the matrix with what it may get. allowed nil: any
// answer but a 5xx (A's portal user of C reading A's portal: it is C).
type isoCaller struct {
	name    string
	who     *account
	allowed []int
	mayShow []string
}

// portalCallers are the world's portal users, none of which is C's user of A's
// portal except the last.
func (w *isoWorld) portalCallers() []isoCaller {
	return []isoCaller{
		{name: "A's portal user of another customer (D)", who: &w.pOther},
		{name: "B's portal user of C", who: &w.pForeign},
		{name: "A's portal user of C", who: &w.pSame},
	}
}

// isoPublicRoutes take no session (the bearer is ignored).
var isoPublicRoutes = []string{"POST /api/v1/sessions", "POST /api/v1/invitations/{token}/accept", "POST /api/v1/register",
	"GET /l/{token}", "GET /l/{token}/content", "GET /l/{token}/documents/{document_id}/content",
	"POST /api/v1/password-resets/{token}", "POST /api/v1/email-verifications/{token}"}

// isoCallers are the callers of one probe: B's admin and member, and the portal
// users. A portal user is refused every provider-side route exactly like an
// unknown id (404); on portal routes, D's user sees its own (empty) view of A and
// 404 for C's items, B's user of C sees nothing of A's portal, and A's user of C
// is C.
func (w *isoWorld) isoCallers(route string, p isoProbe) []isoCaller {
	or := func(statuses, def []int) []int {
		if statuses == nil {
			return def
		}
		return statuses
	}
	out := []isoCaller{
		{name: "B's admin", who: &w.b, allowed: or(p.admin, isoNotFound)},
		{name: "B's member", who: &w.bMember, allowed: or(p.member, isoNotFoundOr)},
	}
	if slices.Contains(isoPublicRoutes, route) {
		// The bearer is ignored; B's calls cover them (and more guesses of A's
		// staff password would only get the address throttled).
		return out
	}
	for _, c := range w.portalCallers() {
		switch {
		case !strings.Contains(route, " /api/v1/portal/"):
			c.allowed = isoNotFound
		case c.who == &w.pSame:
			// C's own portal: its reads are checked by the controls; its writes
			// would change what the matrix probes.
			if !strings.HasPrefix(route, "GET ") {
				continue
			}
		default:
			// Their own providers' lists answer; A's items are 404. D is A's
			// customer too: its portal of A answers (empty), and names A.
			c.allowed = []int{200, 404}
			if c.who == &w.pOther {
				c.mayShow = []string{"A company id", "A company name"}
			}
		}
		out = append(out, c)
	}
	return out
}

// ghost is the probe with every id of A replaced by an id nobody has (the same
// one for each occurrence), and A's tokens by unknown ones of the same shape.
func (w *isoWorld) ghost(p isoProbe) isoProbe {
	var pairs []string
	for what, v := range w.secrets {
		if _, err := uuid.Parse(v); err == nil && len(v) == 36 {
			pairs = append(pairs, v, uuid.NewString())
		} else if strings.HasSuffix(what, "token") {
			pairs = append(pairs, v, strings.Repeat("x", len(v)))
		}
	}
	pairs = append(pairs, w.group.Code, "Nobody-0000")
	r := strings.NewReplacer(pairs...)
	g := p
	g.path, g.body = r.Replace(p.path), r.Replace(p.body)
	if p.fields != nil {
		g.fields = map[string]string{}
		for k, v := range p.fields {
			g.fields[k] = r.Replace(v)
		}
	}
	return g
}

// isoCall issues a probe as who, waiting for minPos on reads.
func (ts *testServer) isoCall(t *testing.T, who *account, method string, p isoProbe, minPos int64) answer {
	t.Helper()
	h := http.Header{}
	if who != nil {
		h = who.bearer()
	}
	h.Set("X-Min-Position", strconv.FormatInt(minPos, 10))
	body := p.body
	switch {
	case p.fields != nil:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range p.fields {
			if err := mw.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
		fw, err := mw.CreateFormFile("file", "mole.txt")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write([]byte("bravo was here"))
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		h.Set("Content-Type", mw.FormDataContentType())
		body = buf.String()
	case body != "":
		h.Set("Content-Type", "application/json")
	}
	return ts.do(t, ts.client, method, p.path, h, body)
}

// leaks names the secrets an answer carries (body or headers), except allowed.
func (w *isoWorld) leaks(a answer, allowed []string) []string {
	var headers strings.Builder
	for k, vs := range a.header {
		headers.WriteString(k + ": " + strings.Join(vs, ", ") + "\n")
	}
	var out []string
	for what, v := range w.secrets {
		if slices.Contains(allowed, what) {
			continue
		}
		if strings.Contains(a.body, v) || strings.Contains(headers.String(), v) {
			out = append(out, what)
		}
	}
	sort.Strings(out)
	return out
}

// TestIsolationMatrix calls every route of the router as another company's admin
// and member with A's ids: 404 (or 403 for rights the caller lacks, or the
// caller's own empty lists), nothing of A in the answer, nothing appended. It
// calls them as portal users too (isoCallers): of another customer of A, of B for
// the same company C, and of A for C, which is refused every provider-side route
// exactly like an unknown id and uses A's portal as C does.
func TestIsolationMatrix(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w := newIsoWorld(t, ts)
	pos := ts.lastPosition(t)
	// The read models know everyone before the matrix starts.
	expect(t, "B's member resolved", ts.readAt(t, &w.bMember, "/api/v1/groups", pos), 200, "")

	table := isolationRoutes(w)
	mux := ts.Router().(*chi.Mux)
	var routes []string
	if err := chi.Walk(ts.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, method+" "+stripRegexps(route))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(routes)
	var controls []func()
	for _, route := range routes {
		if _, ok := isolationExempt[route]; ok {
			continue
		}
		probes, ok := table[route]
		if !ok {
			t.Errorf("%s has no entry in the isolation matrix (isolationRoutes) nor a reason to be exempt", route)
			continue
		}
		if len(probes) == 0 {
			t.Errorf("%s: no probes", route)
		}
		method := route[:strings.IndexByte(route, ' ')]
		for _, p := range probes {
			what := route + " (" + p.name + ")"
			// The probe must reach the route it is listed under.
			u, err := url.Parse(p.path)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			rctx := chi.NewRouteContext()
			if !mux.Match(rctx, method, u.Path) || method+" "+stripRegexps(rctx.RoutePattern()) != route {
				t.Errorf("%s: %s %s does not reach the route (got %q)", what, method, u.Path, rctx.RoutePattern())
				continue
			}
			for _, caller := range w.isoCallers(route, p) {
				allowed := caller.allowed
				before := countEvents(t, ts)
				a := ts.isoCall(t, caller.who, method, p, pos)
				if a.status >= 400 && a.header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s as %s: %d without a problem: %q", what, caller.name, a.status, a.header.Get("Content-Type"))
				}
				if allowed == nil {
					// A portal user of the same customer on a portal route: it is the
					// customer, its answers are the portal's business.
					if a.status >= 500 {
						t.Errorf("%s as %s: %d %s", what, caller.name, a.status, a.body)
					}
					continue
				}
				if !slices.Contains(allowed, a.status) {
					t.Errorf("%s as %s: status %d, want one of %v: %s", what, caller.name, a.status, allowed, a.body)
				}
				if leaked := w.leaks(a, append(slices.Clone(p.mayShow), caller.mayShow...)); len(leaked) > 0 {
					t.Errorf("%s as %s: the answer (%d) carries %s:\n%v\n%s", what, caller.name, a.status, strings.Join(leaked, ", "), a.header, a.body)
				}
				if n := countEvents(t, ts); n != before {
					t.Errorf("%s as %s: appended %d events", what, caller.name, n-before)
				}
				// No existence oracle: A's ids answer exactly as ids nobody has.
				if a.status >= 400 && p.oracle == "" {
					ghost := w.ghost(p)
					before = countEvents(t, ts)
					g := ts.isoCall(t, caller.who, method, ghost, pos)
					if g.status != a.status || g.body != a.body {
						t.Errorf("%s as %s: A's ids answer %d %s, unknown ids %d %s", what, caller.name, a.status, a.body, g.status, g.body)
					}
					expectUnchanged(t, ts, what+" with unknown ids", before)
				}
			}
			if p.control != nil {
				controls = append(controls, func() {
					if method != http.MethodGet {
						t.Fatalf("%s: controls are for reads", what)
					}
					if a := ts.isoCall(t, p.control, method, p, pos); a.status != 200 {
						t.Errorf("%s: A's side gets %d, not 200: the probe's ids or path are wrong: %s", what, a.status, a.body)
					}
					// What C's company sees in A's portal, A's portal user of C sees.
					if *p.control == w.c {
						if a := ts.isoCall(t, &w.pSame, method, p, pos); a.status != 200 {
							t.Errorf("%s: A's portal user of C gets %d, not 200: %s", what, a.status, a.body)
						}
					}
				})
			}
		}
	}
	for route := range table {
		if !slices.Contains(routes, route) {
			t.Logf("isolation matrix: %s is not served (yet)", route)
		}
	}
	// Routes without an id are still refused to portal users, with no effect.
	for route, body := range isoPortalExempt {
		method, path, _ := strings.Cut(route, " ")
		for _, caller := range w.portalCallers() {
			before := countEvents(t, ts)
			a := ts.isoCall(t, caller.who, method, isoReq("no id", path, body), pos)
			if a.status != 404 || a.code() != "not_found" {
				t.Errorf("%s as %s: %d %s, want 404 not_found", route, caller.name, a.status, a.body)
			}
			expectUnchanged(t, ts, route+" as "+caller.name, before)
		}
	}
	// Controls last: a portal download as C appends (DocumentDownloaded).
	for _, c := range controls {
		c()
	}
	t.Run("PublicTokens", func(t *testing.T) { isolationPublicTokens(t, ts, w) })
}

// A's public tokens work for anyone who holds them (that is what they are), but
// they open exactly A's document and nothing else; B's bearer does not widen them.
func isolationPublicTokens(t *testing.T, ts *testServer, w *isoWorld) {
	h := w.b.bearer()
	a := ts.do(t, ts.client, "GET", "/l/"+w.linkToken+"/content", h, "")
	if a.status != 200 || a.body != isoDocV2 {
		t.Fatalf("A's link as B: %d %q", a.status, a.body)
	}
	before := countEvents(t, ts)
	for _, path := range []string{
		"/l/" + w.linkToken + "x", "/l/" + strings.ToUpper(w.linkToken), "/l/" + w.linkToken[:len(w.linkToken)-1],
		"/l/" + w.linkToken + "%00", "/l/" + url.PathEscape(w.linkToken+"/"),
	} {
		a := ts.do(t, &http.Client{}, "GET", path, h, "")
		if a.status != 404 || a.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", path, a.status, a.body)
		}
		if leaked := w.leaks(a, nil); len(leaked) > 0 {
			t.Errorf("%s leaks %v: %s", path, leaked, a.body)
		}
	}
	expectUnchanged(t, ts, "near-miss tokens", before)

	// B invites A's staff email: the invitation is B's own business, but accepting
	// it must not take over (or reveal) A's login.
	a = ts.send(t, &w.b, "POST", "/api/v1/staff/invitations", `{"name":"Twin","email":"`+w.aStaffEmail+`"}`)
	expectWritten(t, "B invites A's staff email", a, 201)
	if leaked := w.leaks(a, []string{"A staff email"}); len(leaked) > 0 {
		t.Fatalf("B's invitation answer carries %v: %s", leaked, a.body)
	}
	token := isoToken(decodeAs[userInvitationResponse](t, a).InvitationURL)
	before = countEvents(t, ts)
	a = ts.send(t, nil, "POST", "/api/v1/invitations/"+token+"/accept", `{"name":"Twin","password":"another horse battery"}`)
	if a.status < 400 || a.status >= 500 {
		t.Fatalf("accepting an invitation for a taken email: %d %s", a.status, a.body)
	}
	if leaked := w.leaks(a, []string{"A staff email"}); len(leaked) > 0 {
		t.Fatalf("the refusal carries %v: %s", leaked, a.body)
	}
	expectUnchanged(t, ts, "refused acceptance", before)
	a = ts.send(t, nil, "POST", "/api/v1/sessions", `{"email":"`+w.aStaffEmail+`","password":"another horse battery"}`)
	expect(t, "the intruder's password", a, 401, "unauthenticated")
	a = ts.send(t, nil, "POST", "/api/v1/sessions", `{"email":"`+w.aStaffEmail+`","password":"correct horse battery"}`)
	expect(t, "A's staff still signs in", a, 201, "")
	if s := decodeAs[sessionResponse](t, a); s.UserID != w.aStaff.UserID || s.CompanyID != w.a.CompanyID {
		t.Fatalf("A's staff signs into %+v", s)
	}
}
