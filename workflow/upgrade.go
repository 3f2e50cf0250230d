package workflow

import (
	"context"
	"fmt"
	"slices"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/task"
)

// UpgradeParams are an upgrade_instance task's inputs: the version change
// (streamplane.UpgradeForward, UpgradeResume or UpgradeRollback) and
// whether to leave metadata.version for finalize_upgrade.
type UpgradeParams struct {
	Kind       string `json:"kind"`
	From       string `json:"from"` // the instance's version when asked
	To         string `json:"to"`
	NoFinalize bool   `json:"no_finalize,omitempty"`
}

// upgradeState is the restart's state and the metadata.version level a
// finalize reached, which the finish records on the instance.
type upgradeState struct {
	restartState
	Finalized int `json:"finalized,omitempty"`
}

// An upgrade installs the target runtime before any broker stops, then
// restarts the brokers one at a time through the roller (controllers last,
// the active controller last, never below min.insync.replicas, back in
// every ISR before the next), each onto the new jars with a configuration
// written for them, and finally raises metadata.version. A failure stops
// at the broker it happened on; the brokers moved keep the new version.
func (env *Env) upgradeWorkflow() task.Workflow {
	return task.Workflow{
		Kind: streamplane.TaskUpgradeInstance,
		Steps: []task.Step{
			{Name: "Install the target Kafka runtime", Run: env.installTarget},
			{Name: "Write broker configuration", Run: env.configure},
			{Name: "Plan the restart", Run: env.planRestart},
			{Name: "Restart brokers onto the target version", Run: env.upgradeBrokers},
			{Name: "Rebalance partition leaders", Run: env.electPreferred},
			{Name: "Finalize metadata.version", Run: env.finalizeUpgradeStep},
		},
		Finish: finishUpgrade,
	}
}

// finalizeWorkflow raises metadata.version after an upgrade run with
// no_finalize, once every broker runs the instance's version.
func (env *Env) finalizeWorkflow() task.Workflow {
	return task.Workflow{
		Kind:   streamplane.TaskFinalizeUpgrade,
		Steps:  []task.Step{{Name: "Finalize metadata.version", Run: env.finalize}},
		Finish: finishFinalize,
	}
}

func (env *Env) installTarget(ctx context.Context, r *task.Run) error {
	var p UpgradeParams
	if err := r.Params(&p); err != nil {
		return err
	}
	_, err := env.Runtimes.Install(ctx, p.To, func(msg string) { r.Progress(ctx, "%s", msg) })
	return err
}

// upgradeInput is what the upgrade's steps and its finish read: the
// request and the order and progress saved so far.
func upgradeInput(r *task.Run) (p UpgradeParams, st upgradeState, err error) {
	if err = r.Params(&p); err != nil {
		return p, st, err
	}
	return p, st, r.State(&st)
}

func (env *Env) upgradeBrokers(ctx context.Context, r *task.Run) error {
	p, st, err := upgradeInput(r)
	if err != nil {
		return err
	}
	inst, cl, err := env.connect(ctx, r)
	if err != nil {
		return err
	}
	creds, err := env.Vault.Credentials(ctx, inst.ID)
	if err != nil {
		return err
	}
	files, err := env.brokerFiles(ctx, inst)
	if err != nil {
		return err
	}
	rl := env.roller(ctx, r, inst, cl)
	procs := &versionSwitch{processes: processes{env: env, r: r, inst: inst}, to: p.To, creds: creds, files: files}
	rl.Processes = procs
	verb := "upgrade"
	if p.Kind == streamplane.UpgradeRollback {
		verb = "roll back"
	}
	for _, id := range st.Order {
		if slices.Contains(st.Done, id) {
			continue
		}
		b, _ := inst.Broker(int(id))
		reason := fmt.Sprintf("%s from Kafka %s to %s", verb, b.Version, p.To)
		switch {
		case !procs.Running(id):
			// Down: nothing to stop (the roller would only start it), but
			// it must start on the new jars with files written for them,
			// also when an earlier run stopped between the two.
			if err := procs.switchVersion(ctx, id); err != nil {
				return err
			}
			r.Progress(ctx, "node %d is down; starting it on Kafka %s (%s)", id, p.To, reason)
			if err := procs.Start(ctx, id); err != nil {
				return err
			}
			if err := rl.WaitReady(ctx, id, b.IsController()); err != nil {
				return err
			}
		case b.Version == p.To:
			// Moved by an earlier task that failed before it was back:
			// wait until it has caught up.
			if err := rl.WaitReady(ctx, id, b.IsController()); err != nil {
				return err
			}
		default:
			if err := rl.Restart(ctx, id, b.IsController(), reason); err != nil {
				return err
			}
		}
		if err := setBrokerState(ctx, r, int(id), streamplane.BrokerActive, nil); err != nil {
			return err
		}
		st.Done = append(st.Done, id)
		if err := r.SaveState(ctx, st); err != nil {
			return err
		}
		r.Progress(ctx, "%d of %d brokers on Kafka %s", len(st.Done), len(st.Order), p.To)
	}
	return nil
}

