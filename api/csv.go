package api

import (
	"encoding/csv"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

func startCSV(w http.ResponseWriter, name string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.WriteHeader(http.StatusOK)
	return csv.NewWriter(w)
}

// csvSafe defuses cells a spreadsheet would run as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func writeInstancesCSV(w http.ResponseWriter, list []*streamplane.Instance) {
	cw := startCSV(w, "instances")
	cw.Write([]string{"id", "name", "status", "version", "flavor", "brokers", "storage_gb_per_broker", "zones", "bootstrap_servers", "tags", "created_at"})
	for _, inst := range list {
		var tags []string
		for k, v := range inst.Tags {
			tags = append(tags, k+"="+v)
		}
		sort.Strings(tags)
		cw.Write([]string{inst.ID, csvSafe(inst.Name), string(inst.Status), inst.Version, inst.Flavor,
			strconv.Itoa(inst.BrokerCount), strconv.Itoa(inst.StorageGBPerBroker), strings.Join(inst.Zones, " "),
			inst.BootstrapServers[inst.PrivateListener()], csvSafe(strings.Join(tags, ";")), inst.CreatedAt.Format(time.RFC3339)})
	}
	cw.Flush()
}

func writeTasksCSV(w http.ResponseWriter, list []*streamplane.Task) {
	cw := startCSV(w, "tasks")
	cw.Write([]string{"id", "kind", "target", "status", "progress", "created_at", "finished_at", "error"})
	for _, t := range list {
		finished := ""
		if t.FinishedAt != nil {
			finished = t.FinishedAt.Format(time.RFC3339)
		}
		cw.Write([]string{t.ID, t.Kind, csvSafe(t.Target), string(t.Status), strconv.Itoa(t.Progress),
			t.CreatedAt.Format(time.RFC3339), finished, csvSafe(t.Error)})
	}
	cw.Flush()
}

// writeSeriesCSV writes one row per point: time, the series' dimensions
// and the value.
func writeSeriesCSV(w http.ResponseWriter, metric string, series []streamplane.Series) {
	cw := startCSV(w, metric)
	cw.Write([]string{"time", "metric", "broker", "topic", "partition", "group", "value"})
	for _, se := range series {
		l := se.Key.Labels()
		for _, p := range se.Points {
			cw.Write([]string{p.At.UTC().Format(time.RFC3339), metric, l["broker"], csvSafe(l["topic"]), l["partition"], csvSafe(l["group"]),
				strconv.FormatFloat(p.Value, 'g', -1, 64)})
		}
	}
	cw.Flush()
}
