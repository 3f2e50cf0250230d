package supervisor

import (
	"errors"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

func TestDecideRevival(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	limits := restartLimits{max: 3, window: 10 * time.Minute}
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	for _, tc := range []struct {
		name     string
		broker   streamplane.Broker
		restarts []time.Time
		want     revival
		remember int // restarts remembered afterwards
	}{
		{"FirstCrash", streamplane.Broker{State: streamplane.BrokerActive, PID: 41}, nil, restart, 1},
		{"ThirdCrash", streamplane.Broker{State: streamplane.BrokerStarting, PID: 41}, []time.Time{ago(5 * time.Minute), ago(time.Minute)}, restart, 3},
		{"FourthCrashWithinWindow", streamplane.Broker{State: streamplane.BrokerStarting, PID: 41},
			[]time.Time{ago(9 * time.Minute), ago(5 * time.Minute), ago(time.Minute)}, giveUp, 3},
		{"OldCrashesForgotten", streamplane.Broker{State: streamplane.BrokerActive, PID: 41},
			[]time.Time{ago(30 * time.Minute), ago(10 * time.Minute), ago(time.Minute)}, restart, 2},
		{"GivenUpEarlier", streamplane.Broker{State: streamplane.BrokerError, Error: "process exited 4 times"},
			[]time.Time{ago(time.Minute)}, leaveDown, 1},
		// A broker in ERROR whose process ran until now (it was restarted
		// but not yet seen ACTIVE) is restarted again.
		{"ErrorWithProcess", streamplane.Broker{State: streamplane.BrokerError, PID: 41}, nil, restart, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]time.Time(nil), tc.restarts...)
			got, remembered := decideRevival(&tc.broker, tc.restarts, now, limits)
			if got != tc.want || len(remembered) != tc.remember {
				t.Fatalf("decideRevival = %v with %d restarts remembered, want %v with %d", got, len(remembered), tc.want, tc.remember)
			}
			if got == restart && !remembered[len(remembered)-1].Equal(now) {
				t.Errorf("a restart is not remembered: %v", remembered)
			}
			for i := range before {
				if !tc.restarts[i].Equal(before[i]) {
					t.Fatalf("decideRevival changed the caller's restarts: %v, was %v", tc.restarts, before)
				}
			}
		})
	}
}

func TestGaveUpNote(t *testing.T) {
	t.Parallel()
	got := gaveUpNote(3, 10*time.Minute)
	if !strings.HasPrefix(got, "process exited 4 times within 10m0s; not restarting it") {
		t.Errorf("gaveUpNote(3, 10m) = %q", got)
	}
}

