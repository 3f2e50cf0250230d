package localpods

import (
	"net"
	"path/filepath"
	"testing"
)

func TestIPTableStable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ips.json")
	tab, err := newIPTable(file, "127.64.0.0/10")
	if err != nil {
		t.Fatal(err)
	}
	_, cidr, _ := net.ParseCIDR("127.64.0.0/10")
	seen := map[string]string{}
	for _, pod := range []string{"sp-demo/broker-0", "sp-demo/broker-1", "sp-demo/broker-2", "other/broker-0"} {
		ip, err := tab.get(pod)
		if err != nil {
			t.Fatal(err)
		}
		if !cidr.Contains(net.ParseIP(ip)) {
			t.Errorf("%s got %s, outside %s", pod, ip, cidr)
		}
		if other, dup := seen[ip]; dup {
			t.Errorf("%s and %s share %s", pod, other, ip)
		}
		seen[ip] = pod
		again, _ := tab.get(pod)
		if again != ip {
			t.Errorf("%s: %s then %s", pod, ip, again)
		}
	}
	// A new vkubelet with the same root gives the same addresses.
	reloaded, err := newIPTable(file, "127.64.0.0/10")
	if err != nil {
		t.Fatal(err)
	}
	for ip, pod := range seen {
		if got, _ := reloaded.get(pod); got != ip {
			t.Errorf("after reload %s got %s, had %s", pod, got, ip)
		}
	}
}

func TestIPTableSmallRange(t *testing.T) {
	tab, err := newIPTable(filepath.Join(t.TempDir(), "ips.json"), "127.100.0.0/30")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tab.get("ns/a")
	b, _ := tab.get("ns/b")
	if a == b || a == "127.100.0.0" || b == "127.100.0.3" || a == "127.100.0.3" || b == "127.100.0.0" {
		t.Errorf("got %s and %s: want the two host addresses of the /30", a, b)
	}
	if _, err := tab.get("ns/c"); err == nil {
		t.Error("a full range gave an address")
	}
	for _, bad := range []string{"10.0.0.0/8", "127.0.0.0/31", "nonsense"} {
		if _, err := newIPTable(filepath.Join(t.TempDir(), "x.json"), bad); err == nil {
			t.Errorf("range %s accepted", bad)
		}
	}
}
