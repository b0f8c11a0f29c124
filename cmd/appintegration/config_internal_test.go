package main

import (
	"io"
	"math"
	"testing"
)

// TestParseMemoryLimit is internal: package main exports nothing to test from
// outside; TestMemoryLimitFlag checks the flag on the real binary.
func TestParseMemoryLimit(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: "100MiB", want: 100 << 20},
		{in: "2GiB", want: 2 << 30},
		{in: "1TiB", want: 1 << 40},
		{in: "512KiB", want: 512 << 10},
		{in: "1048576", want: 1 << 20},
		{in: "4096B", want: 4096},
		{in: " 64MiB ", want: 64 << 20},
		{in: "0", want: math.MaxInt64},
		{in: "off", want: math.MaxInt64},
		{in: "OFF", want: math.MaxInt64},
		{in: "", wantErr: true},
		{in: "-1MiB", wantErr: true},
		{in: "1.5GiB", wantErr: true},
		{in: "100MB", wantErr: true},
		{in: "lots", wantErr: true},
		{in: "9000000TiB", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseMemoryLimit(tt.in)
		if (err != nil) != tt.wantErr || (err == nil && got != tt.want) {
			t.Errorf("parseMemoryLimit(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestMetricsAddrFromEnv: APPINT_METRICS_ADDR names the metrics listener;
// set and empty (like --metrics-addr "" or off) it disables them; unset, the
// default serves them on loopback.
func TestMetricsAddrFromEnv(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unset", map[string]string{}, defaultMetricsAddr},
		{"set", map[string]string{"APPINT_METRICS_ADDR": "127.0.0.1:9999"}, "127.0.0.1:9999"},
		{"empty", map[string]string{"APPINT_METRICS_ADDR": ""}, ""},
		{"off", map[string]string{"APPINT_METRICS_ADDR": "off"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := getenv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			var cfg Config
			fs := newFlagSet("serve", "serve [flags]", io.Discard)
			commonFlags(fs, &cfg, env)
			serveFlags(fs, &cfg, env)
			if err := parseFlags(fs, nil, &cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.MetricsAddr != tt.want {
				t.Errorf("metrics address %q, want %q", cfg.MetricsAddr, tt.want)
			}
		})
	}
}
