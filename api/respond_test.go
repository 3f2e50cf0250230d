package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

// A body of JSON null is refused like any body that is not an object: it
// would decode as {} and change nothing, or create with every default.
func TestDecodeRefusesNull(t *testing.T) {
	for body, want := range map[string]string{
		"null":               streamplane.EINVALID,
		" null \n":           streamplane.EINVALID,
		`{"name":"a"} {}`:    streamplane.EINVALID,
		`{"name":"a","x":1}`: streamplane.EINVALID,
		`{"name":"a"}`:       "",
	} {
		var v struct {
			Name string `json:"name"`
		}
		err := decode(httptest.NewRequest("POST", "/", strings.NewReader(body)), &v)
		if got := streamplane.ErrorCode(err); got != want {
			t.Errorf("decode(%q) = %v, want code %q", body, err, want)
		}
	}
}
