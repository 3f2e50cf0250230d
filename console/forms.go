package console

import (
	"net/http"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
)

// fieldError is a refusal the console makes of a form field itself (a
// number that is not one, a time it cannot read), shaped as the API's
// answer so that renderForm shows it beside the field, as it shows the
// API's own refusals.
func fieldError(field, format string, args ...any) error {
	return &client.Error{StatusCode: http.StatusBadRequest, App: *streamplane.Invalid(field, format, args...)}
}
