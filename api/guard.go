package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
	"github.com/streamplane/streamplane/iam"
	"github.com/streamplane/streamplane/identity"
)

// guard wraps an operation's handler: it starts the request's audit entry,
// authenticates the bearer token, authorises the operation's action where
// its scope says, and, once the handler has answered, writes the audit
// entry of a change or refusal that no transaction wrote.
func (s *Server) guard(method, pattern string, next http.HandlerFunc) http.HandlerFunc {
	acc, ok := Access[method+" "+pattern]
	if !ok {
		panic("api: no access rule for " + method + " " + pattern) // the route table test catches this first
	}
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		status := http.StatusOK
		if st, ok := answered[method+" "+pattern]; ok {
			status = st
		}
		action := acc.Action
		if a, ok := auditedAs[method+" "+pattern]; ok {
			action = a
		}
		p := audit.NewPending(streamplane.AuditEntry{
			Source: sourceAddress(r), Action: action, RequestID: requestID(r), Status: status,
			Summary: audit.Summarize(r.Method, r.URL.Path, body),
		})
		if pattern == "/api/v1/auth/login" {
			p = audit.NewPending(streamplane.AuditEntry{Source: sourceAddress(r), Action: "auth:login", RequestID: requestID(r),
				ResourceType: "iam_user", Summary: audit.Summarize(r.Method, r.URL.Path, body)})
		}
		ctx := audit.With(r.Context(), p)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		refused := false // by the guard: every refusal is audited, reads too
		defer func() {
			if refused || r.Method != http.MethodGet && r.Method != http.MethodHead {
				if err := audit.AppendAnswer(ctx, s.Service.Store, rec.status); err != nil {
					s.Log.Error("write audit entry", "request_id", requestID(r), "err", err)
				}
			}
		}()
		r = r.WithContext(ctx)
		if acc.Scope == public {
			next(rec, r)
			return
		}
		caller, err := s.authenticate(r)
		if err != nil {
			refused = true
			p.MarkDenied()
			rec.Header().Set("WWW-Authenticate", `Bearer realm="streamplane"`)
			s.writeError(rec, r, err)
			return
		}
		p.SetUser(caller.Account.Name)
		ctx = identity.WithCaller(ctx, caller)
		ctx, err = s.authorize(ctx, r, acc, body, caller)
		if err != nil {
			var d *deniedErr
			if errors.As(err, &d) {
				refused = true
				p.MarkDenied()
			}
			s.writeError(rec, r, err)
			return
		}
		next(rec, r.WithContext(ctx))
	}
}

// readBody reads the body (bounded as every handler bounds it) for the
// audit summary and for authorising instance creation, and gives the
// handler a fresh reader over the same bytes.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody+1))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || len(body) > maxBody {
		return nil, streamplane.Invalid("", "the body is larger than %d bytes", maxBody)
	} else if err != nil {
		return nil, streamplane.Invalid("", "reading the body: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

func sourceAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) authenticate(r *http.Request) (*identity.Caller, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" {
		return nil, streamplane.Errorf(streamplane.EUNAUTHENTICATED, "this request needs an API token: sign in with 'streamplane login', or send 'Authorization: Bearer <token>'")
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, streamplane.Errorf(streamplane.EUNAUTHENTICATED, "the Authorization header must be 'Bearer <token>'")
	}
	return s.Identity.Authenticate(r.Context(), strings.TrimSpace(token))
}

type visibleKey struct{}

// visibleProjects are the projects an anyProject list may show; nil means
// every project.
func visibleProjects(ctx context.Context) []string {
	v, _ := ctx.Value(visibleKey{}).([]string)
	return v
}

// listProjects are the projects a list shows: those the caller may see,
// narrowed to the one the request's ?project= names. A project the caller
// may not see lists nothing, as one without instances does: the answer
// does not tell whether it exists.
func listProjects(ctx context.Context, q url.Values) []string {
	visible := visibleProjects(ctx)
	asked := q.Get("project")
	switch {
	case asked == "":
		return visible
	case visible == nil || slices.Contains(visible, asked):
		return []string{asked}
	default:
		return []string{}
	}
}

