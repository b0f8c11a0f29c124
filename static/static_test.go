package static_test

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/appintegration/appintegration/static"
)

func TestPathVersionsEmbeddedFiles(t *testing.T) {
	versioned := regexp.MustCompile(`^/static/[a-z.]+\?v=[0-9a-f]{12}$`)
	for _, name := range []string{"app.css", "app.js", "favicon.svg"} {
		if _, err := fs.Stat(static.FS, name); err != nil {
			t.Fatalf("%s not embedded: %v", name, err)
		}
		got := static.Path(name)
		if !versioned.MatchString(got) {
			t.Errorf("Path(%q) = %q, want /static/%s?v=<12 hex digits>", name, got, name)
		}
		if again := static.Path(name); again != got {
			t.Errorf("Path(%q) not stable: %q then %q", name, got, again)
		}
	}
	if static.Path("app.css") == static.Path("app.js") {
		t.Error("different files share a version")
	}
}

func TestPathUnknownFileIsUnversioned(t *testing.T) {
	if got, want := static.Path("missing.css"), "/static/missing.css"; got != want {
		t.Errorf("Path(missing) = %q, want %q", got, want)
	}
}
