package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/poll"
	"github.com/streamplane/streamplane/task"
)

// ParameterList is an instance's tunable parameters.
type ParameterList struct {
	Parameters []streamplane.Parameter `json:"parameters"`
	// PendingRestart names static parameters saved but not yet applied:
	// restarting the instance applies them.
	PendingRestart []string `json:"pending_restart"`
}

// ParameterChange says what a change did.
type ParameterChange struct {
	ParameterList
	AppliedLive []string `json:"applied_live"` // dynamic parameters every broker now runs with
	Saved       []string `json:"saved"`        // static parameters saved for the next restart
}

// Parameters lists an instance's parameters: the value each runs with now
// (dynamic: as the brokers report it; static: as the brokers were started
// with), its default, range, kind and any pending value.
func (s *Service) Parameters(ctx context.Context, idOrName string) (*ParameterList, error) {
	inst, cl, err := s.cluster(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	return s.parameterList(ctx, inst, cl)
}

func (s *Service) parameterList(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (*ParameterList, error) {
	live, err := s.liveValues(ctx, inst, cl, nil)
	if err != nil {
		return nil, err
	}
	desired := inst.DesiredParams()
	list := &ParameterList{PendingRestart: inst.PendingParams()}
	if list.PendingRestart == nil {
		list.PendingRestart = []string{}
	}
	for _, d := range streamplane.ParamDefs() {
		p := streamplane.Parameter{Name: d.Name, Default: d.DefaultFor(inst), Type: d.Type, Range: d.RangeText(inst),
			Dynamic: d.Dynamic, Description: d.Description, Values: d.Values}
		if d.Type == "int" {
			lo, hi := d.Bounds(inst)
			p.Min, p.Max = &lo, &hi
		}
		if d.Dynamic {
			p.Value = live[d.Name]
		} else {
			p.Value = inst.AppliedParameters[d.Name]
			if p.Value == "" {
				p.Value = p.Default
			}
			if desired[d.Name] != p.Value {
				p.PendingRestart, p.PendingValue = true, desired[d.Name]
			}
		}
		list.Parameters = append(list.Parameters, p)
	}
	return list, nil
}

// liveValues reads the dynamic parameters from one running broker, or, if
// want is set, waits until every broker reports those values.
func (s *Service) liveValues(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, want map[string]string) (map[string]string, error) {
	var names []string
	for _, d := range streamplane.ParamDefs() {
		if d.Dynamic {
			names = append(names, d.Name)
		}
	}
	alive, err := cl.AliveBrokers(ctx)
	if err != nil {
		return nil, kafkaadmin.AppError(err, "", "read the brokers' parameters")
	}
	var brokers []int32
	for id := range alive {
		brokers = append(brokers, id)
	}
	slices.Sort(brokers)
	if len(brokers) == 0 {
		return nil, streamplane.Errorf(streamplane.EUNAVAILABLE, "no broker of %s answers", inst.Name)
	}
	if want == nil {
		got, err := cl.BrokerConfigs(ctx, brokers[:1], names)
		if err != nil {
			return nil, kafkaadmin.AppError(err, "", "read the brokers' parameters")
		}
		return got[brokers[0]], nil
	}
	// Dynamic changes reach brokers through the metadata log, a moment
	// after the controller accepts them.
	var got map[int32]map[string]string
	err = poll.Until(ctx, 200*time.Millisecond, liveWait, func(ctx context.Context) (err error) {
		if got, err = cl.BrokerConfigs(ctx, brokers, names); err != nil {
			return poll.Stop(kafkaadmin.AppError(err, "", "read the brokers' parameters"))
		}
		for _, b := range brokers {
			for k, v := range want {
				if got[b][k] != v {
					return fmt.Errorf("broker %d still reports %s=%s", b, k, got[b][k])
				}
			}
		}
		return nil
	})
	var timeout *poll.TimeoutError
	if errors.As(err, &timeout) {
		return nil, streamplane.Errorf(streamplane.EUNAVAILABLE, "the change was accepted but %v after %s", timeout.Last, liveWait)
	}
	if err != nil {
		return nil, err
	}
	return got[brokers[0]], nil
}

// liveWait bounds the wait for every broker to report a dynamic change.
const liveWait = 15 * time.Second

// SetParameters changes parameters. Dynamic ones apply live to every broker
// (and are verified there); static ones are saved and applied by the next
// restart of the instance. Out-of-range or unknown values are refused
// before anything changes.
func (s *Service) SetParameters(ctx context.Context, idOrName string, values map[string]string) (*ParameterChange, error) {
	var checked map[string]string
	// The task keeps the values as checked.
	return s.changeParams(ctx, idOrName, streamplane.TaskSetParameters, &checked, func(inst *streamplane.Instance) (err error) {
		checked, err = streamplane.ValidateParams(inst, values)
		return err
	})
}

// ResetParameters restores parameters to their defaults: dynamic ones live,
// static ones at the next restart.
func (s *Service) ResetParameters(ctx context.Context, idOrName string, names []string) (*ParameterChange, error) {
	// The task keeps each parameter with its default.
	defaults := map[string]string{}
	return s.changeParams(ctx, idOrName, streamplane.TaskResetParameters, defaults, func(inst *streamplane.Instance) error {
		if len(names) == 0 {
			return streamplane.Invalid("names", "name at least one parameter to reset")
		}
		for _, name := range names {
			d, ok := streamplane.LookupParam(name)
			if !ok {
				return streamplane.Invalid(name, "unknown parameter %q", name)
			}
			defaults[name] = d.DefaultFor(inst)
		}
		return nil
	})
}

func (s *Service) changeParams(ctx context.Context, idOrName, kind string, values any, check func(*streamplane.Instance) error) (*ParameterChange, error) {
	t, err := s.change(ctx, changeRequest{instance: idOrName, kind: kind, params: values, check: check})
	if err != nil {
		return nil, err
	}
	var applied map[string]string
	if err := json.Unmarshal(t.Params, &applied); err != nil {
		return nil, err
	}
	inst, cl, err := s.cluster(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	list, err := s.parameterList(ctx, inst, cl)
	if err != nil {
		return nil, err
	}
	dynamic, static := split(applied)
	return &ParameterChange{ParameterList: *list, AppliedLive: sortedNames(dynamic), Saved: sortedNames(static)}, nil
}

// Parameter changes apply the dynamic parameters cluster-wide and wait
// until every broker runs with them, then save the desired parameters.
// Both steps set values, so running them again is harmless. Dynamic
// parameters are reset by setting the default cluster-wide, not by
// deleting the override: Kafka 4 keeps min.insync.replicas as a
// cluster-wide dynamic config from its first start and refuses to drop it.
func (s *Service) setParametersWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskSetParameters, nil,
		task.Step{Name: "Apply the dynamic parameters on every broker", Run: s.applyDynamicParams},
		task.Step{Name: "Save the parameters", Run: s.saveParams},
	)
}

func (s *Service) resetParametersWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskResetParameters, nil,
		task.Step{Name: "Apply the dynamic defaults on every broker", Run: s.applyDynamicParams},
		task.Step{Name: "Save the parameters", Run: s.saveParams},
	)
}

