package kubetest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streamplane/streamplane/poll"
)

// waitFor bounds each wait for a controller to act; they act within a few
// seconds, the namespace controller within a few more.
const waitFor = 90 * time.Second

// TestCluster starts a control plane and checks that each part of it does
// its job, as a user of the API would see it: the scheduler judges pods,
// the volume controller binds claims, the namespace controller empties and
// removes namespaces, a node's identity is a node's, and the API server
// reaches a kubelet for a pod's log.
func TestCluster(t *testing.T) {
	if os.Getenv("STREAMPLANE_SKIP_KUBE") == "1" {
		t.Skip("STREAMPLANE_SKIP_KUBE=1: not starting a Kubernetes control plane")
	}
	ctx := t.Context()
	bin, err := BinDir(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	began := time.Now()
	var log strings.Builder // read only after Stop, when no one writes
	c, err := Start(ctx, Options{BinDir: bin, Dir: dir, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("control plane ready in %s", time.Since(began).Round(time.Millisecond))
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			logTails(t, dir)
		}
	})

	// The build stamps the release it pins, as clients see it.
	var version struct{ GitVersion string }
	if err := c.Do(ctx, "GET", "/version", nil, &version); err != nil {
		t.Fatal(err)
	}
	if version.GitVersion != "v1.37.2" {
		t.Errorf("/version says %q, want v1.37.2", version.GitVersion)
	}

	const ns = "kubetest"
	create(t, c, "/api/v1/namespaces", object("Namespace", ns, nil))
	// The service account controller gives every new namespace its
	// default service account, which a pod needs to be admitted.
	until(t, "the default service account of "+ns, func(ctx context.Context) error {
		return c.Do(ctx, "GET", "/api/v1/namespaces/"+ns+"/serviceaccounts/default", nil, nil)
	})

	t.Run("SchedulerReportsUnschedulablePod", func(t *testing.T) {
		create(t, c, "/api/v1/namespaces/"+ns+"/pods", object("Pod", "pending", map[string]any{
			"containers": []any{map[string]any{"name": "main", "image": "busybox"}},
		}))
		until(t, "the scheduler to find no node for the pod", func(ctx context.Context) error {
			var pod struct {
				Status struct {
					Conditions []condition `json:"conditions"`
				} `json:"status"`
			}
			if err := c.Do(ctx, "GET", "/api/v1/namespaces/"+ns+"/pods/pending", nil, &pod); err != nil {
				return err
			}
			for _, cond := range pod.Status.Conditions {
				if cond.Type == "PodScheduled" {
					if cond.Status == "False" && cond.Reason == "Unschedulable" {
						t.Logf("PodScheduled=False: %s", cond.Message)
						return nil
					}
					return fmt.Errorf("PodScheduled is %s (%s)", cond.Status, cond.Reason)
				}
			}
			return fmt.Errorf("no PodScheduled condition yet: %+v", pod.Status.Conditions)
		})
	})

	t.Run("ClaimBindsToVolume", func(t *testing.T) {
		create(t, c, "/apis/storage.k8s.io/v1/storageclasses", map[string]any{
			"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
			"metadata":          map[string]any{"name": "kubetest-local"},
			"provisioner":       "kubernetes.io/no-provisioner",
			"volumeBindingMode": "Immediate",
		})
		create(t, c, "/api/v1/persistentvolumes", object("PersistentVolume", "kubetest-pv", map[string]any{
			"capacity":                      map[string]any{"storage": "1Gi"},
			"accessModes":                   []string{"ReadWriteOnce"},
			"hostPath":                      map[string]any{"path": "/tmp/kubetest-pv"},
			"storageClassName":              "kubetest-local",
			"persistentVolumeReclaimPolicy": "Retain",
		}))
		create(t, c, "/api/v1/namespaces/"+ns+"/persistentvolumeclaims", object("PersistentVolumeClaim", "data", map[string]any{
			"accessModes":      []string{"ReadWriteOnce"},
			"storageClassName": "kubetest-local",
			"resources":        map[string]any{"requests": map[string]any{"storage": "1Gi"}},
		}))
		until(t, "the claim to be bound to kubetest-pv", func(ctx context.Context) error {
			var pvc struct {
				Spec   struct{ VolumeName string } `json:"spec"`
				Status struct{ Phase string }      `json:"status"`
			}
			if err := c.Do(ctx, "GET", "/api/v1/namespaces/"+ns+"/persistentvolumeclaims/data", nil, &pvc); err != nil {
				return err
			}
			if pvc.Status.Phase != "Bound" || pvc.Spec.VolumeName != "kubetest-pv" {
				return fmt.Errorf("claim is %q, volume %q", pvc.Status.Phase, pvc.Spec.VolumeName)
			}
			return nil
		})
		var pv struct {
			Spec struct {
				ClaimRef struct{ Namespace, Name string } `json:"claimRef"`
			} `json:"spec"`
			Status struct{ Phase string } `json:"status"`
		}
		if err := c.Do(ctx, "GET", "/api/v1/persistentvolumes/kubetest-pv", nil, &pv); err != nil {
			t.Fatal(err)
		}
		if pv.Status.Phase != "Bound" || pv.Spec.ClaimRef.Namespace != ns || pv.Spec.ClaimRef.Name != "data" {
			t.Errorf("volume is %q, claimed by %s/%s; want Bound, by %s/data", pv.Status.Phase, pv.Spec.ClaimRef.Namespace, pv.Spec.ClaimRef.Name, ns)
		}
	})

	t.Run("NodeIdentityAndKubeletProxy", func(t *testing.T) { testNode(t, c, ns) })

	t.Run("NamespaceDeletion", func(t *testing.T) {
		remove(t, c, "/api/v1/namespaces/"+ns)
		until(t, "namespace "+ns+" to be gone", func(ctx context.Context) error {
			var got struct {
				Status struct{ Phase string } `json:"status"`
			}
			err := c.Do(ctx, "GET", "/api/v1/namespaces/"+ns, nil, &got)
			if IsNotFound(err) {
				return nil
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("namespace is still %s", got.Status.Phase)
		})
		// Its claim went with it, and the volume, kept (Retain), says so.
		until(t, "kubetest-pv to be released", func(ctx context.Context) error {
			var pv struct {
				Status struct{ Phase string } `json:"status"`
			}
			if err := c.Do(ctx, "GET", "/api/v1/persistentvolumes/kubetest-pv", nil, &pv); err != nil {
				return err
			}
			if pv.Status.Phase != "Released" {
				return fmt.Errorf("volume is %q", pv.Status.Phase)
			}
			return nil
		})
	})

	t.Run("StopEndsEveryProcess", func(t *testing.T) {
		c.mu.Lock()
		components := append([]*component(nil), c.components...)
		c.mu.Unlock()
		if len(components) != len(binaries) {
			t.Fatalf("%d components run, want %d", len(components), len(binaries))
		}
		c.Stop()
		for _, p := range components {
			if err := syscall.Kill(p.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("%s (pid %d) after Stop: kill 0 says %v, want ESRCH", p.name, p.cmd.Process.Pid, err)
			}
		}
		if err := c.Do(ctx, "GET", "/readyz", nil, nil); err == nil {
			t.Error("the API server still answers after Stop")
		}
		// Options.Log got every component's output, in whole lines.
		for _, p := range components {
			if !strings.Contains(log.String(), "\n["+p.name+"] ") {
				t.Errorf("no line of %s in Options.Log", p.name)
			}
		}
		for line := range strings.Lines(log.String()) {
			if !strings.HasPrefix(line, "[") {
				t.Errorf("Options.Log has a line with no component's name: %q", line)
				break
			}
		}
	})
}

// testNode registers a node with a node's credentials, as a kubelet would,
// and checks what the Node authorizer lets it do; then it gets a pod's log
// through the API server from a stand-in kubelet whose serving certificate
// no one signed, which must see the API server's kubelet client certificate.
func testNode(t *testing.T, c *Cluster, ns string) {
	ctx := t.Context()
	kubelet := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 || r.TLS.PeerCertificates[0].Subject.CommonName != "kube-apiserver-kubelet-client" {
			http.Error(w, "not the API server", http.StatusForbidden)
			return
		}
		if r.URL.Path != "/containerLogs/"+ns+"/on-node/main" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "hello from the kubelet\n")
	}))
	cas := x509.NewCertPool()
	cas.AddCert(c.ca.cert)
	kubelet.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: cas}
	kubelet.StartTLS() // httptest's own certificate, self-signed
	t.Cleanup(kubelet.Close)
	_, port, _ := strings.Cut(strings.TrimPrefix(kubelet.URL, "https://"), ":")
	kubeletPort, _ := strconv.Atoi(port)

	const name = "kubetest-node"
	path, err := c.NodeKubeconfig(name)
	if err != nil {
		t.Fatal(err)
	}
	node, url := kubeconfigClient(t, path)
	if url != c.URL() {
		t.Errorf("the node's kubeconfig names %s, want %s", url, c.URL())
	}
	nodeObject := object("Node", name, map[string]any{
		// Keeps the scheduler off it: no kubelet runs its pods.
		"taints": []any{map[string]any{"key": "kubetest/no-kubelet", "effect": "NoSchedule"}},
	})
	nodeObject["status"] = map[string]any{
		"addresses":       []any{map[string]any{"type": "InternalIP", "address": "127.0.0.1"}},
		"daemonEndpoints": map[string]any{"kubeletEndpoint": map[string]any{"Port": kubeletPort}},
	}
	if err := do(ctx, node, c.URL(), "POST", "/api/v1/nodes", nodeObject, nil); err != nil {
		t.Fatalf("the node registering itself: %v", err)
	}
	if err := do(ctx, node, c.URL(), "GET", "/api/v1/nodes/"+name, nil, nil); err != nil {
		t.Errorf("the node reading itself: %v", err)
	}
	// A node reads only the secrets of its pods.
	err = do(ctx, node, c.URL(), "GET", "/api/v1/namespaces/"+ns+"/secrets", nil, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden {
		t.Errorf("the node listing secrets: %v, want 403", err)
	}

	pod := object("Pod", "on-node", map[string]any{
		"nodeName":   name,
		"containers": []any{map[string]any{"name": "main", "image": "busybox"}},
	})
	create(t, c, "/api/v1/namespaces/"+ns+"/pods", pod)
	// With no kubelet to confirm a graceful deletion, the pod would stay
	// Terminating and hold up its namespace's deletion: delete it now.
	defer func() {
		if err := c.Do(context.Background(), "DELETE", "/api/v1/namespaces/"+ns+"/pods/on-node",
			map[string]any{"gracePeriodSeconds": 0}, nil); err != nil {
			t.Error(err)
		}
	}()
	req, err := http.NewRequestWithContext(ctx, "GET", c.URL()+"/api/v1/namespaces/"+ns+"/pods/on-node/log?container=main", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "hello from the kubelet\n" {
		t.Errorf("pod log through the API server: %s %q, want 200 and the kubelet's line", resp.Status, body)
	}
}

type condition struct {
	Type, Status, Reason, Message string
}

// object is a core/v1-style object: kind's apiVersion, name, and spec.
func object(kind, name string, spec map[string]any) map[string]any {
	o := map[string]any{"apiVersion": "v1", "kind": kind, "metadata": map[string]any{"name": name}}
	if spec != nil {
		o["spec"] = spec
	}
	return o
}

func create(t *testing.T, c *Cluster, path string, obj map[string]any) {
	t.Helper()
	if err := c.Do(t.Context(), "POST", path, obj, nil); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, c *Cluster, path string) {
	t.Helper()
	if err := c.Do(t.Context(), "DELETE", path, nil, nil); err != nil {
		t.Fatal(err)
	}
}

func until(t *testing.T, what string, check func(context.Context) error) {
	t.Helper()
	if err := poll.Until(t.Context(), 250*time.Millisecond, waitFor, check); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// kubeconfigClient reads a kubeconfig that Cluster wrote (JSON, a subset of
// YAML) into an HTTP client, as a client library would.
func kubeconfigClient(t *testing.T, path string) (*http.Client, string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kc struct {
		Clusters []struct {
			Cluster struct {
				Server string `json:"server"`
				CA     string `json:"certificate-authority-data"`
			} `json:"cluster"`
		} `json:"clusters"`
		Users []struct {
			User struct {
				Cert string `json:"client-certificate-data"`
				Key  string `json:"client-key-data"`
			} `json:"user"`
		} `json:"users"`
	}
	if err := json.Unmarshal(data, &kc); err != nil || len(kc.Clusters) != 1 || len(kc.Users) != 1 {
		t.Fatalf("%s: %v (%d clusters, %d users)", path, err, len(kc.Clusters), len(kc.Users))
	}
	decode := func(s string) []byte {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return b
	}
	cert, err := tls.X509KeyPair(decode(kc.Users[0].User.Cert), decode(kc.Users[0].User.Key))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(decode(kc.Clusters[0].Cluster.CA)) {
		t.Fatalf("%s: no CA certificate", path)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}},
	}}
	return client, kc.Clusters[0].Cluster.Server
}

// logTails shows the end of each component's log, for a failed test.
func logTails(t *testing.T, dir string) {
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, path := range logs {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		t.Logf("the end of %s:\n%s", filepath.Base(path), strings.Join(lines[max(0, len(lines)-30):], "\n"))
	}
}
