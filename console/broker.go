package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/wire"
)

// One broker of an instance: its log and the addresses it advertises;
// the Kafka runtimes the server can run; clearing failed creations.
var brokerPages = []page{
	{"GET", "/instances/{instance}/brokers/{broker}", (*Server).handleBroker},
	{"POST", "/instances/{instance}/brokers/{broker}/advertise", (*Server).handleAdvertise},
	{"GET", "/runtimes", (*Server).handleRuntimes},
	{"POST", "/runtimes/{version}/install", (*Server).handleRuntimeInstall},
	{"POST", "/instances/clear-failed", (*Server).handleClearFailed},
}

// brokerLogLines bounds the log a page shows; the API bounds it too.
const (
	brokerLogLines    = 200
	brokerLogLinesMax = 5000
)

type brokerView struct {
	Instance  *streamplane.Instance
	Broker    streamplane.Broker
	Listeners []string
	Lines     int
	Log       string
	LogErr    string
	Can       map[string]bool
}

func (s *Server) brokerView(c *call) (*brokerView, error) {
	ctx := c.r.Context()
	inst, err := c.api.Instance(ctx, c.r.PathValue("instance"))
	if err != nil {
		return nil, err
	}
	id, err := strconv.Atoi(c.r.PathValue("broker"))
	b, ok := inst.Broker(id)
	if err != nil || !ok {
		return nil, streamplane.Errorf(streamplane.ENOTFOUND, "instance %s has no broker %s", inst.Name, c.r.PathValue("broker"))
	}
	can, err := c.can(inst.Name, "", "instance:update")
	if err != nil {
		return nil, err
	}
	v := &brokerView{Instance: inst, Broker: *b, Lines: brokerLogLines, Can: can}
	for l := range b.Endpoints {
		v.Listeners = append(v.Listeners, l)
	}
	slices.Sort(v.Listeners)
	if n, err := strconv.Atoi(c.r.URL.Query().Get("lines")); err == nil && n > 0 {
		v.Lines = min(n, brokerLogLinesMax)
	}
	if v.Log, err = c.api.BrokerLog(ctx, inst.Name, id, v.Lines); err != nil {
		v.LogErr = streamplane.ErrorMessage(err)
	}
	return v, nil
}

func (s *Server) handleBroker(c *call) error {
	v, err := s.brokerView(c)
	if err != nil {
		return err
	}
	return s.renderBroker(c, v)
}

func (s *Server) renderBroker(c *call, v *brokerView) error {
	return s.render(c, http.StatusOK, "broker", &view{Title: "Broker " + strconv.Itoa(v.Broker.ID) + " of " + v.Instance.Name,
		Section: "instances", Instance: v.Instance.Name, Tab: "overview", Data: v})
}

// handleAdvertise sets (or, with no address, clears) the address a broker
// tells clients on a listener: a rolling restart, followed on its task.
func (s *Server) handleAdvertise(c *call) error {
	v, err := s.brokerView(c)
	if err != nil {
		return err
	}
	req := streamplane.AdvertiseRequest{Broker: v.Broker.ID, Listener: c.r.PostFormValue("listener"), Address: strings.TrimSpace(c.r.PostFormValue("address"))}
	t, err := c.api.Advertise(c.r.Context(), v.Instance.Name, req)
	if id := runningTask(err); id != "" {
		return redirect(c, "/tasks/"+url.PathEscape(id))
	}
	if err != nil {
		return s.refused(c, "broker", &view{Title: "Broker " + strconv.Itoa(v.Broker.ID) + " of " + v.Instance.Name,
			Section: "instances", Instance: v.Instance.Name, Tab: "overview", Data: v}, err)
	}
	return redirect(c, "/tasks/"+url.PathEscape(t.ID))
}

type runtimesView struct {
	Runtimes []wire.Runtime
	Can      map[string]bool
}

func (s *Server) handleRuntimes(c *call) error {
	list, err := c.api.Runtimes(c.r.Context())
	if err != nil {
		return err
	}
	can, err := c.can("", "", "runtime:install")
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "runtimes", &view{Title: "Kafka versions", Section: "runtimes", Data: runtimesView{Runtimes: list, Can: can}})
}

func (s *Server) handleRuntimeInstall(c *call) error {
	t, err := c.api.InstallRuntime(c.r.Context(), c.r.PathValue("version"))
	if id := runningTask(err); id != "" {
		return redirect(c, "/tasks/"+url.PathEscape(id))
	}
	if err != nil {
		return err
	}
	return redirect(c, "/tasks/"+url.PathEscape(t.ID))
}

// handleClearFailed forgets the instances whose creation failed.
func (s *Server) handleClearFailed(c *call) error {
	cleared, err := c.api.ClearFailed(c.r.Context())
	if err != nil {
		return err
	}
	return redirect(c, "/instances?cleared="+strconv.Itoa(len(cleared)))
}
