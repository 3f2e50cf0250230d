package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

var parameterPages = []page{
	{"GET", "/instances/{instance}/parameters", (*Server).handleParameters},
	{"POST", "/instances/{instance}/parameters", (*Server).handleSetParameters},
}

type parameterView struct {
	List   *streamplane.ParameterList
	Shown  []streamplane.Parameter // the ones the name filter keeps
	Filter string
	Can    map[string]bool
	// What the last change did, from the redirect's query.
	Applied, Saved string
}

func (s *Server) parameterViewOf(c *call, name string) (*view, error) {
	list, err := c.api.Parameters(c.r.Context(), name)
	if err != nil {
		return nil, err
	}
	can, err := c.can(name, "", "parameter:update", "instance:restart")
	if err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	d := parameterView{List: list, Filter: strings.TrimSpace(q.Get("name")), Can: can, Applied: q.Get("applied"), Saved: q.Get("saved")}
	for _, p := range list.Parameters {
		if d.Filter == "" || strings.Contains(strings.ToLower(p.Name), strings.ToLower(d.Filter)) {
			d.Shown = append(d.Shown, p)
		}
	}
	return &view{Title: "Parameters · " + name, Section: "instances", Instance: name, Tab: "parameters", Data: d}, nil
}

func (s *Server) handleParameters(c *call) error {
	v, err := s.parameterViewOf(c, c.r.PathValue("instance"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "parameter-list", v)
}

// desired is the value a parameter will have: the one saved for the next
// restart, else the one the brokers run with.
func desired(p streamplane.Parameter) string {
	if p.PendingRestart && p.PendingValue != "" {
		return p.PendingValue
	}
	return p.Value
}

// handleSetParameters sends the values the user changed (form fields are
// the parameters' names, as the API's refusals name them), or, from a
// row's Reset button, resets that parameter to its default.
func (s *Server) handleSetParameters(c *call) error {
	name := c.r.PathValue("instance")
	if err := c.r.ParseForm(); err != nil {
		return streamplane.Invalid("", "the form could not be read: %v", err)
	}
	if reset := c.r.PostForm.Get("reset"); reset != "" {
		change, err := c.api.ResetParameters(c.r.Context(), name, reset)
		return s.parameterChanged(c, name, change, err)
	}
	list, err := c.api.Parameters(c.r.Context(), name)
	if err != nil {
		return err
	}
	values := map[string]string{}
	for _, p := range list.Parameters {
		if v, ok := c.r.PostForm[p.Name]; ok && strings.TrimSpace(v[0]) != desired(p) {
			values[p.Name] = strings.TrimSpace(v[0])
		}
	}
	if len(values) == 0 {
		return redirect(c, "/instances/"+url.PathEscape(name)+"/parameters")
	}
	change, err := c.api.SetParameters(c.r.Context(), name, values)
	return s.parameterChanged(c, name, change, err)
}

// parameterChanged shows the parameters again with what the change did; a
// change still running goes on as a task, shown on its page; a refusal is
// shown beside the parameter it names.
func (s *Server) parameterChanged(c *call, name string, change *streamplane.ParameterChange, err error) error {
	var still *client.StillRunning
	if errors.As(err, &still) {
		return redirect(c, "/tasks/"+url.PathEscape(still.Task.ID))
	}
	if err != nil {
		var e *client.Error
		if !errors.As(err, &e) {
			return err
		}
		v, verr := s.parameterViewOf(c, name)
		if verr != nil {
			return verr
		}
		return s.renderForm(c, "parameter-list", v, err)
	}
	q := url.Values{}
	if len(change.AppliedLive) > 0 {
		q.Set("applied", strings.Join(change.AppliedLive, ", "))
	}
	if len(change.Saved) > 0 {
		q.Set("saved", strings.Join(change.Saved, ", "))
	}
	to := "/instances/" + url.PathEscape(name) + "/parameters"
	if len(q) > 0 {
		to += "?" + q.Encode()
	}
	return redirect(c, to)
}
