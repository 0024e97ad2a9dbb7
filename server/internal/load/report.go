package load

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// Report is what one run measured. Durations are in nanoseconds in JSON;
// the keys are flat so that shell scripts can pick them out.
type Report struct {
	Addr     string  `json:"addr"`
	Mode     Mode    `json:"mode"`
	Clients  int     `json:"clients"`
	Senders  int     `json:"senders"`
	Messages int     `json:"messages"`
	Size     int     `json:"size"`
	Rate     float64 `json:"rate"` // per sender; 0 is full speed
	// Spread: the senders' schedules were spread over one sending interval
	// rather than started at the same instant.
	Spread bool `json:"spread"`
	// Receive is how natterload read its clients (epoll or goroutines);
	// Receivers the number of epoll loops, 0 with goroutines.
	Receive   Receiver `json:"receive"`
	Receivers int      `json:"receivers"`

	Registered  int           `json:"registered"`
	ConnectTime time.Duration `json:"connect_ns"` // first dial to last WELCOME
	Settled     bool          `json:"settled"`    // every client saw every other one
	SettleTime  time.Duration `json:"settle_ns"`  // last WELCOME to settled

	// SendPhaseTime runs from the first send until every receiver had all
	// it expected, or the run ended.
	SendPhaseTime time.Duration `json:"send_phase_ns"`
	// CPU time used by the hub (when its pid is known) and by natterload
	// itself while connecting and during the send phase, to 10 ms: on a
	// small machine both share the cores, and these show which one was
	// busy.
	HubCPUConnect time.Duration `json:"hub_cpu_connect_ns"`
	OwnCPUConnect time.Duration `json:"own_cpu_connect_ns"`
	HubCPUSend    time.Duration `json:"hub_cpu_send_ns"`
	OwnCPUSend    time.Duration `json:"own_cpu_send_ns"`

	Sent         int64         `json:"sent"`
	SendTime     time.Duration `json:"send_ns"`     // first send to last send
	Delivered    int64         `json:"delivered"`   // messages received by their receivers
	Confirmed    int64         `json:"confirmed"`   // PRIV echoes received by senders
	DeliveryTime time.Duration `json:"delivery_ns"` // first send to last delivery
	// DeliveriesPerSec is Delivered over DeliveryTime.
	DeliveriesPerSec float64 `json:"deliveries_per_sec"`

	LatencyMin  time.Duration `json:"latency_min_ns"`
	LatencyP50  time.Duration `json:"latency_p50_ns"`
	LatencyP90  time.Duration `json:"latency_p90_ns"`
	LatencyP99  time.Duration `json:"latency_p99_ns"`
	LatencyMax  time.Duration `json:"latency_max_ns"`
	LatencyMean time.Duration `json:"latency_mean_ns"`

	// Lost counts deliveries (and, for PRIV, confirmations) of sent
	// messages that never arrived; OutOfOrder those that arrived after a
	// later message of the same sender (a duplicate counts here too);
	// Surplus those beyond what was expected.
	Lost       int64 `json:"lost"`
	OutOfOrder int64 `json:"out_of_order"`
	Surplus    int64 `json:"surplus"`
	// LostBySender splits Lost by sender index, when anything was lost.
	LostBySender []int64 `json:"lost_by_sender,omitempty"`
	Unsent       int64   `json:"unsent"`      // messages the senders did not get to send
	OtherLines   int64   `json:"other_lines"` // MSG/PRIV lines not of this run

	SendErrors  []string       `json:"send_errors,omitempty"` // why senders stopped early
	Dropped     int            `json:"dropped"`               // clients whose session the hub ended
	DropReasons map[string]int `json:"drop_reasons,omitempty"`
	Errors      map[string]int `json:"errors,omitempty"` // ERR lines by "code keyword reason"

	HubPID       int   `json:"hub_pid,omitempty"`
	HubRSSBaseKB int64 `json:"hub_rss_base_kb"` // before connecting
	HubRSSIdleKB int64 `json:"hub_rss_idle_kb"` // all clients registered, nothing sent
	HubRSSPeakKB int64 `json:"hub_rss_peak_kb"` // highest sample while messages flowed
	HubRSSHWMKB  int64 `json:"hub_rss_hwm_kb"`  // the hub's lifetime high-water mark
	// HubRSSPerClient is (idle - base) / clients, in bytes.
	HubRSSPerClient float64 `json:"hub_rss_per_client_bytes"`

	TimedOut bool   `json:"timed_out"`
	Error    string `json:"error,omitempty"`

	// Latency holds every delivery's latency.
	Latency Histogram `json:"-"`

	firstSendNs int64
}

