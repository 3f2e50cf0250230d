package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

func newIAMPolicyCommand(o *options) *cobra.Command {
	return subgroup("policy", "Policies: what IAM users may do, built in or written as JSON documents",
		newIAMPolicyCreateCommand(o),
		newIAMPolicyListCommand(o),
		newIAMPolicyShowCommand(o),
		newIAMPolicyUpdateCommand(o),
		newIAMPolicyDeleteCommand(o),
		newIAMPolicySimulateCommand(o),
	)
}

// policyDocumentHelp says what --file holds.
const policyDocumentHelp = `The file ('-' for standard input) holds a policy document:

  {"Version": "1", "Statement": [
    {"Effect": "Deny", "Action": ["instance:delete"], "Resource": ["instance:prod-*"]}]}

Each statement allows or denies actions (service:verb, * wildcards) on
resources (instance:<name>, * wildcards; none means every resource), if its
Condition holds. A Deny wins over every Allow.`

// readPolicyDocument reads and decodes --file. Unknown fields are refused
// here, so a misspelt "Statment" is not silently a policy that says nothing.
func (o *options) readPolicyDocument(file string) (streamplane.PolicyDocument, error) {
	var doc streamplane.PolicyDocument
	var raw []byte
	var err error
	if file == "-" {
		raw, err = io.ReadAll(o.stdin)
	} else {
		raw, err = os.ReadFile(file)
	}
	if err != nil {
		return doc, fmt.Errorf("read --file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return doc, fmt.Errorf("--file %s is not a policy document: %w", file, err)
	}
	if dec.More() {
		return doc, fmt.Errorf("--file %s holds more than one JSON document", file)
	}
	return doc, nil
}

func newIAMPolicyCreateCommand(o *options) *cobra.Command {
	var (
		spec wire.PolicySpec
		file string
	)
	cmd := &cobra.Command{
		Use:   "create NAME --file FILE [--description TEXT]",
		Short: "Create a custom policy from a JSON document",
		Long:  "Create a custom policy. " + policyDocumentHelp,
		Example: `  streamplane iam policy create NoProdDelete --file no-prod-delete.json --description "keep prod instances"
  cat policy.json | streamplane iam policy create TeamOps --file -`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "file"); err != nil {
				return err
			}
			var err error
			if spec.Document, err = o.readPolicyDocument(file); err != nil {
				return err
			}
			spec.Name = args[0]
			p, err := o.client().CreatePolicy(cmd.Context(), spec)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, p)
			}
			fmt.Fprintf(o.stdout, "Created policy %s with %d statement(s); attach it with 'streamplane iam user attach USER --policy %s'.\n",
				p.Name, len(p.Document.Statement), p.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "the policy document, JSON; - for standard input (required)")
	cmd.Flags().StringVar(&spec.Description, "description", "", "what the policy is for")
	return cmd
}

func newIAMPolicyListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list",
		Short: "List policies, built-in first",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := o.client().Policies(cmd.Context())
			if err != nil {
				return err
			}
			rows := make([][]string, 0, len(list.Policies))
			for _, p := range list.Policies {
				kind := "custom"
				if p.Builtin {
					kind = "built-in"
				}
				desc := p.Description
				if o.output == outputTable {
					desc = shorten(desc, 70) // the built-ins' run long; 'show' has them whole
				}
				rows = append(rows, []string{p.Name, kind, strconv.Itoa(len(p.Document.Statement)), desc})
			}
			return o.printList(list, []string{"NAME", "TYPE", "STATEMENTS", "DESCRIPTION"}, rows)
		},
	})
}

func newIAMPolicyShowCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show a policy and its document",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := o.client().Policy(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, p)
			}
			now := o.now()
			kind := "custom"
			if p.Builtin {
				kind = "built-in (cannot be changed)"
			}
			f := newFields(o.stdout)
			f.add("Name", p.Name)
			f.add("Description", p.Description)
			f.add("Type", kind)
			f.add("Version", strconv.FormatInt(p.ResourceVersion, 10))
			f.add("Created", timestamp(now, &p.CreatedAt))
			f.add("Updated", timestamp(now, &p.UpdatedAt))
			if err := f.flush(); err != nil {
				return err
			}
			fmt.Fprintln(o.stdout, "\nDocument:")
			return printJSON(o.stdout, p.Document)
		},
	}
}

