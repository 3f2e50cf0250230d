package streamplane_test

import (
	"go/format"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
)

func TestClientAccess(t *testing.T) {
	inst := &streamplane.Instance{Name: "acc", BootstrapServers: map[string]string{
		"private_plaintext": "10.0.0.1:9092,10.0.0.2:9092", "public_sasl_ssl": "1.2.3.4:9094"}}
	a, err := inst.ClientAccess("")
	if err != nil || a.Listener != "private_plaintext" || a.SecurityProtocol != "PLAINTEXT" || a.SASLMechanism != "" {
		t.Fatalf("default listener: %+v %v", a, err)
	}
	a, err = inst.ClientAccess("public_sasl_ssl")
	if err != nil || a.SecurityProtocol != "SASL_SSL" || a.SASLMechanism != "SCRAM-SHA-512" || a.BootstrapServers != "1.2.3.4:9094" {
		t.Fatalf("sasl listener: %+v %v", a, err)
	}
	inst.BootstrapServers["private_sasl_ssl"] = "10.0.0.1:9093"
	if a, _ := inst.ClientAccess(""); a.Listener != "private_sasl_ssl" {
		t.Fatalf("the private SASL_SSL listener should be preferred, got %s", a.Listener)
	}
	_, err = inst.ClientAccess("nope")
	if e, ok := err.(*streamplane.Error); !ok || e.Field != "listener" || !strings.Contains(e.Message, "private_plaintext") {
		t.Fatalf("unknown listener: %v", err)
	}
}

// Every sample names the instance's servers and the topic, carries
// security settings exactly when the listener needs them, and the Go one
// is gofmt-clean in both forms.
func TestRenderSampleCode(t *testing.T) {
	inst := &streamplane.Instance{Name: "samples", Version: "4.1.2"}
	plain := streamplane.ClientAccess{Listener: "private_plaintext", BootstrapServers: "127.0.0.1:1,127.0.0.1:2", SecurityProtocol: "PLAINTEXT"}
	sasl := streamplane.ClientAccess{Listener: "private_sasl_ssl", BootstrapServers: "127.0.0.1:3", SecurityProtocol: "SASL_SSL", SASLMechanism: "SCRAM-SHA-512"}
	for _, lang := range streamplane.SampleLanguages {
		for _, access := range []streamplane.ClientAccess{plain, sasl} {
			sc, err := streamplane.RenderSampleCode(lang, inst, access, "t-orders")
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range append(strings.Split(access.BootstrapServers, ","), `"t-orders"`, "samples", access.Listener) {
				if !strings.Contains(sc.Code, want) {
					t.Errorf("%s/%s: code lacks %q", lang, access.Listener, want)
				}
			}
			secured := strings.Contains(sc.Code, "SCRAM") || strings.Contains(sc.Code, "scram")
			if secured != (access.SecurityProtocol == "SASL_SSL") {
				t.Errorf("%s/%s: SASL settings present = %v", lang, access.Listener, secured)
			}
			if lang == "go" {
				formatted, err := format.Source([]byte(sc.Code))
				if err != nil {
					t.Fatalf("go/%s does not parse: %v\n%s", access.Listener, err, sc.Code)
				}
				if string(formatted) != sc.Code {
					t.Errorf("go/%s is not gofmt-clean:\n%s", access.Listener, sc.Code)
				}
			}
		}
	}
	_, err := streamplane.RenderSampleCode("rust", inst, plain, "t-orders")
	if e, ok := err.(*streamplane.Error); !ok || e.Field != "lang" {
		t.Fatalf("unknown language: %v", err)
	}
}
