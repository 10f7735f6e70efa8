// Package apitest checks HTTP traffic against httpapi/openapi.yaml in tests: every
// response a test sees through Validator.Client (or passes to Check) must be
// documented for its route and status, and match the documented headers and body
// schema. End-to-end tests use it so that the spec cannot drift from the code.
//
// Test-only: it imports testing and kin-openapi. It must not import httpapi (the
// spec is passed in), so httpapi's own tests can use it; it hands out the one API
// client (httpapi/client) with the checking transport underneath (API).
package apitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/sharehub/sharehub/httpapi/client"
)

// Validator holds a loaded, validated OpenAPI document.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

// Load parses and validates spec (an OpenAPI 3.1 document), failing t when it is
// not valid.
func Load(t testing.TB, spec []byte) *Validator {
	t.Helper()
	v, err := NewValidator(spec)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// NewValidator parses and validates spec.
func NewValidator(spec []byte) (*Validator, error) {
	ctx := context.Background()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi: load: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("openapi: invalid document: %w", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: router: %w", err)
	}
	return &Validator{doc: doc, router: router}, nil
}

// Doc is the loaded document.
func (v *Validator) Doc() *openapi3.T { return v.doc }

// Operations lists the documented operations as "METHOD /path/{param}".
func (v *Validator) Operations() []string {
	var out []string
	for path, item := range v.doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	return out
}

// Check validates one response to req (its status, headers and body) against the
// document. It returns an error describing every mismatch it finds first.
func (v *Validator) Check(req *http.Request, status int, header http.Header, body []byte) error {
	// The router matches servers by URL; the document's server is "/", so route
	// on the path alone.
	r := req.Clone(context.Background())
	r.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	r.Host = ""
	find := r
	if r.Method == http.MethodHead {
		// HEAD is GET without a body (the router serves it so): it is documented
		// through GET (ValidateResponse then checks nothing of it).
		find = r.Clone(context.Background())
		find.Method = http.MethodGet
	}
	route, params, err := v.router.FindRoute(find)
	if err != nil {
		return fmt.Errorf("%s %s answered %d but is not documented: %w", req.Method, req.URL.Path, status, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: status,
		Header: header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s -> %d does not match openapi.yaml: %w", req.Method, route.Path, status, err)
	}
	// kin-openapi skips bodies of responses documented without content; a body
	// there is undocumented too.
	ref := route.Operation.Responses.Status(status)
	if ref == nil {
		ref = route.Operation.Responses.Default()
	}
	if ref != nil && ref.Value != nil && len(ref.Value.Content) == 0 && len(body) > 0 && req.Method != http.MethodHead {
		return fmt.Errorf("%s %s -> %d has a body, but openapi.yaml documents none", req.Method, route.Path, status)
	}
	return nil
}

// Client returns a client whose every response is checked with Check (failing t
// on a mismatch) before the test sees it. base may be nil (http.DefaultClient's
// transport).
func (v *Validator) Client(t testing.TB, base *http.Client) *http.Client {
	c := &http.Client{}
	if base != nil {
		*c = *base
	}
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = &checkingTransport{t: t, v: v, next: next}
	return c
}

// API returns the typed API client (httpapi/client) of the server at base, over
// v.Client(t, hc): every answer it sees is checked against the document first.
func (v *Validator) API(t testing.TB, base string, hc *http.Client) *client.Client {
	return client.New(base, v.Client(t, hc))
}

type checkingTransport struct {
	t    testing.TB
	v    *Validator
	next http.RoundTripper
}

func (c *checkingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := c.v.Check(req, resp.StatusCode, resp.Header, body); err != nil {
		c.t.Errorf("openapi: %v", err)
	}
	return resp, nil
}
