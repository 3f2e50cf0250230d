// Package kubetest runs a real Kubernetes control plane for tests: etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler, built from the
// Go module proxy by scripts/kube-bins.sh (BinDir) and listening on
// 127.0.0.1 only. There is no node: a test that needs pods to run
// registers its own kubelet (NodeKubeconfig), and pods otherwise stay
// Pending.
//
// It speaks to the API server with net/http only, so that the main module
// does not depend on k8s.io for it.
package kubetest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/streamplane/streamplane/poll"
)

// ServiceCIDR is the cluster's range of service IPs. Nothing routes it: a
// Service gets a ClusterIP from it, and that is all.
const ServiceCIDR = "10.0.0.0/24"

// Options configures Start.
type Options struct {
	// BinDir holds kube-apiserver, kube-controller-manager,
	// kube-scheduler and etcd (see BinDir).
	BinDir string
	// Dir holds the cluster's certificates, kubeconfigs, etcd's data and
	// each component's log (NAME.log). Empty: a new temporary directory,
	// removed by Stop.
	Dir string
	// Log, if not nil, gets every component's output, each line prefixed
	// with the component's name.
	Log io.Writer
}

// Cluster is a running control plane.
type Cluster struct {
	dir, url   string
	removeDir  bool
	ca         *ca
	caFile     string
	admin      string // admin kubeconfig
	kubeletCrt string // the API server's client certificate for kubelets
	client     *http.Client

	mu         sync.Mutex
	components []*component // in start order
	stopped    bool
}

// startTimeout bounds each wait of Start; on 2 busy cores the API server's
// first start (its post-start hooks create the bootstrap RBAC roles and
// priority levels) takes about 15 s.
const startTimeout = 2 * time.Minute

// Start starts a control plane and returns once it serves: the API server
// is ready, the controller manager and the scheduler are healthy, and the
// service account controller has made the default namespace's service
// account. On error, whatever it started is stopped.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	for _, name := range binaries {
		if _, err := os.Stat(filepath.Join(opts.BinDir, name)); err != nil {
			return nil, fmt.Errorf("kubetest: no %s in BinDir %q (see kubetest.BinDir): %w", name, opts.BinDir, err)
		}
	}
	if opts.Log != nil {
		// Every component writes to it, each from its own goroutine.
		opts.Log = &lockedWriter{w: opts.Log}
	}
	c := &Cluster{dir: opts.Dir}
	if c.dir == "" {
		dir, err := os.MkdirTemp("", "kubetest-")
		if err != nil {
			return nil, fmt.Errorf("kubetest: %w", err)
		}
		c.dir, c.removeDir = dir, true
	} else if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return nil, fmt.Errorf("kubetest: %w", err)
	}
	if err := c.start(ctx, opts); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// binaries are the programs Start runs, all in Options.BinDir.
var binaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}

func (c *Cluster) start(ctx context.Context, opts Options) error {
	f, err := c.writeFiles()
	if err != nil {
		return err
	}
	etcdURL, err := c.startEtcd(ctx, opts)
	if err != nil {
		return err
	}
	if err := c.startAPIServer(ctx, opts, f, etcdURL); err != nil {
		return err
	}
	for _, name := range []string{"kube-controller-manager", "kube-scheduler"} {
		if err := c.startController(ctx, opts, f, name); err != nil {
			return err
		}
	}
	// Controllers that run make objects: the service account controller
	// the default namespace's service account, its token controller being
	// up with it.
	return c.wait(ctx, "the default service account", func(ctx context.Context) error {
		return c.get(ctx, "/api/v1/namespaces/default/serviceaccounts/default")
	})
}

// files are what the components are started with.
type files struct {
	serverCert, serverKey   string // serving, for 127.0.0.1 and the kubernetes service
	kubeletCert, kubeletKey string
	saKey, saPub            string
	caKey                   string
	kubeconfigs             map[string]string // by component
}

