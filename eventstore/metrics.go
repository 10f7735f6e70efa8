package eventstore

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	appendedEvents = promauto.NewCounter(prometheus.CounterOpts{
		Name: "sharehub_events_appended_total",
		Help: "Events appended to the log by this process.",
	})
	deliveredEvents = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "sharehub_events_delivered_total",
		Help: "Events handled by a consumer group in this process.",
	}, []string{"consumer_group"})
	handlerFailures = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "sharehub_consumer_failures_total",
		Help: "Failed handler attempts per consumer group.",
	}, []string{"consumer_group"})
)
