// Package client is sharehub's one HTTP API client, for the tools (shbench, shload,
// shfaults) and the HTTP tests. It speaks the contract of httpapi/openapi.yaml: each
// typed operation names its operationId, method and path (Operations), and the
// package's tests check every one against the document, so the client cannot drift
// from the spec any more than the router can.
//
// Two layers: Do (any request; the Answer keeps status, problem code, request id,
// X-Position and the latency, for tools that count and time what they send) and
// typed operations built on it (Signup, CreateFolder, UploadDocument, ...), which
// decode the documented body and turn a non-2xx answer into an *Error.
//
// It must not import httpapi (httpapi's own tests use it) nor anything of the
// server side: it knows the API only as a client does.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Client calls one sharehub server (or, with Pick, several in turn).
type Client struct {
	// Base is the server's URL, e.g. http://127.0.0.1:8080 (no trailing slash).
	Base string
	// Pick, when set, chooses the base URL of each request instead of Base (a
	// round robin over several servers).
	Pick func() string
	// HTTP sends the requests (http.DefaultClient when nil). Tests pass a client
	// whose transport validates every answer against openapi.yaml (apitest).
	HTTP *http.Client
	// ShedRetries is how many times a 503 with Retry-After (the server shedding
	// load) is asked again after waiting as told; 0 never retries.
	ShedRetries int
	// MaxShedWait caps one such wait (default 2s).
	MaxShedWait time.Duration
	// Verbatim sends each request with exactly the headers it names: no
	// generated X-Request-Id (tests of the server's own request ids use it).
	Verbatim bool
}

// New returns a client of base over hc (nil: http.DefaultClient).
func New(base string, hc *http.Client) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: hc}
}

// Request is one call.
type Request struct {
	Method, Path string // Path with its query, e.g. /api/v1/documents?limit=10
	Token        string // bearer token; none when empty
	Body         []byte // kept whole so that a shed request can be sent again
	ContentType  string
	// MinPosition, when positive, is sent as X-Min-Position (read your writes).
	MinPosition int64
	// IdempotencyKey, when set, is sent as Idempotency-Key.
	IdempotencyKey string
	// RequestID is sent as X-Request-Id; a fresh UUID when empty.
	RequestID string
	Header    http.Header // anything else
}

// Answer is what came back.
type Answer struct {
	Status int // 0 when no answer came (Err says why)
	Header http.Header
	Body   []byte
	// Code is the problem code of an error answer, "http_<status>" for an error
	// without one, "transport" when no answer came; empty for a 2xx.
	Code      string
	RequestID string
	Position  int64 // X-Position of a write (0 when absent)
	Took      time.Duration
	Retries   int   // 503s with Retry-After asked again
	Err       error // transport error (Status 0)
}

// OK reports a 2xx answer.
func (a Answer) OK() bool { return a.Status >= 200 && a.Status < 300 }

// Error is a call that did not end in a 2xx answer.
type Error struct {
	Op     string
	Status int
	Code   string
	Body   string
	Err    error // transport or decoding error
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s: %v", e.Op, e.Err)
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %d: %v", e.Op, e.Status, e.Err)
	}
	return fmt.Sprintf("%s: %d %s %s", e.Op, e.Status, e.Code, strings.TrimSpace(e.Body))
}

func (e *Error) Unwrap() error { return e.Err }

// Check returns nil for a 2xx answer and an *Error naming op otherwise.
func (a Answer) Check(op string) error {
	if a.OK() {
		return nil
	}
	return &Error{Op: op, Status: a.Status, Code: a.Code, Body: string(a.Body), Err: a.Err}
}

// Decode checks a and decodes its JSON body into a T.
func Decode[T any](a Answer, op string) (T, error) {
	var v T
	if err := a.Check(op); err != nil {
		return v, err
	}
	if err := json.Unmarshal(a.Body, &v); err != nil {
		return v, &Error{Op: op, Status: a.Status, Err: fmt.Errorf("decode: %w", err)}
	}
	return v, nil
}

