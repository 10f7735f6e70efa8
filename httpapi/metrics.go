package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// MetricsHandler serves Prometheus metrics at GET /metrics (and nothing else). It
// is not part of the API's router: metrics name routes, rates and internals an
// anonymous client has no business reading, so `serve` exposes them on a listener
// of their own (METRICS_ADDR, loopback by default), which a scraper reaches and
// the public does not.
func (s *Server) MetricsHandler() http.Handler {
	r := chi.NewRouter()
	r.Method(http.MethodGet, "/metrics", s.metrics.Handler())
	return r
}

// MetricsServer is an http.Server for MetricsHandler with timeouts for a scraper.
func (s *Server) MetricsServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.MetricsHandler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}
