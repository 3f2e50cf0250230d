package api

import (
	"net/http"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// alarmChannelRoutes: where alarm notifications go, the server's own
// (not an instance's), and each channel's delivery log.
var alarmChannelRoutes = []Route{
	{"GET", "/api/v1/alarm-channels", (*Server).handleAlarmChannelList},
	{"POST", "/api/v1/alarm-channels", (*Server).handleAlarmChannelCreate},
	{"GET", "/api/v1/alarm-channels/{channel}", (*Server).handleAlarmChannelGet},
	{"DELETE", "/api/v1/alarm-channels/{channel}", (*Server).handleAlarmChannelDelete},
	{"GET", "/api/v1/alarm-channels/{channel}/deliveries", (*Server).handleAlarmDeliveries},
}

func (s *Server) handleAlarmChannelList(w http.ResponseWriter, r *http.Request) {
	list, err := s.Service.AlarmChannels(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.AlarmChannelList{Channels: list})
}

func (s *Server) handleAlarmChannelCreate(w http.ResponseWriter, r *http.Request) {
	var req streamplane.AlarmChannelSpec
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Service.CreateAlarmChannel(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) handleAlarmChannelGet(w http.ResponseWriter, r *http.Request) {
	c, err := s.Service.AlarmChannel(r.Context(), r.PathValue("channel"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) handleAlarmChannelDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Service.DeleteAlarmChannel(r.Context(), r.PathValue("channel")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAlarmDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := streamplane.AlarmDeliveryFilter{Status: streamplane.DeliveryStatus(q.Get("status")), AlarmID: q.Get("alarm")}
	var err error
	if f.Limit, err = intParam(q, "limit", 100, 1, 1000); err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.Service.AlarmDeliveries(r.Context(), r.PathValue("channel"), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.AlarmDeliveryList{Deliveries: list})
}
