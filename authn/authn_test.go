package authn

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("Correct-Horse-9")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "Correct-Horse-9") {
		t.Fatalf("hash %q: want an argon2id PHC string without the password", h)
	}
	if ok, err := CheckPassword(h, "Correct-Horse-9"); err != nil || !ok {
		t.Errorf("right password: ok=%v err=%v", ok, err)
	}
	if ok, _ := CheckPassword(h, "correct-horse-9"); ok {
		t.Error("wrong password matched")
	}
	h2, _ := HashPassword("Correct-Horse-9")
	if h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=0,t=2,p=1$AAAA$AAAA", "$bcrypt$x$y$z$w", "$argon2id$v=19$m=19456,t=2,p=1$!!$AAAA"} {
		if ok, err := CheckPassword(bad, "x"); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestTokens(t *testing.T) {
	s1, h1, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	s2, _, _ := NewToken()
	if s1 == s2 || !LooksLikeToken(s1) || HashToken(s1) != h1 || strings.Contains(h1, s1) {
		t.Fatalf("tokens %q %q hash %q", s1, s2, h1)
	}
	for _, bad := range []string{"", "spt_", "Bearer x", s1 + "x", "abc_" + s1[4:]} {
		if LooksLikeToken(bad) {
			t.Errorf("LooksLikeToken(%q) = true", bad)
		}
	}
}

type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }

func TestThrottleLocksOneAddress(t *testing.T) {
	c := &clock{now: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)}
	th := NewThrottle()
	th.Now = c.Now
	// 50 wrong passwords, a request every 100 ms, as a script would send.
	checked := 0
	for range 50 {
		if ok, _, _ := th.Allow("10.0.0.1"); ok {
			checked++
			th.Failed("10.0.0.1")
		}
		c.advance(100 * time.Millisecond)
	}
	if checked > 6 {
		t.Errorf("%d of 50 attempts were checked; the throttle should slow them after 5", checked)
	}
	ok, retry, locked := th.Allow("10.0.0.1")
	if ok || !locked || retry <= 10*time.Minute {
		t.Fatalf("after 50 failures: ok=%v locked=%v retry=%v; want locked for ~15m", ok, locked, retry)
	}
	if ok, _, _ := th.Allow("10.0.0.2"); !ok {
		t.Error("another address is throttled too")
	}
	c.advance(10 * time.Minute)
	if ok, _, _ := th.Allow("10.0.0.1"); ok {
		t.Error("the lock ended early")
	}
	c.advance(16 * time.Minute)
	if ok, _, _ := th.Allow("10.0.0.1"); !ok {
		t.Error("the lock did not end after its period")
	}
	th.Succeeded("10.0.0.1")
	if ok, _, _ := th.Allow("10.0.0.1"); !ok {
		t.Error("a success did not clear the failures")
	}
}

func TestThrottleSlowsBeforeLocking(t *testing.T) {
	c := &clock{now: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)}
	th := NewThrottle()
	th.Now = c.Now
	for range th.SlowAfter {
		th.Failed("a")
	}
	ok, retry, locked := th.Allow("a")
	if ok || locked || retry != time.Second {
		t.Fatalf("after %d failures: ok=%v locked=%v retry=%v; want a 1 s delay", th.SlowAfter, ok, locked, retry)
	}
	c.advance(2 * time.Second)
	if ok, _, _ := th.Allow("a"); !ok {
		t.Error("still refused after the delay")
	}
}