// OK reports whether the run completed with every message delivered once,
// in order, and no client dropped.
func (rep *Report) OK() bool {
	return rep.Error == "" && !rep.TimedOut && rep.Registered == rep.Clients &&
		rep.Lost == 0 && rep.OutOfOrder == 0 && rep.Surplus == 0 && rep.Unsent == 0 && rep.Dropped == 0
}

// collect adds up what the clients and senders saw. Every goroutine of the
// run has ended.
func (r *runner) collect(rep *Report) {
	cfg := r.cfg
	for k := range r.sent {
		rep.Sent += r.sent[k].Load()
		if err := r.sendErr[k]; err != nil {
			rep.SendErrors = append(rep.SendErrors, fmt.Sprintf("%s: %v", r.clients[k].nick, err))
		}
	}
	rep.Unsent = int64(cfg.Senders)*int64(cfg.Messages) - rep.Sent
	var expDelivered, expConfirmed, lastNs int64
	if cfg.Mode == Broadcast {
		expDelivered = rep.Sent * int64(cfg.Clients)
	} else {
		expDelivered, expConfirmed = rep.Sent, rep.Sent
	}
	for _, c := range r.clients {
		rep.Delivered += c.delivered
		rep.Confirmed += c.confirmed
		rep.OutOfOrder += c.outOfOrder
		rep.OtherLines += c.other
		rep.Latency.Merge(c.hist)
		lastNs = max(lastNs, c.lastNs)
		for k, n := range c.errs {
			if rep.Errors == nil {
				rep.Errors = make(map[string]int)
			}
			rep.Errors[k] += n
		}
		if c.dropped {
			rep.Dropped++
			if rep.DropReasons == nil {
				rep.DropReasons = make(map[string]int)
			}
			rep.DropReasons[r.dropReason(c)]++
		}
	}
	rep.Lost = max(0, expDelivered-rep.Delivered) + max(0, expConfirmed-rep.Confirmed)
	if rep.Lost > 0 {
		rep.LostBySender = r.lostBySender()
	}
	rep.Surplus = max(0, rep.Delivered-expDelivered) + max(0, rep.Confirmed-expConfirmed)
	if rep.Sent > 0 && lastNs > rep.firstSendNs {
		rep.DeliveryTime = time.Duration(lastNs - rep.firstSendNs)
		rep.DeliveriesPerSec = float64(rep.Delivered) / rep.DeliveryTime.Seconds()
	}
	if rep.Sent > 0 {
		rep.SendTime = r.sendSpan(rep)
	}
	h := &rep.Latency
	rep.LatencyMin = time.Duration(h.Min())
	rep.LatencyP50 = time.Duration(h.Percentile(50))
	rep.LatencyP90 = time.Duration(h.Percentile(90))
	rep.LatencyP99 = time.Duration(h.Percentile(99))
	rep.LatencyMax = time.Duration(h.Max())
	rep.LatencyMean = time.Duration(h.Mean())
	if cfg.HubPID > 0 {
		if m, err := ReadRSS(cfg.HubPID); err == nil {
			rep.HubRSSHWMKB = m.HWMKB
		}
		if rep.HubRSSIdleKB > 0 {
			rep.HubRSSPerClient = float64(rep.HubRSSIdleKB-rep.HubRSSBaseKB) * 1024 / float64(cfg.Clients)
		}
	}
}

// lostBySender counts, for each sender, the deliveries and confirmations of
// its sent messages that did not arrive.
func (r *runner) lostBySender() []int64 {
	lost := make([]int64, r.cfg.Senders)
	for k := range lost {
		sent := r.sent[k].Load()
		if r.cfg.Mode == Broadcast {
			lost[k] = sent * int64(r.cfg.Clients)
		} else {
			lost[k] = 2 * sent // delivery and confirmation
		}
	}
	for _, c := range r.clients {
		for k, n := range c.got {
			lost[k] -= n
		}
	}
	for k := range lost {
		lost[k] = max(0, lost[k])
	}
	return lost
}

// sendSpan is the time from the first to the last send.
func (r *runner) sendSpan(rep *Report) time.Duration {
	var last int64
	for k := range r.lastSend {
		last = max(last, r.lastSend[k].Load())
	}
	return time.Duration(max(0, last-rep.firstSendNs))
}

