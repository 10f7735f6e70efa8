package obs

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics counts requests and measures their latency per method, route pattern and
// status. Labels use route patterns, never paths, so their number stays bounded.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	gatherer prometheus.Gatherer
	clock    func() time.Time
}

// NewMetrics registers the request metrics with reg and serves gatherer on Handler
// (nil: the process-wide default registry, which also holds the event store's
// metrics and the Go runtime's). Registering twice with one registry reuses the
// collectors already there, so several servers in one test binary share them.
func NewMetrics(reg prometheus.Registerer, gatherer prometheus.Gatherer, clock func() time.Time) (*Metrics, error) {
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	if gatherer == nil {
		gatherer = prometheus.DefaultGatherer
	}
	if clock == nil {
		clock = time.Now
	}
	m := &Metrics{gatherer: gatherer, clock: clock}
	var err error
	if m.requests, err = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sharehub_http_requests_total",
		Help: "HTTP requests answered, by method, route pattern and status.",
	}, []string{"method", "route", "status"})); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "sharehub_http_request_duration_seconds",
		Help:    "Time from receiving the request to the handler's return, by method, route pattern and status.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method", "route", "status"})); err != nil {
		return nil, err
	}
	if m.inFlight, err = register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "sharehub_http_requests_in_flight",
		Help: "HTTP requests being handled.",
	})); err != nil {
		return nil, err
	}
	return m, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}

// Middleware observes every request. Like AccessLog it must wrap the router.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := m.clock()
		m.inFlight.Inc()
		rw := wrap(w)
		defer func() {
			m.inFlight.Dec()
			status := rw.status
			if status == 0 {
				status = http.StatusOK
			}
			labels := prometheus.Labels{
				"method": methodLabel(r.Method),
				"route":  routeLabel(chi.RouteContext(r.Context()).RoutePattern()),
				"status": strconv.Itoa(status),
			}
			m.requests.With(labels).Inc()
			m.duration.With(labels).Observe(m.clock().Sub(start).Seconds())
		}()
		next.ServeHTTP(rw, r)
	})
}

// methodLabel bounds the method label: arbitrary method names must not create series.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{})
}
