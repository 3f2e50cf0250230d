package localpods

import "testing"

func TestRewrite(t *testing.T) {
	w := newRewriter(
		[]pathRule{
			newPathRule("/opt/kafka/config", "/root/pods/p/volumes/config"),
			newPathRule("/var/lib/kafka", "/data/pv-1"),
		},
		[]pathRule{newPathRule("/opt/kafka", "/srv/kafka-4/")},
	)
	tests := []struct{ in, want string }{
		{"/opt/kafka/bin/kafka-server-start.sh", "/srv/kafka-4/bin/kafka-server-start.sh"},
		{"/opt/kafka/config/server.properties", "/root/pods/p/volumes/config/server.properties"},
		{"/opt/kafka", "/srv/kafka-4"},
		{"/opt/kafka/", "/srv/kafka-4/"},
		{"--override=/var/lib/kafka/data", "--override=/data/pv-1/data"},
		{"-Dlog4j.configuration=file:/opt/kafka/config/log4j.properties", "-Dlog4j.configuration=file:/root/pods/p/volumes/config/log4j.properties"},
		{"file:///opt/kafka/libs", "file:///srv/kafka-4/libs"},
		{"/opt/kafka/libs/*:/opt/kafka/config", "/srv/kafka-4/libs/*:/root/pods/p/volumes/config"},
		{"exec /opt/kafka/bin/x.sh /opt/kafka/config/a", "exec /srv/kafka-4/bin/x.sh /root/pods/p/volumes/config/a"},
		{"'/opt/kafka/bin'", "'/srv/kafka-4/bin'"},
		// Whole path elements only, and only paths that start there.
		{"/opt/kafka-logs", "/opt/kafka-logs"},
		{"/opt/kafkaesque", "/opt/kafkaesque"},
		{"/data/opt/kafka", "/data/opt/kafka"},
		{"relative/opt/kafka", "relative/opt/kafka"},
		{"http://example/opt/kafka", "http://example/opt/kafka"},
		{"no paths here", "no paths here"},
		{"/usr/bin/java", "/usr/bin/java"},
	}
	for _, tt := range tests {
		if got := w.rewrite(tt.in); got != tt.want {
			t.Errorf("rewrite(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRewriteRoot(t *testing.T) {
	// An image mapped at its root moves every absolute path; a mount still wins.
	w := newRewriter([]pathRule{newPathRule("/etc/app", "/v/cfg")}, []pathRule{newPathRule("/", "/images/app")})
	for in, want := range map[string]string{
		"/bin/sh":       "/images/app/bin/sh",
		"/etc/app/x":    "/v/cfg/x",
		"a=/usr:/lib":   "a=/images/app/usr:/images/app/lib",
		"/":             "/images/app/",
		"not/absolute":  "not/absolute",
		"x=/etc/appx/y": "x=/images/app/etc/appx/y",
	} {
		if got := w.rewrite(in); got != want {
			t.Errorf("rewrite(%q) = %q, want %q", in, got, want)
		}
	}
	// Identity mapping leaves everything as it is.
	id := newRewriter(nil, []pathRule{newPathRule("/", "/")})
	if got := id.rewrite("/bin/sh -c /x"); got != "/bin/sh -c /x" {
		t.Errorf("identity rewrite = %q", got)
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "/opt/a", "B": "b"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	for in, want := range map[string]string{
		"$(A)/bin":     "/opt/a/bin",
		"$(A)$(B)":     "/opt/ab",
		"$$(A)":        "$(A)",
		"$(MISSING)":   "$(MISSING)",
		"$A":           "$A",
		"cost: $5":     "cost: $5",
		"$(unclosed":   "$(unclosed",
		"end$":         "end$",
		"$$":           "$",
		"plain":        "plain",
		"x=$(B),y=$$B": "x=b,y=$B",
	} {
		if got := expand(in, lookup); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseImagePath(t *testing.T) {
	got, err := ParseImagePath("registry.local:5000/sp/kafka:4.1.2=/opt/kafka:/cache/kafka:4.1.2")
	if err != nil {
		t.Fatal(err)
	}
	want := ImagePath{Image: "registry.local:5000/sp/kafka:4.1.2", Path: "/opt/kafka", Dir: "/cache/kafka:4.1.2"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got, err := ParseImagePath("busybox"); err != nil || got != (ImagePath{Image: "busybox"}) {
		t.Errorf("busybox: %+v, %v", got, err)
	}
	for _, bad := range []string{"", "=/a:/b", "img=/a", "img=a:/b", "img=/a:b"} {
		if _, err := ParseImagePath(bad); err == nil {
			t.Errorf("ParseImagePath(%q) accepted", bad)
		}
	}
}

// Files of ConfigMaps and Secrets name container paths too (a broker's
// server.properties names its data directory and key files): their text is
// rewritten like commands, and binary files are kept as they are.
func TestPayloadRewritten(t *testing.T) {
	rw := newRewriter([]pathRule{newPathRule("/var/lib/kafka", "/host/pv-1"), newPathRule("/etc/kafka/tls", "/host/pod/volumes/tls")}, nil)
	in := payload{
		"server.properties": {data: []byte("log.dirs=/var/lib/kafka/data\nssl.keystore.location=/etc/kafka/tls/keystore.pem\nother=/var/lib/kafkaesque\n"), mode: 0o440},
		"blob":              {data: []byte{0xff, 0xfe, '/', 'v', 'a', 'r'}, mode: 0o400},
	}
	out := in.rewritten(rw)
	want := "log.dirs=/host/pv-1/data\nssl.keystore.location=/host/pod/volumes/tls/keystore.pem\nother=/var/lib/kafkaesque\n"
	if got := string(out["server.properties"].data); got != want {
		t.Errorf("rewritten properties:\n%s\nwant:\n%s", got, want)
	}
	if out["server.properties"].mode != 0o440 || string(out["blob"].data) != string(in["blob"].data) {
		t.Errorf("mode or binary file changed: %+v", out)
	}
	if string(in["server.properties"].data) == want {
		t.Error("the original payload was changed")
	}
}