func (r *runner) dropReason(c *client) string {
	r.leavesMu.Lock()
	reason, ok := r.leaves[string(c.nick)]
	r.leavesMu.Unlock()
	switch {
	case ok:
		return reason
	case c.bye != "":
		return "bye: " + c.bye
	case c.endErr != nil:
		return "connection: " + c.endErr.Error()
	}
	return "connection closed"
}

// WriteText writes the report as a human-readable block.
func (rep *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("natterload %s: %d clients, %d senders x %d messages of %d bytes, %s", rep.Addr, rep.Clients, rep.Senders, rep.Messages, rep.Size, modeString(rep))
	p("  receive         %s", receiveString(rep))
	p("  registered      %d/%d in %v (settled: %v after %v more)", rep.Registered, rep.Clients, ms(rep.ConnectTime), rep.Settled, ms(rep.SettleTime))
	if rep.ConnectTime > 0 {
		p("  cpu connecting  %s", cpuString(rep.HubPID, rep.HubCPUConnect, rep.OwnCPUConnect, rep.ConnectTime))
	}
	if rep.Sent > 0 {
		p("  sent            %d in %v (unsent %d)", rep.Sent, ms(rep.SendTime), rep.Unsent)
		p("  delivered       %d in %v: %.0f deliveries/s", rep.Delivered, ms(rep.DeliveryTime), rep.DeliveriesPerSec)
		if rep.Mode == Private {
			p("  confirmed       %d (PRIV echoes to senders)", rep.Confirmed)
		}
		p("  cpu sending     %s", cpuString(rep.HubPID, rep.HubCPUSend, rep.OwnCPUSend, rep.SendPhaseTime))
		p("  latency         p50 %v  p90 %v  p99 %v  max %v  (min %v, mean %v)",
			us(rep.LatencyP50), us(rep.LatencyP90), us(rep.LatencyP99), us(rep.LatencyMax), us(rep.LatencyMin), us(rep.LatencyMean))
		p("  lost            %d   out of order %d   surplus %d   other lines %d", rep.Lost, rep.OutOfOrder, rep.Surplus, rep.OtherLines)
		if len(rep.LostBySender) > 0 {
			p("  lost by sender  %v", rep.LostBySender)
		}
	}
	p("  dropped         %d%s", rep.Dropped, mapString(rep.DropReasons))
	for _, e := range rep.SendErrors {
		p("  sender stopped  %s", e)
	}
	if len(rep.Errors) > 0 {
		p("  hub errors      %s", strings.TrimPrefix(mapString(rep.Errors), " "))
		for k := range rep.Errors {
			if strings.HasSuffix(k, " "+proto.ReasonSlowDown) {
				p("                  (429: the hub's flood limit is on; run it with the limit lifted)")
				break
			}
		}
	}
	if rep.HubPID > 0 {
		p("  hub memory      base %s  idle %s  peak under load %s  high-water %s  per idle client %.0f bytes",
			kb(rep.HubRSSBaseKB), kb(rep.HubRSSIdleKB), kb(rep.HubRSSPeakKB), kb(rep.HubRSSHWMKB), rep.HubRSSPerClient)
	}
	if rep.Error != "" {
		p("  FAILED          %s", rep.Error)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cpuString shows CPU times as cores kept busy over the wall time.
func cpuString(hubPID int, hub, own, wall time.Duration) string {
	cores := func(d time.Duration) string {
		if wall <= 0 {
			return fmt.Sprintf("%v", d)
		}
		return fmt.Sprintf("%v (%.2f cores)", d, d.Seconds()/wall.Seconds())
	}
	s := "natterload " + cores(own)
	if hubPID > 0 {
		s = "hub " + cores(hub) + ", " + s
	}
	return s
}

func modeString(rep *Report) string {
	m := "MSG to everyone"
	if rep.Mode == Private {
		m = "PRIV to random receivers"
	}
	m += ", " + rateString(rep.Rate)
	if rep.Spread {
		m += ", senders spread over the interval"
	}
	return m
}

func receiveString(rep *Report) string {
	switch {
	case rep.Receive == ReceiveEpoll && rep.Receivers == 1:
		return "epoll, 1 event loop"
	case rep.Receive == ReceiveEpoll:
		return fmt.Sprintf("epoll, %d event loops", rep.Receivers)
	case rep.Receive == ReceiveGoroutines:
		return "goroutines, one per client"
	}
	return string(rep.Receive)
}

func mapString(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" (")
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %d", k, m[k])
	}
	b.WriteString(")")
	return b.String()
}

func ms(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

func us(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

func kb(v int64) string {
	return fmt.Sprintf("%.1f MiB", float64(v)/1024)
}
