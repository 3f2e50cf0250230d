package service

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/metrics"
	"github.com/streamplane/streamplane/secrets"
	"github.com/streamplane/streamplane/task"
)

// Client quotas (DMS ch. 12) live in Kafka, which enforces them: Streamplane
// stores nothing of its own. Changes are synchronous (see change): done on
// every broker when the call returns.
//
// While an instance has any quota, Streamplane keeps one more, hidden: an
// unlimited quota for its own admin principal. It outranks every default
// (Kafka's precedence puts <user> above <default user, ...> and above all
// client-id quotas), so a user's default quota never slows the control
// plane's own reads and writes (message queries, test messages).

// controlPlaneQuota exempts Streamplane's admin principal: 10^15 bytes/s
// is no limit, and a whole number Kafka keeps exactly.
var controlPlaneQuota = struct {
	entity streamplane.QuotaEntity
	rates  kafkaadmin.ByteRates
}{streamplane.QuotaEntity{User: secrets.AdminUser}, kafkaadmin.ByteRates{Produce: ratePtr(1e15), Consume: ratePtr(1e15)}}

func ratePtr(v float64) *float64 { return &v }

// scrapeTimeout bounds reading the brokers' metrics for a usage report.
const scrapeTimeout = 5 * time.Second

// Quotas lists an instance's client quotas.
func (s *Service) Quotas(ctx context.Context, idOrName string) (*streamplane.QuotaList, error) {
	inst, cl, err := s.cluster(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	quotas, _, err := s.quotas(ctx, inst, cl)
	if err != nil {
		return nil, err
	}
	return &streamplane.QuotaList{Quotas: quotas}, nil
}

// quotas returns the instance's quotas users see, sorted, and whether the
// control plane's exemption is in place.
func (s *Service) quotas(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) ([]streamplane.Quota, bool, error) {
	raw, err := cl.ClientQuotas(ctx)
	if err != nil {
		return nil, false, kafkaadmin.AppError(err, "", "describe the quotas of %s", inst.Name)
	}
	out := []streamplane.Quota{}
	exempt := false
	for e, r := range raw {
		if streamplane.IsReservedUser(e.User) {
			exempt = exempt || e == controlPlaneQuota.entity
			continue
		}
		out = append(out, quotaOf(e, r))
	}
	streamplane.SortQuotas(out)
	return out, exempt, nil
}

func quotaOf(e streamplane.QuotaEntity, r kafkaadmin.ByteRates) streamplane.Quota {
	mb := func(b *float64) *float64 {
		if b == nil {
			return nil
		}
		return ratePtr(streamplane.QuotaMBps(*b))
	}
	return streamplane.NewQuota(e, mb(r.Produce), mb(r.Consume))
}

func byteRatesOf(q streamplane.Quota) kafkaadmin.ByteRates {
	b := func(mbps *float64) *float64 {
		if mbps == nil {
			return nil
		}
		return ratePtr(float64(streamplane.QuotaBytes(*mbps)))
	}
	return kafkaadmin.ByteRates{Produce: b(q.ProduceMBps), Consume: b(q.ConsumeMBps)}
}

func findQuota(quotas []streamplane.Quota, e streamplane.QuotaEntity) (streamplane.Quota, bool) {
	i := slices.IndexFunc(quotas, func(q streamplane.Quota) bool { return q.QuotaEntity == e })
	if i < 0 {
		return streamplane.Quota{}, false
	}
	return quotas[i], true
}

func noSuchQuota(inst *streamplane.Instance, e streamplane.QuotaEntity) error {
	return streamplane.Errorf(streamplane.ENOTFOUND, "instance %s has no quota for %s", inst.Name, e)
}

// Quota changes are tasks (see change): whether the entity has a quota
// already is checked by the task's first step, while it holds the instance.

// quotaState is the quota a task sets or deletes, as its first step found
// or planned it.
type quotaState struct {
	changeState
	Quota streamplane.Quota `json:"quota"`
	Last  bool              `json:"last,omitempty"` // a deletion of the instance's last quota
}

// CreateQuota sets the limits of an entity that has none yet.
func (s *Service) CreateQuota(ctx context.Context, idOrName string, spec streamplane.QuotaSpec) (*streamplane.Quota, error) {
	_, err := s.change(ctx, changeRequest{instance: idOrName, kind: streamplane.TaskCreateQuota, params: spec,
		check: func(inst *streamplane.Instance) error { return spec.Validate(inst.SASL()) }})
	if err != nil {
		return nil, err
	}
	q := spec.Quota()
	return &q, nil
}

func (s *Service) createQuotaWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskCreateQuota, nil,
		task.Step{Name: "Check the entity has no quota", Run: s.checkNewQuota},
		task.Step{Name: "Set the quota on every broker", Run: s.setQuotaStep},
	)
}

