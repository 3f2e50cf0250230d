package collector

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Linux reports process CPU time in clock ticks of USER_HZ, 100 on every
// architecture Go runs Linux on (the kernel's ABI fixes it for /proc).
const clockTicksPerSecond = 100

// procStat is what /proc tells of a broker process.
type procStat struct {
	cpuSeconds float64 // user + system time since the process started
	rssBytes   int64
}

// readProc reads a process's CPU time and resident memory.
func readProc(root string, pid int) (procStat, error) {
	stat, err := os.ReadFile(fmt.Sprintf("%s/%d/stat", root, pid))
	if err != nil {
		return procStat{}, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// fields are counted after its closing parenthesis.
	s := string(stat)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return procStat{}, fmt.Errorf("%s/%d/stat: no command name", root, pid)
	}
	f := strings.Fields(s[end+1:])
	// After the name: state(3) ppid(4) … utime(14) stime(15) … rss(24).
	if len(f) < 22 {
		return procStat{}, fmt.Errorf("%s/%d/stat: %d fields", root, pid, len(f))
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	rssPages, err3 := strconv.ParseInt(f[21], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procStat{}, fmt.Errorf("%s/%d/stat: bad numbers", root, pid)
	}
	return procStat{cpuSeconds: (utime + stime) / clockTicksPerSecond, rssBytes: rssPages * int64(os.Getpagesize())}, nil
}

// loadPerCore is the host's one-minute load average per CPU.
func loadPerCore(root string, cpus int) (float64, error) {
	b, err := os.ReadFile(root + "/loadavg")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("%s/loadavg is empty", root)
	}
	load, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0, fmt.Errorf("%s/loadavg: %w", root, err)
	}
	return load / float64(cpus), nil
}
