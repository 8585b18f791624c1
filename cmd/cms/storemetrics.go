package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"healthcms/cms/store"
)

// replicaMetrics tells operators where delivery reads go when a read
// replica is configured (CMS_DATABASE_READ_URL): reads by database, the
// replica's lag in WAL bytes, and whether it is in use now. A read
// counted under primary was either a replica behind a change this server
// knows of (a few milliseconds after each publication) or a replica that
// failed; a steady rise of it next to cms_read_replica_in_use 0 is the
// latter.
func replicaMetrics(db *store.DB) []prometheus.Collector {
	if _, ok := db.ReplicaStats(); !ok {
		return nil
	}
	stats := func() store.ReplicaStats { s, _ := db.ReplicaStats(); return s }
	reads := func(to string, f func(store.ReplicaStats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cms_delivery_database_reads_total",
			Help:        "Delivery reads that reached a database (cache misses), by database: the read replica or the primary.",
			ConstLabels: prometheus.Labels{"database": to}}, func() float64 { return float64(f(stats())) })
	}
	return []prometheus.Collector{
		reads("replica", func(s store.ReplicaStats) uint64 { return s.ReplicaReads }),
		reads("primary", func(s store.ReplicaStats) uint64 { return s.PrimaryReads }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cms_read_replica_lag_bytes",
			Help: "WAL the primary has written that the read replica has not replayed, measured about every second; -1 when either cannot be reached."},
			func() float64 { return float64(stats().LagBytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cms_read_replica_in_use",
			Help: "1 when delivery reads go to the read replica, 0 while it is behind a known change or unavailable."},
			func() float64 {
				if stats().InUse {
					return 1
				}
				return 0
			}),
	}
}

// searchIndexMetrics tell operators what the in-memory search index
// (CMS_SEARCH_INDEX=memory) holds and does.
func searchIndexMetrics(db *store.DB) []prometheus.Collector {
	stats := func() store.SearchIndexStats { s, _ := db.SearchIndexStats(); return s }
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cms_search_index_articles",
			Help: "Live articles in the in-memory search index; -1 while it loads or when searches read the database."},
			func() float64 {
				if s := stats(); s.Ready {
					return float64(s.Articles)
				}
				return -1
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cms_search_index_searches_total",
			Help: "Searches the in-memory search index answered (the rest read the database)."},
			func() float64 { return float64(stats().Searches) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cms_search_index_catch_ups_total",
			Help: "Times the in-memory search index read the changes made since it last did (once after each change, at the next search)."},
			func() float64 { return float64(stats().CatchUps) }),
	}
}

// localDocumentsMetrics tell operators what the local documents
// (CMS_LOCAL_DOCUMENTS_DIR) hold and do; registered always, like the search
// index's, so dashboards see -1 rather than nothing when they are off.
func localDocumentsMetrics(db *store.DB) []prometheus.Collector {
	stats := func() store.LocalDocumentsStats { s, _ := db.LocalDocumentsStats(); return s }
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cms_local_documents_articles",
			Help: "Live documents in this server's local file; -1 while it is written or when misses read the database."},
			func() float64 {
				if s := stats(); s.Ready {
					return float64(s.Articles)
				}
				return -1
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cms_local_documents_file_bytes",
			Help: "Size of the local documents' file, documents no longer live included until it is rewritten."},
			func() float64 { return float64(stats().FileBytes) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cms_local_documents_reads_total",
			Help: "Delivery misses answered from the local documents (the rest read the database)."},
			func() float64 { return float64(stats().Reads) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cms_local_documents_catch_ups_total",
			Help: "Times the local documents read the changes made since they last did (after a change, at the next miss)."},
			func() float64 { return float64(stats().CatchUps) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cms_local_documents_catch_up_failures_total",
			Help: "Catch-ups of the local documents that failed (misses read the database meanwhile)."},
			func() float64 { return float64(stats().Failures) }),
	}
}

// liveBatchMetrics tell operators how PostgreSQL's delivery misses share
// their reads: documents asked for over reads made is the mean batch, 1
// when misses come one at a time. SQLite reads one row a miss and has
// none.
func liveBatchMetrics(db *store.DB) []prometheus.Collector {
	if db.Dialect() != "postgres" {
		return nil
	}
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cms_delivery_batch_reads_total",
			Help: "Queries that read live documents for delivery misses, each for the misses waiting at the time."},
			func() float64 { n, _ := db.LiveBatchStats(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cms_delivery_batch_documents_total",
			Help: "Live documents those queries were asked for."},
			func() float64 { _, n := db.LiveBatchStats(); return float64(n) }),
	}
}
