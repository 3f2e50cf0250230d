package localpods

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// payloadFile is one file of a ConfigMap, Secret, projected or downward API
// volume.
type payloadFile struct {
	data []byte
	mode os.FileMode
}

// payload maps a relative path to its file.
type payload map[string]payloadFile

// digest identifies a payload's content and modes, to tell whether it
// changed since it was last written.
func (p payload) digest() [32]byte {
	paths := make([]string, 0, len(p))
	for k := range p {
		paths = append(paths, k)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, k := range paths {
		fmt.Fprintf(h, "%q %o %d\n", k, p[k].mode, len(p[k].data))
		h.Write(p[k].data)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// rewritten is the payload with the container paths in its text files
// rewritten by rw (nil: as it is). Files that are not UTF-8 text are kept
// as they are.
func (p payload) rewritten(rw *rewriter) payload {
	if rw == nil {
		return p
	}
	out := make(payload, len(p))
	for k, f := range p {
		if utf8.Valid(f.data) {
			f.data = []byte(rw.rewrite(string(f.data)))
		}
		out[k] = f
	}
	return out
}

const dataLink = "..data"

// writePayload makes dir hold exactly the payload, and switches from the
// old files to the new in one rename, as the kubelet's atomic writer does:
// the files live in a fresh "..<time>" directory, the "..data" link names
// it, and each top-level name in dir is a link through "..data". A reader
// sees the old set of files or the new one, never a mix.
func writePayload(dir string, files payload) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for rel := range files {
		if !validPayloadPath(rel) {
			return fmt.Errorf("invalid path %q in volume", rel)
		}
	}
	oldTarget, _ := os.Readlink(filepath.Join(dir, dataLink))
	ts, err := os.MkdirTemp(dir, ".."+timestampName()+".")
	if err != nil {
		return err
	}
	for rel, f := range files {
		name := filepath.Join(ts, rel)
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(name, f.data, f.mode); err != nil {
			return err
		}
		if err := os.Chmod(name, f.mode); err != nil { // past the umask
			return err
		}
	}
	if err := os.Chmod(ts, 0o755); err != nil {
		return err
	}
	tmpLink := filepath.Join(dir, dataLink+"_tmp")
	os.Remove(tmpLink)
	if err := os.Symlink(filepath.Base(ts), tmpLink); err != nil {
		return err
	}
	if err := os.Rename(tmpLink, filepath.Join(dir, dataLink)); err != nil {
		return err
	}
	top := map[string]bool{}
	for rel := range files {
		first, _, _ := strings.Cut(rel, "/")
		top[first] = true
	}
	for name := range top {
		link := filepath.Join(dir, name)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join(dataLink, name), link); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "..") || top[name] {
			continue
		}
		if target, err := os.Readlink(filepath.Join(dir, name)); err == nil && strings.HasPrefix(target, dataLink+"/") {
			os.Remove(filepath.Join(dir, name))
		}
	}
	if oldTarget != "" && oldTarget != filepath.Base(ts) {
		return os.RemoveAll(filepath.Join(dir, oldTarget))
	}
	return nil
}

func timestampName() string {
	return strings.NewReplacer(":", "_", ".", "_").Replace(time.Now().UTC().Format("2006_01_02_15_04_05.000000000"))
}

// validPayloadPath refuses absolute paths and paths that leave the volume,
// as the API server does for items.
func validPayloadPath(rel string) bool {
	if rel == "" || filepath.IsAbs(rel) || strings.HasPrefix(rel, "..") {
		return false
	}
	for _, part := range strings.Split(rel, "/") {
		if part == ".." || part == "" {
			return false
		}
	}
	return true
}
