package api_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/streamplane/streamplane/api"
	"github.com/streamplane/streamplane/wire"
)

// The document describes the bodies the Go types put on the wire, for every
// route: the request body, each success answer and the error envelope.
// openapi.json stays hand-written, for its descriptions and rules (patterns,
// enums, ranges), and this test keeps its shapes honest; see schemaChecker
// for the rules.
func TestOpenAPIMatchesGoTypes(t *testing.T) {
	doc := loadDoc(t)
	c := &schemaChecker{seen: map[string]bool{}}
	routes := map[string]bool{}
	for _, r := range api.Routes {
		key := r.Method + " " + r.Pattern
		routes[key] = true
		b, ok := bodies[key]
		if !ok {
			c.errorf("%s: no entry in bodies (bodies_test.go) naming its Go types", key)
			continue
		}
		item := doc.Paths.Value(r.Pattern)
		if item == nil || item.GetOperation(r.Method) == nil {
			continue // TestOpenAPIMatchesRoutes reports it
		}
		c.operation(key, item.GetOperation(r.Method), b)
	}
	for key := range bodies {
		if !routes[key] {
			c.errorf("%s: in bodies (bodies_test.go) but not a route", key)
		}
	}
	sort.Strings(c.errs)
	for _, e := range c.errs {
		t.Error(e)
	}
}

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	timeType        = reflect.TypeFor[time.Time]()
	envelopeType    = reflect.TypeFor[wire.ErrorEnvelope]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// schemaChecker compares Go types with schemas, with encoding/json's view
// of a Go type (json tags, "-", omitempty and omitzero, embedded structs
// inlined, pointers followed):
//
//   - every JSON property of a struct is a property of its schema, and
//     every property of the schema is one of the struct's;
//   - types agree: string kinds are "string", bool "boolean", integers
//     "integer", floats "number", time.Time "string" with format
//     "date-time", []byte "string", other slices "array" with matching
//     items, maps "object" with matching additionalProperties, structs
//     "object"; json.RawMessage and interfaces may be any JSON;
//   - in an answer, a property is required exactly when its field is not
//     omitempty (the server always sends it); in a request, a required
//     property's field is not omitempty (the client always sends it);
//   - in an answer, a non-omitempty pointer to a scalar (which the server
//     sends as null) is nullable, and nothing is nullable that Go cannot
//     send as null (a request may say nullable anywhere: encoding/json
//     reads null as absent);
//   - request objects forbid additionalProperties, as the server refuses
//     unknown fields.
//
// allOf is merged, as Go embedding is. Errors are about Go types, so each
// is reported once however many routes share the type.
type schemaChecker struct {
	request bool // checking a request body, not an answer
	where   string
	errs    []string
	seen    map[string]bool
}

func (c *schemaChecker) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !c.seen[msg] {
		c.seen[msg] = true
		c.errs = append(c.errs, msg+c.where)
	}
}

// operation checks one route's bodies against its operation.
func (c *schemaChecker) operation(key string, op *openapi3.Operation, b routeBodies) {
	var reqSchema *openapi3.SchemaRef
	if op.RequestBody != nil {
		reqSchema = jsonSchema(op.RequestBody.Value.Content)
	}
	c.request, c.where = true, " (request of "+key+")"
	switch {
	case b.request == nil && reqSchema != nil:
		c.errorf("%s: the document has a JSON request body, bodies has no Go type for it", key)
	case b.request != nil && reqSchema == nil:
		c.errorf("%s: bodies has a request type, the document no JSON request body", key)
	case b.request != nil:
		c.value(reflect.TypeOf(b.request).String(), reflect.TypeOf(b.request), reqSchema)
	}

	documented := map[int]bool{}
	for code, ref := range op.Responses.Map() {
		c.request, c.where = false, " (answer "+code+" of "+key+")"
		status, err := strconv.Atoi(code)
		if err != nil {
			c.errorf("%s: answer %q is not a status code", key, code)
			continue
		}
		schema := jsonSchema(ref.Value.Content)
		if status >= 400 {
			if schema == nil {
				c.errorf("%s: error answer %d has no JSON error envelope", key, status)
			} else {
				c.value(envelopeType.String(), envelopeType, schema)
			}
			continue
		}
		documented[status] = true
		goValue, ok := b.responses[status]
		switch {
		case !ok:
			c.errorf("%s: the document answers %d, bodies has no Go type for it", key, status)
		case goValue == nil && schema != nil:
			c.errorf("%s: the document answers %d with JSON, bodies with no JSON body", key, status)
		case goValue != nil && schema == nil:
			c.errorf("%s: bodies answers %d with %T, the document with no JSON body", key, status, goValue)
		case goValue != nil:
			c.value(reflect.TypeOf(goValue).String(), reflect.TypeOf(goValue), schema)
		}
	}
	for status := range b.responses {
		if !documented[status] {
			c.errorf("%s: bodies answers %d, the document does not", key, status)
		}
	}
}

// jsonSchema returns the schema of a JSON body, or nil if there is none.
func jsonSchema(content openapi3.Content) *openapi3.SchemaRef {
	if mt := content.Get("application/json"); mt != nil {
		return mt.Schema
	}
	return nil
}

