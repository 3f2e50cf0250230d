package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
)

func newIAMTokenCommand(o *options) *cobra.Command {
	return subgroup("token", "API tokens of IAM users: create, list, revoke",
		newIAMTokenCreateCommand(o),
		newIAMTokenListCommand(o),
		newIAMTokenRevokeCommand(o),
	)
}

func newIAMTokenCreateCommand(o *options) *cobra.Command {
	var spec streamplane.TokenSpec
	cmd := &cobra.Command{
		Use:   "create --user NAME [--expires DURATION] [--description TEXT]",
		Short: "Create an API token for an IAM user; its secret shows once",
		Long: `Create an API token: a program presenting it acts as the user, with the
user's policies. The secret goes to standard output alone, so that it can be
captured; Streamplane keeps only its hash and never shows it again. The
token's id and expiry go to standard error. --expires is a duration such as
720h (default: the server's).`,
		Example: `  streamplane iam token create --user ci-bot --expires 720h --description "release pipeline" > ci.token
  streamplane iam token create --user alice -o json`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "user"); err != nil {
				return err
			}
			if spec.Expires != "" {
				if d, err := time.ParseDuration(spec.Expires); err != nil || d <= 0 {
					return fmt.Errorf("invalid --expires %q: use a duration such as 24h or 720h", spec.Expires)
				}
			}
			ts, err := o.client().CreateToken(cmd.Context(), spec)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, ts)
			}
			expires := "never expires"
			if ts.ExpiresAt != nil {
				expires = "expires " + ts.ExpiresAt.Format(time.RFC3339)
			}
			fmt.Fprintf(o.stderr, "Created token %s for %s; it %s. Its secret, shown this once:\n", ts.ID, ts.Account, expires)
			fmt.Fprintln(o.stdout, ts.Secret)
			return nil
		},
	}
	cmd.Flags().StringVar(&spec.User, "user", "", "the IAM user the token acts as (required)")
	cmd.Flags().StringVar(&spec.Expires, "expires", "", "lifetime, such as 720h (default: the server's)")
	cmd.Flags().StringVar(&spec.Description, "description", "", "what the token is for")
	return cmd
}

func newIAMTokenListCommand(o *options) *cobra.Command {
	var user string
	cmd := listCommand(&cobra.Command{
		Use:   "list [--user NAME]",
		Short: "List API tokens, without their secrets",
		Long: `List API tokens: every one the caller may see, or one user's. Tokens issued
by 'streamplane login' show as login sessions. STATE is active, expired or
revoked.`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := o.client().Tokens(cmd.Context(), user)
			if err != nil {
				return err
			}
			now := o.now()
			var rows [][]string
			for _, t := range list.Tokens {
				if o.output == outputCSV {
					rows = append(rows, []string{t.ID, t.Account, t.Description, fmt.Sprint(t.Login), rfc3339(&t.CreatedAt),
						rfc3339(t.ExpiresAt), rfc3339(t.LastUsedAt), rfc3339(t.RevokedAt)})
					continue
				}
				desc := t.Description
				if desc == "" && t.Login {
					desc = "(login session)"
				}
				lastUsed := "never"
				if t.LastUsedAt != nil {
					lastUsed = age(now, *t.LastUsedAt) + " ago"
				}
				rows = append(rows, []string{t.ID, t.Account, shorten(desc, 40), age(now, t.CreatedAt) + " ago",
					expiry(now, t.ExpiresAt), lastUsed, tokenState(now, t)})
			}
			if o.output == outputCSV {
				return writeCSV(o.stdout, []string{"id", "user", "description", "login", "created_at", "expires_at", "last_used_at", "revoked_at"}, rows)
			}
			if err := o.printList(list, []string{"ID", "USER", "DESCRIPTION", "CREATED", "EXPIRES", "LAST-USED", "STATE"}, rows); err != nil {
				return err
			}
			if len(list.Tokens) == 0 && o.output == outputTable {
				fmt.Fprintln(o.stderr, "No tokens.")
			}
			return nil
		},
	})
	cmd.Flags().StringVar(&user, "user", "", "only this IAM user's tokens")
	return cmd
}

// expiry renders when a token expires, relative to now.
func expiry(now time.Time, at *time.Time) string {
	switch {
	case at == nil:
		return "never"
	case !now.Before(*at):
		return age(now, *at) + " ago"
	}
	return "in " + age(*at, now)
}

func tokenState(now time.Time, t *streamplane.Token) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case !t.Usable(now):
		return "expired"
	}
	return "active"
}

func newIAMTokenRevokeCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token",
		Long: `Revoke an API token by id (see 'streamplane iam token list'): requests
presenting it fail from now on.`,
		Args: exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.client().RevokeToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, map[string]string{"revoked": args[0]})
			}
			fmt.Fprintf(o.stdout, "Revoked token %s.\n", args[0])
			return nil
		},
	}
}
