package api

import (
	"net/http"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// userRoutes: SASL users and topic permissions. Passwords travel only in
// request bodies, never in URLs, and no answer carries one.
var userRoutes = []Route{
	{"GET", "/api/v1/instances/{instance}/users", (*Server).handleUserList},
	{"POST", "/api/v1/instances/{instance}/users", (*Server).handleUserCreate},
	{"GET", "/api/v1/instances/{instance}/users/{user}", (*Server).handleUserGet},
	{"DELETE", "/api/v1/instances/{instance}/users/{user}", (*Server).handleUserDelete},
	{"POST", "/api/v1/instances/{instance}/users/{user}/reset-password", (*Server).handleUserResetPassword},
	{"POST", "/api/v1/instances/{instance}/reset-kafka-password", (*Server).handleResetKafkaPassword},
	{"GET", "/api/v1/instances/{instance}/topics/{topic}/grants", (*Server).handleGrantList},
	{"PUT", "/api/v1/instances/{instance}/topics/{topic}/grants/default", (*Server).handleGrantDefault},
	{"DELETE", "/api/v1/instances/{instance}/topics/{topic}/grants/default", (*Server).handleRevokeDefault},
	{"PUT", "/api/v1/instances/{instance}/topics/{topic}/grants/users/{user}", (*Server).handleGrantUser},
	{"DELETE", "/api/v1/instances/{instance}/topics/{topic}/grants/users/{user}", (*Server).handleRevokeUser},
}

func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) {
	list, err := s.Service.KafkaUsers(r.Context(), r.PathValue("instance"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) handleUserGet(w http.ResponseWriter, r *http.Request) {
	u, err := s.Service.KafkaUser(r.Context(), r.PathValue("instance"), r.PathValue("user"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	var req wire.UserCreateRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.Service.CreateKafkaUser(r.Context(), r.PathValue("instance"), req.Name, req.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/instances/"+url.PathEscape(r.PathValue("instance"))+"/users/"+url.PathEscape(u.Name))
	writeJSON(w, http.StatusCreated, u)
}

func (s *Server) handleUserDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Service.DeleteKafkaUser(r.Context(), r.PathValue("instance"), r.PathValue("user")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleUserResetPassword(w http.ResponseWriter, r *http.Request) {
	var req wire.PasswordRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.Service.ResetKafkaUserPassword(r.Context(), r.PathValue("instance"), r.PathValue("user"), req.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) handleResetKafkaPassword(w http.ResponseWriter, r *http.Request) {
	var req wire.PasswordRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.Service.ResetKafkaPassword(r.Context(), r.PathValue("instance"), req.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) handleGrantList(w http.ResponseWriter, r *http.Request) {
	g, err := s.Service.TopicGrants(r.Context(), r.PathValue("instance"), r.PathValue("topic"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func (s *Server) handleGrantDefault(w http.ResponseWriter, r *http.Request) {
	s.grant(w, r, streamplane.TopicGrant{Default: true})
}

func (s *Server) handleGrantUser(w http.ResponseWriter, r *http.Request) {
	s.grant(w, r, streamplane.TopicGrant{User: r.PathValue("user")})
}

func (s *Server) grant(w http.ResponseWriter, r *http.Request, g streamplane.TopicGrant) {
	var req wire.GrantRequest
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	g.Permission = req.Permission
	out, err := s.Service.GrantTopic(r.Context(), r.PathValue("instance"), r.PathValue("topic"), g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleRevokeDefault(w http.ResponseWriter, r *http.Request) {
	s.revoke(w, r, streamplane.TopicGrant{Default: true})
}

func (s *Server) handleRevokeUser(w http.ResponseWriter, r *http.Request) {
	s.revoke(w, r, streamplane.TopicGrant{User: r.PathValue("user")})
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request, g streamplane.TopicGrant) {
	out, err := s.Service.RevokeTopic(r.Context(), r.PathValue("instance"), r.PathValue("topic"), g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
