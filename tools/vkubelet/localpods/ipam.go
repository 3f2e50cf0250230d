package localpods

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"os"
	"path/filepath"
	"sync"
)

// ipTable gives every pod name its own loopback address and keeps it: a pod
// deleted and created again under the same namespace/name gets the address
// it had, as a StatefulSet's pod keeps its DNS name. The table is saved in
// the root directory, so the addresses also survive a restart of vkubelet.
// Entries are never freed; the default range holds four million.
type ipTable struct {
	mu    sync.Mutex
	file  string
	first uint32 // first usable address
	size  uint32 // number of usable addresses
	byPod map[string]string
	byIP  map[string]string
}

func newIPTable(file, cidr string) (*ipTable, error) {
	_, network, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, fmt.Errorf("pod CIDR %q: %w", cidr, err)
	}
	ip4 := network.IP.To4()
	if ip4 == nil || !ip4.IsLoopback() {
		return nil, fmt.Errorf("pod CIDR %q: want an IPv4 range inside 127.0.0.0/8, where every address reaches this host", cidr)
	}
	ones, bits := network.Mask.Size()
	if bits-ones < 2 || bits-ones > 24 {
		return nil, fmt.Errorf("pod CIDR %q: want a prefix between /8 and /30", cidr)
	}
	t := &ipTable{
		file:  file,
		first: binary.BigEndian.Uint32(ip4) + 1, // not the network's own address
		size:  uint32(1)<<uint(bits-ones) - 2,   // nor its broadcast address
		byPod: map[string]string{},
		byIP:  map[string]string{},
	}
	data, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if len(data) > 0 {
		saved := map[string]string{}
		if err := json.Unmarshal(data, &saved); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for pod, ip := range saved {
			// An address outside a changed --pod-cidr is given anew.
			if t.contains(ip) && t.byIP[ip] == "" {
				t.byPod[pod] = ip
				t.byIP[ip] = pod
			}
		}
	}
	return t, nil
}

func (t *ipTable) contains(ip string) bool {
	p := net.ParseIP(ip).To4()
	if p == nil {
		return false
	}
	n := binary.BigEndian.Uint32(p)
	return n >= t.first && n-t.first < t.size
}

// get returns the address of the pod "namespace/name", giving it one if it
// has none. The first choice is a hash of the name, so two nodes that share
// a range rarely give one address to two pods; see README.md.
func (t *ipTable) get(pod string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ip, ok := t.byPod[pod]; ok {
		return ip, nil
	}
	if uint32(len(t.byIP)) >= t.size {
		return "", fmt.Errorf("pod CIDR is full: %d addresses given", len(t.byIP))
	}
	h := fnv.New32a()
	h.Write([]byte(pod))
	start := h.Sum32() % t.size
	for i := uint32(0); i < t.size; i++ {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], t.first+(start+i)%t.size)
		ip := net.IP(b[:]).String()
		if _, taken := t.byIP[ip]; taken {
			continue
		}
		t.byPod[pod] = ip
		t.byIP[ip] = pod
		if err := t.save(); err != nil {
			delete(t.byPod, pod)
			delete(t.byIP, ip)
			return "", err
		}
		return ip, nil
	}
	return "", fmt.Errorf("pod CIDR is full")
}

func (t *ipTable) save() error {
	data, err := json.MarshalIndent(t.byPod, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(t.file, append(data, '\n'), 0o644)
}

// writeFileAtomic writes a temporary file beside name and renames it, so a
// reader sees the old content or the new, never a part.
func writeFileAtomic(name string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
