package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Signing in to the console with the admin's first-start token, in a real
// browser: the instance list shows, the page passes the accessibility
// check, and the theme toggle switches to dark and back.
func TestConsoleSignIn(t *testing.T) {
	s := NewServer(t, ServerOptions{})
	b := NewBrowser(t, s)
	b.Open("/instances")
	if loc := b.Location(); !strings.Contains(loc, "/login?next=%2Finstances") {
		t.Fatalf("signed out, /instances went to %s, want the sign-in page", loc)
	}
	b.Screenshot("login")
	b.Accessibility("sign-in page")
	b.SignInWithToken(s.Token)
	if h := b.Text("main h1"); h != "Instances" {
		t.Fatalf("after sign-in the page says %q, want the instance list", h)
	}
	if who := b.Text(".me .who"); who != "admin" {
		t.Errorf("signed in as %q, want admin", who)
	}
	b.Accessibility("instance list")
	b.Screenshot("instances")
	b.Do(clickTheme())
	if theme := Eval[string](b, `document.documentElement.getAttribute("data-theme")`); theme != "dark" {
		t.Errorf("after the theme toggle the page is %q, want dark", theme)
	}
	b.Accessibility("instance list, dark")
	b.Screenshot("instances-dark")

	b.AcceptDialogs()
	if !Eval[bool](b, `confirm("Really?")`) || !slices.Equal(b.Dialogs(), []string{"Really?"}) {
		t.Errorf("confirmations accepted: %q", b.Dialogs())
	}
	b.Do(chromedp.Click(chromedp.CSS(".me button[type=submit]")), chromedp.WaitVisible(chromedp.ID("password")))
	b.Open("/instances")
	if loc := b.Location(); !strings.Contains(loc, "/login") {
		t.Errorf("after signing out /instances shows %s, want the sign-in page", loc)
	}
}
