// Package static holds the console's stylesheet, script and icons, embedded in the
// binary. The web package serves FS under /static/; views link to the files with
// Path, which adds a content version so browsers may cache them for long.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
)

// FS holds app.css, app.js and favicon.svg at its root.
//
//go:embed app.css app.js favicon.svg
var FS embed.FS

// Prefix is the URL path FS is served under.
const Prefix = "/static/"

// versions maps each embedded file name to the first 12 hex digits of the SHA-256
// of its content. It is computed once, when the package is loaded.
var versions = hashFiles(FS)

// hashFiles returns the short content hash of every file in fsys by path.
// A file that cannot be read is left out (Path then returns it unversioned).
func hashFiles(fsys fs.FS) map[string]string {
	out := map[string]string{}
	_ = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		out[path] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	return out
}

// Path returns the URL of the embedded file name (e.g. "app.css") with a content
// version, such as "/static/app.css?v=3f2a9c0d1e4b". For a name that is not
// embedded it returns the plain URL without a version, which the server answers
// with 404.
func Path(name string) string {
	if v, ok := versions[name]; ok {
		return Prefix + name + "?v=" + v
	}
	return Prefix + name
}
