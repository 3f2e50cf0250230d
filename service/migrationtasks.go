package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/mirrormaker"
	"github.com/streamplane/streamplane/pki"
	"github.com/streamplane/streamplane/poll"
	"github.com/streamplane/streamplane/sourcekafka"
	"github.com/streamplane/streamplane/task"
	"github.com/twmb/franz-go/pkg/kerr"
)

// The tasks of a migration. Their steps are idempotent, as every task's:
// a server killed half way runs the step again when it starts. Starting
// MirrorMaker adopts the one running; granting ACLs again is a no-op.

// mirrorStartTimeout bounds the wait for MirrorMaker's connectors to run.
const mirrorStartTimeout = 3 * time.Minute

// mirrorStopTimeout is how long MirrorMaker gets to commit its position
// and leave before it is killed.
const mirrorStopTimeout = 30 * time.Second

// MigrationWorkflows returns the workflow of every migration task kind.
func (s *Service) MigrationWorkflows() map[string]task.Workflow {
	start := []task.Step{
		{Name: "Check the source cluster", Run: s.checkSource},
		{Name: "Give MirrorMaker its rights on the instance", Run: s.grantMirror},
		{Name: "Write MirrorMaker's configuration", Run: s.configureMirror},
		{Name: "Start MirrorMaker", Run: s.startMirror},
		{Name: "Wait until MirrorMaker copies", Run: s.awaitMirror, Timeout: mirrorStartTimeout + time.Minute},
	}
	stop := task.Step{Name: "Stop MirrorMaker", Run: s.stopMirror}
	update := append([]task.Step{start[0], stop}, start[1:]...)
	out := map[string]task.Workflow{}
	for _, wf := range []task.Workflow{
		s.migrationWorkflow(streamplane.TaskCreateMigration, start...),
		s.migrationWorkflow(streamplane.TaskResumeMigration, start...),
		s.migrationWorkflow(streamplane.TaskUpdateMigration, update...),
		s.migrationWorkflow(streamplane.TaskPauseMigration, stop),
		s.migrationWorkflow(streamplane.TaskDeleteMigration,
			task.Step{Name: "Stop MirrorMaker and remove its files", Run: s.forgetMirror},
			task.Step{Name: "Remove MirrorMaker's topics, user and ACLs from the instance", Run: s.cleanUpMirror}),
	} {
		out[wf.Kind] = wf
	}
	return out
}

// migrationWorkflow ends every migration task the same way: the migration
// leaves its busy state for what the task made of it.
func (s *Service) migrationWorkflow(kind string, steps ...task.Step) task.Workflow {
	return task.Workflow{
		Kind:  kind,
		Steps: bounded(slices.Clone(steps)...),
		OnFail: func(ctx context.Context, r *task.Run, err error) {
			// A migration that cannot run must not retry on its own
			// against a source that refuses it: stop its MirrorMaker.
			if kind == streamplane.TaskDeleteMigration {
				return
			}
			if m, _, err := s.taskMigration(ctx, r); err == nil {
				if runner, err := s.mirrors(); err == nil {
					runner.StopMirror(ctx, m, mirrorStopTimeout)
				}
			}
		},
		Finish: func(tx streamplane.Tx, r *task.Run, runErr error) error {
			var p migrationParams
			if err := r.Params(&p); err != nil {
				return err
			}
			m, err := tx.Migration(r.Task.InstanceID, p.MigrationID)
			if err != nil {
				return err
			}
			m.TaskID, m.Restarts = "", 0
			switch {
			case runErr != nil:
				m.State, m.StateReason, m.PID, m.StartedAt = streamplane.MigrationServiceException, failureReason(kind, runErr), 0, nil
			case kind == streamplane.TaskPauseMigration:
				m.State, m.StateReason, m.PID, m.StartedAt = streamplane.MigrationPaused, "", 0, nil
			case kind == streamplane.TaskDeleteMigration:
				now := tx.Now()
				m.State, m.StateReason, m.PID, m.StartedAt, m.DeletedAt = streamplane.MigrationDeleted, "", 0, nil, &now
				if err := tx.DeleteSecrets(m.ID); err != nil {
					return err
				}
			default:
				m.State, m.StateReason = streamplane.MigrationRunning, ""
			}
			r.Task.Result = fmt.Sprintf("migration %s is %s", m.Name, m.State)
			return tx.UpdateMigration(m)
		},
	}
}

// failureReason is the state reason of a migration whose task failed.
func failureReason(kind string, err error) string {
	msg := err.Error()
	var se *streamplane.Error
	if errors.As(err, &se) {
		msg = se.Message
	}
	if kind == streamplane.TaskDeleteMigration {
		return "deletion failed: " + msg + "; delete it again to retry"
	}
	return msg
}