func (c *Cluster) writeFiles() (*files, error) {
	var err error
	if c.ca, err = newCA(); err != nil {
		return nil, fmt.Errorf("kubetest: make the CA: %w", err)
	}
	c.caFile = filepath.Join(c.dir, "ca.crt")
	if err := os.WriteFile(c.caFile, c.ca.pem, 0o644); err != nil {
		return nil, fmt.Errorf("kubetest: %w", err)
	}
	f := &files{kubeconfigs: map[string]string{}}
	f.caKey = filepath.Join(c.dir, "ca.key")
	caKey, err := ecKeyPEM(c.ca.key)
	if err == nil {
		err = os.WriteFile(f.caKey, caKey, 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("kubetest: %w", err)
	}
	// The first address of the service range is the kubernetes service's.
	serving, err := c.ca.issue(pkix.Name{CommonName: "kube-apiserver"},
		"127.0.0.1", "localhost", "10.0.0.1", "kubernetes", "kubernetes.default",
		"kubernetes.default.svc", "kubernetes.default.svc.cluster.local")
	if err == nil {
		f.serverCert, f.serverKey, err = serving.write(c.dir, "serving")
	}
	if err != nil {
		return nil, fmt.Errorf("kubetest: the serving certificate: %w", err)
	}
	kubelet, err := c.ca.issue(pkix.Name{CommonName: "kube-apiserver-kubelet-client", Organization: []string{"system:masters"}})
	if err == nil {
		f.kubeletCert, f.kubeletKey, err = kubelet.write(c.dir, "kubelet-client")
	}
	if err != nil {
		return nil, fmt.Errorf("kubetest: the kubelet client certificate: %w", err)
	}
	c.kubeletCrt = f.kubeletCert
	if f.saKey, f.saPub, err = serviceAccountKey(c.dir); err != nil {
		return nil, fmt.Errorf("kubetest: the service account key: %w", err)
	}

	// The API server's port is known now so that kubeconfigs can name it;
	// should it be taken before the API server binds it, startAPIServer
	// picks another and writes them again.
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	if err := c.writeKubeconfigs(f, port); err != nil {
		return nil, err
	}
	return f, nil
}

// writeKubeconfigs writes every component's kubeconfig and the admin's for
// an API server on port, and makes the admin's HTTP client.
func (c *Cluster) writeKubeconfigs(f *files, port int) error {
	c.url = "https://127.0.0.1:" + strconv.Itoa(port)
	// The admin kubeconfig and Client are one identity.
	admin, err := c.ca.issue(pkix.Name{CommonName: "kubetest-admin", Organization: []string{"system:masters"}})
	if err != nil {
		return fmt.Errorf("kubetest: issue the admin's certificate: %w", err)
	}
	if c.admin, err = c.writeKubeconfigFor("admin", "kubetest-admin", admin); err != nil {
		return err
	}
	if c.client, err = c.httpClient(admin); err != nil {
		return err
	}
	for name, user := range map[string]string{
		"kube-controller-manager": "system:kube-controller-manager",
		"kube-scheduler":          "system:kube-scheduler",
	} {
		if f.kubeconfigs[name], err = c.writeKubeconfig(name, pkix.Name{CommonName: user}); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) httpClient(pair keyPair) (*http.Client, error) {
	cert, err := tls.X509KeyPair(pair.cert, pair.key)
	if err != nil {
		return nil, fmt.Errorf("kubetest: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(c.ca.cert)
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}},
		},
	}, nil
}

func (c *Cluster) startEtcd(ctx context.Context, opts Options) (string, error) {
	for attempt := 1; ; attempt++ {
		client, err1 := freePort()
		peer, err2 := freePort()
		if err := errors.Join(err1, err2); err != nil {
			return "", err
		}
		clientURL := "http://127.0.0.1:" + strconv.Itoa(client)
		peerURL := "http://127.0.0.1:" + strconv.Itoa(peer)
		etcd, err := c.run(opts, "etcd",
			"--name=kubetest",
			"--data-dir="+filepath.Join(c.dir, "etcd"),
			"--listen-client-urls="+clientURL, "--advertise-client-urls="+clientURL,
			"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
			"--initial-cluster=kubetest="+peerURL,
			// A test's cluster is thrown away: no need to survive a crash.
			"--unsafe-no-fsync",
			"--log-level=warn",
		)
		if err != nil {
			return "", err
		}
		err = c.wait(ctx, "etcd to be healthy", func(ctx context.Context) error {
			if err := etcd.running(); err != nil {
				return poll.Stop(err)
			}
			return getOK(ctx, http.DefaultClient, clientURL+"/health")
		})
		if err == nil {
			return clientURL, nil
		}
		if attempt == 3 || !etcd.logHas("address already in use") {
			return "", err
		}
		c.drop(etcd)
	}
}

func (c *Cluster) startAPIServer(ctx context.Context, opts Options, f *files, etcdURL string) error {
	port, _ := strconv.Atoi(c.url[len("https://127.0.0.1:"):])
	for attempt := 1; ; attempt++ {
		apiserver, err := c.run(opts, "kube-apiserver",
			"--etcd-servers="+etcdURL,
			"--bind-address=127.0.0.1",
			"--secure-port="+strconv.Itoa(port),
			"--advertise-address=127.0.0.1",
			// A loopback address is no valid endpoint of the kubernetes
			// service; the reconciler would only log that, every 10 s.
			"--endpoint-reconciler-type=none",
			"--tls-cert-file="+f.serverCert, "--tls-private-key-file="+f.serverKey,
			"--client-ca-file="+c.caFile,
			"--service-cluster-ip-range="+ServiceCIDR,
			"--authorization-mode=Node,RBAC",
			"--allow-privileged=true",
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--service-account-key-file="+f.saPub,
			"--service-account-signing-key-file="+f.saKey,
			// For pods/log, exec and port-forward: the API server dials a
			// node's kubelet at its InternalIP with this certificate, and
			// without --kubelet-certificate-authority accepts any serving
			// certificate the kubelet shows.
			"--kubelet-client-certificate="+f.kubeletCert, "--kubelet-client-key="+f.kubeletKey,
			"--kubelet-preferred-address-types=InternalIP,Hostname",
			"--profiling=false",
		)
		if err != nil {
			return err
		}
		err = c.wait(ctx, "kube-apiserver to be ready", func(ctx context.Context) error {
			if err := apiserver.running(); err != nil {
				return poll.Stop(err)
			}
			return getOK(ctx, c.client, c.url+"/readyz")
		})
		if err == nil {
			return nil
		}
		if attempt == 3 || !apiserver.logHas("address already in use") {
			return err
		}
		c.drop(apiserver)
		if port, err = freePort(); err != nil {
			return err
		}
		if err := c.writeKubeconfigs(f, port); err != nil {
			return err
		}
	}
}

