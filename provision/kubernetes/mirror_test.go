package kubernetes

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/poll"
)

// A migration's MirrorMaker: its files in a Secret, a pod from the
// instance's image running MirrorMaker's dedicated mode on them, adopted
// when started again, and nothing left once forgotten.
func TestMirrorPod(t *testing.T) {
	t.Parallel()
	p, cs := newProvisioner(t, true)
	runKubelet(t, cs, runningStatus)
	inst := newInstance(t, p, devSpec)
	ctx := t.Context()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	create(t, p, inst)
	m := &streamplane.Migration{ID: "7f1c0b7e-0000-4000-8000-000000000001", InstanceID: inst.ID, Name: "from-old"}

	if err := p.ConfigureMirror(ctx, m, streamplane.MirrorFiles{Properties: []byte("clusters=source, target\n"), Files: map[string][]byte{"source-ca.pem": []byte("PEM")}}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"../x", "mm2.properties", "log4j2.properties"} {
		if err := p.ConfigureMirror(ctx, m, streamplane.MirrorFiles{Properties: []byte("x=1\n"), Files: map[string][]byte{bad: nil}}); err == nil {
			t.Errorf("a file named %q beside mm2.properties was taken", bad)
		}
	}
	ns := p.namespace(inst)
	secret, err := cs.CoreV1().Secrets(ns).Get(ctx, "mirror-"+m.ID, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(secret.Data["mm2.properties"]) != "clusters=source, target\n" || string(secret.Data["source-ca.pem"]) != "PEM" {
		t.Errorf("the mirror's Secret holds %v", secret.Data)
	}
	if got := p.MirrorDir(m) + "/source-ca.pem"; got != "/etc/streamplane/mirror/source-ca.pem" {
		t.Errorf("files beside mm2.properties are at %s in the pod", got)
	}

	proc, err := p.StartMirror(ctx, inst, m)
	if err != nil {
		t.Fatal(err)
	}
	if !proc.StartedAt.Equal(startedAt.Time) {
		t.Errorf("StartMirror says it started at %v, want the container's %v", proc.StartedAt, startedAt.Time)
	}
	pod, err := cs.CoreV1().Pods(ns).Get(ctx, "mirror-"+m.ID, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := pod.Spec.Containers[0]
	if c.Image != "streamplane/kafka:"+inst.Version || !slices.Contains(c.Args, mirrorMainClass) ||
		!slices.Contains(c.Args, "/etc/streamplane/mirror/mm2.properties") || !strings.Contains(strings.Join(c.Args, " "), "--clusters "+m.TargetAlias()) {
		t.Errorf("MirrorMaker's container: %s %v", c.Image, c.Args)
	}
	if pod.Labels[labelInstanceID] != inst.ID || pod.Labels[labelComponent] != "mirror" {
		t.Errorf("MirrorMaker's pod labels: %v", pod.Labels)
	}
	// Not a broker: the instance's broker selectors must not take it.
	if sel := selectorLabels(inst); pod.Labels[labelComponent] == sel[labelComponent] {
		t.Error("MirrorMaker's pod is selected as a broker")
	}
	err = poll.Until(ctx, 10*time.Millisecond, 5*time.Second, func(context.Context) error {
		if _, ok := p.InspectMirror(m); !ok {
			return errors.New("InspectMirror does not see the running pod")
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	uid := pod.UID
	if _, err := p.StartMirror(ctx, inst, m); err != nil {
		t.Fatal(err)
	}
	if again, _ := cs.CoreV1().Pods(ns).Get(ctx, "mirror-"+m.ID, metav1.GetOptions{}); again.UID != uid {
		t.Error("starting a running MirrorMaker made a new pod instead of adopting it")
	}

	if err := p.ForgetMirror(ctx, m); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"pod":       get(cs.CoreV1().Pods(ns).Get(ctx, "mirror-"+m.ID, metav1.GetOptions{})),
		"Secret":    get(cs.CoreV1().Secrets(ns).Get(ctx, "mirror-"+m.ID, metav1.GetOptions{})),
		"ConfigMap": get(cs.CoreV1().ConfigMaps(ns).Get(ctx, "mirror-"+m.ID+"-logging", metav1.GetOptions{})),
	} {
		if !apierrors.IsNotFound(err) {
			t.Errorf("the mirror's %s is still there after ForgetMirror: %v", what, err)
		}
	}
}

func get[T any](_ T, err error) error { return err }
