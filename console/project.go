package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// Projects group instances under quotas; their pages are under /iam with
// the other control-plane access pages.

type projectsPage struct {
	Projects []*streamplane.ProjectUsage
}

func (s *Server) projectsData(c *call) (any, error) {
	list, err := c.api.Projects(c.r.Context())
	if err != nil {
		return nil, err
	}
	return projectsPage{Projects: list.Projects}, nil
}

func (s *Server) handleProjects(c *call) error {
	data, err := s.projectsData(c)
	if err != nil {
		return err
	}
	return s.iamPage(c, http.StatusOK, "project-list", "Projects", "projects", data)
}

// limitField reads a quota field of the form: empty is 0 (no limit) on a
// new project. A number that does not parse is refused beside its field.
func limitField(c *call, name string) (int, error) {
	raw := strings.TrimSpace(c.r.PostFormValue(name))
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, refusal(name, "%s must be a whole number (0 for no limit); got %q", name, raw)
	}
	return n, nil
}

func (s *Server) handleProjectCreate(c *call) error {
	p := streamplane.Project{Name: c.r.PostFormValue("name"), Description: c.r.PostFormValue("description")}
	var err error
	for _, f := range []struct {
		name string
		to   *int
	}{{"max_instances", &p.MaxInstances}, {"max_brokers", &p.MaxBrokers}, {"max_storage_gb", &p.MaxStorageGB}} {
		if *f.to, err = limitField(c, f.name); err != nil {
			break
		}
	}
	if err == nil {
		if _, err = c.api.CreateProject(c.r.Context(), p); err == nil {
			return redirect(c, "/iam/projects")
		}
	}
	return s.iamForm(c, "project-list", "Projects", "projects", func() (any, error) { return s.projectsData(c) }, err)
}

// handleProjectUpdate changes a project's description and quotas; the
// form sends every field, so each is set to what it shows.
func (s *Server) handleProjectUpdate(c *call) error {
	name := c.r.PathValue("project")
	desc := c.r.PostFormValue("description")
	upd := wire.ProjectUpdate{Description: &desc}
	var err error
	for _, f := range []struct {
		name string
		to   **int
	}{{"max_instances", &upd.MaxInstances}, {"max_brokers", &upd.MaxBrokers}, {"max_storage_gb", &upd.MaxStorageGB}} {
		var n int
		if n, err = limitField(c, f.name); err != nil {
			break
		}
		*f.to = &n
	}
	if err == nil {
		if _, err = c.api.UpdateProject(c.r.Context(), name, upd); err == nil {
			return redirect(c, "/iam/projects")
		}
	}
	// The refused form is the one of this project: mark it so the page
	// opens it and fills it with what was sent.
	c.r.PostForm.Set("project", name)
	return s.iamForm(c, "project-list", "Projects", "projects", func() (any, error) { return s.projectsData(c) }, err)
}

func (s *Server) handleProjectDelete(c *call) error {
	if err := c.api.DeleteProject(c.r.Context(), c.r.PathValue("project")); err != nil {
		return err
	}
	return redirect(c, "/iam/projects?deleted="+url.QueryEscape(c.r.PathValue("project")))
}

// projectField is one field of the new-project form.
type projectField struct {
	Name, Label string
	Numeric     bool
}

func init() {
	funcs["projectfields"] = func() []projectField {
		return []projectField{{"name", "Name", false}, {"description", "Description", false},
			{"max_instances", "Max instances", true}, {"max_brokers", "Max brokers", true}, {"max_storage_gb", "Max storage (GB)", true}}
	}
}
