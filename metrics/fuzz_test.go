package metrics

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// identifier is a Prometheus metric or label name.
var identifier = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

// render writes samples back in the text format.
func render(samples []Sample) string {
	var b strings.Builder
	for _, s := range samples {
		b.WriteString(s.Name)
		b.WriteString("{")
		for k, v := range s.Labels {
			v = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
			b.WriteString(k + `="` + v + `",`)
		}
		b.WriteString("} ")
		switch {
		case math.IsNaN(s.Value):
			b.WriteString("NaN")
		case math.IsInf(s.Value, 1):
			b.WriteString("+Inf")
		case math.IsInf(s.Value, -1):
			b.WriteString("-Inf")
		default:
			b.WriteString(strconv.FormatFloat(s.Value, 'g', -1, 64))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func sameValue(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// FuzzParse feeds exposition text, as a broker's JMX exporter serves it, to
// the parser the quota usage readings go through. It must never panic; a
// sample with a well-formed name and label names must survive being written
// out and parsed again unchanged; and the quota readings must take whatever
// labels it finds.
func FuzzParse(f *testing.F) {
	f.Add("# HELP kafka_server_produce_byte_rate x\n# TYPE kafka_server_produce_byte_rate gauge\n" +
		`kafka_server_produce_byte_rate{user="alice",client_id="app-1",} 1024.5` + "\n")
	f.Add(`kafka_server_fetch_byte_rate{user="\"alice\\",client_id="a\nb"} NaN 1700000000000` + "\n")
	f.Add("up 1\nup{} +Inf\nx{a=\"1\" , b=\"2\"} -Inf\n")
	f.Add(`kafka_server_quota{user="a%2Fb",client_id=""} 1e-3`)
	f.Add(`bad{a=1} 2`)
	f.Add(`bad{a="1} 2`)
	f.Add("{} 3")
	f.Fuzz(func(t *testing.T, text string) {
		samples, err := Parse(strings.NewReader(text), nil)
		if err != nil {
			return
		}
		_ = ClientRates(1, samples)
		for _, s := range samples {
			if s.Name == "" || strings.ContainsAny(s.Name, "{ \t\n") {
				t.Fatalf("sample name %q", s.Name)
			}
			if !identifier.MatchString(s.Name) {
				continue
			}
			wellFormed := true
			for k := range s.Labels {
				wellFormed = wellFormed && identifier.MatchString(k)
			}
			if !wellFormed {
				continue
			}
			line := render([]Sample{s})
			again, err := Parse(strings.NewReader(line), nil)
			if err != nil || len(again) != 1 {
				t.Fatalf("%q: parsing it again gives %d samples, %v", line, len(again), err)
			}
			got := again[0]
			if got.Name != s.Name || !sameValue(got.Value, s.Value) || len(got.Labels) != len(s.Labels) {
				t.Fatalf("%q parses back as %+v, want %+v", line, got, s)
			}
			for k, v := range s.Labels {
				if got.Labels[k] != v {
					t.Fatalf("%q: label %s = %q, want %q", line, k, got.Labels[k], v)
				}
			}
		}
	})
}