// taskMigration loads the task's migration and instance.
func (s *Service) taskMigration(ctx context.Context, r *task.Run) (*streamplane.Migration, *streamplane.Instance, error) {
	var p migrationParams
	if err := r.Params(&p); err != nil {
		return nil, nil, err
	}
	var m *streamplane.Migration
	var inst *streamplane.Instance
	err := r.View(ctx, func(tx streamplane.Tx) (err error) {
		if inst, err = tx.Instance(r.Task.InstanceID); err != nil {
			return err
		}
		m, err = tx.Migration(inst.ID, p.MigrationID)
		return err
	})
	return m, inst, err
}

// taskMirror loads the task's migration and instance, and the runner of
// its MirrorMaker.
func (s *Service) taskMirror(ctx context.Context, r *task.Run) (*streamplane.Migration, *streamplane.Instance, streamplane.MirrorRunner, error) {
	m, inst, err := s.taskMigration(ctx, r)
	if err != nil {
		return nil, nil, nil, err
	}
	runner, err := s.mirrors()
	return m, inst, runner, err
}

// withSourcePassword fills in the source's sealed password.
func (s *Service) withSourcePassword(ctx context.Context, m *streamplane.Migration) error {
	if !m.Source.SASL() {
		return nil
	}
	return s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		m.Source.Password, err = s.Vault.Get(tx, m.ID, sourcePasswordSecret)
		return err
	})
}

// dialSource connects to the migration's source cluster.
func (s *Service) dialSource(ctx context.Context, m *streamplane.Migration) (*sourcekafka.Client, error) {
	if err := s.withSourcePassword(ctx, m); err != nil {
		return nil, err
	}
	return sourcekafka.Dial(m.Source)
}

// checkSource makes sure the source answers with these credentials, and
// that the instance can hold the topics selected: a failure here is the
// reason the migration shows, in words the user can act on.
func (s *Service) checkSource(ctx context.Context, r *task.Run) error {
	m, inst, err := s.taskMigration(ctx, r)
	if err != nil {
		return err
	}
	src, err := s.dialSource(ctx, m)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := src.Probe(ctx); err != nil {
		return err
	}
	topics, err := src.MatchingTopics(ctx, streamplane.SelectionMatcher(m.Topics))
	if err != nil {
		return err
	}
	if len(topics) == 0 {
		r.Progress(ctx, "no topic of the source matches %q yet; MirrorMaker copies matching topics as they appear", m.Topics)
		return nil
	}
	ends, err := src.EndOffsets(ctx, topics)
	if err != nil {
		return err
	}
	partitions := map[string]int{}
	for t, parts := range ends {
		partitions[t] = len(parts)
	}
	return s.checkPartitionRoom(ctx, inst, partitions)
}

