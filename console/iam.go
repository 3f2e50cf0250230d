package console

import (
	"net/http"
	"net/url"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

// The control plane's own users, tokens, policies (with the simulator)
// and projects.
var iamPages = []page{
	{"GET", "/iam", (*Server).handleIAMHome},
	{"GET", "/iam/users", (*Server).handleIAMUsers},
	{"POST", "/iam/users", (*Server).handleIAMUserCreate},
	{"GET", "/iam/users/{user}", (*Server).handleIAMUser},
	{"POST", "/iam/users/{user}/delete", (*Server).handleIAMUserDelete},
	{"POST", "/iam/users/{user}/password", (*Server).handleIAMUserPassword},
	{"POST", "/iam/users/{user}/attach", (*Server).handleIAMAttach},
	{"POST", "/iam/users/{user}/detach", (*Server).handleIAMDetach},
	{"GET", "/iam/tokens", (*Server).handleIAMTokens},
	{"POST", "/iam/tokens", (*Server).handleIAMTokenCreate},
	{"POST", "/iam/tokens/{token}/revoke", (*Server).handleIAMTokenRevoke},
	{"GET", "/iam/policies", (*Server).handleIAMPolicies},
	{"POST", "/iam/policies", (*Server).handleIAMPolicyCreate},
	{"GET", "/iam/policies/new", (*Server).handleIAMPolicyNew},
	{"GET", "/iam/policies/{policy}", (*Server).handleIAMPolicy},
	{"POST", "/iam/policies/{policy}", (*Server).handleIAMPolicyUpdate},
	{"POST", "/iam/policies/{policy}/delete", (*Server).handleIAMPolicyDelete},
	{"GET", "/iam/simulate", (*Server).handleIAMSimulate},
	{"GET", "/iam/projects", (*Server).handleProjects},
	{"POST", "/iam/projects", (*Server).handleProjectCreate},
	{"POST", "/iam/projects/{project}", (*Server).handleProjectUpdate},
	{"POST", "/iam/projects/{project}/delete", (*Server).handleProjectDelete},
}

// iamNavItem is one entry of the sub-navigation between the control
// plane's access pages (iamNav), which each page's template draws.
type iamNavItem struct{ Path, Label, Key string }

var iamNav = []iamNavItem{
	{"/iam/users", "Users", "users"},
	{"/iam/tokens", "API tokens", "tokens"},
	{"/iam/policies", "Policies", "policies"},
	{"/iam/simulate", "Policy simulator", "simulate"},
	{"/iam/projects", "Projects", "projects"},
}

func init() { funcs["iamnav"] = func() []iamNavItem { return iamNav } }

// iamActions are the control-plane changes the IAM pages offer; a page
// shows the buttons of those the caller's policies allow.
var iamActions = []string{"iam:createUser", "iam:updateUser", "iam:deleteUser", "iam:createToken", "iam:revokeToken",
	"iam:createPolicy", "iam:updatePolicy", "iam:deletePolicy", "project:create", "project:update", "project:delete"}

// iamView is what every IAM page's template has besides its own data.
type iamView struct {
	Nav  string          // the sub-navigation entry to mark current
	Can  map[string]bool // which of iamActions the caller may take
	Page any
}

func (s *Server) iamPage(c *call, status int, tmpl, title, nav string, data any) error {
	v, err := s.iamViewOf(c, title, nav, data)
	if err != nil {
		return err
	}
	return s.render(c, status, tmpl, v)
}

func (s *Server) iamViewOf(c *call, title, nav string, data any) (*view, error) {
	can, err := c.can("", "", iamActions...)
	if err != nil {
		return nil, err
	}
	return &view{Title: title, Section: "iam", Data: iamView{Nav: nav, Can: can, Page: data}}, nil
}

// iamForm re-renders an IAM page with a refused change's error beside its
// field; data is rebuilt by page, so the lists on it are current.
func (s *Server) iamForm(c *call, tmpl, title, nav string, page func() (any, error), refusal error) error {
	if denied(refusal) {
		return refusal
	}
	data, err := page()
	if err != nil {
		return err
	}
	v, err := s.iamViewOf(c, title, nav, data)
	if err != nil {
		return err
	}
	return s.renderForm(c, tmpl, v, refusal)
}

func (s *Server) handleIAMHome(c *call) error { return redirect(c, "/iam/users") }

type iamUsersPage struct {
	Users    []*streamplane.Account
	Projects []string
}

func (s *Server) iamUsersData(c *call) (any, error) {
	users, err := c.api.IAMUsers(c.r.Context())
	if err != nil {
		return nil, err
	}
	return iamUsersPage{Users: users.Users, Projects: s.projectNames(c)}, nil
}

// projectNames lists the projects the caller may see, for pickers; a
// caller who may not list them gets an empty list and types a name.
func (s *Server) projectNames(c *call) []string {
	list, err := c.api.Projects(c.r.Context())
	if err != nil {
		return nil
	}
	names := make([]string, len(list.Projects))
	for i, p := range list.Projects {
		names[i] = p.Name
	}
	return names
}

func (s *Server) handleIAMUsers(c *call) error {
	data, err := s.iamUsersData(c)
	if err != nil {
		return err
	}
	return s.iamPage(c, http.StatusOK, "iam-users", "Users", "users", data)
}

func (s *Server) handleIAMUserCreate(c *call) error {
	spec := streamplane.AccountSpec{Name: c.r.PostFormValue("name"), Password: c.r.PostFormValue("password"), Project: c.r.PostFormValue("project")}
	a, err := c.api.CreateIAMUser(c.r.Context(), spec)
	if err != nil {
		c.r.PostForm.Del("password")
		return s.iamForm(c, "iam-users", "Users", "users", func() (any, error) { return s.iamUsersData(c) }, err)
	}
	return redirect(c, "/iam/users/"+url.PathEscape(a.Name))
}

type iamUserPage struct {
	User     *streamplane.Account
	Policies []string
	Projects []string
	Tokens   []*streamplane.Token
	Done     string // the change just made, to confirm it
}

func (s *Server) iamUserData(c *call) (any, error) {
	ctx := c.r.Context()
	u, err := c.api.IAMUser(ctx, c.r.PathValue("user"))
	if err != nil {
		return nil, err
	}
	p := iamUserPage{User: u, Projects: s.projectNames(c), Done: c.r.URL.Query().Get("done")}
	if list, err := c.api.Policies(ctx); err == nil {
		for _, pol := range list.Policies {
			p.Policies = append(p.Policies, pol.Name)
		}
	}
	if toks, err := c.api.Tokens(ctx, u.Name); err == nil {
		p.Tokens = toks.Tokens
	}
	return p, nil
}

func (s *Server) handleIAMUser(c *call) error {
	data, err := s.iamUserData(c)
	if err != nil {
		return err
	}
	return s.iamPage(c, http.StatusOK, "iam-user", "User "+c.r.PathValue("user"), "users", data)
}

// iamUserForm shows the user's page again with a refused change.
func (s *Server) iamUserForm(c *call, err error) error {
	c.r.PostForm.Del("password")
	return s.iamForm(c, "iam-user", "User "+c.r.PathValue("user"), "users", func() (any, error) { return s.iamUserData(c) }, err)
}

func (s *Server) handleIAMUserDelete(c *call) error {
	if err := c.api.DeleteIAMUser(c.r.Context(), c.r.PathValue("user")); err != nil {
		return err
	}
	return redirect(c, "/iam/users")
}

func (s *Server) handleIAMUserPassword(c *call) error {
	user := c.r.PathValue("user")
	if err := c.api.SetIAMUserPassword(c.r.Context(), user, c.r.PostFormValue("password")); err != nil {
		return s.iamUserForm(c, err)
	}
	return redirect(c, "/iam/users/"+url.PathEscape(user)+"?done=password")
}

func (s *Server) handleIAMAttach(c *call) error {
	user := c.r.PathValue("user")
	a := wire.AttachmentSpec{Policy: c.r.PostFormValue("policy"), Project: c.r.PostFormValue("project")}
	if _, err := c.api.AttachPolicy(c.r.Context(), user, a); err != nil {
		return s.iamUserForm(c, err)
	}
	return redirect(c, "/iam/users/"+url.PathEscape(user))
}

func (s *Server) handleIAMDetach(c *call) error {
	user := c.r.PathValue("user")
	a := wire.AttachmentSpec{Policy: c.r.PostFormValue("policy"), Project: c.r.PostFormValue("project")}
	if _, err := c.api.DetachPolicy(c.r.Context(), user, a); err != nil {
		return err
	}
	return redirect(c, "/iam/users/"+url.PathEscape(user))
}

type iamTokensPage struct {
	User   string // the list's filter
	Users  []string
	Tokens []*streamplane.Token
	// Created is a token just made, with its secret: shown on this answer
	// and never again.
	Created *streamplane.TokenSecret
}

func (s *Server) iamTokensData(c *call, user string) (iamTokensPage, error) {
	ctx := c.r.Context()
	toks, err := c.api.Tokens(ctx, user)
	if err != nil {
		return iamTokensPage{}, err
	}
	p := iamTokensPage{User: user, Tokens: toks.Tokens}
	if users, err := c.api.IAMUsers(ctx); err == nil {
		for _, u := range users.Users {
			p.Users = append(p.Users, u.Name)
		}
	}
	return p, nil
}

func (s *Server) handleIAMTokens(c *call) error {
	data, err := s.iamTokensData(c, c.r.URL.Query().Get("user"))
	if err != nil {
		return err
	}
	return s.iamPage(c, http.StatusOK, "iam-tokens", "API tokens", "tokens", data)
}

// handleIAMTokenCreate answers with the token's secret on the page itself,
// not through a redirect: the secret is in this answer and nowhere else
// (the page is no-store, and htmx keeps no history cache).
func (s *Server) handleIAMTokenCreate(c *call) error {
	spec := streamplane.TokenSpec{User: c.r.PostFormValue("user"), Expires: c.r.PostFormValue("expires"), Description: c.r.PostFormValue("description")}
	tok, err := c.api.CreateToken(c.r.Context(), spec)
	if err != nil {
		return s.iamForm(c, "iam-tokens", "API tokens", "tokens", func() (any, error) { return s.iamTokensData(c, spec.User) }, err)
	}
	data, err := s.iamTokensData(c, spec.User)
	if err != nil {
		return err
	}
	data.Created = tok
	return s.iamPage(c, http.StatusCreated, "iam-tokens", "API tokens", "tokens", data)
}

func (s *Server) handleIAMTokenRevoke(c *call) error {
	if err := c.api.RevokeToken(c.r.Context(), c.r.PathValue("token")); err != nil {
		return err
	}
	back := "/iam/tokens"
	if u := c.r.PostFormValue("user"); u != "" {
		back += "?user=" + url.QueryEscape(u)
	}
	return redirect(c, back)
}

// denied reports whether the API refused a change because the caller's
// policies do not allow it: that is the error page's to say (the form was
// not on the caller's page to begin with), not a form's.
func denied(err error) bool { return httpStatus(err) == http.StatusForbidden }

// refusal is a console-side refusal shaped as the API's, for input the
// console must read before it can ask the API (a JSON document, a time),
// so it lands beside its field like the API's own.
func refusal(field, format string, args ...any) *client.Error {
	return &client.Error{StatusCode: http.StatusBadRequest, App: *streamplane.Invalid(field, format, args...)}
}
