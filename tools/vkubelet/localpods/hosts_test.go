package localpods

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func apiPod(ns, name, ip string, ready bool, lbls map[string]string, hostname, subdomain string) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: lbls},
		Spec:       corev1.PodSpec{Hostname: hostname, Subdomain: subdomain, NodeName: "node-b"},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: ip,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}},
		},
	}
}

func service(ns, name string, selector map[string]string, publishNotReady bool) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       corev1.ServiceSpec{Selector: selector, PublishNotReadyAddresses: publishNotReady, ClusterIP: corev1.ClusterIPNone},
	}
}

func TestHostsFile(t *testing.T) {
	kafka := map[string]string{"app": "kafka"}
	n := newTestNode(t,
		apiPod("sp-demo", "broker-0", "127.64.0.10", true, kafka, "broker-0", "demo-brokers"),
		apiPod("sp-demo", "broker-1", "127.64.0.11", false, kafka, "broker-1", "demo-brokers"),
		apiPod("sp-demo", "no-subdomain", "127.64.0.12", true, kafka, "no-subdomain", ""),
		apiPod("sp-demo", "other", "127.64.0.13", true, map[string]string{"app": "other"}, "", ""),
		apiPod("sp-other", "broker-0", "127.64.0.20", true, kafka, "", ""),
		service("sp-demo", "demo-brokers", kafka, true),
		service("sp-demo", "demo-bootstrap", kafka, false),
		service("sp-demo", "no-selector", nil, false),
	)
	// A pod of this node shows under its name before the API server has
	// its address.
	pod := shPod("local-0", "sleep 1000")
	pod.Namespace = "sp-demo"
	pod.Labels = kafka
	pod.Spec.Hostname, pod.Spec.Subdomain = "local-0", "demo-brokers"
	if err := n.p.CreatePod(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	localIP, _ := n.p.ips.get("sp-demo/local-0")

	var content string
	waitFor(t, 5*time.Second, func() error {
		data, err := os.ReadFile(n.p.HostsFile())
		if err != nil {
			return err
		}
		content = string(data)
		if !strings.Contains(content, localIP) {
			return fmt.Errorf("local pod %s not in\n%s", localIP, content)
		}
		return nil
	})
	host, _ := os.Hostname()
	want := []string{
		"127.0.0.1 localhost " + host,
		"127.64.0.10 broker-0.demo-brokers.sp-demo.svc.cluster.local broker-0.demo-brokers.sp-demo.svc",
		"127.64.0.11 broker-1.demo-brokers.sp-demo.svc.cluster.local broker-1.demo-brokers.sp-demo.svc",
		localIP + " local-0.demo-brokers.sp-demo.svc.cluster.local local-0.demo-brokers.sp-demo.svc",
		// Headless with publishNotReadyAddresses: every pod it selects.
		"127.64.0.10 demo-brokers.sp-demo.svc.cluster.local demo-brokers.sp-demo.svc",
		"127.64.0.11 demo-brokers.sp-demo.svc.cluster.local demo-brokers.sp-demo.svc",
		"127.64.0.12 demo-brokers.sp-demo.svc.cluster.local demo-brokers.sp-demo.svc",
		// Without: Ready pods only.
		"127.64.0.10 demo-bootstrap.sp-demo.svc.cluster.local demo-bootstrap.sp-demo.svc",
		"127.64.0.12 demo-bootstrap.sp-demo.svc.cluster.local demo-bootstrap.sp-demo.svc",
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(content), "\n") {
		if !strings.HasPrefix(l, "#") {
			lines[l] = true
		}
	}
	for _, w := range want {
		if !lines[w] {
			t.Errorf("missing line %q", w)
		}
		delete(lines, w)
	}
	// The local pod is not Ready in the API server (it has no status
	// there), so only the publishNotReady service has it.
	delete(lines, localIP+" demo-brokers.sp-demo.svc.cluster.local demo-brokers.sp-demo.svc")
	for l := range lines {
		t.Errorf("unexpected line %q", l)
	}

	// A pod that becomes Ready joins the service's names.
	p1, err := n.client.CoreV1().Pods("sp-demo").Get(context.Background(), "broker-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p1.Status.Conditions[0].Status = corev1.ConditionTrue
	if _, err := n.client.CoreV1().Pods("sp-demo").UpdateStatus(context.Background(), p1, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() error {
		data, _ := os.ReadFile(n.p.HostsFile())
		if !strings.Contains(string(data), "127.64.0.11 demo-bootstrap.sp-demo.svc.cluster.local") {
			return fmt.Errorf("broker-1 not under demo-bootstrap:\n%s", data)
		}
		return nil
	})
	// A deleted service leaves.
	if err := n.client.CoreV1().Services("sp-demo").Delete(context.Background(), "demo-bootstrap", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() error {
		data, _ := os.ReadFile(n.p.HostsFile())
		if strings.Contains(string(data), "demo-bootstrap") {
			return fmt.Errorf("demo-bootstrap still in:\n%s", data)
		}
		return nil
	})
}
