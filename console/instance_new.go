package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

var instanceNewPages = []page{
	{"GET", "/instances/new", (*Server).handleInstanceNew},
	{"POST", "/instances/new", (*Server).handleInstanceCreate},
}

func init() {
	// formHas reports whether a multi-valued form field (checkboxes)
	// holds value.
	funcs["formHas"] = func(form url.Values, field, value string) bool { return slices.Contains(form[field], value) }
}

// instanceNewView is what the wizard offers: the catalog's versions, the
// flavors with their limits, the zones and the fixed choices, all as the
// API lists them.
type instanceNewView struct {
	Runtimes         []wire.Runtime
	Flavors          []streamplane.Flavor
	Zones            []string
	Projects         []string
	DiskTypes        []string
	CapacityPolicies []string
	Mechanisms       []string
}

func (s *Server) instanceNewView(c *call) (*view, error) {
	ctx := c.r.Context()
	runtimes, err := c.api.Runtimes(ctx)
	if err != nil {
		return nil, err
	}
	flavors, err := c.api.Flavors(ctx)
	if err != nil {
		return nil, err
	}
	zones, err := c.api.Zones(ctx)
	if err != nil {
		return nil, err
	}
	d := instanceNewView{Runtimes: runtimes, Flavors: flavors, Zones: zones,
		DiskTypes: streamplane.DiskTypes, CapacityPolicies: streamplane.CapacityPolicies,
		Mechanisms: []string{streamplane.MechanismSCRAM, streamplane.MechanismPlain}}
	// The projects the caller may see, for the project field's choices; a
	// caller who may not list them types the name.
	if ps, err := c.api.Projects(ctx); err == nil {
		for _, p := range ps.Projects {
			d.Projects = append(d.Projects, p.Name)
		}
	}
	return &view{Title: "Create instance", Section: "instances", Data: d}, nil
}

// wizardDefaults are the form's first values: the recommended version,
// the smallest flavor at its smallest sensible size, spread over the zones
// it can use.
func wizardDefaults(d instanceNewView) url.Values {
	form := url.Values{"security_protocol": {streamplane.ProtocolPlaintext}, "disk_type": {streamplane.DiskTypes[0]},
		"capacity_policy": {streamplane.CapacityPolicies[0]}, "project": {streamplane.DefaultProject},
		"sasl_mechanisms": {streamplane.MechanismSCRAM}}
	for _, r := range d.Runtimes {
		if r.Recommended || form.Get("version") == "" {
			form.Set("version", r.Version)
		}
	}
	if len(d.Flavors) > 0 {
		f := d.Flavors[0]
		brokers := max(f.MinBrokers, min(3, f.MaxBrokers))
		gb := max(f.MinStorageGBPerBroker, min(10, f.MaxStorageGBPerBroker))
		form.Set("flavor", f.Name)
		form.Set("broker_count", strconv.Itoa(brokers))
		form.Set("storage_gb_per_broker", strconv.Itoa(gb))
		zones := d.Zones
		if len(zones) > brokers || len(zones) == 2 {
			zones = zones[:1]
		}
		form["zones"] = slices.Clone(zones)
	}
	return form
}

func (s *Server) handleInstanceNew(c *call) error {
	v, err := s.instanceNewView(c)
	if err != nil {
		return err
	}
	v.Form = wizardDefaults(v.Data.(instanceNewView))
	return s.render(c, http.StatusOK, "instance-new", v)
}

// handleInstanceCreate asks the API for the instance the form describes
// and shows the new instance's page, where its creation task runs live.
func (s *Server) handleInstanceCreate(c *call) error {
	v, err := s.instanceNewView(c)
	if err != nil {
		return err
	}
	spec, err := instanceSpecOf(c.r)
	if err == nil {
		var inst *streamplane.Instance
		inst, _, err = c.api.CreateInstance(c.r.Context(), spec)
		if err == nil {
			return redirect(c, "/instances/"+url.PathEscape(inst.Name))
		}
	}
	c.r.PostForm.Del("kafka_password") // never sent back to the page
	return s.renderForm(c, "instance-new", v, fieldOnForm(err))
}

// instanceSpecOf reads the wizard's form. What the form itself cannot say
// (a number that is not one, a tag line without '=') is refused here, as
// the API refuses, naming the field; everything else is the API's to check.
func instanceSpecOf(r *http.Request) (streamplane.InstanceSpec, error) {
	if err := r.ParseForm(); err != nil {
		return streamplane.InstanceSpec{}, fieldError("", "the form could not be read: %v", err)
	}
	f := r.PostForm
	spec := streamplane.InstanceSpec{
		Name: strings.TrimSpace(f.Get("name")), Description: f.Get("description"),
		Version: f.Get("version"), Flavor: f.Get("flavor"), DiskType: f.Get("disk_type"),
		Zones: f["zones"], Project: strings.TrimSpace(f.Get("project")), CapacityPolicy: f.Get("capacity_policy"),
		SecurityProtocol:   f.Get("security_protocol"),
		AutoCreateTopics:   f.Get("auto_create_topics") == "true",
		PublicAccess:       f.Get("public_access") == "true",
		DeletionProtection: f.Get("deletion_protection") == "true",
	}
	var err error
	if spec.BrokerCount, err = formInt(f, "broker_count"); err != nil {
		return spec, err
	}
	if spec.StorageGBPerBroker, err = formInt(f, "storage_gb_per_broker"); err != nil {
		return spec, err
	}
	if spec.Tags, err = parseTags(f.Get("tags")); err != nil {
		return spec, err
	}
	// The SASL fields belong to SASL_SSL; with PLAINTEXT chosen, what was
	// typed there before is left out rather than refused.
	if spec.SecurityProtocol == streamplane.ProtocolSASLSSL {
		spec.SASLMechanisms = f["sasl_mechanisms"]
		spec.KafkaUser = strings.TrimSpace(f.Get("kafka_user"))
		spec.KafkaPassword = f.Get("kafka_password")
	}
	return spec, nil
}

// formInt reads a whole number field.
func formInt(f url.Values, field string) (int, error) {
	s := strings.TrimSpace(f.Get(field))
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fieldError(field, "%s must be a whole number, got %q", field, s)
	}
	return n, nil
}

// parseTags reads key=value lines; blank lines are skipped.
func parseTags(text string) (map[string]string, error) {
	tags := map[string]string{}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fieldError("tags", "tag %q needs the form key=value, one per line", line)
		}
		tags[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return tags, nil
}

// fieldOnForm maps a refusal naming a part of a field (the API names a
// bad tag "tags.<key>") to the form field that holds it.
func fieldOnForm(err error) error {
	var e *client.Error
	if errors.As(err, &e) {
		if strings.HasPrefix(e.App.Field, "tags.") {
			e.App.Field = "tags"
		}
	}
	return err
}