func (c *Client) base() string {
	if c.Pick != nil {
		return c.Pick()
	}
	return c.Base
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// Do sends r and reads the whole answer. It never returns an error of its own:
// a transport failure is an Answer with Status 0, Code "transport" and Err.
func (c *Client) Do(ctx context.Context, r Request) Answer {
	a := Answer{RequestID: r.RequestID}
	if a.RequestID == "" {
		a.RequestID = r.Header.Get("X-Request-Id")
	}
	if a.RequestID == "" && !c.Verbatim {
		a.RequestID = uuid.NewString()
	}
	start := time.Now()
	for {
		c.send(ctx, r, &a)
		if a.Status != http.StatusServiceUnavailable || a.Retries >= c.ShedRetries {
			break
		}
		wait, err := strconv.Atoi(a.Header.Get("Retry-After"))
		if err != nil {
			break // a 503 that does not ask to come back
		}
		maxWait := c.MaxShedWait
		if maxWait <= 0 {
			maxWait = 2 * time.Second
		}
		t := time.NewTimer(min(time.Duration(wait)*time.Second, maxWait))
		select {
		case <-ctx.Done():
			t.Stop()
			a.Took = time.Since(start)
			return a
		case <-t.C:
		}
		a.Retries++
	}
	a.Took = time.Since(start)
	return a
}

func (c *Client) send(ctx context.Context, r Request, a *Answer) {
	a.Status, a.Header, a.Body, a.Code, a.Position, a.Err = 0, nil, nil, "transport", 0, nil
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, c.base()+r.Path, body)
	if err != nil {
		a.Err = err
		return
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	if a.RequestID != "" {
		req.Header.Set("X-Request-Id", a.RequestID)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	if r.MinPosition > 0 {
		req.Header.Set("X-Min-Position", strconv.FormatInt(r.MinPosition, 10))
	}
	if r.IdempotencyKey != "" {
		req.Header.Set("Idempotency-Key", r.IdempotencyKey)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		a.Err = err
		return
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		a.Err = err
		return
	}
	a.Status, a.Header, a.Body, a.Code = resp.StatusCode, resp.Header, b, ""
	if p := resp.Header.Get("X-Position"); p != "" {
		a.Position, _ = strconv.ParseInt(p, 10, 64)
	}
	if !a.OK() {
		var problem struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(b, &problem) == nil && problem.Code != "" {
			a.Code = problem.Code
		} else {
			a.Code = "http_" + strconv.Itoa(resp.StatusCode)
		}
	}
}

// JSON sends in (when not nil) as a JSON body.
func (c *Client) JSON(ctx context.Context, method, path, token string, in any) Answer {
	r := Request{Method: method, Path: path, Token: token}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return Answer{Code: "encode", Err: err}
		}
		r.Body, r.ContentType = b, "application/json"
	}
	return c.Do(ctx, r)
}

// Get reads path, waiting for minPosition when positive.
func (c *Client) Get(ctx context.Context, path, token string, minPosition int64) Answer {
	return c.Do(ctx, Request{Method: http.MethodGet, Path: path, Token: token, MinPosition: minPosition})
}

// Multipart builds a multipart/form-data body with fields and one file part
// named "file"; it returns the body and its content type.
func Multipart(fields map[string]string, fileName string, content []byte) ([]byte, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", fileName)
	_, _ = fw.Write(content)
	_ = mw.Close()
	return body.Bytes(), mw.FormDataContentType()
}

// Upload posts a multipart form with fields and one file.
func (c *Client) Upload(ctx context.Context, path, token string, fields map[string]string, fileName string, content []byte) Answer {
	body, ctype := Multipart(fields, fileName, content)
	return c.Do(ctx, Request{Method: http.MethodPost, Path: path, Token: token, Body: body, ContentType: ctype})
}

// LinkToken is the token of a link's URL (its last path segment).
func LinkToken(url string) string { return url[strings.LastIndex(url, "/")+1:] }

// OpenLinkRepeatedly GETs a link's content n times in a row and returns each
// latency in milliseconds; every answer must be 200 with its body read whole (the
// benchmark of issue 12 and the link-open growth fault run).
func (c *Client) OpenLinkRepeatedly(ctx context.Context, token string, n int) ([]float64, error) {
	lats := make([]float64, 0, n)
	path := OpLinkContent.path(token)
	for i := range n {
		a := c.Get(ctx, path, "", 0)
		if err := a.Check(OpLinkContent.ID); err != nil {
			return nil, fmt.Errorf("open %d: %w", i, err)
		}
		if a.Status != http.StatusOK {
			return nil, fmt.Errorf("open %d: %d, want 200", i, a.Status)
		}
		lats = append(lats, float64(a.Took.Microseconds())/1000)
	}
	return lats, nil
}

// Median is the median of latencies such as OpenLinkRepeatedly's (0 for none).
func Median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
