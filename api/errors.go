package api

import (
	"net/http"

	streamplane "github.com/streamplane/streamplane"
)

// statusOf maps every error code to its one HTTP status.
var statusOf = map[string]int{
	streamplane.EINVALID:      http.StatusBadRequest,
	streamplane.ENOTFOUND:     http.StatusNotFound,
	streamplane.ECONFLICT:     http.StatusConflict,
	streamplane.EBUSY:         http.StatusConflict,
	streamplane.ESTATE:        http.StatusConflict,
	streamplane.ESTALE:        http.StatusPreconditionFailed,
	streamplane.ELIMIT:        http.StatusUnprocessableEntity,
	streamplane.EUNAVAILABLE:  http.StatusServiceUnavailable,
	streamplane.EPRECONDITION: http.StatusFailedDependency,
	streamplane.EINTERNAL:     http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for an error code.
func StatusOf(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is the error envelope: {"error": {...}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	TaskID    string `json:"task_id,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// writeError answers with the error envelope. Internal errors are logged in
// full and shown only as "internal error" with the request id.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := streamplane.ErrorCode(err)
	detail := errorDetail{Code: code, Message: streamplane.ErrorMessage(err), RequestID: requestID(r)}
	var appErr *streamplane.Error
	if asError(err, &appErr) {
		detail.Field, detail.TaskID = appErr.Field, appErr.TaskID
	}
	status := StatusOf(code)
	if status >= 500 {
		s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "request_id", detail.RequestID, "err", err)
		if code == streamplane.EINTERNAL {
			detail.Message = "internal error; quote request id " + detail.RequestID + " to the operator"
		}
	} else {
		s.Log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "code", code, "message", detail.Message)
	}
	writeJSON(w, status, errorBody{Error: detail})
}
