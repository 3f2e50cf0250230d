package local

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// A formatted KRaft data directory (static quorum, Kafka 3.9 to 4.3) holds
// two files: bootstrap.checkpoint, the metadata a new cluster starts from
// (its metadata.version and feature levels: the same for every cluster of
// one Kafka version), and meta.properties, the directory's identity (cluster,
// node, directory ids), written last as the "formatted" marker. Streamplane
// has Kafka's StorageTool write the first once per runtime and writes both
// itself for every broker, instead of a JVM per broker.
const (
	metaPropertiesFile      = "meta.properties"
	bootstrapCheckpointFile = "bootstrap.checkpoint"
)

// metaProperties is a KRaft data directory's meta.properties (version 1),
// as Java's Properties.load reads it.
func metaProperties(clusterID string, nodeID int, directoryID string) []byte {
	return []byte("#written by Streamplane, as kafka-storage format would\n" +
		"version=1\n" +
		"cluster.id=" + clusterID + "\n" +
		"node.id=" + strconv.Itoa(nodeID) + "\n" +
		"directory.id=" + directoryID + "\n")
}

// newDirectoryID returns a log directory id as Kafka draws one: a random
// Uuid in unpadded base64url, redrawn if its text starts with '-' or it is
// one of the reserved ids (the upper 64 bits zero).
func newDirectoryID() string {
	for {
		b := make([]byte, 16)
		rand.Read(b)
		if id, ok := directoryID(b); ok {
			return id
		}
	}
}

