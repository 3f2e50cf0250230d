package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/api"
	"github.com/streamplane/streamplane/client"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// view is what every page template gets: the page's own data in Data,
// and around it what the layout needs.
type view struct {
	Title    string
	User     *streamplane.Account
	CSRF     string
	Section  string // the navigation entry to mark current
	Instance string // the instance the page is about, for its tabs
	Tab      string // the instance tab to mark current
	Data     any
	// Form holds what the user sent when a change was refused, so the
	// form shows it again; Err is the refusal, Field the field it names.
	Form  url.Values
	Err   string
	Field string
	// Static is the asset path prefix, with the assets' hash so a new
	// binary's files are never taken from an old cache.
	Static string
}

// fieldError is the refusal's message when it names field, else "".
func (v *view) FieldError(field string) string {
	if v.Field == field {
		return v.Err
	}
	return ""
}

// Value is the form's value of field as the user sent it.
func (v *view) Value(field string) string { return v.Form.Get(field) }

// pageTemplates holds one template set per page: the layout and partials
// with that page's file parsed on top. Parsed on first use, after every
// file's init has added its template funcs.
var pageTemplates = sync.OnceValue(mustParsePages)

func mustParsePages() map[string]*template.Template {
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout/*.html"))
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, f))
	}
	return out
}

// render writes a whole page, or for an htmx request that names a
// fragment (?fragment=x), that fragment alone.
func (s *Server) render(c *call, status int, name string, v *view) error {
	t, ok := pageTemplates()[name]
	if !ok {
		return fmt.Errorf("console: no page template %q", name)
	}
	v.User, v.CSRF, v.Static = c.user, c.csrf(), staticPrefix
	tmpl := "layout"
	if f := c.r.URL.Query().Get("fragment"); f != "" && c.r.Header.Get("HX-Request") == "true" {
		if t.Lookup("fragment-"+f) == nil {
			return streamplane.Invalid("fragment", "page %s has no fragment %q", name, f)
		}
		tmpl = "fragment-" + f
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, v); err != nil {
		return fmt.Errorf("console: page %s: %w", name, err)
	}
	c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	c.w.Header().Set("Cache-Control", "no-store")
	c.w.WriteHeader(status)
	_, err := c.w.Write(buf.Bytes())
	return err
}

// renderForm shows a form page again after the API refused the change,
// with the user's values and the refusal next to the field it names. Any
// other error is the error page's.
func (s *Server) renderForm(c *call, name string, v *view, err error) error {
	var e *client.Error
	if !errors.As(err, &e) {
		return err
	}
	v.Form, v.Err, v.Field = c.r.PostForm, e.App.Message, e.App.Field
	return s.render(c, e.StatusCode, name, v)
}

type errorView struct {
	Status  int
	Code    string
	Message string
	Request string
}

// renderError shows an error page: the API's code and message, or for an
// error of the console itself a generic one (the detail goes to the log,
// as the API does with internal errors).
func (s *Server) renderError(c *call, err error) {
	ev := errorView{Status: http.StatusInternalServerError, Code: streamplane.EINTERNAL, Message: "the console failed to show this page; the server's log has the detail"}
	var ce *client.Error
	var ae *streamplane.Error
	switch {
	case errors.As(err, &ce):
		ev = errorView{Status: ce.StatusCode, Code: ce.App.Code, Message: ce.App.Message, Request: ce.RequestID}
	case errors.As(err, &ae):
		ev = errorView{Status: api.StatusOf(ae.Code), Code: ae.Code, Message: ae.Message}
	default:
		s.Log.Error("console page", "path", c.r.URL.Path, "err", err)
	}
	if rerr := s.render(c, ev.Status, "error", &view{Title: "Error", Data: ev}); rerr != nil {
		s.Log.Error("console error page", "err", rerr)
		http.Error(c.w, ev.Message, ev.Status)
	}
}

func (s *Server) renderLogin(w http.ResponseWriter, status int, v loginView) {
	var buf bytes.Buffer
	if err := pageTemplates()["login"].ExecuteTemplate(&buf, "login", struct {
		loginView
		Static string
	}{v, staticPrefix}); err != nil {
		s.Log.Error("console login page", "err", err)
		http.Error(w, "the sign-in page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// staticPrefix is /static/<hash of the assets>/: assets are cached for a
// year, and a binary with other assets serves them under another path.
var staticPrefix = func() string {
	h := sha256.New()
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(p)
			h.Write([]byte(p))
			h.Write(b)
		}
		return nil
	})
	return "/static/" + hex.EncodeToString(h.Sum(nil))[:12] + "/"
}()

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, staticPrefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + rest
		files.ServeHTTP(w, r2)
	})
}
