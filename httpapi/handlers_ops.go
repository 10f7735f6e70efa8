package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// timeout bounds a JSON call's work through its context: the database calls and
// application services below give up when it ends, and the error answers 503.
// Unlike http.TimeoutHandler it buffers nothing.
func (s *Server) timeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.requestTimeout)
		defer cancel()
		setBodyDeadline(w, s.requestTimeout) // bodydeadline.go
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type status struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	_ = web.WriteJSON(w, http.StatusOK, status{Status: "ok"})
}

// readyz answers 200 when the database answers within 2s and every ReadyCheck
// passes; 503 not_ready naming the failed checks otherwise (causes go to the log).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	r = r.WithContext(ctx)
	checks := append([]ReadyCheck{{Name: "database", Check: func(r *http.Request) error { return s.pool.Ping(r.Context()) }}},
		s.readyChecks...)
	st := status{Status: "ready", Checks: map[string]string{}}
	var failed []string
	for _, c := range checks {
		if err := c.Check(r); err != nil {
			s.log.Warn("not ready", "check", c.Name, "err", err)
			st.Checks[c.Name] = "failing"
			failed = append(failed, c.Name)
			continue
		}
		st.Checks[c.Name] = "ok"
	}
	if len(failed) > 0 {
		p := problem.New(http.StatusServiceUnavailable, problem.CodeNotReady, "not ready: "+strings.Join(failed, ", "))
		p.RetryAfter = time.Second
		problem.Write(w, r, p)
		return
	}
	_ = web.WriteJSON(w, http.StatusOK, st)
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openapiSpec)
}
