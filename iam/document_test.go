package iam_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/iam"
)

// wantInvalid checks that err is an EINVALID error naming field, with msg
// in its message.
func wantInvalid(t *testing.T, err error, field, msg string) {
	t.Helper()
	var e *streamplane.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want an EINVALID error for field %s", err, field)
	}
	if e.Code != streamplane.EINVALID || e.Field != field || !strings.Contains(e.Message, msg) {
		t.Fatalf("error = code %s field %q message %q; want EINVALID, field %q, message containing %q",
			e.Code, e.Field, e.Message, field, msg)
	}
}

func TestParse(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		got, err := iam.Parse([]byte(`
			{"Version": "1", "Statement": [
			  {"Effect": "Deny", "Action": ["instance:delete", "instance:scale"],
			   "Resource": ["instance:prod-*"],
			   "Condition": {"Bool": {"instance:ssl": "true"},
			                 "StringLike": {"instance:tag/env": ["prod", "stag*"]}}},
			  {"Effect": "Allow", "Action": ["*"]}
			]}
		`))
		if err != nil {
			t.Fatal(err)
		}
		want := streamplane.PolicyDocument{Version: "1", Statement: []streamplane.Statement{
			{Effect: "Deny", Action: []string{"instance:delete", "instance:scale"},
				Resource: []string{"instance:prod-*"},
				Condition: map[string]map[string]streamplane.StringList{
					"Bool":       {"instance:ssl": {"true"}},
					"StringLike": {"instance:tag/env": {"prod", "stag*"}},
				}},
			{Effect: "Allow", Action: []string{"*"}},
		}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse = %#v\nwant %#v", got, want)
		}
	})
	t.Run("EmptyListsKept", func(t *testing.T) {
		// Kept as empty, not absent, so that Validate rejects them.
		got, err := iam.Parse([]byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":[],"Resource":[],"Condition":{}}]}`))
		if err != nil {
			t.Fatal(err)
		}
		st := got.Statement[0]
		if st.Action == nil || st.Resource == nil || st.Condition == nil {
			t.Fatalf("empty lists became absent: %#v", st)
		}
	})

	long := `{"Version":"1","Statement":[{"Effect":"Allow","Action":["*"],"Resource":["` + strings.Repeat("x", iam.MaxDocumentBytes) + `"]}]}`
	for _, tc := range []struct {
		name, doc, field, msg string
	}{
		{"Empty", ``, "document", "ends too early"},
		{"Blank", "  \n", "document", "ends too early"},
		{"NotObject", `[]`, "document", "must be an object, got a list"},
		{"Null", `null`, "document", "must be an object, got null"},
		{"Truncated", `{"Version":"1",`, "document", "ends too early"},
		{"BadSyntax", `{"Version" "1"}`, "document.Version", "not valid JSON at byte 11"},
		{"BadSyntaxLater", `{"Statement":[{"Effect":"Allow",]}]}`, "document.Statement[0]", "not valid JSON"},
		{"TrailingGarbage", `{"Version":"1","Statement":[]} x`, "document", "unexpected data after"},
		{"TrailingDocument", `{"Version":"1"}{}`, "document", "unexpected data after"},
		{"TooLong", long, "document", "at most"},
		{"FieldCase", `{"version":"1"}`, "document.version", `unknown field "version"`},
		{"UnknownTopField", `{"Version":"1","Id":"x"}`, "document.Id", "Version and Statement"},
		{"Duplicate", `{"Version":"1","Version":"1"}`, "document.Version", "given twice"},
		{"VersionNumber", `{"Version":1}`, "document.Version", "must be a string, got a number"},
		{"VersionNull", `{"Version":null}`, "document.Version", "must be a string, got null"},
		{"StatementObject", `{"Statement":{}}`, "document.Statement", "must be a list, got an object"},
		{"StatementString", `{"Statement":["x"]}`, "document.Statement[0]", "must be an object, got a string"},
		{"UnknownStatementField", `{"Statement":[{"Effect":"Allow"},{"Sid":"a"}]}`, "document.Statement[1].Sid", `unknown field "Sid"`},
		{"StatementFieldCase", `{"Statement":[{"effect":"Allow"}]}`, "document.Statement[0].effect", "unknown field"},
		{"DuplicateEffect", `{"Statement":[{"Effect":"Allow","Effect":"Deny"}]}`, "document.Statement[0].Effect", "given twice"},
		{"ActionString", `{"Statement":[{"Action":"instance:get"}]}`, "document.Statement[0].Action", "must be a list, got a string"},
		{"ActionNumber", `{"Statement":[{"Action":["instance:get",1]}]}`, "document.Statement[0].Action[1]", "must be a string, got a number"},
		{"ResourceNull", `{"Statement":[{"Resource":null}]}`, "document.Statement[0].Resource", "must be a list, got null"},
		{"ResourceBool", `{"Statement":[{"Resource":[true]}]}`, "document.Statement[0].Resource[0]", "got a boolean"},
		{"ConditionList", `{"Statement":[{"Condition":[]}]}`, "document.Statement[0].Condition", "must be an object"},
		{"OperatorString", `{"Statement":[{"Condition":{"Bool":"x"}}]}`, "document.Statement[0].Condition.Bool", "must be an object"},
		{"ValueNumber", `{"Statement":[{"Condition":{"Bool":{"instance:ssl":1}}}]}`, "document.Statement[0].Condition.Bool.instance:ssl", "a string or a list of strings"},
		{"ValueInList", `{"Statement":[{"Condition":{"Bool":{"instance:ssl":["true",{}]}}}]}`, "document.Statement[0].Condition.Bool.instance:ssl[1]", "must be a string, got an object"},
		{"DuplicateKey", `{"Statement":[{"Condition":{"Bool":{"instance:ssl":"true","instance:ssl":"false"}}}]}`, "document.Statement[0].Condition.Bool.instance:ssl", "given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := iam.Parse([]byte(tc.doc))
			wantInvalid(t, err, tc.field, tc.msg)
		})
	}
}

