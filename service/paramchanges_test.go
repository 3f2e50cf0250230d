package service_test

import (
	"context"
	"slices"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/service"
)

// A dynamic parameter applies live and is saved; a static one is saved
// for the next restart; a reset goes back to the default.
func TestParameterChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ch, err := f.svc.SetParameters(ctx, "demo", map[string]string{"message.max.bytes": "2000000", "log.retention.hours": "24"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.AppliedLive, []string{"message.max.bytes"}) || !slices.Equal(ch.Saved, []string{"log.retention.hours"}) {
		t.Errorf("applied live %v, saved %v", ch.AppliedLive, ch.Saved)
	}
	if p := parameter(ch, "message.max.bytes"); p.Value != "2000000" {
		t.Errorf("message.max.bytes runs with %q, want 2000000", p.Value)
	}
	if !slices.Equal(ch.PendingRestart, []string{"log.retention.hours"}) {
		t.Errorf("pending restart %v, want log.retention.hours", ch.PendingRestart)
	}
	_, err = f.svc.SetParameters(ctx, "demo", map[string]string{"min.insync.replicas": "4"})
	wantCode(t, err, streamplane.EINVALID, "min.insync.replicas")

	ch, err = f.svc.ResetParameters(ctx, "demo", []string{"message.max.bytes", "log.retention.hours"})
	if err != nil {
		t.Fatal(err)
	}
	if p := parameter(ch, "message.max.bytes"); p.Value != p.Default {
		t.Errorf("after the reset message.max.bytes = %q, default %q", p.Value, p.Default)
	}
	if len(ch.PendingRestart) != 0 {
		t.Errorf("pending restart after the reset: %v", ch.PendingRestart)
	}
	if tk := f.tasks(t, streamplane.TaskResetParameters)[0]; tk.Status != streamplane.TaskSucceeded || tk.Result == "" {
		t.Errorf("reset task %s %q", tk.Status, tk.Result)
	}
}

func parameter(ch *service.ParameterChange, name string) streamplane.Parameter {
	for _, p := range ch.Parameters {
		if p.Name == name {
			return p
		}
	}
	return streamplane.Parameter{}
}