// startController starts kube-controller-manager or kube-scheduler with its
// own identity and waits until its /healthz (served with the API server's
// certificate, which is valid for 127.0.0.1) says ok.
func (c *Cluster) startController(ctx context.Context, opts Options, f *files, name string) error {
	kubeconfig := f.kubeconfigs[name]
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		args := []string{
			"--kubeconfig=" + kubeconfig,
			// It asks the API server who its callers are and what they may;
			// the CA it trusts for callers' certificates is given, not
			// looked up (the API server has no front proxy's CA to give).
			"--authentication-kubeconfig=" + kubeconfig,
			"--authorization-kubeconfig=" + kubeconfig,
			"--authentication-skip-lookup=true",
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(port),
			"--tls-cert-file=" + f.serverCert, "--tls-private-key-file=" + f.serverKey,
			"--client-ca-file=" + c.caFile,
			// One of each: no one to elect among.
			"--leader-elect=false",
			"--profiling=false",
		}
		if name == "kube-controller-manager" {
			args = append(args,
				// Every controller on by default: namespace,
				// garbage collector, persistent volume binder and
				// protection, endpoints, service accounts, …
				"--controllers=*",
				"--use-service-account-credentials=true",
				"--service-account-private-key-file="+f.saKey,
				"--root-ca-file="+c.caFile,
				// Signs certificate signing requests, a kubelet's
				// serving certificate among them.
				"--cluster-signing-cert-file="+c.caFile,
				"--cluster-signing-key-file="+f.caKey,
				"--service-cluster-ip-range="+ServiceCIDR,
				"--cluster-name=kubetest",
				// A claim made right after its volume, before the
				// binder's cache has the volume, binds at the next
				// resync: 2 s rather than 15 s.
				"--pvclaimbinder-sync-period=2s",
				// Volumes for claims of the class kubernetes.io/host-path:
				// real dynamic provisioning (and deletion) by the real
				// controller, of directories under /tmp/hostpath_pv on
				// this one host. Testing only, as its help says.
				"--enable-hostpath-provisioner=true",
			)
		}
		proc, err := c.run(opts, name, args...)
		if err != nil {
			return err
		}
		err = c.wait(ctx, name+" to be healthy", func(ctx context.Context) error {
			if err := proc.running(); err != nil {
				return poll.Stop(err)
			}
			return getOK(ctx, c.client, "https://127.0.0.1:"+strconv.Itoa(port)+"/healthz")
		})
		if err == nil {
			return nil
		}
		if attempt == 3 || !proc.logHas("address already in use") {
			return err
		}
		c.drop(proc)
	}
}

// run starts a component and records it for Stop.
func (c *Cluster) run(opts Options, name string, args ...string) (*component, error) {
	p, err := start(opts.BinDir, c.dir, name, opts.Log, args...)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.components = append(c.components, p)
	return p, nil
}

// drop stops a component that failed to start, before it is tried again.
func (c *Cluster) drop(p *component) {
	p.stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, q := range c.components {
		if q == p {
			c.components = append(c.components[:i], c.components[i+1:]...)
			break
		}
	}
}

func (c *Cluster) wait(ctx context.Context, what string, check func(ctx context.Context) error) error {
	if err := poll.Until(ctx, 200*time.Millisecond, startTimeout, check); err != nil {
		return fmt.Errorf("kubetest: waiting for %s: %w", what, err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("kubetest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Stop stops every component, the last started first, and waits for them
// to exit. It removes the directory if Start made it. Stopping twice does
// nothing more.
func (c *Cluster) Stop() {
	c.mu.Lock()
	components := c.components
	c.components = nil
	already := c.stopped
	c.stopped = true
	c.mu.Unlock()
	if already {
		return
	}
	for i := len(components) - 1; i >= 0; i-- {
		components[i].stop()
	}
	if c.removeDir {
		os.RemoveAll(c.dir)
	}
}

// Kubeconfig is the path of a kubeconfig for a cluster administrator (group
// system:masters).
func (c *Cluster) Kubeconfig() string { return c.admin }

// URL is the API server's address, https://127.0.0.1:PORT.
func (c *Cluster) URL() string { return c.url }

// CAFile is the PEM file of the CA that signed every certificate of the
// cluster: the API server's serving certificate, and the client
// certificates (the admin's, the components', the nodes', and the one the
// API server shows kubelets, CN kube-apiserver-kubelet-client).
func (c *Cluster) CAFile() string { return c.caFile }

// Dir is the cluster's directory (Options.Dir, or the temporary one).
func (c *Cluster) Dir() string { return c.dir }