// versionSwitch restarts a broker onto another version: once it has
// stopped, the broker is recorded on the new version and its files are
// written for the new runtime, so whatever starts it next (this task, or
// the supervisor after a crash) starts the new jars.
type versionSwitch struct {
	processes
	to    string
	creds streamplane.Credentials
	files streamplane.BrokerFiles
}

func (v *versionSwitch) Stop(ctx context.Context, id int32) error {
	if err := v.processes.Stop(ctx, id); err != nil {
		return err
	}
	return v.switchVersion(ctx, id)
}

// switchVersion records a stopped broker on the new version and writes its
// files for the new runtime.
func (v *versionSwitch) switchVersion(ctx context.Context, id int32) error {
	if err := observe(ctx, v.r, func(inst *streamplane.Instance) {
		if b, ok := inst.Broker(int(id)); ok {
			b.Version = v.to
		}
	}); err != nil {
		return err
	}
	v.broker(id).Version = v.to
	return v.env.Provisioner.Configure(ctx, v.inst, v.creds, v.files)
}

func (env *Env) finalizeUpgradeStep(ctx context.Context, r *task.Run) error {
	var p UpgradeParams
	if err := r.Params(&p); err != nil {
		return err
	}
	switch {
	case p.NoFinalize:
		r.Progress(ctx, "left for finalize-upgrade: metadata.version stays where it is, and Kafka %s is still a way back", p.From)
		return nil
	case p.Kind == streamplane.UpgradeRollback:
		r.Progress(ctx, "a rollback finalizes nothing")
		return nil
	}
	return env.finalize(ctx, r)
}

// finalize raises metadata.version, and the features a new cluster of the
// instance's version has, to that version's levels, then waits until every
// broker sees them. It sends nothing for features already there, so it can
// run again.
func (env *Env) finalize(ctx context.Context, r *task.Run) error {
	var st upgradeState
	if err := r.State(&st); err != nil {
		return err
	}
	inst, cl, err := env.connect(ctx, r)
	if err != nil {
		return err
	}
	if inst.MixedVersions() {
		return streamplane.Errorf(streamplane.ESTATE, "brokers of %s still run other versions than %s", inst.Name, inst.Version)
	}
	rel, ok := kafkaruntime.Lookup(inst.Version)
	if !ok {
		return fmt.Errorf("workflow: version %s of Kafka is not in the catalog", inst.Version)
	}
	want := map[string]int16{kafkaruntime.MetadataFeature: int16(rel.MetadataLevel)}
	for name, level := range rel.Features {
		want[name] = level
	}
	var ids []int32
	for i := range inst.Brokers {
		if inst.Brokers[i].State != streamplane.BrokerDeleted {
			ids = append(ids, int32(inst.Brokers[i].ID))
		}
	}
	current, err := cl.FinalizedFeatures(ctx, ids[0])
	if err != nil {
		return err
	}
	sent, err := cl.RaiseFeatures(ctx, current.Finalized, want)
	if err != nil {
		return err
	}
	if len(sent) == 0 {
		r.Progress(ctx, "metadata.version is %s already", streamplane.MetadataVersionName(int(current.Finalized[kafkaruntime.MetadataFeature])))
	} else {
		r.Progress(ctx, "finalized %v", sent)
	}
	// Each broker answers from its own metadata image: wait until all of
	// them have applied the new levels.
	if err := wait(ctx, env.poll(), env.readyTimeout(), func() (bool, string) {
		return brokersSee(ctx, cl, ids, want)
	}); err != nil {
		return err
	}
	st.Finalized = rel.MetadataLevel
	r.Progress(ctx, "every broker is at metadata.version %s", streamplane.MetadataVersionName(rel.MetadataLevel))
	return r.SaveState(ctx, st)
}

