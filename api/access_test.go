package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/streamplane/streamplane/iam"
)

// The route table, the Access map, the action catalog and the OpenAPI
// document agree: every route has an access rule and every rule a route;
// every action is one policies can name; and the document states each
// operation's action (x-action), whether it needs a token (security) and
// the refusals its scope can answer (401, 403).
func TestAccessMatchesRoutesAndOpenAPI(t *testing.T) {
	routes := map[string]bool{}
	for _, r := range Routes {
		key := r.Method + " " + r.Pattern
		routes[key] = true
		if _, ok := Access[key]; !ok {
			t.Errorf("%s: no entry in Access", key)
		}
	}
	for key, acc := range Access {
		if !routes[key] {
			t.Errorf("%s: in Access but not a route", key)
		}
		needsAction := acc.Scope != public && acc.Scope != signedIn
		switch _, known := iam.Lookup(acc.Action); {
		case acc.Action != "" && !known:
			t.Errorf("%s: action %q is not in the action catalog (iam.Actions)", key, acc.Action)
		case acc.Action == "" && needsAction:
			t.Errorf("%s: its scope is decided by a policy, but it names no action", key)
		case acc.Action != "" && !needsAction:
			t.Errorf("%s: no policy decides it, but it names action %q", key, acc.Action)
		}
	}

	var doc struct {
		Security []map[string][]string `json:"security"`
		Paths    map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Errorf("the document's security is %v, want bearer for every operation", doc.Security)
	}
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op struct {
				Action    *string                `json:"x-action"`
				Security  *[]map[string][]string `json:"security"`
				Responses map[string]struct {
					Ref string `json:"$ref"`
				} `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			key := strings.ToUpper(method) + " " + path
			acc, ok := Access[key]
			if !ok {
				continue // reported above, or by TestOpenAPIMatchesRoutes
			}
			action := ""
			if op.Action != nil {
				action = *op.Action
			}
			if action != acc.Action {
				t.Errorf("%s: the document's x-action is %q, Access says %q", key, action, acc.Action)
			}
			isPublic := op.Security != nil && len(*op.Security) == 0
			if isPublic != (acc.Scope == public) {
				t.Errorf("%s: the document says public=%v (security: []), Access %v", key, isPublic, acc.Scope == public)
			}
			// A token's refusals are the shared answers; login's own 401
			// (a wrong password) is not one.
			has401 := op.Responses["401"].Ref == "#/components/responses/Unauthenticated"
			has403 := op.Responses["403"].Ref == "#/components/responses/PermissionDenied"
			if want := acc.Scope != public; has401 != want {
				t.Errorf("%s: the document answers the shared 401 (Unauthenticated): %v, want %v", key, has401, want)
			}
			if want := acc.Scope != public && acc.Scope != signedIn; has403 != want {
				t.Errorf("%s: the document answers the shared 403 (PermissionDenied): %v, want %v", key, has403, want)
			}
		}
	}
}