// directoryID encodes 16 bytes as a directory id, if Kafka would accept it.
func directoryID(b []byte) (string, bool) {
	id := base64.RawURLEncoding.EncodeToString(b)
	if id[0] == '-' || binary.BigEndian.Uint64(b[:8]) == 0 {
		return "", false
	}
	return id, true
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checkBootstrapCheckpoint checks that b is what StorageTool writes as
// bootstrap.checkpoint: Kafka record batches (magic 2) with intact CRCs,
// opening with a snapshot header, closing with a snapshot footer, and a
// metadata.version feature record in between. It is the guard on a
// template before it is copied into every broker's storage.
func checkBootstrapCheckpoint(b []byte) error {
	var controls []int16
	sawMetadataVersion := false
	for off := 0; off < len(b); {
		if len(b)-off < 61 {
			return fmt.Errorf("truncated batch header at byte %d", off)
		}
		length := int(int32(binary.BigEndian.Uint32(b[off+8:])))
		if length < 49 || off+12+length > len(b) {
			return fmt.Errorf("bad batch length %d at byte %d", length, off)
		}
		batch := b[off : off+12+length]
		if batch[16] != 2 {
			return fmt.Errorf("batch at byte %d has magic %d, want 2", off, batch[16])
		}
		if got, want := crc32.Checksum(batch[21:], castagnoli), binary.BigEndian.Uint32(batch[17:]); got != want {
			return fmt.Errorf("batch at byte %d fails its CRC", off)
		}
		control := binary.BigEndian.Uint16(batch[21:])&0x20 != 0
		records := batch[61:]
		for n := binary.BigEndian.Uint32(batch[57:]); n > 0; n-- {
			key, value, rest, err := nextRecord(records)
			if err != nil {
				return fmt.Errorf("batch at byte %d: %w", off, err)
			}
			records = rest
			switch {
			case control:
				if len(key) != 4 {
					return fmt.Errorf("control record with a %d-byte key", len(key))
				}
				controls = append(controls, int16(binary.BigEndian.Uint16(key[2:])))
			case isFeatureLevel(value, "metadata.version"):
				sawMetadataVersion = true
			}
		}
		off += len(batch)
	}
	const snapshotHeader, snapshotFooter = 3, 4
	switch {
	case len(controls) < 2 || controls[0] != snapshotHeader || controls[len(controls)-1] != snapshotFooter:
		return errors.New("not a snapshot: no header and footer control records")
	case !sawMetadataVersion:
		return errors.New("no metadata.version record")
	}
	return nil
}

// nextRecord splits one record (Kafka's DefaultRecord) off the front of b.
func nextRecord(b []byte) (key, value, rest []byte, err error) {
	length, n := binary.Varint(b)
	if n <= 0 || length < 0 || int(length) > len(b)-n {
		return nil, nil, nil, errors.New("bad record length")
	}
	rec, rest := b[n:n+int(length)], b[n+int(length):]
	r := bytes.NewReader(rec)
	if _, err := r.ReadByte(); err != nil { // attributes
		return nil, nil, nil, errors.New("empty record")
	}
	for range 2 { // timestamp and offset deltas
		if _, err := binary.ReadVarint(r); err != nil {
			return nil, nil, nil, errors.New("truncated record")
		}
	}
	field := func() ([]byte, error) {
		l, err := binary.ReadVarint(r)
		if err != nil || l > int64(r.Len()) {
			return nil, errors.New("truncated record")
		}
		if l < 0 {
			return nil, nil
		}
		out := make([]byte, l)
		r.Read(out)
		return out, nil
	}
	if key, err = field(); err != nil {
		return nil, nil, nil, err
	}
	if value, err = field(); err != nil {
		return nil, nil, nil, err
	}
	return key, value, rest, nil
}

// isFeatureLevel reports whether a metadata record's value is a
// FeatureLevelRecord (api key 12) for the named feature.
func isFeatureLevel(value []byte, name string) bool {
	r := bytes.NewReader(value)
	frame, err1 := binary.ReadUvarint(r)
	api, err2 := binary.ReadUvarint(r)
	_, err3 := binary.ReadUvarint(r) // record version
	l, err4 := binary.ReadUvarint(r) // compact string: length + 1
	if err := errors.Join(err1, err2, err3, err4); err != nil || frame != 1 || api != 12 || l == 0 || l-1 > uint64(r.Len()) {
		return false
	}
	got := make([]byte, l-1)
	r.Read(got)
	return string(got) == name
}

// checkFormattedDir checks that a directory StorageTool formatted holds
// exactly the two files Streamplane knows how to reproduce, with the
// meta.properties keys it writes. A Kafka version that formats otherwise
// (trunk moves the bootstrap into a snapshot under __cluster_metadata-0)
// keeps being formatted by StorageTool itself.
func checkFormattedDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != bootstrapCheckpointFile+","+metaPropertiesFile {
		return fmt.Errorf("StorageTool wrote %v, not just %s and %s", names, bootstrapCheckpointFile, metaPropertiesFile)
	}
	raw, err := os.ReadFile(filepath.Join(dir, metaPropertiesFile))
	if err != nil {
		return err
	}
	var keys []string
	for _, line := range strings.Split(string(raw), "\n") {
		if k, _, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if got := strings.Join(keys, ","); got != "cluster.id,directory.id,node.id,version" {
		return fmt.Errorf("StorageTool's meta.properties has keys %s", got)
	}
	if !strings.Contains(string(raw), "version=1\n") {
		return errors.New("StorageTool's meta.properties is not version 1")
	}
	return nil
}

// writeStorage formats dataDir from a bootstrap template: the bootstrap
// first, meta.properties last, each replaced atomically and synced, so a
// crash leaves either an unformatted directory or a formatted one.
func writeStorage(dataDir, clusterID string, nodeID int, bootstrap []byte) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("local: create %s: %w", dataDir, err)
	}
	if err := writeFileSynced(filepath.Join(dataDir, bootstrapCheckpointFile), bootstrap); err != nil {
		return err
	}
	if err := writeFileSynced(filepath.Join(dataDir, metaPropertiesFile), metaProperties(clusterID, nodeID, newDirectoryID())); err != nil {
		return err
	}
	return syncDir(dataDir)
}

// writeFileSynced is writeFileAtomic with the data on disk before the
// rename: a formatted marker must never name an empty file.
func writeFileSynced(path string, body []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("local: write %s: %w", path, err)
	}
	_, err = f.Write(body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("local: write %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("local: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("local: sync %s: %w", dir, err)
	}
	return nil
}
