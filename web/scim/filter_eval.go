package scim

import (
	"strings"
	"time"

	"github.com/appintegration/appintegration/store"
)

// resource is a SCIM resource in its JSON form, as produced by
// encoding/json into any: strings, float64, bool, []any, map[string]any.
// Keys are the canonical attribute names.
type resource = map[string]any

// matches reports whether the bound filter e holds for res.
func matches(e expr, res resource) bool {
	switch e := e.(type) {
	case *logicalExpr:
		if e.Op == "and" {
			return matches(e.Left, res) && matches(e.Right, res)
		}
		return matches(e.Left, res) || matches(e.Right, res)
	case *notExpr:
		return !matches(e.X, res)
	case *presentExpr:
		return len(present(pathValues(res, e.Path))) > 0
	case *valuePathExpr:
		for _, item := range complexValues(res, e.Path) {
			if matches(e.Filter, item) {
				return true
			}
		}
		return false
	case *compareExpr:
		vals := present(pathValues(res, e.Path))
		switch {
		case e.Value == nil && e.Op == "eq":
			return len(vals) == 0
		case e.Value == nil:
			return len(vals) > 0
		case e.Op == "ne":
			for _, v := range vals {
				if compare("eq", v, e.Value, e.Path.target()) {
					return false
				}
			}
			return true
		}
		for _, v := range vals {
			if compare(e.Op, v, e.Value, e.Path.target()) {
				return true
			}
		}
	}
	return false
}

// container returns the object that holds attribute d of res: the
// extension's object for extension attributes (nil when res has none), res
// itself otherwise.
func container(res resource, d *attrDef) resource {
	if isExtension(d.schema) != "" {
		m, _ := res[d.schema].(map[string]any)
		return m
	}
	return res
}

// pathValues returns the values p names in res. A path bound inside a
// valuePath filter (def is the parent) is looked up in res itself, which is
// then one value of the parent attribute.
func pathValues(res resource, p attrPath) []any {
	if p.rel {
		return []any{res[p.subDef.Name]}
	}
	v := container(res, p.def)[p.def.Name]
	if p.subDef == nil {
		if list, ok := v.([]any); ok {
			return list
		}
		return []any{v}
	}
	var out []any
	for _, item := range asItems(v) {
		out = append(out, item[p.subDef.Name])
	}
	return out
}

// complexValues returns the values of the complex attribute p names, each an
// object; a single-valued complex attribute gives one.
func complexValues(res resource, p attrPath) []resource {
	return asItems(container(res, p.def)[p.def.Name])
}

func asItems(v any) []resource {
	switch v := v.(type) {
	case map[string]any:
		return []resource{v}
	case []any:
		out := make([]resource, 0, len(v))
		for _, x := range v {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// present drops unassigned values: null, "", empty lists and objects
// (RFC 7643 §2.5).
func present(vals []any) []any {
	out := vals[:0:0]
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			continue
		case string:
			if x == "" {
				continue
			}
		case []any:
			if len(x) == 0 {
				continue
			}
		case map[string]any:
			if len(x) == 0 {
				continue
			}
		}
		out = append(out, v)
	}
	return out
}

// compare applies op to an attribute value v and a literal of the type d
// has (checked when the filter was bound).
func compare(op string, v, lit any, d *attrDef) bool {
	switch d.Type {
	case typeBoolean:
		b, ok := toBool(v)
		return ok && (b == lit.(bool)) == (op == "eq")
	case typeDateTime:
		s, _ := v.(string)
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return false
		}
		l, _ := time.Parse(time.RFC3339Nano, lit.(string))
		return ordered(op, t.Compare(l))
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	l := lit.(string)
	if !d.CaseExact {
		s, l = store.Fold(s), store.Fold(l)
	}
	switch op {
	case "co":
		return strings.Contains(s, l)
	case "sw":
		return strings.HasPrefix(s, l)
	case "ew":
		return strings.HasSuffix(s, l)
	}
	return ordered(op, strings.Compare(s, l))
}

// ordered turns a three-way comparison into the result of op.
func ordered(op string, c int) bool {
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

// toBool reads a boolean, also from the strings "True" and "False" that Entra
// ID sends.
func toBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(x) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}
