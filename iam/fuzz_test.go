package iam_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/iam"
)

// FuzzParsePolicy: Parse and Validate never panic, every error is an
// EINVALID naming a field, and a document that validates survives
// json.Marshal and Parse unchanged (what the store keeps is what was
// checked) and can be evaluated.
func FuzzParsePolicy(f *testing.F) {
	for _, seed := range []string{
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":["instance:restart","instance:delete"]}]}`,
		`{"Version":"1","Statement":[{"Effect":"Deny","Action":["instance:delete"],"Resource":["instance:prod-*"]}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":["instance:*"],"Condition":{"Bool":{"instance:ssl":"true"}}}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":["topic:*","*:list"],"Condition":{"StringLike":{"instance:tag/team":["pay*","search"]},"StringNotEquals":{"instance:project":"x"}}}]}`,
		`{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["dms:instance:modifyStatus"]}]}`,
		`{"Version":"1","Statement":[]} trailing`,
		`{"version":"1"}`,
		`{"Statement":[{"Action":"x","Resource":null,"Condition":[]}]}`,
		`[`, ``, `null`, `{"Version":"\u00e9\ud800"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := iam.Parse(data)
		if err != nil {
			checkInvalid(t, err)
			return
		}
		if err := iam.Validate(doc); err != nil {
			checkInvalid(t, err)
			return
		}
		out, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := iam.Parse(out)
		if err != nil {
			t.Fatalf("Parse(Marshal(doc)) of a valid document: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(again, doc) {
			t.Fatalf("round trip changed the document:\n%#v\n%#v", doc, again)
		}
		if err := iam.Validate(again); err != nil {
			t.Fatalf("the re-parsed document does not validate: %v", err)
		}
		grant := []iam.Grant{{Policy: streamplane.Policy{Name: "p", Document: doc}, Project: "*"}}
		for _, a := range iam.Actions {
			d := iam.Evaluate(iam.Request{Action: a.Name, Resource: "instance:x", Project: "p",
				Instance: &iam.InstanceFacts{Project: "p"}}, grant)
			if d.Allowed && d.Effect != streamplane.EffectAllow || d.Statement >= len(doc.Statement) {
				t.Fatalf("%s: inconsistent decision %+v", a.Name, d)
			}
		}
	})
}

func checkInvalid(t *testing.T, err error) {
	t.Helper()
	var e *streamplane.Error
	if !errors.As(err, &e) || e.Code != streamplane.EINVALID || e.Field == "" || e.Message == "" {
		t.Fatalf("error %v is not an EINVALID naming a field", err)
	}
}