// checkPartitionRoom refuses a selection whose topics, added to the
// instance's, pass its partition limit: MirrorMaker's creates would be
// refused one by one, and the migration would copy only part.
func (s *Service) checkPartitionRoom(ctx context.Context, inst *streamplane.Instance, topics map[string]int) error {
	cl, err := s.Admin.Get(ctx, inst)
	if err != nil {
		return err
	}
	existing, err := cl.Topics(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	used := 0
	for _, t := range existing {
		have[t.Name] = true
		used += len(t.Partitions)
	}
	adding := 0
	for name, partitions := range topics {
		if !have[name] {
			adding += partitions
		}
	}
	if err := inst.CheckPartitionLimit(used, adding); err != nil {
		var se *streamplane.Error
		if errors.As(err, &se) {
			se.Field = "topics"
			se.Message = fmt.Sprintf("the %d topics selected on the source need %d partitions: %s", len(topics), adding, se.Message)
		}
		return err
	}
	return nil
}

// grantMirror gives MirrorMaker's own user (SASL_SSL instances) its ACLs
// on the topics the source has that match the selection, on its internal
// topics and on the selected groups; it copies the source's topic ACLs
// when the migration syncs them. A PLAINTEXT instance has no users:
// MirrorMaker is an anonymous client there, like every other.
func (s *Service) grantMirror(ctx context.Context, r *task.Run) error {
	m, inst, err := s.taskMigration(ctx, r)
	if err != nil {
		return err
	}
	if !inst.SASL() {
		return nil
	}
	password, err := s.mirrorPassword(ctx, r, m)
	if err != nil {
		return err
	}
	cl, err := s.Admin.Get(ctx, inst)
	if err != nil {
		return err
	}
	if err := cl.UpsertSCRAM(ctx, m.Principal(), password); err != nil {
		return err
	}
	if err := cl.WaitSCRAM(ctx, m.Principal(), true); err != nil {
		return err
	}
	src, err := s.dialSource(ctx, m)
	if err != nil {
		return err
	}
	defer src.Close()
	topics, groups, err := mirrorResources(ctx, src, m)
	if err != nil {
		return err
	}
	guarded, err := cl.GrantMirror(ctx, kafkaadmin.MirrorGrants{Principal: m.Principal(),
		OwnTopics: m.InternalTopics(), OwnGroups: []string{m.WorkerGroup()}, CopiedTopics: topics, CopiedGroups: groups})
	if err != nil {
		return err
	}
	r.Progress(ctx, "MirrorMaker signs in as %s; of the %d topics and %d groups it copies now, %d have ACLs and got grants for it",
		m.Principal(), len(topics), len(groups), guarded)
	if m.SyncACLs {
		acls, err := src.TopicACLs(ctx, topics)
		if err != nil {
			return err
		}
		if err := cl.CopyTopicACLs(ctx, acls); err != nil {
			return err
		}
		r.Progress(ctx, "copied %d topic ACLs from the source", len(acls))
	}
	return nil
}

// mirrorResources are the source's topics and groups that match the
// selection now. Those that appear later are open to MirrorMaker unless
// someone guards them with ACLs first; a resume grants it those.
func mirrorResources(ctx context.Context, src *sourcekafka.Client, m *streamplane.Migration) (topics, groups []string, err error) {
	if topics, err = src.MatchingTopics(ctx, streamplane.SelectionMatcher(m.Topics)); err != nil {
		return nil, nil, err
	}
	if m.Groups != "" {
		if groups, err = src.MatchingGroups(ctx, streamplane.SelectionMatcher(m.Groups)); err != nil {
			return nil, nil, err
		}
	}
	return topics, groups, nil
}

// mirrorPassword returns MirrorMaker's password on the instance, made and
// sealed under the migration the first time.
func (s *Service) mirrorPassword(ctx context.Context, r *task.Run, m *streamplane.Migration) (string, error) {
	var password string
	err := r.Update(ctx, func(tx streamplane.Tx) error {
		p, err := s.Vault.Get(tx, m.ID, mirrorPasswordSecret)
		if err == nil {
			password = p
			return nil
		}
		if streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
			return err
		}
		b := make([]byte, 24)
		rand.Read(b)
		password = base64.RawURLEncoding.EncodeToString(b)
		return s.Vault.Put(tx, m.ID, mirrorPasswordSecret, password)
	})
	return password, err
}

// The CA bundles beside mm2.properties: the source's, as the user gave
// it, and the instance's.
const (
	sourceCAFile = "source-ca.pem"
	targetCAFile = "instance-ca.pem"
)

// configureMirror writes mm2.properties and the CA files it names.
func (s *Service) configureMirror(ctx context.Context, r *task.Run) error {
	m, inst, runner, err := s.taskMirror(ctx, r)
	if err != nil {
		return err
	}
	if err := s.withSourcePassword(ctx, m); err != nil {
		return err
	}
	files := map[string][]byte{}
	in := mirrormaker.Input{Migration: m, KafkaVersion: inst.Version, ReplicationFactor: min(3, liveBrokers(inst))}
	if m.Source.CA != "" {
		files[sourceCAFile] = []byte(m.Source.CA)
		in.SourceCAFile = filepath.Join(runner.MirrorDir(m), sourceCAFile)
	}
	in.Target.BootstrapServers = strings.Split(inst.BootstrapServers[inst.PrivateListener()], ",")
	if inst.SASL() {
		password, err := s.mirrorPassword(ctx, r, m)
		if err != nil {
			return err
		}
		cas, err := s.Certs.TrustedCAs(ctx, inst)
		if err != nil {
			return err
		}
		pem, err := pki.Truststore(cas, "pem", "", time.Now())
		if err != nil {
			return err
		}
		files[targetCAFile] = pem
		in.Target.SASL, in.Target.Username, in.Target.Password = true, m.Principal(), password
		in.Target.CAFile = filepath.Join(runner.MirrorDir(m), targetCAFile)
	}
	props, err := mirrormaker.Properties(in)
	if err != nil {
		return err
	}
	return runner.ConfigureMirror(ctx, m, streamplane.MirrorFiles{Properties: props, Files: files})
}

// liveBrokers counts the brokers not scaled in.
func liveBrokers(inst *streamplane.Instance) int {
	n := 0
	for _, b := range inst.Brokers {
		if b.State != streamplane.BrokerDeleted {
			n++
		}
	}
	return max(n, 1)
}

// startMirror starts MirrorMaker (or adopts it) and records its process;
// an update whose migration was paused leaves it stopped.
func (s *Service) startMirror(ctx context.Context, r *task.Run) error {
	m, inst, runner, err := s.taskMirror(ctx, r)
	if err != nil {
		return err
	}
	proc, err := runner.StartMirror(ctx, inst, m)
	if err != nil {
		return err
	}
	r.Progress(ctx, "MirrorMaker runs as pid %d", proc.PID)
	return r.Update(ctx, func(tx streamplane.Tx) error {
		cur, err := tx.Migration(inst.ID, m.ID)
		if err != nil {
			return err
		}
		started := proc.StartedAt
		cur.PID, cur.StartedAt = proc.PID, &started
		return tx.SaveMigrationObserved(cur)
	})
}

