package api

import (
	"net/http"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/identity"
	"github.com/streamplane/streamplane/wire"
)

// identityRoutes: sign-in, the control plane's users, their tokens and
// policies. Passwords and token secrets travel only in bodies; a token's
// secret is answered once, when it is made.
var identityRoutes = []Route{
	{"POST", "/api/v1/auth/login", (*Server).handleLogin},
	{"GET", "/api/v1/auth/whoami", (*Server).handleWhoAmI},
	{"POST", "/api/v1/auth/logout", (*Server).handleLogout},
	{"GET", "/api/v1/auth/permissions", (*Server).handlePermissions},
	{"GET", "/api/v1/iam/users", (*Server).handleAccountList},
	{"POST", "/api/v1/iam/users", (*Server).handleAccountCreate},
	{"GET", "/api/v1/iam/users/{user}", (*Server).handleAccountGet},
	{"DELETE", "/api/v1/iam/users/{user}", (*Server).handleAccountDelete},
	{"PUT", "/api/v1/iam/users/{user}/password", (*Server).handleAccountPassword},
	{"POST", "/api/v1/iam/users/{user}/attachments", (*Server).handleAttach},
	{"DELETE", "/api/v1/iam/users/{user}/attachments", (*Server).handleDetach},
	{"GET", "/api/v1/iam/tokens", (*Server).handleTokenList},
	{"POST", "/api/v1/iam/tokens", (*Server).handleTokenCreate},
	{"DELETE", "/api/v1/iam/tokens/{token}", (*Server).handleTokenRevoke},
	{"GET", "/api/v1/iam/policies", (*Server).handlePolicyList},
	{"POST", "/api/v1/iam/policies", (*Server).handlePolicyCreate},
	{"GET", "/api/v1/iam/policies/{policy}", (*Server).handlePolicyGet},
	{"PUT", "/api/v1/iam/policies/{policy}", (*Server).handlePolicyUpdate},
	{"DELETE", "/api/v1/iam/policies/{policy}", (*Server).handlePolicyDelete},
	{"GET", "/api/v1/iam/simulate", (*Server).handleSimulate},
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req streamplane.Login
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	tok, err := s.Identity.Login(r.Context(), sourceAddress(r), req)
	if err != nil {
		retryAfter(w, err)
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tok)
}

func (s *Server) handleWhoAmI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, identity.CallerFrom(r.Context()).Account)
}

// handleLogout revokes the token the request came with: signing out needs
// no right beyond holding the token.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.Identity.RevokeToken(r.Context(), identity.CallerFrom(r.Context()).TokenID); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAccountList(w http.ResponseWriter, r *http.Request) {
	list, err := s.Identity.Accounts(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []*streamplane.Account{}
	}
	writeJSON(w, http.StatusOK, wire.AccountList{Users: list, Total: len(list)})
}

func (s *Server) handleAccountCreate(w http.ResponseWriter, r *http.Request) {
	var req streamplane.AccountSpec
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Identity.CreateAccount(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/iam/users/"+url.PathEscape(a.Name))
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) handleAccountGet(w http.ResponseWriter, r *http.Request) {
	a, err := s.Identity.Account(r.Context(), r.PathValue("user"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleAccountDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Identity.DeleteAccount(r.Context(), r.PathValue("user")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAccountPassword(w http.ResponseWriter, r *http.Request) {
	var req wire.PasswordChange
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.Identity.SetPassword(r.Context(), r.PathValue("user"), req.Password); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleAttach(w http.ResponseWriter, r *http.Request) {
	var req wire.AttachmentSpec
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Identity.Attach(r.Context(), r.PathValue("user"), streamplane.Attachment{Policy: req.Policy, Project: req.Project})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleDetach(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("policy") == "" {
		s.writeError(w, r, streamplane.Invalid("policy", "name the policy to detach: ?policy=NAME"))
		return
	}
	a, err := s.Identity.Detach(r.Context(), r.PathValue("user"), streamplane.Attachment{Policy: q.Get("policy"), Project: q.Get("project")})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleTokenList(w http.ResponseWriter, r *http.Request) {
	list, err := s.Identity.Tokens(r.Context(), r.URL.Query().Get("user"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []*streamplane.Token{}
	}
	writeJSON(w, http.StatusOK, wire.TokenList{Tokens: list})
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	var req streamplane.TokenSpec
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	tok, err := s.Identity.CreateToken(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tok)
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.Identity.RevokeToken(r.Context(), r.PathValue("token")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handlePolicyList(w http.ResponseWriter, r *http.Request) {
	list, err := s.Identity.Policies(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.PolicyList{Policies: list})
}

func (s *Server) handlePolicyCreate(w http.ResponseWriter, r *http.Request) {
	var req wire.PolicySpec
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.Identity.CreatePolicy(r.Context(), streamplane.Policy{Name: req.Name, Description: req.Description, Document: req.Document})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/iam/policies/"+url.PathEscape(p.Name))
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) handlePolicyGet(w http.ResponseWriter, r *http.Request) {
	p, err := s.Identity.Policy(r.Context(), r.PathValue("policy"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(p.ResourceVersion))
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) handlePolicyUpdate(w http.ResponseWriter, r *http.Request) {
	var req wire.PolicyUpdate
	if err := decode(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	version, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.Identity.UpdatePolicy(r.Context(), r.PathValue("policy"), req.Description, req.Document, version)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(p.ResourceVersion))
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) handlePolicyDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.Identity.DeletePolicy(r.Context(), r.PathValue("policy")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleSimulate(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for _, name := range []string{"user", "action"} {
		if q.Get(name) == "" {
			s.writeError(w, r, streamplane.Invalid(name, "%s is required", name))
			return
		}
	}
	d, err := s.Identity.Simulate(r.Context(), q.Get("user"), q.Get("action"), q.Get("resource"), q.Get("project"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Decision{Allowed: d.Allowed, Effect: d.Effect, Policy: d.Policy, Statement: d.Statement, Reason: d.Reason})
}
