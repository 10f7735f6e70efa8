package eventstore

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	dto "github.com/prometheus/client_model/go"
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
	groupStatements = promauto.NewCounter(prometheus.CounterOpts{
		Name: "sharehub_append_group_statements_total",
		Help: "INSERT statements run by the group commit (each may carry several appends).",
	})
	groupAppends = promauto.NewCounter(prometheus.CounterOpts{
		Name: "sharehub_append_group_appends_total",
		Help: "Appends carried by group-commit statements.",
	})
	handlerFailures = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "sharehub_consumer_failures_total",
		Help: "Failed handler attempts per consumer group.",
	}, []string{"consumer_group"})
)

// GroupCommitStats returns how many statements the group commit ran and how many
// appends they carried, in this process.
func GroupCommitStats() (statements, appends float64) {
	return counterValue(groupStatements), counterValue(groupAppends)
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}
