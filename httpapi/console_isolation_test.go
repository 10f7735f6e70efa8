package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// The isolation matrix for the console (issue 18): every /app/ route is
// probed with another company's ids, as that company's admin (with a valid
// CSRF token of its own session) and as a portal user of another provider.
// A route with an id answers the 404 page and shows nothing of the victim; a
// form with an id appends nothing. A new route without a probe fails the test.
func TestConsoleIsolationMatrix(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	victim := ts.signupCompany(t, "Matrix Victim")
	vc := ts.signupCompany(t, "Matrix Victim Customer")
	z := ts.signupCompany(t, "Matrix Zed")
	zc := ts.signupCompany(t, "Matrix Zed Customer")
	cust := ts.connect(t, victim, vc)
	zcust := ts.connect(t, z, zc)
	folder := ts.folder(t, victim, `{"name":"Matrix secret folder"}`)
	doc := ts.document(t, victim, folder.ID, "matrix-secret.txt", "matrix secret content")
	expectWritten(t, "share", ts.send(t, &victim, "POST", "/api/v1/shares",
		`{"customer_id":"`+cust.ID.String()+`","document_id":"`+doc.ID.String()+`","permission":"edit"}`), 201)
	a := ts.send(t, &victim, "POST", "/api/v1/documents/"+doc.ID.String()+"/links", `{}`)
	expectWritten(t, "link", a, 201)
	link := decodeAs[map[string]any](t, a)["id"].(string)
	var share string
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT stream_id FROM events WHERE event_type = 'PortalShareGranted' ORDER BY position DESC LIMIT 1`).Scan(&share); err != nil {
		t.Fatal(err)
	}
	share = strings.TrimPrefix(share, "share-")
	portalUser := ts.portalUser(t, victim, cust.ID, "Matrix Portal", "mp@matrix-victim-customer.test")
	groupA := ts.send(t, &victim, "POST", "/api/v1/groups", `{"name":"Matrix"}`)
	expectWritten(t, "group", groupA, 201)
	group := decodeAs[map[string]any](t, groupA)["id"].(string)
	other := ts.portalUser(t, z, zcust.ID, "Zed Portal", "zp@matrix-zed-customer.test")

	c, d, f, u := cust.ID.String(), doc.ID.String(), folder.ID.String(), portalUser.UserID.String()
	type probe struct {
		path string
		form url.Values
		own  bool // no id of the victim's in it: the caller acts on its own company
	}
	probes := map[string]probe{
		"GET /app/":                                                {path: "/app/", own: true},
		"GET /app":                                                 {path: "/app", own: true},
		"GET /app/static/*":                                        {path: "/app/static/app.css", own: true},
		"GET /app/signin":                                          {path: "/app/signin", own: true},
		"POST /app/signin":                                         {own: true},
		"GET /app/signup":                                          {path: "/app/signup", own: true},
		"POST /app/signup":                                         {own: true},
		"GET /app/register":                                        {path: "/app/register", own: true},
		"POST /app/register":                                       {own: true},
		"POST /app/signout":                                        {own: true},
		"GET /app/password-reset":                                  {path: "/app/password-reset", own: true},
		"POST /app/password-reset":                                 {own: true},
		"GET /app/password-reset/{token}":                          {path: "/app/password-reset/x", own: true},
		"POST /app/password-reset/{token}":                         {own: true},
		"GET /app/invitations/{token}":                             {path: "/app/invitations/x", own: true},
		"POST /app/invitations/{token}":                            {own: true},
		"GET /app/customers":                                       {path: "/app/customers", own: true},
		"POST /app/customers/connect":                              {own: true},
		"POST /app/customers/invite":                               {own: true},
		"GET /app/customers/{id}":                                  {path: "/app/customers/" + c},
		"GET /app/customers/{id}/view":                             {path: "/app/customers/" + c + "/view"},
		"POST /app/customers/{id}/pause":                           {path: "/app/customers/" + c + "/pause"},
		"POST /app/customers/{id}/resume":                          {path: "/app/customers/" + c + "/resume"},
		"POST /app/customers/{id}/revoke":                          {path: "/app/customers/" + c + "/revoke", form: url.Values{"confirm": {"final"}}},
		"POST /app/customers/{id}/master-access":                   {path: "/app/customers/" + c + "/master-access", form: url.Values{"enabled": {"true"}}},
		"POST /app/customers/{id}/documents":                       {path: "/app/customers/" + c + "/documents", form: url.Values{"documents": {"off"}}},
		"POST /app/customers/{id}/group":                           {path: "/app/customers/" + c + "/group", form: url.Values{"group_id": {group}}},
		"POST /app/customers/{id}/resend":                          {path: "/app/customers/" + c + "/resend"},
		"POST /app/customers/{id}/users/invite":                    {path: "/app/customers/" + c + "/users/invite", form: url.Values{"name": {"Z"}, "email": {"z@matrix-zed.test"}}},
		"POST /app/customers/{id}/users/{user_id}/resend":          {path: "/app/customers/" + c + "/users/" + u + "/resend"},
		"POST /app/customers/{id}/users/{user_id}/deactivate":      {path: "/app/customers/" + c + "/users/" + u + "/deactivate"},
		"POST /app/customers/{id}/users/{user_id}/reactivate":      {path: "/app/customers/" + c + "/users/" + u + "/reactivate"},
		"GET /app/library":                                         {path: "/app/library", own: true},
		"POST /app/library/folders":                                {path: "/app/library/folders", form: url.Values{"name": {"planted"}, "parent_id": {f}}},
		"GET /app/library/folders/{id}":                            {path: "/app/library/folders/" + f},
		"POST /app/library/folders/{id}/shares":                    {path: "/app/library/folders/" + f + "/shares", form: url.Values{"permission": {"view"}, "customer_id": {zcust.ID.String()}}},
		"POST /app/library/documents":                              {own: true}, // multipart: covered by the upload probe below
		"GET /app/library/documents/{id}":                          {path: "/app/library/documents/" + d + "?tab=history"},
		"GET /app/library/documents/{id}/content":                  {path: "/app/library/documents/" + d + "/content"},
		"POST /app/library/documents/{id}/versions":                {own: true}, // multipart: below
		"POST /app/library/documents/{id}/versions/{n}/visibility": {path: "/app/library/documents/" + d + "/versions/1/visibility", form: url.Values{"visible": {"false"}}},
		"POST /app/library/documents/{id}/shares":                  {path: "/app/library/documents/" + d + "/shares", form: url.Values{"permission": {"view"}, "customer_id": {zcust.ID.String()}}},
		"POST /app/library/documents/{id}/links":                   {path: "/app/library/documents/" + d + "/links"},
		"POST /app/library/documents/{id}/remove":                  {path: "/app/library/documents/" + d + "/remove", form: url.Values{"confirm": {"final"}}},
		"POST /app/shares/{id}/cancel":                             {path: "/app/shares/" + share + "/cancel"},
		"POST /app/links/{id}/cancel":                              {path: "/app/links/" + link + "/cancel"},
		"POST /app/links/{id}/copy":                                {path: "/app/links/" + link + "/copy"},
		"GET /app/groups":                                          {path: "/app/groups", own: true},
		"POST /app/groups":                                         {own: true},
		"POST /app/groups/{id}/self-registration":                  {path: "/app/groups/" + group + "/self-registration", form: url.Values{"enabled": {"false"}}},
		"POST /app/groups/{id}/code":                               {path: "/app/groups/" + group + "/code"},
		"POST /app/groups/{id}/members":                            {path: "/app/groups/" + group + "/members", form: url.Values{"user_id": {z.UserID.String()}, "access": {"write"}}},
		"POST /app/staff/invite":                                   {own: true},
		"POST /app/staff/{user_id}/flags":                          {path: "/app/staff/" + victim.UserID.String() + "/flags", form: url.Values{"admin": {"false"}}},
		"POST /app/staff/{user_id}/deactivate":                     {path: "/app/staff/" + victim.UserID.String() + "/deactivate"},
		"POST /app/staff/{user_id}/reactivate":                     {path: "/app/staff/" + victim.UserID.String() + "/reactivate"},
		"GET /app/audit":                                           {path: "/app/audit", own: true},
		"GET /app/audit/export":                                    {path: "/app/audit/export?format=ndjson", own: true},
		"POST /app/audit/verify":                                   {own: true},
		"GET /app/audit/as-of":                                     {path: "/app/audit/as-of?customer_id=" + c + "&at=2099-01-01T00:00"},
		"GET /app/portal":                                          {path: "/app/portal", own: true},
		"GET /app/portal/documents/{id}/content":                   {path: "/app/portal/documents/" + d + "/content"},
		"POST /app/portal/documents/{id}/remove":                   {path: "/app/portal/documents/" + d + "/remove"},
		"GET /app/portal/{provider_id}":                            {path: "/app/portal/" + victim.CompanyID.String()},
		"POST /app/portal/{provider_id}/folders":                   {path: "/app/portal/" + victim.CompanyID.String() + "/folders", form: url.Values{"name": {"planted"}, "parent_id": {f}}},
		"POST /app/portal/{provider_id}/documents":                 {own: true}, // multipart: below
	}
	secrets := []string{"matrix-secret", "Matrix secret folder", "Matrix Victim", "matrix secret content", "Matrix Portal"}

	walked := 0
	err := chi.Walk(ts.console.Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		walked++
		if _, ok := probes[method+" "+route]; !ok {
			t.Errorf("console route %s %s has no isolation probe", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if walked != len(probes) {
		t.Fatalf("walked %d console routes, %d probes (a probe for a route that is gone?)", walked, len(probes))
	}

	before := ts.eventCount(t)
	for _, who := range []struct {
		name string
		acc  account
	}{{"other company's admin", z}, {"another provider's portal user", other}} {
		b := ts.signedIn(t, who.acc)
		for key, p := range probes {
			if p.path == "" {
				continue
			}
			var got htmlPage
			if strings.HasPrefix(key, "GET ") {
				got = b.get(p.path)
			} else {
				b.get("/app/portal")
				got = b.post(p.path, p.form)
			}
			for _, s := range secrets {
				if strings.Contains(got.body, s) {
					t.Errorf("%s: %s shows %q", who.name, key, s)
				}
			}
			if !p.own && got.status != http.StatusNotFound && got.status != http.StatusForbidden {
				t.Errorf("%s: %s answered %d, want the 404 page", who.name, key, got.status)
			}
		}
		// The uploads, with a valid token of the caller's own session.
		b.get("/app/portal")
		for _, path := range []string{"/app/library/documents/" + d + "/versions", "/app/portal/" + victim.CompanyID.String() + "/documents"} {
			if got := b.upload(path, b.csrf(), nil, "planted.txt", "planted"); got.status != 404 && got.status != 403 {
				t.Errorf("%s: upload to %s answered %d", who.name, path, got.status)
			}
		}
		if got := b.upload("/app/library/documents", b.csrf(), [][2]string{{"folder_id", f}}, "planted.txt", "planted"); got.status != 404 && got.status != 403 {
			t.Errorf("%s: upload into the victim's folder answered %d", who.name, got.status)
		}
	}
	if n := ts.eventCount(t); n != before {
		var types []string
		rows, _ := ts.pool.Query(ctxFor(t), `SELECT event_type FROM events WHERE position > (SELECT max(position) FROM events) - $1`, n-before)
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			types = append(types, s)
		}
		rows.Close()
		t.Fatalf("probes appended %d events: %v", n-before, types)
	}
	if got := readOK[customerResponse](t, ts, &victim, "/api/v1/customers/"+c); got.Status != "active" || got.MasterAccess {
		t.Fatalf("the victim's customer changed: %+v", got)
	}
}
