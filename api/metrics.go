package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/wire"
)

// metricRoutes: the metric catalog and an instance's series over time.
var metricRoutes = []Route{
	{"GET", "/api/v1/metrics", (*Server).handleMetricCatalog},
	{"GET", "/api/v1/instances/{instance}/metrics/{metric}", (*Server).handleMetricQuery},
	{"GET", "/api/v1/instances/{instance}/metrics/{metric}/top", (*Server).handleMetricTop},
	// Prometheus scrapes the latest value of every series it may read.
	{"GET", "/metrics", (*Server).handlePrometheus},
}

func (s *Server) handleMetricCatalog(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, wire.MetricCatalog{Metrics: service.MetricCatalog()})
}

// defaultMetricRange is what a query without from covers.
const defaultMetricRange = time.Hour

// metricQuery reads a query's dimension filters and range: from and to as
// RFC 3339 or Unix milliseconds (default: the last hour), step as a
// duration such as 60s or 5m (default: chosen from the range).
func metricQuery(r *http.Request) (streamplane.MetricQuery, error) {
	q := r.URL.Query()
	mq := streamplane.MetricQuery{Metric: r.PathValue("metric")}
	var err error
	if mq.Broker, err = optionalInt(q, "broker"); err != nil {
		return mq, err
	}
	if mq.Partition, err = optionalInt(q, "partition"); err != nil {
		return mq, err
	}
	for name, dst := range map[string]**string{"topic": &mq.Topic, "group": &mq.Group} {
		if q.Has(name) {
			v := q.Get(name)
			*dst = &v
		}
	}
	to, err := timeParam(q, "to")
	if err != nil {
		return mq, err
	}
	mq.To = time.Now().UTC()
	if to != nil {
		mq.To = *to
	}
	from, err := timeParam(q, "from")
	if err != nil {
		return mq, err
	}
	mq.From = mq.To.Add(-defaultMetricRange)
	if from != nil {
		mq.From = *from
	}
	if q.Has("step") {
		d, err := time.ParseDuration(q.Get("step"))
		if err != nil {
			return mq, streamplane.Invalid("step", "step must be a duration such as 60s, 5m or 1h, got %q", q.Get("step"))
		}
		mq.Step = d
	}
	return mq, nil
}

func optionalInt(q url.Values, name string) (*int, error) {
	if !q.Has(name) {
		return nil, nil
	}
	n, err := strconv.Atoi(q.Get(name))
	if err != nil || n < 0 {
		return nil, streamplane.Invalid(name, "%s must be an integer of 0 or more, got %q", name, q.Get(name))
	}
	return &n, nil
}

func (s *Server) handleMetricQuery(w http.ResponseWriter, r *http.Request) {
	mq, err := metricQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	csv, err := wantCSV(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	series, err := s.Service.QueryMetrics(r.Context(), r.PathValue("instance"), mq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if csv {
		writeSeriesCSV(w, mq.Metric, series)
		return
	}
	def, _ := streamplane.MetricByName(mq.Metric)
	out := wire.MetricSeriesList{Metric: mq.Metric, Unit: def.Unit, From: mq.From.Format(time.RFC3339), To: mq.To.Format(time.RFC3339),
		Series: []wire.MetricSeries{}}
	for _, se := range series {
		ws := wire.MetricSeries{Labels: se.Key.Labels(), Points: make([][2]float64, len(se.Points))}
		for i, p := range se.Points {
			ws.Points[i] = [2]float64{float64(p.At.Unix()), p.Value}
		}
		out.Series = append(out.Series, ws)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleMetricTop(w http.ResponseWriter, r *http.Request) {
	mq, err := metricQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := intParam(r.URL.Query(), "top", 10, 1, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ranks, err := s.Service.TopMetrics(r.Context(), r.PathValue("instance"), mq, n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	def, _ := streamplane.MetricByName(mq.Metric)
	out := wire.MetricTop{Metric: mq.Metric, Unit: def.Unit, Series: []wire.MetricRanking{}}
	for _, rk := range ranks {
		out.Series = append(out.Series, wire.MetricRanking{Labels: rk.Key.Labels(), Mean: rk.Mean, Latest: rk.Latest})
	}
	writeJSON(w, http.StatusOK, out)
}