func TestAssess(t *testing.T) {
	t.Parallel()
	started := time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC)
	proc := func(pid int) streamplane.Process { return streamplane.Process{PID: pid, StartedAt: started} }
	running := func(pid int) *observation { return &observation{running: true, proc: proc(pid)} }
	all := map[int32]bool{1: true, 2: true, 3: true}
	brokers := func(states ...streamplane.BrokerState) []streamplane.Broker {
		var out []streamplane.Broker
		for i, s := range states {
			out = append(out, streamplane.Broker{ID: i + 1, State: s, PID: 100 + i})
		}
		return out
	}
	type want struct {
		status  streamplane.InstanceStatus
		reason  string // a substring; "" means empty
		states  []streamplane.BrokerState
		saved   bool
		checkFn func(t *testing.T, inst *streamplane.Instance)
	}
	for _, tc := range []struct {
		name    string
		status  streamplane.InstanceStatus
		brokers []streamplane.Broker
		obs     map[int]*observation
		health  health
		want    want
	}{
		{
			name: "AllServe", status: streamplane.InstanceFaulty,
			brokers: brokers(streamplane.BrokerStarting, streamplane.BrokerActive, streamplane.BrokerActive),
			obs:     map[int]*observation{1: running(100), 2: running(101), 3: running(102)},
			health:  health{alive: all},
			want: want{status: streamplane.InstanceRunning, saved: true,
				states: []streamplane.BrokerState{streamplane.BrokerActive, streamplane.BrokerActive, streamplane.BrokerActive}},
		},
		{
			name: "ProcessRunsButNotRegistered", status: streamplane.InstanceRunning,
			brokers: brokers(streamplane.BrokerActive, streamplane.BrokerActive, streamplane.BrokerActive),
			obs:     map[int]*observation{1: running(100), 2: running(101), 3: running(102)},
			health:  health{alive: map[int32]bool{1: true, 3: true}},
			want: want{status: streamplane.InstanceFaulty, saved: true, reason: "broker 2 STARTING: process runs but the broker is not registered with the cluster",
				states: []streamplane.BrokerState{streamplane.BrokerActive, streamplane.BrokerStarting, streamplane.BrokerActive}},
		},
		{
			name: "ClusterDoesNotAnswer", status: streamplane.InstanceRunning,
			brokers: brokers(streamplane.BrokerActive, streamplane.BrokerActive, streamplane.BrokerActive),
			obs:     map[int]*observation{1: running(100), 2: running(101), 3: running(102)},
			health:  health{err: errors.New("dial tcp: connection refused")},
			// The processes run: each broker keeps its state, the instance is faulty.
			want: want{status: streamplane.InstanceFaulty, saved: true, reason: "the cluster does not answer: dial tcp: connection refused",
				states: []streamplane.BrokerState{streamplane.BrokerActive, streamplane.BrokerActive, streamplane.BrokerActive}},
		},
		{
			name: "RestartedBroker", status: streamplane.InstanceRunning,
			brokers: brokers(streamplane.BrokerActive, streamplane.BrokerActive, streamplane.BrokerActive),
			obs: map[int]*observation{1: running(100), 3: running(102),
				2: {proc: proc(555), restarted: true, note: "process exited; restarted by the supervisor as pid 555"}},
			health: health{alive: map[int32]bool{1: true, 3: true}},
			want: want{status: streamplane.InstanceFaulty, saved: true, reason: "broker 2 STARTING: process exited; restarted",
				states: []streamplane.BrokerState{streamplane.BrokerActive, streamplane.BrokerStarting, streamplane.BrokerActive},
				checkFn: func(t *testing.T, inst *streamplane.Instance) {
					b := inst.Brokers[1]
					if b.PID != 555 || b.Restarts != 1 || b.StartedAt == nil || !b.StartedAt.Equal(started) {
						t.Errorf("restarted broker = pid %d, %d restarts, started %v; want pid 555, 1 restart, started %v", b.PID, b.Restarts, b.StartedAt, started)
					}
				}},
		},
		{
			name: "RestartFailed", status: streamplane.InstanceRunning,
			brokers: brokers(streamplane.BrokerActive, streamplane.BrokerActive, streamplane.BrokerActive),
			obs: map[int]*observation{1: running(100), 3: running(102),
				2: {note: "process exited and could not be restarted: no java"}},
			health: health{alive: map[int32]bool{1: true, 3: true}},
			want: want{status: streamplane.InstanceFaulty, saved: true, reason: "broker 2 ERROR: process exited and could not be restarted: no java",
				states: []streamplane.BrokerState{streamplane.BrokerActive, streamplane.BrokerError, streamplane.BrokerActive}},
		},
		{
			name: "GaveUp", status: streamplane.InstanceFaulty,
			brokers: brokers(streamplane.BrokerActive, streamplane.BrokerStarting, streamplane.BrokerActive),
			obs: map[int]*observation{1: running(100), 3: running(102),
				2: {gaveUp: true, note: gaveUpNote(3, 10*time.Minute)}},
			health: health{alive: map[int32]bool{1: true, 3: true}},
			want: want{status: streamplane.InstanceFaulty, saved: true, reason: "broker 2 ERROR: process exited 4 times within 10m0s",
				states: []streamplane.BrokerState{streamplane.BrokerActive, streamplane.BrokerError, streamplane.BrokerActive},
				checkFn: func(t *testing.T, inst *streamplane.Instance) {
					if b := inst.Brokers[1]; b.PID != 0 || b.StartedAt != nil {
						t.Errorf("given-up broker keeps pid %d, started %v", b.PID, b.StartedAt)
					}
				}},
		},
		{
			name: "StaysGivenUp", status: streamplane.InstanceFaulty,
			brokers: []streamplane.Broker{{ID: 1, State: streamplane.BrokerActive, PID: 100},
				{ID: 2, State: streamplane.BrokerError, Error: "process exited 4 times within 10m0s"}},
			obs:    map[int]*observation{1: running(100), 2: {note: "process exited 4 times within 10m0s"}},
			health: health{alive: map[int32]bool{1: true}},
			want: want{status: streamplane.InstanceFaulty, saved: true, reason: "broker 2 ERROR: process exited 4 times within 10m0s",
				states: []streamplane.BrokerState{streamplane.BrokerActive, streamplane.BrokerError}},
		},
		{
			name: "ChangeFailedKeepsItsStatus", status: streamplane.InstanceChangeFailed,
			brokers: brokers(streamplane.BrokerActive, streamplane.BrokerStarting),
			obs:     map[int]*observation{1: running(100), 2: running(101)},
			health:  health{alive: map[int32]bool{1: true, 2: true}},
			want: want{status: streamplane.InstanceChangeFailed, saved: true, reason: "a change failed",
				states: []streamplane.BrokerState{streamplane.BrokerActive, streamplane.BrokerActive}},
		},
		{
			name: "DeletedBrokerNotObserved", status: streamplane.InstanceFaulty,
			brokers: brokers(streamplane.BrokerActive, streamplane.BrokerDeleted),
			obs:     map[int]*observation{1: running(100)},
			health:  health{alive: map[int32]bool{1: true}},
			want: want{status: streamplane.InstanceRunning, saved: true,
				states: []streamplane.BrokerState{streamplane.BrokerActive, streamplane.BrokerDeleted}},
		},
		{
			name: "UsageRecorded", status: streamplane.InstanceRunning,
			brokers: brokers(streamplane.BrokerActive),
			obs:     map[int]*observation{1: running(100)},
			health:  health{alive: map[int32]bool{1: true}, usage: map[int32]int64{1: 4096}},
			want: want{status: streamplane.InstanceRunning, saved: true,
				states: []streamplane.BrokerState{streamplane.BrokerActive},
				checkFn: func(t *testing.T, inst *streamplane.Instance) {
					if got := inst.Brokers[0].UsedBytes; got != 4096 {
						t.Errorf("UsedBytes = %d, want 4096", got)
					}
				}},
		},
		{
			// A task took the instance between the observation and the save.
			name: "NotWatched", status: streamplane.InstanceRestarting,
			brokers: brokers(streamplane.BrokerRebooting),
			obs:     map[int]*observation{1: {note: "gone"}},
			health:  health{alive: map[int32]bool{}},
			want: want{status: streamplane.InstanceRestarting, saved: false,
				states: []streamplane.BrokerState{streamplane.BrokerRebooting}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst := &streamplane.Instance{ID: "i-1", Status: tc.status, Brokers: tc.brokers}
			if tc.status == streamplane.InstanceChangeFailed {
				inst.StatusReason = "a change failed"
			}
			saved := assess(inst, tc.obs, tc.health)
			if saved != tc.want.saved {
				t.Fatalf("assess = %v, want %v", saved, tc.want.saved)
			}
			if inst.Status != tc.want.status {
				t.Errorf("status = %s, want %s (reason %q)", inst.Status, tc.want.status, inst.StatusReason)
			}
			if tc.want.reason == "" && inst.StatusReason != "" || !strings.Contains(inst.StatusReason, tc.want.reason) {
				t.Errorf("reason = %q, want %q", inst.StatusReason, tc.want.reason)
			}
			for i, want := range tc.want.states {
				if got := inst.Brokers[i].State; got != want {
					t.Errorf("broker %d state = %s, want %s (error %q)", inst.Brokers[i].ID, got, want, inst.Brokers[i].Error)
				}
			}
			if tc.want.checkFn != nil {
				tc.want.checkFn(t, inst)
			}
		})
	}
}

func TestAssessReasonNamesEveryProblemInOrder(t *testing.T) {
	t.Parallel()
	inst := &streamplane.Instance{Status: streamplane.InstanceRunning, Brokers: []streamplane.Broker{
		{ID: 3, State: streamplane.BrokerActive}, {ID: 1, State: streamplane.BrokerActive}}}
	assess(inst, map[int]*observation{3: {note: "no java"}, 1: {note: "no disk"}}, health{err: errors.New("timeout")})
	want := "broker 1 ERROR: no disk; broker 3 ERROR: no java; the cluster does not answer: timeout"
	if inst.StatusReason != want {
		t.Errorf("reason = %q, want %q", inst.StatusReason, want)
	}
}
