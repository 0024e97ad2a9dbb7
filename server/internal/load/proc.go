package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Memory is what /proc/<pid>/status says about a process's resident memory.
type Memory struct {
	RSSKB int64 // VmRSS: resident now, in KiB
	HWMKB int64 // VmHWM: the most it was ever resident, in KiB
}

// ReadRSS reads the resident memory of process pid from /proc (Linux only).
func ReadRSS(pid int) (Memory, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/status"
	data, err := os.ReadFile(path)
	if err != nil {
		return Memory{}, fmt.Errorf("reading memory of process %d: %w", pid, err)
	}
	var m Memory
	found := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case bytes.HasPrefix(line, []byte("VmRSS:")):
			m.RSSKB, err = parseKB(line[len("VmRSS:"):])
			found = true
		case bytes.HasPrefix(line, []byte("VmHWM:")):
			m.HWMKB, err = parseKB(line[len("VmHWM:"):])
		}
		if err != nil {
			return Memory{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	if !found {
		return Memory{}, fmt.Errorf("%s has no VmRSS line (is process %d a zombie?)", path, pid)
	}
	return m, nil
}

// parseKB parses the value of a status line such as "   1234 kB".
func parseKB(b []byte) (int64, error) {
	f := bytes.Fields(b)
	if len(f) != 2 || string(f[1]) != "kB" {
		return 0, fmt.Errorf("memory value %q: want \"<number> kB\"", bytes.TrimSpace(b))
	}
	v, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("memory value %q: %w", bytes.TrimSpace(b), err)
	}
	return v, nil
}

// userHZ is the unit of the CPU times in /proc/<pid>/stat: Linux reports
// them in 1/100 s on every architecture Natter runs on.
const userHZ = 100

// ReadCPU reads the CPU time process pid has used so far, user and system
// together, from /proc (Linux only); the resolution is 10 ms.
func ReadCPU(pid int) (time.Duration, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/stat"
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("reading CPU time of process %d: %w", pid, err)
	}
	// The command name, in parentheses, may hold spaces: count fields from
	// the last ')'. utime and stime are fields 14 and 15 of the line.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("%s: no command name in %q", path, data)
	}
	f := bytes.Fields(data[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("%s: %d fields after the command name, want at least 13", path, len(f))
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}
