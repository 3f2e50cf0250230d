package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/wire"
)

// Security commands of `streamplane instance`. The certificate commands
// take -o as the file to write, as a download naturally does; it shadows
// the group's -o (output format) for them.

func newInstanceCertCommand(o *options) *cobra.Command {
	var format, password, file string
	cmd := &cobra.Command{
		Use:   "cert INSTANCE [-o FILE]",
		Short: "Download the CA certificate clients must trust (PEM, PKCS#12 or JKS truststore)",
		Long: `Download what clients must trust to reach a SASL_SSL instance: the instance's
CA certificate, or the CA of a certificate you installed with 'instance cert
replace'. PKCS#12 and JKS truststores are protected by --password (default
changeit: a truststore holds only public certificates).`,
		Example: `  streamplane instance cert sec --format pem -o ca.pem
  streamplane instance cert sec --format jks --password s3cret -o client.truststore.jks`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := o.client().CertificateBundle(cmd.Context(), args[0], format, password)
			if err != nil {
				return err
			}
			return o.writeDownload(file, data)
		},
	}
	cmd.Flags().StringVar(&format, "format", "pem", "pem, pkcs12 or jks")
	cmd.Flags().StringVar(&password, "password", "", "password of a PKCS#12 or JKS truststore (default changeit)")
	cmd.Flags().StringVarP(&file, "output", "o", "", "file to write (default: standard output)")
	cmd.AddCommand(newInstanceCertReplaceCommand(o))
	return cmd
}

func newInstanceCertReplaceCommand(o *options) *cobra.Command {
	var certFile, keyFile, caFile string
	var noWait bool
	cmd := &cobra.Command{
		Use:   "replace INSTANCE --cert CERT.pem --key KEY.pem [--ca CA.pem]",
		Short: "Install your own broker certificate, live",
		Long: `Replace the certificate the brokers present with your own. The certificate
must name every address clients use (see 'instance show'); give the chain
leaf first, and --ca if it does not end in the root clients trust. Brokers
reload it without a restart: open connections stay, new ones get the new
certificate, so clients must trust its CA first.`,
		Args: exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "cert", "key"); err != nil {
				return err
			}
			up := streamplane.CertificateUpload{}
			for _, f := range []struct {
				path string
				dst  *string
			}{{certFile, &up.Certificate}, {keyFile, &up.Key}, {caFile, &up.CA}} {
				if f.path == "" {
					continue
				}
				raw, err := os.ReadFile(f.path)
				if err != nil {
					return err
				}
				*f.dst = string(raw)
			}
			c := o.client()
			t, err := c.ReplaceCertificate(cmd.Context(), args[0], up)
			if err != nil {
				return err
			}
			return o.finishTask(cmd, c, t, noWait, "Every broker now presents the new certificate.")
		},
	}
	cmd.Flags().StringVar(&certFile, "cert", "", "PEM certificate chain, leaf first (required)")
	cmd.Flags().StringVar(&keyFile, "key", "", "PEM private key, unencrypted (required)")
	cmd.Flags().StringVar(&caFile, "ca", "", "PEM CA certificate clients trust, if the chain does not end in it")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the task has started")
	return cmd
}

func newInstanceClientCertCommand(o *options) *cobra.Command {
	var cn, format, password, file string
	cmd := &cobra.Command{
		Use:   "client-cert INSTANCE --cn NAME -o FILE",
		Short: "Issue a client certificate for mutual TLS",
		Long: `Issue a client certificate signed by the instance's clients CA, with its
private key, as a PKCS#12 (default) or JKS keystore protected by --password,
or as PEM. The key is made for this download and kept nowhere else.`,
		Example: `  streamplane instance client-cert sec --cn alice --password s3cret -o alice.p12`,
		Args:    exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "cn"); err != nil {
				return err
			}
			if password == "" && format != "pem" {
				password = o.env("STREAMPLANE_KEYSTORE_PASSWORD")
			}
			data, err := o.client().IssueClientCertificate(cmd.Context(), args[0], cn, format, password)
			if err != nil {
				return err
			}
			return o.writeDownload(file, data)
		},
	}
	cmd.Flags().StringVar(&cn, "cn", "", "the certificate's common name (required)")
	cmd.Flags().StringVar(&format, "format", "pkcs12", "pkcs12, jks or pem")
	cmd.Flags().StringVar(&password, "password", "", "keystore password, at least 6 characters (env STREAMPLANE_KEYSTORE_PASSWORD)")
	cmd.Flags().StringVarP(&file, "output", "o", "", "file to write (default: standard output)")
	return cmd
}

func newInstanceMTLSCommand(o *options) *cobra.Command {
	return newToggleCommand(o, "mtls", "Require client certificates (mutual TLS), or stop requiring them",
		"Clients then need a certificate from 'instance client-cert' as well as their SASL user.",
		func(c *client.Client, cmd *cobra.Command, instance string, on bool) (*streamplane.Task, error) {
			return c.SetMutualTLS(cmd.Context(), instance, on)
		})
}

func newInstancePublicAccessCommand(o *options) *cobra.Command {
	return newToggleCommand(o, "public-access", "Turn the public listener on or off",
		"The private listener keeps serving throughout; 'instance show' lists the public addresses.",
		func(c *client.Client, cmd *cobra.Command, instance string, on bool) (*streamplane.Task, error) {
			return c.SetPublicAccess(cmd.Context(), instance, on)
		})
}

// newToggleCommand builds `instance <name> INSTANCE --enable|--disable`,
// which starts a rolling restart and waits for it.
func newToggleCommand(o *options, name, short, note string, set func(*client.Client, *cobra.Command, string, bool) (*streamplane.Task, error)) *cobra.Command {
	var enable, disable, noWait bool
	cmd := &cobra.Command{
		Use:   name + " INSTANCE --enable|--disable",
		Short: short,
		Long:  short + " through a safe rolling restart of the brokers. " + note,
		Args:  exactArgs("INSTANCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if enable == disable {
				return fmt.Errorf("give exactly one of --enable and --disable")
			}
			c := o.client()
			t, err := set(c, cmd, args[0], enable)
			if err != nil {
				return err
			}
			return o.finishTask(cmd, c, t, noWait, fmt.Sprintf("%s is %s on every broker.", name, onOff(enable)))
		},
	}
	cmd.Flags().BoolVar(&enable, "enable", false, "turn it on")
	cmd.Flags().BoolVar(&disable, "disable", false, "turn it off")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return once the task has started")
	return cmd
}

// writeDownload writes a downloaded file, or prints it when no file is named.
func (o *options) writeDownload(file string, data []byte) error {
	if file == "" || file == "-" {
		_, err := o.stdout.Write(data)
		return err
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(o.stderr, "Wrote %s (%d bytes).\n", file, len(data))
	return nil
}

// finishTask waits for a task unless told not to, then prints done.
func (o *options) finishTask(cmd *cobra.Command, c *client.Client, t *streamplane.Task, noWait bool, done string) error {
	if noWait {
		if o.json() {
			return printJSON(o.stdout, wire.TaskAccepted{Task: t})
		}
		fmt.Fprintf(o.stdout, "Started task %s (follow with 'streamplane task show %s').\n", t.ID, t.ID)
		return nil
	}
	d, err := o.waitTask(cmd.Context(), c, t)
	if err != nil {
		return err
	}
	if o.json() {
		return printJSON(o.stdout, d)
	}
	fmt.Fprintln(o.stdout, done)
	return nil
}