func (s *Service) checkNewQuota(ctx context.Context, r *task.Run) error {
	var spec streamplane.QuotaSpec
	inst, cl, err := s.changeInput(ctx, r, &spec)
	if err != nil {
		return err
	}
	if err := s.checkQuotaUser(ctx, inst, spec.User); err != nil {
		return err
	}
	quotas, _, err := s.quotas(ctx, inst, cl)
	if err != nil {
		return err
	}
	if cur, ok := findQuota(quotas, spec.QuotaEntity); ok {
		return streamplane.Errorf(streamplane.ECONFLICT,
			"instance %s already has a quota for %s (%s); change it with an update", inst.Name, cur.Entity, rateText(cur))
	}
	return r.SaveState(ctx, quotaState{Quota: spec.Quota()})
}

// setQuotaStep sets the quota the first step planned; setting it again is
// harmless.
func (s *Service) setQuotaStep(ctx context.Context, r *task.Run) error {
	var st quotaState
	if err := r.State(&st); err != nil {
		return err
	}
	inst, cl, err := s.connect(ctx, r)
	if err != nil {
		return err
	}
	_, exempt, err := s.quotas(ctx, inst, cl)
	if err != nil {
		return err
	}
	if err := s.setQuota(ctx, inst, cl, st.Quota, exempt); err != nil {
		return err
	}
	s.Log.Info("quota set", "instance", inst.Name, "quota", describeQuota(st.Quota))
	verb := "created"
	if r.Task.Kind == streamplane.TaskUpdateQuota {
		verb = "changed"
	}
	st.Result = verb + " quota: " + describeQuota(st.Quota)
	return r.SaveState(ctx, st)
}

// UpdateQuota changes an existing quota's limits.
func (s *Service) UpdateQuota(ctx context.Context, idOrName string, upd streamplane.QuotaUpdate) (*streamplane.Quota, error) {
	t, err := s.change(ctx, changeRequest{instance: idOrName, kind: streamplane.TaskUpdateQuota, params: upd,
		check: func(inst *streamplane.Instance) error { return upd.QuotaEntity.Validate(inst.SASL()) }})
	if err != nil {
		return nil, err
	}
	var st quotaState
	if err := taskState(t, &st); err != nil {
		return nil, err
	}
	return &st.Quota, nil
}

func (s *Service) updateQuotaWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskUpdateQuota, nil,
		task.Step{Name: "Plan the new limits", Run: s.planQuotaUpdate},
		task.Step{Name: "Set the quota on every broker", Run: s.setQuotaStep},
	)
}

func (s *Service) planQuotaUpdate(ctx context.Context, r *task.Run) error {
	var upd streamplane.QuotaUpdate
	inst, cl, err := s.changeInput(ctx, r, &upd)
	if err != nil {
		return err
	}
	quotas, _, err := s.quotas(ctx, inst, cl)
	if err != nil {
		return err
	}
	cur, ok := findQuota(quotas, upd.QuotaEntity)
	if !ok {
		return noSuchQuota(inst, upd.QuotaEntity)
	}
	q, err := upd.Apply(cur)
	if err != nil {
		return err
	}
	return r.SaveState(ctx, quotaState{Quota: q})
}

