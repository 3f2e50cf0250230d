package api

import (
	"bytes"
	"net/http"
	"slices"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/promexport"
)

// LatestMetrics returns the last collection: the instances collected and
// every series' value then.
type LatestMetrics func() ([]*streamplane.Instance, []streamplane.Sample)

// handlePrometheus serves the latest value of every series of the
// instances the caller may read, in the Prometheus text format.
func (s *Server) handlePrometheus(w http.ResponseWriter, r *http.Request) {
	var (
		insts   []*streamplane.Instance
		samples []streamplane.Sample
	)
	if s.Latest != nil {
		insts, samples = s.Latest()
	}
	visible := visibleProjects(r.Context())
	names := map[string]string{}
	for _, inst := range insts {
		if visible == nil || slices.Contains(visible, inst.Project) {
			names[inst.ID] = inst.Name
		}
	}
	// Write leaves out the samples of instances not named.
	var b bytes.Buffer
	if err := promexport.Write(&b, samples, names); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", promexport.ContentType)
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}
