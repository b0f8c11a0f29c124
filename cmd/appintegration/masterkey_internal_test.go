package main

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appintegration/appintegration/store/sealed"
)

// TestMasterKeySources: --master-key-file, then APPINT_MASTER_KEY_FILE, then
// APPINT_MASTER_KEY, then <data>/master.key; both environment variables at
// once are refused unless the flag settles it.
func TestMasterKeySources(t *testing.T) {
	dir := t.TempDir()
	keys := map[string]sealed.Key{}
	for _, name := range []string{"flag", "env-file", "env", "default"} {
		k, err := sealed.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = k
	}
	write := func(name string, k sealed.Key) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(k.Encode()), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flagFile, envFile := write("flag.key", keys["flag"]), write("env.key", keys["env-file"])
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join("data", "master.key"), keys["default"])
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"default", nil, nil, "default", ""},
		{"key in env", nil, map[string]string{"APPINT_MASTER_KEY": keys["env"].Encode()}, "env", ""},
		{"file in env", nil, map[string]string{"APPINT_MASTER_KEY_FILE": envFile}, "env-file", ""},
		{"flag over both", []string{"--master-key-file", flagFile},
			map[string]string{"APPINT_MASTER_KEY_FILE": envFile, "APPINT_MASTER_KEY": keys["env"].Encode()}, "flag", ""},
		{"both env", nil, map[string]string{"APPINT_MASTER_KEY_FILE": envFile, "APPINT_MASTER_KEY": keys["env"].Encode()}, "", "both set"},
		{"bad key in env", nil, map[string]string{"APPINT_MASTER_KEY": "c2hvcnQ="}, "", "APPINT_MASTER_KEY"},
		{"missing file", []string{"--master-key-file", filepath.Join(dir, "nope")}, nil, "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg Config
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			commonFlags(fs, &cfg, func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if err := fs.Parse(append([]string{"--data", data}, tt.args...)); err != nil {
				t.Fatal(err)
			}
			err := cfg.finish()
			var mk masterKey
			if err == nil {
				mk, err = loadMasterKey(cfg, false, slog.New(slog.NewTextHandler(io.Discard, nil)))
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want one about %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !mk.key.Equal(keys[tt.want]) {
				t.Errorf("got the key from %q (%v), want %s", mk.source, err, tt.want)
			}
		})
	}
}

func TestParseOldSecretLifetime(t *testing.T) {
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour,
		"36h": 36 * time.Hour, "1h30m": 90 * time.Minute, "3600": time.Hour} {
		if got, err := parseOldSecretLifetime(in); err != nil || got != want {
			t.Errorf("parseOldSecretLifetime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "-1d", "1.5d", "a week"} {
		if _, err := parseOldSecretLifetime(in); err == nil {
			t.Errorf("parseOldSecretLifetime(%q) succeeded", in)
		}
	}
}
