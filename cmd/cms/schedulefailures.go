package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"healthcms/cms"
)

// scheduleFailures returns what the editor tells of failed scheduled
// publications: each is logged and counted in
// cms_scheduled_publish_failures_total, by kind (permanent: taken off the
// schedule; transient: tried again when its claim runs out), so an alert
// can fire on it.
func (e *env) scheduleFailures() (func(cms.ScheduleFailure), prometheus.Collector) {
	count := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cms_scheduled_publish_failures_total",
		Help: "Scheduled publications that failed: permanent ones were taken off the schedule, transient ones are tried again."},
		[]string{"kind"})
	permanent, transient := count.WithLabelValues("permanent"), count.WithLabelValues("transient")
	return func(f cms.ScheduleFailure) {
		if f.Permanent {
			permanent.Inc()
			e.log.Error("scheduled publication failed; taken off the schedule", "article", f.ArticleID, "err", f.Err)
			return
		}
		transient.Inc()
		e.log.Error("scheduled publication failed; will try again", "article", f.ArticleID, "err", f.Err)
	}, count
}
