package streamplane

import "testing"

func TestAdvertiseRequestValidate(t *testing.T) {
	ok := []AdvertiseRequest{
		{Broker: 0, Listener: "private", Address: "nat.example.com:19092"},
		{Broker: 2, Listener: "public", Address: "203.0.113.7:9094"},
		{Broker: 1, Listener: "private"}, // back to its own address
	}
	for _, r := range ok {
		if err := r.Validate(); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
	bad := []struct {
		req   AdvertiseRequest
		field string
	}{
		{AdvertiseRequest{Broker: -1, Listener: "private", Address: "a:1"}, "broker"},
		{AdvertiseRequest{Listener: "internal", Address: "a:1"}, "listener"},
		{AdvertiseRequest{Listener: "private", Address: "no-port"}, "address"},
		{AdvertiseRequest{Listener: "private", Address: "host:0"}, "address"},
		{AdvertiseRequest{Listener: "private", Address: "host:70000"}, "address"},
		{AdvertiseRequest{Listener: "private", Address: "bad_host!:9092"}, "address"},
		{AdvertiseRequest{Listener: "private", Address: "-lead.example.com:9092"}, "address"},
		{AdvertiseRequest{Listener: "private", Address: "[2001:db8::1]:9092"}, "address"},
		{AdvertiseRequest{Listener: "private", Address: "a..b:9092"}, "address"},
		{AdvertiseRequest{Listener: "private", Address: "host:09092"}, "address"},
	}
	for _, c := range bad {
		if err := c.req.Validate(); ErrorCode(err) != EINVALID || errorField(err) != c.field {
			t.Errorf("%+v: %v, want invalid %s", c.req, err, c.field)
		}
	}
}

func TestAdvertiseSetsAndClears(t *testing.T) {
	inst := scaleFixture()
	req := AdvertiseRequest{Broker: 1, Listener: "private", Address: "nat.example.com:19092"}
	if err := inst.Advertise(req); err != nil {
		t.Fatal(err)
	}
	b, _ := inst.Broker(1)
	if b.Advertised["private"] != "nat.example.com:19092" || len(b.AdvertisedHosts()) != 1 || b.AdvertisedHosts()[0] != "nat.example.com" {
		t.Fatalf("after setting: %v, hosts %v", b.Advertised, b.AdvertisedHosts())
	}
	if err := inst.Advertise(req); ErrorCode(err) != EINVALID {
		t.Errorf("setting the same address again: %v, want refused (nothing to restart for)", err)
	}
	if err := inst.Advertise(AdvertiseRequest{Broker: 1, Listener: "public", Address: "x.example.com:1"}); errorField(err) != "listener" {
		t.Errorf("public address without public access: %v, want refused on listener", err)
	}
	if err := inst.Advertise(AdvertiseRequest{Broker: 9, Listener: "private", Address: "x.example.com:1"}); ErrorCode(err) != ENOTFOUND {
		t.Errorf("unknown broker: %v, want not found", err)
	}
	if err := inst.Advertise(AdvertiseRequest{Broker: 1, Listener: "private"}); err != nil || len(b.Advertised) != 0 {
		t.Errorf("clearing: %v, left %v", err, b.Advertised)
	}
}
