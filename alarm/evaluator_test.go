package alarm

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
)

type queue struct{ events []string }

func (q *queue) Enqueue(_ streamplane.Tx, _ *streamplane.Instance, _ *streamplane.AlarmRule, a *streamplane.Alarm) error {
	q.events = append(q.events, a.State+" "+a.Labels["broker"])
	return nil
}
func (q *queue) Wake() {}

// Fire and resolve survive an evaluator's restart: the state is the
// store's, so a new evaluator neither fires again nor misses the resolve.
func TestEvaluatorAcrossRestart(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	inst := &streamplane.Instance{ID: "i1", Name: "demo"}
	err = store.Update(ctx, func(tx streamplane.Tx) error {
		return tx.CreateAlarmRule(&streamplane.AlarmRule{ID: "r1", InstanceID: "i1", Name: "down", Metric: "broker_alive",
			Op: "==", Threshold: 0, Periods: 2, Severity: streamplane.SeverityCritical, Enabled: true, Channels: []string{"ops"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	q := &queue{}
	ids := 0
	newEvaluator := func() *Evaluator {
		return &Evaluator{Store: store, Notifier: q, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			NewID: func() string { ids++; return fmt.Sprintf("a%d", ids) }}
	}
	at := time.Unix(1_700_000_000, 0)
	round := func(e *Evaluator, alive0, alive1 float64) {
		at = at.Add(time.Minute)
		e.Observe(ctx, at, []*streamplane.Instance{inst}, []streamplane.Sample{
			{Key: streamplane.BrokerSeries("i1", "broker_alive", 0), Value: alive0},
			{Key: streamplane.BrokerSeries("i1", "broker_alive", 1), Value: alive1},
		})
	}
	e := newEvaluator()
	round(e, 0, 1)
	round(e, 0, 1) // fires on broker 0
	e = newEvaluator()
	round(e, 0, 1) // still down: no second fire
	e = newEvaluator()
	round(e, 1, 1) // resolves
	round(e, 1, 1)
	if want := []string{"firing 0", "resolved 0"}; fmt.Sprint(q.events) != fmt.Sprint(want) {
		t.Errorf("notifications %v, want %v", q.events, want)
	}
	var alarms []*streamplane.Alarm
	store.View(ctx, func(tx streamplane.Tx) error {
		alarms, err = tx.Alarms(streamplane.AlarmFilter{InstanceID: "i1"})
		return err
	})
	if len(alarms) != 1 || alarms[0].State != streamplane.AlarmResolved || alarms[0].ResolvedValue == nil || *alarms[0].ResolvedValue != 1 {
		t.Fatalf("alarm history %+v, want one resolved alarm", alarms)
	}
	if !alarms[0].FiredAt.Equal(time.Unix(1_700_000_000, 0).Add(2 * time.Minute)) {
		t.Errorf("fired at %v, want the second round", alarms[0].FiredAt)
	}
}
