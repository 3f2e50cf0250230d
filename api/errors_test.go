package api

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// Every code the API can answer with is one the OpenAPI document's error
// envelope lists, and the document lists no code the API never answers:
// clients generated from it match on these.
func TestErrorEnvelopeListsEveryCode(t *testing.T) {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas struct {
				ErrorEnvelope struct {
					Properties struct {
						Error struct {
							Properties struct {
								Code struct {
									Enum []string `json:"enum"`
								} `json:"code"`
							} `json:"properties"`
						} `json:"error"`
					} `json:"properties"`
				} `json:"ErrorEnvelope"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	listed := doc.Components.Schemas.ErrorEnvelope.Properties.Error.Properties.Code.Enum
	var answered []string
	for code := range statusOf {
		answered = append(answered, code)
	}
	slices.Sort(listed)
	slices.Sort(answered)
	if !slices.Equal(listed, answered) {
		t.Errorf("the error envelope lists codes %v; the API answers with %v", listed, answered)
	}
}
