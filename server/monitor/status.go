package monitor

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Status reads the metrics a running hub serves at base (such as
// "http://127.0.0.1:50081") and writes them to w for a person.
func Status(ctx context.Context, client *http.Client, base string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/metrics", nil)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("status: is natterd running with its metrics on %s? %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status: %s answered %s", req.URL, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("status: %s is not a natterd metrics page: %w", req.URL, err)
	}
	if _, ok := families["natter_sessions"]; !ok {
		return fmt.Errorf("status: %s has no natter_sessions: not a natterd metrics page", req.URL)
	}
	writeStatus(w, base, metricSet(families))
	return nil
}

// metricSet looks up values by metric name and label values.
type metricSet map[string]*dto.MetricFamily

// value returns the metric name whose labels have the given values
// ("direction", "download", ...), summed over the others; 0 if absent.
func (m metricSet) value(name string, labels ...string) float64 {
	f, ok := m[name]
	if !ok {
		return 0
	}
	var sum float64
next:
	for _, mt := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			if labelValue(mt, labels[i]) != labels[i+1] {
				continue next
			}
		}
		switch {
		case mt.GetCounter() != nil:
			sum += mt.GetCounter().GetValue()
		case mt.GetGauge() != nil:
			sum += mt.GetGauge().GetValue()
		case mt.GetUntyped() != nil:
			sum += mt.GetUntyped().GetValue()
		}
	}
	return sum
}

// summary is the count and sum of a summary metric.
type summary struct {
	count uint64
	sum   float64
}

func (m metricSet) commits(name string) summary {
	f, ok := m[name]
	if !ok || len(f.GetMetric()) == 0 || f.GetMetric()[0].GetSummary() == nil {
		return summary{}
	}
	sm := f.GetMetric()[0].GetSummary()
	return summary{count: sm.GetSampleCount(), sum: sm.GetSampleSum()}
}

func (m metricSet) label(name, label string) string {
	if f, ok := m[name]; ok && len(f.GetMetric()) > 0 {
		return labelValue(f.GetMetric()[0], label)
	}
	return ""
}

func labelValue(mt *dto.Metric, name string) string {
	for _, l := range mt.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func writeStatus(w io.Writer, base string, m metricSet) {
	state := "serving"
	if m.value("natter_serving") == 0 {
		state = "shutting down"
	}
	n := func(name string, labels ...string) int64 { return int64(m.value(name, labels...)) }
	fmt.Fprintf(w, "natterd %s at %s: %s\n", m.label("natter_build_info", "version"), base, state)
	fmt.Fprintf(w, "  sessions    %d open, %d with a nick; %d registrations since start\n",
		n("natter_sessions"), n("natter_registered_sessions"), n("natter_registrations_total"))
	fmt.Fprintf(w, "  messages    %d public, %d private; %d deliveries; %s queued for clients\n",
		n("natter_messages_total", "kind", "public"), n("natter_messages_total", "kind", "private"),
		n("natter_deliveries_total"), bytes(n("natter_out_queue_bytes")))
	if f, ok := m["natter_sessions_ended_total"]; ok {
		var parts []string
		for _, mt := range f.GetMetric() {
			if v := int64(mt.GetCounter().GetValue()); v > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", labelValue(mt, "reason"), v))
			}
		}
		slices.Sort(parts)
		if len(parts) == 0 {
			parts = []string{"none"}
		}
		fmt.Fprintf(w, "  ended       %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "  transfers   %d slots in use; %d GET and %d PUT granted\n",
		n("natter_transfer_slots"), n("natter_transfer_grants_total", "kind", "get"), n("natter_transfer_grants_total", "kind", "put"))
	for _, dir := range []string{"download", "upload"} {
		fmt.Fprintf(w, "  %-11s %d done (%s), %d failed\n", dir+"s",
			n("natter_transfers_total", "direction", dir, "result", "done"),
			bytes(n("natter_transfer_bytes_total", "direction", dir)),
			n("natter_transfers_total", "direction", dir, "result", "failed"))
	}
	if _, ok := m["natter_store_working"]; ok {
		state := "writing"
		if m.value("natter_store_working") == 0 {
			state = "NOT WRITING"
		}
		commits := m.commits("natter_store_commit_seconds")
		avg := ""
		if commits.count > 0 {
			avg = fmt.Sprintf(", %.2f ms each on average", 1000*commits.sum/float64(commits.count))
		}
		fmt.Fprintf(w, "  history     %s: %d messages stored in %d commits%s; %d failed writes, %d waiting\n",
			state, n("natter_store_messages_total"), commits.count, avg, n("natter_store_write_failures_total"), n("natter_store_backlog_messages"))
	}
	if _, ok := m["process_resident_memory_bytes"]; ok {
		up := ""
		if start := m.value("process_start_time_seconds"); start > 0 {
			up = ", up " + time.Since(time.Unix(int64(start), 0)).Round(time.Second).String()
		}
		fmt.Fprintf(w, "  process     %s resident, %d open files, %d goroutines%s\n",
			bytes(n("process_resident_memory_bytes")), n("process_open_fds"), n("go_goroutines"), up)
	}
}

// bytes writes a byte count for people, in the units natterd's flags use.
func bytes(v int64) string {
	const unit = 1024
	if v < unit {
		return fmt.Sprintf("%d B", v)
	}
	div, exp := int64(unit), 0
	for x := v / unit; x >= unit; x /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(v)/float64(div), "KMGTPE"[exp])
}
