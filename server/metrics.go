package server

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/alarm"
	"github.com/streamplane/streamplane/collector"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/notify"
	"github.com/streamplane/streamplane/secrets"
	"github.com/streamplane/streamplane/series"
)

// monitoring is the metrics collector, the history it writes, the alarm
// evaluator it feeds and the worker that sends alarm notifications.
type monitoring struct {
	history   *series.DB
	collector *collector.Collector
	worker    *notify.Worker
}

func newMonitoring(cfg Config, store Store, prov streamplane.Provisioner, pool *kafkaadmin.Pool, vault *secrets.Vault, watching func(string) bool, log *slog.Logger) (*monitoring, error) {
	history := series.New(store, series.Retention{Raw: cfg.MetricsRetentionRaw, FiveMinute: cfg.MetricsRetention5m, Hour: cfg.MetricsRetention1h})
	smtp, err := smtpConfig(cfg)
	if err != nil {
		return nil, err
	}
	worker := &notify.Worker{Store: store, Vault: vault, SMTP: smtp, Log: log}
	evaluator := &alarm.Evaluator{Store: store, Notifier: alarmNotifier{worker}, Log: log, NewID: uuid.NewString}
	c := &collector.Collector{Store: store, Provisioner: prov, Admin: pool, History: history, Watchers: []collector.Watcher{evaluator},
		Log: log, Interval: cfg.MetricsInterval, StorageUnit: cfg.StorageUnitBytes, Watching: watching}
	return &monitoring{history: history, collector: c, worker: worker}, nil
}

// smtpConfig is the mail relay, if one is configured; its password comes
// from a file, never from a flag.
func smtpConfig(cfg Config) (*notify.SMTPConfig, error) {
	if cfg.SMTPAddr == "" {
		return nil, nil
	}
	c := &notify.SMTPConfig{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUsername, StartTLS: cfg.SMTPStartTLS}
	if cfg.SMTPPasswordFile != "" {
		b, err := os.ReadFile(cfg.SMTPPasswordFile)
		if err != nil {
			return nil, err
		}
		c.Password = strings.TrimRight(string(b), "\r\n")
	}
	return c, c.Validate()
}

// run collects, evaluates and notifies until ctx ends; rollups and
// retention run every few minutes beside them.
func (m *monitoring) run(ctx context.Context, log *slog.Logger) {
	done := make(chan struct{}, 2)
	go func() { m.collector.Run(ctx); done <- struct{}{} }()
	go func() { m.worker.Run(ctx); done <- struct{}{} }()
	tick := time.NewTicker(5 * time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			<-done
			<-done
			return
		case now := <-tick.C:
			if err := m.history.Maintain(ctx, now); err != nil && ctx.Err() == nil {
				log.Warn("metric rollups and retention", "err", err)
			}
		}
	}
}

// latest gives /metrics the last collection.
func (m *monitoring) latest() ([]*streamplane.Instance, []streamplane.Sample) {
	r := m.collector.Latest()
	return r.Instances, r.Samples
}

// alarmNotifier queues an alarm's notifications to its rule's channels.
type alarmNotifier struct{ worker *notify.Worker }

func (n alarmNotifier) Enqueue(tx streamplane.Tx, inst *streamplane.Instance, rule *streamplane.AlarmRule, a *streamplane.Alarm) error {
	at, value := a.FiredAt, a.Value
	if a.State == streamplane.AlarmResolved && a.ResolvedAt != nil {
		at = *a.ResolvedAt
		if a.ResolvedValue != nil {
			value = *a.ResolvedValue
		}
	}
	_, _, err := notify.Enqueue(tx, &streamplane.AlarmNotification{AlarmID: a.ID, State: a.State, RuleID: rule.ID, RuleName: rule.Name,
		InstanceID: inst.ID, InstanceName: inst.Name, Metric: a.Metric, Labels: a.Labels, Value: value, Op: a.Op,
		Threshold: a.Threshold, Periods: a.Periods, Severity: a.Severity, At: at}, rule.Channels)
	return err
}

func (n alarmNotifier) Wake() { n.worker.Wake() }