// DeleteQuota removes an entity's quota and returns it as it was. With the
// last quota gone, the control plane's exemption goes too.
func (s *Service) DeleteQuota(ctx context.Context, idOrName string, e streamplane.QuotaEntity) (*streamplane.QuotaDeletion, error) {
	t, err := s.change(ctx, changeRequest{instance: idOrName, kind: streamplane.TaskDeleteQuota, params: e,
		check: func(inst *streamplane.Instance) error { return e.Validate(inst.SASL()) }})
	if err != nil {
		return nil, err
	}
	var st quotaState
	if err := taskState(t, &st); err != nil {
		return nil, err
	}
	return &streamplane.QuotaDeletion{Deleted: st.Quota}, nil
}

func (s *Service) deleteQuotaWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskDeleteQuota, nil,
		task.Step{Name: "Find the quota", Run: s.findQuotaToDelete},
		task.Step{Name: "Delete the quota on every broker", Run: s.deleteQuota},
	)
}

func (s *Service) findQuotaToDelete(ctx context.Context, r *task.Run) error {
	var e streamplane.QuotaEntity
	inst, cl, err := s.changeInput(ctx, r, &e)
	if err != nil {
		return err
	}
	quotas, exempt, err := s.quotas(ctx, inst, cl)
	if err != nil {
		return err
	}
	cur, ok := findQuota(quotas, e)
	if !ok {
		return noSuchQuota(inst, e)
	}
	return r.SaveState(ctx, quotaState{Quota: cur, Last: exempt && len(quotas) == 1})
}

// deleteQuota deletes the quota the first step found; deleting it again is
// harmless.
func (s *Service) deleteQuota(ctx context.Context, r *task.Run) error {
	var st quotaState
	if err := r.State(&st); err != nil {
		return err
	}
	inst, cl, err := s.connect(ctx, r)
	if err != nil {
		return err
	}
	e := st.Quota.QuotaEntity
	if err := cl.SetClientQuota(ctx, e, kafkaadmin.ByteRates{}); err != nil {
		return kafkaadmin.AppError(err, "", "delete the quota of %s", st.Quota.Entity)
	}
	if err := cl.WaitClientQuota(ctx, e, kafkaadmin.ByteRates{}); err != nil {
		s.Log.Warn("deleted quota still on a broker", "instance", inst.Name, "quota", st.Quota.Entity, "err", err)
	}
	if st.Last {
		s.dropExemption(ctx, inst, cl)
	}
	s.Log.Info("quota deleted", "instance", inst.Name, "quota", describeQuota(st.Quota))
	st.Result = "deleted quota: " + describeQuota(st.Quota)
	return r.SaveState(ctx, st)
}

// checkQuotaUser requires a user quota's user to be a SASL user of the
// instance, as DMS takes it from the instance's Users page.
func (s *Service) checkQuotaUser(ctx context.Context, inst *streamplane.Instance, user string) error {
	if user == "" {
		return nil
	}
	_, err := s.kafkaUser(ctx, inst, user)
	if streamplane.IsCode(err, streamplane.ENOTFOUND) {
		return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "user",
			Message: fmt.Sprintf("instance %s has no SASL user %q; quotas apply to the instance's users", inst.Name, user)}
	}
	return err
}

// setQuota writes a quota (first the control plane's exemption, if it is
// missing) and waits until every broker has it.
func (s *Service) setQuota(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, q streamplane.Quota, exempt bool) error {
	if !exempt {
		if err := cl.SetClientQuota(ctx, controlPlaneQuota.entity, controlPlaneQuota.rates); err != nil {
			return kafkaadmin.AppError(err, "", "exempt Streamplane's own principal from the quotas of %s", inst.Name)
		}
	}
	r := byteRatesOf(q)
	if err := cl.SetClientQuota(ctx, q.QuotaEntity, r); err != nil {
		return kafkaadmin.AppError(err, "", "set the quota of %s", q.Entity)
	}
	if err := cl.WaitClientQuota(ctx, q.QuotaEntity, r); err != nil {
		s.Log.Warn("quota not yet on every broker", "instance", inst.Name, "quota", q.Entity, "err", err)
	}
	return nil
}