func (s *Service) applyDynamicParams(ctx context.Context, r *task.Run) error {
	var values map[string]string
	if err := r.Params(&values); err != nil {
		return err
	}
	dynamic, _ := split(values)
	if len(dynamic) == 0 {
		return nil
	}
	inst, cl, err := s.connect(ctx, r)
	if err != nil {
		return err
	}
	if err := cl.SetClusterDefaults(ctx, dynamic); err != nil {
		return kafkaadmin.AppError(err, "", "apply %s", strings.Join(sortedNames(dynamic), ", "))
	}
	_, err = s.liveValues(ctx, inst, cl, dynamic)
	return err
}

// saveParams saves the instance's desired parameters: set ones, or reset
// ones removed (back to their defaults).
func (s *Service) saveParams(ctx context.Context, r *task.Run) error {
	var values map[string]string
	if err := r.Params(&values); err != nil {
		return err
	}
	reset := r.Task.Kind == streamplane.TaskResetParameters
	err := r.Update(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance(r.Task.InstanceID)
		if err != nil {
			return err
		}
		params := maps.Clone(inst.Parameters)
		if params == nil {
			params = map[string]string{}
		}
		for k, v := range values {
			switch {
			case k == streamplane.ParamAutoCreateTopics:
				inst.AutoCreateTopics = !reset && v == "true"
			case reset:
				delete(params, k)
			default:
				params[k] = v
			}
		}
		inst.Parameters = params
		return tx.UpdateInstance(inst)
	})
	if err != nil {
		return err
	}
	dynamic, static := split(values)
	return r.SaveState(ctx, changeState{Result: summary(dynamic, static)})
}

// split separates dynamic from static parameters.
func split(values map[string]string) (dynamic, static map[string]string) {
	dynamic, static = map[string]string{}, map[string]string{}
	for k, v := range values {
		if d, _ := streamplane.LookupParam(k); d.Dynamic {
			dynamic[k] = v
		} else {
			static[k] = v
		}
	}
	return dynamic, static
}

func summary(dynamic, static map[string]string) string {
	var parts []string
	if len(dynamic) > 0 {
		parts = append(parts, "applied live: "+pairs(dynamic))
	}
	if len(static) > 0 {
		parts = append(parts, "saved, applied at the next restart: "+pairs(static))
	}
	return strings.Join(parts, "; ")
}

func pairs(m map[string]string) string {
	var out []string
	for _, k := range sortedNames(m) {
		out = append(out, k+"="+m[k])
	}
	return strings.Join(out, ", ")
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
