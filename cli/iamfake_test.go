package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// iamFake holds the fake's control-plane users, tokens, policies, projects
// and audit log; fakeAPI's mutex guards it.
type iamFake struct {
	users       map[string]*streamplane.Account
	policies    []*streamplane.Policy
	projects    map[string]*streamplane.ProjectUsage
	tokens      []*streamplane.Token
	audit       []*streamplane.AuditEntry
	auditBroken bool // verify reports entry 3 as changed
}

// iamRoutes serves the identity, project and audit endpoints on mux.
func (f *fakeAPI) iamRoutes(mux *http.ServeMux) {
	expires := created.Add(30 * 24 * time.Hour)
	used := created.Add(2 * time.Hour)
	revoked := created.Add(time.Hour)
	f.iam = &iamFake{
		users: map[string]*streamplane.Account{
			"alice": {ID: "acc-2", Name: "alice", HasPassword: true, Project: "team-a", ResourceVersion: 2, CreatedAt: created, UpdatedAt: created,
				Attachments: []streamplane.Attachment{{Policy: "ReadOnlyAccess", Project: "team-a"}, {Policy: "NoProdDelete", Project: "*"}}},
			"ci-bot": {ID: "acc-3", Name: "ci-bot", Project: "default", ResourceVersion: 1, CreatedAt: created, UpdatedAt: created,
				Attachments: []streamplane.Attachment{}},
		},
		policies: []*streamplane.Policy{
			{Name: "FullAccess", Description: "everything", Builtin: true, ResourceVersion: 1, CreatedAt: created, UpdatedAt: created,
				Document: streamplane.PolicyDocument{Version: "1", Statement: []streamplane.Statement{{Effect: "Allow", Action: []string{"*"}}}}},
			{Name: "ReadOnlyAccess", Description: "look, do not touch", Builtin: true, ResourceVersion: 1, CreatedAt: created, UpdatedAt: created,
				Document: streamplane.PolicyDocument{Version: "1", Statement: []streamplane.Statement{{Effect: "Allow", Action: []string{"*:list", "*:get"}}}}},
			{Name: "NoProdDelete", Description: "keep prod", ResourceVersion: 4, CreatedAt: created, UpdatedAt: created,
				Document: streamplane.PolicyDocument{Version: "1", Statement: []streamplane.Statement{
					{Effect: "Deny", Action: []string{"instance:delete"}, Resource: []string{"instance:prod-*"}}}}},
		},
		projects: map[string]*streamplane.ProjectUsage{
			"default": {Project: streamplane.Project{Name: "default", ResourceVersion: 1, CreatedAt: created, UpdatedAt: created},
				Usage: streamplane.Usage{Instances: 1, Brokers: 3, StorageGB: 30}},
			"team-a": {Project: streamplane.Project{Name: "team-a", Description: "Team A", MaxInstances: 5, MaxBrokers: 15, MaxStorageGB: 3000,
				ResourceVersion: 2, CreatedAt: created, UpdatedAt: created}, Usage: streamplane.Usage{Instances: 2, Brokers: 6, StorageGB: 600}},
		},
		tokens: []*streamplane.Token{
			{ID: "tok-1", Account: "ci-bot", Description: "release pipeline", CreatedAt: created, ExpiresAt: &expires, LastUsedAt: &used},
			{ID: "tok-2", Account: "alice", Login: true, CreatedAt: created, RevokedAt: &revoked},
		},
		audit: []*streamplane.AuditEntry{
			{Seq: 2, At: created.Add(2 * time.Hour), User: "alice", Source: "10.0.0.7", Action: "instance:delete", ResourceType: "instance",
				ResourceID: "in-9", ResourceName: "prod-orders", Project: "team-a", Result: "denied", Status: 403, RequestID: "req-2",
				Summary: "denied by NoProdDelete, Statement[0]: " + strings.Repeat("very long explanation ", 5)},
			{Seq: 1, At: created.Add(time.Hour), Source: "10.0.0.9", Action: "auth:login", ResourceType: "iam_user", ResourceName: "mallory",
				Result: "failure", Status: 401, RequestID: "req-1", Summary: "wrong user or password"},
		},
	}
	one := func(w http.ResponseWriter, v any, ok bool, what string) {
		if !ok {
			f.error(w, streamplane.Errorf(streamplane.ENOTFOUND, "no %s", what))
			return
		}
		f.json(w, 200, v)
	}
	mux.HandleFunc("GET /api/v1/iam/users", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		list := wire.AccountList{Total: len(f.iam.users)}
		for _, name := range []string{"alice", "ci-bot"} {
			list.Users = append(list.Users, f.iam.users[name])
		}
		f.json(w, 200, list)
	})
	mux.HandleFunc("POST /api/v1/iam/users", func(w http.ResponseWriter, r *http.Request) {
		var spec streamplane.AccountSpec
		if !f.decodeStrict(w, &spec) {
			return
		}
		if spec.Project == "" {
			spec.Project = "default"
		}
		a := &streamplane.Account{ID: "acc-9", Name: spec.Name, HasPassword: spec.Password != "", Project: spec.Project,
			Attachments: []streamplane.Attachment{}, ResourceVersion: 1, CreatedAt: created, UpdatedAt: created}
		f.mu.Lock()
		f.iam.users[a.Name] = a
		f.mu.Unlock()
		f.json(w, 201, a)
	})
	mux.HandleFunc("GET /api/v1/iam/users/{user}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		a, ok := f.iam.users[r.PathValue("user")]
		one(w, a, ok, "user "+r.PathValue("user"))
	})
	mux.HandleFunc("DELETE /api/v1/iam/users/{user}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("PUT /api/v1/iam/users/{user}/password", func(w http.ResponseWriter, r *http.Request) {
		var pc wire.PasswordChange
		if f.decodeStrict(w, &pc) {
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("POST /api/v1/iam/users/{user}/attachments", func(w http.ResponseWriter, r *http.Request) {
		var a wire.AttachmentSpec
		if !f.decodeStrict(w, &a) {
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		acc, ok := f.iam.users[r.PathValue("user")]
		if ok {
			if a.Project == "" {
				a.Project = acc.Project
			}
			acc.Attachments = append(acc.Attachments, streamplane.Attachment{Policy: a.Policy, Project: a.Project})
		}
		one(w, acc, ok, "user")
	})
	mux.HandleFunc("DELETE /api/v1/iam/users/{user}/attachments", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		acc, ok := f.iam.users[r.PathValue("user")]
		if ok {
			q := r.URL.Query()
			acc.Attachments = slices.DeleteFunc(acc.Attachments, func(a streamplane.Attachment) bool {
				return a.Policy == q.Get("policy") && (a.Project == q.Get("project") || !q.Has("project") && a.Project == acc.Project)
			})
		}
		one(w, acc, ok, "user")
	})
	mux.HandleFunc("GET /api/v1/iam/tokens", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		list := wire.TokenList{Tokens: []*streamplane.Token{}}
		for _, t := range f.iam.tokens {
			if u := r.URL.Query().Get("user"); u == "" || u == t.Account {
				list.Tokens = append(list.Tokens, t)
			}
		}
		f.json(w, 200, list)
	})
	mux.HandleFunc("POST /api/v1/iam/tokens", func(w http.ResponseWriter, r *http.Request) {
		var spec streamplane.TokenSpec
		if !f.decodeStrict(w, &spec) {
			return
		}
		d, _ := time.ParseDuration(spec.Expires)
		exp := created.Add(d)
		f.json(w, 201, streamplane.TokenSecret{Secret: "sp_s3cr3t", Token: streamplane.Token{ID: "tok-9", Account: spec.User,
			Description: spec.Description, CreatedAt: created, ExpiresAt: &exp}})
	})
	mux.HandleFunc("DELETE /api/v1/iam/tokens/{token}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	policy := func(name string) (*streamplane.Policy, bool) {
		for _, p := range f.iam.policies {
			if p.Name == name {
				return p, true
			}
		}
		return nil, false
	}
	mux.HandleFunc("GET /api/v1/iam/policies", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.json(w, 200, wire.PolicyList{Policies: f.iam.policies})
	})
	mux.HandleFunc("POST /api/v1/iam/policies", func(w http.ResponseWriter, r *http.Request) {
		var spec wire.PolicySpec
		if !f.decodeStrict(w, &spec) {
			return
		}
		p := &streamplane.Policy{Name: spec.Name, Description: spec.Description, Document: spec.Document, ResourceVersion: 1, CreatedAt: created, UpdatedAt: created}
		f.mu.Lock()
		f.iam.policies = append(f.iam.policies, p)
		f.mu.Unlock()
		f.json(w, 201, p)
	})
	mux.HandleFunc("GET /api/v1/iam/policies/{policy}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		p, ok := policy(r.PathValue("policy"))
		one(w, p, ok, "policy")
	})
	mux.HandleFunc("PUT /api/v1/iam/policies/{policy}", func(w http.ResponseWriter, r *http.Request) {
		var upd wire.PolicyUpdate
		if !f.decodeStrict(w, &upd) {
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		p, ok := policy(r.PathValue("policy"))
		if !ok {
			one(w, p, ok, "policy")
			return
		}
		if m := r.Header.Get("If-Match"); m != "" && m != strconv.Quote(strconv.FormatInt(p.ResourceVersion, 10)) {
			f.error(w, streamplane.Errorf(streamplane.ESTALE, "policy %s is at version %d", p.Name, p.ResourceVersion))
			return
		}
		p.Description, p.Document = upd.Description, upd.Document
		p.ResourceVersion++
		f.json(w, 200, p)
	})
	mux.HandleFunc("DELETE /api/v1/iam/policies/{policy}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /api/v1/iam/simulate", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("action") == "instance:delete" && strings.HasPrefix(q.Get("resource"), "instance:prod-"):
			f.json(w, 200, wire.Decision{Effect: "Deny", Policy: "NoProdDelete", Statement: 0,
				Reason: "Statement[0] of NoProdDelete denies instance:delete on instance:prod-*"})
		case strings.HasSuffix(q.Get("action"), ":list"):
			f.json(w, 200, wire.Decision{Allowed: true, Effect: "Allow", Policy: "ReadOnlyAccess", Statement: 0,
				Reason: "ReadOnlyAccess allows *:list in project team-a"})
		default:
			f.json(w, 200, wire.Decision{Statement: -1, Reason: "no statement of alice's policies matches " + q.Get("action")})
		}
	})
	mux.HandleFunc("GET /api/v1/projects", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.json(w, 200, wire.ProjectList{Projects: []*streamplane.ProjectUsage{f.iam.projects["default"], f.iam.projects["team-a"]}})
	})
	mux.HandleFunc("POST /api/v1/projects", func(w http.ResponseWriter, r *http.Request) {
		var p streamplane.Project
		if !f.decodeStrict(w, &p) {
			return
		}
		p.ResourceVersion, p.CreatedAt, p.UpdatedAt = 1, created, created
		pu := &streamplane.ProjectUsage{Project: p}
		f.mu.Lock()
		f.iam.projects[p.Name] = pu
		f.mu.Unlock()
		f.json(w, 201, pu)
	})
	mux.HandleFunc("GET /api/v1/projects/{project}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		p, ok := f.iam.projects[r.PathValue("project")]
		one(w, p, ok, "project")
	})
	mux.HandleFunc("PATCH /api/v1/projects/{project}", func(w http.ResponseWriter, r *http.Request) {
		var upd wire.ProjectUpdate
		if !f.decodeStrict(w, &upd) {
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		p, ok := f.iam.projects[r.PathValue("project")]
		if ok {
			for _, c := range []struct {
				from *int
				to   *int
			}{{upd.MaxInstances, &p.MaxInstances}, {upd.MaxBrokers, &p.MaxBrokers}, {upd.MaxStorageGB, &p.MaxStorageGB}} {
				if c.from != nil {
					*c.to = *c.from
				}
			}
			if upd.Description != nil {
				p.Description = *upd.Description
			}
			p.ResourceVersion++
		}
		one(w, p, ok, "project")
	})
	mux.HandleFunc("DELETE /api/v1/projects/{project}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /api/v1/audit", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("format") == "csv" {
			w.Header().Set("Content-Type", "text/csv")
			io.WriteString(w, "seq,time,user,action,result\n2,2026-11-21T12:00:00Z,alice,instance:delete,denied\n")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.json(w, 200, wire.AuditList{Entries: f.iam.audit, Total: 40, Offset: 0, Limit: 2})
	})
	mux.HandleFunc("GET /api/v1/audit/verify", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		v := wire.AuditVerification{OK: true, Entries: 40, FirstSeq: 1, LastSeq: 40, CheckedAt: created}
		if f.iam.auditBroken {
			v = wire.AuditVerification{Entries: 2, FirstSeq: 1, LastSeq: 2, BadSeq: 3, Problem: "entry 3 was changed after it was written", CheckedAt: created}
		}
		f.json(w, 200, v)
	})
}

// decodeStrict decodes the body being served into v, refusing unknown
// fields as the real server does; false means it answered with an error.
func (f *fakeAPI) decodeStrict(w http.ResponseWriter, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(f.lastBody()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		f.error(w, streamplane.Invalid("", "bad body: %v", err))
		return false
	}
	return true
}

// runStdin runs the command line against the fake with stdin as standard
// input.
func (f *fakeAPI) runStdin(stdin string, args ...string) result {
	return runWith(map[string]string{"STREAMPLANE_SERVER": f.URL()}, func(o *options) { o.stdin = strings.NewReader(stdin) }, args...)
}
