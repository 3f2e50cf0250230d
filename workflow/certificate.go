package workflow

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/pki"
	"github.com/streamplane/streamplane/task"
)

// The brokers' certificate is replaced live: the new keystore files are
// written, then each broker is told (by a per-broker dynamic config) to
// reload them. Connections stay up; new ones get the new certificate.

func (env *Env) certificateWorkflow() task.Workflow {
	return task.Workflow{
		Kind: streamplane.TaskReplaceCertificate,
		Steps: []task.Step{
			{Name: "Write the new certificate", Run: env.writeCertificate},
			{Name: "Reload it on every broker", Run: env.reloadCertificate},
		},
		Finish: func(tx streamplane.Tx, r *task.Run, runErr error) error {
			inst, err := tx.Instance(r.Task.InstanceID)
			if err != nil {
				return err
			}
			if runErr != nil {
				inst.Status, inst.StatusReason = streamplane.InstanceChangeFailed, "replacing the certificate failed: "+runErr.Error()
			} else {
				inst.Status, inst.StatusReason = streamplane.InstanceRunning, ""
				r.Task.Result = "every broker presents the new certificate"
			}
			return tx.UpdateInstance(inst)
		},
	}
}

func (env *Env) writeCertificate(ctx context.Context, r *task.Run) error {
	inst, err := instance(ctx, r)
	if err != nil {
		return err
	}
	return env.WriteBrokerFiles(ctx, inst)
}

// reloadCertificate makes each broker reload its keystore (setting the
// keystore location again reloads the file: KAFKA-14136) and checks, over
// TLS, that every client address now presents the certificate written. A
// broker still presenting the old one reloads again: in a pod, the new
// file appears when the kubelet refreshes the Secret's volume, which may
// be after the first reload.
func (env *Env) reloadCertificate(ctx context.Context, r *task.Run) error {
	inst, cl, err := env.connect(ctx, r)
	if err != nil {
		return err
	}
	material, err := env.Certs.BrokerMaterial(ctx, inst, env.Provisioner.ClientHosts(inst))
	if err != nil {
		return err
	}
	for _, b := range inst.Brokers {
		if err := cl.ReloadKeystores(ctx, int32(b.ID)); err != nil {
			return err
		}
		reloaded := time.Now()
		want, err := pki.ParseCertificates(material.Keystores[b.ID])
		if err != nil {
			return err
		}
		for listener, addr := range b.Endpoints {
			err := wait(ctx, env.poll(), 2*time.Minute, func() (bool, string) {
				got, err := servedCertificate(ctx, streamplane.DialFunc(env.Provisioner), addr)
				if err != nil {
					return false, fmt.Sprintf("%s of broker %d: %v", listener, b.ID, err)
				}
				if bytes.Equal(got, want[0].Raw) {
					return true, ""
				}
				if time.Since(reloaded) >= 2*time.Second {
					reloaded = time.Now()
					if err := cl.ReloadKeystores(ctx, int32(b.ID)); err != nil {
						return false, fmt.Sprintf("reload the keystore of broker %d: %v", b.ID, err)
					}
				}
				return false, fmt.Sprintf("%s of broker %d still presents the old certificate", listener, b.ID)
			})
			if err != nil {
				return err
			}
		}
		r.Progress(ctx, "broker %d presents the new certificate", b.ID)
	}
	return nil
}

// servedCertificate returns the leaf certificate a TLS listener presents.
// It only looks: it does not authenticate, so it skips verification.
func servedCertificate(ctx context.Context, dial func(ctx context.Context, network, address string) (net.Conn, error), addr string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	conn := tls.Client(raw, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // inspection only
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	defer conn.Close()
	certs := conn.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return nil, fmt.Errorf("no certificate presented")
	}
	return certs[0].Raw, nil
}
