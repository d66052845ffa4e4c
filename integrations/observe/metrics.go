// Package observe makes a running flowbot visible to the platform around
// it: /healthz and /readyz for the orchestrator's probes, /metrics in
// Prometheus' format, and the decorators that record those metrics where
// the work happens without the working packages knowing about Prometheus.
//
// Nothing here is global: Metrics registers its collectors on the
// prometheus.Registerer it is given, and each decorator holds the *Metrics
// it records to. The decorators wrap from the outside:
//
//   - Commands wraps the bot's command handler: slash commands by name and
//     outcome, and how long each answer took.
//   - Transport is the innermost http.RoundTripper of an integration (below
//     retry.Transport), so every request sent is counted with the status it
//     got, 304s and 429s included, also those that retry.Transport retries.
//   - IssueSource, PullRequestSource and DeploymentSource wrap the sync
//     sources: sync runs and their duration per source.
//   - SyncStore wraps the sync's store: after each team's sync it reads the
//     team's item and pull-request counts into gauges.
//   - RunEvery is the background-sync scheduler, counting its fires.
//
// Label values are bounded: command names come from bot's own command
// table, services and sources are fixed strings chosen by the caller, and
// teams come from the configuration.
package observe

import (
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds every flowbot_ collector. Its methods are safe for
// concurrent use; a nil *Metrics records nothing.
type Metrics struct {
	commands        *prometheus.CounterVec
	commandDuration *prometheus.HistogramVec
	syncRuns        *prometheus.CounterVec
	syncDuration    *prometheus.HistogramVec
	apiCalls        *prometheus.CounterVec
	rateLimitWaits  *prometheus.CounterVec
	rateLimitWaited *prometheus.CounterVec
	itemsStored     *prometheus.GaugeVec
	prsStored       *prometheus.GaugeVec
	lastSync        *prometheus.GaugeVec
	schedulerFires  *prometheus.CounterVec
	nudgesPosted    *prometheus.CounterVec
	nudgesHeld      *prometheus.CounterVec
	lockLosses      *prometheus.CounterVec
}

// NewMetrics creates the collectors and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbot_slash_commands_total",
			Help: "Slash commands answered, by command and outcome (ok, invalid: the text did not parse, error: answering failed).",
		}, []string{"command", "outcome"}),
		commandDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flowbot_slash_command_duration_seconds",
			Help:    "Time to answer a slash command, by command.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"command"}),
		syncRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbot_sync_runs_total",
			Help: "Syncs of one scope (a JQL or a repository) from a source, by source and result (ok or error).",
		}, []string{"source", "result"}),
		syncDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "flowbot_sync_duration_seconds",
			Help:    "Time to sync one scope from a source, by source.",
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600},
		}, []string{"source"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbot_api_calls_total",
			Help: "HTTP requests sent to an API, retries included, by service and status code (\"error\": no response).",
		}, []string{"service", "status"}),
		rateLimitWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbot_rate_limit_waits_total",
			Help: "Waits before retrying a request, by service and reason (rate_limited, unavailable, network).",
		}, []string{"service", "reason"}),
		rateLimitWaited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbot_rate_limit_wait_seconds_total",
			Help: "Time spent waiting before retrying requests, by service.",
		}, []string{"service"}),
		itemsStored: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flowbot_items_stored",
			Help: "Jira items stored for a team, read from the store after each of its syncs.",
		}, []string{"team"}),
		prsStored: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flowbot_pull_requests_stored",
			Help: "Pull requests stored for a team, read from the store after each of its syncs.",
		}, []string{"team"}),
		lastSync: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flowbot_last_sync_timestamp_seconds",
			Help: "When a team's last successful sync ended, as a Unix time.",
		}, []string{"team"}),
		schedulerFires: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbot_scheduler_fires_total",
			Help: "Times a scheduled job started, by job; a fire skipped because the previous run was still going is counted with skipped=\"true\".",
		}, []string{"job", "skipped"}),
		nudgesPosted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbot_nudges_posted_total",
			Help: "Coaching nudges posted in a flow check, by team and rule.",
		}, []string{"team", "rule"}),
		nudgesHeld: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbot_nudges_suppressed_total",
			Help: "Coaching nudges that held but were held back at a flow check, by team and reason (paused, snoozed, on it, away, not a working day, sent once, same level).",
		}, []string{"team", "reason"}),
		lockLosses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flowbot_lock_losses_total",
			Help: "Sync leases lost while their work was still running (another replica may have taken the work over), by kind (renewal: a sync lease could not be renewed; fence: a sync's write was refused because a newer lease holder had written).",
		}, []string{"kind"}),
	}
	var errs []error
	for _, c := range []prometheus.Collector{
		m.commands, m.commandDuration, m.syncRuns, m.syncDuration, m.apiCalls,
		m.rateLimitWaits, m.rateLimitWaited, m.itemsStored, m.prsStored, m.lastSync, m.schedulerFires,
		m.nudgesPosted, m.nudgesHeld, m.lockLosses,
	} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// Zero from the start, so an alert on an increase sees the first loss.
	for _, kind := range lockLossKinds {
		m.lockLosses.WithLabelValues(kind)
	}
	return m, nil
}

func (m *Metrics) command(name, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.commands.WithLabelValues(name, outcome).Inc()
	m.commandDuration.WithLabelValues(name).Observe(d.Seconds())
}

func (m *Metrics) syncRun(source string, err error, d time.Duration) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.syncRuns.WithLabelValues(source, result).Inc()
	m.syncDuration.WithLabelValues(source).Observe(d.Seconds())
}

func (m *Metrics) apiCall(service string, status int) {
	if m == nil {
		return
	}
	label := "error"
	if status > 0 {
		label = strconv.Itoa(status)
	}
	m.apiCalls.WithLabelValues(service, label).Inc()
}

// RateLimitWait records one wait before a retry. It has the shape of
// retry.Transport's OnWait hook.
func (m *Metrics) RateLimitWait(service, reason string, d time.Duration) {
	if m == nil {
		return
	}
	m.rateLimitWaits.WithLabelValues(service, reason).Inc()
	m.rateLimitWaited.WithLabelValues(service).Add(d.Seconds())
}

func (m *Metrics) stored(team string, items, prs int, at time.Time) {
	if m == nil {
		return
	}
	m.itemsStored.WithLabelValues(team).Set(float64(items))
	m.prsStored.WithLabelValues(team).Set(float64(prs))
	m.lastSync.WithLabelValues(team).Set(float64(at.UnixMilli()) / 1000)
}

func (m *Metrics) fired(job string, skipped bool) {
	if m == nil {
		return
	}
	m.schedulerFires.WithLabelValues(job, strconv.FormatBool(skipped)).Inc()
}
