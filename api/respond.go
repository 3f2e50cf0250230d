package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	streamplane "github.com/streamplane/streamplane"
)

const maxBody = 1 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// decode reads a JSON body into v, refusing unknown fields and wrong types
// with an error naming the field.
func decode(r *http.Request, v any) error {
	body := http.MaxBytesReader(nil, r.Body, maxBody)
	dec := json.NewDecoder(body)
	// The body is read whole first: a JSON null would decode into v as if
	// it were {}, and no operation takes null.
	var raw json.RawMessage
	err := dec.Decode(&raw)
	if err == nil && dec.More() {
		return streamplane.Invalid("", "the body must hold one JSON object")
	}
	if err == nil && string(raw) == "null" {
		return streamplane.Invalid("", "the body must be a JSON object, not null")
	}
	if err == nil {
		fields := json.NewDecoder(bytes.NewReader(raw))
		fields.DisallowUnknownFields()
		err = fields.Decode(v)
	}
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF):
		return streamplane.Invalid("", "a JSON body is required")
	case errors.As(err, &syntax):
		return streamplane.Invalid("", "the body is not valid JSON (at byte %d): %v", syntax.Offset, err)
	case errors.As(err, &typeErr):
		return streamplane.Invalid(typeErr.Field, "field %s must be %s, not %s", typeErr.Field, jsonType(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &tooBig):
		return streamplane.Invalid("", "the body is larger than %d bytes", maxBody)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return streamplane.Invalid(field, "unknown field %q", field)
	default:
		return streamplane.Invalid("", "cannot read the body: %v", err)
	}
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return kind
}

// ifMatchRE is the If-Match rule the OpenAPI document states: *, or a
// resource version, quoted or not, weak or not.
var ifMatchRE = regexp.MustCompile(`^(?:\*|(?:W/)?"?([0-9]{1,18})"?)$`)

// ifMatch parses the If-Match header: a resource version, quoted or not.
// An absent header or * match any version; an empty one is refused.
func ifMatch(r *http.Request) (*int64, error) {
	if _, given := r.Header["If-Match"]; !given {
		return nil, nil
	}
	m := ifMatchRE.FindStringSubmatch(strings.TrimSpace(r.Header.Get("If-Match")))
	if m == nil {
		return nil, streamplane.Invalid("If-Match", "If-Match must be a resource version such as \"3\", got %q", r.Header.Get("If-Match"))
	}
	if m[1] == "" {
		return nil, nil
	}
	v, _ := strconv.ParseInt(m[1], 10, 64) // 18 digits always fit
	return &v, nil
}

func etag(version int64) string { return fmt.Sprintf(`"%d"`, version) }
