// Package promexport writes Streamplane's metrics in the Prometheus text
// exposition format (version 0.0.4), as the server's /metrics serves them:
// one gauge per catalog metric, named streamplane_<catalog name>, with the
// instance's id and name and the series' dimensions as labels.
package promexport

import (
	"bufio"
	"cmp"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

// ContentType is the media type of what Write produces.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Prefix starts every exported metric name.
const Prefix = "streamplane_"

// Labels every exported sample carries beside its dimensions. "instance"
// collides with the label Prometheus gives each target: a scrape config
// needs honor_labels: true to keep ours (deploy/prometheus/prometheus.yml).
const (
	LabelInstanceID = "instance_id"
	LabelInstance   = "instance"
)

// MetricName returns the exported name of a catalog metric.
func MetricName(metric string) string { return Prefix + metric }

// Write renders samples, the latest value of each series, in the text
// format. instanceNames maps the instance ids to their names; a sample of
// an instance not in it (deleted since its values were read) is left out,
// and so is one of a metric the catalog no longer has (a store may still
// hold its series). Samples of one metric are written together, metrics in
// catalog order and series in label order; of two samples of one series
// the later wins.
func Write(w io.Writer, samples []streamplane.Sample, instanceNames map[string]string) error {
	order := map[string]int{}
	for i, m := range streamplane.Metrics {
		order[m.Name] = i
	}
	kept := make([]streamplane.Sample, 0, len(samples))
	for _, s := range samples {
		_, known := order[s.Key.Metric]
		_, exists := instanceNames[s.Key.InstanceID]
		if known && exists {
			kept = append(kept, s)
		}
	}
	slices.SortStableFunc(kept, func(a, b streamplane.Sample) int {
		return cmp.Or(
			cmp.Compare(order[a.Key.Metric], order[b.Key.Metric]),
			cmp.Compare(instanceNames[a.Key.InstanceID], instanceNames[b.Key.InstanceID]),
			compareKeys(a.Key, b.Key),
		)
	})

	bw := bufio.NewWriter(w)
	for i, s := range kept {
		if i+1 < len(kept) && kept[i+1].Key == s.Key {
			continue // a later value of the same series follows
		}
		if i == 0 || kept[i-1].Key.Metric != s.Key.Metric {
			def, _ := streamplane.MetricByName(s.Key.Metric)
			writeHeader(bw, def)
		}
		writeSample(bw, s, instanceNames[s.Key.InstanceID])
	}
	return bw.Flush()
}

// compareKeys orders the series of one metric: by instance id, then by
// the dimensions, numbers as numbers.
func compareKeys(a, b streamplane.SeriesKey) int {
	return cmp.Or(
		cmp.Compare(a.InstanceID, b.InstanceID),
		cmp.Compare(a.Broker, b.Broker),
		cmp.Compare(a.Topic, b.Topic),
		cmp.Compare(a.Partition, b.Partition),
		cmp.Compare(a.Group, b.Group),
	)
}

func writeHeader(w *bufio.Writer, def streamplane.MetricDef) {
	name := MetricName(def.Name)
	help := def.Description
	if def.Unit != "" {
		help += " Unit: " + def.Unit + "."
	}
	w.WriteString("# HELP " + name + " " + escapeHelp(help) + "\n")
	w.WriteString("# TYPE " + name + " gauge\n")
}

// dimensionOrder is the order of a sample's dimension labels.
var dimensionOrder = []string{streamplane.DimBroker, streamplane.DimTopic, streamplane.DimPartition, streamplane.DimGroup}

func writeSample(w *bufio.Writer, s streamplane.Sample, instanceName string) {
	w.WriteString(MetricName(s.Key.Metric))
	w.WriteString("{" + LabelInstanceID + `="` + escapeLabel(s.Key.InstanceID) + `"`)
	w.WriteString("," + LabelInstance + `="` + escapeLabel(instanceName) + `"`)
	labels := s.Key.Labels()
	for _, dim := range dimensionOrder {
		if v, ok := labels[dim]; ok {
			w.WriteString("," + dim + `="` + escapeLabel(v) + `"`)
		}
	}
	w.WriteString("} ")
	w.WriteString(formatValue(s.Value))
	w.WriteString("\n")
}

// Label values escape backslash, double quote and newline; HELP text
// backslash and newline. Both must be UTF-8: Prometheus refuses a scrape
// with anything else, so invalid bytes become U+FFFD.
var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(v string) string { return labelEscaper.Replace(strings.ToValidUTF8(v, "\uFFFD")) }

func escapeHelp(v string) string { return helpEscaper.Replace(strings.ToValidUTF8(v, "\uFFFD")) }

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
