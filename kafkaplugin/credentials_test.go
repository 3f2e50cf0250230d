package kafkaplugin

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func TestHashPassword(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		c, err := HashPassword("alice-secret")
		if err != nil {
			t.Fatal(err)
		}
		if c.Iterations != DefaultIterations || len(c.Salt) != 16 || len(c.Hash) != 64 {
			t.Errorf("got %d iterations, %d-byte salt, %d-byte hash; want %d, 16, 64", c.Iterations, len(c.Salt), len(c.Hash), DefaultIterations)
		}
		if !Verify(c, "alice-secret") {
			t.Error("Verify refuses the password")
		}
		for _, wrong := range []string{"", "alice-secreT", "alice-secret ", "alice"} {
			if Verify(c, wrong) {
				t.Errorf("Verify accepts %q", wrong)
			}
		}
	})
	t.Run("FreshSalt", func(t *testing.T) {
		a, _ := HashPassword("same")
		b, _ := HashPassword("same")
		if string(a.Salt) == string(b.Salt) || string(a.Hash) == string(b.Hash) {
			t.Error("two hashes of one password share salt or hash")
		}
	})
	t.Run("Unicode", func(t *testing.T) {
		c, err := HashPassword("pässwörd 🔑")
		if err != nil {
			t.Fatal(err)
		}
		if !Verify(c, "pässwörd 🔑") || Verify(c, "passwörd 🔑") {
			t.Error("Verify gets a non-ASCII password wrong")
		}
	})
	t.Run("ErrEmpty", func(t *testing.T) {
		if _, err := HashPassword(""); err == nil {
			t.Error("HashPassword accepts an empty password, which Kafka refuses")
		}
	})
}

// TestVerifyKnownAnswer pins the algorithm to PBKDF2-HMAC-SHA512 over the
// UTF-8 bytes, with a vector from Python's hashlib.pbkdf2_hmac.
func TestVerifyKnownAnswer(t *testing.T) {
	hash, _ := hex.DecodeString("37ccceda88bb91caa8f671fabcac8789160e70e06cdd9d401f559b87294d0e3d" +
		"41d721bc796f7b8ed828a345a5482d3c9cae0bf8c6d972622bf531044b68805a")
	c := Credential{Iterations: 1000, Salt: []byte("streamplane-salt"), Hash: hash}
	if !Verify(c, "pässwörd") {
		t.Error("Verify refuses the known answer")
	}
	short := c
	short.Hash = hash[:32] // a shorter key is a prefix of the longer one
	if !Verify(short, "pässwörd") {
		t.Error("Verify refuses a 32-byte hash")
	}
}

// TestDocExample keeps the package documentation's example line true.
func TestDocExample(t *testing.T) {
	users, err := parseFile([]byte("# comment\nalice:40000:MDEyMzQ1Njc4OWFiY2RlZg==:" +
		"Hr4I6iQmtlIo3biHC69Q+aq00VfXX7+b5rtzCWAM4Fb+QSwGePdAZfZV0NCK5B7HWIi2qFwQ+eFJpLckfpDrfQ==\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(users["alice"], "alice-secret") {
		t.Error("the example does not verify")
	}
}

func TestVerifyOutOfBounds(t *testing.T) {
	good, err := HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]Credential{
		"FewIterations":  {Iterations: MinIterations - 1, Salt: good.Salt, Hash: good.Hash},
		"ManyIterations": {Iterations: MaxIterations + 1, Salt: good.Salt, Hash: good.Hash},
		"ShortSalt":      {Iterations: good.Iterations, Salt: good.Salt[:7], Hash: good.Hash},
		"ShortHash":      {Iterations: good.Iterations, Salt: good.Salt, Hash: good.Hash[:15]},
		"LongHash":       {Iterations: good.Iterations, Salt: good.Salt, Hash: append(good.Hash, 0)},
		"Zero":           {},
	} {
		t.Run(name, func(t *testing.T) {
			if Verify(c, "pw") {
				t.Error("Verify accepts a credential out of bounds")
			}
			if err := WriteFile(filepath.Join(t.TempDir(), "users"), map[string]Credential{"u": c}); err == nil {
				t.Error("WriteFile accepts a credential out of bounds")
			}
		})
	}
}

func TestCredentialJSON(t *testing.T) {
	c, err := HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var got Credential
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) || !Verify(got, "pw") {
		t.Errorf("round trip through %s gave %+v", data, got)
	}
}

