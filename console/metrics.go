package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

// metricPages: an instance's metrics as charts, by level, over a range;
// the chart data every page's charts load.
var metricPages = []page{
	{"GET", "/instances/{instance}/metrics", (*Server).handleMetrics},
	{"GET", "/instances/{instance}/metrics/{metric}/chart.json", (*Server).handleChartJSON},
}

// metricLevels are the levels the page offers, as the catalog names them.
var metricLevels = []string{streamplane.LevelInstance, streamplane.LevelBroker, streamplane.LevelTopic, streamplane.LevelGroup}

// mainMetrics are each level's charts unless the user asks for all of the
// level's metrics: traffic, size and health first, as DMS's console shows.
var mainMetrics = map[string][]string{
	streamplane.LevelInstance: {"current_topics", "current_partitions", "group_msgs", "offline_partitions"},
	streamplane.LevelBroker:   {"broker_bytes_in_rate", "broker_bytes_out_rate", "broker_messages_in_rate", "broker_cpu_usage", "broker_heap_usage", "broker_disk_usage"},
	streamplane.LevelTopic:    {"topic_bytes_in_rate", "topic_bytes_out_rate", "topic_messages_in_rate", "topic_messages"},
	streamplane.LevelGroup:    {"consumer_messages_remaining", "consumer_messages_consumed", "messages_remained"},
}

// topMetrics are the metrics a level ranks its series by ("top N").
var topMetrics = map[string][]string{
	streamplane.LevelTopic: {"topic_bytes_in_rate", "topic_bytes_out_rate", "topic_messages_in_rate", "topic_messages", "topic_data_size"},
	streamplane.LevelGroup: {"consumer_messages_remaining", "consumer_messages_consumed"},
}

type metricChart struct {
	Def streamplane.MetricDef
	URL string
}

type metricsView struct {
	Instance string
	Levels   []string
	Level    string
	Ranges   []metricRange
	Range    string // the picked range's key, "" for from/to
	From, To string // the range shown, for the from/to inputs
	Broker   string
	Topic    string
	Group    string
	All      bool
	Charts   []metricChart
	// Top ranks the level's series by TopMetric, for topic and group levels.
	TopMetrics []string
	TopMetric  string
	Top        *wire.MetricTop
	TopErr     string
	// Query is the page's filters and range, for links that keep them.
	Query string
}

func (s *Server) handleMetrics(c *call) error {
	inst := c.r.PathValue("instance")
	q := c.r.URL.Query()
	v := metricsView{Instance: inst, Levels: metricLevels, Ranges: metricRanges, Level: q.Get("level"), Range: q.Get("range"),
		Broker: q.Get("broker"), Topic: q.Get("topic"), Group: q.Get("group"), All: q.Get("all") == "1"}
	if !slices.Contains(metricLevels, v.Level) {
		v.Level = streamplane.LevelInstance
	}
	// Filters of dimensions the level's metrics lack would only be refused.
	switch v.Level {
	case streamplane.LevelInstance:
		v.Broker, v.Topic, v.Group = "", "", ""
	case streamplane.LevelBroker:
		v.Topic, v.Group = "", ""
	case streamplane.LevelTopic:
		v.Broker, v.Group = "", ""
	case streamplane.LevelGroup:
		v.Broker = ""
	}
	if q.Get("from") == "" && v.Range == "" {
		v.Range = "1h"
	}
	// The charts share one absolute range, so they line up however long
	// the page takes to load them.
	cq := url.Values{}
	if v.Range != "" {
		cq.Set("range", v.Range)
	} else {
		cq.Set("from", q.Get("from"))
		if q.Get("to") != "" {
			cq.Set("to", q.Get("to"))
		}
	}
	for k, val := range map[string]string{"broker": v.Broker, "topic": v.Topic, "group": v.Group} {
		if val != "" {
			cq.Set(k, val)
		}
	}
	opts, err := metricOptions(cq)
	if err != nil {
		return s.renderForm(c, "metrics", &view{Title: "Metrics · " + inst, Section: "instances", Instance: inst, Tab: "metrics", Data: v}, err)
	}
	to := time.Now().UTC()
	if opts.To != nil {
		to = *opts.To
	}
	from := to.Add(-time.Hour)
	if opts.From != nil {
		from = *opts.From
	}
	v.From, v.To = localInput(from), localInput(to)
	filters := map[string]string{streamplane.DimBroker: v.Broker, streamplane.DimTopic: v.Topic, streamplane.DimGroup: v.Group}
	// chartQuery is the range and the filters a metric has dimensions for:
	// the API refuses a filter on a dimension the metric lacks.
	chartQuery := func(def streamplane.MetricDef) url.Values {
		cq := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
		for k, val := range filters {
			if val != "" && def.HasDimension(k) {
				cq.Set(k, val)
			}
		}
		return cq
	}
	pageQ := url.Values{"level": {v.Level}}
	for k, val := range cq {
		pageQ[k] = val
	}
	v.Query = pageQ.Encode()

	catalog, err := c.api.MetricCatalog(c.r.Context())
	if err != nil {
		return err
	}
	base := "/instances/" + url.PathEscape(inst) + "/metrics/"
	for _, def := range catalog.Metrics {
		if def.Level != v.Level || (!v.All && !slices.Contains(mainMetrics[v.Level], def.Name)) {
			continue
		}
		v.Charts = append(v.Charts, metricChart{Def: def, URL: base + url.PathEscape(def.Name) + "/chart.json?" + chartQuery(def).Encode()})
	}
	// Main metrics in the order above; the rest in the catalog's.
	slices.SortStableFunc(v.Charts, func(a, b metricChart) int {
		ia, ib := slices.Index(mainMetrics[v.Level], a.Def.Name), slices.Index(mainMetrics[v.Level], b.Def.Name)
		if ia < 0 {
			ia = len(mainMetrics[v.Level])
		}
		if ib < 0 {
			ib = len(mainMetrics[v.Level])
		}
		return ia - ib
	})

	if tops := topMetrics[v.Level]; tops != nil {
		v.TopMetrics = tops
		v.TopMetric = q.Get("top")
		if !slices.Contains(tops, v.TopMetric) {
			v.TopMetric = tops[0]
		}
		def, _ := streamplane.MetricByName(v.TopMetric)
		topOpts, err := metricOptions(chartQuery(def))
		if err != nil {
			return err
		}
		// A ranking the API cannot give leaves the charts standing.
		if v.Top, err = c.api.MetricTop(c.r.Context(), inst, v.TopMetric, topOpts, 10); err != nil {
			var ce *client.Error
			if !errors.As(err, &ce) {
				return err
			}
			v.TopErr = ce.App.Message
		}
	}
	return s.render(c, http.StatusOK, "metrics", &view{Title: "Metrics · " + inst, Section: "instances", Instance: inst, Tab: "metrics", Data: v})
}
