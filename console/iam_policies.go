package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

type iamPoliciesPage struct {
	Policies []*streamplane.Policy
}

func (s *Server) handleIAMPolicies(c *call) error {
	list, err := c.api.Policies(c.r.Context())
	if err != nil {
		return err
	}
	return s.iamPage(c, http.StatusOK, "iam-policies", "Policies", "policies", iamPoliciesPage{Policies: list.Policies})
}

// iamPolicyPage is one policy, or with Policy nil the form of a new one.
type iamPolicyPage struct {
	Policy   *streamplane.Policy
	Document string // the document as indented JSON, for reading and editing
}

// newPolicyDocument is what the new-policy form starts with: a statement
// to edit rather than an empty box.
const newPolicyDocument = `{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["instance:list", "instance:get"],
      "Resource": ["instance:*"]
    }
  ]
}`

func (s *Server) handleIAMPolicyNew(c *call) error {
	v, err := s.iamViewOf(c, "New policy", "policies", iamPolicyPage{Document: newPolicyDocument})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "iam-policy", v)
}

func (s *Server) iamPolicyData(c *call) (iamPolicyPage, error) {
	p, err := c.api.Policy(c.r.Context(), c.r.PathValue("policy"))
	if err != nil {
		return iamPolicyPage{}, err
	}
	doc, _ := json.MarshalIndent(p.Document, "", "  ")
	return iamPolicyPage{Policy: p, Document: string(doc)}, nil
}

func (s *Server) handleIAMPolicy(c *call) error {
	data, err := s.iamPolicyData(c)
	if err != nil {
		return err
	}
	return s.iamPage(c, http.StatusOK, "iam-policy", "Policy "+data.Policy.Name, "policies", data)
}

// policyDocument reads the document the form's textarea holds. Fields
// the policy language does not have are refused here, as the API refuses
// them, rather than dropped without a word.
func policyDocument(text string) (streamplane.PolicyDocument, error) {
	var doc streamplane.PolicyDocument
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return doc, refusal("document", "the document is not a policy in JSON: %v", err)
	}
	if dec.More() {
		return doc, refusal("document", "the document has more after its closing brace")
	}
	return doc, nil
}

func (s *Server) handleIAMPolicyCreate(c *call) error {
	spec := wire.PolicySpec{Name: c.r.PostFormValue("name"), Description: c.r.PostFormValue("description")}
	doc, err := policyDocument(c.r.PostFormValue("document"))
	if err == nil {
		spec.Document = doc
		var p *streamplane.Policy
		if p, err = c.api.CreatePolicy(c.r.Context(), spec); err == nil {
			return redirect(c, "/iam/policies/"+url.PathEscape(p.Name))
		}
	}
	return s.iamForm(c, "iam-policy", "New policy", "policies", func() (any, error) {
		return iamPolicyPage{Document: c.r.PostFormValue("document")}, nil
	}, err)
}

func (s *Server) handleIAMPolicyUpdate(c *call) error {
	name := c.r.PathValue("policy")
	upd := wire.PolicyUpdate{Description: c.r.PostFormValue("description")}
	doc, err := policyDocument(c.r.PostFormValue("document"))
	if err == nil {
		upd.Document = doc
		version, verr := strconv.ParseInt(c.r.PostFormValue("resource_version"), 10, 64)
		if verr == nil && version > 0 {
			_, err = c.api.UpdatePolicy(c.r.Context(), name, upd, client.IfMatch(version))
		} else {
			_, err = c.api.UpdatePolicy(c.r.Context(), name, upd)
		}
		if err == nil {
			return redirect(c, "/iam/policies/"+url.PathEscape(name))
		}
	}
	return s.iamForm(c, "iam-policy", "Policy "+name, "policies", func() (any, error) {
		data, err := s.iamPolicyData(c)
		data.Document = c.r.PostFormValue("document")
		return data, err
	}, err)
}

func (s *Server) handleIAMPolicyDelete(c *call) error {
	if err := c.api.DeletePolicy(c.r.Context(), c.r.PathValue("policy")); err != nil {
		return err
	}
	return redirect(c, "/iam/policies")
}