func newIAMPolicyUpdateCommand(o *options) *cobra.Command {
	var (
		file, description string
		ifMatch           int64
	)
	cmd := &cobra.Command{
		Use:   "update NAME --file FILE [--description TEXT] [--if-match VERSION]",
		Short: "Replace a custom policy's document",
		Long: `Replace a custom policy's document; it applies to every user it is attached
to at once. Without --description the description stays. Built-in policies
cannot be changed.

` + policyDocumentHelp,
		Example: `  streamplane iam policy update NoProdDelete --file no-prod-delete.json
  streamplane iam policy update NoProdDelete --file - --if-match 3 < policy.json`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "file"); err != nil {
				return err
			}
			doc, err := o.readPolicyDocument(file)
			if err != nil {
				return err
			}
			upd := wire.PolicyUpdate{Description: description, Document: doc}
			c := o.client()
			version, guarded := ifMatch, cmd.Flags().Changed("if-match")
			if !cmd.Flags().Changed("description") {
				// The update replaces the description too: keep the current
				// one, and change nothing if the policy moved on meanwhile.
				cur, err := c.Policy(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				upd.Description = cur.Description
				if !guarded {
					version, guarded = cur.ResourceVersion, true
				}
			}
			var p *streamplane.Policy
			if guarded {
				p, err = c.UpdatePolicy(cmd.Context(), args[0], upd, client.IfMatch(version))
			} else {
				p, err = c.UpdatePolicy(cmd.Context(), args[0], upd)
			}
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, p)
			}
			fmt.Fprintf(o.stdout, "Updated policy %s: %d statement(s), version %d.\n", p.Name, len(p.Document.Statement), p.ResourceVersion)
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "the new policy document, JSON; - for standard input (required)")
	cmd.Flags().StringVar(&description, "description", "", "new description (default: keep it)")
	cmd.Flags().Int64Var(&ifMatch, "if-match", 0, "change only if the policy's version is still this (see 'iam policy show')")
	return cmd
}

func newIAMPolicyDeleteCommand(o *options) *cobra.Command {
	var confirmed bool
	cmd := &cobra.Command{
		Use:   "delete NAME --yes",
		Short: "Delete a custom policy",
		Long: `Delete a custom policy. Users it was attached to lose what it allowed, and
also what it denied: deleting a Deny policy can widen their access.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !confirmed {
				return fmt.Errorf("not deleting policy %s: users it is attached to lose its allows and its denies; add --yes to confirm", args[0])
			}
			if err := o.client().DeletePolicy(cmd.Context(), args[0]); err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, map[string]string{"deleted": args[0]})
			}
			fmt.Fprintf(o.stdout, "Deleted policy %s.\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&confirmed, "yes", false, "confirm the deletion")
	return cmd
}

func newIAMPolicySimulateCommand(o *options) *cobra.Command {
	var req client.SimulateRequest
	cmd := &cobra.Command{
		Use:   "simulate --user NAME --action ACTION [--resource RESOURCE] [--project PROJECT]",
		Short: "Ask whether a user may do an action, and why",
		Long: `Evaluate an IAM user's policies for an action on a resource, without doing
it: ALLOW or DENY, then the statement that decided and why. Nothing matching
is a DENY too. The project defaults to the instance's, or the user's home
project when the resource is not an existing instance. The exit status is 0
whatever the decision; it is 1 only when the question could not be asked.`,
		Example: `  streamplane iam policy simulate --user alice --action instance:delete --resource instance:prod-orders
  streamplane iam policy simulate --user bob --action instance:create --project team-a`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "user", "action"); err != nil {
				return err
			}
			d, err := o.client().Simulate(cmd.Context(), req)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, d)
			}
			verdict := "DENY"
			if d.Allowed {
				verdict = "ALLOW"
			}
			fmt.Fprintln(o.stdout, verdict)
			f := newFields(o.stdout)
			effect := d.Effect
			if effect == "" {
				effect = "none (no statement matches)"
			}
			f.add("Effect", effect)
			if d.Policy != "" && d.Statement >= 0 {
				// The index as in the document's "Statement" list, from 0.
				f.add("Decided by", fmt.Sprintf("policy %s, Statement[%d]", d.Policy, d.Statement))
			} else {
				f.add("Decided by", d.Policy)
			}
			f.add("Reason", d.Reason)
			return f.flush()
		},
	}
	cmd.Flags().StringVar(&req.User, "user", "", "the IAM user (required)")
	cmd.Flags().StringVar(&req.Action, "action", "", "the action, such as instance:delete (required)")
	cmd.Flags().StringVar(&req.Resource, "resource", "", "the resource, such as instance:prod-orders")
	cmd.Flags().StringVar(&req.Project, "project", "", "the project (default: the instance's, else the user's home project)")
	return cmd
}
