package main_test

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// memoryLimitOf reads the Go runtime's soft memory limit from a running
// server's /metrics.
func memoryLimitOf(t *testing.T, s *server) float64 {
	t.Helper()
	resp, err := http.Get(s.metricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go_gc_gomemlimit_bytes (\S+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no go_gc_gomemlimit_bytes in /metrics")
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMemoryLimitFlag: the server's soft memory limit is 100 MiB by default,
// GOMEMLIMIT when set, --memory-limit (or APPINT_MEMORY_LIMIT) when given, and
// none with "off"; a malformed value is a usage error.
func TestMemoryLimitFlag(t *testing.T) {
	const none = float64(1<<63 - 1)
	if got := memoryLimitOf(t, startServer(t, t.TempDir())); got != 100<<20 {
		t.Errorf("default limit %v, want 100 MiB", got)
	}
	if got := memoryLimitOf(t, startServer(t, t.TempDir(), "--memory-limit", "256MiB")); got != 256<<20 {
		t.Errorf("--memory-limit 256MiB: %v", got)
	}
	if got := memoryLimitOf(t, startServer(t, t.TempDir(), "--memory-limit", "off")); got != none {
		t.Errorf("--memory-limit off: %v", got)
	}
	t.Setenv("GOMEMLIMIT", "300MiB")
	if got := memoryLimitOf(t, startServer(t, t.TempDir())); got != 300<<20 {
		t.Errorf("GOMEMLIMIT=300MiB: %v", got)
	}
	t.Setenv("APPINT_MEMORY_LIMIT", "64MiB") // the flag's variable wins over GOMEMLIMIT
	if got := memoryLimitOf(t, startServer(t, t.TempDir())); got != 64<<20 {
		t.Errorf("APPINT_MEMORY_LIMIT=64MiB: %v", got)
	}
	out, status := runCLIStatus(t, "serve", "--data", t.TempDir(), "--memory-limit", "a lot")
	if status != 2 || !strings.Contains(out, "--memory-limit") {
		t.Errorf("malformed limit: exit %d, %s", status, out)
	}
}
