package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// client issues API calls; every call carries a fresh UUID request id, which the
// server keeps as client_request_id in the metadata of the events it appends (the
// correlation id is the server's own).
type client struct {
	base string
	http *http.Client
}

// answer is one API answer.
type answer struct {
	status    int
	body      []byte
	header    http.Header
	code      string // problem code of an error answer ("transport" when none came)
	requestID string
	took      time.Duration
	position  int64 // X-Position of a write
}

func (a answer) ok() bool { return a.status >= 200 && a.status < 300 }

func (a answer) err(what string) error {
	if a.ok() {
		return nil
	}
	return fmt.Errorf("%s: %d %s %s", what, a.status, a.code, bytes.TrimSpace(a.body))
}

type request struct {
	method, path string
	token        string // bearer
	body         io.Reader
	contentType  string
	minPosition  int64
	header       http.Header
}

func (c *client) do(ctx context.Context, r request) answer {
	a := answer{requestID: uuid.NewString(), code: "transport"}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base+r.path, r.body)
	if err != nil {
		a.body = []byte(err.Error())
		return a
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	req.Header.Set("X-Request-Id", a.requestID)
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.minPosition > 0 {
		req.Header.Set("X-Min-Position", strconv.FormatInt(r.minPosition, 10))
	}
	t0 := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		a.took = time.Since(t0)
		a.body = []byte(err.Error())
		return a
	}
	a.body, err = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	a.took = time.Since(t0)
	if err != nil {
		a.body = []byte(err.Error())
		return a
	}
	a.status, a.header, a.code = resp.StatusCode, resp.Header, ""
	if p := resp.Header.Get("X-Position"); p != "" {
		a.position, _ = strconv.ParseInt(p, 10, 64)
	}
	if !a.ok() {
		var problem struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(a.body, &problem) == nil && problem.Code != "" {
			a.code = problem.Code
		} else {
			a.code = "http_" + strconv.Itoa(resp.StatusCode)
		}
	}
	return a
}

func (c *client) json(ctx context.Context, method, path, token string, in any) answer {
	r := request{method: method, path: path, token: token}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return answer{code: "encode", body: []byte(err.Error())}
		}
		r.body, r.contentType = bytes.NewReader(b), "application/json"
	}
	return c.do(ctx, r)
}

func (c *client) get(ctx context.Context, path, token string, minPosition int64) answer {
	return c.do(ctx, request{method: http.MethodGet, path: path, token: token, minPosition: minPosition})
}

// upload posts a multipart form with one file and the given fields.
func (c *client) upload(ctx context.Context, path, token string, fields map[string]string, name string, content []byte) answer {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	return c.do(ctx, request{method: http.MethodPost, path: path, token: token, body: &body, contentType: mw.FormDataContentType()})
}

func decode[T any](a answer) (T, error) {
	var v T
	err := json.Unmarshal(a.body, &v)
	return v, err
}
