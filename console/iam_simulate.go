package console

import (
	"errors"
	"net/http"

	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/iam"
	"github.com/streamplane/streamplane/wire"
)

// iamSimulatePage is the policy simulator: a question and, once asked,
// the API's decision and what decided it.
type iamSimulatePage struct {
	Ask       client.SimulateRequest
	Asked     bool
	Decision  *wire.Decision
	Users     []string
	Instances []string
	Actions   []iam.ActionInfo // the policy language's catalog, for the picker
}

func (s *Server) handleIAMSimulate(c *call) error {
	ctx := c.r.Context()
	q := c.r.URL.Query()
	p := iamSimulatePage{Actions: iam.Actions,
		Ask: client.SimulateRequest{User: q.Get("user"), Action: q.Get("action"), Resource: q.Get("resource"), Project: q.Get("project")}}
	if users, err := c.api.IAMUsers(ctx); err == nil {
		for _, u := range users.Users {
			p.Users = append(p.Users, u.Name)
		}
	}
	if list, err := c.api.Instances(ctx, client.ListOptions{Limit: 200}); err == nil {
		for _, inst := range list.Instances {
			p.Instances = append(p.Instances, inst.Name)
		}
	}
	v, err := s.iamViewOf(c, "Policy simulator", "simulate", &p)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if p.Ask.User != "" || p.Ask.Action != "" {
		p.Asked = true
		p.Decision, err = c.api.Simulate(ctx, p.Ask)
		var refused *client.Error
		switch {
		case errors.As(err, &refused):
			// The question is on the form (a GET), so the refusal goes
			// beside the field it names, as a refused post's would.
			v.Form, v.Err, v.Field, status = q, refused.App.Message, refused.App.Field, refused.StatusCode
		case err != nil:
			return err
		}
	}
	return s.render(c, status, "iam-simulate", v)
}
