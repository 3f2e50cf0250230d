package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
)

// Topic permissions (DMS 8.9): `topic grant`, `topic revoke`, `topic grants`.

const grantsNote = `A topic with no permission is open to every user. Once it has one, only
the users granted (and, with a default permission, every user) may publish
or subscribe; a user gets the union of its own permission and the default.
Consumer groups need no permission.`

// grantee reads --user and --default: exactly one of them.
func grantee(cmd *cobra.Command, user string, def bool) (streamplane.TopicGrant, error) {
	if (user == "") == !def {
		return streamplane.TopicGrant{}, fmt.Errorf("'%s' needs exactly one of --user NAME and --default", cmd.CommandPath())
	}
	return streamplane.TopicGrant{User: user, Default: def}, nil
}

func newTopicGrantCommand(o *options) *cobra.Command {
	var (
		user, permission string
		def              bool
	)
	cmd := &cobra.Command{
		Use:   "grant INSTANCE TOPIC (--user NAME | --default) --permission PERMISSION",
		Short: "Let a SASL user, or every user, publish to or subscribe to a topic",
		Long: `Give a SASL user (--user) or every user (--default, the topic's default
permission) a permission on a topic: publish, subscribe or
publish-subscribe. It replaces what that user, or the default, had on the
topic. Then show the topic's permissions.

` + grantsNote,
		Example: `  streamplane topic grant orders payments --user alice --permission publish
  streamplane topic grant orders payments --default --permission subscribe`,
		Args: exactArgs("INSTANCE", "TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := grantee(cmd, user, def)
			if err != nil {
				return err
			}
			if err := requireFlags(cmd, "permission"); err != nil {
				return err
			}
			g.Permission = streamplane.Permission(permission)
			out, err := o.client().GrantTopic(cmd.Context(), args[0], args[1], g)
			if err != nil {
				return err
			}
			return o.printGrants(out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&user, "user", "", "the SASL user to grant")
	f.BoolVar(&def, "default", false, "grant every user (the topic's default permission)")
	f.StringVar(&permission, "permission", "", "publish, subscribe or publish-subscribe (required)")
	return cmd
}

func newTopicRevokeCommand(o *options) *cobra.Command {
	var (
		user string
		def  bool
	)
	cmd := &cobra.Command{
		Use:   "revoke INSTANCE TOPIC (--user NAME | --default)",
		Short: "Remove a SASL user's permission, or the default one, from a topic",
		Long: `Remove a SASL user's permission (--user) or the default permission
(--default) from a topic, then show the topic's permissions.

` + grantsNote,
		Example: `  streamplane topic revoke orders payments --user alice`,
		Args:    exactArgs("INSTANCE", "TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := grantee(cmd, user, def)
			if err != nil {
				return err
			}
			out, err := o.client().RevokeTopic(cmd.Context(), args[0], args[1], g)
			if err != nil {
				return err
			}
			return o.printGrants(out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&user, "user", "", "the SASL user whose permission goes")
	f.BoolVar(&def, "default", false, "remove the default permission")
	return cmd
}

func newTopicGrantsCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "grants INSTANCE TOPIC",
		Short: "Show who may publish to and subscribe to a topic",
		Long: `Show a topic's permissions: the default one (every user) and each SASL
user's.

` + grantsNote,
		Args: exactArgs("INSTANCE", "TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := o.client().TopicGrants(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return o.printGrants(out)
		},
	})
}

// printGrants shows a topic's permissions, as DMS does: user and
// permission, the default one first.
func (o *options) printGrants(tg *streamplane.TopicGrants) error {
	if o.json() {
		return printJSON(o.stdout, tg)
	}
	rows := make([][]string, 0, len(tg.Grants))
	for _, g := range tg.Grants {
		user := g.User
		if o.output == outputTable && g.Default {
			user = "(default: every user)"
		}
		rows = append(rows, []string{user, yesNo(g.Default), string(g.Permission)})
	}
	if o.output == outputCSV {
		return o.printList(tg, []string{"USER", "DEFAULT", "PERMISSION"}, rows)
	}
	if tg.Open {
		fmt.Fprintf(o.stdout, "Topic %s has no permissions: every user may publish and subscribe.\n", tg.Topic)
		return nil
	}
	t := newTable(o.stdout, "USER", "PERMISSION")
	for _, r := range rows {
		t.row(r[0], r[2])
	}
	if err := t.flush(); err != nil {
		return err
	}
	if _, ok := tg.Grant("", true); !ok {
		fmt.Fprintf(o.stderr, "Users not listed may neither publish to nor subscribe to %s.\n", tg.Topic)
	}
	return nil
}