// brokersSee reports whether every broker has the features at least at
// the levels wanted, and if not, which does not.
func brokersSee(ctx context.Context, cl *kafkaadmin.Client, ids []int32, want map[string]int16) (bool, string) {
	for _, id := range ids {
		f, err := cl.FinalizedFeatures(ctx, id)
		if err != nil {
			return false, err.Error()
		}
		for name, level := range want {
			if f.Finalized[name] < level {
				return false, fmt.Sprintf("broker %d sees %s=%d, not yet %d", id, name, f.Finalized[name], level)
			}
		}
	}
	return true, ""
}

// finishUpgrade records where the version change ended. Done: RUNNING on
// the new version, with metadata.version finalized unless the task was to
// leave it (then UpgradeFrom stays: the way back). Failed: CHANGE_FAILED
// with brokers on mixed versions, serving; upgrading again resumes, and a
// rollback returns to the old jars. A failure in the finalize alone leaves
// every broker on the new version: RUNNING, and finalize-upgrade retries.
func finishUpgrade(tx streamplane.Tx, r *task.Run, runErr error) error {
	inst, err := tx.Instance(r.Task.InstanceID)
	if err != nil {
		return err
	}
	p, st, err := upgradeInput(r)
	if err != nil {
		return err
	}
	switch {
	case runErr != nil && inst.MixedVersions():
		inst.Status = streamplane.InstanceChangeFailed
		inst.StatusReason = fmt.Sprintf("changing Kafka %s to %s stopped with brokers on mixed versions: %v; upgrade again to carry on", p.From, p.To, runErr)
		if inst.UpgradeFrom != "" {
			inst.StatusReason += ", or roll back to " + inst.UpgradeFrom
		}
		return tx.UpdateInstance(inst)
	case runErr != nil:
		runningAsDesired(inst)
		inst.StatusReason = fmt.Sprintf("every broker runs Kafka %s, but finalizing metadata.version failed: %v; run finalize-upgrade", inst.Version, runErr)
		return tx.UpdateInstance(inst)
	}
	runningAsDesired(inst)
	r.Task.Result = fmt.Sprintf("%d brokers on Kafka %s (from %s)", len(st.Done), p.To, p.From)
	switch {
	case st.Finalized > 0:
		inst.MetadataLevel, inst.UpgradeFrom = st.Finalized, ""
		r.Task.Result += "; metadata.version finalized at " + streamplane.MetadataVersionName(st.Finalized)
	case p.Kind == streamplane.UpgradeRollback:
		inst.UpgradeFrom = ""
	case p.NoFinalize:
		r.Task.Result += "; metadata.version not finalized, Kafka " + inst.UpgradeFrom + " still a way back"
	}
	return tx.UpdateInstance(inst)
}

func finishFinalize(tx streamplane.Tx, r *task.Run, runErr error) error {
	if runErr != nil {
		return nil // nothing changed but what Kafka did, which the next finalize reads
	}
	inst, err := tx.Instance(r.Task.InstanceID)
	if err != nil {
		return err
	}
	var st upgradeState
	if err := r.State(&st); err != nil {
		return err
	}
	inst.MetadataLevel, inst.UpgradeFrom, inst.StatusReason = st.Finalized, "", ""
	r.Task.Result = "metadata.version finalized at " + streamplane.MetadataVersionName(st.Finalized)
	return tx.UpdateInstance(inst)
}
