package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/consistency"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/throttle"
)

// newLinkOpenLimiter counts requests to links: perMinute a minute per key, all of
// them at once if they come in a burst; 0: no limiter.
func newLinkOpenLimiter(perMinute int, clock func() time.Time) (*throttle.Limiter, error) {
	if perMinute == 0 {
		return nil, nil
	}
	l, err := throttle.New(throttle.Config{Burst: perMinute, Every: time.Minute / time.Duration(perMinute), Clock: clock})
	if err != nil {
		return nil, fmt.Errorf("link open throttle: %w", err)
	}
	return l, nil
}

// throttleLinkOpen counts one request to a link (metadata, content or HEAD) per
// link and client address, before the token is looked up or a password hashed,
// so unknown tokens count too; the link is keyed by its token's hash. A link as
// such has no limit: many visitors may open a popular link at once, and an open
// costs the same whatever the link's history (opens are streams of their own).
func (s *Server) throttleLinkOpen(r *http.Request, tokenHash string) error {
	if s.linkOpens == nil {
		return nil
	}
	return s.linkOpens.Allow("open:" + tokenHash + "|" + throttle.ClientAddr(r))
}

// errOpenRefused stops http.ServeContent from sending a file whose open could not
// be recorded (the answer is a problem instead).
var errOpenRefused = errors.New("link open refused")

// openOnSuccess records a link's open at the moment http.ServeContent decides to
// send the content (200, or 206 for a range), before a byte of it is sent. Its
// refusals (416 range not satisfiable, 412) and a 304 open nothing. If the open
// cannot be recorded (the link was cancelled since it was checked: cancel wins),
// the answer becomes that problem and the file is not sent.
type openOnSuccess struct {
	http.ResponseWriter
	r       *http.Request
	record  func() (app.AppendResult, error)
	decided bool
	failed  bool
}

func (o *openOnSuccess) WriteHeader(code int) {
	if o.decided {
		o.ResponseWriter.WriteHeader(code)
		return
	}
	o.decided = true
	if code == http.StatusOK || code == http.StatusPartialContent {
		res, err := o.record()
		if err != nil {
			o.failed = true
			o.Header().Del("Content-Range")
			problem.Write(o.ResponseWriter, o.r, err)
			return
		}
		consistency.SetPosition(o.ResponseWriter, res)
	}
	o.ResponseWriter.WriteHeader(code)
}

func (o *openOnSuccess) Write(b []byte) (int, error) {
	if !o.decided {
		o.WriteHeader(http.StatusOK)
	}
	if o.failed {
		return 0, errOpenRefused
	}
	return o.ResponseWriter.Write(b)
}

// ReadFrom keeps sendfile available to ServeContent through the wrapper.
func (o *openOnSuccess) ReadFrom(src io.Reader) (int64, error) {
	if !o.decided {
		o.WriteHeader(http.StatusOK)
	}
	if o.failed {
		return 0, errOpenRefused
	}
	return io.Copy(o.ResponseWriter, src)
}

func (o *openOnSuccess) Unwrap() http.ResponseWriter { return o.ResponseWriter }
