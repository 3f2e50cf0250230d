package console

import "net/http"

var corePages = []page{
	{"GET", "/{$}", (*Server).handleHome},
	{"POST", "/logout", (*Server).handleLogout},
}

func (s *Server) handleHome(c *call) error {
	http.Redirect(c.w, c.r, "/instances", http.StatusSeeOther)
	return nil
}
