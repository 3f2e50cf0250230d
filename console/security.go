package console

import (
	"net/http"
	"net/url"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
)

// securityFormats are the download formats the API offers, as its
// format parameter names them.
var securityFormats = []string{"pem", "pkcs12", "jks"}

type securityPage struct {
	Formats []string
	Done    string
}

func (s *Server) securityView(c *call) (*view, error) {
	iv, err := s.instanceTab(c)
	if err != nil {
		return nil, err
	}
	iv.Page = securityPage{Formats: securityFormats, Done: c.r.URL.Query().Get("done")}
	name := iv.Instance.Name
	return &view{Title: "Security · " + name, Section: "instances", Instance: name, Tab: "security", Data: iv}, nil
}

func (s *Server) handleSecurity(c *call) error {
	v, err := s.securityView(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "security", v)
}

// securityForm shows the tab again with a refused change beside its
// field; no password, key or certificate sent is shown back. form names
// the section the refusal is for.
func (s *Server) securityForm(c *call, form string, err error) error {
	if denied(err) {
		return err
	}
	if ok, terr := taskStarted(c, nil, err); ok {
		return terr
	}
	for _, secret := range []string{"password", "key"} {
		c.r.PostForm.Del(secret)
	}
	c.r.PostForm.Set("form", form)
	v, verr := s.securityView(c)
	if verr != nil {
		return verr
	}
	return s.renderForm(c, "security", v, err)
}

func securityPath(c *call) string {
	return "/instances/" + url.PathEscape(c.r.PathValue("instance")) + "/security"
}

// extension is a download's file extension for a format.
func extension(format string) string {
	switch format {
	case "pkcs12":
		return "p12"
	case "jks":
		return "jks"
	}
	return "pem"
}

func formatType(format string) string {
	if format == "pem" {
		return "application/x-pem-file"
	}
	return "application/octet-stream"
}

// handleSecurityCA downloads what clients must trust. It is a post, not a
// link, so a truststore's password never sits in a URL.
func (s *Server) handleSecurityCA(c *call) error {
	name, format := c.r.PathValue("instance"), c.r.PostFormValue("format")
	data, err := c.api.CertificateBundle(c.r.Context(), name, format, c.r.PostFormValue("password"))
	if err != nil {
		return s.securityForm(c, "ca", err)
	}
	return download(c, name+"-ca."+extension(format), formatType(format), data)
}

// handleClientCertificate issues a client certificate and sends it, with
// its key, as the answer's download: the one time the key exists outside
// the browser's save dialog.
func (s *Server) handleClientCertificate(c *call) error {
	name, cn, format := c.r.PathValue("instance"), c.r.PostFormValue("cn"), c.r.PostFormValue("format")
	data, err := c.api.IssueClientCertificate(c.r.Context(), name, cn, format, c.r.PostFormValue("password"))
	if err != nil {
		return s.securityForm(c, "client", err)
	}
	return download(c, cn+"."+extension(format), formatType(format), data)
}

func onOffField(c *call) (bool, error) {
	on, err := strconv.ParseBool(c.r.PostFormValue("enabled"))
	if err != nil {
		return false, refusal("enabled", "enabled must be true or false")
	}
	return on, nil
}

func (s *Server) handlePublicAccess(c *call) error {
	on, err := onOffField(c)
	var t *streamplane.Task
	if err == nil {
		t, err = c.api.SetPublicAccess(c.r.Context(), c.r.PathValue("instance"), on)
	}
	if ok, terr := taskStarted(c, t, err); ok {
		return terr
	}
	return s.securityForm(c, "public", err)
}

func (s *Server) handleMutualTLS(c *call) error {
	on, err := onOffField(c)
	var t *streamplane.Task
	if err == nil {
		t, err = c.api.SetMutualTLS(c.r.Context(), c.r.PathValue("instance"), on)
	}
	if ok, terr := taskStarted(c, t, err); ok {
		return terr
	}
	return s.securityForm(c, "mtls", err)
}

func (s *Server) handleReplaceCertificate(c *call) error {
	up := streamplane.CertificateUpload{Certificate: c.r.PostFormValue("certificate"), Key: c.r.PostFormValue("key"), CA: c.r.PostFormValue("ca")}
	t, err := c.api.ReplaceCertificate(c.r.Context(), c.r.PathValue("instance"), up)
	if ok, terr := taskStarted(c, t, err); ok {
		return terr
	}
	return s.securityForm(c, "certificate", err)
}

func (s *Server) handleResetKafkaPassword(c *call) error {
	_, err := c.api.ResetKafkaPassword(c.r.Context(), c.r.PathValue("instance"), c.r.PostFormValue("password"))
	if err != nil {
		return s.securityForm(c, "reset", err)
	}
	return redirect(c, securityPath(c)+"?done=reset")
}
