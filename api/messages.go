package api

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

// messageRoutes: querying, reading and sending messages.
var messageRoutes = []Route{
	{"GET", "/api/v1/instances/{instance}/topics/{topic}/messages", (*Server).handleMessageQuery},
	{"POST", "/api/v1/instances/{instance}/topics/{topic}/messages", (*Server).handleMessageSend},
	{"GET", "/api/v1/instances/{instance}/topics/{topic}/partitions/{partition}/messages/{offset}", (*Server).handleMessageGet},
	{"GET", "/api/v1/instances/{instance}/topics/{topic}/partitions/{partition}/messages/{offset}/value", (*Server).handleMessageValue},
}

func (s *Server) handleMessageQuery(w http.ResponseWriter, r *http.Request) {
	q, err := messageQuery(r.PathValue("topic"), r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.Service.QueryMessages(r.Context(), r.PathValue("instance"), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// messageQuery reads a query's parameters, naming the one at fault. Ranges
// are MessageQuery.Normalize's to check.
func messageQuery(topic string, v url.Values) (streamplane.MessageQuery, error) {
	q := streamplane.MessageQuery{Topic: topic, Cursor: v.Get("cursor")}
	var err error
	if q.Partition, err = int32Param(v, "partition"); err != nil {
		return q, err
	}
	if q.From, err = timeParam(v, "from"); err != nil {
		return q, err
	}
	if q.To, err = timeParam(v, "to"); err != nil {
		return q, err
	}
	if q.FromOffset, err = int64Param(v, "from_offset"); err != nil {
		return q, err
	}
	if q.ToOffset, err = int64Param(v, "to_offset"); err != nil {
		return q, err
	}
	if q.Limit, err = intParam(v, "limit", 0, 0, math.MaxInt); err != nil {
		return q, err
	}
	if q.MaxScan, err = intParam(v, "max_scan", 0, 0, math.MaxInt); err != nil {
		return q, err
	}
	q.NewestFirst, err = boolParam(v, "newest_first")
	return q, err
}

// messagePosition reads the partition and offset of a message's path.
func messagePosition(r *http.Request) (int32, int64, error) {
	p, err := strconv.ParseInt(r.PathValue("partition"), 10, 32)
	if err != nil || p < 0 {
		return 0, 0, streamplane.Invalid("partition", "partition must be an integer of 0 or more, got %q", r.PathValue("partition"))
	}
	o, err := strconv.ParseInt(r.PathValue("offset"), 10, 64)
	if err != nil || o < 0 {
		return 0, 0, streamplane.Invalid("offset", "offset must be an integer of 0 or more, got %q", r.PathValue("offset"))
	}
	return int32(p), o, nil
}

func (s *Server) handleMessageGet(w http.ResponseWriter, r *http.Request) {
	p, o, err := messagePosition(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.Service.Message(r.Context(), r.PathValue("instance"), r.PathValue("topic"), p, o, streamplane.MessageViewBytes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// handleMessageValue answers with a message's whole body as raw bytes, or
// 204 for a null body (a tombstone), which an empty body is not.
func (s *Server) handleMessageValue(w http.ResponseWriter, r *http.Request) {
	p, o, err := messagePosition(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	topic := r.PathValue("topic")
	value, err := s.Service.MessageValue(r.Context(), r.PathValue("instance"), topic, p, o)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if value == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(value)))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%d-%d.bin"`, safeFileName(topic), p, o))
	w.WriteHeader(http.StatusOK)
	w.Write(value)
}

// safeFileName keeps a topic name (letters, digits, '.', '_', '-' when
// Streamplane created it) fit for a quoted header parameter.
func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
			return r
		}
		return '_'
	}, s)
}

func (s *Server) handleMessageSend(w http.ResponseWriter, r *http.Request) {
	var m streamplane.MessageSend
	if err := decode(r, &m); err != nil {
		s.writeError(w, r, err)
		return
	}
	sent, err := s.Service.SendMessage(r.Context(), r.PathValue("instance"), r.PathValue("topic"), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sent)
}