// value checks that a Go type is the schema at path.
func (c *schemaChecker) value(path string, t reflect.Type, ref *openapi3.SchemaRef) {
	if ref == nil || ref.Value == nil {
		c.errorf("%s: no schema", path)
		return
	}
	s := flatten(ref.Value)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	want := func(typ string) {
		if s.Type == nil || !s.Type.Is(typ) {
			c.errorf("%s: Go %s is JSON %s, the document says %v", path, t, typ, typesOf(s))
		}
	}
	switch {
	case t == rawMessageType || t.Kind() == reflect.Interface:
		return // any JSON
	case s.Type == nil && len(s.OneOf) > 0 && reflect.PointerTo(t).Implements(unmarshalerType):
		c.oneOf(path, t, s.OneOf)
		return
	case t == timeType:
		want("string")
		if s.Format != "date-time" {
			c.errorf("%s: Go time.Time is a date-time, the document's format is %q", path, s.Format)
		}
		return
	}
	switch t.Kind() {
	case reflect.String:
		want("string")
	case reflect.Bool:
		want("boolean")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want("integer")
	case reflect.Float32, reflect.Float64:
		want("number")
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			want("string") // base64
			return
		}
		want("array")
		c.value(path+"[]", t.Elem(), s.Items)
	case reflect.Map:
		want("object")
		if len(s.Properties) > 0 {
			c.errorf("%s: Go %s is a map, the document lists fixed properties", path, t)
		}
		if s.AdditionalProperties.Schema == nil {
			c.errorf("%s: Go %s is a map, the document gives no additionalProperties schema for its values", path, t)
			return
		}
		c.value(path+"{}", t.Elem(), s.AdditionalProperties.Schema)
	case reflect.Struct:
		want("object")
		c.object(t, s)
	default:
		c.errorf("%s: Go %s has no JSON form this test knows", path, t)
	}
}

// oneOf checks a type that reads more forms than it writes (its own
// UnmarshalJSON: StringList reads "a" as ["a"]): the document may list the
// forms as a oneOf, and one of them must be the Go type's own.
func (c *schemaChecker) oneOf(path string, t reflect.Type, forms openapi3.SchemaRefs) {
	for _, form := range forms {
		one := &schemaChecker{request: c.request, seen: map[string]bool{}}
		one.value(path, t, form)
		if len(one.errs) == 0 {
			return
		}
	}
	c.errorf("%s: no form of the document's oneOf is Go %s", path, t)
}

// object checks a struct's JSON properties against an object schema.
func (c *schemaChecker) object(t reflect.Type, s *openapi3.Schema) {
	if c.request && (s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has) {
		c.errorf("%s: the server refuses unknown fields, the document allows additionalProperties", t)
	}
	fields := jsonFields(t)
	names := map[string]bool{}
	for _, f := range fields {
		names[f.name] = true
		path := t.String() + "." + f.name
		p, ok := s.Properties[f.name]
		if !ok {
			c.errorf("%s: Go field %s is not in the document", path, f.goName)
			continue
		}
		c.value(path, f.typ, p)
		required := slices.Contains(s.Required, f.name)
		switch {
		case c.request && required && f.omitempty:
			c.errorf("%s: the document requires it, the client omits it when empty (omitempty)", path)
		case !c.request && required && f.omitempty:
			c.errorf("%s: the document requires it, the server omits it when empty (omitempty)", path)
		case !c.request && !required && !f.omitempty:
			c.errorf("%s: the server always sends it, the document does not require it", path)
		}
		if p.Value == nil {
			continue
		}
		scalarPointer := f.typ.Kind() == reflect.Pointer && f.typ.Elem().Kind() != reflect.Struct
		if !c.request && scalarPointer && !f.omitempty && !p.Value.Nullable {
			c.errorf("%s: the server may send null (Go %s), the document does not say nullable", path, f.typ)
		}
		// A request may send null for any field: encoding/json reads it
		// as absent. Only an answer's nullable says something about Go.
		if !c.request && p.Value.Nullable && !nullable(f.typ) {
			c.errorf("%s: the document says nullable, Go %s is never null", path, f.typ)
		}
	}
	for name := range s.Properties {
		if !names[name] {
			c.errorf("%s.%s: in the document, not a JSON field of Go %s", t, name, t)
		}
	}
	for _, name := range s.Required {
		if _, ok := s.Properties[name]; !ok {
			c.errorf("%s.%s: required by the document, which does not define it", t, name)
		}
	}
}

func nullable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return true
	}
	return false
}

func typesOf(s *openapi3.Schema) string {
	if s.Type == nil || len(s.Type.Slice()) == 0 {
		return "no type"
	}
	return strings.Join(s.Type.Slice(), " or ")
}