func TestValidate(t *testing.T) {
	for _, doc := range []string{
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":["*"]}]}`,
		`{"Version":"1","Statement":[{"Effect":"Deny","Action":["topic:*","*:delete","instance:re*","iam:create*"],"Resource":["*","instance:prod-*","instance:Orders_1"]}]}`,
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":["instance:get"],"Condition":{
			"Bool":{"instance:ssl":"true","instance:publicAccess":["true","false"]},
			"StringEquals":{"instance:project":"team-a"},
			"StringNotEquals":{"instance:tag/env":"prod"},
			"StringLike":{"instance:tag/Owner Team":"pay*"},
			"StringNotLike":{"instance:project":["test-*","tmp-*"]}}}]}`,
	} {
		parsed, err := iam.Parse([]byte(doc))
		if err != nil {
			t.Fatalf("Parse(%s): %v", doc, err)
		}
		if err := iam.Validate(parsed); err != nil {
			t.Errorf("Validate(%s): %v", doc, err)
		}
	}

	many := `{"Version":"1","Statement":[` + strings.Repeat(`{"Effect":"Allow","Action":["*"]},`, iam.MaxStatements) + `{"Effect":"Allow","Action":["*"]}]}`
	manyActions := `{"Version":"1","Statement":[{"Effect":"Allow","Action":[` + strings.Repeat(`"*",`, iam.MaxEntries) + `"*"]}]}`
	// st wraps one statement's fields in a valid document.
	st := func(fields string) string { return `{"Version":"1","Statement":[` + fields + `]}` }
	for _, tc := range []struct {
		name, doc, field, msg string
	}{
		// DMS's examples say "1.1"; Streamplane has one version.
		{"VersionDMS", `{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["*"]}]}`, "document.Version", `Version must be "1", got "1.1"`},
		{"VersionMissing", `{"Statement":[{"Effect":"Allow","Action":["*"]}]}`, "document.Version", "Version must be"},
		{"NoStatements", `{"Version":"1","Statement":[]}`, "document.Statement", "at least one statement"},
		{"StatementMissing", `{"Version":"1"}`, "document.Statement", "at least one statement"},
		{"TooManyStatements", many, "document.Statement", "at most 50 statements, got 51"},
		{"EffectCase", st(`{"Effect":"allow","Action":["*"]}`), "document.Statement[0].Effect", `got "allow"`},
		{"EffectMissing", st(`{"Action":["*"]}`), "document.Statement[0].Effect", "Effect must be"},
		{"ActionEmpty", st(`{"Effect":"Allow","Action":[]}`), "document.Statement[0].Action", "at least one action"},
		{"ActionMissing", st(`{"Effect":"Allow"}`), "document.Statement[0].Action", "at least one action"},
		{"TooManyActions", manyActions, "document.Statement[0].Action", "at most 100 actions"},
		{"ActionTypo", st(`{"Effect":"Deny","Action":["instance:delet"]}`), "document.Statement[0].Action[0]", `unknown action "instance:delet"; the instance actions are instance:create`},
		{"ActionCase", st(`{"Effect":"Deny","Action":["instance:Delete"]}`), "document.Statement[0].Action[0]", "did you mean instance:delete?"},
		{"ServiceTypo", st(`{"Effect":"Deny","Action":["instnce:*"]}`), "document.Statement[0].Action[0]", `unknown service "instnce"`},
		{"DMSName", st(`{"Effect":"Deny","Action":["dms:instance:delete"]}`), "document.Statement[0].Action[0]", `unknown service "dms"`},
		{"PatternMatchesNothing", st(`{"Effect":"Deny","Action":["instance:dle*"]}`), "document.Statement[0].Action[0]", "matches no action"},
		{"StarServiceMatchesNothing", st(`{"Effect":"Deny","Action":["*:frobnicate"]}`), "document.Statement[0].Action[0]", "matches no action"},
		{"NoVerb", st(`{"Effect":"Allow","Action":["instance:"]}`), "document.Statement[0].Action[0]", "must be"},
		{"NoColon", st(`{"Effect":"Allow","Action":["instance"]}`), "document.Statement[0].Action[0]", "must be"},
		{"BadChars", st(`{"Effect":"Allow","Action":["instance:get?"]}`), "document.Statement[0].Action[0]", "must be"},
		{"LaterAction", st(`{"Effect":"Allow","Action":["*"]},{"Effect":"Deny","Action":["topic:get","topic:grt"]}`), "document.Statement[1].Action[1]", "unknown action"},
		{"ResourceEmpty", st(`{"Effect":"Allow","Action":["*"],"Resource":[]}`), "document.Statement[0].Resource", "leave it out"},
		{"ResourceProject", st(`{"Effect":"Allow","Action":["*"],"Resource":["project:team-a"]}`), "document.Statement[0].Resource[0]", "instances are the only resources"},
		{"ResourceDMS", st(`{"Effect":"Allow","Action":["*"],"Resource":["DMS:*:*:kafka:*"]}`), "document.Statement[0].Resource[0]", "must be"},
		{"ResourceNoName", st(`{"Effect":"Allow","Action":["*"],"Resource":["instance:"]}`), "document.Statement[0].Resource[0]", "must be"},
		{"ResourceBadName", st(`{"Effect":"Allow","Action":["*"],"Resource":["*","instance:prod/x"]}`), "document.Statement[0].Resource[1]", "only letters, digits"},
		{"ResourceTooLong", st(`{"Effect":"Allow","Action":["*"],"Resource":["instance:` + strings.Repeat("a", iam.MaxPatternLen) + `"]}`), "document.Statement[0].Resource[0]", "at most 256 bytes"},
		{"ConditionEmpty", st(`{"Effect":"Allow","Action":["*"],"Condition":{}}`), "document.Statement[0].Condition", "must not be empty"},
		{"UnknownOperator", st(`{"Effect":"Allow","Action":["*"],"Condition":{"NumericEquals":{"instance:project":"1"}}}`), "document.Statement[0].Condition.NumericEquals", "unknown condition operator"},
		{"DMSOperator", st(`{"Effect":"Allow","Action":["*"],"Condition":{"BoolIfExists":{"instance:ssl":"true"}}}`), "document.Statement[0].Condition.BoolIfExists", "unknown condition operator"},
		{"OperatorEmpty", st(`{"Effect":"Allow","Action":["*"],"Condition":{"Bool":{}}}`), "document.Statement[0].Condition.Bool", "at least one condition key"},
		{"BoolOnString", st(`{"Effect":"Allow","Action":["*"],"Condition":{"Bool":{"instance:project":"true"}}}`), "document.Statement[0].Condition.Bool.instance:project", "goes with StringEquals"},
		{"StringOnBool", st(`{"Effect":"Allow","Action":["*"],"Condition":{"StringEquals":{"instance:ssl":"true"}}}`), "document.Statement[0].Condition.StringEquals.instance:ssl", "goes with the Bool operator"},
		{"BoolValue", st(`{"Effect":"Allow","Action":["*"],"Condition":{"Bool":{"instance:ssl":["true","yes"]}}}`), "document.Statement[0].Condition.Bool.instance:ssl[1]", `"true" or "false", got "yes"`},
		{"NoValues", st(`{"Effect":"Allow","Action":["*"],"Condition":{"Bool":{"instance:ssl":[]}}}`), "document.Statement[0].Condition.Bool.instance:ssl", "at least one value"},
		{"EmptyValue", st(`{"Effect":"Allow","Action":["*"],"Condition":{"StringEquals":{"instance:project":""}}}`), "document.Statement[0].Condition.StringEquals.instance:project[0]", "must not be empty"},
		{"DMSKey", st(`{"Effect":"Allow","Action":["*"],"Condition":{"Bool":{"dms:ssl":"true"}}}`), "document.Statement[0].Condition.Bool.dms:ssl", "unknown condition key"},
		{"TagKeyEmpty", st(`{"Effect":"Allow","Action":["*"],"Condition":{"StringEquals":{"instance:tag/":"x"}}}`), "document.Statement[0].Condition.StringEquals.instance:tag/", "tag key must not be empty"},
		{"TagKeyForbidden", st(`{"Effect":"Allow","Action":["*"],"Condition":{"StringEquals":{"instance:tag/a=b":"x"}}}`), "document.Statement[0].Condition.StringEquals.instance:tag/a=b", "must not contain"},
		// Operators and keys are checked in sorted order, so the first
		// fault is the same every time.
		{"SortedFaults", st(`{"Effect":"Allow","Action":["*"],"Condition":{"StringLike":{"x":"1"},"Bool":{"y":"true","instance:z":"true"}}}`), "document.Statement[0].Condition.Bool.instance:z", "unknown condition key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := iam.Parse([]byte(tc.doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			wantInvalid(t, iam.Validate(doc), tc.field, tc.msg)
		})
	}
}

func TestValidateBuiltDocument(t *testing.T) {
	// Documents built in Go, not parsed: an empty Resource list is still
	// rejected, a nil one means every resource.
	doc := streamplane.PolicyDocument{Version: "1", Statement: []streamplane.Statement{
		{Effect: streamplane.EffectAllow, Action: []string{iam.TopicList}},
	}}
	if err := iam.Validate(doc); err != nil {
		t.Fatal(err)
	}
	doc.Statement[0].Resource = []string{}
	wantInvalid(t, iam.Validate(doc), "document.Statement[0].Resource", "leave it out")
}
