package local

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"

	streamplane "github.com/streamplane/streamplane"
)

// Logs returns the last lines of a broker's server.log.
func (p *Provisioner) Logs(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker, lines int) (string, error) {
	return tailFile(p.layout.serverLog(inst.ID, b.ID), lines)
}

// tailFile returns the last n lines of a file, reading only its end.
func tailFile(path string, n int) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", streamplane.Errorf(streamplane.ENOTFOUND, "the broker has written no log yet")
	} else if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	const chunk = 64 << 10
	size := st.Size()
	var buf []byte
	for off := size; off > 0 && bytes.Count(buf, []byte{'\n'}) <= n; {
		read := min(int64(chunk), off)
		off -= read
		part := make([]byte, read)
		if _, err := f.ReadAt(part, off); err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		buf = append(part, buf...)
		if int64(len(buf)) > 16<<20 {
			break // a log of giant lines: enough
		}
	}
	return lastLines(string(buf), n) + "\n", nil
}
