package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

type quotasPage struct {
	Quotas *streamplane.QuotaList
	// By is the direction of the usage report asked for (?usage=), Usage
	// the report, UsageErr the API's refusal to make it.
	By       string
	Usage    *streamplane.QuotaUsage
	UsageErr string
}

func (s *Server) quotasView(c *call) (*view, error) {
	iv, err := s.instanceTab(c)
	if err != nil {
		return nil, err
	}
	ctx := c.r.Context()
	name := iv.Instance.Name
	p := &quotasPage{By: c.r.URL.Query().Get("usage")}
	iv.Page = p
	if p.Quotas, err = c.api.Quotas(ctx, name); err != nil {
		if iv.Refused = refusedList(err); iv.Refused == "" {
			return nil, err
		}
	}
	if p.By != "" && iv.Refused == "" {
		p.Usage, err = c.api.QuotaUsage(ctx, name, streamplane.QuotaUsageFilter{By: streamplane.QuotaDirection(p.By)})
		if err != nil {
			if p.UsageErr = refusedList(err); p.UsageErr == "" {
				return nil, err
			}
		}
	}
	return &view{Title: "Quotas · " + name, Section: "instances", Instance: name, Tab: "quotas", Data: iv}, nil
}

func (s *Server) handleQuotas(c *call) error {
	v, err := s.quotasView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "quota-list", v)
}

func (s *Server) quotasForm(c *call, err error) error {
	if denied(err) {
		return err
	}
	v, verr := s.quotasView(c)
	if verr != nil {
		return verr
	}
	return s.renderForm(c, "quota-list", v, err)
}

func quotasPath(c *call) string {
	return "/instances/" + url.PathEscape(c.r.PathValue("instance")) + "/quotas"
}

// handleQuotasCSV is the API's CSV export of the quotas, as a download.
func (s *Server) handleQuotasCSV(c *call) error {
	name := c.r.PathValue("instance")
	text, err := c.api.QuotasCSV(c.r.Context(), name)
	if err != nil {
		return err
	}
	return download(c, name+"-quotas.csv", "text/csv; charset=utf-8", []byte(text))
}

// quotaEntityOf reads the entity fields of a quota form.
func quotaEntityOf(c *call) streamplane.QuotaEntity {
	return streamplane.QuotaEntity{User: strings.TrimSpace(c.r.PostFormValue("user")), DefaultUser: c.r.PostFormValue("default_user") != "",
		ClientID: c.r.PostFormValue("client_id"), DefaultClient: c.r.PostFormValue("default_client") != ""}
}

// rateField reads a rate of the form: nil when empty. A number that does
// not parse is refused beside its field.
func rateField(c *call, name string) (*float64, error) {
	raw := strings.TrimSpace(c.r.PostFormValue(name))
	if raw == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return nil, refusal(name, "%s must be a number of MB/s; got %q", name, raw)
	}
	return &v, nil
}

func (s *Server) handleQuotaCreate(c *call) error {
	spec := streamplane.QuotaSpec{QuotaEntity: quotaEntityOf(c)}
	var err error
	if spec.ProduceMBps, err = rateField(c, "produce_mbps"); err == nil {
		if spec.ConsumeMBps, err = rateField(c, "consume_mbps"); err == nil {
			_, err = c.api.CreateQuota(c.r.Context(), c.r.PathValue("instance"), spec)
		}
	}
	if err != nil {
		c.r.PostForm.Set("form", "create")
		return s.quotasForm(c, err)
	}
	return redirect(c, quotasPath(c))
}

func (s *Server) handleQuotaUpdate(c *call) error {
	upd := streamplane.QuotaUpdate{QuotaEntity: quotaEntityOf(c),
		RemoveProduce: c.r.PostFormValue("remove_produce") != "", RemoveConsume: c.r.PostFormValue("remove_consume") != ""}
	var err error
	if upd.ProduceMBps, err = rateField(c, "produce_mbps"); err == nil {
		if upd.ConsumeMBps, err = rateField(c, "consume_mbps"); err == nil {
			_, err = c.api.UpdateQuota(c.r.Context(), c.r.PathValue("instance"), upd)
		}
	}
	if err != nil {
		c.r.PostForm.Set("form", "update:"+upd.String())
		return s.quotasForm(c, err)
	}
	return redirect(c, quotasPath(c))
}

func (s *Server) handleQuotaDelete(c *call) error {
	if _, err := c.api.DeleteQuota(c.r.Context(), c.r.PathValue("instance"), quotaEntityOf(c)); err != nil {
		return err
	}
	return redirect(c, quotasPath(c))
}

func init() {
	// rate shows a quota's limit in MB/s, or that there is none.
	funcs["quotarate"] = func(v *float64) string {
		if v == nil {
			return "no limit"
		}
		return strconv.FormatFloat(*v, 'f', -1, 64) + " MB/s"
	}
	funcs["quotanum"] = func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	funcs["quotaopt"] = func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
}