// awaitMirror waits until MirrorMaker's source connector and its tasks
// run, as its status topic in the instance says; a connector that failed
// fails the task with its error.
func (s *Service) awaitMirror(ctx context.Context, r *task.Run) error {
	m, inst, err := s.taskMigration(ctx, r)
	if err != nil {
		return err
	}
	cl, err := s.Admin.Get(ctx, inst)
	if err != nil {
		return err
	}
	runner, err := s.mirrors()
	if err != nil {
		return err
	}
	var failed error
	err = poll.Until(ctx, time.Second, mirrorStartTimeout, func(ctx context.Context) error {
		if _, ok := runner.InspectMirror(m); !ok {
			failed = streamplane.Errorf(streamplane.EUNAVAILABLE, "MirrorMaker exited; its log: %s", lastLogLine(ctx, runner, m))
			return nil
		}
		conns, err := cl.MirrorConnectors(ctx, m)
		if err != nil {
			return err
		}
		if f := firstFailed(conns); f != nil {
			failed = streamplane.Errorf(streamplane.EUNAVAILABLE, "MirrorMaker's %s failed: %s", f.Name, firstLine(f.Trace))
			return nil
		}
		if !sourceRunning(conns) {
			return errors.New("MirrorMaker's source connector and its tasks are not running yet")
		}
		return nil
	})
	if failed != nil {
		return failed
	}
	var timedOut *poll.TimeoutError
	if errors.As(err, &timedOut) {
		return streamplane.Errorf(streamplane.EUNAVAILABLE, "%s; its log: %s", err, lastLogLine(ctx, runner, m))
	}
	return err
}

// sourceRunning reports whether the source connector and at least one of
// its tasks run.
func sourceRunning(conns []streamplane.MirrorConnector) bool {
	connector, tasks := false, false
	for _, c := range conns {
		if c.State != "RUNNING" {
			continue
		}
		switch {
		case c.Name == "MirrorSourceConnector":
			connector = true
		case strings.HasPrefix(c.Name, "MirrorSourceConnector-"):
			tasks = true
		}
	}
	return connector && tasks
}

func firstFailed(conns []streamplane.MirrorConnector) *streamplane.MirrorConnector {
	for i := range conns {
		if conns[i].State == "FAILED" {
			return &conns[i]
		}
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// lastLogLine is the last error-looking line of MirrorMaker's log.
func lastLogLine(ctx context.Context, runner streamplane.MirrorRunner, m *streamplane.Migration) string {
	text, err := runner.MirrorLogs(ctx, m, 200)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], "ERROR") {
			return lines[i]
		}
	}
	return lines[len(lines)-1]
}

// stopMirror stops MirrorMaker, which commits its position first.
func (s *Service) stopMirror(ctx context.Context, r *task.Run) error {
	m, _, runner, err := s.taskMirror(ctx, r)
	if err != nil {
		return err
	}
	return runner.StopMirror(ctx, m, mirrorStopTimeout)
}

// forgetMirror stops MirrorMaker for good and removes its files.
func (s *Service) forgetMirror(ctx context.Context, r *task.Run) error {
	m, _, runner, err := s.taskMirror(ctx, r)
	if err != nil {
		return err
	}
	return runner.ForgetMirror(ctx, m)
}

// cleanUpMirror removes MirrorMaker's internal topics (but the heartbeats
// topic, which every migration into the instance shares), its user and its
// ACLs. The copied topics and group offsets stay.
func (s *Service) cleanUpMirror(ctx context.Context, r *task.Run) error {
	m, inst, err := s.taskMigration(ctx, r)
	if err != nil {
		return err
	}
	cl, err := s.Admin.Get(ctx, inst)
	if err != nil {
		return err
	}
	internal := slices.DeleteFunc(m.InternalTopics(), func(t string) bool { return t == "heartbeats" })
	failed, err := cl.DeleteTopics(ctx, internal...)
	if err != nil {
		return err
	}
	for topic, err := range failed {
		if !errors.Is(err, kerr.UnknownTopicOrPartition) { // never created: a migration that never ran
			return fmt.Errorf("delete MirrorMaker's topic %s: %w", topic, err)
		}
	}
	if inst.SASL() {
		if err := cl.DeletePrincipalACLs(ctx, "User:"+m.Principal()); err != nil {
			return err
		}
		if err := cl.DeleteSCRAM(ctx, m.Principal()); err != nil && !errors.Is(err, kerr.ResourceNotFound) {
			return err
		}
	}
	return nil
}
