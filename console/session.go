package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

// sessionCookie holds the API token of the session: the one a password
// sign-in issued, or, prefixed with pastedPrefix, an API token the user
// pasted (the admin's first-start token, say), which signing out forgets
// but does not revoke. HttpOnly keeps it from scripts; SameSite=Lax from
// other sites' forms; Secure when the server speaks TLS.
const (
	sessionCookie = "streamplane_session"
	pastedPrefix  = "api:"
)

// call is one request to a console page: the signed-in user, an API client
// acting as them, and the session's CSRF token.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	api   *client.Client
	user  *streamplane.Account
	token string
	// pasted says the session's token was pasted, not issued by sign-in.
	pasted bool
}

// csrf is the token every unsafe request must carry (form field _csrf or
// header X-CSRF-Token). It is derived from the session token, which no
// other site can read, so it needs no server state and survives restarts.
func (c *call) csrf() string { return csrfFor(c.token) }

func csrfFor(token string) string {
	sum := sha256.Sum256([]byte("streamplane-console-csrf\x00" + token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (c *call) csrfValid() bool {
	got := c.r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = c.r.PostFormValue("_csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(c.csrf())) == 1
}

// session resolves the request's session. Without one (or with a token the
// API no longer takes) it sends the browser to the sign-in page and
// reports false.
func (s *Server) session(w http.ResponseWriter, r *http.Request) (*call, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err == nil && ck.Value != "" {
		token, pasted := strings.CutPrefix(ck.Value, pastedPrefix)
		c := &call{w: w, r: r, api: s.apiClient(r, token), token: token, pasted: pasted}
		user, err := c.api.WhoAmI(r.Context())
		if err == nil {
			c.user = user
			return c, true
		}
		if httpStatus(err) != http.StatusUnauthorized {
			c.user = &streamplane.Account{}
			s.renderError(c, err)
			return nil, false
		}
		clearSession(w, r)
	}
	to := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		to += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusUnauthorized)
		return nil, false
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil, false
}

type loginView struct {
	User, Next, Error string
	TokenError        string
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, http.StatusOK, loginView{Next: localPath(r.URL.Query().Get("next"))})
}

// handleLogin signs in through the API's login (its throttle and audit
// included) and keeps the token it issues in the session cookie; or, when
// the form carries an API token instead, checks that the API takes it.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	v := loginView{User: r.PostFormValue("user"), Next: localPath(r.PostFormValue("next"))}
	if pasted := strings.TrimSpace(r.PostFormValue("token")); pasted != "" {
		if _, err := s.apiClient(r, pasted).WhoAmI(r.Context()); err != nil {
			v.TokenError = s.loginRefusal(err)
			s.renderLogin(w, httpStatus(err), v)
			return
		}
		setSession(w, r, pastedPrefix+pasted, nil)
		http.Redirect(w, r, v.Next, http.StatusSeeOther)
		return
	}
	tok, err := s.apiClient(r, "").Login(r.Context(), v.User, r.PostFormValue("password"))
	if err != nil {
		v.Error = s.loginRefusal(err)
		s.renderLogin(w, httpStatus(err), v)
		return
	}
	setSession(w, r, tok.Secret, tok.ExpiresAt)
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

// loginRefusal is what the sign-in page says about a refused sign-in.
func (s *Server) loginRefusal(err error) string {
	var e *client.Error
	if errors.As(err, &e) {
		return e.App.Message
	}
	s.Log.Error("console sign-in", "err", err)
	return "the server could not sign you in; see its log"
}

func setSession(w http.ResponseWriter, r *http.Request, value string, expires *time.Time) {
	ck := &http.Cookie{Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode}
	if expires != nil {
		ck.Expires = *expires
	}
	http.SetCookie(w, ck)
}

// handleLogout revokes the session's token (not a pasted one, which the
// user may use elsewhere) and forgets the cookie.
func (s *Server) handleLogout(c *call) error {
	if !c.pasted {
		if err := c.api.Logout(c.r.Context()); err != nil && httpStatus(err) != http.StatusUnauthorized {
			return err
		}
	}
	clearSession(c.w, c.r)
	http.Redirect(c.w, c.r, "/login", http.StatusSeeOther)
	return nil
}

func clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteLaxMode, Expires: time.Unix(0, 0), MaxAge: -1})
}
