// Package monitor serves a hub's health and figures over HTTP: /healthz
// for a load balancer or a service check, /metrics in the Prometheus text
// format for a metrics system, and Status to print the same figures for
// a person (natterd -status).
package monitor

import (
	"encoding/json"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/natter-chat/natter/server"
)

// Source is what the monitor reads: a *server.Hub.
type Source interface {
	Stats() server.Stats
}

// Handler serves /healthz and /metrics for src. version names the build in
// the natter_build_info metric.
func Handler(src Source, version string) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		newCollector(src, version),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
	)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		st := src.Stats()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		status := "ok"
		if !st.Serving {
			status = "stopped"
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(struct {
			Status     string `json:"status"`
			Sessions   int    `json:"sessions"`
			Registered int    `json:"registered"`
		}{status, st.Sessions, st.Registered})
	})
	return mux
}

// collector turns a hub's Stats into metrics at every scrape, so the hub
// itself keeps only plain counters.
type collector struct {
	src     Source
	version string

	build, serving, sessions, registered, queued, slots *prometheus.Desc
	registrations, messages, deliveries, ended          *prometheus.Desc
	grants, transfers, transferBytes                    *prometheus.Desc
	storeWorking, storeCommits, storeMessages           *prometheus.Desc
	storeFailures, storeBacklog                         *prometheus.Desc
}

func newCollector(src Source, version string) *collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("natter_"+name, help, labels, nil)
	}
	return &collector{
		src:           src,
		version:       version,
		build:         d("build_info", "The natterd build: always 1, with its version as a label.", "version"),
		serving:       d("serving", "1 while the hub accepts sessions, 0 once it is shutting down."),
		sessions:      d("sessions", "Open sessions, registered or not."),
		registered:    d("registered_sessions", "Sessions with a nick."),
		queued:        d("out_queue_bytes", "Bytes waiting in the sessions' output queues."),
		slots:         d("transfer_slots", "Transfer grants not used yet plus transfers running."),
		registrations: d("registrations_total", "Nicks accepted; a reconnect counts again."),
		messages:      d("messages_total", "Messages accepted, public (MSG) or private (PRIV).", "kind"),
		deliveries:    d("deliveries_total", "Copies of messages queued for clients."),
		ended:         d("sessions_ended_total", "Sessions that ended, by LEAVE or BYE reason.", "reason"),
		grants:        d("transfer_grants_total", "GET and PUT requests granted.", "kind"),
		transfers:     d("transfers_total", "File transfers that ended, by direction and result.", "direction", "result"),
		transferBytes: d("transfer_bytes_total", "Bytes of the files whose transfer completed.", "direction"),
		storeWorking:  d("store_working", "1 while the stored history's writes succeed, 0 while they fail; absent without a data folder."),
		storeCommits:  d("store_commit_seconds", "Grouped writes of the stored history that succeeded, and the time they took."),
		storeMessages: d("store_messages_total", "Messages written to the stored history."),
		storeFailures: d("store_write_failures_total", "Writes of the stored history that failed (a full disk, a read-only folder)."),
		storeBacklog:  d("store_backlog_messages", "Messages waiting to be stored while writes fail."),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.build, c.serving, c.sessions, c.registered, c.queued, c.slots,
		c.registrations, c.messages, c.deliveries, c.ended, c.grants, c.transfers, c.transferBytes,
		c.storeWorking, c.storeCommits, c.storeMessages, c.storeFailures, c.storeBacklog} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.Stats()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(c.build, 1, c.version)
	serving := 0.0
	if st.Serving {
		serving = 1
	}
	gauge(c.serving, serving)
	gauge(c.sessions, float64(st.Sessions))
	gauge(c.registered, float64(st.Registered))
	gauge(c.queued, float64(st.QueuedBytes))
	gauge(c.slots, float64(st.Transfers.Slots))
	counter(c.registrations, st.Registrations)
	counter(c.messages, st.Messages, "public")
	counter(c.messages, st.PrivateMessages, "private")
	counter(c.deliveries, st.Deliveries)
	for reason, n := range st.Ended {
		counter(c.ended, n, reason)
	}
	t := st.Transfers
	counter(c.grants, t.GetsGranted, "get")
	counter(c.grants, t.PutsGranted, "put")
	counter(c.transfers, t.DownloadsDone, "download", "done")
	counter(c.transfers, t.DownloadsFailed, "download", "failed")
	counter(c.transfers, t.UploadsDone, "upload", "done")
	counter(c.transfers, t.UploadsFailed, "upload", "failed")
	counter(c.transferBytes, t.DownloadedBytes, "download")
	counter(c.transferBytes, t.UploadedBytes, "upload")
	if st.Store.On {
		s := st.Store
		working := 0.0
		if s.Working {
			working = 1
		}
		gauge(c.storeWorking, working)
		ch <- prometheus.MustNewConstSummary(c.storeCommits, s.Commits, s.CommitTime.Seconds(), nil)
		counter(c.storeMessages, s.Messages)
		counter(c.storeFailures, s.Failures)
		gauge(c.storeBacklog, float64(s.Backlog))
	}
}
