package httpapi

import (
	"strings"
	"testing"
)

// FuzzLinkBodies fuzzes the JSON bodies of the link routes of v1.1 (PATCH
// /links/{id}, POST /folders/{id}/links) through the real router and database,
// with FuzzJSONEndpoints' invariants: never a 5xx; a 2xx that appended says
// where; a 4xx is a problem and appended nothing. The first byte picks the route.
func FuzzLinkBodies(f *testing.F) {
	fw := newFuzzWorld(f)
	var l linkResponse
	fw.written(f, "link", fw.call(f, &fw.provider, "POST", fw.ids.Replace("/api/v1/documents/$DOCUMENT/links"), jsonHeader, []byte(`{}`)), 201, &l)
	routes := []struct{ method, path string }{
		{"PATCH", "/api/v1/links/" + l.ID.String()},
		{"POST", fw.ids.Replace("/api/v1/folders/$FOLDER/links")},
		{"POST", fw.ids.Replace("/api/v1/folders/$WORKSPACE/links")},
	}
	for _, s := range []struct {
		route uint8
		body  string
	}{
		{0, `{"expires_at":"2099-01-01T00:00:00Z"}`},
		{0, `{"expires_at":null,"password":null}`},
		{0, `{"password":"correct horse battery"}`},
		{0, `{"password":"short"}`},
		{0, `{"password":""}`},
		{0, `{"expires_at":"2000-01-01T00:00:00Z"}`},
		{0, `{"expires_at":17}`},
		{0, `{}`},
		{0, `[]`},
		{0, `{"expires_at":"2099-01-01T00:00:00Z","expires_at":null}`},
		{1, `{}`},
		{1, `{"expires_at":"2099-01-01T00:00:00Z","password":"correct horse battery"}`},
		{1, `{"password":null}`},
		{2, `{}`},
	} {
		f.Add(s.route, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := routes[int(route)%len(routes)]
		before := fw.events(t)
		a := fw.call(t, &fw.provider, r.method, r.path, jsonHeader, []byte(fw.ids.Replace(string(body))))
		fw.check(t, r.method+" "+r.path, a, before)
		if strings.Contains(a.body, "sealed_token") {
			t.Fatalf("%s: answer shows a sealed token: %s", r.path, a.body)
		}
	})
}
