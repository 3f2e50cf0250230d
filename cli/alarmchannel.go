package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/notify"
)

func newAlarmChannelCommand(o *options) *cobra.Command {
	return subgroup("channel", "Where alarm notifications go: webhooks and e-mail",
		newAlarmChannelCreateCommand(o),
		newAlarmChannelListCommand(o),
		newAlarmChannelShowCommand(o),
		newAlarmChannelDeleteCommand(o),
		newAlarmChannelDeliveriesCommand(o),
	)
}

// secretLen is how long a webhook's signing secret may be.
var secretLen = fmt.Sprintf("%d to %d bytes", notify.MinSecretLen, notify.MaxSecretLen)

func newAlarmChannelCreateCommand(o *options) *cobra.Command {
	var (
		webhook     string
		email       bool
		to          []string
		secretStdin bool
	)
	cmd := &cobra.Command{
		Use:   "create NAME --webhook URL [--secret-stdin] | --email --to ADDRESS...",
		Short: "Add a webhook or e-mail channel for alarm notifications",
		Long: `Add a channel alarm rules can notify ('alarm rule create --channel NAME').
Channels are the server's, shared by every instance's rules.

A webhook channel POSTs each alarm's firing and resolution to its URL as
JSON. With --secret-stdin it signs them with an HMAC of the body keyed by
the first line of standard input (` + secretLen + `); the server keeps the
secret sealed and never shows it again. An e-mail channel writes to its
recipients through the server's SMTP relay.`,
		Example: `  printf '%s\n' "$HOOK_SECRET" | streamplane alarm channel create ops --webhook https://hooks.example/x --secret-stdin
  streamplane alarm channel create oncall --email --to ops@example.com --to dba@example.com`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var spec streamplane.AlarmChannelSpec
			spec.Name = args[0]
			switch {
			case webhook != "" && email:
				return fmt.Errorf("a channel is --webhook URL or --email, not both")
			case webhook != "":
				if len(to) > 0 {
					return fmt.Errorf("--to is for --email channels; a webhook channel has only its URL")
				}
				spec.Kind, spec.URL = streamplane.ChannelWebhook, webhook
			case email:
				if secretStdin {
					return fmt.Errorf("--secret-stdin is for --webhook channels: only webhooks sign their notifications")
				}
				if len(to) == 0 {
					return fmt.Errorf("an --email channel needs --to ADDRESS, once or more")
				}
				spec.Kind, spec.To = streamplane.ChannelEmail, to
			default:
				return fmt.Errorf("'%s' needs --webhook URL or --email --to ADDRESS", cmd.CommandPath())
			}
			if secretStdin {
				var err error
				if spec.Secret, err = o.stdinLine("--secret-stdin", "secret"); err != nil {
					return err
				}
			}
			c, err := o.client().CreateAlarmChannel(cmd.Context(), spec)
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, c)
			}
			fmt.Fprintf(o.stdout, "Created %s channel %s (%s).\n", c.Kind, c.Name, channelTarget(c))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&webhook, "webhook", "", "POST notifications to this http(s) URL")
	f.BoolVar(&secretStdin, "secret-stdin", false, "sign webhook requests with the secret on the first line of standard input")
	f.BoolVar(&email, "email", false, "send notifications by e-mail")
	f.StringSliceVar(&to, "to", nil, "with --email: a recipient's address; repeat or separate with commas")
	return cmd
}

// channelTarget is where a channel sends: its URL, signed or not, or its
// recipients.
func channelTarget(c *streamplane.AlarmChannel) string {
	if c.Kind == streamplane.ChannelEmail {
		return "to " + strings.Join(c.To, ", ")
	}
	if c.HasSecret {
		return c.URL + ", signed"
	}
	return c.URL + ", unsigned"
}

func newAlarmChannelListCommand(o *options) *cobra.Command {
	return listCommand(&cobra.Command{
		Use:   "list",
		Short: "List the alarm notification channels",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := o.client().AlarmChannels(cmd.Context())
			if err != nil {
				return err
			}
			var rows [][]string
			for _, c := range list.Channels {
				target, signed := c.URL, yesNo(c.HasSecret)
				if c.Kind == streamplane.ChannelEmail {
					target, signed = strings.Join(c.To, ","), ""
				}
				rows = append(rows, []string{c.Name, c.Kind, target, signed, rfc3339(&c.CreatedAt)})
			}
			if err := o.printList(list, []string{"NAME", "KIND", "TARGET", "SIGNED", "CREATED"}, rows); err != nil {
				return err
			}
			if len(list.Channels) == 0 && o.output == outputTable {
				fmt.Fprintln(o.stderr, "No channels yet; 'alarm channel create' adds one.")
			}
			return nil
		},
	})
}

func newAlarmChannelShowCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show an alarm notification channel",
		Args:  exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client().AlarmChannel(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, c)
			}
			now := o.now()
			f := newFields(o.stdout)
			f.add("Name", c.Name)
			f.add("ID", c.ID)
			f.add("Kind", c.Kind)
			f.add("URL", c.URL)
			f.add("To", strings.Join(c.To, ", "))
			if c.Kind == streamplane.ChannelWebhook {
				f.add("Signed", yesNo(c.HasSecret))
			}
			f.add("Resource version", strconv.FormatInt(c.ResourceVersion, 10))
			f.add("Created", timestamp(now, &c.CreatedAt))
			f.add("Updated", timestamp(now, &c.UpdatedAt))
			return f.flush()
		},
	}
}

func newAlarmChannelDeleteCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an alarm notification channel",
		Long: `Delete a channel and the notifications still waiting to go to it; the log
of those sent stays. The server refuses while a rule notifies the channel.`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.client().DeleteAlarmChannel(cmd.Context(), args[0]); err != nil {
				return err
			}
			if o.json() {
				return printJSON(o.stdout, map[string]string{"deleted": args[0]})
			}
			fmt.Fprintf(o.stdout, "Deleted alarm channel %s.\n", args[0])
			return nil
		},
	}
}

var deliveryStatuses = []streamplane.DeliveryStatus{streamplane.DeliveryPending, streamplane.DeliveryDelivered, streamplane.DeliveryFailed}

func newAlarmChannelDeliveriesCommand(o *options) *cobra.Command {
	var (
		opts   client.DeliveryOptions
		status string
	)
	cmd := listCommand(&cobra.Command{
		Use:   "deliveries NAME [--status pending|delivered|failed] [--alarm ID] [--limit N]",
		Short: "Show the notifications sent to a channel and how each went",
		Long: `Show a channel's delivery log, newest first: each alarm notification, its
attempts, and the last error of one that failed or waits for its next
attempt. -o json includes the body each sent.`,
		Example: `  streamplane alarm channel deliveries ops --status failed`,
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if status != "" {
				opts.Status = streamplane.DeliveryStatus(strings.ToLower(status))
				if !slices.Contains(deliveryStatuses, opts.Status) {
					return fmt.Errorf("invalid --status %q: use pending, delivered or failed", status)
				}
			}
			if cmd.Flags().Changed("limit") && (opts.Limit < 1 || opts.Limit > 1000) {
				return fmt.Errorf("invalid --limit %d: from 1 to 1000", opts.Limit)
			}
			list, err := o.client().AlarmDeliveries(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			var rows [][]string
			for _, d := range list.Deliveries {
				var n streamplane.AlarmNotification
				json.Unmarshal(d.Payload, &n) // a payload it cannot read leaves the event blank
				event := strings.TrimSpace(n.RuleName + " " + n.State)
				next := ""
				if d.Status == streamplane.DeliveryPending {
					next = rfc3339(&d.NextAttemptAt)
				}
				rows = append(rows, []string{rfc3339(&d.CreatedAt), d.AlarmID, event, string(d.Status), strconv.Itoa(d.Attempts), next,
					rfc3339(d.DeliveredAt), shorten(d.LastError, 60)})
			}
			if err := o.printList(list, []string{"CREATED", "ALARM", "EVENT", "STATUS", "ATTEMPTS", "NEXT-ATTEMPT", "DELIVERED", "LAST-ERROR"}, rows); err != nil {
				return err
			}
			if len(list.Deliveries) == 0 && o.output == outputTable {
				fmt.Fprintln(o.stderr, "No deliveries match.")
			}
			return nil
		},
	})
	f := cmd.Flags()
	f.StringVar(&status, "status", "", "only pending, delivered or failed deliveries")
	f.StringVar(&opts.Alarm, "alarm", "", "only the deliveries of this alarm (its id)")
	f.IntVar(&opts.Limit, "limit", 0, "show at most this many (server default 100, at most 1000)")
	return cmd
}

// notifyChannel resolves a --notify webhook:URL to the name of the webhook
// channel with that URL, making an unsigned one when there is none. Its
// name comes from the URL, so the same URL finds the same channel.
func (o *options) notifyChannel(cmd *cobra.Command, spec string) (string, error) {
	u, ok := strings.CutPrefix(spec, streamplane.ChannelWebhook+":")
	if !ok {
		return "", fmt.Errorf("invalid --notify %q: use webhook:URL (for e-mail, 'alarm channel create --email' and then --channel)", spec)
	}
	if err := streamplane.ValidateWebhookURL("notify", u); err != nil {
		return "", fmt.Errorf("invalid --notify %q: %s", spec, streamplane.ErrorMessage(err))
	}
	c := o.client()
	list, err := c.AlarmChannels(cmd.Context())
	if err != nil {
		return "", err
	}
	for _, ch := range list.Channels {
		if ch.Kind == streamplane.ChannelWebhook && ch.URL == u {
			return ch.Name, nil
		}
	}
	sum := sha256.Sum256([]byte(u))
	made, err := c.CreateAlarmChannel(cmd.Context(), streamplane.AlarmChannelSpec{
		Name: "webhook-" + hex.EncodeToString(sum[:4]), Kind: streamplane.ChannelWebhook, URL: u})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(o.stderr, "Created webhook channel %s for --notify (unsigned).\n", made.Name)
	return made.Name, nil
}
