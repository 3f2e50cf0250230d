package wire

import streamplane "github.com/streamplane/streamplane"

// ErrorEnvelope is every error answer: {"error": {...}}.
type ErrorEnvelope struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes one error: its code (see streamplane.Error), a
// message for people, the field at fault, the task it concerns, and the
// request id to quote to the operator.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	TaskID    string `json:"task_id,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// AppError returns the detail as an application error, so that
// streamplane.ErrorCode and errors.As see its code.
func (d ErrorDetail) AppError() *streamplane.Error {
	return &streamplane.Error{Code: d.Code, Message: d.Message, Field: d.Field, TaskID: d.TaskID}
}
