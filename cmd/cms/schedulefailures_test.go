package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"healthcms/cms/store/storetest"
)

// TestScheduleFailuresAreCounted: serve exposes the counter of failed
// scheduled publications, both kinds from the start, so an alert on it
// has a series to watch before the first failure.
func TestScheduleFailuresAreCounted(t *testing.T) {
	s := startServer(t, map[string]string{"CMS_DATABASE_URL": storetest.URL(t, "sqlite")})
	res, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, series := range []string{`cms_scheduled_publish_failures_total{kind="permanent"} 0`, `cms_scheduled_publish_failures_total{kind="transient"} 0`} {
		if !strings.Contains(string(b), series) {
			t.Errorf("/metrics has no %s", series)
		}
	}
}