// flatten merges an allOf into one object schema.
func flatten(s *openapi3.Schema) *openapi3.Schema {
	if len(s.AllOf) == 0 {
		return s
	}
	out := *s
	out.AllOf = nil
	out.Properties = openapi3.Schemas{}
	out.Required = slices.Clone(s.Required)
	for name, p := range s.Properties {
		out.Properties[name] = p
	}
	for _, part := range s.AllOf {
		p := flatten(part.Value)
		for name, prop := range p.Properties {
			out.Properties[name] = prop
		}
		out.Required = append(out.Required, p.Required...)
		if out.Type == nil {
			out.Type = p.Type
		}
		if out.AdditionalProperties.Has == nil {
			out.AdditionalProperties = p.AdditionalProperties
		}
	}
	return &out
}

// jsonField is a property of a struct as encoding/json writes it.
type jsonField struct {
	name, goName string
	typ          reflect.Type
	omitempty    bool
}

// jsonFields lists a struct's JSON properties: its own tagged, exported
// fields, then those of embedded structs that no shallower field hides.
func jsonFields(t reflect.Type) []jsonField {
	var out, deeper []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				deeper = append(deeper, jsonFields(ft)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		options := strings.Split(opts, ",")
		out = append(out, jsonField{name: name, goName: t.Name() + "." + f.Name, typ: f.Type,
			omitempty: slices.Contains(options, "omitempty") || slices.Contains(options, "omitzero")})
	}
	for _, f := range deeper {
		if !slices.ContainsFunc(out, func(g jsonField) bool { return g.name == f.name }) {
			out = append(out, f)
		}
	}
	return out
}

// forms reads a string or a list of strings, and writes a list.
type forms []string

func (f *forms) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*f = forms{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(f))
}

// The checker finds each kind of drift it promises to: a test of the test,
// so that a quiet TestOpenAPIMatchesGoTypes means something.
func TestSchemaCheckerFindsDrift(t *testing.T) {
	type inner struct {
		Extra []string `json:"extra"`
	}
	type sample struct {
		Name   string            `json:"name"`
		Count  int               `json:"count,omitempty"`
		Maybe  *int64            `json:"maybe"`
		At     time.Time         `json:"at"`
		Tags   map[string]string `json:"tags"`
		Flag   bool              `json:"flag"`
		Forms  forms             `json:"forms"`
		Wrong  forms             `json:"wrong"`
		Hidden string            `json:"-"`
		inner
	}
	schema := &openapi3.SchemaRef{}
	if err := json.Unmarshal([]byte(`{"type": "object", "required": ["name", "count", "maybe", "at", "tags", "gone"], "properties": {
		"name": {"type": "integer"},
		"count": {"type": "integer"},
		"maybe": {"type": "integer"},
		"at": {"type": "string"},
		"tags": {"type": "object"},
		"flag": {"type": "boolean", "nullable": true},
		"forms": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
		"wrong": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
		"ghost": {"type": "string", "nullable": true}}}`), schema); err != nil {
		t.Fatal(err)
	}
	want := map[bool][]string{
		false: {
			"api_test.sample.name: Go string is JSON string, the document says integer",
			"api_test.sample.count: the document requires it, the server omits it when empty (omitempty)",
			"api_test.sample.maybe: the server may send null (Go *int64), the document does not say nullable",
			`api_test.sample.at: Go time.Time is a date-time, the document's format is ""`,
			"api_test.sample.tags: Go map[string]string is a map, the document gives no additionalProperties schema for its values",
			"api_test.sample.extra: Go field inner.Extra is not in the document",
			"api_test.sample.ghost: in the document, not a JSON field of Go api_test.sample",
			"api_test.sample.gone: required by the document, which does not define it",
			"api_test.sample.flag: the server always sends it, the document does not require it",
			"api_test.sample.flag: the document says nullable, Go bool is never null",
			"api_test.sample.forms: the server always sends it, the document does not require it",
			"api_test.sample.wrong: the server always sends it, the document does not require it",
			"api_test.sample.wrong: no form of the document's oneOf is Go api_test.forms",
		},
		true: {
			"api_test.sample: the server refuses unknown fields, the document allows additionalProperties",
			"api_test.sample.name: Go string is JSON string, the document says integer",
			"api_test.sample.count: the document requires it, the client omits it when empty (omitempty)",
			`api_test.sample.at: Go time.Time is a date-time, the document's format is ""`,
			"api_test.sample.tags: Go map[string]string is a map, the document gives no additionalProperties schema for its values",
			"api_test.sample.extra: Go field inner.Extra is not in the document",
			"api_test.sample.ghost: in the document, not a JSON field of Go api_test.sample",
			"api_test.sample.gone: required by the document, which does not define it",
			"api_test.sample.wrong: no form of the document's oneOf is Go api_test.forms",
		},
	}
	for _, request := range []bool{false, true} {
		c := &schemaChecker{request: request, seen: map[string]bool{}}
		c.value("sample", reflect.TypeFor[sample](), schema)
		got := slices.Sorted(slices.Values(c.errs))
		slices.Sort(want[request])
		if !slices.Equal(got, want[request]) {
			t.Errorf("request %v: the checker reported\n%s\nwant\n%s", request, strings.Join(got, "\n"), strings.Join(want[request], "\n"))
		}
	}
}