// deleteUserQuotas removes every quota naming a SASL user (<user> and
// <user, client-id>), for a user being deleted: a quota left behind would
// bind a later user of the same name. The caller's task holds the instance.
func (s *Service) deleteUserQuotas(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, user string) error {
	quotas, exempt, err := s.quotas(ctx, inst, cl)
	if err != nil {
		return err
	}
	removed := 0
	for _, q := range quotas {
		if q.User != user {
			continue
		}
		if err := cl.SetClientQuota(ctx, q.QuotaEntity, kafkaadmin.ByteRates{}); err != nil {
			return kafkaadmin.AppError(err, "", "delete the quota of %s", q.Entity)
		}
		removed++
	}
	if exempt && removed > 0 && removed == len(quotas) {
		s.dropExemption(ctx, inst, cl)
	}
	return nil
}

// dropExemption removes the control plane's exemption once the instance
// has no quota left for it to outrank.
func (s *Service) dropExemption(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) {
	if err := cl.SetClientQuota(ctx, controlPlaneQuota.entity, kafkaadmin.ByteRates{}); err != nil {
		s.Log.Warn("control plane exemption left in place", "instance", inst.Name, "err", err)
	}
}

// describeQuota is a quota for task results and logs.
func describeQuota(q streamplane.Quota) string {
	return q.Entity + ": " + rateText(q) + " per broker"
}

func rateText(q streamplane.Quota) string {
	var parts []string
	if q.ProduceMBps != nil {
		parts = append(parts, "produce "+streamplane.FormatMBps(*q.ProduceMBps))
	}
	if q.ConsumeMBps != nil {
		parts = append(parts, "consume "+streamplane.FormatMBps(*q.ConsumeMBps))
	}
	return strings.Join(parts, ", ")
}

// QuotaUsage reports who moves the most bytes in one direction and how
// close each is to its quota (DMS 12.4), from the quota sensors every
// broker exports: rates over Kafka's quota window (about 10 s), summed
// over brokers, with the busiest broker's share of the per-broker limit.
// Kafka measures clients only while some quota exists (see
// metrics.ClientRates); a broker whose metrics cannot be read is named in
// the report, which the others still make.
func (s *Service) QuotaUsage(ctx context.Context, idOrName string, f streamplane.QuotaUsageFilter) (*streamplane.QuotaUsage, error) {
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	inst, cl, err := s.cluster(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	quotas, _, err := s.quotas(ctx, inst, cl)
	if err != nil {
		return nil, err
	}
	endpoints := s.Provisioner.MetricsEndpoints(inst)
	if len(endpoints) == 0 {
		return nil, streamplane.Errorf(streamplane.EUNAVAILABLE, "the brokers of %s serve no metrics", inst.Name)
	}
	sctx, cancel := context.WithTimeout(ctx, scrapeTimeout)
	defer cancel()
	samples, failed := metrics.ScrapeAll(sctx, &http.Client{Timeout: scrapeTimeout, Transport: &http.Transport{DialContext: streamplane.DialFunc(s.Provisioner)}}, endpoints, metrics.IsClientQuotaMetric)
	if len(failed) == len(endpoints) {
		for id, err := range failed {
			s.Log.Warn("broker metrics unreadable", "instance", inst.Name, "broker", id, "err", err)
		}
		return nil, streamplane.Errorf(streamplane.EUNAVAILABLE, "no broker of %s served its metrics", inst.Name)
	}
	var rates []streamplane.ClientRate
	var brokers []int
	for id := range endpoints {
		brokers = append(brokers, id)
		rates = append(rates, metrics.ClientRates(id, samples[id])...)
	}
	slices.Sort(brokers)
	u := streamplane.BuildQuotaUsage(rates, quotas, f)
	for _, id := range brokers {
		b := streamplane.QuotaUsageBroker{Broker: id}
		if err, ok := failed[id]; ok {
			b.Error = err.Error()
		}
		u.Brokers = append(u.Brokers, b)
	}
	return &u, nil
}