// testUsers returns credentials for the given name/password pairs.
func testUsers(t *testing.T, pairs ...string) map[string]Credential {
	t.Helper()
	users := map[string]Credential{}
	for i := 0; i < len(pairs); i += 2 {
		c, err := HashPassword(pairs[i+1])
		if err != nil {
			t.Fatal(err)
		}
		users[pairs[i]] = c
	}
	return users
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plain-users")
	users := testUsers(t, "alice", "alice-secret", "bob", "bob-secret", "ünï", "pässwörd")
	if err := WriteFile(path, users); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("mode %v, want 0600", mode)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "#") || !strings.HasPrefix(lines[1], "#") {
		t.Fatalf("want two comment lines and three users, got:\n%s", data)
	}
	for i, name := range []string{"alice", "bob", "ünï"} { // sorted
		if !strings.HasPrefix(lines[2+i], name+":40000:") {
			t.Errorf("line %d is %q, want %s's", 3+i, lines[2+i], name)
		}
	}
	if strings.Contains(string(data), "secret") {
		t.Error("the file holds a password")
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, users) {
		t.Errorf("ReadFile gave %v, want %v", got, users)
	}

	t.Run("ReplacesByRename", func(t *testing.T) {
		before := inode(t, path)
		delete(users, "bob")
		if err := WriteFile(path, users); err != nil {
			t.Fatal(err)
		}
		if inode(t, path) == before {
			t.Error("the file kept its inode: the plugin notices changes by a new one")
		}
		got, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := got["bob"]; ok || len(got) != 2 {
			t.Errorf("after removing bob: %v", got)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Errorf("directory holds %d entries, want only the file: temporary files left behind", len(entries))
		}
	})
	t.Run("Empty", func(t *testing.T) {
		if err := WriteFile(path, nil); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(path)
		if err != nil || len(got) != 0 {
			t.Errorf("ReadFile = %v, %v; want no users", got, err)
		}
	})
	t.Run("ErrDirMissing", func(t *testing.T) {
		if err := WriteFile(filepath.Join(dir, "no", "such"), users); err == nil {
			t.Error("WriteFile into a missing directory succeeded")
		}
	})
}

func inode(t *testing.T, path string) uint64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func TestWriteFileBadName(t *testing.T) {
	c, err := HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "a:b", "a\nb", "a\rb", "a\x00b", "#a", "\xff"} {
		path := filepath.Join(t.TempDir(), "users")
		if err := WriteFile(path, map[string]Credential{name: c}); err == nil {
			t.Errorf("WriteFile accepts the name %q", name)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("WriteFile wrote a file for the name %q", name)
		}
	}
	// What the format allows beyond the usual.
	for _, name := range []string{"a b", "a#", "ünï", "a=b", `a"b`} {
		if err := WriteFile(filepath.Join(t.TempDir(), "users"), map[string]Credential{name: c}); err != nil {
			t.Errorf("WriteFile refuses the name %q: %v", name, err)
		}
	}
}

func TestParseFile(t *testing.T) {
	salt := base64.StdEncoding.EncodeToString(make([]byte, 16))
	hash := base64.StdEncoding.EncodeToString(make([]byte, 64))
	good := "alice:40000:" + salt + ":" + hash
	for _, tt := range []struct {
		name, file string
		users      int    // when valid
		err        string // when not
	}{
		{name: "OK", file: good + "\n", users: 1},
		{name: "OKNoFinalNewline", file: good, users: 1},
		{name: "OKCommentsAndBlank", file: "# users\n\n" + good + "\n\n# end\n", users: 1},
		{name: "OKCRLF", file: "# users\r\n" + good + "\r\n", users: 1},
		{name: "OKEmpty", file: "", users: 0},
		{name: "ErrFields", file: "alice:40000:" + salt + "\n", err: "line 1: want name:iterations:salt:hash, got 3 fields"},
		{name: "ErrExtraField", file: "# c\n" + good + ":x\n", err: "line 2: want name:iterations:salt:hash, got 5 fields"},
		{name: "ErrEmptyName", file: ":40000:" + salt + ":" + hash, err: "line 1: empty user name"},
		{name: "ErrIterations", file: "alice:many:" + salt + ":" + hash, err: "line 1: iterations"},
		{name: "ErrFewIterations", file: "alice:999:" + salt + ":" + hash, err: "line 1: iterations 999 outside"},
		{name: "ErrSalt", file: "alice:40000:!!:" + hash, err: "line 1: salt"},
		{name: "ErrHashLength", file: "alice:40000:" + salt + ":AAAAAAAAAAAAAAAA", err: "line 1: hash of 12 bytes outside"},
		{name: "ErrDuplicate", file: good + "\n" + good + "\n", err: `line 2: user "alice" appears twice`},
		{name: "ErrNotUTF8", file: "\xff" + good, err: "not UTF-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			users, err := parseFile([]byte(tt.file))
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.err == "" && len(users) != tt.users:
				t.Errorf("got %d users, want %d", len(users), tt.users)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("got error %v, want one containing %q", err, tt.err)
			case err != nil && strings.Contains(err.Error(), hash):
				t.Errorf("the error %q shows the hash", err)
			}
		})
	}
}
