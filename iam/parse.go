package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	streamplane "github.com/streamplane/streamplane"
)

// Parse reads a policy document from JSON, strictly: field names must be
// spelled exactly (encoding/json would take "effect" for "Effect"), a field
// may appear once, unknown fields, nulls and anything after the document
// are errors. Action and Resource are lists; a condition's values are a
// string or a list. An empty list or object is kept as given (not as
// absent) so that Validate can reject it. Errors are streamplane.EINVALID
// naming the path of the fault, like document.Statement[0].Effect. Parse
// checks only the form: Validate checks the rules.
func Parse(data []byte) (streamplane.PolicyDocument, error) {
	if len(data) > MaxDocumentBytes {
		return streamplane.PolicyDocument{}, streamplane.Invalid("document", "a policy document may be at most %d bytes, got %d", MaxDocumentBytes, len(data))
	}
	p := &parser{dec: json.NewDecoder(bytes.NewReader(data))}
	var doc streamplane.PolicyDocument
	err := p.object("document", func(key, path string) error {
		switch key {
		case "Version":
			return p.str(path, &doc.Version)
		case "Statement":
			doc.Statement = []streamplane.Statement{}
			return p.array(path, func(path string) error {
				var st streamplane.Statement
				err := p.statement(path, &st)
				doc.Statement = append(doc.Statement, st)
				return err
			})
		}
		return unknownField(path, key, "Version and Statement")
	})
	if err != nil {
		return streamplane.PolicyDocument{}, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return streamplane.PolicyDocument{}, streamplane.Invalid("document", "unexpected data after the policy document")
	}
	return doc, nil
}

type parser struct{ dec *json.Decoder }

func (p *parser) statement(path string, st *streamplane.Statement) error {
	return p.object(path, func(key, path string) error {
		switch key {
		case "Effect":
			return p.str(path, &st.Effect)
		case "Action":
			st.Action = []string{}
			return p.array(path, func(path string) error {
				var a string
				err := p.str(path, &a)
				st.Action = append(st.Action, a)
				return err
			})
		case "Resource":
			st.Resource = []string{}
			return p.array(path, func(path string) error {
				var r string
				err := p.str(path, &r)
				st.Resource = append(st.Resource, r)
				return err
			})
		case "Condition":
			st.Condition = map[string]map[string]streamplane.StringList{}
			return p.object(path, func(op, path string) error {
				keys := map[string]streamplane.StringList{}
				st.Condition[op] = keys
				return p.object(path, func(key, path string) error {
					values, err := p.stringList(path)
					keys[key] = values
					return err
				})
			})
		}
		return unknownField(path, key, "Effect, Action, Resource and Condition")
	})
}

// token reads the next token, turning a syntax error into one that names
// where the parser was.
func (p *parser) token(path string) (json.Token, error) {
	t, err := p.dec.Token()
	var syntax *json.SyntaxError
	switch {
	case err == nil:
		return t, nil
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, streamplane.Invalid(path, "the policy document ends too early")
	case errors.As(err, &syntax):
		return nil, streamplane.Invalid(path, "the policy document is not valid JSON at byte %d: %s", syntax.Offset, syntax.Error())
	}
	return nil, streamplane.Invalid(path, "the policy document is not valid JSON: %s", err.Error())
}

// object reads a JSON object, calling field for each member with the
// member's path; field must read the member's value.
func (p *parser) object(path string, field func(key, path string) error) error {
	t, err := p.token(path)
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		return streamplane.Invalid(path, "%s must be an object, got %s", path, kind(t))
	}
	seen := map[string]bool{}
	for p.dec.More() {
		t, err := p.token(path)
		if err != nil {
			return err
		}
		key, _ := t.(string) // the decoder allows only strings as keys
		kpath := path + "." + key
		if seen[key] {
			return streamplane.Invalid(kpath, "%s is given twice", key)
		}
		seen[key] = true
		if err := field(key, kpath); err != nil {
			return err
		}
	}
	_, err = p.token(path) // the closing brace: More said there is nothing else
	return err
}

// array reads a JSON list, calling elem with each element's path.
func (p *parser) array(path string, elem func(path string) error) error {
	t, err := p.token(path)
	if err != nil {
		return err
	}
	if t != json.Delim('[') {
		return streamplane.Invalid(path, "%s must be a list, got %s", path, kind(t))
	}
	return p.elements(path, elem)
}

func (p *parser) elements(path string, elem func(path string) error) error {
	for i := 0; p.dec.More(); i++ {
		if err := elem(fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	_, err := p.token(path)
	return err
}

func (p *parser) str(path string, s *string) error {
	t, err := p.token(path)
	if err != nil {
		return err
	}
	v, ok := t.(string)
	if !ok {
		return streamplane.Invalid(path, "%s must be a string, got %s", path, kind(t))
	}
	*s = v
	return nil
}

// stringList reads a condition's values: one string or a list of them.
func (p *parser) stringList(path string) (streamplane.StringList, error) {
	t, err := p.token(path)
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case string:
		return streamplane.StringList{t}, nil
	case json.Delim:
		if t == '[' {
			values := streamplane.StringList{}
			err := p.elements(path, func(path string) error {
				var v string
				err := p.str(path, &v)
				values = append(values, v)
				return err
			})
			return values, err
		}
	}
	return nil, streamplane.Invalid(path, "%s must be a string or a list of strings, got %s", path, kind(t))
}

func unknownField(path, key, known string) error {
	return streamplane.Invalid(path, "unknown field %q; the fields here are %s", key, known)
}

// kind names a JSON token's type for error messages.
func kind(t json.Token) string {
	switch t := t.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64, json.Number:
		return "a number"
	case string:
		return "a string"
	case json.Delim:
		if t == '[' {
			return "a list"
		}
		return "an object"
	}
	return fmt.Sprintf("%T", t)
}
