package service

import (
	"context"
	"slices"
	"sort"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// MetricHistory answers queries over the kept series (series.DB).
type MetricHistory interface {
	Query(ctx context.Context, q streamplane.MetricQuery) ([]streamplane.Series, error)
}

// Metric queries: at most this range, and at most this many points per
// series (the step grows to fit).
const (
	maxMetricRange  = 366 * 24 * time.Hour
	maxSeriesPoints = 11_000
)

// QueryMetrics returns the series of a metric of an instance over a range.
func (s *Service) QueryMetrics(ctx context.Context, idOrName string, q streamplane.MetricQuery) ([]streamplane.Series, error) {
	inst, err := s.Instance(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	q.InstanceID = inst.ID
	if err := checkMetricQuery(&q); err != nil {
		return nil, err
	}
	if s.Metrics == nil {
		return nil, streamplane.Errorf(streamplane.EUNAVAILABLE, "the server keeps no metrics")
	}
	return s.Metrics.Query(ctx, q)
}

// checkMetricQuery checks the metric, its dimension filters and the range.
func checkMetricQuery(q *streamplane.MetricQuery) error {
	m, ok := streamplane.MetricByName(q.Metric)
	if !ok {
		return streamplane.Invalid("metric", "metric %q is not in the catalog (streamplane metrics list shows it)", q.Metric)
	}
	for dim, set := range map[string]bool{streamplane.DimBroker: q.Broker != nil, streamplane.DimTopic: q.Topic != nil,
		streamplane.DimPartition: q.Partition != nil, streamplane.DimGroup: q.Group != nil} {
		if set && !m.HasDimension(dim) {
			return streamplane.Invalid(dim, "metric %s has no %s dimension (its dimensions: %v)", q.Metric, dim, m.Dimensions)
		}
	}
	switch {
	case !q.To.After(q.From):
		return streamplane.Invalid("from", "from (%s) must be before to (%s)", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	case q.To.Sub(q.From) > maxMetricRange:
		return streamplane.Invalid("from", "a query covers at most %d days", int(maxMetricRange.Hours()/24))
	case q.Step < 0:
		return streamplane.Invalid("step", "step must not be negative")
	case q.Step > 0 && q.Step < time.Second:
		return streamplane.Invalid("step", "step must be at least 1s")
	case q.Step > 0 && q.To.Sub(q.From)/q.Step > maxSeriesPoints:
		return streamplane.Invalid("step", "step %s gives more than %d points over %s; choose a larger one", q.Step, maxSeriesPoints, q.To.Sub(q.From))
	}
	return nil
}

// MetricRank is one series of a top list: its mean and latest value over
// the range.
type MetricRank struct {
	Key    streamplane.SeriesKey
	Mean   float64
	Latest float64
	At     time.Time
}

// TopMetrics ranks the series of a metric by their mean over the range,
// largest first, and returns the first n.
func (s *Service) TopMetrics(ctx context.Context, idOrName string, q streamplane.MetricQuery, n int) ([]MetricRank, error) {
	if n < 1 || n > 1000 {
		return nil, streamplane.Invalid("top", "top must be between 1 and 1000, got %d", n)
	}
	series, err := s.QueryMetrics(ctx, idOrName, q)
	if err != nil {
		return nil, err
	}
	var ranks []MetricRank
	for _, se := range series {
		if len(se.Points) == 0 {
			continue
		}
		var sum float64
		for _, p := range se.Points {
			sum += p.Value
		}
		last := se.Points[len(se.Points)-1]
		ranks = append(ranks, MetricRank{Key: se.Key, Mean: sum / float64(len(se.Points)), Latest: last.Value, At: last.At})
	}
	sort.SliceStable(ranks, func(i, j int) bool { return ranks[i].Mean > ranks[j].Mean })
	return ranks[:min(n, len(ranks))], nil
}

// MetricCatalog returns the catalog, by level then name.
func MetricCatalog() []streamplane.MetricDef {
	return slices.Clone(streamplane.Metrics)
}