// authorize decides the operation's action for the caller, and for lists
// keeps in ctx the projects they may see.
func (s *Server) authorize(ctx context.Context, r *http.Request, acc access, body []byte, c *identity.Caller) (context.Context, error) {
	p := audit.From(ctx)
	req := iam.Request{Action: acc.Action}
	switch acc.Scope {
	case signedIn:
		return ctx, nil
	case global:
		req.Project = "" // only grants for every project cover it
	case onProject:
		req.Project = r.PathValue("project")
		p.Describe("project", req.Project, req.Project, req.Project)
	case creating:
		spec := creationFacts(body)
		req.Resource, req.Project, req.Instance = "instance:"+spec.Name, spec.Project, spec.facts()
		p.Describe("instance", "", spec.Name, spec.Project)
	case onInstance, onTask:
		inst, err := s.instanceOf(ctx, r, acc.Scope)
		if err != nil {
			return ctx, err
		}
		if inst == nil { // a task without an instance, or no such instance
			return s.authorizeAnywhere(ctx, req, c)
		}
		p.Describe("instance", inst.ID, inst.Name, inst.Project)
		req.Resource, req.Project, req.Instance = "instance:"+inst.Name, inst.Project, iam.Facts(inst)
		if !s.seesProject(ctx, c, inst.Project) {
			// Another project's instance is not there for this caller.
			return ctx, s.denied(streamplane.Errorf(streamplane.ENOTFOUND, "instance %s not found", r.PathValue("instance")))
		}
	case anyProject:
		return s.authorizeAnywhere(ctx, req, c)
	}
	if d := iam.Evaluate(req, c.Grants); !d.Allowed {
		return ctx, s.denied(deniedError(c, req, d))
	}
	return ctx, nil
}

// authorizeAnywhere allows a read when some project allows it, and keeps
// those projects for the list to show.
func (s *Server) authorizeAnywhere(ctx context.Context, req iam.Request, c *identity.Caller) (context.Context, error) {
	projects, err := s.Identity.ProjectNames(ctx)
	if err != nil {
		return ctx, err
	}
	var allowed []string
	for _, p := range projects {
		req.Project = p
		if iam.Evaluate(req, c.Grants).Allowed {
			allowed = append(allowed, p)
		}
	}
	if len(allowed) == 0 {
		return ctx, s.denied(streamplane.Errorf(streamplane.EDENIED, "%s may not %s: no policy allows it in any project", c.Account.Name, req.Action))
	}
	if len(allowed) == len(projects) {
		allowed = nil // every project: no filter
	}
	return context.WithValue(ctx, visibleKey{}, allowed), nil
}

// seesProject reports whether any of the caller's grants covers project.
func (s *Server) seesProject(ctx context.Context, c *identity.Caller, project string) bool {
	all, names := iam.Projects(c.Grants)
	return all || containsString(names, project)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// denied marks a refusal as such for the audit trail, whatever status it
// answers (a hidden instance answers 404).
func (s *Server) denied(err error) error { return &deniedErr{err} }

type deniedErr struct{ error }

func (e *deniedErr) Unwrap() error { return e.error }

func deniedError(c *identity.Caller, req iam.Request, d iam.Decision) error {
	on := ""
	if req.Resource != "" {
		on = " on " + req.Resource
	}
	if req.Project != "" {
		on += " in project " + req.Project
	}
	return streamplane.Errorf(streamplane.EDENIED, "%s may not %s%s: %s", c.Account.Name, req.Action, on, d.Reason)
}

// instanceOf loads the instance an operation acts on; nil when there is
// none (no such instance: the handler answers 404 once the caller is
// allowed the action somewhere; a task without an instance).
func (s *Server) instanceOf(ctx context.Context, r *http.Request, sc scope) (*streamplane.Instance, error) {
	name := r.PathValue("instance")
	if sc == onTask {
		t, err := s.Service.Task(ctx, r.PathValue("task"))
		if streamplane.IsCode(err, streamplane.ENOTFOUND) {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		audit.From(ctx).Describe("task", t.ID, t.Kind, "")
		if t.InstanceID == "" {
			return nil, nil
		}
		name = t.InstanceID
	}
	inst, err := s.Service.Instance(ctx, name)
	if streamplane.IsCode(err, streamplane.ENOTFOUND) {
		return nil, nil
	}
	return inst, err
}

// creation is what authorising an instance creation reads of its body;
// the handler decodes and validates the body in full.
type creation struct {
	Name             string            `json:"name"`
	Project          string            `json:"project"`
	SecurityProtocol string            `json:"security_protocol"`
	PublicAccess     bool              `json:"public_access"`
	Tags             map[string]string `json:"tags"`
}

func creationFacts(body []byte) creation {
	var c creation
	_ = json.Unmarshal(body, &c) // a malformed body is the handler's to refuse
	if c.Project == "" {
		c.Project = streamplane.DefaultProject
	}
	return c
}

func (c creation) facts() *iam.InstanceFacts {
	return &iam.InstanceFacts{SSL: c.SecurityProtocol == streamplane.ProtocolSASLSSL, PublicAccess: c.PublicAccess, Project: c.Project, Tags: c.Tags}
}

// retryAfter sets Retry-After for a refusal that can be retried.
func retryAfter(w http.ResponseWriter, err error) {
	var re *identity.RetryError
	if errors.As(err, &re) {
		w.Header().Set("Retry-After", strconv.Itoa(int(re.After.Seconds())+1))
	}
}
