package api

import (
	"net/http"
	"net/url"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// topicRoutes: topics, sample code and disk usage.
var topicRoutes = []Route{
	{"GET", "/api/v1/instances/{instance}/topics", (*Server).handleTopicList},
	{"POST", "/api/v1/instances/{instance}/topics", (*Server).handleTopicCreate},
	{"POST", "/api/v1/instances/{instance}/topics/delete", (*Server).handleTopicDeleteBatch},
	{"GET", "/api/v1/instances/{instance}/topics/{topic}", (*Server).handleTopicGet},
	{"PATCH", "/api/v1/instances/{instance}/topics/{topic}", (*Server).handleTopicUpdate},
	{"DELETE", "/api/v1/instances/{instance}/topics/{topic}", (*Server).handleTopicDelete},
	{"GET", "/api/v1/instances/{instance}/topics/{topic}/sample-code", (*Server).handleTopicSampleCode},
	{"GET", "/api/v1/instances/{instance}/disk-usage", (*Server).handleDiskUsage},
	{"POST", "/api/v1/instances/{instance}/elect-leaders", (*Server).handleElectLeaders},
	{"POST", "/api/v1/instances/{instance}/reassignments", (*Server).handleReassign},
	{"GET", "/api/v1/instances/{instance}/reassignments", (*Server).handleReassignStatus},
	{"DELETE", "/api/v1/instances/{instance}/reassignments", (*Server).handleReassignCancel},
}

func (s *Server) handleReassign(w http.ResponseWriter, r *http.Request) {
	var req streamplane.ReassignRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	plan, err := s.Service.Reassign(r.Context(), r.PathValue("instance"), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, plan)
}

func (s *Server) handleReassignStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.Service.ReassignStatus(r.Context(), r.PathValue("instance"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleReassignCancel(w http.ResponseWriter, r *http.Request) {
	st, err := s.Service.CancelReassignment(r.Context(), r.PathValue("instance"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleElectLeaders(w http.ResponseWriter, r *http.Request) {
	var req streamplane.LeaderElectionRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	election, err := s.Service.ElectLeaders(r.Context(), r.PathValue("instance"), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, election)
}

func (s *Server) handleTopicList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := streamplane.TopicFilter{Name: q.Get("name")}
	csv, err := wantCSV(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.Internal, err = boolParam(q, "internal"); err != nil {
		s.writeError(w, r, err)
		return
	}
	// A page holds up to 1,000 topics by default (10,000 at most): enough
	// for one page to be the whole list of most instances.
	if f.Offset, f.Limit, err = paging(q, 1000, 10000); err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.Service.Topics(r.Context(), r.PathValue("instance"), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if csv {
		writeTopicsCSV(w, list.Topics)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) handleTopicCreate(w http.ResponseWriter, r *http.Request) {
	var spec streamplane.TopicSpec
	if err := decode(r, &spec); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.Service.CreateTopic(r.Context(), r.PathValue("instance"), spec)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/instances/"+url.PathEscape(r.PathValue("instance"))+"/topics/"+url.PathEscape(d.Topic.Name))
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) handleTopicGet(w http.ResponseWriter, r *http.Request) {
	d, err := s.Service.Topic(r.Context(), r.PathValue("instance"), r.PathValue("topic"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleTopicUpdate(w http.ResponseWriter, r *http.Request) {
	var upd streamplane.TopicUpdate
	if err := decode(r, &upd); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.Service.UpdateTopic(r.Context(), r.PathValue("instance"), r.PathValue("topic"), upd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleTopicDelete(w http.ResponseWriter, r *http.Request) {
	topic := r.PathValue("topic")
	results, err := s.Service.DeleteTopics(r.Context(), r.PathValue("instance"), []string{topic})
	if err == nil && len(results) == 1 {
		err = results[0].Err
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, streamplane.TopicDeletion{Deleted: []string{topic}})
}

func (s *Server) handleTopicDeleteBatch(w http.ResponseWriter, r *http.Request) {
	var req wire.TopicDeleteRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	results, err := s.Service.DeleteTopics(r.Context(), r.PathValue("instance"), req.Topics)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]wire.TopicDeletion, len(results))
	for i, res := range results {
		out[i] = wire.TopicDeletion{Topic: res.Topic, Deleted: res.Err == nil}
		if res.Err != nil {
			detail := s.errorDetail(r, res.Err)
			out[i].Error = &detail
		}
	}
	writeJSON(w, http.StatusOK, wire.TopicDeleteResults{Results: out})
}

func (s *Server) handleTopicSampleCode(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sc, err := s.Service.SampleCode(r.Context(), r.PathValue("instance"), r.PathValue("topic"), q.Get("lang"), q.Get("listener"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sc)
}

func (s *Server) handleDiskUsage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f streamplane.DiskUsageFilter
	var err error
	if f.Top, err = intParam(q, "top", 0, 1, 1000); err != nil {
		s.writeError(w, r, err)
		return
	}
	if q.Has("min_size_bytes") {
		v := q.Get("min_size_bytes")
		if f.MinBytes, err = strconv.ParseInt(v, 10, 64); err != nil || f.MinBytes < 0 {
			s.writeError(w, r, streamplane.Invalid("min_size_bytes", "min_size_bytes must be a number of bytes, got %q", v))
			return
		}
	}
	if f.MinPercent, err = floatParam(q, "min_percent"); err != nil {
		s.writeError(w, r, err)
		return
	}
	du, err := s.Service.DiskUsage(r.Context(), r.PathValue("instance"), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, du)
}

func writeTopicsCSV(w http.ResponseWriter, list []streamplane.Topic) {
	cw := startCSV(w, "topics")
	cw.Write([]string{"name", "partitions", "replicas", "retention_hours", "sync_replication", "sync_flush", "size_bytes", "disk_bytes", "under_replicated"})
	for _, t := range list {
		cw.Write([]string{csvSafe(t.Name), strconv.Itoa(t.Partitions), strconv.Itoa(t.Replicas), strconv.Itoa(t.RetentionHours),
			strconv.FormatBool(t.SyncReplication), strconv.FormatBool(t.SyncFlush), strconv.FormatInt(t.SizeBytes, 10),
			strconv.FormatInt(t.DiskBytes, 10), strconv.Itoa(t.UnderReplicated)})
	}
	cw.Flush()
}
