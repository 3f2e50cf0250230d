package api

import (
	"net/http"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// alarmRoutes: an instance's alarm rules and the alarms they raised.
var alarmRoutes = []Route{
	{"GET", "/api/v1/instances/{instance}/alarm-rules", (*Server).handleAlarmRuleList},
	{"POST", "/api/v1/instances/{instance}/alarm-rules", (*Server).handleAlarmRuleCreate},
	{"POST", "/api/v1/instances/{instance}/alarm-rules/defaults", (*Server).handleAlarmRuleDefaults},
	{"GET", "/api/v1/instances/{instance}/alarm-rules/{rule}", (*Server).handleAlarmRuleGet},
	{"PATCH", "/api/v1/instances/{instance}/alarm-rules/{rule}", (*Server).handleAlarmRuleUpdate},
	{"DELETE", "/api/v1/instances/{instance}/alarm-rules/{rule}", (*Server).handleAlarmRuleDelete},
	{"GET", "/api/v1/instances/{instance}/alarms", (*Server).handleAlarmList},
}

func (s *Server) handleAlarmRuleList(w http.ResponseWriter, r *http.Request) {
	rules, err := s.Service.AlarmRules(r.Context(), r.PathValue("instance"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.AlarmRuleList{Rules: rules})
}

func (s *Server) handleAlarmRuleCreate(w http.ResponseWriter, r *http.Request) {
	var spec streamplane.AlarmRuleSpec
	if err := decode(r, &spec); err != nil {
		s.writeError(w, r, err)
		return
	}
	created, err := s.Service.CreateAlarmRule(r.Context(), r.PathValue("instance"), spec.Rule())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, created)
}

func (s *Server) handleAlarmRuleDefaults(w http.ResponseWriter, r *http.Request) {
	var req streamplane.DefaultAlarmRules
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	added, err := s.Service.CreateDefaultAlarmRules(r.Context(), r.PathValue("instance"), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, wire.AlarmRuleList{Rules: added})
}

func (s *Server) handleAlarmRuleGet(w http.ResponseWriter, r *http.Request) {
	rule, err := s.Service.AlarmRule(r.Context(), r.PathValue("instance"), r.PathValue("rule"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rule)
}

func (s *Server) handleAlarmRuleUpdate(w http.ResponseWriter, r *http.Request) {
	version, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var u streamplane.AlarmRuleUpdate
	if err := decode(r, &u); err != nil {
		s.writeError(w, r, err)
		return
	}
	rule, err := s.Service.UpdateAlarmRule(r.Context(), r.PathValue("instance"), r.PathValue("rule"), u, version)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rule)
}

func (s *Server) handleAlarmRuleDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Service.DeleteAlarmRule(r.Context(), r.PathValue("instance"), r.PathValue("rule")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAlarmList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := streamplane.AlarmFilter{State: q.Get("state"), RuleID: q.Get("rule")}
	from, err := timeParam(q, "from")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	to, err := timeParam(q, "to")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if from != nil {
		f.From = *from
	}
	if to != nil {
		f.To = *to
	}
	if f.Limit, err = intParam(q, "limit", 100, 1, 1000); err != nil {
		s.writeError(w, r, err)
		return
	}
	alarms, err := s.Service.Alarms(r.Context(), r.PathValue("instance"), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.AlarmList{Alarms: alarms})
}
