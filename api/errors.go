package api

import (
	"errors"
	"net/http"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/service"
	"github.com/streamplane/streamplane/wire"
)

// codeMethodNotAllowed answers a known path asked with a method it does not
// serve. It belongs to HTTP, not to the domain, so it lives here.
const codeMethodNotAllowed = "METHOD_NOT_ALLOWED"

// statusOf maps every error code to its one HTTP status; any other code is
// a 500.
var statusOf = map[string]int{
	streamplane.EINVALID:         http.StatusBadRequest,
	streamplane.ENOTFOUND:        http.StatusNotFound,
	streamplane.ECONFLICT:        http.StatusConflict,
	streamplane.EBUSY:            http.StatusConflict,
	streamplane.ESTATE:           http.StatusConflict,
	streamplane.ESTALE:           http.StatusPreconditionFailed,
	streamplane.ELIMIT:           http.StatusUnprocessableEntity,
	streamplane.EUNAVAILABLE:     http.StatusServiceUnavailable,
	streamplane.ESTOREDOWN:       http.StatusServiceUnavailable,
	streamplane.EPRECONDITION:    http.StatusFailedDependency,
	streamplane.EINTERNAL:        http.StatusInternalServerError,
	streamplane.EUNAUTHENTICATED: http.StatusUnauthorized,
	streamplane.EDENIED:          http.StatusForbidden,
	streamplane.ETHROTTLED:       http.StatusTooManyRequests,
	codeMethodNotAllowed:         http.StatusMethodNotAllowed,
}

// StatusOf is the HTTP status the API answers for an error code; the task
// engine records it in the audit entry of a change that failed.
func StatusOf(code string) int { return status(code) }

func status(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// writeError answers with the error envelope; a change still running
// after the service's deadline is no error, and answers 202 with its task.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var running *service.Unfinished
	if errors.As(err, &running) {
		writeJSON(w, http.StatusAccepted, wire.TaskAccepted{Task: running.Task})
		return
	}
	detail := s.errorDetail(r, err)
	writeJSON(w, status(detail.Code), wire.ErrorEnvelope{Error: detail})
}

// errorDetail describes err to the client. Errors that are the server's
// fault (5xx) are logged in full, and internal ones shown only as "internal
// error" with the request id.
func (s *Server) errorDetail(r *http.Request, err error) wire.ErrorDetail {
	detail := wire.ErrorDetail{Code: streamplane.ErrorCode(err), Message: streamplane.ErrorMessage(err), RequestID: requestID(r)}
	var appErr *streamplane.Error
	if errors.As(err, &appErr) {
		detail.Field, detail.TaskID = appErr.Field, appErr.TaskID
	}
	if status(detail.Code) < 500 {
		s.Log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "code", detail.Code, "message", detail.Message)
		return detail
	}
	s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "request_id", detail.RequestID, "err", err)
	if detail.Code == streamplane.EINTERNAL {
		detail.Message = "internal error; quote request id " + detail.RequestID + " to the operator"
	}
	return detail
}
